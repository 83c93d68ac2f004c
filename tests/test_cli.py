"""End-to-end tests of the machine interfaces through the real entry point (`run_chat.py`).

Every test runs `sys.executable run_chat.py ...` as a subprocess, the way staff tools and the
acceptance checks do, and checks the reply contract of DESIGN.md.
"""

from __future__ import annotations

import json
import selectors
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
RUN = PROJECT / "run_chat.py"
FIELDS = ["question", "kind", "answer", "citations", "confidence"]
CITATION_FIELDS = ["section", "source", "passage", "score", "title"]  # title: the article, for libraries
KINDS = {"answer", "no_answer", "urgent", "smalltalk"}
CHEMO = "How it differs from chemotherapy"
SIDE_EFFECTS = "Side effects and what to expect"


@pytest.fixture(scope="module")
def env(cache_env) -> dict[str, str]:
    """The shared environment (index cache out of the real home folder), colour allowed."""
    values = dict(cache_env)
    values.pop("NO_COLOR", None)
    return values


def run(env, *args: str, input: bytes | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(RUN), *args], input=input, capture_output=True,
                          env=env, cwd=PROJECT, timeout=timeout)


def bad_chars(text: str) -> list[str]:
    """Characters a patient's terminal must never receive: C0/C1 controls (but newline), DEL, ESC."""
    return [repr(ch) for ch in text if (ord(ch) < 0x20 and ch != "\n") or 0x7F <= ord(ch) <= 0x9F]


def check_reply(line: str) -> dict:
    """Parse one JSON reply and check it against the contract; return it."""
    reply = json.loads(line)
    assert list(reply) == FIELDS
    assert reply["kind"] in KINDS
    assert isinstance(reply["question"], str)
    assert isinstance(reply["answer"], str) and reply["answer"].strip()
    assert not bad_chars(reply["answer"]), bad_chars(reply["answer"])
    assert isinstance(reply["citations"], list)
    for citation in reply["citations"]:
        assert list(citation) == CITATION_FIELDS
        assert isinstance(citation["score"], (int, float))
    if reply["kind"] == "answer":
        assert reply["citations"], "an answer cites at least one passage"
    if reply["kind"] in ("no_answer", "smalltalk"):
        assert reply["citations"] == []
    assert isinstance(reply["confidence"], (int, float)) and 0 <= reply["confidence"] <= 1
    return reply


def no_traceback(result: subprocess.CompletedProcess) -> None:
    stderr = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr


# -- --ask ------------------------------------------------------------------------------------
def test_ask_plain_prints_the_passage_and_its_source(env):
    result = run(env, "--ask", "how is it different from chemotherapy?")
    assert result.returncode == 0
    no_traceback(result)
    out = result.stdout.decode("utf-8")
    assert "Chemotherapy is more direct" in out
    assert f"Source: {CHEMO}" in out
    assert not out.lstrip().startswith("{"), "plain --ask is not JSON"
    assert "\x1b" not in out


def test_ask_json_has_exactly_the_contract_fields(env):
    question = "how is it different from chemotherapy?"
    result = run(env, "--ask", question, "--json")
    assert result.returncode == 0
    no_traceback(result)
    lines = result.stdout.decode("utf-8").splitlines()
    assert len(lines) == 1
    reply = check_reply(lines[0])
    assert reply["question"] == question
    assert reply["kind"] == "answer"
    assert reply["citations"][0]["section"] == CHEMO
    assert reply["citations"][0]["source"] == "immunotherapy.md"
    assert f"Source: {CHEMO}" in reply["answer"]
    scores = [c["score"] for c in reply["citations"]]
    assert scores == sorted(scores, reverse=True), "citations are best first"


def test_ask_with_escape_sequences_in_the_argument_prints_none(env):
    result = run(env, "--ask", "\x1b]52;c;SGVsbG8=\x07\x1b[2J\x1b]0;owned\x07what are the side effects?")
    assert result.returncode == 0
    no_traceback(result)
    assert b"\x1b" not in result.stdout
    assert b"\x07" not in result.stdout
    assert SIDE_EFFECTS in result.stdout.decode("utf-8")


def test_ask_long_question_is_answered_from_its_start_with_a_note(env):
    question = "what are the side effects? " * 3000  # about 80 KB, under the argv limit
    started = time.monotonic()
    result = run(env, "--ask", question, "--json")
    assert time.monotonic() - started < 30
    assert result.returncode == 0
    reply = check_reply(result.stdout.decode("utf-8").splitlines()[0])
    assert reply["kind"] == "answer"
    assert reply["citations"][0]["section"] == SIDE_EFFECTS
    assert "long" in reply["answer"].split("\n")[0].lower(), "a polite note says the message was shortened"


