"""The helper a lab notebook's kernel imports (`from nnlab.nbgrader import lab`).

- `lab.start("a1")` once, in the setup cell: finds the notebook file (`a1.ipynb` in the
  kernel's folder, where Jupyter starts it).
- `lab.check("activations.sigmoid", ...)`: the public checks of `nnlab check` on the code of
  this notebook's exercise cells, shown as a table. The code is what the kernel last ran for
  each exercise cell (so a check sees an edit as soon as the cell is run, saved or not), and
  the saved notebook's cell for an exercise not run yet; the module's other cells come from the
  released notebook. It runs in nnlab's sandboxed worker, as `nnlab check` does.
- `lab.plot_activations(globals())`, `lab.plot_loss_curve(...)`, `lab.plot_xor_boundary(...)`:
  pictures drawn with the learner's functions.
- `lab.hidden(...)` and `lab.verdict(...)`: the two halves of a grade cell of an nbgrader
  source notebook (see nnlab.nbgrader.course).
- `lab.question("lstm.params")`: the concept question with this learner's numbers;
  `lab.answer("lstm.params", answer)` in the answer cell: whether the answer has the right
  form; `lab.hidden_answer(...)` and `lab.answer_verdict(...)`: a question's grade cell.

Whose numbers: the learner id is `lab.start(..., learner=...)`'s, else $NNLAB_LEARNER, else
(autograding) the student's, else $JUPYTERHUB_USER (nbgrader's student id on a JupyterHub),
else this computer's user name. The numbers come from the course (questions/) where the kernel
can see it (an instructor's machine, nbgrader autograde), else from a question_texts.json
beside the notebook (`nnlab nbgrader build` writes one for the gradebook's students: one
release for every student, each finding their own texts in it by id).
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import io
import linecache
import os
import sys
import tempfile
import warnings
from pathlib import Path

from nnlab.nbgrader.extract import Layout, NotebookError, exercise_code, layout_of, read_notebook

_state: dict = {"assignment": None, "notebook": None}
_hidden_scores: dict[str, float] = {}
_graded_cache: dict[str, dict[str, float]] = {}


# -- where the code is -----------------------------------------------------------------------


def _namespace() -> dict:
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            return shell.user_ns
    except ImportError:  # pragma: no cover - the kernel always has IPython
        pass
    return sys.modules["__main__"].__dict__


def _code_file(obj) -> str | None:
    code = getattr(obj, "__code__", None)
    if code is None and isinstance(obj, type):
        for member in vars(obj).values():
            code = getattr(member, "__code__", None) or getattr(getattr(member, "__func__", None), "__code__", None)
            if code is not None:
                break
    return code.co_filename if code is not None else None


def kernel_code(layout: Layout, fallback: dict[str, str] | None = None) -> dict[str, str]:
    """grade_id -> the text of the cell this kernel last ran to define each exercise's first
    function (IPython keeps every cell's text in linecache); `fallback` for the others."""
    namespace, used, code = _namespace(), set(), dict(fallback or {})
    for cell in layout.exercises:
        for name in cell.names[:1]:
            filename = _code_file(namespace.get(name))
            lines = linecache.getlines(filename) if filename else []
            # Only a notebook cell's own text (IPython names cells /tmp/ipykernel_<pid>/<hash>.py,
            # or <ipython-input-...> in older versions), never a file the name was imported from.
            if filename and lines and filename not in used and _is_cell(filename):
                used.add(filename)
                code[cell.grade_id] = "".join(lines)
    return code


def _is_cell(filename: str) -> bool:
    return filename.startswith("<ipython-input") or Path(filename).parent.name.startswith("ipykernel_")


def start(assignment: str, notebook: str | None = None, learner: str | None = None) -> None:
    """Remember which lab this kernel runs and where its notebook file is (and, given, whose
    concept-question numbers to show)."""
    _state["assignment"] = assignment
    if learner is not None:
        _state["learner"] = str(learner)
    path = Path(notebook) if notebook else Path.cwd() / f"{assignment}.ipynb"
    if not path.is_file():
        for candidate in sorted(Path.cwd().glob("*.ipynb")):
            with contextlib.suppress(Exception):
                if (read_notebook(candidate).metadata.get("nnlab") or {}).get("assignment") == assignment:
                    path = candidate
                    break
    _state["notebook"] = path


def _current_sources() -> tuple[dict[str, str], str]:
    """The modules as this kernel and the saved notebook hold them, and a note (or "")."""
    path = _state.get("notebook")
    if path is None:
        raise NotebookError("run the setup cell (lab.start) first")
    if not Path(path).is_file():
        raise NotebookError(f"cannot find this notebook as {Path(path).name} in {Path.cwd()}; "
                            f"save it there under that name")
    from nnlab.nbgrader.extract import _default_release

    notebook = read_notebook(path)
    layout = layout_of(_default_release(Path(path), notebook) or notebook)
    note = ""
    try:
        saved = exercise_code(notebook, layout, Path(path).name)
    except NotebookError as error:
        saved, note = {}, f"{error} (checking the code this kernel ran)"
    return layout.assemble(kernel_code(layout, saved)), note


# -- public checks -------------------------------------------------------------------------------


class CheckReport:
    """The public checks' results, shown as an HTML table in a notebook."""

    def __init__(self, results, note: str = "", error: str = ""):
        self.results, self.note, self.error = results, note, error

    @property
    def passed(self) -> bool:
        # a function no public case can hold is named with the reason, never a failure
        return not self.error and all(r.status in ("pass", "skipped") for r in self.results)

    def _repr_html_(self) -> str:
        if self.error:
            return f'<p style="color:#b00"><b>nnlab check could not run:</b> {html.escape(self.error)}</p>'
        colour = {"pass": ("#1a7f37", "pass"), "fail": ("#b00", "fail"), "todo": ("#9a6700", "to do"),
                  "import": ("#b00", "not checked"), "skipped": ("#9a6700", "not checked here")}
        rows = []
        for r in self.results:
            c, word = colour[r.status]
            problems = "<br>".join(html.escape(p) for p in r.problems[:3])
            rows.append(f"<tr><td><code>{html.escape(r.qualname)}</code></td>"
                        f'<td style="text-align:right">{r.passed}/{r.total}</td>'
                        f'<td style="color:{c}"><b>{word}</b></td>'
                        f'<td style="text-align:left">{problems}</td></tr>')
        done = sum(r.status == "pass" for r in self.results)
        checked = sum(r.status != "skipped" for r in self.results)
        note = f"<p><i>{html.escape(self.note)}</i></p>" if self.note else ""
        return (f"{note}<table><thead><tr><th>function</th><th>checks</th><th>status</th>"
                f"<th>what to look at</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
                f"<p>{done} of {checked} function(s) pass their public checks. "
                f"The hidden graders test more cases than these.</p>")

    def __repr__(self) -> str:
        if self.error:
            return f"nnlab check could not run: {self.error}"
        lines = [f"{r.qualname}: {r.passed}/{r.total} {r.status}" +
                 (f" - {r.problems[0]}" if r.problems else "") for r in self.results]
        return "\n".join(([self.note] if self.note else []) + lines)


def _run_public(targets: tuple[str, ...]):
    from nnlab.course import CourseError, find_course_file, load_course
    from nnlab.selfcheck import find_checks_dir, run_checks

    sources, note = _current_sources()
    folder = Path(_state["notebook"]).resolve().parent
    checks = find_checks_dir(folder)
    limits = tolerances = None
    with contextlib.suppress(CourseError):
        course = load_course(find_course_file(folder))
        limits, tolerances = course.limits, course.tolerances
    results = []
    unchecked = [t for t in targets if not _has_public_cases(checks, t)]
    with tempfile.TemporaryDirectory(prefix="nnlab-lab-") as tmp:
        for module, text in sources.items():
            (Path(tmp) / f"{module}.py").write_text(text, encoding="utf-8")
        for target in targets:
            if target not in unchecked:
                results.extend(run_checks(Path(tmp), target, limits=limits,
                                          tolerances=tolerances, checks_dir=checks))
    if unchecked:  # a function the published cases cannot hold (it takes a function, say)
        note = " ".join(filter(None, [note, f"No public checks for {', '.join(unchecked)}: try it "
                                            f"in the cell above; the hidden graders test it."]))
    return results, note


def _has_public_cases(checks: Path, target: str) -> bool:
    import json

    module, _, function = target.partition(".")
    path = checks / f"{module}.json"
    if not path.is_file():
        return False
    cases = json.loads(path.read_text(encoding="utf-8"))["cases"]
    return not function or any(c["function"] == function for c in cases)


def check(*targets: str) -> CheckReport:
    """Run the public checks of MODULE or MODULE.FUNCTION targets on this notebook's code."""
    if os.environ.get("NNLAB_AUTOGRADING") == "1":  # set by nbgrader_config.py: grade cells decide
        return CheckReport([], note="public checks skipped while autograding")
    try:
        results, note = _run_public(targets or tuple(_current_sources()[0]))
    except Exception as error:  # shown in the notebook, not raised: a check cell never crashes
        return CheckReport([], error=str(error) or type(error).__name__)
    return CheckReport(results, note)


# -- grade cells (nbgrader source notebooks) -----------------------------------------------------


def _learner_id() -> str:
    """The student id under nbgrader autograde (its kernel runs in autograded/<student>/<a>/ or
    submitted/<student>/<a>/), so the hidden cases drawn for this learner are the ones
    `nnlab nbgrader autograde` draws; "notebook" elsewhere."""
    from nnlab.grading.submission import LEARNER_ID

    cwd = Path.cwd()
    if cwd.parent.parent.name in ("autograded", "submitted") and LEARNER_ID.match(cwd.parent.name):
        return cwd.parent.name
    return "notebook"


def _grading_setup(qualname: str):
    """(course, release notebook, learner seeds or None) for a grade cell, found from the
    kernel's folder (inside the nbgrader course nnlab built) and its environment: the cell
    itself names no path. Under nbgrader autograde the kernel holds only this student's seeds
    (nnlab.nbgrader.kernel), never the secret seed."""
    from nnlab.course import load_course
    from nnlab.nbgrader.course import nnlab_course_of
    from nnlab.nbgrader import LEARNER_SEEDS_ENV, course_dir_of
    from nnlab.seeds import LearnerSeeds

    course_dir = course_dir_of(Path.cwd().resolve())
    course_yml = nnlab_course_of(course_dir) if course_dir else None
    if course_yml is None:
        raise NotebookError(f"grade cells run inside an nbgrader course built by `nnlab nbgrader "
                            f"build`; none above {Path.cwd()}")
    course = load_course(course_yml)
    module = qualname.split(".", 1)[0]
    assignment = next((a.id for a in course.assignments if module in a.modules), None)
    if assignment is None:
        raise NotebookError(f"{module} is in no assignment of {course_yml.name}")
    release = course_dir / "source" / assignment / f"{assignment}.ipynb"
    seeds = None
    if os.environ.get(LEARNER_SEEDS_ENV):
        seeds = LearnerSeeds.from_json(os.environ[LEARNER_SEEDS_ENV])
    elif os.environ.get("NBGRADER_EXECUTION") == "autograde":
        raise NotebookError(f"this kernel was not given the student's seeds (${LEARNER_SEEDS_ENV}); "
                            f"rebuild the course's nbgrader_config.py with `nnlab nbgrader build`")
    return course, release, seeds


def hidden(qualname: str, **_older: str) -> None:
    """The hidden half of a grade cell: grade this notebook's code with nnlab's graders, in its
    sandbox, and keep the score of `qualname` for `verdict`. The code is the kernel's last run of
    each exercise cell; the other module cells come from the source notebook; nothing the
    notebook computed is trusted. (`release=` and `course=`, which older grade cells passed, are
    ignored: both are found from the kernel's folder.)"""
    from nnlab.grading.runner import grade_submission
    from nnlab.intake import Entry, load

    loaded, release, seeds = _grading_setup(qualname)
    learner = seeds.learner if seeds is not None else _learner_id()
    layout = layout_of(read_notebook(release))
    sources = layout.assemble(kernel_code(layout))
    key = hashlib.sha256(repr((learner, sorted(sources.items()))).encode()).hexdigest()
    if key not in _graded_cache:
        with tempfile.TemporaryDirectory(prefix="nnlab-grade-") as tmp, \
                contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            folder = Path(tmp) / "notebook"
            folder.mkdir()
            for name, text in sources.items():
                (folder / f"{name}.py").write_text(text, encoding="utf-8")
            submission = load(Entry(learner, folder, "folder"), loaded.modules)
            result = grade_submission(submission, loaded, warn_seed=False, seeds=seeds)
        scores: dict[str, float] = {}
        for test in result.tests:
            scores[test.function] = scores.get(test.function, 0.0) + test.score
        _graded_cache[key] = scores
    _hidden_scores[qualname] = _graded_cache[key].get(qualname, 0.0)


def verdict(qualname: str):
    """The visible half of a grade cell. After `hidden` (autograding): the score, a number,
    as the cell's last expression (nbgrader's partial credit). Without it (the learner's
    notebook, `nbgrader validate`): nothing when the public checks pass, else an error naming
    what fails."""
    if qualname in _hidden_scores:
        return round(float(_hidden_scores.pop(qualname)), 6)
    try:
        results, note = _run_public((qualname,))
        report = CheckReport(results, note)
    except Exception as error:
        report = CheckReport([], error=str(error) or type(error).__name__)
    if not report.passed:
        problems = report.error or "; ".join(p for r in report.results for p in r.problems[:1])
        raise AssertionError(f"{qualname} does not pass its public checks: {problems}")
    return None


# -- pictures -------------------------------------------------------------------------------------


def _get(namespace: dict, name: str):
    fn = namespace.get(name)
    return fn if callable(fn) else None


def _try(fn, *args):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args)
    except NotImplementedError:
        return None


