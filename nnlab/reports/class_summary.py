"""The class's reports rendered (written by `nnlab.reports.publish`): summary.html, junit.xml.

summary.html is one self-contained page an instructor reads in a minute (Jinja2, autoescaped,
no script, charts as inline SVG): what to look at, a histogram of percentages, the pass rate per
function, how often each named misconception appeared, the tests grouped by function (each
function's cases folded inside), and the learners to review.

Item analysis, as instructors use it to find a broken or a useless test: a test's *difficulty*
is the mean fraction of its points learners earned (1.0: everyone passed, it separates no one);
its *discrimination* is the correlation between earning it and the rest of the score (the
corrected item-total correlation). A test nobody passes, or one that strong learners fail more
often than weak ones (negative discrimination), is worth a look; both figures are shown only
where at least MIN_TAKERS learners took the test. Learners to regrade are left out of every
statistic; refused hand-ins count as zero in the histogram only.
"""

from __future__ import annotations

import html
import math
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import dataclass

from nnlab.grading.results import SubmissionResult
from nnlab.outcome import Outcome
from nnlab.reports.text import one_line, visible, xml_text


@dataclass
class Item:
    name: str
    points: float
    takers: int
    passed: int
    difficulty: float  # mean fraction of the points earned
    discrimination: float | None  # corrected item-total correlation (None: undefined)
    # the median of the largest errors among the learners who failed it on values (from each
    # failure's structure, `TestResult.detail`), with the tolerance they were judged by: errors
    # just past the tolerance say the test may be too strict, not that learners erred
    median_error: float | None = None
    tolerance: str = ""

    @property
    def pass_rate(self) -> float:
        return self.passed / self.takers if self.takers else 0.0

    @property
    def warning(self) -> str:
        if self.takers >= 3 and self.passed == 0:
            return "nobody passes: a broken test, or an untaught idea?"
        if self.takers >= MIN_TAKERS and self.discrimination is not None and \
                self.discrimination < -0.2:
            return "stronger learners fail it more often: check the test"
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
        fractions, rest, errors = [], [], []
        passed, tolerance = 0, ""
        for result in graded:
            test = next((t for t in result.tests if t.name == name), None)
            if test is None:
                continue
            fraction = test.score / test.points if test.points else 0.0
            fractions.append(fraction)
            rest.append(result.score - test.score)
            passed += test.passed
            detail = test.detail
            if not test.passed and detail is not None and detail.largest_error is not None:
                errors.append(detail.largest_error)
                tolerance = f"rtol {detail.rtol:g}, atol {detail.atol or 0:g}" \
                    if detail.rtol is not None else ""
        items.append(Item(name, points, len(fractions), passed,
                          sum(fractions) / len(fractions) if fractions else 0.0,
                          _pearson(fractions, rest),
                          sorted(errors)[len(errors) // 2] if errors else None, tolerance))
    return items


MIN_TAKERS = 10  # fewer learners than this, and a difficulty or discrimination means little


@dataclass
class FunctionRow:
    """One function's tests, for the summary's table: the function as a whole, its cases inside."""

    name: str
    items: list[Item]
    takers: int
    passed: int  # learners who passed every test of the function
    difficulty: float
    discrimination: float | None

    @property
    def points(self) -> float:
        return sum(i.points for i in self.items)

    @property
    def pass_rate(self) -> float:
        return self.passed / self.takers if self.takers else 0.0

    @property
    def enough(self) -> bool:
        return self.takers >= MIN_TAKERS

    @property
    def warning(self) -> str:
        """Only what is worth an instructor's look: a function nobody gets fully right, a case
        nobody passes, or one stronger learners fail more often (with enough learners)."""
        if self.takers >= 3 and self.passed == 0 and not any(i.passed for i in self.items):
            return "nobody passes any test: a broken test, or an untaught idea?"
        dead = [i for i in self.items if i.takers >= 3 and i.passed == 0]
        if dead and len(dead) < len(self.items):
            return f"nobody passes {len(dead)} of its {len(self.items)} tests"
        if self.enough and self.discrimination is not None and self.discrimination < -0.2:
            return "stronger learners fail it more often: check the test"
        return ""


def function_rows(results: list[SubmissionResult]) -> list[FunctionRow]:
    """Each tested function's statistics over the graded learners, with its cases' items."""
    graded = [r for r in results if r.status == "graded" and r.tests]
    items = item_analysis(results)
    by_function: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        by_function[item.name.split(":", 1)[0]].append(item)
    rows = []
    for function, mine in by_function.items():
        fractions, rest, passed = [], [], 0
        for result in graded:
            tests = [t for t in result.tests if t.function == function]
            if not tests:
                continue
            points = sum(t.points for t in tests)
            got = sum(t.score for t in tests)
            fractions.append(got / points if points else 0.0)
            rest.append(result.score - got)
            passed += all(t.passed for t in tests)
        rows.append(FunctionRow(function, mine, len(fractions), passed,
                                sum(fractions) / len(fractions) if fractions else 0.0,
                                _pearson(fractions, rest)))
    return rows


def misconceptions(results: list[SubmissionResult]) -> list[tuple[str, str, int, int]]:
    """(function, what it looked like, learners who showed it, learners graded on the function),
    most frequent first. A learner counts once per misconception however many tests named it.
    Read from each test's `misconception` (set by the comparator), never from its message."""
    graded = [r for r in results if r.status == "graded"]
    takers: Counter = Counter()
    shown: dict[tuple[str, str], set[str]] = defaultdict(set)
    for result in graded:
        functions = {t.function for t in result.tests}
        takers.update(functions)
        for test in result.tests:
            if test.misconception and not test.passed:
                shown[(test.function, test.misconception)].add(result.learner)
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


def _bars_svg(element_id: str, label: str, rows: list[tuple[str, float, str]]) -> str:
    """A horizontal bar chart: one (label, fraction 0..1, value text) per row. Labels are
    escaped here (they may hold a misconception's words); the SVG is inline, no network."""
    e = html.escape
    line, name_width, bar_width, value_width = 18, 380, 240, 90
    height = line * len(rows) + 6
    parts = [f'<svg class="chart" id="{element_id}" role="img" aria-label="{e(label)}" '
             f'width="{name_width + bar_width + value_width}" height="{height}" '
             f'viewBox="0 0 {name_width + bar_width + value_width} {height}">']
    for i, (name, fraction, value) in enumerate(rows):
        y = 3 + i * line
        width = round(bar_width * max(0.0, min(1.0, fraction)))
        shown = name if len(name) <= 54 else name[:53] + "…"
        parts.append(f'<text x="{name_width - 6}" y="{y + 12}" text-anchor="end" font-size="12">'
                     f"{e(shown)}<title>{e(name)}</title></text>")
        parts.append(f'<rect x="{name_width}" y="{y}" width="{bar_width}" height="{line - 4}" '
                     f'fill="#eee"/><rect x="{name_width}" y="{y}" width="{width}" '
                     f'height="{line - 4}" fill="#5a9"/>')
        parts.append(f'<text x="{name_width + bar_width + 6}" y="{y + 12}" font-size="12">'
                     f"{e(value)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def code_segments(match, side: int) -> list[tuple[str, bool]]:
    """One side of a similar pair's module as (text, shared) pieces, for marking the shared
    parts (nnlab.similarity.ModuleMatch: the code compared and the shared spans in it)."""
    code, spans = match.code[side], sorted(match.spans[side])
    pieces, at = [], 0
    for start, end in spans:
        start, end = max(start, at), min(end, len(code))
        if start >= end:
            continue
        if start > at:
            pieces.append((code[at:start], False))
        pieces.append((code[start:end], True))
        at = end
    if at < len(code):
        pieces.append((code[at:], False))
    return pieces


def summary_html(results: list[SubmissionResult], title: str, similar=None) -> str:
    """summary.html: an instructor's one-minute read of the class (Jinja2, autoescaped).
    `similar`: the class's nnlab.similarity.SimilarityReport, or None where not compared."""
    from markupsafe import Markup

    from nnlab.reports.feedback_html import environment

    counted = [r for r in results if r.status != "regrade"]
    percents = [100 * r.score / r.max_score if r.max_score else 0.0 for r in counted]
    functions = function_rows(results)
    found = misconceptions(results)
    flagged = [r for r in results if r.flags or r.status != "graded"]
    mean = sum(percents) / len(percents) if percents else 0.0
    median = sorted(percents)[len(percents) // 2] if percents else 0.0
    stats = (f"{len(results)} learners; {len(counted)} with a score; mean {mean:.1f}%, median "
             f"{median:.1f}%; {sum(r.status == 'regrade' for r in results)} to regrade, "
             f"{sum(r.status == 'refused' for r in results)} refused, {len(flagged)} to review.")
    pass_rates = _bars_svg("pass-rates", "pass rate per function",
                           [(f.name, f.pass_rate, f"{100 * f.pass_rate:.0f}% of {f.takers}")
                            for f in functions])
    frequency = _bars_svg("misconception-frequency", "misconception frequency",
                          [(f"{function}: {looks}", n / d, f"{n} of {d}")
                           for function, looks, n, d in found]) if found else ""
    env = environment()
    env.filters["segments"] = code_segments
    return env.get_template("class_summary.html.j2").render(
        similar=similar, title=title, stats=stats, histogram=Markup(_histogram_svg(percents)),
        pass_rates=Markup(pass_rates), frequency=Markup(frequency), functions=functions,
        misconceptions=found, flagged=flagged, min_takers=MIN_TAKERS,
        look_at=[f for f in functions if f.warning])


def junit_xml(results: list[SubmissionResult]) -> str:
    """One <testsuite> per learner, one <testcase> per grader test (CI dashboards read it).
    Learner text is stripped of what XML cannot hold (control characters, ANSI escapes); a
    learner id keeps its odd characters visible (`visible`)."""
    root = ET.Element("testsuites", name="nnlab")
    for result in sorted(results, key=lambda r: r.learner):
        learner = visible(result.learner)
        failures = sum(t.outcome.learners_fault for t in result.tests)
        errors = len(result.grader_errors) + bool(result.error or result.fault)
        suite = ET.SubElement(root, "testsuite", name=learner, tests=str(len(result.tests)),
                              failures=str(failures), errors=str(errors),
                              time=f"{result.seconds:.3f}")
        if result.error or result.fault:
            case = ET.SubElement(suite, "testcase", classname=learner, name="submission")
            ET.SubElement(case, "error", message=one_line(xml_text(result.fault or result.error), 500))
        for test in result.tests:
            case = ET.SubElement(suite, "testcase", classname=f"{learner}.{test.module}",
                                 name=xml_text(test.name), time=f"{test.seconds:.3f}")
            if test.outcome is Outcome.GRADER_ERROR:
                ET.SubElement(case, "error", message=one_line(xml_text(test.output), 500))
            elif not test.passed:
                node = ET.SubElement(case, "failure", message=test.outcome.value,
                                     type=test.outcome.value)
                node.text = xml_text(test.output + (f"\nYour code printed:\n{test.printed}"
                                                    if test.printed else ""))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
