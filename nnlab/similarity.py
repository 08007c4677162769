"""Similar submissions across a class: which learners' code is too alike to be independent.

Each module is compared on what the learner wrote, not on what the course gave them:

1. `written_code(source)`: docstrings and comments go, the layout is Python's own
   (`ast.unparse`) and the functions come in the order of their names, so changed comments,
   blank lines, spacing and reordered functions count for nothing;
2. copydetect fingerprints that code (names become one letter, so renamed variables count
   for nothing) with the released stub's fingerprints as boilerplate, so two honest learners
   who both kept the stub's scaffolding share nothing by it;
3. fragments that many learners wrote (more than a fifth of the class by default, as MOSS
   ignores passages found in many programs) count for nothing either: they are the idioms
   of the exercise, not a copy;
4. every pair of learners who both wrote enough of a module is compared; the share of a pair is
   the mean of the two learners' fractions of own code found in the other's (symmetric: a
   copier who adds code of their own lowers one side, not both);
5. pairs at or above the course's threshold are reported, and pairs that chain (three learners
   sharing one source) are joined into one group.

Notebooks compare on their exercise cells' code: intake rebuilds the module from them, so a
notebook and a `.py` hand-in of the same code are alike. Flags from here never change a score.
"""

from __future__ import annotations

import ast
import copy
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nnlab.course import Course

# copydetect's own defaults: a match must span 25 characters of normalised code to count, and
# any match of 30 or more is guaranteed to be found (the winnowing window is the difference).
NOISE_CHARACTERS = 25
GUARANTEE_CHARACTERS = 30
# A fragment that this many learners wrote is never "common": a copy ring can be this large.
COMMON_FLOOR = 4


@dataclass(frozen=True)
class ModuleMatch:
    """How alike two learners' code of one module is."""

    module: str
    share: float  # the mean of the two learners' shares of own code found in the other's
    shares: tuple[float, float]  # each learner's share, in the pair's order
    code: tuple[str, str]  # each learner's normalised code (what was compared)
    spans: tuple[list[tuple[int, int]], list[tuple[int, int]]]  # shared [start, end) in `code`


@dataclass
class SimilarPair:
    learners: tuple[str, str]
    matches: list[ModuleMatch]  # the modules at or above the threshold, highest first

    @property
    def share(self) -> float:
        return max(m.share for m in self.matches)

    @property
    def modules(self) -> list[str]:
        return [m.module for m in self.matches]


@dataclass
class SimilarGroup:
    learners: list[str]  # sorted; two or more
    pairs: list[SimilarPair] = field(default_factory=list)


@dataclass
class SimilarityReport:
    threshold: float
    pairs: list[SimilarPair]  # highest share first
    groups: list[SimilarGroup]  # largest first
    compared: dict[str, int]  # module -> learners with enough own code to compare

    def flags(self) -> dict[str, list[str]]:
        """learner -> one flag per similar learner, e.g. "similar to ben (activations 92%)"."""
        out: dict[str, list[str]] = {}
        for pair in self.pairs:
            what = ", ".join(f"{m.module} {m.share:.0%}" for m in pair.matches)
            a, b = pair.learners
            out.setdefault(a, []).append(f"similar to {b} ({what})")
            out.setdefault(b, []).append(f"similar to {a} ({what})")
        return out


