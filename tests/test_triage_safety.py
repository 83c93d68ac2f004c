"""Nothing can switch triage off: long messages, failing stages, broken patterns (issue 13)."""

from __future__ import annotations

import time

import pytest

from chatbot.engine import Engine

EMERGENCY = "I can't breathe"
CRISIS = "I want to kill myself"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.load(cache="off")


@pytest.fixture()
def fresh_engine() -> Engine:
    """An engine of its own, for tests that break one of its stages."""
    return Engine.load(cache="off")


def assert_urgent_with_999(reply) -> None:
    assert reply.kind == "urgent", reply.answer[:200]
    assert "999" in reply.answer


@pytest.mark.parametrize("padding", [
    "how is it given? " * 300,  # about 5,000 characters of questions
    " " * 4000,
    "\n" * 4000,
    "blah" * 1500,  # one word of 6,000 letters
    "and then I went to see the nurse " * 600,  # 20,000 characters without a full stop
])
def test_an_emergency_after_a_long_opening_is_still_caught(engine: Engine, padding: str) -> None:
    assert len(padding) >= 4000
    assert_urgent_with_999(engine.answer(padding + " " + EMERGENCY))
    assert engine.answer(padding + " " + CRISIS).kind == "urgent"


def test_an_emergency_deep_in_a_200_kb_paste_is_caught_quickly(engine: Engine) -> None:
    message = "how is it given? " * 6000 + EMERGENCY + ". " + "what are the side effects? " * 4000
    start = time.perf_counter()
    reply = engine.answer(message)
    elapsed = time.perf_counter() - start
    assert_urgent_with_999(reply)
    assert elapsed < 1.5, f"took {elapsed:.2f}s"


def test_screening_time_grows_linearly_with_length(engine: Engine) -> None:
    def seconds(repeats: int) -> float:
        text = "my mum said not to worry and I am not sure if the chest thing is bad " * repeats
        start = time.perf_counter()
        engine.triage.check(text)
        return time.perf_counter() - start

    seconds(50)  # warm the rule book
    small, large = seconds(200), seconds(1600)
    assert large < 8 * small * 2.5, f"8x the text took {large / small:.1f}x the time"


def test_an_exception_in_retrieval_still_gives_the_urgent_reply(fresh_engine: Engine, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("index is broken")

    monkeypatch.setattr(fresh_engine, "retrieve", broken)
    assert_urgent_with_999(fresh_engine.answer("my husband has collapsed and is not responding"))
    crisis = fresh_engine.answer(CRISIS)
    assert crisis.kind == "urgent" and "116 123" in crisis.answer
    # a plain question gets an honest no with the emergency number, never a traceback
    calm = fresh_engine.answer("how is immunotherapy given?")
    assert calm.kind == "no_answer"
    assert "999" in calm.answer and "Traceback" not in calm.answer


def test_an_exception_in_small_talk_still_gives_the_urgent_reply(fresh_engine: Engine, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise ValueError("small talk is broken")

    monkeypatch.setattr(fresh_engine.smalltalk, "match", broken)
    assert_urgent_with_999(fresh_engine.answer("chest pain going down my left arm"))
    hello = fresh_engine.answer("hello")
    assert hello.kind == "no_answer" and "999" in hello.answer


def test_an_exception_in_the_tokeniser_still_gives_the_urgent_reply(fresh_engine: Engine, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise KeyError("lexicon")

    monkeypatch.setattr(fresh_engine.tokeniser, "analyse", broken)
    assert_urgent_with_999(fresh_engine.answer(EMERGENCY))


def test_if_triage_itself_fails_the_reply_still_shows_the_emergency_numbers(fresh_engine: Engine, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("rules are broken")

    monkeypatch.setattr(fresh_engine.triage, "check", broken)
    for message in (EMERGENCY, "how is immunotherapy given?", "hello"):
        reply = fresh_engine.answer(message)
        assert "999" in reply.answer and "116 123" in reply.answer, (message, reply.answer[:200])


def test_a_pattern_that_loads_but_breaks_when_used_cannot_silence_triage(fresh_engine: Engine) -> None:
    """A lexicon pattern broken only once in use: start-up refuses it (test_lexicon), and should one
    slip through anyway, urgent messages still get their urgent reply."""
    import re
    from dataclasses import replace

    from chatbot.text import QuestionKind

    class Broken:  # what "(?i)gobbledygook" did once wrapped: it failed at the first question
        pattern = "(?i)gobbledygook"

        def search(self, text):
            raise re.error("global flags not at the start of the expression")

    kind = QuestionKind("broken", Broken(), Broken())
    lexicon = replace(fresh_engine.tokeniser.lexicon, question_kinds=(kind,))
    fresh_engine.tokeniser.lexicon = lexicon
    assert_urgent_with_999(fresh_engine.answer(EMERGENCY))
    assert fresh_engine.answer(CRISIS).kind == "urgent"
    calm = fresh_engine.answer("how is immunotherapy given?")
    assert calm.kind == "no_answer" and "999" in calm.answer  # an honest no with the numbers, not a traceback


@pytest.mark.parametrize("message", [
    "bye everyone, sorry for everything",
    "Goodbye all. Please look after my children for me.",
    "this is goodbye, I'm done with it all",
])
def test_a_farewell_with_despair_is_a_crisis_never_a_goodbye(engine: Engine, message: str) -> None:
    reply = engine.answer(message)
    assert reply.kind == "urgent" and reply.level == "crisis"
    assert "116 123" in reply.answer


@pytest.mark.parametrize("message", ["bye for now", "goodbye, thanks", "ok bye"])
def test_an_everyday_goodbye_is_still_small_talk(engine: Engine, message: str) -> None:
    assert engine.answer(message).kind == "smalltalk"
