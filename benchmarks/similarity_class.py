"""What comparing a class for similar submissions costs, beside copydetect's own detector.

    .venv/bin/python benchmarks/similarity_class.py [--learners 300] [--modules 10]

A generated class (tests/similarity/generated_class.py: every learner writes activations.py
their own way, a few disguised copies planted) of `--learners` learners, each handing in the
same file under `--modules` module names (the cost of a whole course: every module is compared
on its own). It times `nnlab.similarity.find_similar` (normalising with ast, fingerprinting,
the class's common fragments, an inverted index, every candidate pair) and, on the same files
of one module, copydetect's own `CopyDetector` (every pair, its defaults), and prints both in
seconds and their ratio. The figures go in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nnlab.course import load_course  # noqa: E402
from nnlab.similarity import find_similar, released_stubs  # noqa: E402
from tests.similarity.generated_class import generated_class  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--modules", type=int, default=10)
    args = parser.parse_args()
    course = load_course(ROOT)
    settings, stub = course.similarity, released_stubs(course)["activations"]
    sources, planted = generated_class(0, learners=args.learners - 4, copies=4)
    names = [f"module{i}" for i in range(args.modules)]
    whole = {learner: {name: files["activations"] for name in names} for learner, files in sources.items()}
    started = time.perf_counter()
    report = find_similar(whole, {name: stub for name in names}, settings.threshold,
                          settings.min_characters, settings.common_fraction)
    ours = time.perf_counter() - started
    found = {frozenset(p.learners) for p in report.pairs}
    print(f"nnlab.similarity: {len(sources)} learners x {args.modules} modules in {ours:.1f} s "
          f"({ours / args.modules:.2f} s a module); planted pairs found {len(found & planted)}/"
          f"{len(planted)}, other pairs {len(found - planted)}")

    from copydetect import CopyDetector

    with tempfile.TemporaryDirectory() as folder:
        for learner, files in sources.items():
            (Path(folder) / f"{learner}.py").write_text(files["activations"])
        (Path(folder) / "stub").mkdir()
        (Path(folder) / "stub" / "activations.py").write_text(stub)
        started = time.perf_counter()
        detector = CopyDetector(test_dirs=[folder], boilerplate_dirs=[str(Path(folder) / "stub")],
                                extensions=["py"], display_t=settings.threshold, silent=True,
                                disable_filtering=False, autoopen=False)
        detector.run()
        theirs = time.perf_counter() - started
    print(f"copydetect CopyDetector: the same {len(sources)} files of one module in {theirs:.1f} s")
    print(f"ratio, one module: nnlab {ours / args.modules:.2f} s / copydetect {theirs:.2f} s = "
          f"{ours / args.modules / theirs:.2f}")


if __name__ == "__main__":
    main()
