"""Pages as people see them: an HTML file opened in real headless Chromium, its DOM read back.

`open_page(path)` returns the DOM Chromium built (`Dom`: every element with its attributes and
every text with the elements around it) and the console's complaints (errors, refused loads).
Tests skip, saying why, only where no Chromium can be found (.ci/run installs it with apt-get).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


def chromium() -> str:
    browser = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                    if shutil.which(n)), None)
    if browser is None:
        pytest.skip("no Chromium here (.ci/run installs the Debian package chromium)")
    return browser


@dataclass
class Dom:
    elements: list[tuple[str, dict]] = field(default_factory=list)  # (tag, attributes), in order
    texts: list[tuple[str, tuple[tuple[str, str], ...]]] = field(default_factory=list)  # (text, ((tag, class), ...))

    @property
    def tags(self) -> list[str]:
        return [tag for tag, _ in self.elements]

    def text_inside(self, tag: str) -> str:
        return "".join(text for text, around in self.texts if any(t == tag for t, _ in around))

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.texts)

    def with_class(self, tag: str, cls: str) -> list[dict]:
        return [a for t, a in self.elements if t == tag and cls in (a.get("class") or "").split()]


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.dom = Dom()
        self.stack: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.dom.elements.append((tag, attributes))
        if tag not in VOID:
            self.stack.append((tag, attributes.get("class") or ""))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        self.dom.texts.append((data, tuple(self.stack)))


def parse(html: str) -> Dom:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.dom


def open_page(page: Path) -> tuple[Dom, list[str]]:
    """(the DOM Chromium built from `page`, the console's errors and refusals)."""
    browser = chromium()
    with tempfile.TemporaryDirectory(prefix="nnlab-chromium-") as profile:
        done = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--no-first-run", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
             "--dump-dom", Path(page).resolve().as_uri()],
            capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    complaints = [line for line in done.stderr.splitlines()
                  if ("CONSOLE" in line and ("error" in line.lower() or "Uncaught" in line))
                  or "Refused to" in line]
    return parse(done.stdout), complaints
