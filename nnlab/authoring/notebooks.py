"""The lab notebooks: one per assignment of course.yml, made from the solution files.

`make_lab_notebook(course, assignment)` gives the learner's notebook (exercises/notebooks/
<assignment>.ipynb): lesson markdown, every exercise function in an nbgrader solution cell, the
rest of each module's code in locked cells, a public-check cell after each exercise and at the
end of each module (the same diagnosis as `nnlab check`, shown as a table), and plot cells.
With `solutions=True` the exercise cells keep the solution code and its `### BEGIN SOLUTION`
markers (nbgrader's source notebook); `grade_cells` adds hidden grade cells (nnlab.nbgrader).

Cell metadata is the contract nnlab.nbgrader.extract reads: an exercise cell has
`{"nbgrader": {"solution": true, "grade": false, "locked": false, "grade_id":
"<module>-<function>", "schema_version": 3}, "nnlab": {"module": "<module>"}}`; every other
module code cell `{"nbgrader": {... "locked": true, "grade_id": "<module>-code-NN"}, "nnlab":
{"module": ...}}`; helper cells carry `"nnlab": {"role": "setup" | "check" | "plot" | "grade" |
"question"}` and are not part of any module. After each module, its concept questions
(questions/): per question a locked markdown cell (the question's id, points and what to do), a
locked `lab.question(id)` cell that shows this learner's numbers, and an answer cell (a solution
cell, `"grade_id": "answer-<module>-<name>"`, `"nnlab": {"question": id}`) where the learner
sets `answer = ...`; `answer_grade_cells` adds each question's grade cell (nnlab.nbgrader). Output is deterministic (fixed cell ids), so `nnlab build
--check` can compare it with what is committed.
"""

from __future__ import annotations

from typing import Callable

import jupytext
import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from nnlab.authoring.stubs import BEGIN, make_stub
from nnlab.course import Course

# Plot cells, by module: drawn with the learner's own functions by nnlab.nbgrader.lab (a
# function not written yet is skipped with a note). A module whose solution already draws its
# figures (conv's feature maps) needs none.
PLOTS = {
    "activations": ("## Look at them\n\nEvery activation beside its derivative, drawn with your "
                    "functions. The dashed line is `f_grad`; check that it is the slope of the solid "
                    "line, and that the kinks of ReLU, leaky ReLU and ELU sit at 0.",
                    "lab.plot_activations(globals())"),
    "losses": ("## A loss curve\n\nLogistic regression on a small two-class cloud, trained by "
               "gradient descent through your `binary_cross_entropy_grad`, with your "
               "`binary_cross_entropy` measured at every step. The curve should fall fast, then "
               "flatten.", "lab.plot_loss_curve(globals())"),
    "xor": ("## The decision boundary\n\nYour network trained on XOR, and the probability it "
            "gives to every point of the plane: one neuron draws a line, two hidden neurons "
            "bend it around the corners.", "lab.plot_xor_boundary(globals())"),
}

NBGRADER = "nbgrader"


def _nbgrader(grade_id: str, *, solution=False, grade=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution}
    if points is not None:
        meta["points"] = points
    return meta


def module_cells(module: str, solution_text: str, *, solutions: bool, filename: str):
    """(kind, source, names) for each cell of one solution file: kind is "markdown",
    "exercise" or "code"."""
    stub_text = make_stub(solution_text, filename)
    solved = jupytext.reads(solution_text, fmt="py:percent").cells
    stubbed = jupytext.reads(stub_text, fmt="py:percent").cells
    if len(solved) != len(stubbed):  # pragma: no cover - make_stub keeps cell boundaries
        raise ValueError(f"{filename}: the stub and the solution split into different cells")
    from nnlab.nbgrader.extract import defined_names

    out = []
    for sol, stub in zip(solved, stubbed):
        if sol.cell_type == "markdown":
            out.append(("markdown", sol.source, []))
        elif sol.cell_type == "code":
            exercise = BEGIN in sol.source
            out.append(("exercise" if exercise else "code", sol.source if solutions else stub.source,
                        defined_names(stub.source)))
    return out


def question_cells(question: dict, *, solutions: bool) -> list:
    """The cells of one concept question (`question`: an entry of question_catalogue): its
    text cell, the cell showing the learner's numbers, and the answer cell."""
    from nnlab.questions import ANSWER_NAME, form_words

    qid, points = question["id"], question["points"]
    module, name = qid.split(".", 1)
    stem = f"{module}-{name}"
    words = f"{points:g} point{'s' if points != 1 else ''}"
    text = new_markdown_cell(
        f"### Question `{qid}` ({words})\n\nYour numbers follow from your learner id, so they are not "
        f"your neighbour's: the cell below shows them. Write your answer, {form_words(question['kind'])}, "
        f"in the answer cell after it as `{ANSWER_NAME} = ...` and run that cell: it says whether the "
        f"answer has the right form. Whether it is right is told after grading.")
    text["id"] = f"question-{stem}-text"
    text.metadata[NBGRADER] = _nbgrader(f"question-{stem}-text", locked=True)
    show = new_code_cell(f"lab.question({qid!r})")
    show["id"] = f"question-{stem}"
    show.metadata[NBGRADER] = _nbgrader(f"question-{stem}", locked=True)
    show.metadata["nnlab"] = {"role": "question"}
    value = (f"### BEGIN SOLUTION\n{ANSWER_NAME} = ...\n### END SOLUTION" if solutions
             else f"{ANSWER_NAME} = ...")
    answer = new_code_cell(f"# Your answer to {qid}: set `{ANSWER_NAME}` (e.g. `{ANSWER_NAME} = "
                           f"{_example(question['kind'])}`), then run the cell.\n{value}\n"
                           f"lab.answer({qid!r}, {ANSWER_NAME})")
    answer["id"] = f"answer-{stem}"
    answer.metadata[NBGRADER] = _nbgrader(f"answer-{stem}", solution=True)
    answer.metadata["nnlab"] = {"question": qid}
    return [text, show, answer]


