"""Staff FAQ coverage: data/faq.yaml and the check that says, item by item, whether the chatbot is right.

The file is a top-level list of items::

    - id: chemo-difference                  # unique and stable
      question: How is immunotherapy different from chemotherapy?
      variants: [is it the same as chemo]   # optional: other ways patients ask it
      expect:
        kind: answer                        # answer | no_answer | urgent | smalltalk
        section: How it differs from chemotherapy   # a corpus heading (answer; optional for urgent)
        contains: [fast-growing cells]      # optional: one of these must be in the shown answer
      suggest: true                         # optional: offered as a suggested question
      tags: [treatment]                     # optional

Example::

    items = load_faq(Path("data/faq.yaml"), headings_of(engine))
    report = check(engine, items)
    print(format_text(report)); exit_code = 0 if report.ok else 1

Loading and checking are pure values in, values out; `run_check` is the only place that prints.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

from . import output
from .engine import ANSWER_THRESHOLD
from .errors import DataError
from .reply import KINDS, Reply
from .text import fold
from .yamlfile import Located, read_yaml

ITEM_KEYS = ("id", "question", "variants", "expect", "suggest", "tags")
REQUIRED_ITEM_KEYS = ("id", "question", "expect")
EXPECT_KEYS = ("kind", "section", "contains")
SECTION_KINDS = ("answer", "urgent")  # kinds whose reply cites a section that can be checked
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
FRAGILE_MARGIN = 0.10  # a runner-up from another section within 10% of the top score is a close call
FRAGILE_CONFIDENCE = 0.15  # a confidence this close to the answer threshold is a close call
FORMATS = ("text", "json", "junit")


# -- values --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Expect:
    """What a right reply is: its kind, the section its top citation names, a phrase it shows."""

    kind: str
    section: str | None = None
    contains: tuple[str, ...] = ()


@dataclass(frozen=True)
class FaqItem:
    """One question patients ask, the other ways they ask it, and what a right reply is."""

    id: str
    question: str
    expect: Expect
    variants: tuple[str, ...] = ()
    suggest: bool = False
    tags: tuple[str, ...] = ()
    line: int | None = None  # where the item starts in its file

    @property
    def questions(self) -> tuple[str, ...]:
        """The question and its variants, each checked on its own."""
        return (self.question,) + self.variants


@dataclass(frozen=True)
class Got:
    """What the engine replied, as far as the check looks at it."""

    kind: str
    section: str | None
    confidence: float
    answer: str
    runner_up: str | None = None  # the best-scoring section other than the top citation's
    margin: float | None = None  # the top score's lead over that section, as a share of the top score

    @classmethod
    def of(cls, reply: Reply) -> "Got":
        section = reply.citations[0].section if reply.citations else None
        runner_up = margin = None
        if reply.citations:
            top = reply.citations[0]
            others = [c for c in reply.citations[1:] if c.section != top.section]
            if others:
                best_other = max(others, key=lambda c: c.score)
                runner_up = best_other.section
                margin = (top.score - best_other.score) / top.score if top.score > 0 else 0.0
        return cls(reply.kind, section, reply.confidence, reply.answer, runner_up, margin)


@dataclass(frozen=True)
class Result:
    """One question (or variant) of one item, checked."""

    item_id: str
    question: str
    is_variant: bool
    expect: Expect
    got: Got
    problems: tuple[str, ...]  # why it failed; empty when it passed
    close_calls: tuple[str, ...] = ()  # why a pass is fragile; empty when it is clear
    seconds: float = field(default=0.0, compare=False)

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def fragile(self) -> bool:
        return self.passed and bool(self.close_calls)


@dataclass(frozen=True)
class SectionCoverage:
    """How well one article section is covered: items expecting it, their questions, and replies."""

    section: str
    items: int
    questions: int
    passed: int
    landed: int  # answers whose top citation is this section, whatever was expected


@dataclass(frozen=True)
class CoverageReport:
    """Every result of a check, with the corpus sections it was measured against."""

    results: tuple[Result, ...]
    sections: tuple[str, ...]
    items: int
    source: str = ""

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> int:
        return self.total - self.passed

    @property
    def ok(self) -> bool:
        return self.failed == 0

    @property
    def failing_ids(self) -> tuple[str, ...]:
        """Ids of items with at least one failing question, in file order."""
        return tuple(dict.fromkeys(r.item_id for r in self.results if not r.passed))

    @property
    def fragile(self) -> tuple[Result, ...]:
        return tuple(r for r in self.results if r.fragile)

    def coverage(self) -> tuple[SectionCoverage, ...]:
        """Per corpus section, in article order; a section with items == 0 is covered by no item."""
        items: dict[str, set[str]] = {s: set() for s in self.sections}
        questions, passed, landed = Counter(), Counter(), Counter()
        for r in self.results:
            if r.expect.section in items:
                items[r.expect.section].add(r.item_id)
                questions[r.expect.section] += 1
                passed[r.expect.section] += r.passed
            if r.got.kind == "answer" and r.got.section:
                landed[r.got.section] += 1
        return tuple(SectionCoverage(s, len(items[s]), questions[s], passed[s], landed[s]) for s in self.sections)

    def uncovered(self) -> tuple[str, ...]:
        return tuple(c.section for c in self.coverage() if c.items == 0)


# -- loading and validation ------------------------------------------------------------------------
def headings_of(engine) -> tuple[str, ...]:
    """Every section heading of the engine's articles, in order (a title counts for its intro)."""
    return tuple(dict.fromkeys(h for article in engine.articles for h in article.headings))


