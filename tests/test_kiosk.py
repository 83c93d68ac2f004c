"""The clinic kiosk, driven through a real pseudo-terminal and read back with pyte.

Each test starts `run_chat.py --kiosk` in a 30x100 pty with KIOSK_STAFF_PIN=482916, HOME in a
temporary folder, and reads the screen the way a waiting-room visitor would see it. Waits poll the
screen with timeouts; nothing sleeps longer than it must. The pure parts (what is drawn, which
number asks what) are tested directly at the end.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")
pyte = pytest.importorskip("pyte")

from chatbot import kiosk  # noqa: E402
from chatbot.reply import Citation, Reply  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ROWS, COLS = 30, 100
PIN = "482916"
IDLE = 9
START_TIMEOUT = 20
WELCOME = "Welcome. Ask a question"

KEYS = {
    "ctrl-c": "\x03",
    "ctrl-d": "\x04",
    "ctrl-z": "\x1a",
    "ctrl-backslash": "\x1c",
    "f2": "\x1bOQ",
    "f3": "\x1bOR",
    "f4": "\x1bOS",
    "f12": "\x1b[24~",
    "escape": "\x1b",
    "enter": "\r",
}


def kiosk_env(home: Path, pin: str | None = PIN) -> dict[str, str]:
    """A small, known environment: no cache folder from the developer's shell, HOME in tmp."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "TERM": "xterm-256color",
           "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}
    if pin is not None:
        env["KIOSK_STAFF_PIN"] = pin
    return env


