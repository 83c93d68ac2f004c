"""smalltalk.py: greetings, thanks, goodbyes and help are recognised; real questions are not."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from chatbot.engine import ROOT
from chatbot.errors import DataError
from chatbot.smalltalk import SmallTalk


@pytest.fixture(scope="module")
def talk() -> SmallTalk:
    return SmallTalk.from_file(ROOT / "data" / "smalltalk.yaml")


def name(talk: SmallTalk, text: str) -> str | None:
    intent = talk.match(text)
    return intent.name if intent else None


@pytest.mark.parametrize(
    "text",
    ["hi", "Hi!", "hello", "HELLO", "Hello there", "hey", "hiya :)", "good morning", "Good Evening!!",
     "hi there", "hello, anyone there?", "how are you?", "\U0001F44B hi", "  hi  "],
)
def test_greetings(talk, text):
    assert name(talk, text) == "greeting"


@pytest.mark.parametrize(
    "text",
    ["thanks", "Thanks!", "thank you", "Thank you so much.", "thank you, that's really helpful", "cheers",
     "cheers mate", "cheers luv", "thanks love", "thx", "much appreciated", "that helps", "brilliant, thanks", "ok thanks"],
)
def test_thanks(talk, text):
    assert name(talk, text) == "thanks"


@pytest.mark.parametrize("text", ["bye", "Goodbye!", "bye bye", "see you later", "take care", "that's all for now",
                                  "bye for now", "that's everything I wanted to know", "no more questions",
                                  "nothing else for today"])
def test_goodbyes(talk, text):
    assert name(talk, text) == "goodbye"


@pytest.mark.parametrize(
    "text",
    ["help", "Help!", "what can you do?", "what do you do", "who are you", "what can I ask you about?",
     "are you a real person?", "are you a real person or a robot", "am I talking to a bot or a human?",
     "how does this work?", "what sort of questions can I ask?"],
)
def test_help(talk, text):
    assert name(talk, text) == "help"


def test_the_first_intent_named_wins_when_several_are(talk):
    assert name(talk, "hi there, thanks, bye") == "greeting"
    assert name(talk, "thanks, bye") == "thanks"
    assert name(talk, "ok thank you, that's all I needed. goodbye") == "thanks"


@pytest.mark.parametrize(
    "text",
    [
        "hi, how is it given?",
        "Hello! What is PD-L1?",
        "good morning, how often are the infusions",
        "hey, does immunotherapy cause a rash",
        "thanks, but what about side effects?",
        "that's all I wanted to know about the rash, but what about the thyroid?",
        "thank you. and how is it different from chemo?",
        "bye the way, is it an infusion?",
        "help me understand the side effects",
        "can you help with diarrhoea",
        "is immunotherapy right for me?",
        "is it right for me?",
        "would it be right for me?",
        "is it ok for me to have it?",
    ],
)
def test_a_greeting_or_thanks_with_a_real_question_is_not_small_talk(talk, text):
    # "is it right for me?" must not be answered "You are welcome."
    assert name(talk, text) is None


@pytest.mark.parametrize("text", ["", "   ", "?!", "\U0001F600", "what is immunotherapy", "melanoma", "hip pain",
                                  "this evening class", "chip"])
def test_other_messages_are_not_small_talk(talk, text):
    assert name(talk, text) is None


def test_patterns_match_whole_words_only(talk):
    # "hi" is inside "this", "chip" and "hip"; "ta" inside "take"; "yo" inside "you"
    assert talk.match("this chip") is None
    assert talk.match("take") is None


def test_replies_are_kept(talk):
    by_name = {intent.name: intent for intent in talk.intents}
    assert set(by_name) == {"greeting", "thanks", "goodbye", "help"}
    assert all(intent.reply.strip() for intent in talk.intents)
    assert "999" in by_name["goodbye"].reply


# -- a tiny literal file and broken files --------------------------------------------------


TINY = textwrap.dedent(
    """\
    intents:
      - name: greeting
        patterns: ['hi+', 'hello']
        reply: Hello.
      - name: thanks
        patterns: ['thanks?']
        reply: You are welcome.
    filler: [there, mate]
    """
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "smalltalk.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_tiny_file(tmp_path):
    talk = SmallTalk.from_file(write(tmp_path, TINY))
    assert name(talk, "hiii there") == "greeting"
    assert name(talk, "thank mate") == "thanks"
    assert talk.match("hi, what is it") is None
    assert talk.match("hi pal") is None  # not filler, not a stop word
    assert talk.match("Hello!").reply == "Hello."


def broken(tmp_path: Path, text: str, line: int | None) -> DataError:
    path = write(tmp_path, text)
    with pytest.raises(DataError) as info:
        SmallTalk.from_file(path)
    assert str(path) in str(info.value)
    if line is not None:
        assert info.value.line == line, str(info.value)
        assert f"line {line}" in str(info.value)
    return info.value


def test_no_intents(tmp_path):
    broken(tmp_path, "filler: [mate]\n", 1)


def test_intents_not_a_list(tmp_path):
    broken(tmp_path, "intents:\n  greeting: hi\n", 1)


def test_unknown_key(tmp_path):
    error = broken(tmp_path, TINY + "replies: {}\n", len(TINY.splitlines()) + 1)
    assert "replies" in error.problem


def test_intent_missing_reply(tmp_path):
    broken(tmp_path, TINY.replace("    reply: You are welcome.\n", ""), 5)


def test_intent_with_an_extra_key(tmp_path):
    broken(tmp_path, TINY.replace("    reply: Hello.\n", "    reply: Hello.\n    mood: happy\n"), 2)


def test_patterns_not_a_list(tmp_path):
    broken(tmp_path, TINY.replace("patterns: ['thanks?']", "patterns: thanks"), 6)


def test_empty_pattern(tmp_path):
    broken(tmp_path, TINY.replace("patterns: ['thanks?']", "patterns: ['thanks', '']"), 6)


def test_invalid_regular_expression(tmp_path):
    error = broken(tmp_path, TINY.replace("patterns: ['thanks?']", "patterns: ['thanks(']"), 6)
    assert "regular expression" in error.problem


def test_empty_reply(tmp_path):
    broken(tmp_path, TINY.replace("reply: You are welcome.", "reply: ''"), 7)


def test_filler_not_a_list(tmp_path):
    broken(tmp_path, TINY.replace("filler: [there, mate]", "filler: mate"), 8)


def test_yaml_syntax_error(tmp_path):
    error = broken(tmp_path, TINY.replace("reply: Hello.", "reply: [Hello."), None)
    assert error.line is not None and 4 <= error.line <= 6


def test_duplicate_key(tmp_path):
    broken(tmp_path, TINY.replace("    reply: Hello.\n", "    reply: Hello.\n    reply: Hi.\n"), 5)


def test_missing_file(tmp_path):
    with pytest.raises(DataError) as info:
        SmallTalk.from_file(tmp_path / "none.yaml")
    assert "none.yaml" in str(info.value)


@pytest.mark.parametrize("pattern", ["(?i)thanks", "(?P<word>thanks)", r"(t)hanks\1"])
def test_a_pattern_that_breaks_only_when_joined_stops_start_up(tmp_path, pattern):
    """Each pattern is checked as it is searched (joined, on word boundaries), not only on its own."""
    error = broken(tmp_path, TINY.replace("patterns: ['thanks?']", f"patterns: ['thanks?', '{pattern}']"), 6)
    assert repr(pattern) in error.problem


def test_an_asking_verb_asks_only_with_a_subject_after_it():
    from chatbot.engine import Engine

    engine = Engine.load(cache="off")
    assert engine.answer("ok will do, bye").kind == "smalltalk"
    assert engine.answer("thanks, will it hurt?").kind != "smalltalk"