def load_faq(path: Path | str, headings: Iterable[str] | None, text: str | None = None) -> list[FaqItem]:
    """Read and validate an FAQ file; DataError names the file, the line, the item and what is wrong.

    headings are the corpus sections an expectation may name; None skips that check.
    """
    doc = read_yaml(path, text)
    return parse_faq(doc, path, None if headings is None else tuple(headings))


def parse_faq(doc: Located, path: Path | str, headings: Sequence[str] | None) -> list[FaqItem]:
    """Turn a parsed FAQ document into items, refusing anything a staff member probably mistyped."""
    data = doc.data
    if data is None:
        raise DataError(path, None, "the file is empty; it must be a list of items (- id: ..., question: ..., expect: ...)")
    if not isinstance(data, list):
        raise DataError(path, doc.line(), "the file must be a list of items, each starting with '- id:'")
    if not data:
        raise DataError(path, doc.line(), "the file holds no items")
    items: list[FaqItem] = []
    ids: dict[str, int | None] = {}
    questions: dict[str, tuple[str, int | None]] = {}
    for index, raw in enumerate(data):
        item = _parse_item(doc, path, index, raw, headings)
        if item.id in ids:
            raise DataError(path, doc.line(index, "id"),
                            f"item {item.id!r}: the id is used twice (first on line {ids[item.id]}); ids must be unique")
        ids[item.id] = item.line
        for number, question in enumerate(item.questions):
            where = doc.line(index, "question") if number == 0 else doc.line(index, "variants", number - 1)
            key = " ".join(fold(question).split())
            if key in questions:
                other, line = questions[key]
                raise DataError(path, where, f"item {item.id!r}: the question {question!r} is already asked "
                                f"by item {other!r} (line {line}); each question may appear once")
            questions[key] = (item.id, where)
        items.append(item)
    return items


