"""`nnlab handout`: what the instructor gives learners, and nothing else.

`build_handout(course, out, assignment=None)` writes `out/<name>/` and `out/<name>.zip` with the
same files (name: `<course>-handout`, or `<course>-<assignment>` for one assignment):

    README.md              the learner's guide (set-up, `nnlab check`, notebooks, Colab, submitting)
    course.yml             the course's limits, tolerances and assignments (no seed variable)
    requirements.txt       `pip install -r requirements.txt`: nnlab from wheels/, the rest from PyPI
    wheels/nnlab-*.whl     the learner's tool, built from this checkout (the `nnlab` package only)
    exercises/<module>.py              the stubs
    exercises/checks/<module>.json     the public checks `nnlab check` runs
    exercises/notebooks/<assignment>.ipynb   the lab notebooks
    exercises/data/...                 the recorded data the exercises load
    exercises/questions.json           the concept questions' ids, kinds and points (no numbers)
    exercises/answers.yml              the answers template: one empty line per question
    exercises/question_texts.json      with `learners`: each one's questions with their numbers
                                       (keyed by a digest of the id; no answers)

Every generated file is made fresh by `nnlab build`'s own code (`planned_files`), not copied from
exercises/, so a stale folder cannot leak into a handout. Nothing from solutions/, reference/ or
graders/ goes in; `leaks()` is the test's scan (every solution region's lines and every hidden
file's lines) and `build_handout` refuses to finish when it finds one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from nnlab.course import Course, CourseError

__all__ = ["Handout", "HandoutError", "build_handout", "build_wheel", "leaks", "hidden_lines"]

TEMPLATE = Path(__file__).with_name("README.md.in")
COLAB_BEGIN, COLAB_END = "# --- nnlab Colab set-up cell ---", "# --- end of the set-up cell ---"
# Fixed times and modes inside the zip: the same handout gives the same bytes.
ZIP_TIME = (2020, 1, 1, 0, 0, 0)


class HandoutError(Exception):
    """The handout cannot be made; the message is one line naming what is wrong."""


@dataclass
class Handout:
    folder: Path                 # out/<name>/
    archive: Path                # out/<name>.zip
    wheel: Path                  # folder/wheels/nnlab-*.whl
    modules: list[str]
    assignments: list[str]
    files: list[str] = field(default_factory=list)  # every file, relative to `folder`, posix


def build_handout(course: Course, out: Path, assignment: str | None = None,
                  wheel: Path | None = None, learners: list[str] | None = None) -> Handout:
    """Write the handout of the whole course (or of one assignment) under `out`; with
    `learners` (a roster), their concept questions' texts too, so `nnlab questions ID` and the
    notebooks' question cells show each learner their numbers."""
    from nnlab.authoring.exercises import planned_files

    chosen = [course.assignment(assignment)] if assignment else list(course.assignments)
    modules = [m for m in course.modules if any(m in a.modules for a in chosen)]
    name = f"{course.course}-{assignment}" if assignment else f"{course.course}-handout"
    files: dict[str, bytes] = {}
    generated = planned_files(course)
    for item in generated:
        parts = item.path.parts  # ("exercises", ...)
        rel = Path(*parts[1:])
        if rel.parent == Path(".") and rel.suffix == ".py" and rel.stem in modules \
                or rel.parent == Path("checks") and rel.stem in modules \
                or rel.parent == Path("notebooks") and rel.stem in {a.id for a in chosen} \
                or rel.as_posix() == "questions.json":
            files[item.path.as_posix()] = item.content
    if not any(p.endswith(".py") for p in files):
        raise HandoutError(f"no exercise of {', '.join(modules)} has a solution in "
                           f"{course.root / 'solutions'} yet; nothing to hand out")
    handed = b"\n".join(files.values())
    for item in generated:  # the data files the handed-out exercises name
        if item.path.parts[1:2] == ("data",) and (not assignment or item.path.name.encode() in handed):
            files[item.path.as_posix()] = item.content
    files["course.yml"] = _learner_course(course, chosen).encode()
    files.update(question_files(course, modules, learners))
    out = Path(out)
    folder = out / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    wheel_path = _place_wheel(folder / "wheels", wheel)
    files["requirements.txt"] = (
        "# pip install -r requirements.txt  (from this folder or any other: pip finds wheels/ beside this file)\n"
        "--find-links wheels\n"
        f"nnlab=={_wheel_version(wheel_path)}\n").encode()
    files["README.md"] = learner_readme(course, name, chosen, modules, wheel_path.name).encode()
    for rel, content in files.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    every = sorted([*files, f"wheels/{wheel_path.name}"])
    archive = out / f"{name}.zip"
    _write_zip(archive, folder, name, every)
    found = leaks(course, folder) + leaks(course, archive) + leaks(course, wheel_path)
    if found:
        shutil.rmtree(folder, ignore_errors=True)
        archive.unlink(missing_ok=True)
        raise HandoutError(f"refusing to hand out {name}: {found[0]} ({len(found)} leak(s) found)")
    return Handout(folder, archive, wheel_path, modules, [a.id for a in chosen], every)