class Kiosk:
    """A kiosk process in a pty and the screen pyte draws from its output."""

    def __init__(self, home: Path, args: list[str] | None = None, pin: str | None = PIN) -> None:
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        args = args if args is not None else ["run_chat.py", "--kiosk", "--idle-seconds", str(IDLE)]
        self.child = pexpect.spawn(sys.executable, args, cwd=str(ROOT), env=kiosk_env(home, pin),
                                   dimensions=(ROWS, COLS))

    def pump(self, timeout: float = 0.05) -> None:
        try:
            while True:
                self.stream.feed(self.child.read_nonblocking(65536, timeout=timeout))
                timeout = 0.01
        except (pexpect.TIMEOUT, pexpect.EOF):
            pass

    @property
    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def wait_until(self, check, timeout: float = 8.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump()
            if check(self.text):
                return
            if not self.child.isalive():
                self.pump()
                if check(self.text):
                    return
                break
        raise AssertionError(f"timed out waiting for {what or check}; screen:\n{self.text}")

    def wait_for(self, text: str, timeout: float = 8.0) -> None:
        self.wait_until(lambda screen: text in screen, timeout, repr(text))

    def wait_gone(self, text: str, timeout: float = 8.0) -> None:
        self.wait_until(lambda screen: text not in screen, timeout, f"{text!r} to go")

    def send(self, data: str) -> None:
        self.child.send(data)

    def type(self, text: str) -> None:
        self.send(text + KEYS["enter"])

    def exit_code(self, timeout: float = 8.0) -> int | None:
        deadline = time.monotonic() + timeout
        while self.child.isalive() and time.monotonic() < deadline:
            self.pump()
        self.pump()
        if self.child.isalive():
            return None
        self.child.close()
        return self.child.exitstatus

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


def started(home: Path) -> Kiosk:
    session = Kiosk(home)
    try:
        session.wait_for(WELCOME, START_TIMEOUT)
        session.wait_for("F12")
    except BaseException:
        session.close()
        raise
    return session


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One kiosk for the tests that leave it running (starting one takes a few seconds)."""
    session = started(tmp_path_factory.mktemp("home"))
    yield session
    session.close()


@pytest.fixture
def booth(shared: Kiosk) -> Kiosk:
    """The shared kiosk, started again with F2 (the visitor's own "start again") for each test."""
    assert shared.child.isalive(), "the kiosk exited during an earlier test"
    shared.send(KEYS["escape"])
    shared.send(KEYS["f2"])
    shared.wait_until(lambda screen: WELCOME in screen and "You asked" not in screen and "Staff exit" not in screen,
                      what="a fresh welcome screen")
    return shared


def files_under(folder: Path) -> list[str]:
    return sorted(str(Path(dirpath, name).relative_to(folder))
                  for dirpath, dirnames, filenames in os.walk(folder) for name in dirnames + filenames)


# -- through the pseudo-terminal ------------------------------------------------------------
def test_start_shows_the_welcome_the_disclaimer_and_the_keys(booth: Kiosk) -> None:
    screen = booth.text
    assert kiosk.TITLE in screen
    assert "not medical advice" in screen and "999" in screen
    assert "type the number" in screen
    assert "   1   " in screen  # numbered suggestions
    assert "F2: start again" in screen and "F12: staff" in screen
    assert "Type your question" in screen


def test_control_keys_signals_and_stray_escapes_do_not_exit_or_suspend(booth: Kiosk) -> None:
    for name in ("ctrl-c", "ctrl-d", "ctrl-z", "ctrl-backslash", "escape"):
        booth.send(KEYS[name])
    booth.send("\x1b[99~\x1b]0;title\x07\x1b[6n")  # unknown key, a title change, a status request
    for number in (signal.SIGINT, signal.SIGTSTP, signal.SIGQUIT):  # and the signals themselves
        os.kill(booth.child.pid, number)
    time.sleep(0.5)
    booth.pump()
    assert booth.child.isalive()
    assert WELCOME in booth.text
    booth.send(KEYS["ctrl-c"])  # clears whatever the stray bytes typed
    booth.type("how is it different from chemotherapy")
    booth.wait_for("How it differs from chemotherapy")
    assert booth.child.isalive()


def test_a_question_shows_the_passage_and_its_citation(booth: Kiosk) -> None:
    booth.type("how is it different from chemotherapy")
    booth.wait_for("Source: How it differs from chemotherapy")
    screen = booth.text
    assert "You asked: how is it different from chemotherapy" in screen
    assert "Chemotherapy is more direct" in screen


def test_typing_a_number_asks_that_suggestion(booth: Kiosk) -> None:
    line = next(row for row in booth.text.splitlines() if row.startswith("   1   "))
    question = line.split("   1   ", 1)[1].strip()
    booth.type("1")
    booth.wait_for(f"You asked: {question}")


def test_urgent_replies_are_framed(booth: Kiosk) -> None:
    booth.type("I have chest pain and can't breathe")
    booth.wait_for(kiosk.URGENT_HEADING)
    screen = booth.text
    assert "999" in screen
    assert "!" * 40 in screen


def test_idle_warns_still_there_then_wipes_back_to_the_welcome(booth: Kiosk) -> None:
    booth.type("how is it different from chemotherapy")
    booth.wait_for("Chemotherapy is more direct")
    booth.wait_for("Still there?", IDLE)
    assert "press any key to keep reading" in booth.text.lower()
    assert "Chemotherapy is more direct" in booth.text  # still readable while warned
    booth.wait_gone("Chemotherapy is more direct", IDLE)
    booth.wait_for(WELCOME)
    screen = booth.text
    assert "You asked" not in screen and "Source:" not in screen and "Still there?" not in screen
    booth.send(KEYS["f3"])  # the conversation went with the screen: nothing to read on from
    booth.wait_for("There is no answer to continue yet")


def test_any_key_keeps_reading(booth: Kiosk) -> None:
    booth.type("how is it different from chemotherapy")
    booth.wait_for("Still there?", IDLE + 2)
    booth.send(KEYS["escape"])
    booth.wait_gone("Still there?", 2)
    assert "Chemotherapy is more direct" in booth.text


def test_f2_wipes_at_once(booth: Kiosk) -> None:
    booth.type("how is it different from chemotherapy")
    booth.wait_for("Chemotherapy is more direct")
    booth.send("half a question")
    booth.wait_for("half a question")
    booth.send(KEYS["f2"])
    booth.wait_gone("Chemotherapy is more direct", 3)
    booth.wait_for(WELCOME)
    assert "half a question" not in booth.text and "You asked" not in booth.text


def test_a_long_paste_is_cut_to_the_input_limit(booth: Kiosk) -> None:
    booth.send("\x1b[200~" + "z" * 5000 + "\x1b[201~")
    booth.send(KEYS["enter"])
    booth.wait_for("You asked: zzz")
    time.sleep(0.3)
    booth.pump()
    assert booth.text.count("z") == kiosk.MAX_INPUT_CHARS
    assert booth.child.isalive()


def test_f12_with_a_wrong_pin_returns_to_the_kiosk(booth: Kiosk) -> None:
    booth.send(KEYS["f12"])
    booth.wait_for("Staff exit")
    booth.send("1111")
    booth.wait_for("PIN: ****")
    assert "1111" not in booth.text  # masked
    booth.send(KEYS["enter"])
    booth.wait_for(kiosk.PIN_WRONG.strip(), 2)
    booth.wait_gone("Staff exit", 4)
    assert booth.child.isalive()
    booth.type("how is it different from chemotherapy")  # the kiosk works as before
    booth.wait_for("Chemotherapy is more direct")


def test_f12_with_the_right_pin_exits_0_and_writes_nothing_under_home(home: Path) -> None:
    booth = started(home)
    try:
        booth.type("my secret question about chemotherapy")
        booth.wait_for("You asked: my secret question")
        booth.send(KEYS["f12"])
        booth.wait_for("Staff exit")
        booth.send(PIN + KEYS["enter"])
        assert booth.exit_code() == 0
    finally:
        booth.close()
    assert files_under(home) == []


def test_an_error_while_answering_says_sorry_and_carries_on(home: Path) -> None:
    script = textwrap.dedent("""
        import sys
        from chatbot.engine import Engine
        from chatbot.kiosk import run_kiosk
        engine = Engine.load(cache="off")
        real = engine.answer
        def answer(question, **kwargs):
            if "explode" in question:
                raise RuntimeError("boom")
            return real(question, **kwargs)
        engine.answer = answer
        sys.exit(run_kiosk(engine, idle_seconds=60, faq_path=None))
    """)
    session = Kiosk(home, ["-c", script])
    try:
        session.wait_for(WELCOME, START_TIMEOUT)
        session.type("please explode")
        session.wait_for(kiosk.FAILED)
        assert "Traceback" not in session.text and "boom" not in session.text
        session.type("how is it different from chemotherapy")
        session.wait_for("Chemotherapy is more direct")
    finally:
        session.close()


def test_without_a_pin_it_refuses_to_start(home: Path) -> None:
    result = subprocess.run([sys.executable, "run_chat.py", "--kiosk"], cwd=ROOT, env=kiosk_env(home, pin=None),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "KIOSK_STAFF_PIN" in result.stderr
    assert files_under(home) == []


# -- issue 14: a conversation at the kiosk ------------------------------------------------------
TREATMENT = "What the treatment process looks like"


def test_a_conversation_drip_how_often_read_on_and_whole_section(booth: Kiosk) -> None:
    assert "F3: read on" in booth.text and "F4: source" in booth.text
    booth.type("is it given as a drip?")
    booth.wait_for(f"Source: {TREATMENT}")
    assert "intravenous infusion" in booth.text
    assert "  a   " in booth.text and "Type a letter to ask next" in booth.text  # follow-ups from the FAQ

    booth.type("how often?")
    booth.wait_for("You asked: how often?")
    booth.wait_for("every two to four weeks")
    assert "does not cover" not in booth.text

    booth.send(KEYS["f3"])
    booth.wait_for("You asked: more")
    booth.wait_for("outpatients")
    assert f"Source: {TREATMENT}" in booth.text

    booth.send(KEYS["f4"])
    booth.wait_for("You asked: source")
    booth.wait_until(lambda screen: TREATMENT in screen and "Scans are done at intervals" in screen,
                     what="the whole section")


def test_typed_more_and_source_work_too_and_f2_forgets_the_conversation(booth: Kiosk) -> None:
    booth.type("what are the side effects?")
    booth.wait_for("Source: Side effects and what to expect")
    booth.type("more")
    booth.wait_for("manageable")
    booth.type("source")
    booth.wait_for("You asked: source")
    booth.send(KEYS["f2"])
    booth.wait_for(WELCOME)
    booth.send(KEYS["f3"])
    booth.wait_for("There is no answer to continue yet")


def test_a_letter_asks_the_suggested_follow_up(booth: Kiosk) -> None:
    booth.type("is it given as a drip?")
    booth.wait_for("Type a letter to ask next")
    line = next(row.strip() for row in booth.text.splitlines() if row.strip().startswith("a   "))
    question = line.split("a   ", 1)[1].strip()
    booth.type("a")
    booth.wait_for(f"You asked: {question}")


def test_did_you_mean_offers_the_other_section_as_the_first_follow_up(booth: Kiosk) -> None:
    booth.type("what are biomarkers and why do they matter for immuno")
    booth.wait_for("Source: When immunotherapy is used in cancer care")
    screen = " ".join(booth.text.split())
    assert "Did you mean \u201cHow decisions are made around immunotherapy\u201d?" in screen
    assert "a Tell me how decisions are made around immunotherapy" in screen
    booth.type("a")
    booth.wait_for("Source: How decisions are made around immunotherapy")


@pytest.mark.parametrize("question", ["what are the side effects?", "what side effects are there"])
def test_the_side_effects_are_named_at_the_kiosk(booth: Kiosk, question: str) -> None:
    booth.type(question)
    booth.wait_for("Source: Side effects and what to expect")
    screen = " ".join(booth.text.split())
    named = sum(effect in screen for effect in ("skin rash", "diarrhoea", "thyroid", "breathlessness"))
    assert named >= 3, booth.text


# -- the pure parts ---------------------------------------------------------------------------
def test_warning_lasts_20_seconds_or_the_last_third() -> None:
    assert kiosk.warning_seconds(120) == 20
    assert kiosk.warning_seconds(60) == 20
    assert kiosk.warning_seconds(9) == 3


@pytest.mark.parametrize("text, number", [("2", 2), (" 3. ", 3), ("4)", 4), ("12", 12), ("2 please", None),
                                          ("", None), ("two", None)])
def test_chosen_number(text: str, number: int | None) -> None:
    assert kiosk.chosen_number(text) == number


@pytest.mark.parametrize("text, index", [("a", 0), (" B) ", 1), ("c.", 2), ("d", None), ("ab", None), ("", None)])
def test_chosen_letter(text: str, index: int | None) -> None:
    assert kiosk.chosen_letter(text) == index


def test_follow_ups_are_the_sections_faq_questions_not_yet_asked() -> None:
    by_section = {"Effects": ["What effects?", "Are they bad?", "Do they last?", "Can I work?"]}
    reply = Reply("what effects?", "answer", "text", (Citation("Effects", "a.md", "p1", 3.0),))
    assert kiosk.follow_ups_for(reply, by_section, {"what effects?"}) == ("Are they bad?", "Do they last?", "Can I work?")
    assert kiosk.follow_ups_for(Reply("x", "no_answer", "no"), by_section, set()) == ()


def test_staff_pin_must_be_set_and_long_enough() -> None:
    assert kiosk.staff_pin({})[0] is None
    assert kiosk.staff_pin({"KIOSK_STAFF_PIN": "   "})[0] is None
    pin, message = kiosk.staff_pin({"KIOSK_STAFF_PIN": "12"})
    assert pin is None and "at least" in message
    assert kiosk.staff_pin({"KIOSK_STAFF_PIN": "change-me"})[0] is None  # the old example value
    assert kiosk.staff_pin({"KIOSK_STAFF_PIN": "4321"})[0] is None  # issue 15: at least 6 digits
    assert kiosk.staff_pin({"KIOSK_STAFF_PIN": "482916"}) == ("482916", "")


def test_urgent_box_is_a_frame_readable_without_colour() -> None:
    lines = kiosk.urgent_box("Please call 999 now.\n\nSource: Side effects", 40)
    rows = ["".join(text for _, text in line) for line in lines]
    assert all(len(row) == 40 for row in rows)
    assert rows[0] == rows[2] == rows[-1] == "!" * 40
    assert kiosk.URGENT_HEADING in rows[1]
    assert any("Please call 999 now." in row for row in rows)
    assert all(style == "class:urgent" for line in lines for style, _ in line)


def test_exchange_lines_show_the_question_and_pick_out_the_source() -> None:
    exchange = kiosk.Exchange("how is it given?", "answer", "It is given by drip.\n\nSource: Treatment — Title")
    lines = kiosk.exchange_lines(exchange, 60)
    rows = ["".join(text for _, text in line) for line in lines]
    assert "You asked: how is it given?" in rows
    source = next(line for line in lines if "".join(t for _, t in line).startswith("Source:"))
    assert source[0][0] == "class:source"


def test_welcome_numbers_the_suggestions_and_wraps_to_the_width() -> None:
    lines = kiosk.welcome_lines(["What is it?", "How is it given? " * 8], [("A title", "Dr Who")], 50)
    rows = ["".join(text for _, text in line) for line in lines]
    assert all(len(row) <= 50 for row in rows)
    assert any(row.startswith("  1   What is it?") for row in rows)
    assert any(row.startswith("  2   How is it given?") for row in rows)
    assert "\u201cA title\u201d, by Dr Who" in " ".join(rows)


class StubEngine:
    """Answers a question from the heading it names, and nothing else."""

    def topics(self):
        return [("Title", ["How it differs from chemotherapy", "Side effects and what to expect", "Odd one"])]

    def answer(self, question: str) -> Reply:
        for heading in self.topics()[0][1][:2]:
            if heading.lower() in question.lower():
                return Reply(question, "answer", "text", (Citation(heading, "a.md", "p1", 3.0),))
        return Reply(question, "no_answer", "no")


def test_fallback_questions_come_from_headings_the_engine_answers() -> None:
    assert kiosk.fallback_questions(StubEngine()) == [
        "Tell me how it differs from chemotherapy", "Tell me about side effects and what to expect"]


def test_suggestions_fall_back_when_the_faq_has_none(tmp_path: Path) -> None:
    assert kiosk.suggestions_for(StubEngine(), tmp_path / "missing.yaml") == kiosk.fallback_questions(StubEngine())
