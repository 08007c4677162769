"""feedback.html: the learner's feedback.md as one self-contained page, figures embedded.

A small renderer for the markdown nnlab itself writes (headings, bold, list items, indented
detail lines, images): no third-party markdown package, and every piece of text escaped, since
test output can quote what learner code printed.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

STYLE = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
line-height:1.45;color:#222}pre{background:#f6f6f6;padding:.4rem .6rem;white-space:pre-wrap;
margin:.2rem 0 .6rem 1.2rem}li{margin:.3rem 0}.failed{color:#a11}.passed{color:#185}
img{max-width:100%;border:1px solid #ddd}blockquote{border-left:4px solid #c90;margin:0;padding:.2rem 1rem}"""


def _inline(text: str) -> str:
    text = html.escape(text)
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)


def render(markdown: str, folder: Path) -> str:
    """HTML for nnlab's feedback markdown; images under `folder` are inlined as data URIs."""
    out: list[str] = []
    in_list = False
    pre: list[str] = []

    def flush_pre() -> None:
        if pre:
            out.append("<pre>" + html.escape("\n".join(pre)) + "</pre>")
            pre.clear()

    for line in markdown.splitlines():
        if line.startswith("    "):
            pre.append(line[4:])
            continue
        flush_pre()
        image = re.fullmatch(r"!\[(.*)\]\((.+)\)", line.strip())
        if line.startswith("- "):
            if not in_list:
                out.append("<ul>")
                in_list = True
            cls = "failed" if line.rstrip().endswith("FAILED") else "passed"
            out.append(f'<li class="{cls}">{_inline(line[2:])}</li>')
            continue
        if in_list:
            out.append("</ul>")
            in_list = False
        if line.startswith("#"):
            level = min(len(line) - len(line.lstrip("#")), 4)
            out.append(f"<h{level}>{_inline(line.lstrip('#').strip())}</h{level}>")
        elif image:
            target = (folder / image.group(2)).resolve()
            if target.is_file() and folder.resolve() in target.parents:
                data = base64.b64encode(target.read_bytes()).decode()
                out.append(f'<p><img alt="{html.escape(image.group(1))}" '
                           f'src="data:image/png;base64,{data}"></p>')
        elif line.startswith("> "):
            out.append(f"<blockquote>{_inline(line[2:])}</blockquote>")
        elif line.strip():
            out.append(f"<p>{_inline(line)}</p>")
    flush_pre()
    if in_list:
        out.append("</ul>")
    title = html.escape(markdown.splitlines()[0].lstrip("# ")) if markdown else "Feedback"
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(out) + "\n</body></html>\n")