def _example(kind: str) -> str:
    return {"number": "0.25", "integer": "120", "shape": "(28, 28, 32)"}.get(kind, "'0.8'")


def module_questions(course: Course, module: str) -> list[dict]:
    """The catalogue entries (id, module, kind, points) of `module`'s concept questions."""
    if not (course.root / "questions" / "__init__.py").is_file():
        return []
    from nnlab.questions import question_catalogue

    return [q for q in question_catalogue(course)["questions"] if q["module"] == module]


def make_lab_notebook(course: Course, assignment_id: str, *, solutions: bool = False,
                      grade_cells: Callable[[str, list[str]], list] | None = None,
                      setup: str | None = None,
                      answer_grade_cells: Callable[[dict], list] | None = None
                      ) -> nbformat.NotebookNode | None:
    """The lab notebook of one assignment, or None when none of its modules has a solution.

    `grade_cells(module, names)` returns the cells to put after an exercise cell defining
    `names` (used by `nnlab nbgrader build`); `answer_grade_cells(question)` those after a
    concept question's answer cell; `setup` replaces the setup cell's code.
    """
    assignment = course.assignment(assignment_id)
    present = [m for m in assignment.modules if (course.root / "solutions" / f"{m}.py").is_file()]
    if not present:
        return None
    cells = []

    def add(cell, cid: str, **nnlab):
        cell["id"] = cid
        if nnlab:
            cell.metadata["nnlab"] = nnlab
        cells.append(cell)
        return cell

    intro = (f"# Assignment {assignment.id}: {assignment.title}\n\n"
             f"Modules in this notebook: {', '.join(f'`{m}`' for m in present)}.\n\n"
             "Write your code in the cells marked `# YOUR CODE HERE`, replacing the "
             "`raise NotImplementedError(...)` line; leave the other cells as they are (their "
             "metadata identifies your answers). Run the setup cell first, then each exercise "
             "cell and the check cell after it: the checks are `nnlab check`'s public cases, run "
             "on the code in this notebook. You may submit this notebook (save it first) or the "
             "`.py` files; both are graded the same way. The hidden graders test more cases "
             "than these checks.")
    add(new_markdown_cell(intro), f"{assignment.id}-intro")
    setup_code = setup or ("# Run this cell first: it loads nnlab's notebook helper, which runs the "
                           "public checks\n# on the code of this notebook's exercise cells.\n"
                           "%matplotlib inline\n"
                           "from nnlab.nbgrader import lab\n\n"
                           f"lab.start({assignment.id!r})")
    setup_cell = add(new_code_cell(setup_code), f"{assignment.id}-setup", role="setup")
    setup_cell.metadata[NBGRADER] = _nbgrader(f"{assignment.id}-setup", locked=True)

    for module in present:
        filename = f"solutions/{module}.py"
        text = (course.root / filename).read_text(encoding="utf-8")
        code_index = 0
        for index, (kind, source, names) in enumerate(module_cells(module, text, solutions=solutions,
                                                                    filename=filename)):
            cid = f"{module}-{index:02d}"
            if kind == "markdown":
                add(new_markdown_cell(source), cid)
            elif kind == "code":
                cell = add(new_code_cell(source), cid, module=module)
                cell.metadata[NBGRADER] = _nbgrader(f"{module}-code-{code_index:02d}", locked=True)
                code_index += 1
            else:
                gid = f"{module}-{names[0]}" if names else f"{module}-exercise-{index:02d}"
                cell = add(new_code_cell(source), cid, module=module)
                cell.metadata[NBGRADER] = _nbgrader(gid, solution=True)
                functions = [n for n in names if not n.startswith("_")]
                if grade_cells is not None:
                    for extra in grade_cells(module, functions):
                        cells.append(extra)
                elif functions:
                    targets = ", ".join(repr(f"{module}.{f}") for f in functions)
                    check = add(new_code_cell(f"lab.check({targets})"), f"{cid}-check", role="check")
                    check.metadata[NBGRADER] = _nbgrader(f"{cid}-check", locked=True)
        if module in PLOTS:
            words, code = PLOTS[module]
            add(new_markdown_cell(words), f"{module}-plot-text")
            plot = add(new_code_cell(code), f"{module}-plot", role="plot")
            plot.metadata[NBGRADER] = _nbgrader(f"{module}-plot", locked=True)
        add(new_markdown_cell(f"## All of `{module}`\n\nEvery public check of the module at once."),
            f"{module}-summary-text")
        summary = add(new_code_cell(f"lab.check({module!r})"), f"{module}-summary", role="check")
        summary.metadata[NBGRADER] = _nbgrader(f"{module}-summary", locked=True)
        asked = module_questions(course, module)
        if asked:
            add(new_markdown_cell(f"## Concept questions on `{module}`\n\nWorked out on paper (or "
                                  f"with a few lines of arithmetic), from the lectures."),
                f"{module}-questions-text")
        for question in asked:
            cells.extend(question_cells(question, solutions=solutions))
            if answer_grade_cells is not None:
                cells.extend(answer_grade_cells(question))

    notebook = new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "nnlab": {"assignment": assignment.id, "modules": present},
    })
    notebook.nbformat, notebook.nbformat_minor = 4, 5
    return notebook


def render(notebook: nbformat.NotebookNode) -> str:
    return nbformat.writes(notebook) + "\n"