def plot_activations(namespace: dict) -> None:
    """Each activation (solid) and its derivative (dashed) on [-4, 4], from the learner's code."""
    import matplotlib.pyplot as plt
    import numpy as np

    x = np.linspace(-4, 4, 801)
    names = ["linear", "binary_step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus"]
    fig, axes = plt.subplots(2, 4, figsize=(13, 5.6), sharex=True)
    missing = []
    for ax, name in zip(axes.flat, names):
        f, g = _get(namespace, name), _get(namespace, f"{name}_grad")
        y = _try(f, x) if f else None
        dy = _try(g, x) if g else None
        if y is not None:
            ax.plot(x, np.asarray(y), label=name)
        if dy is not None:
            ax.plot(x, np.asarray(dy), "--", label=f"{name}_grad")
        if y is None or dy is None:
            missing.append(name if y is None else f"{name}_grad")
        ax.axhline(0, color="0.8", linewidth=0.8)
        ax.axvline(0, color="0.8", linewidth=0.8)
        ax.set_title(name)
        if y is not None or dy is not None:
            ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    plt.show()
    if missing:
        print("not drawn yet (not implemented):", ", ".join(missing))


def plot_loss_curve(namespace: dict, steps: int = 200, lr: float = 0.5) -> None:
    """Logistic regression by gradient descent on a seeded two-class cloud, through the
    learner's binary_cross_entropy_grad; the learner's binary_cross_entropy at every step."""
    import matplotlib.pyplot as plt
    import numpy as np

    loss, grad = _get(namespace, "binary_cross_entropy"), _get(namespace, "binary_cross_entropy_grad")
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(-1.0, 1.0, size=(50, 2)), rng.normal(1.0, 1.0, size=(50, 2))])
    y = np.repeat([0.0, 1.0], 50)[:, None]
    w, b = np.zeros((2, 1)), 0.0
    curve = []
    for _ in range(steps):
        z = X @ w + b
        p = 1 / (1 + np.exp(-z))
        value = _try(loss, y, p) if loss else None
        dp = _try(grad, y, p) if grad else None
        if value is None or dp is None:
            print("write binary_cross_entropy and binary_cross_entropy_grad first")
            return
        curve.append(float(value))
        dz = np.asarray(dp) * p * (1 - p)  # chain rule through the sigmoid
        w = w - lr * X.T @ dz
        b = b - lr * float(np.sum(dz))
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.plot(curve)
    ax.set_xlabel("gradient-descent step")
    ax.set_ylabel("binary cross-entropy")
    ax.set_title(f"loss curve: {curve[0]:.3f} -> {curve[-1]:.3f}")
    fig.tight_layout()
    plt.show()