def _parse_item(doc: Located, path: Path | str, index: int, raw: object, headings: Sequence[str] | None) -> FaqItem:
    line = doc.line(index)
    if not isinstance(raw, dict):
        raise DataError(path, line, f"item {index + 1}: each item is a set of 'key: value' lines "
                        f"({', '.join(ITEM_KEYS)}), not {_kind_of(raw)}")
    item_id = raw.get("id")
    name = f"item {item_id!r}" if item_id not in (None, "") else f"item {index + 1} (no id)"

    def fail(problem: str, *where: object) -> DataError:
        return DataError(path, doc.line(index, *where), f"{name}: {problem}")

    for key in raw:
        if key not in ITEM_KEYS:
            raise fail(_unknown_key(key, ITEM_KEYS), key)
    for key in REQUIRED_ITEM_KEYS:
        if key not in raw or raw[key] is None:
            raise fail(f"the {key!r} field is missing; every item needs {', '.join(REQUIRED_ITEM_KEYS)}")
    if not isinstance(item_id, str) or not ID_PATTERN.fullmatch(item_id):
        raise fail("the id must be one word of letters, digits, '-', '_' or '.', such as chemo-difference", "id")
    question = _text(raw["question"])
    if question is None:
        raise fail("the question must be text", "question")
    variants = raw.get("variants") or []
    if not isinstance(variants, list):
        raise fail("variants must be a list ('- ' lines) of questions", "variants")
    texts = []
    for number, variant in enumerate(variants):
        text = _text(variant)
        if text is None:
            raise fail(f"variant {number + 1} must be text", "variants", number)
        texts.append(text)
    expect = _parse_expect(raw["expect"], fail, headings)
    suggest = raw.get("suggest", False)
    if not isinstance(suggest, bool):
        raise fail("suggest must be true or false", "suggest")
    tags = raw.get("tags") or []
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        raise fail("tags must be a list of words, such as [treatment]", "tags")
    return FaqItem(item_id, question, expect, tuple(texts), suggest, tuple(t.strip() for t in tags), line)


def _parse_expect(raw: object, fail, headings: Sequence[str] | None) -> Expect:
    if not isinstance(raw, dict):
        raise fail("expect must hold 'kind:' (and for answers 'section:'), each on its own indented line", "expect")
    for key in raw:
        if key not in EXPECT_KEYS:
            raise fail(_unknown_key(key, EXPECT_KEYS, "expect"), "expect", key)
    kind = raw.get("kind")
    if kind is None:
        raise fail(f"expect has no kind; it is one of {', '.join(KINDS)}", "expect")
    if kind not in KINDS:
        hint = difflib.get_close_matches(str(kind), KINDS, n=1)
        raise fail(f"unknown kind {kind!r}; it is one of {', '.join(KINDS)}"
                   + (f" (did you mean {hint[0]!r}?)" if hint else ""), "expect", "kind")
    section = raw.get("section")
    if section is not None:
        if kind not in SECTION_KINDS:
            raise fail(f"a {kind} reply cites no section; give a section only for answer or urgent", "expect", "section")
        if not isinstance(section, str) or not section.strip():
            raise fail("section must be a heading of the article, as text", "expect", "section")
        section = section.strip()
        if headings is not None and section not in headings:
            raise fail(f"the section {section!r} is not a heading of the corpus; "
                       f"the closest heading is {closest_heading(section, headings)!r}", "expect", "section")
    elif kind == "answer":
        raise fail("an answer item needs expect.section: the article heading the answer must come from", "expect")
    contains = raw.get("contains") or []
    if isinstance(contains, str):
        contains = [contains]
    if not isinstance(contains, list) or not all(_text(c) for c in contains):
        raise fail("contains must be a phrase or a list of phrases, such as [fast-growing cells]", "expect", "contains")
    return Expect(kind, section, tuple(c.strip() for c in contains))


def closest_heading(name: str, headings: Sequence[str]) -> str:
    """The heading most like a mistyped one (case and spacing ignored)."""
    folded = {" ".join(fold(h).split()): h for h in headings}
    match = difflib.get_close_matches(" ".join(fold(name).split()), list(folded), n=1, cutoff=0.0)
    return folded[match[0]] if match else headings[0]


