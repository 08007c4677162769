"""nnlab: auto-graded NumPy exercises for a first course on neural networks.

The command line's operations as functions, for notebooks and other tools:

    import nnlab
    course = nnlab.load_course("course.yml")
    result = nnlab.grade("submissions/ada", course)      # a SubmissionResult
    nnlab.grade_batch([...], course, out_dir)            # many, with grades.csv
    nnlab.check("exercises", "activations.sigmoid")      # public checks, a list of FunctionCheck
    nnlab.build(course, check=True)                        # [(path, status), ...]
    list(nnlab.verify(course))                           # release-gate verdicts

Imports are deferred so that `import nnlab` stays cheap.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["build", "check", "grade", "grade_batch", "load_course", "verify"]


def load_course(path=None):
    from nnlab.course import load_course as _load

    return _load(path)


def grade(path, course=None, **options):
    from nnlab.grading.runner import grade_submission

    return grade_submission(path, course or load_course(), **options)


def grade_batch(paths, course, out_dir, **options):
    from nnlab.grading.runner import grade_batch as _batch

    return _batch(paths, course, out_dir, **options)


def publisher():
    """The publishing layer every result is written by (`nnlab.reports.publish.Publisher`).
    nnlab.grading reaches it through here, so that it imports nothing from nnlab.reports."""
    from nnlab.reports.publish import Publisher

    return Publisher()


def check(path="exercises", target=None, course=None):
    from pathlib import Path

    from nnlab.selfcheck import run_checks

    if course is None:
        return run_checks(Path(path), target)
    return run_checks(Path(path), target, limits=course.limits, tolerances=course.tolerances)


def build(course=None, check=False):
    from nnlab.authoring.exercises import build_exercises

    return build_exercises(course or load_course(), check=check)


def verify(course=None, modules=None):
    from nnlab.verify import verify as _verify

    return _verify(course or load_course(), modules)