def question_files(course: Course, modules: list[str], learners: list[str] | None) -> dict[str, bytes]:
    """exercises/answers.yml, the template a learner fills in (each question of `modules` with
    an empty answer and the form it takes), and, for a roster, exercises/question_texts.json."""
    import json

    from nnlab.questions import TEXTS_FILE, form_words, question_catalogue, question_texts

    if not (course.root / "questions" / "__init__.py").is_file():
        return {}
    asked = [q for q in question_catalogue(course)["questions"] if q["module"] in modules]
    if not asked:
        return {}
    lines = ["# Your answers to the concept questions: write each after its id (`nnlab questions",
             "# YOUR-ID` shows your numbers; `nnlab check` says whether each answer has the right",
             "# form). Hand this file in beside your .py files. See README.md, \"Concept questions\"."]
    for number, question in enumerate(asked):
        if number == 0 or asked[number - 1]["module"] != question["module"]:
            lines.append(f"\n# {question['module']}")
        lines.append(f"{question['id']}:    # {form_words(question['kind'])}, {question['points']:g} point"
                     f"{'s' if question['points'] != 1 else ''}")
    files = {"exercises/answers.yml": ("\n".join(lines) + "\n").encode()}
    if learners:
        texts = question_texts(course, list(learners), modules)
        files[f"exercises/{TEXTS_FILE}"] = (json.dumps(texts, indent=1, ensure_ascii=False) + "\n").encode()
    return files