def _unknown_key(key: object, allowed: Sequence[str], parent: str = "") -> str:
    hint = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
    where = f" in {parent}" if parent else ""
    return (f"unknown key {key!r}{where}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
            + f"; the keys are {', '.join(allowed)}")


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _kind_of(value: object) -> str:
    return {list: "a list", str: "a line of text"}.get(type(value), f"a {type(value).__name__}")


def suggested_questions(path: Path | str) -> list[str]:
    """Questions of items marked suggest: true, in file order; [] if the file is missing or invalid."""
    try:
        return [item.question for item in load_faq(path, None) if item.suggest]
    except Exception:  # the kiosk must start whatever state the staff file is in
        return []


def section_questions(path: Path | str) -> dict[str, list[str]]:
    """Each article section's FAQ questions (items answered from it), in file order; {} if the
    file is missing or invalid. The kiosk offers them as follow-ups after an answer from that section."""
    try:
        items = load_faq(path, None)
    except Exception:  # the kiosk must start whatever state the staff file is in
        return {}
    questions: dict[str, list[str]] = {}
    for item in items:
        if item.expect.kind == "answer" and item.expect.section:
            questions.setdefault(item.expect.section, []).append(item.question)
    return questions


# -- checking --------------------------------------------------------------------------------------
def check(engine, items: Sequence[FaqItem], source: str = "") -> CoverageReport:
    """Ask the engine every question and variant, and judge each reply against its item."""
    results = []
    for item in items:
        for number, question in enumerate(item.questions):
            start = time.perf_counter()
            reply = engine.answer(question)
            seconds = time.perf_counter() - start
            results.append(judge(item, question, number > 0, reply, seconds))
    return CoverageReport(tuple(results), headings_of(engine), len(items), source)


def judge(item: FaqItem, question: str, is_variant: bool, reply: Reply, seconds: float = 0.0) -> Result:
    """Compare one reply with what the item expects; a pass may still be a close call."""
    expect, got = item.expect, Got.of(reply)
    problems = []
    if got.kind != expect.kind:
        problems.append(f"expected kind {expect.kind}, got {got.kind}")
    elif expect.section is not None and got.section != expect.section:
        problems.append(f"expected section {expect.section!r}, got {got.section or 'no citation'!r}")
    if not problems and expect.contains and not any(_plain(p) in _plain(reply.answer) for p in expect.contains):
        problems.append("the answer holds none of: " + ", ".join(repr(p) for p in expect.contains))
    return Result(item.id, question, is_variant, expect, got, tuple(problems),
                  () if problems else _close_calls(got), seconds)


