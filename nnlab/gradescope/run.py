"""`python -m nnlab.gradescope.run --root /autograder`: grade one Gradescope submission.

Top to bottom, in `grade`: read the bundle's assignment and seed keys; wall the course off from
learner code (as root without namespaces: /autograder made unreadable to other users, and
checked live, nnlab.sandbox.wall); find the learner (the submitter's email, else sid, from
`submission_metadata.json`) and the hand-in (module files, notebooks or a zip, at the top of
`ROOT/submission` or inside one folder there, as nnlab.intake takes them); grade the
assignment's modules only, with that learner's seeds; write `ROOT/results/results.json` in
Gradescope's schema: public checks (for notebooks too) visible now, hidden tests after the due
date.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

IGNORED_UPLOAD_NAMES = ("__MACOSX",)


def public_checks(submission, course, modules: list[str]) -> list[dict]:
    """The public checks as visible, zero-point tests (what `nnlab check` shows the learner),
    run on the module files graded (rebuilt from notebooks too), in a private temporary folder."""
    from nnlab.selfcheck import run_checks

    checks_dir = course.root / "exercises" / "checks"
    tests = []
    with tempfile.TemporaryDirectory(prefix="nnlab-public-") as tmp:
        folder = Path(tmp)
        for name, content in submission.files.items():
            (folder / name).write_bytes(content)
        for module in modules:
            if not (folder / f"{module}.py").is_file() or not (checks_dir / f"{module}.json").is_file():
                continue
            try:
                results = run_checks(folder, module, limits=course.limits, tolerances=course.tolerances,
                                     checks_dir=checks_dir)
            except Exception as error:  # the checks are a courtesy: never cost the grade
                tests.append({"name": f"{module}: public checks", "status": "failed", "score": 0,
                              "max_score": 0, "output": f"could not run: {error}", "visibility": "visible"})
                continue
            for check in results:
                tests.append({"name": f"{check.qualname}: public checks ({check.passed}/{check.total})",
                              "score": 0, "max_score": 0,
                              "status": "passed" if check.status == "pass" else "failed",
                              "output": "\n".join(check.problems[:3]), "visibility": "visible"})
    return tests


def answers_check(submission, course, modules: list[str]) -> list[dict]:
    """A visible, zero-point test saying whether an uploaded answers.yml is well formed (what
    `nnlab check` says of it), never whether its answers are right: that is the questions'
    own tests, shown with the hidden ones."""
    from nnlab.grading.submission import ANSWERS_FILE
    from nnlab.questions import answers_form, question_catalogue

    if submission is None or submission.answers is None or submission.answers_from != ANSWERS_FILE:
        return []
    if submission.answers_problem:
        lines = [submission.answers_problem]
    else:
        catalogue = question_catalogue(course)
        catalogue["questions"] = [q for q in catalogue["questions"] if q["module"] in modules]
        with tempfile.TemporaryDirectory(prefix="nnlab-answers-") as tmp:
            path = Path(tmp) / ANSWERS_FILE
            path.write_bytes(submission.answers)
            lines = answers_form(path, catalogue)
    ok = len(lines) == 1 and "each of the right form" in lines[0]
    return [{"name": f"{ANSWERS_FILE}: the form of each answer", "score": 0, "max_score": 0,
             "status": "passed" if ok else "failed", "output": "\n".join(lines), "visibility": "visible"}]


def learner_of(root: Path) -> str:
    """The learner id: the (first) submitter's email, else their sid, from Gradescope's
    submission_metadata.json; hidden cases are drawn for it. An id nnlab cannot use as given
    is replaced by a stable digest of it; without metadata, "submission"."""
    from nnlab.intake import Entry, check_learner_id, learner_id
    from nnlab.grading.submission import SubmissionError

    try:
        data = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
        users = data.get("users") or []
        user = users[0] if users and isinstance(users[0], dict) else {}
    except (OSError, ValueError, AttributeError):
        return "submission"
    for key in ("email", "sid"):
        raw = str(user.get(key) or "").strip()
        if not raw:
            continue
        name = learner_id(raw)
        try:
            check_learner_id(Entry(name, root, "folder"))
            return name
        except SubmissionError:
            return "gradescope-" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]
    return "submission"


def hand_in(folder: Path):
    """(what, kind) of the upload: a zip alone, the folder, or the one folder inside it."""
    visible = [p for p in folder.iterdir() if not p.name.startswith(".")
               and p.name not in IGNORED_UPLOAD_NAMES] if folder.is_dir() else []
    zips = [p for p in visible if p.suffix.lower() == ".zip" and p.is_file()]
    loose = [p for p in visible if p.suffix in (".py", ".ipynb")]
    if zips and not loose:
        return sorted(zips)[0], "zip"
    folders = [p for p in visible if p.is_dir() and not p.is_symlink()]
    if not loose and len(folders) == 1 and len(visible) == 1:
        return folders[0], "folder"  # an upload inside one folder, as `nnlab grade` takes a zip
    return folder, "folder"


def wall_off(root: Path, allow_weak: bool) -> str:
    """Make the course unreadable to learner code where this machine's level needs it (root,
    no namespaces: /autograder closed to other users), and check it live. "" or why not."""
    from nnlab.sandbox import levels, wall

    level = levels.choose()
    if not level.filesystem_isolated and os.geteuid() == 0:
        wall.hide(root)
    return wall.refusal(root / "source", [root / "submission", root / "results"], allow_weak, level)


def grade(root: Path) -> dict:
    from nnlab.course import load_course
    from nnlab.gradescope import BUNDLE_FILE, KEYS_FILE
    from nnlab.grading.batch import grade_loaded
    from nnlab.grading.results import SubmissionResult
    from nnlab.grading.submission import SubmissionError
    from nnlab.intake import Entry, load
    from nnlab.seeds import ModuleKeys
    from nnlab.reports.publish import gradescope_json

    started = time.perf_counter()
    source = root / "source"
    course = load_course(source / "course.yml")
    bundle = json.loads((source / BUNDLE_FILE).read_text(encoding="utf-8"))
    assignment = bundle["assignment"]
    keys = ModuleKeys.from_json((source / KEYS_FILE).read_text(encoding="utf-8"))
    refused = wall_off(root, bool(bundle.get("allow_weak_sandbox")))
    if refused:
        raise RuntimeError(f"the sandbox cannot hide the course here: {refused}")
    learner = learner_of(root)
    path, kind = hand_in(root / "submission")
    modules = [m for m in course.assignment(assignment).modules if m in course.graded_modules()]
    submission = None
    try:
        submission = load(Entry(learner, path, kind), course.modules)
        result = grade_loaded(submission, course, assignment, seeds=keys.for_learner(learner, modules))
    except SubmissionError as error:
        result = SubmissionResult(learner=learner, error=str(error))
    handed_in = [*submission.modules, *submission.problems] if submission else []
    if result.status == "graded" and not any(m in handed_in for m in modules):
        result.error = (f"no file of assignment {assignment} was handed in (it needs "
                        f"{', '.join(f'{m}.py' for m in modules)}, or its notebook)")
    public = public_checks(submission, course, result.modules) if submission is not None else []
    public += answers_check(submission, course, result.modules)
    data = gradescope_json(result, public, time.perf_counter() - started)
    data.setdefault("extra_data", {})["assignment"] = assignment
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nnlab.gradescope.run")
    parser.add_argument("--root", type=Path, default=Path("/autograder"))
    args = parser.parse_args(argv)
    out = args.root / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    from nnlab.reports.publish import autograder_failure_json, write_json

    try:
        data = grade(args.root)
    except Exception as error:  # nnlab itself failed: say so, never a zero
        data = autograder_failure_json(error)
        write_json(out, data)
        print(data["output"], file=sys.stderr)
        return 1
    write_json(out, data)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
