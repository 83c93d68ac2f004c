"""The staff FAQ: loading and its error messages, the check, the three report formats, the shipped file."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from chatbot.engine import Engine
from chatbot.errors import DataError
from chatbot.faq import (
    Expect, FaqItem, check, format_json, format_junit, format_text, headings_of, judge, load_faq, run_check,
    suggested_questions,
)
from chatbot.reply import Citation, Reply

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data" / "faq.yaml"

VALID = textwrap.dedent("""\
    - id: overnight
      question: Will I have to stay in hospital overnight?
      variants:
        - can I go home the same day
      expect:
        kind: answer
        section: What the treatment process looks like
        contains: [same day]
      suggest: true
      tags: [treatment]
    - id: checkpoint
      question: What are checkpoint inhibitors?
      expect:
        kind: answer
        section: What immunotherapy is actually doing
    - id: cost
      question: How much does immunotherapy cost?
      variants: [will I have to pay for it]
      expect:
        kind: no_answer
    - id: breathing
      question: I can't breathe properly
      expect:
        kind: urgent
        contains: '999'
      suggest: true
    - id: hello
      question: Hello
      expect: {kind: smalltalk}
    """)
VALID_QUESTIONS = 7


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.load()


@pytest.fixture(scope="module")
def headings(engine) -> tuple[str, ...]:
    return headings_of(engine)


def write(tmp_path: Path, text: str, name: str = "faq.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- a valid file -------------------------------------------------------------------------------
def test_valid_file_loads_into_items(tmp_path, headings):
    items = load_faq(write(tmp_path, VALID), headings)
    assert [i.id for i in items] == ["overnight", "checkpoint", "cost", "breathing", "hello"]
    first = items[0]
    assert first.questions == ("Will I have to stay in hospital overnight?", "can I go home the same day")
    assert first.expect == Expect("answer", "What the treatment process looks like", ("same day",))
    assert first.suggest and first.tags == ("treatment",) and first.line == 1
    assert items[3].expect.contains == ("999",)  # a single phrase is a list of one


def test_valid_file_passes_through_the_real_engine(tmp_path, engine, headings, capsys):
    path = write(tmp_path, VALID)
    report = check(engine, load_faq(path, headings))
    assert report.total == VALID_QUESTIONS and report.failed == 0, format_text(report)
    assert run_check(engine, path, "text") == 0
    out = capsys.readouterr().out
    assert f"Pass rate: {VALID_QUESTIONS}/{VALID_QUESTIONS} questions" in out
    assert "Failing items: none" in out
    assert "Sections no item covers:" in out and "About Dr James Wilson" in out


# -- invalid files: each names the file, the line, the item and what is wrong -----------------------
INVALID = {
    "yaml syntax": ("""\
        - id: cost
          question: How much does it cost?
          variants: [is it free, do I pay
          expect:
            kind: no_answer
        """, 4, ["YAML error"]),
    "unknown key": ("""\
        - id: cost
          question: How much does it cost?
          varients: [is it free]
          expect: {kind: no_answer}
        """, 3, ["item 'cost'", "unknown key 'varients'", "did you mean 'variants'"]),
    "unknown key in expect": ("""\
        - id: cost
          question: How much does it cost?
          expect:
            kind: no_answer
            contain: [money]
        """, 5, ["item 'cost'", "unknown key 'contain' in expect", "did you mean 'contains'"]),
    "missing field": ("""\
        - id: hello
          question: Hello
          expect: {kind: smalltalk}
        - id: cost
          expect: {kind: no_answer}
        """, 4, ["item 'cost'", "'question' field is missing"]),
    "duplicate id": ("""\
        - id: cost
          question: How much does it cost?
          expect: {kind: no_answer}
        - id: cost
          question: Is parking free?
          expect: {kind: no_answer}
        """, 4, ["item 'cost'", "used twice (first on line 1)"]),
    "unknown kind": ("""\
        - id: cost
          question: How much does it cost?
          expect:
            kind: answr
        """, 4, ["item 'cost'", "unknown kind 'answr'", "did you mean 'answer'", "no_answer"]),
    "unknown section": ("""\
        - id: given
          question: How is it given?
          expect:
            kind: answer
            section: Side effect and what to expect
        """, 5, ["item 'given'", "'Side effect and what to expect' is not a heading",
                 "closest heading is 'Side effects and what to expect'"]),
    "answer without a section": ("""\
        - id: given
          question: How is it given?
          expect: {kind: answer}
        """, 3, ["item 'given'", "needs expect.section"]),
    "id that is not one word": ("""\
        - id: how it is given
          question: How is it given?
          expect: {kind: answer, section: What the treatment process looks like}
        """, 1, ["item 'how it is given'", "one word"]),
    "the same question twice": ("""\
        - id: cost
          question: How much does it cost?
          expect: {kind: no_answer}
        - id: price
          question: How much does it COST?
          expect: {kind: no_answer}
        """, 5, ["item 'price'", "already asked by item 'cost'"]),
    "not a list": ("""\
        id: cost
        question: How much does it cost?
        """, 1, ["must be a list of items"]),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_file_is_refused_with_file_line_and_item(case, tmp_path, headings):
    text, line, fragments = INVALID[case]
    path = write(tmp_path, textwrap.dedent(text))
    with pytest.raises(DataError) as caught:
        load_faq(path, headings)
    message = str(caught.value)
    assert message.startswith(f"{path}, line {line}:"), message
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize("case", ["yaml syntax", "unknown section", "duplicate id"])
def test_run_check_on_invalid_file_exits_2_without_traceback(case, tmp_path, engine, capsys):
    text, line, fragments = INVALID[case]
    path = write(tmp_path, textwrap.dedent(text))
    assert run_check(engine, path, "text") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{path}, line {line}" in captured.err and fragments[-1] in captured.err
    assert "Traceback" not in captured.err


def test_missing_file_exits_2(tmp_path, engine, capsys):
    assert run_check(engine, tmp_path / "nope.yaml", "json") == 2
    assert "does not exist" in capsys.readouterr().err


# -- judging one reply ---------------------------------------------------------------------------
def _reply(kind: str, answer: str, *sections_scores: tuple[str, float], confidence: float = 0.9) -> Reply:
    citations = tuple(Citation(s, "immunotherapy.md", f"p{i}", score) for i, (s, score) in enumerate(sections_scores))
    return Reply("q", kind, answer, citations, confidence)


def test_contains_folds_case_and_curly_apostrophes():
    item = FaqItem("x", "q", Expect("answer", "A", ("THAT'S the principle",)))
    assert judge(item, "q", False, _reply("answer", "That\u2019s the principle behind it.", ("A", 9.0))).passed
    missing = judge(item, "q", False, _reply("answer", "Something else.", ("A", 9.0)))
    assert not missing.passed and "holds none of" in missing.problems[0]


def test_urgent_section_is_optional_but_checked_when_given():
    help_first = _reply("urgent", "Please call 999 now.", confidence=1.0)
    assert judge(FaqItem("u", "q", Expect("urgent")), "q", False, help_first).passed
    wrong = judge(FaqItem("u", "q", Expect("urgent", "Side effects and what to expect")), "q", False, help_first)
    assert not wrong.passed and "no citation" in wrong.problems[0]


def test_close_passes_are_fragile():
    item = FaqItem("x", "q", Expect("answer", "A"))
    close = judge(item, "q", False, _reply("answer", "text", ("A", 10.0), ("A", 9.9), ("B", 9.5)))
    assert close.passed and close.fragile and "ahead of 'B'" in close.close_calls[0]
    clear = judge(item, "q", False, _reply("answer", "text", ("A", 10.0), ("B", 5.0)))
    assert clear.passed and not clear.fragile
    near_threshold = judge(item, "q", False, _reply("answer", "text", ("A", 10.0), confidence=0.55))
    assert near_threshold.fragile and "threshold" in near_threshold.close_calls[0]


# -- a wrong expectation, and the report formats ----------------------------------------------------
WRONG = VALID.replace("section: What immunotherapy is actually doing", "section: About Dr James Wilson")


def test_wrong_expectation_fails_with_its_id_and_exit_1(tmp_path, engine, capsys):
    path = write(tmp_path, WRONG)
    assert run_check(engine, path, "text") == 1
    out = capsys.readouterr().out
    assert "Failing items (1): checkpoint" in out
    fail_rows = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert len(fail_rows) == 1 and "checkpoint" in fail_rows[0] and "What immunotherapy is actually doing" in fail_rows[0]
    assert "answer: About Dr James Wilson" in out.split("Failures, expected against got:")[1]


def test_json_counts_every_question_and_variant(tmp_path, engine, headings):
    report = check(engine, load_faq(write(tmp_path, WRONG), headings))
    data = json.loads(format_json(report))
    assert data["total"] == VALID_QUESTIONS == len(data["results"])
    assert (data["passed"], data["failed"]) == (VALID_QUESTIONS - 1, 1)
    failed = [r for r in data["results"] if not r["passed"]]
    assert failed[0]["id"] == "checkpoint" and failed[0]["question"] == "What are checkpoint inhibitors?"
    assert failed[0]["expected"]["section"] == "About Dr James Wilson"
    assert failed[0]["got"]["section"] == "What immunotherapy is actually doing"
    assert set(data["results"][0]) >= {"id", "question", "passed", "expected", "got"}


def test_junit_is_xml_with_a_testcase_per_question(tmp_path, engine, headings):
    report = check(engine, load_faq(write(tmp_path, WRONG), headings))
    root = ET.fromstring(format_junit(report).encode("utf-8"))
    cases = root.findall(".//testcase")
    assert len(cases) == VALID_QUESTIONS
    assert root.find("testsuite").get("tests") == str(VALID_QUESTIONS)
    failures = [c for c in cases if c.find("failure") is not None]
    assert [c.get("classname") for c in failures] == ["faq.checkpoint"]
    failure = failures[0].find("failure")
    assert "got answer: What immunotherapy is actually doing" in failure.get("message")
    assert "checkpoint inhibitors" in failure.text  # what the patient would have seen


# -- suggested questions for the kiosk ----------------------------------------------------------------
def test_suggested_questions_in_file_order(tmp_path):
    assert suggested_questions(write(tmp_path, VALID)) == ["Will I have to stay in hospital overnight?",
                                                           "I can't breathe properly"]


def test_suggested_questions_never_raise(tmp_path):
    assert suggested_questions(tmp_path / "missing.yaml") == []
    assert suggested_questions(write(tmp_path, textwrap.dedent(INVALID["yaml syntax"][0]))) == []
    assert suggested_questions(write(tmp_path, "\x00\x01 not yaml at all: [")) == []


# -- the shipped file ------------------------------------------------------------------------------------
def test_shipped_file_meets_the_brief(headings):
    items = load_faq(SHIPPED, headings)
    assert len(items) >= 40 and sum(len(i.questions) for i in items) >= 120
    covered = {i.expect.section for i in items if i.expect.kind == "answer"}
    assert covered == set(headings)
    kinds = {i.expect.kind for i in items}
    assert kinds == {"answer", "no_answer", "urgent", "smalltalk"}
    no_answer_text = " ".join(q.lower() for i in items if i.expect.kind == "no_answer" for q in i.questions)
    for topic in ("cost", "park", "alcohol", "eat", "keytruda", "prognosis"):
        assert topic in no_answer_text
    assert 6 <= sum(i.suggest for i in items) <= 10
    assert suggested_questions(SHIPPED) == [i.question for i in items if i.suggest]


def test_shipped_file_with_a_moved_section_exits_1_naming_the_item(tmp_path, engine, capsys):
    text = SHIPPED.read_text(encoding="utf-8").replace(
        "    section: What the treatment process looks like\n    contains: [intravenous infusion]",
        "    section: How it differs from chemotherapy\n    contains: [intravenous infusion]")
    assert run_check(engine, write(tmp_path, text), "text") == 1
    out = capsys.readouterr().out
    assert "how-given" in out.split("Failing items")[1].splitlines()[0]


def test_shipped_file_json_and_junit_totals_agree(engine, headings):
    items = load_faq(SHIPPED, headings)
    report = check(engine, items)
    questions = sum(len(i.questions) for i in items)
    assert json.loads(format_json(report))["total"] == questions
    assert len(ET.fromstring(format_junit(report).encode()).findall(".//testcase")) == questions


# -- end to end through run_chat.py -----------------------------------------------------------------------
def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run_chat.py", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_check_faq_on_the_shipped_file_holds_its_baseline():
    """The staff FAQ is a test of the engine, never copied into its phrasings: it must not lose
    ground against the figure stored in tests/data/baseline.yaml (exit 1 names what fails)."""
    baseline = yaml.safe_load((ROOT / "tests" / "data" / "baseline.yaml").read_text(encoding="utf-8"))["data/faq.yaml"]
    result = _run("--check-faq", "--format", "json")
    report = json.loads(result.stdout)
    assert result.returncode == (0 if report["failed"] == 0 else 1)
    assert report["total"] == baseline["total"] and report["passed"] >= baseline["passed"] - 1, report["failed"]


def test_check_faq_on_a_yaml_broken_copy_exits_2_without_traceback(tmp_path):
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    first_question = next(n for n, line in enumerate(lines) if line.lstrip().startswith("question:"))
    lines[first_question] = lines[first_question].replace("question:", "question: [unclosed", 1)
    broken = write(tmp_path, "\n".join(lines) + "\n")
    result = _run("--check-faq", str(broken), "--format", "junit")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(broken) in result.stderr and "line" in result.stderr
    assert result.stdout == ""