_PLAIN = str.maketrans({**dict.fromkeys("\u2018\u2019\u201a\u201b\u2032`\u00b4", "'"),
                        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033", '"'),
                        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212", "-")})


@lru_cache(maxsize=512)
def _plain(text: str) -> str:
    """Text for phrase matching: case folded, curly quotes and dashes straight, runs of spaces as one."""
    return " ".join(text.translate(_PLAIN).casefold().split())


def _close_calls(got: Got) -> tuple[str, ...]:
    calls = []
    if got.kind == "answer" and got.margin is not None and got.margin < FRAGILE_MARGIN:
        calls.append(f"only {got.margin:.0%} ahead of {got.runner_up!r}")
    if got.kind in ("answer", "no_answer") and abs(got.confidence - ANSWER_THRESHOLD) < FRAGILE_CONFIDENCE:
        calls.append(f"confidence {got.confidence:.2f} is near the {ANSWER_THRESHOLD:.2f} threshold")
    return tuple(calls)


# -- reports -----------------------------------------------------------------------------------------
def expected_label(expect: Expect) -> str:
    return f"{expect.kind}: {expect.section}" if expect.section else expect.kind


def got_label(got: Got) -> str:
    return f"{got.kind}: {got.section}" if got.section and got.kind in SECTION_KINDS else got.kind


def _failure_cell(r: Result) -> str:
    """What came back, for the failures table; a right section lacking the phrase says so."""
    label = got_label(r.got)
    return label + " (phrase missing)" if label == expected_label(r.expect) else label


def format_text(report: CoverageReport, width: int | None = None) -> str:
    """The report a person reads: a row per question, then the pass rate, coverage and close calls.

    With a width (a terminal's), rows are narrow: expected and got are shown for failures only, and
    the coverage table puts the section last; run_check then folds what is still too long."""
    out = [f"FAQ coverage check{' of ' + report.source if report.source else ''}: "
           f"{report.items} items, {report.total} questions (variants included)", ""]
    id_width = min(max((len(r.item_id) for r in report.results), default=4), 28)
    exp_width = min(max((len(expected_label(r.expect)) for r in report.results), default=8), 60)
    got_width = min(max((len(got_label(r.got)) for r in report.results), default=3), 60)
    if width is None:
        out.append(f"{'':4}  {'item':<{id_width}}  {'expected':<{exp_width}}  {'got':<{got_width}}  conf  question")
    else:
        out.append(f"{'':4}  {'item':<{id_width}}  conf  question")
    for r in report.results:
        mark = "PASS" if r.passed else "FAIL"
        question = ("  ~ " if r.is_variant else "") + _one_line(r.question)
        if width is None:
            out.append(f"{mark}  {r.item_id:<{id_width}}  {expected_label(r.expect):<{exp_width}}  "
                       f"{got_label(r.got):<{got_width}}  {r.got.confidence:.2f}  {question}".rstrip())
        else:
            out.append(f"{mark}  {r.item_id:<{id_width}}  {r.got.confidence:.2f}  {question}".rstrip())
            if not r.passed:
                out.append(f"{'':6}expected {expected_label(r.expect)}; got {got_label(r.got)}")
        for problem in r.problems:
            out.append(f"{'':6}-> {problem}")
    items_passing = report.items - len(report.failing_ids)
    rate = report.passed / report.total if report.total else 1.0
    out += ["", f"Pass rate: {report.passed}/{report.total} questions ({rate:.1%}); "
            f"{items_passing}/{report.items} items pass on every question"]
    if report.failing_ids:
        out.append(f"Failing items ({len(report.failing_ids)}): {', '.join(report.failing_ids)}")
    else:
        out.append("Failing items: none")

    out += ["", "Coverage by section (items and questions expecting it; answers that landed there):"]
    coverage = report.coverage()
    if width is None:
        name_width = max((len(c.section) for c in coverage), default=7)
        out.append(f"  {'section':<{name_width}}  items  questions  passed  landed")
        for c in coverage:
            out.append(f"  {c.section:<{name_width}}  {c.items:>5}  {c.questions:>9}  {c.passed:>6}  {c.landed:>6}")
    else:
        out.append("  items  questions  passed  landed  section")
        for c in coverage:
            out.append(f"  {c.items:>5}  {c.questions:>9}  {c.passed:>6}  {c.landed:>6}  {c.section}")
    uncovered = report.uncovered()
    out.append("Sections no item covers: " + ("; ".join(uncovered) if uncovered else "none"))

    out += ["", f"Fragile passes ({len(report.fragile)}): right, but within {FRAGILE_MARGIN:.0%} of a runner-up "
            f"from another section or within {FRAGILE_CONFIDENCE:.2f} of the answer threshold"]
    for r in report.fragile:
        out.append(f"  {r.item_id}: {_one_line(r.question)} - {'; '.join(r.close_calls)}")

    failures = Counter((expected_label(r.expect), _failure_cell(r)) for r in report.results if not r.passed)
    out += ["", "Failures, expected against got:"]
    if failures:
        exp_width = max(len(e) for e, _ in failures)
        got_width = max(len(g) for _, g in failures)
        out.append(f"  {'expected':<{exp_width}}  {'got':<{got_width}}  count")
        for (expected, got), count in sorted(failures.items(), key=lambda kv: (-kv[1], kv[0])):
            out.append(f"  {expected:<{exp_width}}  {got:<{got_width}}  {count:>5}")
    else:
        out.append("  none")
    out += ["", "RESULT: " + ("all questions pass" if report.ok else f"{report.failed} of {report.total} questions fail")]
    return "\n".join(out) + "\n"


def result_dict(r: Result) -> dict:
    return {
        "id": r.item_id,
        "question": r.question,
        "passed": r.passed,
        "expected": {"kind": r.expect.kind, "section": r.expect.section, "contains": list(r.expect.contains)},
        "got": {"kind": r.got.kind, "section": r.got.section, "confidence": round(r.got.confidence, 3)},
        "problems": list(r.problems),
    }


def format_json(report: CoverageReport) -> str:
    """One JSON object: total, passed, failed, coverage by section (as in the text report), the
    sections no item covers, and a result per question and variant."""
    return output.json_text({"total": report.total, "passed": report.passed, "failed": report.failed,
                             "failing_ids": list(report.failing_ids),
                             "coverage": [asdict(c) for c in report.coverage()],
                             "uncovered": list(report.uncovered()),
                             "results": [result_dict(r) for r in report.results]}, indent=2) + "\n"


_NOT_XML = re.compile(r"[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def format_junit(report: CoverageReport) -> str:
    """JUnit XML for CI: one testcase per question and variant, a failure saying what came back."""
    suites = ET.Element("testsuites", name="faq", tests=str(report.total), failures=str(report.failed))
    suite = ET.SubElement(suites, "testsuite", name=f"faq coverage{' ' + report.source if report.source else ''}",
                          tests=str(report.total), failures=str(report.failed), errors="0", skipped="0",
                          time=f"{sum(r.seconds for r in report.results):.3f}")
    for r in report.results:
        case = ET.SubElement(suite, "testcase", classname=f"faq.{r.item_id}", name=_xml_text(r.question),
                             time=f"{r.seconds:.4f}")
        if not r.passed:
            failure = ET.SubElement(case, "failure", type="FaqMismatch",
                                    message=_xml_text(f"expected {expected_label(r.expect)}; got {got_label(r.got)} "
                                                      f"(confidence {r.got.confidence:.2f})"))
            failure.text = _xml_text("\n".join(r.problems) + "\n\nThe reply was:\n" + r.got.answer)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


MIN_REPORT_WIDTH = 40
REPORT_INDENT = 6
FORMATTERS = {"text": format_text, "json": format_json, "junit": format_junit}


def report_width() -> int | None:
    """The terminal's width ($COLUMNS first), or None when the report goes to a file or a pipe."""
    if os.environ.get("COLUMNS", "").isdigit() or sys.stdout.isatty():
        return shutil.get_terminal_size((80, 24)).columns
    return None


def wrap_report(text: str, width: int) -> str:
    """Fold every line longer than the terminal is wide; continued lines are indented."""
    width = max(width, MIN_REPORT_WIDTH)
    lines = []
    for line in text.split("\n"):
        if len(line) <= width:
            lines.append(line)
            continue
        lines += textwrap.wrap(line, width, subsequent_indent=" " * REPORT_INDENT, break_on_hyphens=False)
    return "\n".join(lines)


def _one_line(text: str) -> str:
    return " ".join(text.split())


# -- the command -------------------------------------------------------------------------------------
def run_check(engine, path: Path, fmt: str = "text") -> int:
    """`--check-faq`: print the report; exit 0 all pass, 1 any fails, 2 the file cannot be used."""
    if fmt not in FORMATTERS:
        print(f"Unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}", file=sys.stderr)
        return 2
    try:
        items = load_faq(path, headings_of(engine))
    except DataError as exc:
        print(f"The FAQ file cannot be checked: {exc}", file=sys.stderr)
        return 2
    report = check(engine, items, str(path))
    width = report_width() if fmt == "text" else None
    text = format_text(report, width) if fmt == "text" else FORMATTERS[fmt](report)
    if width:
        text = wrap_report(text, width)
    output.write(text)
    return 0 if report.ok else 1