def plot_xor_boundary(namespace: dict, seed: int = 0) -> None:
    """Train the learner's XOR network and shade the probability it gives the whole plane."""
    import matplotlib.pyplot as plt
    import numpy as np

    needed = ["init_xor_mlp", "train_xor", "xor_forward"]
    fns = {n: _get(namespace, n) for n in needed}
    X, Y = namespace.get("XOR_X"), namespace.get("XOR_Y")
    if any(f is None for f in fns.values()) or X is None or Y is None:
        print("write", ", ".join(needed), "and XOR_X, XOR_Y first")
        return
    params = _try(fns["init_xor_mlp"], np.random.default_rng(seed))
    trained = _try(fns["train_xor"], params, X, Y) if params is not None else None
    if trained is None:
        print("write init_xor_mlp and train_xor first")
        return
    params, losses = trained
    gx, gy = np.meshgrid(np.linspace(-0.5, 1.5, 121), np.linspace(-0.5, 1.5, 121))
    probs = _try(fns["xor_forward"], np.c_[gx.ravel(), gy.ravel()], params)
    if probs is None:
        print("write xor_forward first")
        return
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    shade = left.contourf(gx, gy, np.asarray(probs).reshape(gx.shape), levels=20, cmap="RdBu_r", vmin=0, vmax=1)
    left.contour(gx, gy, np.asarray(probs).reshape(gx.shape), levels=[0.5], colors="k")
    left.scatter(X[:, 0], X[:, 1], c=np.asarray(Y).ravel(), cmap="RdBu_r", edgecolors="k", s=120, vmin=0, vmax=1)
    left.set_title("P(y = 1) and the 0.5 boundary")
    fig.colorbar(shade, ax=left)
    right.plot(np.asarray(losses))
    right.set_xlabel("epoch")
    right.set_ylabel("half SSE")
    right.set_title("loss curve")
    fig.tight_layout()
    plt.show()


