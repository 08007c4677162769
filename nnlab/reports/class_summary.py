"""The class's reports: summary.html (and junit.xml on request), from every results.json.

summary.html is one self-contained page: a histogram of percentages, each test's pass rate,
how often each named misconception appeared, an item analysis and the flagged learners.

Item analysis, as instructors use it to find a broken or a useless test: a test's *difficulty*
is the mean fraction of its points learners earned (1.0: everyone passed, it separates no one);
its *discrimination* is the correlation between earning it and the rest of the score (the
corrected item-total correlation). A test nobody passes, or one that strong learners fail more
often than weak ones (negative discrimination), is worth a look. Learners to regrade are left
out of every statistic; refused hand-ins count as zero in the histogram only.
"""

from __future__ import annotations

import html
import math
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from string import Template

from nnlab.grading.results import SubmissionResult, read_all_results, write_atomic
from nnlab.outcome import Outcome

TEMPLATE = Path(__file__).with_name("templates") / "class_summary.html"
DIAGNOSIS = re.compile(r"Diagnosis: your (\w+) looks like (.+?)(?::|;|\.\s|\.$|\n|$)")


@dataclass
class Item:
    name: str
    points: float
    takers: int
    passed: int
    difficulty: float  # mean fraction of the points earned
    discrimination: float | None  # corrected item-total correlation (None: undefined)

    @property
    def pass_rate(self) -> float:
        return self.passed / self.takers if self.takers else 0.0

    @property
    def warning(self) -> str:
        if self.takers >= 3 and self.passed == 0:
            return "nobody passes: a broken test, or an untaught idea?"
        if self.discrimination is not None and self.discrimination < -0.1:
            return "stronger learners fail it more often: check the test"
        if self.takers >= 5 and self.passed == self.takers:
            return "everyone passes: it separates no one"
        return ""


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / math.sqrt(sxx * syy)


def item_analysis(results: list[SubmissionResult]) -> list[Item]:
    graded = [r for r in results if r.status == "graded" and r.tests]
    names: dict[str, float] = {}
    for result in graded:
        for test in result.tests:
            names.setdefault(test.name, test.points)
    items = []
    for name, points in names.items():
        fractions, rest = [], []
        passed = 0
        for result in graded:
            test = next((t for t in result.tests if t.name == name), None)
            if test is None:
                continue
            fraction = test.score / test.points if test.points else 0.0
            fractions.append(fraction)
            rest.append(result.score - test.score)
            passed += test.passed
        items.append(Item(name, points, len(fractions), passed,
                          sum(fractions) / len(fractions) if fractions else 0.0,
                          _pearson(fractions, rest)))
    return items


def misconceptions(results: list[SubmissionResult]) -> list[tuple[str, str, int, int]]:
    """(function, what it looked like, learners who showed it, learners graded on the function),
    most frequent first. A learner counts once per misconception however many tests named it."""
    graded = [r for r in results if r.status == "graded"]
    takers: Counter = Counter()
    shown: dict[tuple[str, str], set[str]] = defaultdict(set)
    for result in graded:
        functions = {t.function for t in result.tests}
        takers.update(functions)
        for test in result.tests:
            for match in DIAGNOSIS.finditer(test.output or ""):
                shown[(test.function, match.group(2).strip())].add(result.learner)
    rows = [(function, looks, len(who), takers[function] or len(who))
            for (function, looks), who in shown.items()]
    return sorted(rows, key=lambda r: (-r[2] / r[3], r[0], r[1]))