def _learner_course(course: Course, chosen: list) -> str:
    """course.yml for learners: the limits and tolerances `nnlab check` applies, the
    assignments handed out; not the seed's variable, nothing about grading."""
    data = {"course": course.course, "title": course.title,
            "limits": course.limits.model_dump(exclude_defaults=True),
            "tolerances": course.tolerances.model_dump(),
            "assignments": [a.model_dump() for a in chosen]}
    if not data["limits"]:
        del data["limits"]
    return ("# The course's limits and tolerances, as `nnlab check` applies them. Leave it here.\n"
            + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


# -- the wheel ---------------------------------------------------------------------------------

def source_checkout() -> Path | None:
    """The source tree nnlab is installed from (an editable install or a checkout on sys.path):
    the folder holding pyproject.toml that names the project nnlab, or None."""
    root = Path(__file__).resolve().parents[2]
    project = root / "pyproject.toml"
    if project.is_file() and 'name = "nnlab"' in project.read_text(encoding="utf-8"):
        return root
    return None


def build_wheel(dest: Path) -> Path:
    """Build the nnlab wheel from this checkout into `dest`. Only pyproject.toml, README.md and
    the nnlab/ package are copied to a scratch folder and built there, so nothing else of the
    checkout (solutions/, reference/, graders/) can end up in it, and the checkout is left
    untouched (no build/ or egg-info)."""
    root = source_checkout()
    if root is None:
        raise HandoutError("nnlab is not installed from a source checkout, so its wheel cannot be "
                           "built here; pass --wheel nnlab-*.whl")
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nnlab-wheel-") as tmp:
        source = Path(tmp) / "src"
        source.mkdir()
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            if (root / name).is_file():
                shutil.copy(root / name, source / name)
        shutil.copytree(root / "nnlab", source / "nnlab",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints"))
        built = Path(tmp) / "dist"
        # Without build isolation when setuptools is at hand (no download at all); else pip
        # fetches the build backend from the registry like any other package.
        isolation = ["--no-build-isolation"] if _has_setuptools() else []
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir",
                   str(built), *isolation, str(source)]
        run = subprocess.run(command, capture_output=True, text=True)
        wheels = sorted(built.glob("nnlab-*.whl"))
        if run.returncode != 0 or not wheels:
            tail = (run.stderr or run.stdout).strip().splitlines()[-1:] or ["no wheel written"]
            raise HandoutError(f"building the nnlab wheel failed: {tail[0]}")
        target = dest / wheels[0].name
        shutil.copy(wheels[0], target)
    return target


def _has_setuptools() -> bool:
    import importlib.util

    return importlib.util.find_spec("setuptools") is not None


def _place_wheel(dest: Path, wheel: Path | None) -> Path:
    if wheel is None:
        return build_wheel(dest)
    wheel = Path(wheel)
    if not wheel.is_file() or not wheel.name.startswith("nnlab-") or wheel.suffix != ".whl":
        raise HandoutError(f"--wheel {wheel}: not an nnlab-*.whl file")
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(wheel, dest / wheel.name)
    return dest / wheel.name


def _wheel_version(wheel: Path) -> str:
    return wheel.name.split("-")[1]


def wheel_problems(wheel: Path) -> list[str]:
    """What a learner's wheel must not hold: anything outside the nnlab package and its
    metadata (a course's reference/, graders/ or solutions/ would be importable)."""
    with zipfile.ZipFile(wheel) as archive:
        tops = {name.split("/")[0] for name in archive.namelist()}
    return [f"{wheel.name} holds {top}/ (only nnlab/ may be in it)" for top in sorted(tops)
            if top != "nnlab" and not (top.startswith("nnlab-") and top.endswith((".dist-info", ".data")))]


def _write_zip(archive: Path, folder: Path, name: str, files: list[str]) -> None:
    partial = archive.with_name(archive.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel in files:
            info = zipfile.ZipInfo(f"{name}/{rel}", ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, (folder / rel).read_bytes())
    os.replace(partial, archive)


# -- the learner's README ----------------------------------------------------------------------

def colab_cell(name: str) -> str:
    """The Colab set-up cell: unpack the handout zip uploaded beside the notebook (or found in
    Drive), install nnlab from its wheel (pip fetches nnlab's own dependencies that Colab lacks
    from PyPI, nothing else), and work in its exercises/notebooks folder."""
    return f"""{COLAB_BEGIN}
import glob, os, subprocess, sys, zipfile
HANDOUT = "{name}"
if not os.path.isdir(HANDOUT):
    found = glob.glob(HANDOUT + ".zip") + glob.glob("/content/drive/MyDrive/**/" + HANDOUT + ".zip", recursive=True)
    if not found:
        raise FileNotFoundError("upload " + HANDOUT + ".zip (Files pane, left) and run this cell again")
    zipfile.ZipFile(found[0]).extractall(".")
HANDOUT = os.path.abspath(HANDOUT)
subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet",
                       "-r", os.path.join(HANDOUT, "requirements.txt")])
os.chdir(os.path.join(HANDOUT, "exercises", "notebooks"))
print("nnlab is installed; checks run on", os.getcwd())
{COLAB_END}"""


def learner_readme(course: Course, name: str, chosen: list, modules: list[str], wheel: str) -> str:
    rows = "\n".join(f"| {a.id} | {a.title} | {', '.join(f'`{m}.py`' for m in a.modules if m in modules)} "
                     f"| `exercises/notebooks/{a.id}.ipynb` |" for a in chosen)
    first = modules[0] if modules else "MODULE"
    text = TEMPLATE.read_text(encoding="utf-8")
    template = question_files(course, modules, None).get("exercises/answers.yml", b"").decode()
    example = "\n".join(line for line in template.splitlines() if line and not line.startswith("#"))
    values = {"title": course.title, "name": name, "rows": rows, "first": first, "wheel": wheel,
              "first_assignment": chosen[0].id, "colab_cell": colab_cell(name),
              "answers_example": "\n".join(example.splitlines()[:3]) or "# (no questions in this handout)"}
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def readme_colab_cell(readme: str) -> str:
    """The Colab cell as the learner's README shows it (what a test executes)."""
    start = readme.index(COLAB_BEGIN)
    end = readme.index(COLAB_END, start) + len(COLAB_END)
    return readme[start:end]


# -- the scan ----------------------------------------------------------------------------------

# Lines too common to mean anything: shorter than this, or Python's scaffolding (imports,
# decorators, signatures, loop and handler headers) that every module shares.
MIN_LINE = 24
SCAFFOLDING = ("import ", "from ", "@", "#", "def ", "class ", "except", "raise ", "for ", "with ",
               "try:", "else:", '"' * 3, "'" * 3)
# Lines nnlab's own grading code (public: it is the learner's wheel) shares with a grader or the
# reference, reviewed: none is part of an answer. A new one fails the scan until reviewed here.
SHARED_WITH_NNLAB = frozenset({
    'learning_rate_init=s["learning_rate_init"], max_iter=s["max_iter"],',  # sklearn's MLP settings
    'batch_size=s["batch_size"], random_state=0)',
    "rtol, atol = case.tolerance",
    'f"{describe_value(grads)}.")',
    "if no_warnings and result.warnings:",
    # baselines/record.py draws softmax-shaped probabilities for the loss cases it records:
    "e = np.exp(logits - logits.max(axis=1, keepdims=True))",
    # selfcheck.py walks a learner's module the way the mistakes registry walks a solution:
    "if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):",
    # null_learners.py's memorising model: a seeded generator, float64 input, R^2 as sklearn's:
    "rng = np.random.default_rng(self.random_state)",
    "X = np.asarray(X, dtype=np.float64)",
    "return float(1 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2))",
    # questions/__init__.py's `shown` tells a shape from a number, as nnlab's own code does:
    "if isinstance(value, tuple):",
})


def _solution_regions(text: str) -> list[str]:
    from nnlab.authoring.stubs import BEGIN, END, HINT

    lines, inside, out = text.splitlines(), False, []
    for line in lines:
        if line.strip() == BEGIN:
            inside = True
        elif line.strip() == END:
            inside = False
        elif inside and not line.strip().startswith(HINT):
            out.append(line)
    return out


def hidden_lines(course: Course) -> dict[str, str]:
    """{stripped line: where it comes from} for every line a learner must not get: the lines of
    each solution region (its `# HINT:` lines are handed out on purpose) and of every file in
    graders/, reference/ (mistake catalogue included) and questions/, less lines a stub also has (a
    signature, a docstring, a comment kept outside the regions) and trivial lines (shorter
    than MIN_LINE characters: `return out`, `import numpy as np`)."""
    from nnlab.authoring.stubs import make_stub

    root = course.root
    public: set[str] = set()
    hidden: dict[str, str] = {}
    for solution in sorted((root / "solutions").glob("*.py")):
        text = solution.read_text(encoding="utf-8")
        public.update(line.strip() for line in make_stub(text, solution.name).splitlines())
        for line in _solution_regions(text):
            hidden.setdefault(line.strip(), f"a solution region of solutions/{solution.name}")
    for folder in ("graders", "reference", "questions"):
        for path in sorted((root / folder).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            for line in path.read_text(encoding="utf-8").splitlines():
                hidden.setdefault(line.strip(), rel)
    return {line: where for line, where in hidden.items()
            if len(line) >= MIN_LINE and line not in public and not line.startswith(SCAFFOLDING)}


def _texts(path: Path):
    """(name, text) of every text file in a folder, a zip or a wheel (notebooks as their cells'
    sources, one cell per text)."""
    if path.is_dir():
        for item in sorted(path.rglob("*")):
            if item.is_file():
                yield from _file_texts(item.relative_to(path).as_posix(), item.read_bytes(), item)
    else:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.is_dir():
                    yield from _file_texts(f"{path.name}:{info.filename}", archive.read(info), None)


def _file_texts(name: str, data: bytes, path: Path | None):
    import io
    import json

    if name.endswith((".whl", ".zip")):
        with tempfile.TemporaryDirectory() as tmp:
            inner = Path(tmp) / Path(name).name
            inner.write_bytes(data)
            yield from ((f"{name}:{n.split(':', 1)[-1]}", t) for n, t in _texts(inner))
        return
    if name.endswith(".npz"):
        import numpy as np

        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            yield name, " ".join(arrays.files)
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    if name.endswith(".ipynb"):
        for cell in json.loads(text).get("cells", []):
            source = cell.get("source", "")
            yield name, "".join(source) if isinstance(source, list) else source
    yield name, text


def leaks(course: Course, path: Path, lines: dict[str, str] | None = None) -> list[str]:
    """Every hidden line found in a handout folder, zip or wheel, as "FILE has a line of
    WHERE: LINE"; the wheel's own layout problems too. Empty when nothing leaks."""
    lines = hidden_lines(course) if lines is None else lines
    found: list[str] = []
    if path.suffix == ".whl":
        found += wheel_problems(path)
    seed = os.environ.get(course.secret_seed_env, "")
    for name, text in _texts(path):
        for line in text.splitlines():
            where = lines.get(line.strip())
            if where and not (line.strip() in SHARED_WITH_NNLAB and ".whl:nnlab/" in name):
                found.append(f"{name} has a line of {where}: {line.strip()[:80]}")
        if seed and seed in text:
            found.append(f"{name} holds the secret seed ${course.secret_seed_env}")
    return found
