"""Property-based tests (Hypothesis) of the engine and of the batch mode: any input, a clean reply.

Each property runs 500 examples; nothing here touches the network. The engine is built once.
"""

from __future__ import annotations

import json
import re
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatbot.cli import run_batch
from chatbot.engine import Engine
from chatbot.reply import KINDS

SETTINGS = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FIELDS = ["question", "kind", "answer", "citations", "confidence"]
# A terminal must never receive these from an answer: C0 controls but newline, DEL, C1 controls.
BAD = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.load(cache="off")


@pytest.fixture(scope="module")
def folder():
    with tempfile.TemporaryDirectory(prefix="batch-props-") as name:
        yield Path(name)


def check_clean(reply) -> None:
    assert reply.kind in KINDS
    assert reply.answer.strip(), "every reply says something"
    assert not BAD.search(reply.answer), repr(BAD.search(reply.answer).group())
    assert 0.0 <= reply.confidence <= 1.0
    if reply.kind == "answer":
        assert reply.citations
    assert list(json.loads(reply.to_json())) == FIELDS


# -- strategies --------------------------------------------------------------------------------
REALISTIC = [
    "how is it different from chemotherapy?",
    "what are the side effects?",
    "what side effects can immunotherapy cause",
    "How is immunotherapy given?",
    "how often do I need the infusion",
    "do I have to stay in hospital overnight?",
    "Is immunotherapy suitable for everyone?",
    "what is PD-L1?",
    "what does pd l1 expression mean",
    "can it be used with surgery or radiotherapy",
    "does it work for melanoma",
    "how does the immune system recognise cancer",
    "what are checkpoint inhibitors",
    "why do I need blood tests",
    "is it easier than chemo",
    "how do doctors decide if I should have it",
    "who is Dr James Wilson",
    "I have had diarrhoea since my infusion",
    "I can't breathe",
    "I have chest pain right now",
    "I don't want to be here anymore",
    "can immunotherapy cause a cough?",
    "I don't have chest pain",
    "hello",
    "thanks so much",
    "goodbye",
    "what can you do?",
    "how much does it cost?",
    "can I drink alcohol during treatment?",
    "will I lose my hair",
    "where do I park at the hospital",
    "is it safe in pregnancy",
]
ASCII_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'-", min_size=1,
                     max_size=12)
ASCII_TEXT = st.lists(ASCII_WORD, min_size=1, max_size=12).map(" ".join).flatmap(
    lambda text: st.sampled_from(["", "?", ".", "!", "??"]).map(lambda end: text + end))
QUESTIONS = st.one_of(
    st.sampled_from(REALISTIC),
    st.tuples(st.sampled_from(REALISTIC), ASCII_TEXT).map(" ".join),
    st.tuples(ASCII_TEXT, st.sampled_from(REALISTIC)).map(" ".join),
    ASCII_TEXT,
)
WHITESPACE = st.text(alphabet=" \t\n\r\u00a0\u2003\u3000\x0b\x0c", max_size=6)

CSI = st.builds(lambda params, final: f"\x1b[{params}{final}",
                st.text(alphabet="0123456789;?", max_size=6), st.sampled_from(list("ABCDHJKmhlsu")))
OSC = st.builds(lambda number, body, end: f"\x1b]{number};{body}{end}",
                st.sampled_from(["0", "2", "8", "52"]), st.text(alphabet="abcXYZ=/+;c0123456789:", max_size=20),
                st.sampled_from(["\x07", "\x1b\\"]))
OTHER_ESCAPE = st.sampled_from(["\x1b7", "\x1b8", "\x1bc", "\x1b(B", "\x9b2J", "\x9b31m", "\x1bP+q544e\x1b\\"])
ESCAPE = st.one_of(CSI, OSC, OTHER_ESCAPE)
CONTROL = st.characters(min_codepoint=0, max_codepoint=0x1F) | st.characters(min_codepoint=0x7F, max_codepoint=0x9F)
ANY_TEXT = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=900, max_size=1500),
    st.lists(st.one_of(st.text(max_size=20), ESCAPE, CONTROL, st.sampled_from(REALISTIC)), max_size=12).map("".join),
)


# -- the engine --------------------------------------------------------------------------------
@SETTINGS
@given(text=ANY_TEXT)
def test_any_unicode_text_gets_one_clean_reply(engine, text):
    check_clean(engine.answer(text))


@SETTINGS
@given(question=QUESTIONS, left=WHITESPACE, right=WHITESPACE)
def test_surrounding_whitespace_does_not_change_the_kind(engine, question, left, right):
    assert engine.answer(left + question + right).kind == engine.answer(question).kind


@SETTINGS
@given(question=QUESTIONS)
def test_letter_case_does_not_change_the_kind(engine, question):
    # a message typed all in capitals reads as the same message in small letters; within a message,
    # a word in capitals is an acronym ("PARP"), never mended as a typo (tests/test_text.py)
    kind = engine.answer(question.lower()).kind
    assert engine.answer(question.upper()).kind == kind


@SETTINGS
@given(question=st.sampled_from(REALISTIC), data=st.data())
def test_escape_sequences_between_words_do_not_change_the_reply(engine, question, data):
    words = question.split(" ")
    escapes = data.draw(st.lists(ESCAPE, min_size=len(words) + 1, max_size=len(words) + 1))
    dressed = escapes[0] + "".join(word + (" " if i < len(words) - 1 else "") + escapes[i + 1]
                                   for i, word in enumerate(words))
    plain, wrapped = engine.answer(question), engine.answer(dressed)
    check_clean(wrapped)
    assert (wrapped.kind, wrapped.answer, wrapped.citations) == (plain.kind, plain.answer, plain.citations)


# -- the batch mode --------------------------------------------------------------------------------
def batch(engine, folder: Path, data: bytes) -> list[str]:
    path = folder / "questions.txt"
    path.write_bytes(data)
    out = StringIO()
    assert run_batch(engine, str(path), as_json=True, out=out) == 0
    text = out.getvalue()
    assert text == "" or text.endswith("\n")
    return text.split("\n")[:-1] if text else []


LINE = st.binary(max_size=200).map(lambda b: b.replace(b"\n", b"").replace(b"\r", b""))


@SETTINGS
@given(lines=st.lists(LINE, max_size=12))
def test_batch_of_random_bytes_gives_one_json_line_per_line(engine, folder, lines):
    replies = batch(engine, folder, b"".join(line + b"\n" for line in lines))
    assert len(replies) == len(lines)
    for raw, line in zip(lines, replies):
        reply = json.loads(line)
        assert list(reply) == FIELDS
        assert reply["question"] == raw.decode("utf-8", "replace")
        assert reply["kind"] in KINDS
        assert not BAD.search(reply["answer"])


@SETTINGS
@given(lines=st.lists(st.binary(max_size=200).map(lambda b: b.replace(b"\n", b"")), max_size=12))
def test_batch_of_random_bytes_with_carriage_returns_keeps_one_reply_per_line(engine, folder, lines):
    """Lines end at '\\n' (or '\\r\\n'); a lone '\\r' inside a line is content, not a line end."""
    data = b"".join(line + b"\n" for line in lines)
    expected = len(data.split(b"\n")) - 1
    assert len(batch(engine, folder, data)) == expected
