"""Learner-derived text made safe for each kind of file, one rule per format.

Learner text (a learner id from a folder or zip name, an exception message, printed output)
reaches every output. It never becomes markup: HTML is escaped by Jinja2's autoescaping and
markdown by `nnlab.reports.feedback`'s helpers; what is left for the other formats is here:

- `visible(name)`: a name shown with its odd characters spelled out ("ada\\x1b[31m" shows
  the escape, not red text), for ids in every format.
- `clean(text)`: a message with ANSI escape sequences and control characters removed (newlines
  and tabs kept), for the terminal, XML and HTML `<pre>` blocks.
- `xml_text(text)`: `clean` plus the characters XML 1.0 cannot hold at all.
- `csv_cell(value)`: a spreadsheet cell that cannot start a formula.
"""

from __future__ import annotations

import re
import unicodedata

# CSI / OSC / other ESC sequences, as terminals read them.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_ODD = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
# What makes a spreadsheet (Excel, LibreOffice, Google Sheets) read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _odd(char: str) -> bool:
    return unicodedata.category(char) in _ODD


def visible(name: str) -> str:
    """`name` with every control, format or unassigned character written as an escape
    (\\x1b, \\u202e), so a learner id can neither colour a terminal nor hide characters."""
    out = []
    for char in str(name):
        if _odd(char):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else
                       f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(char)
    return "".join(out)


def clean(text: str) -> str:
    """`text` without ANSI escape sequences or control characters; newlines and tabs stay."""
    text = _ANSI.sub("", str(text)).replace("\r\n", "\n")
    return "".join(c for c in text if c in "\n\t" or not _odd(c))


def one_line(text: str, limit: int = 300) -> str:
    """`clean(text)` on one line (runs of whitespace to one space), cut to `limit` characters."""
    flat = " ".join(clean(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def xml_text(text: str) -> str:
    """`clean(text)` with what XML 1.0 forbids removed too (lone surrogates, U+FFFE, U+FFFF)."""
    return "".join(c for c in clean(text)
                   if not (0xD800 <= ord(c) <= 0xDFFF or ord(c) in (0xFFFE, 0xFFFF)))


def csv_cell(value: object) -> str:
    """A grades.csv cell: text on one line without control characters, prefixed with an
    apostrophe where a spreadsheet would read its first character as starting a formula."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g}"
    text = " ".join(clean(str(value)).split())
    return "'" + text if text.startswith(FORMULA_START) else text