def test_ask_works_under_the_c_locale(env):
    result = run({**env, "LC_ALL": "C", "LANG": "C"}, "--ask", "ما هو العلاج المناعي؟ 🙂 免疫疗法", "--json")
    assert result.returncode == 0
    no_traceback(result)
    check_reply(result.stdout.decode("utf-8").splitlines()[0])


# -- --batch ----------------------------------------------------------------------------------
QUESTIONS = [
    ("how is it different from chemotherapy?", "answer"),
    ("hello", "smalltalk"),
    ("how much does it cost to park at the hospital?", "no_answer"),
    ("I can't breathe and my chest hurts", "urgent"),
    ("what are the side effects?", "answer"),
    ("thanks", "smalltalk"),
]


def test_batch_stdin_gives_one_json_line_per_line_in_order(env):
    data = "".join(q + "\n" for q, _ in QUESTIONS).encode("utf-8")
    result = run(env, "--batch", "-", "--json", input=data)
    assert result.returncode == 0
    no_traceback(result)
    lines = result.stdout.decode("utf-8").split("\n")
    assert lines[-1] == ""
    replies = [check_reply(line) for line in lines[:-1]]
    assert [r["question"] for r in replies] == [q for q, _ in QUESTIONS]
    assert [r["kind"] for r in replies] == [k for _, k in QUESTIONS]