# -- concept questions ----------------------------------------------------------------------------

_answer_texts: dict[str, str] = {}  # question id -> the text of the cell that last answered it
_question_scores: dict[str, float] = {}


def learner() -> tuple[str, str]:
    """(the learner id whose numbers this notebook shows, where it came from)."""
    from nnlab.nbgrader import LEARNER_SEEDS_ENV

    if _state.get("learner"):
        return _state["learner"], "given to lab.start"
    if os.environ.get("NNLAB_LEARNER"):
        return os.environ["NNLAB_LEARNER"], "$NNLAB_LEARNER"
    if os.environ.get(LEARNER_SEEDS_ENV):
        from nnlab.seeds import LearnerSeeds

        return LearnerSeeds.from_json(os.environ[LEARNER_SEEDS_ENV]).learner, "the student graded"
    if _learner_id() != "notebook":
        return _learner_id(), "the student graded"
    if os.environ.get("JUPYTERHUB_USER"):
        return os.environ["JUPYTERHUB_USER"], "your JupyterHub user name, nbgrader's student id"
    import getpass

    return getpass.getuser(), "this computer's user name"


def _folder() -> Path:
    path = _state.get("notebook")
    return Path(path).resolve().parent if path else Path.cwd().resolve()


def _questions_of(who: str) -> dict[str, dict] | None:
    """id -> {text, kind, choices, points} of `who`'s questions: from the course where this
    kernel can see it, else from a question_texts.json beside the notebook or above it."""
    import json

    from nnlab.questions import TEXTS_FILE, shown_questions, texts_for

    course = _course_here()
    if course is not None and (course.root / "questions" / "__init__.py").is_file():
        return shown_questions(course, who)
    for folder in (_folder(), *_folder().parents):
        for candidate in (folder / TEXTS_FILE, folder / "exercises" / TEXTS_FILE):
            if candidate.is_file():
                with contextlib.suppress(ValueError, OSError):
                    return texts_for(json.loads(candidate.read_text(encoding="utf-8")), who)
    return None