def _histogram_svg(percents: list[float]) -> str:
    bins = [0] * 10
    for p in percents:
        bins[min(int(p // 10), 9)] += 1
    top = max(bins) or 1
    width, height, bar = 520, 200, 48
    parts = [f'<svg class="chart" id="histogram" role="img" aria-label="score histogram" '
             f'width="{width}" height="{height + 40}" viewBox="0 0 {width} {height + 40}">']
    for i, count in enumerate(bins):
        h = round((height - 20) * count / top)  # headroom for the count above the bar
        x = 10 + i * (bar + 3)
        parts.append(f'<rect x="{x}" y="{height - h}" width="{bar}" height="{h}" fill="#4a7fb5">'
                     f"<title>{i * 10}-{i * 10 + 10}%: {count}</title></rect>")
        parts.append(f'<text x="{x + bar / 2}" y="{height - h - 4}" text-anchor="middle" '
                     f'font-size="12">{count or ""}</text>')
        parts.append(f'<text x="{x + bar / 2}" y="{height + 16}" text-anchor="middle" '
                     f'font-size="11">{i * 10}%</text>')
    parts.append("</svg>")
    return "".join(parts)


def _bar(fraction: float) -> str:
    width = max(0, min(100, round(100 * fraction)))
    return (f'<svg class="bar" width="104" height="12"><rect width="104" height="12" fill="#eee"/>'
            f'<rect width="{width}" height="12" fill="#5a9"/></svg>')


def summary_html(results: list[SubmissionResult], title: str) -> str:
    e = html.escape
    counted = [r for r in results if r.status != "regrade"]
    percents = [100 * r.score / r.max_score if r.max_score else 0.0 for r in counted]
    items = item_analysis(results)
    rows_items = "\n".join(
        f"<tr><td>{e(i.name)}</td><td>{i.points:g}</td><td>{i.takers}</td>"
        f"<td>{_bar(i.pass_rate)} {100 * i.pass_rate:.0f}%</td><td>{i.difficulty:.2f}</td>"
        f"<td>{'' if i.discrimination is None else f'{i.discrimination:.2f}'}</td>"
        f"<td>{e(i.warning)}</td></tr>" for i in items)
    rows_mis = "\n".join(
        f"<tr><td>{100 * n / d:.0f}%</td><td>{n} of {d}</td><td>{e(f)}</td><td>{e(looks)}</td></tr>"
        for f, looks, n, d in misconceptions(results)) or '<tr><td colspan="4">none named</td></tr>'
    flagged = [r for r in results if r.flags or r.status != "graded"]
    rows_flags = "\n".join(
        f"<tr><td>{e(r.learner)}</td><td>{e(r.status)}</td>"
        f"<td>{e('; '.join([x for x in [r.fault or r.error] if x] + r.flags))}</td></tr>"
        for r in flagged) or '<tr><td colspan="3">nothing to review</td></tr>'
    mean = sum(percents) / len(percents) if percents else 0.0
    median = sorted(percents)[len(percents) // 2] if percents else 0.0
    stats = (f"{len(results)} learners; {len(counted)} with a score; mean {mean:.1f}%, median "
             f"{median:.1f}%; {sum(r.status == 'regrade' for r in results)} to regrade, "
             f"{sum(r.status == 'refused' for r in results)} refused, {len(flagged)} to review.")
    page = Template(TEMPLATE.read_text(encoding="utf-8"))
    return page.substitute(title=e(title), stats=e(stats), histogram=_histogram_svg(percents),
                           items=rows_items, misconceptions=rows_mis, flags=rows_flags)


def junit_xml(results: list[SubmissionResult]) -> str:
    """One <testsuite> per learner, one <testcase> per grader test (CI dashboards read it)."""
    root = ET.Element("testsuites", name="nnlab")
    for result in sorted(results, key=lambda r: r.learner):
        failures = sum(t.outcome.learners_fault for t in result.tests)
        errors = len(result.grader_errors) + bool(result.error or result.fault)
        suite = ET.SubElement(root, "testsuite", name=result.learner, tests=str(len(result.tests)),
                              failures=str(failures), errors=str(errors),
                              time=f"{result.seconds:.3f}")
        if result.error or result.fault:
            case = ET.SubElement(suite, "testcase", classname=result.learner, name="submission")
            ET.SubElement(case, "error", message=(result.fault or result.error)[:500])
        for test in result.tests:
            case = ET.SubElement(suite, "testcase", classname=f"{result.learner}.{test.module}",
                                 name=test.name, time=f"{test.seconds:.3f}")
            if test.outcome is Outcome.GRADER_ERROR:
                ET.SubElement(case, "error", message=test.output[:500])
            elif not test.passed:
                node = ET.SubElement(case, "failure", message=test.outcome.value,
                                     type=test.outcome.value)
                node.text = test.output
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_class_reports(out_dir: Path, course, junit: bool = False) -> list[Path]:
    """grades.csv (rewritten by the batch), summary.html and, on request, junit.xml."""
    results, _ = read_all_results(Path(out_dir))
    written = [Path(out_dir) / "grades.csv"]
    path = Path(out_dir) / "summary.html"
    write_atomic(path, summary_html(results, course.title))
    written.append(path)
    if junit:
        path = Path(out_dir) / "junit.xml"
        write_atomic(path, junit_xml(results))
        written.append(path)
    return written
