"""The plain chat: through a real pseudo-terminal (pexpect + pyte), and in process with a stub answerer.

The pseudo-terminal tests run `run_chat.py` as a patient would and read the screen the way a
terminal draws it (pyte), so they see what the patient sees. The in-process tests feed scripted
lines and a stub answerer to `run_chat` and compare the exact transcript (llm's tests/test_chat.py).
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pexpect
import pyte
import pytest

from chatbot import chat
from chatbot.passages import Passage
from chatbot.reply import Citation, Reply

PROJECT = Path(__file__).resolve().parent.parent
RUN = PROJECT / "run_chat.py"
CHEMO = "How it differs from chemotherapy"
CTRL_C, CTRL_D = "\x03", "\x04"


# -- a real terminal ----------------------------------------------------------------------------
class _Screen(pyte.HistoryScreen):
    """A pyte screen that answers the program's terminal queries (cursor position) like a terminal."""

    child: pexpect.spawn | None = None

    def write_process_input(self, data: str) -> None:
        if self.child is not None and self.child.isalive():
            self.child.send(data)


class Terminal:
    """run_chat.py in a pseudo-terminal of a given size, its output drawn on a pyte screen."""

    def __init__(self, *args: str, rows: int = 40, cols: int = 90, env: dict | None = None,
                 cwd: str | Path = PROJECT) -> None:
        self.rows, self.cols = rows, cols
        self.screen = _Screen(cols, rows, history=5000)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        environment = dict(os.environ if env is None else env)
        environment.setdefault("TERM", "xterm")
        environment["TERM"] = "xterm"
        self.child = pexpect.spawn(sys.executable, [str(RUN), *args], dimensions=(rows, cols),
                                   env=environment, cwd=str(cwd))
        self.screen.child = self.child

    def pump(self, timeout: float = 0.1) -> bool:
        try:
            data = self.child.read_nonblocking(65536, timeout=timeout)
        except pexpect.TIMEOUT:
            return False
        except pexpect.EOF:
            return False
        self.raw += data
        self.stream.feed(data)
        return True

    def lines(self) -> list[str]:
        """Everything drawn so far: lines scrolled off the top, then the screen."""
        history = ["".join(line[x].data for x in range(self.cols)).rstrip() for line in self.screen.history.top]
        return history + [line.rstrip() for line in self.screen.display]

    def text(self) -> str:
        return "\n".join(self.lines())

    def wait_for(self, what: str | re.Pattern, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.text()
            if (what.search(text) if isinstance(what, re.Pattern) else what in text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"{what!r} never appeared on the screen:\n{text}")
            if not self.pump() and not self.child.isalive():
                self.pump()
                text = self.text()
                if (what.search(text) if isinstance(what, re.Pattern) else what in text):
                    return text
                raise AssertionError(f"the chat ended before {what!r} appeared:\n{text}")

    def prompts(self) -> int:
        return sum(1 for line in self.lines() if line.startswith(chat.PROMPT.strip()))

    def settle(self, quiet: float = 0.5, timeout: float = 10) -> None:
        """Read until the program has been quiet for a moment."""
        deadline = time.monotonic() + timeout
        last = time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - last < quiet:
            if self.pump(0.05):
                last = time.monotonic()

    def ask(self, line: str, expect: str | re.Pattern, timeout: float = 30) -> str:
        """Type a line, press Enter, and wait for expected text and the next prompt."""
        before = self.prompts()
        self.child.send(line)
        self.settle(0.2)
        self.child.send("\r")
        text = self.wait_for(expect, timeout)
        self.wait_prompt(before + 1)
        return text

    def wait_prompt(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.prompts() < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"no new prompt:\n{self.text()}")
            self.pump()
        self.settle(0.2)

    def finish(self, timeout: float = 30) -> int:
        """Wait for the program to end; its exit status."""
        deadline = time.monotonic() + timeout
        while self.child.isalive() and time.monotonic() < deadline:
            self.pump()
        while self.pump(0.05):
            pass
        self.child.close()
        return self.child.exitstatus

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    values = dict(os.environ)
    values["CHATBOT_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    values.pop("NO_COLOR", None)
    values.pop("COLUMNS", None)
    values.pop("LINES", None)
    return values


@pytest.fixture
def term(env):
    terminal = Terminal(env=env, rows=40, cols=90)
    terminal.wait_for(chat.PROMPT.strip(), timeout=60)
    terminal.settle()
    yield terminal
    terminal.close()


def test_banner_shows_disclaimer_examples_and_help_hint(term):
    text = term.text()
    assert "not medical advice" in text
    assert "In an emergency call 999" in text
    assert "General information from one article" in text
    examples = [line for line in term.lines() if line.startswith("- ") and line.endswith("?")]
    assert 2 <= len(examples) <= 3, examples
    assert "help" in text


def test_chemotherapy_question_shows_the_passage_and_its_section(term):
    text = term.ask("how is it different from chemotherapy?", f"Source: {CHEMO}")
    assert "Chemotherapy is more direct" in text
    # Wrapped to the terminal: no line of the reply fills the whole width, words are not cut.
    reply_lines = [line for line in term.lines() if line and not line.startswith(chat.PROMPT.strip())]
    assert all(len(line) < term.cols for line in reply_lines), [l for l in reply_lines if len(l) >= term.cols]


def test_ctrl_c_clears_the_line_and_the_chat_goes_on(term):
    before = term.prompts()
    term.child.send("half a question about chem")
    term.settle(0.3)
    term.child.send(CTRL_C)
    term.wait_prompt(before + 1)
    assert term.child.isalive(), "Ctrl-C must not end the chat"
    term.child.send(CTRL_C)
    term.settle(0.3)
    assert term.child.isalive()
    # Had the line not been cleared, "...about chemtopics" would be a question, not the command.
    term.ask("topics", "Ask about any of these in your own words.")


def test_topics_more_source_and_help_commands(term):
    text = term.ask("topics", "Ask about any of these")
    for heading in (CHEMO, "Side effects and what to expect", "What the treatment process looks like"):
        assert f"- {heading}" in text
    assert "What Is Immunotherapy for Cancer and How Does It Work" in text

    term.ask("how is it different from chemotherapy?", f"Source: {CHEMO}")
    text = term.ask("more", "The combination of approaches is now common")
    text = term.ask("more", "That is the end of")
    text = term.ask("source", re.compile(re.escape(CHEMO) + r"\n-{10,}"))
    assert "Chemotherapy is more direct" in text
    text = term.ask("help", "Commands:")
    for command in ("topics", "more", "source", "quit"):
        assert f"- {command}" in text


def test_why_shows_staff_how_the_last_answer_was_chosen(term):
    term.ask("/why", "Ask a question first")
    term.ask("is it given as a drip?", "Source: What the treatment process looks like")
    term.ask("how often?", "two to four weeks")
    text = term.ask("/why", "chosen:")
    assert "stage: follow-up" in text and "earlier subject:" in text
    text = term.ask("do I have to stay overnight for the drip", "Source:")
    text = term.ask("/why", "sections, best first")
    assert re.search(r"lexicon terms 'drip' \(lexicon\.yaml:\d+\)", text)
    assert re.search(r"immunotherapy\.phrasings\.yaml:\d+", text)


def test_urgent_reply_is_marked_readably_without_colour(term):
    text = term.ask("I have crushing chest pain and can't breathe", "URGENT - please read first")
    lines = term.lines()
    heading = lines.index("URGENT - please read first")
    assert re.fullmatch(r"!{20,}", lines[heading - 1]) and re.fullmatch(r"!{20,}", lines[heading + 1])
    assert "999" in text
    assert RED.search(bytes(term.raw)), "on a colour terminal the urgent reply is red as well"


RED = re.compile(rb"\x1b\[[0-9;]*\b31\b[0-9;]*m")


def test_urgent_marker_without_colour_too(env):
    terminal = Terminal(env={**env, "NO_COLOR": "1"}, rows=40, cols=70)
    try:
        terminal.wait_for(chat.PROMPT.strip(), timeout=60)
        terminal.ask("I want to end my life", "URGENT - please read first")
        assert "116 123" in terminal.text()
        assert not RED.search(bytes(terminal.raw)), "NO_COLOR: no colour, the marker alone shows it"
    finally:
        terminal.close()


def test_escape_sequences_typed_by_a_patient_never_reach_the_screen(term):
    term.ask("\x1b]0;owned\x07what are the side effects\x1b[2J", "Side effects and what to expect")
    assert "owned" not in term.screen.title
    assert b"\x1b]52" not in term.raw


def test_ctrl_d_leaves_with_status_0(term):
    term.child.send(CTRL_D)
    assert term.finish() == 0
    assert "Goodbye" in term.text()


def test_quit_and_exit_leave_with_status_0(env):
    for word in ("quit", "exit"):
        terminal = Terminal(env=env)
        try:
            terminal.wait_for(chat.PROMPT.strip(), timeout=60)
            terminal.child.send(word + "\r")
            assert terminal.finish() == 0
            assert "Goodbye" in terminal.text()
        finally:
            terminal.close()


def test_narrow_terminal_wraps_replies(env):
    terminal = Terminal(env=env, rows=60, cols=40)
    try:
        terminal.wait_for(chat.PROMPT.strip(), timeout=60)
        terminal.ask("what are the side effects?", "Source:")
        lines = [l for l in terminal.lines() if l and not l.startswith(chat.PROMPT.strip())]
        assert all(len(l) < 40 for l in lines), [l for l in lines if len(l) >= 40]
    finally:
        terminal.close()


# -- in process, with a stub answerer ---------------------------------------------------------------
def _passage(section: str, number: int, position: int, text: str) -> Passage:
    return Passage(f"leaflet/{section.lower()}/{number}", "leaflet.md", "A Leaflet", section, section.lower(),
                   position, text)


PASSAGES = (
    _passage("Intro", 1, 0, "An introduction."),
    _passage("Dosing", 1, 1, "Doses come every three weeks."),
    _passage("Dosing", 2, 2, "Each dose takes an hour."),
    _passage("Dosing", 3, 3, "Some doses are given at home."),
    _passage("Effects", 1, 4, "Effects can be mild."),
)


class StubEngine:
    """Just what the chat asks of an engine, over a five-passage leaflet."""

    passages = PASSAGES
    triage = SimpleNamespace(messages={"emergency": "Call 999 now."})

    def example_questions(self) -> list[str]:
        return ["How often are doses?", "Are effects mild?"]

    def topics(self) -> list[tuple[str, list[str]]]:
        return [("A Leaflet", ["Dosing", "Effects"])]

    def section_passages(self, passage: Passage) -> list[Passage]:
        return [p for p in PASSAGES if p.section == passage.section]

    def source_line(self, passage: Passage) -> str:
        return f"Source: {passage.section} - {passage.title}"

    def answer(self, question: str) -> Reply:  # never used: the tests pass their own answerer
        raise AssertionError("the stub answerer should be used")


def stub_answer(question: str) -> Reply:
    if "both" in question:
        return Reply(question, "answer", "Doses come every three weeks.\nEach dose takes an hour.\n\nSource: Dosing",
                     (Citation("Dosing", "leaflet.md", "leaflet/dosing/1", 2.0),), 0.9)
    if "dose" in question:
        return Reply(question, "answer", "Doses come every three weeks.\n\nSource: Dosing - A Leaflet",
                     (Citation("Dosing", "leaflet.md", "leaflet/dosing/1", 2.0),), 0.9)
    if question.startswith("ask "):
        return Reply(question, "no_answer", "Sorry, " + question[4:] + "is not covered.")
    if "help me" in question:
        return Reply(question, "urgent", "Call 999 now.", (), 1.0, level="emergency")
    if "evil" in question:
        return Reply(question, "answer", "Bad \x1b]52;c;SGk=\x07text\x1b[2J here\x07.",
                     (Citation("Effects", "leaflet.md", "leaflet/effects/1", 1.0),), 0.9)
    if "crash" in question:
        raise RuntimeError("boom")
    if question == "hello":
        return Reply(question, "smalltalk", "Hello there.")
    return Reply(question, "no_answer", "Sorry, the leaflet does not cover that.")


def scripted(*lines):
    """A prompt function that returns the lines in turn (raising the exceptions), then Ctrl-D."""
    items = iter(lines)
    asked: list[str] = []

    def prompt(message: str) -> str:
        asked.append(message)
        item = next(items, EOFError)
        if isinstance(item, type) and issubclass(item, BaseException):
            raise item()
        return item

    prompt.asked = asked
    return prompt


def transcript(*lines, width: int = 120) -> list[str]:
    shown: list[str] = []
    status = chat.run_chat(StubEngine(), prompt=scripted(*lines), echo=shown.append, answer=stub_answer, width=width)
    assert status == 0
    return shown


BANNER = chat.banner_text(["How often are doses?", "Are effects mild?"], "In an emergency call 999.")


def test_exact_transcript_of_a_session():
    shown = transcript("hello", "", "   ", "when is the next dose?", "more", "more", "more", "source",
                       KeyboardInterrupt, "topics", "quit", "never asked")
    assert shown == [
        BANNER,
        "Hello there.", "",
        "Doses come every three weeks.\n\nSource: Dosing - A Leaflet", "",
        "Each dose takes an hour.\n\nSource: Dosing - A Leaflet", "",
        "Some doses are given at home.\n\nSource: Dosing - A Leaflet", "",
        "That is the end of \u201cDosing\u201d. Type 'topics' to see the other sections, or ask another "
        "question.", "",
        "Dosing\n------\nDoses come every three weeks.\n\nEach dose takes an hour.\n\n"
        "Some doses are given at home.\n\nSource: Dosing - A Leaflet", "",
        "I answer from this article:\n\u201cA Leaflet\u201d\n- Dosing\n- Effects\n\nAsk about any of these in "
        "your own words.", "",
        "Goodbye. Take care.",
    ]


def test_banner_has_the_disclaimer_and_two_or_three_examples():
    banner = transcript()[0]
    assert "General information from one article, not medical advice. In an emergency call 999." in banner
    assert "- How often are doses?" in banner and "- Are effects mild?" in banner
    assert "help" in banner and "quit" in banner


def test_more_continues_after_everything_the_answer_showed():
    shown = transcript("show both doses", "more")
    assert shown[3] == "Some doses are given at home.\n\nSource: Dosing - A Leaflet"


def test_more_and_source_before_any_answer_say_so():
    shown = transcript("more", "source")
    assert shown[1] == "There is no answer to continue yet. Ask a question first, then type 'more'."
    assert shown[3] == "There is no answer to continue yet. Ask a question first, then type 'source'."


def test_a_no_answer_forgets_the_section_but_small_talk_keeps_it():
    shown = transcript("next dose?", "hello", "more", "parking?", "more")
    assert shown[5].startswith("Each dose takes an hour.")
    assert shown[9].startswith("There is no answer to continue yet.")


def test_urgent_reply_is_framed_and_headed():
    shown = transcript("help me please", width=30)
    assert shown[1] == "!" * 30 + "\nURGENT - please read first\n" + "!" * 30 + "\nCall 999 now.\n" + "!" * 30


def test_everything_echoed_is_cleaned_of_escapes_and_controls():
    shown = transcript("something evil")
    assert shown[1] == "Bad text here."
    assert all("\x1b" not in s and "\x07" not in s for s in shown)


def test_an_answerer_failure_is_a_polite_reply_not_a_crash():
    shown = transcript("crash now", "next dose")
    assert shown[1] == chat.FAILED
    assert shown[3].startswith("Doses come every three weeks.")


def test_replies_wrap_to_the_width():
    shown = transcript("ask " + "word " * 40, width=25)
    assert all(len(line) <= 25 for block in shown for line in block.split("\n"))


def test_commands_ignore_case_slash_and_trailing_punctuation():
    shown = transcript("next dose", "MORE", "/source", "Topics?", "Help!")
    assert shown[3].startswith("Each dose takes an hour.")
    assert shown[5].startswith("Dosing\n------")
    assert shown[7].startswith("I answer from this article:")
    assert shown[9].startswith("Type a question in your own words")


def test_ctrl_c_continues_and_ctrl_d_leaves():
    prompt = scripted(KeyboardInterrupt, KeyboardInterrupt, "hello", EOFError, "never asked")
    shown: list[str] = []
    assert chat.run_chat(StubEngine(), prompt=prompt, echo=shown.append, answer=stub_answer, width=120) == 0
    assert shown == [BANNER, "Hello there.", "", "Goodbye. Take care."]
    assert prompt.asked == [chat.PROMPT] * 4


def test_the_real_engine_more_and_source_follow_its_passages():
    from chatbot.engine import Engine

    engine = Engine.load(cache="off")
    shown: list[str] = []
    chat.run_chat(engine, prompt=scripted("how is it different from chemotherapy?", "more", "source"),
                  echo=shown.append, width=200)
    assert f"Source: {CHEMO}" in shown[1]
    section = [p for p in engine.passages if p.section == CHEMO]
    assert section[-1].text in shown[3] and section[-1].text not in shown[1]
    assert shown[5].startswith(f"{CHEMO}\n---")
    flat = " ".join(shown[5].split())
    assert all(" ".join(p.text.split()) in flat for p in section)


def test_the_default_prompt_is_a_prompt_session_with_history_in_memory_only():
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.history import InMemoryHistory
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        prompt = chat._session_prompt()
        assert type(prompt.__self__.history) is InMemoryHistory
        pipe.send_text("hello\r")
        assert prompt("You: ") == "hello"
        pipe.send_text("\x03")
        with pytest.raises(KeyboardInterrupt):
            prompt("You: ")
        pipe.send_text("\x04")
        with pytest.raises(EOFError):
            prompt("You: ")


def test_typing_ahead_on_a_terminal_that_answers_no_queries_is_not_lost(env):
    """Some terminals never answer a cursor-position query; the chat must not wait for one."""
    terminal = Terminal(env=env, rows=40, cols=90)
    terminal.screen.child = None  # this terminal answers nothing
    try:
        terminal.child.send("how is it different from chemotherapy?\r")
        terminal.wait_for(f"Source: {CHEMO}", timeout=30)
        assert "CPR" not in terminal.text()
    finally:
        terminal.close()


def test_piped_input_is_read_line_by_line_without_terminal_warnings(env):
    """`run_chat.py < questions.txt`: no prompt-toolkit warnings, each question answered, exit 0."""
    import subprocess

    result = subprocess.run([sys.executable, str(RUN)], input=b"how is it different from chemotherapy?\n"
                            b"\x1b]0;owned\x07more\nquit\n", capture_output=True, env=env, cwd=PROJECT, timeout=120)
    assert result.returncode == 0
    out = result.stdout.decode("utf-8")
    assert f"Source: {CHEMO}" in out
    assert "The combination of approaches is now common" in out
    assert "Goodbye" in out
    assert b"\x1b" not in result.stdout
    assert "not a terminal" not in result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in result.stderr.decode("utf-8", "replace")


# -- issue 14: a conversation through the terminal ------------------------------------------------
TREATMENT = "What the treatment process looks like"


def _reply_after(text: str, line: str) -> str:
    """What the screen shows after the last time line was typed."""
    return text[text.rindex(chat.PROMPT + line) + len(chat.PROMPT + line):]


def test_a_conversation_drip_how_often_more_source(term):
    text = term.ask("is it given as a drip?", f"Source: {TREATMENT}")
    assert "intravenous infusion" in _reply_after(text, "is it given as a drip?")

    text = term.ask("how often?", re.compile(r"how often\?\n(.|\n)*Source: " + re.escape(TREATMENT)))
    shown = _reply_after(text, "how often?")
    assert "every two to four weeks" in shown and "does not cover" not in shown

    text = term.ask("more", re.compile(r"You: more\n(.|\n)*Source: " + re.escape(TREATMENT)))
    shown = _reply_after(text, "more")
    assert "outpatients" in shown and "every two to four weeks" not in shown

    text = term.ask("source", re.compile(re.escape(TREATMENT) + r"\n-{10,}"))
    shown = _reply_after(text, "source")
    assert "intravenous infusion" in shown and "Scans are done at intervals" in shown


def test_what_are_the_side_effects_names_them_in_the_chat(term):
    for question in ("what are the side effects?", "What side effects might I get?"):
        text = term.ask(question, re.compile(re.escape(question) + r"\n(.|\n)*Source: Side effects"))
        shown = _reply_after(text, question).replace("\n", " ")
        assert all(effect in shown for effect in ("skin rash", "diarrhoea", "thyroid", "breathlessness")), shown


def test_did_you_mean_names_the_other_section_in_the_chat(term):
    question = "what are biomarkers and why do they matter for immuno"
    text = term.ask(question, re.compile(re.escape(question) + r"\n(.|\n)*Source: When immunotherapy"))
    shown = " ".join(_reply_after(text, question).split())
    assert "Did you mean \u201cHow decisions are made around immunotherapy\u201d?" in shown