def written_code(source: str) -> str:
    """The code of a module without docstrings and comments, in Python's own layout, its
    functions and classes in the order of their names.

    A file that does not parse is compared as written (its comments still count for nothing:
    copydetect drops them)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return source
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
    # Top-level functions and classes in the order of their names (which the contract fixes),
    # after everything else: the order a learner wrote them in counts for nothing.
    named = sorted((n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                             ast.ClassDef))), key=lambda n: n.name)
    tree.body = [n for n in tree.body if n not in named] + named
    try:
        return ast.unparse(tree)
    except (ValueError, RecursionError):  # a pathological tree: compare it as written
        return source


def _fingerprint(code: str, module: str, boilerplate=None):
    from copydetect import CodeFingerprint

    return CodeFingerprint(f"{module}.py", NOISE_CHARACTERS,
                           GUARANTEE_CHARACTERS - NOISE_CHARACTERS + 1,
                           boilerplate=boilerplate, fp=io.StringIO(code), language="python")


def compare_module(module: str, sources: dict[str, str], stub: str | None, threshold: float,
                   min_characters: int, common_fraction: float
                   ) -> tuple[list[tuple[tuple[str, str], ModuleMatch]], int]:
    """The pairs of learners whose code of `module` is alike at or above `threshold`.

    `sources`: learner -> the module's source as handed in; `stub`: the released stub. What
    counts for nothing: the stub's fingerprints, and (as MOSS does) fragments that more than
    `common_fraction` of the class wrote (at least `COMMON_FLOOR` learners): the idioms of a
    one-line activation function are everybody's, and a copy ring is a handful of learners.
    Learners left with fewer than `min_characters` of normalised code of their own are not
    compared. Returns the matches and how many learners were compared.
    """
    from copydetect import compare_files

    stub_prints = sorted(_fingerprint(written_code(stub), module).hashes) if stub is not None else []
    codes = {learner: written_code(source) for learner, source in sorted(sources.items())}
    first = {learner: _fingerprint(code, module, stub_prints) for learner, code in codes.items()}
    held = Counter(value for fingerprint in first.values() for value in fingerprint.hashes)
    limit = max(COMMON_FLOOR, common_fraction * len(first))
    common = {value for value, count in held.items() if count > limit}
    boilerplate = np.array(sorted(set(stub_prints) | common), dtype=np.int64)
    prints = {}
    for learner, code in codes.items():
        fingerprint = _without(first[learner], boilerplate) if common else first[learner]
        if fingerprint.token_coverage >= min_characters:
            prints[learner] = (code, fingerprint)
    # an inverted index: only pairs that share a fingerprint are compared at all
    holders: dict[int, list[str]] = {}
    for learner, (_, fingerprint) in prints.items():
        for value in fingerprint.hashes:
            holders.setdefault(value, []).append(learner)
    candidates = {(a, b) for names in holders.values() for i, a in enumerate(names)
                  for b in names[i + 1:]}
    found = []
    for a, b in sorted(candidates):
        (code_a, print_a), (code_b, print_b) = prints[a], prints[b]
        _, (share_a, share_b), (slices_a, slices_b) = compare_files(print_a, print_b)
        share = float(share_a + share_b) / 2
        if share >= threshold:
            found.append(((a, b), ModuleMatch(module, share, (float(share_a), float(share_b)),
                                              (code_a, code_b),
                                              (_spans(slices_a), _spans(slices_b)))))
    return found, len(prints)


def _without(fingerprint, boilerplate):
    """`fingerprint` winnowed again with more boilerplate, reusing its tokenised code (the
    lexer is nearly all of the cost of a fingerprint)."""
    from copydetect.utils import get_document_fingerprints, get_token_coverage

    again = copy.copy(fingerprint)
    again.hashes, again.hash_idx = get_document_fingerprints(fingerprint.filtered_code, fingerprint.k,
                                                             GUARANTEE_CHARACTERS - NOISE_CHARACTERS + 1,
                                                             boilerplate)
    again.token_coverage = get_token_coverage(again.hash_idx, fingerprint.k, len(fingerprint.filtered_code))
    return again


def _spans(slices) -> list[tuple[int, int]]:
    if len(slices) == 0 or len(slices[0]) == 0:
        return []
    return [(int(start), int(end)) for start, end in zip(slices[0], slices[1])]


def find_similar(sources: dict[str, dict[str, str]], stubs: dict[str, str], threshold: float,
                 min_characters: int, common_fraction: float) -> SimilarityReport:
    """Similar pairs and groups of a class. `sources`: learner -> module -> source text;
    `stubs`: module -> the released stub."""
    modules = sorted({m for files in sources.values() for m in files})
    by_pair: dict[tuple[str, str], list[ModuleMatch]] = {}
    compared = {}
    for module in modules:
        texts = {learner: files[module] for learner, files in sources.items() if module in files}
        matches, compared[module] = compare_module(module, texts, stubs.get(module), threshold,
                                                   min_characters, common_fraction)
        for pair, match in matches:
            by_pair.setdefault(pair, []).append(match)
    pairs = [SimilarPair(pair, sorted(found, key=lambda m: -m.share)) for pair, found in by_pair.items()]
    pairs.sort(key=lambda p: (-p.share, p.learners))
    return SimilarityReport(threshold, pairs, _groups(pairs), compared)


def _groups(pairs: list[SimilarPair]) -> list[SimilarGroup]:
    """Learners joined by similar pairs, as connected groups (union-find)."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.setdefault(name, name) != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for pair in pairs:
        parent[root(pair.learners[0])] = root(pair.learners[1])
    members: dict[str, list[str]] = {}
    for name in list(parent):
        members.setdefault(root(name), []).append(name)
    groups = [SimilarGroup(sorted(names), [p for p in pairs if root(p.learners[0]) == key])
              for key, names in members.items()]
    return sorted(groups, key=lambda g: (-len(g.learners), g.learners))


def class_sources(paths: list[Path], course: Course) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Every learner's module sources under `paths` (folders, zips, notebooks, nbgrader trees),
    read by intake as grading reads them, and one note per hand-in that could not be read."""
    from nnlab.intake import discover, load
    from nnlab.grading.submission import SubmissionError
    from nnlab.intake.archive import ArchiveError

    modules = course.graded_modules()
    entries, notes = discover(paths, modules)
    sources: dict[str, dict[str, str]] = {}
    for entry in entries:
        try:
            submission = load(entry, modules)
        except (SubmissionError, ArchiveError) as error:
            notes.append(f"{entry.label}: not compared ({error})")
            continue
        files = {name[:-3]: content.decode("utf-8", errors="replace")
                 for name, content in submission.files.items()}
        sources.setdefault(entry.learner, {}).update(files)
    return sources, notes


def released_stubs(course: Course) -> dict[str, str]:
    """module -> the stub learners were given (exercises/<module>.py), where it exists."""
    stubs = {}
    for module in course.graded_modules():
        path = course.root / "exercises" / f"{module}.py"
        if path.is_file():
            stubs[module] = path.read_text(encoding="utf-8")
    return stubs


def similar_submissions(paths: list[Path], course: Course) -> tuple[SimilarityReport, list[str]]:
    """The class under `paths` compared with the course's settings (course.yml `similarity`)."""
    sources, notes = class_sources(paths, course)
    settings = course.similarity
    return find_similar(sources, released_stubs(course), settings.threshold,
                        settings.min_characters, settings.common_fraction), notes
