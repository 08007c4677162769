"""feedback.html: the learner's feedback as one self-contained page, figures embedded.

Rendered from `nnlab.reports.feedback.feedback_page` (the same structure feedback.md is written
from) with a Jinja2 template under autoescaping: every piece of text, learner text above all,
is escaped by construction, never parsed back out of markdown. Messages and printed output are
in `<pre>`, failed tests are styled failed, and a Content-Security-Policy forbids scripts.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from nnlab.reports.feedback import feedback_page
from nnlab.reports.text import clean, visible

if TYPE_CHECKING:  # pragma: no cover
    from nnlab.grading.results import SubmissionResult

TEMPLATES = Path(__file__).with_name("templates")


@lru_cache(maxsize=1)
def environment():
    """The Jinja2 environment every nnlab page is rendered with: autoescaping always on."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(clean=clean, visible=visible, num=lambda v: f"{v:g}")
    return env


def render_feedback(result: "SubmissionResult", folder: Path | None = None) -> str:
    """feedback.html for `result`; the figures' PNGs under `folder` are inlined as data URIs
    (a figure whose file is missing is left out)."""
    page = feedback_page(result)
    figures = []
    for title, relative in page.figures:
        target = (Path(folder) / relative) if folder is not None else None
        if target is not None and target.is_file():
            figures.append((title, base64.b64encode(target.read_bytes()).decode("ascii")))
    return environment().get_template("feedback.html.j2").render(page=page, figures=figures)