def test_batch_reads_a_file_too(env, tmp_path):
    path = tmp_path / "questions.txt"
    path.write_text("".join(q + "\n" for q, _ in QUESTIONS), encoding="utf-8")
    result = run(env, "--batch", str(path), "--json")
    assert result.returncode == 0
    replies = [check_reply(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert [r["question"] for r in replies] == [q for q, _ in QUESTIONS]


def test_batch_last_line_without_newline_and_crlf_endings(env):
    data = "hello\r\nhow is it given?\r\nwhat are the side effects?".encode("utf-8")
    result = run(env, "--batch", "-", "--json", input=data)
    assert result.returncode == 0
    replies = [check_reply(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert [r["question"] for r in replies] == ["hello", "how is it given?", "what are the side effects?"]


HOSTILE: list[bytes] = [
    b"",
    b"what are the side effects? " * 7600,  # about 200 KB
    b"x" * 200_000,
    b"\x1b]52;c;SGVsbG8gd29ybGQ=\x07",
    b"\x1b[2J\x1b[H\x1b]0;pwned\x07\x1b[31mred\x1b[0m",
    b"\x1bP+q544e\x1b\\\x9b6n\x1b[?1049h\x1b[6n",
    b"\xff\xfe\xc3(\xa0\xa1 invalid utf-8 \xed\xa0\x80\xf8\x88\x80\x80\x80",
    "ما هي الآثار الجانبية للعلاج المناعي؟".encode("utf-8"),
    "免疫疗法有什么副作用？".encode("utf-8"),
    "🙂💉🤒 side effects?? 👍🏽‍♀️".encode("utf-8"),
    b"{{7*7}}",
    b"${jndi:ldap://x}",
    b"'; DROP TABLE users; --",
    b"what\x00 is\x00 it\x00",
    b"\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1c\x1d\x1e\x1f\x7f",
    "\u0085\u2028\u2029\u200b\u202e\ufeff zero width and bidi".encode("utf-8"),
    b"\t\t   \t",
    b"%s%s%s%n %x %p",
    b"<script>alert(1)</script>",
    "ｗｈａｔ ａｒｅ ｔｈｅ ｓｉｄｅ ｅｆｆｅｃｔｓ".encode("utf-8"),
]


def test_batch_hostile_lines_get_one_clean_reply_each(env):
    data = b"".join(line + b"\n" for line in HOSTILE)
    started = time.monotonic()
    result = run(env, "--batch", "-", "--json", input=data)
    elapsed = time.monotonic() - started
    assert result.returncode == 0
    no_traceback(result)
    assert b"\x1b" not in result.stdout, "JSON escapes ESC; no raw escape reaches the screen"
    lines = result.stdout.decode("utf-8").split("\n")
    assert lines[-1] == "" and len(lines) - 1 == len(HOSTILE)
    replies = [check_reply(line) for line in lines[:-1]]
    for raw, reply in zip(HOSTILE, replies):
        assert reply["question"] == raw.decode("utf-8", "replace")
        assert "49" not in reply["answer"], "a template string is never evaluated"
        assert "jndi" not in reply["answer"] and "DROP TABLE" not in reply["answer"]
    assert elapsed < 60, f"hostile batch took {elapsed:.1f}s"


def test_batch_escape_wrapped_question_is_still_answered(env):
    data = "\x1b[31mwhat are the side effects\x1b[0m\n".encode("utf-8")
    result = run(env, "--batch", "-", "--json", input=data)
    assert result.returncode == 0
    [line] = result.stdout.decode("utf-8").splitlines()
    reply = check_reply(line)
    assert reply["kind"] == "answer"
    assert reply["citations"][0]["section"] == SIDE_EFFECTS


def test_batch_carriage_return_inside_a_line_does_not_split_it(env):
    """A lone CR is a control character inside a question, not a line end: one reply per line."""
    data = b"what are the side effects?\rhow is it given?\nhello\n"
    result = run(env, "--batch", "-", "--json", input=data)
    assert result.returncode == 0
    replies = [check_reply(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert len(replies) == 2, [r["question"] for r in replies]


def test_batch_replies_are_flushed_one_by_one(env):
    """A client can write a question and read its reply before writing the next."""
    child = subprocess.Popen([sys.executable, str(RUN), "--batch", "-", "--json"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=PROJECT)
    selector = selectors.DefaultSelector()
    selector.register(child.stdout, selectors.EVENT_READ)
    try:
        for question, kind in QUESTIONS:
            child.stdin.write(question.encode("utf-8") + b"\n")
            child.stdin.flush()
            assert selector.select(timeout=60), f"no reply to {question!r} while stdin stays open"
            reply = check_reply(child.stdout.readline().decode("utf-8"))
            assert (reply["question"], reply["kind"]) == (question, kind)
        child.stdin.close()
        assert child.wait(timeout=30) == 0
        assert child.stdout.read() == b""
    finally:
        selector.close()
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()


def test_batch_reader_going_away_is_not_a_traceback(env):
    """`... --batch - --json | head -1`: the reader closes early; the batch stops quietly."""
    child = subprocess.Popen([sys.executable, str(RUN), "--batch", "-", "--json"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=PROJECT)
    try:
        child.stdin.write(b"how is it given?\n" * 2000)  # 34 KB: fits the pipe, so no deadlock
        child.stdin.close()
        check_reply(child.stdout.readline().decode("utf-8"))
        child.stdout.close()
        child.wait(timeout=60)
        stderr = child.stderr.read().decode("utf-8", "replace")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stderr.close()
    assert "Traceback" not in stderr, stderr


def test_batch_missing_file_exits_2_with_a_clear_message(env, tmp_path):
    missing = tmp_path / "no-such-questions.txt"
    result = run(env, "--batch", str(missing), "--json")
    assert result.returncode == 2
    no_traceback(result)
    stderr = result.stderr.decode("utf-8")
    assert str(missing) in stderr
    assert "no such file" in stderr.lower()
    assert result.stdout == b""


def test_batch_on_a_folder_exits_2_with_a_clear_message(env, tmp_path):
    result = run(env, "--batch", str(tmp_path), "--json")
    assert result.returncode == 2
    no_traceback(result)
    assert str(tmp_path) in result.stderr.decode("utf-8")


@pytest.mark.parametrize("args", [
    ["--bogus"],
    ["--ask"],
    ["--batch"],
    ["--ask", "hi", "--batch", "-"],
    ["--idle-seconds", "soon"],
    ["--format", "xml"],
    ["extra-positional-argument"],
])
def test_bad_flags_exit_2_with_usage_and_no_traceback(env, args):
    result = run(env, *args, input=b"")
    assert result.returncode == 2
    no_traceback(result)
    stderr = result.stderr.decode("utf-8")
    assert "usage:" in stderr and "error:" in stderr
    assert result.stdout == b""


def test_help_lists_the_modes(env):
    result = run(env, "--help")
    assert result.returncode == 0
    out = result.stdout.decode("utf-8")
    for flag in ("--ask", "--batch", "--json", "--kiosk", "--check-faq"):
        assert flag in out
    assert "--root" not in out, "--root is hidden"


def test_a_python_without_the_dependencies_is_told_how_to_install(env, tmp_path):
    # the checker's own interpreter, say, where PyYAML was never installed: a sentence, not a traceback
    code = ("import runpy, sys; sys.modules['yaml'] = None; sys.argv = ['run_chat.py', '--ask', 'how is it given'];"
            f" runpy.run_path({str(RUN)!r}, run_name='__main__')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=PROJECT, timeout=120,
                            env={**env, "CHATBOT_CACHE_DIR": str(tmp_path)})
    no_traceback(result)
    assert result.returncode == 2
    stderr = result.stderr.decode()
    assert "'yaml' is not installed" in stderr and "pip install -e ." in stderr
    assert result.stdout == b""


def test_explain_names_the_stage_and_the_mended_spelling(env):
    out = run(env, "--ask", "how often will i get immunotherapy at the hospitle", "--explain")
    assert out.returncode == 0
    text = out.stdout.decode()
    assert "stage: retrieval" in text and "hospitle -> hospital" in text
    assert "sections, best first:" in text
    urgent = run(env, "--ask", "I can't breathe", "--explain")
    assert "stage: triage" in urgent.stdout.decode()