def _course_here():
    from nnlab.course import CourseError, find_course_file, load_course
    from nnlab.nbgrader import course_dir_of
    from nnlab.nbgrader.course import nnlab_course_of

    course_dir = course_dir_of(_folder())
    found = nnlab_course_of(course_dir) if course_dir else None
    with contextlib.suppress(CourseError, OSError):
        return load_course(found if found is not None else find_course_file(_folder()))
    return None


class Shown:
    """Markdown shown as a cell's output (plain text where markdown is not rendered)."""

    def __init__(self, markdown: str):
        self.markdown = markdown

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __repr__(self) -> str:
        return self.markdown


def question(qid: str) -> Shown:
    """The concept question `qid` with this learner's numbers."""
    who, how = learner()
    try:
        mine = _questions_of(who)
    except Exception as error:  # shown, never raised: a question cell never crashes
        mine, how = None, f"{how}; the course's questions could not be read: {error}"
    asked = (mine or {}).get(qid)
    if asked is None:
        return Shown(f"*No numbers for learner `{html.escape(who)}` ({how}) here: ask your instructor for "
                     f"your question `{qid}` (`nnlab questions <your id>` where the course is), or, if "
                     f"that is not your course id, run `lab.start({_state.get('assignment')!r}, "
                     f"learner='<your id>')` in a new cell.*")
    choices = f"\n\nChoices: {', '.join(asked['choices'])}" if asked.get("choices") else ""
    hint = (f" If that is not your course id, run `lab.start({_state.get('assignment')!r}, "
            f"learner='<your id>')` in a new cell." if how == "this computer's user name" else "")
    return Shown(f"{asked['text']}{choices}\n\n*Numbers for learner `{html.escape(who)}` ({how}).{hint}*")


