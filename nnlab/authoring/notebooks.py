"""The lab notebooks: each exercise stub as a Jupyter notebook, via jupytext's percent format.

Output is deterministic (fixed cell ids, no jupytext version stamp), so `nnlab build --check`
can compare it with what is committed.
"""

from __future__ import annotations

import jupytext
import nbformat


def make_notebook(stub_text: str, module: str) -> str:
    notebook = jupytext.reads(stub_text, fmt="py:percent")
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "nnlab": {"module": module},
    }
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"{module}-{index:02d}"
        cell["metadata"] = {}
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    notebook.nbformat, notebook.nbformat_minor = 4, 5
    return nbformat.writes(notebook) + "\n"