def answer(qid: str, value) -> str:
    """The answer cell's last line: remembers which cell answered `qid` (what grading reads is
    that cell's text) and says whether the answer has the right form, not whether it is right."""
    from nnlab.questions import answer_in_kind, form_words

    caller = sys._getframe(1).f_code.co_filename
    lines = linecache.getlines(caller) if _is_cell(caller) else []
    plain = "..." if value is Ellipsis or value is None else repr(_plain_value(value))
    _answer_texts[qid] = "".join(lines) if lines else f"answer = {plain}"
    if value is Ellipsis or value is None:
        return _Said(f"{qid}: no answer yet")
    who, _ = learner()
    with contextlib.suppress(Exception):
        asked = (_questions_of(who) or {}).get(qid)
        if asked is not None:
            try:
                answer_in_kind(asked["kind"], _plain_value(value), tuple(asked.get("choices") or ()))
            except ValueError as error:
                return _Said(f"{qid}: {error}")
            return _Said(f"{qid}: {_plain_value(value)!r} is {form_words(asked['kind'])}, as asked; "
                         f"whether it is right is told after grading")
    return _Said(f"{qid}: answer {_plain_value(value)!r} noted; whether it is right is told after grading")


class _Said(str):
    def __repr__(self) -> str:
        return str(self)


def _plain_value(value):
    if hasattr(value, "tolist"):  # a NumPy number or array
        value = value.tolist()
    return list(value) if isinstance(value, tuple) else value


def hidden_answer(qid: str) -> None:
    """The hidden half of a question's grade cell (autograding): the answer read from the text
    of the cell that answered it, judged on the graded student's own numbers."""
    from nnlab.questions import cell_answer, judge_answers

    course, _, seeds = _grading_setup(qid)
    who = seeds.learner if seeds is not None else _learner_id()
    text = _answer_texts.get(qid)
    given = cell_answer(text) if text else None
    judged = judge_answers(course, who, {qid: given} if given is not None else {}, [qid.split(".", 1)[0]])
    _question_scores[qid] = next((item.points for item in judged if item.id == qid), 0.0)


def answer_verdict(qid: str):
    """The visible half of a question's grade cell: after `hidden_answer`, the score; else
    nothing when the answer cell holds an answer, an error saying so when it does not."""
    from nnlab.questions import cell_answer

    if qid in _question_scores:
        return round(float(_question_scores.pop(qid)), 6)
    text = _answer_texts.get(qid)
    if not text or cell_answer(text) is None:
        raise AssertionError(f"{qid}: no answer yet; set `answer` in its answer cell and run it")
    return None
