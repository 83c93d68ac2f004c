"""The clinic kiosk: a locked, calm, full-screen chatbot that forgets each visitor.

    KIOSK_STAFF_PIN=<6+ digits> .venv/bin/python run_chat.py --kiosk [--idle-seconds N]

The shape of prompt-toolkit's ``examples/full-screen/calculator.py``: everything is built inside
``build_application()``; ``HSplit([header, conversation, input, footer])``; input handled by the
field's ``accept_handler``; keys bound with ``KeyBindings`` on handler functions named ``_``.

What patients see is made by pure functions (``welcome_lines``, ``exchange_lines``,
``urgent_box``, ``wrap_text``) that turn text and a width into styled lines, so it is tested
without a terminal. Nothing is written to disk: no history file, no log, no cache write. Ctrl-C,
Ctrl-D, Ctrl-Z and Ctrl-\\ do nothing harmful, SIGINT, SIGTSTP and SIGQUIT are ignored while the
kiosk runs, and only staff leave it, with F12 and the PIN (chatbot.pin: a systemd credential, or
``KIOSK_STAFF_PIN`` in a terminal).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .ambiguity import question_for  # noqa: F401 - a heading as a question, also for tests
from .helpline import engine_advice
from .pin import (CREDENTIAL, LOCKOUT_SECONDS, MAX_PIN_CHARS, MIN_PIN_CHARS, PIN_ENV, PinGuard, lockout_notice,
                  pin_problem, read_pin)
from .text import clean

TITLE = "Questions about cancer immunotherapy"
DISCLAIMER = "General information, not medical advice."  # + the emergency number, from data/triage.yaml
MAX_INPUT_CHARS = 1000  # the engine reads no more than this either
MIN_IDLE_SECONDS = 5
WARNING_SECONDS = 20  # "Still there?" is shown for this long before the wipe (WCAG 2.2.1)
MAX_SUGGESTIONS = 9  # one digit each
MAX_EXCHANGES = 30  # older ones scroll away for good
NOTICE_SECONDS = 5.0  # the longest a wrong-PIN or lockout notice stays on screen
TICK_SECONDS = 0.25
URGENT_HEADING = "URGENT - please read this first"
URGENT_CHAR = "!"
RULE_CHAR = "\u2500"
FAILED = "Sorry, something went wrong. Please try again or ask a member of staff."
NO_PIN = f"""The kiosk needs a staff PIN of at least {MIN_PIN_CHARS} digits, so that staff can close it and
patients cannot. Under systemd it is the credential {CREDENTIAL!r} (LoadCredential=, see deploy/);
in a terminal, set {PIN_ENV} and start it again, for example:

    {PIN_ENV}=<your PIN> .venv/bin/python run_chat.py --kiosk"""
NO_TERMINAL = "The kiosk needs a terminal: run it on a console or in a terminal window."
PIN_HELP = " Type the staff PIN and press Enter. Esc goes back."
PIN_WRONG = " That PIN is not right."
FOOTER_KEYS = [("Enter", "ask"), ("Up/Down PgUp/PgDn", "scroll"), ("F3", "read on"), ("F4", "source"),
               ("F2", "start again")]
FOOTER_KEYS_SHORT = [("Enter", "ask"), ("PgDn", "scroll"), ("F3", "read on"), ("F4", "source"), ("F2", "restart")]
MAX_FOLLOW_UPS = 3  # suggested next questions after an answer, lettered a, b, c
FOLLOW_UP_LETTERS = "abc"
READ_ON = "more"  # what F3 asks, as if typed
WHOLE_SECTION = "source"  # what F4 asks, as if typed
MORE_BELOW = "More below: press Down or PgDn"
MORE_BELOW_SHORT = "More: PgDn"
FOOTER_STAFF = ("F12", "staff")

# Large, calm and high contrast: white on black, one accent colour a role. Urgent replies are
# also framed in '!' so they stand out without colour (NO_COLOR, monochrome screens).
STYLE = {
    "kiosk": "bg:#000000 #ffffff",
    "header": "bg:#0b3d6b #ffffff",
    "header.title": "bold",
    "footer": "bg:#d7d7d7 #000000",
    "footer.key": "bold",
    "footer.more": "bold",
    "rule": "#5f87af",
    "welcome": "bold",
    "number": "bold #ffd75f",
    "label": "bold #87d7ff",
    "source": "bold #ffd75f",
    "note": "#d7d7d7",
    "urgent": "bg:#870000 #ffffff bold",
    "warning": "bg:#ffd75f #000000",
    "warning.title": "bold",
    "pin": "bg:#262626 #ffffff",
    "pin.wrong": "bold #ffd75f",
    "frame.border": "#afd7ff",
    "frame.label": "bold #ffffff",
    "scrollbar.background": "bg:#303030",
    "scrollbar.button": "bg:#d7d7d7",
}

Fragment = tuple[str, str]
Line = list[Fragment]


# -- pure parts: what to suggest, what a line asks for, and the styled lines of the screen ---------
def warning_seconds(idle_seconds: float) -> float:
    """How long "Still there?" shows before the wipe: 20 s, or the last third when N < 60."""
    return WARNING_SECONDS if idle_seconds >= 60 else idle_seconds / 3


def fallback_questions(engine) -> list[str]:
    """Questions made from the article's section headings, kept only when the engine answers them there."""
    questions = []
    for _title, headings in engine.topics():
        for heading in headings:
            question = question_for(heading)
            try:
                reply = engine.answer(question)
            except Exception:
                continue
            if reply.kind == "answer" and reply.citations and reply.citations[0].section == heading:
                questions.append(question)
    return questions


def suggestions_for(engine, faq_path: Path) -> list[str]:
    """The FAQ's suggested questions, else questions from the article's sections; at most nine."""
    questions: list[str] = []
    try:
        from .faq import suggested_questions

        questions = [clean(q).strip() for q in suggested_questions(faq_path)]
    except Exception:  # a missing or broken FAQ module must not stop the kiosk: use the article
        questions = []
    questions = [q for q in questions if q]
    if not questions:
        questions = fallback_questions(engine)
    return questions[:MAX_SUGGESTIONS]


def section_follow_ups(faq_path: Path) -> dict[str, list[str]]:
    """The FAQ's questions by section, cleaned; {} when the FAQ cannot be read."""
    try:
        from .faq import section_questions

        return {section: [clean(q).strip() for q in questions if clean(q).strip()]
                for section, questions in section_questions(faq_path).items()}
    except Exception:  # a broken FAQ must not stop the kiosk: no follow-ups then
        return {}


_NUMBER = re.compile(r"\s*(\d{1,3})\s*[.)]?\s*")


def chosen_number(text: str) -> int | None:
    """The number a visitor typed on its own ("2", " 2. "), or None for anything else."""
    match = _NUMBER.fullmatch(text)
    return int(match.group(1)) if match else None


_LETTER = re.compile(r"\s*([a-z])\s*[.)]?\s*", re.IGNORECASE)


def chosen_letter(text: str) -> int | None:
    """The index of the follow-up a visitor chose by its letter alone ("b", " B) "), or None."""
    match = _LETTER.fullmatch(text)
    if not match or match.group(1).lower() not in FOLLOW_UP_LETTERS:
        return None
    return FOLLOW_UP_LETTERS.index(match.group(1).lower())


def follow_ups_for(reply, by_section: dict[str, list[str]], asked: set[str]) -> tuple[str, ...]:
    """After an answer, FAQ questions of its section the visitor has not asked yet (at most three)."""
    if getattr(reply, "kind", "") != "answer" or not reply.citations:
        return ()
    offered = [question_for(reply.alternative)] if getattr(reply, "alternative", "") else []
    fresh = [q for q in offered + list(by_section.get(reply.citations[0].section, ())) if q.lower() not in asked]
    return tuple(fresh[:MAX_FOLLOW_UPS])


def wrap_text(text: str, width: int, style: str = "") -> list[Line]:
    """Each line of text wrapped to width, list items ("- ") hanging, all in one style."""
    width = max(width, 10)
    lines: list[Line] = []
    for raw in text.split("\n"):
        if not raw.strip():
            lines.append([])
            continue
        indent = "  " if raw.startswith("- ") else ""
        for part in textwrap.wrap(raw, width=width, subsequent_indent=indent, drop_whitespace=True) or [""]:
            lines.append([(style, part)])
    return lines


def urgent_box(text: str, width: int) -> list[Line]:
    """A reply inside a frame of '!' under the word URGENT: highlighted, and plain without colour."""
    width = max(width, 20)
    inner = width - 4
    rule: Line = [("class:urgent", URGENT_CHAR * width)]
    lines: list[Line] = [rule]
    lines.append([("class:urgent", f"{URGENT_CHAR} {URGENT_HEADING[:inner].ljust(inner)} {URGENT_CHAR}")])
    lines.append(rule)
    for wrapped in wrap_text(text, inner):
        part = "".join(t for _, t in wrapped)
        lines.append([("class:urgent", f"{URGENT_CHAR} {part.ljust(inner)} {URGENT_CHAR}")])
    lines.append(rule)
    return lines


def answer_lines(text: str, width: int) -> list[Line]:
    """A reply's text, its "Source:" line picked out so the citation is easy to find."""
    lines: list[Line] = []
    for paragraph in text.split("\n"):
        style = "class:source" if paragraph.startswith("Source: ") else ""
        lines.extend(wrap_text(paragraph, width, style) if paragraph.strip() else [[]])
    return lines


@dataclass(frozen=True)
class Exchange:
    """One question and the reply shown for it; kind is the reply's kind, or "error" / "hint"."""

    question: str
    kind: str
    text: str
    follow_ups: tuple[str, ...] = ()


def follow_up_lines(follow_ups: Sequence[str], width: int) -> list[Line]:
    """"You could also ask" and the lettered questions, with the keys that read on."""
    lines = wrap_text("Type a letter to ask next, or press F3 to read on, F4 for the whole section:", width,
                      "class:note")
    for letter, question in zip(FOLLOW_UP_LETTERS, follow_ups):
        prefix = f"  {letter}   "
        wrapped = textwrap.wrap(question, width=max(width - len(prefix), 10)) or [""]
        lines.append([("class:number", prefix), ("", wrapped[0])])
        lines.extend([("", " " * len(prefix) + part)] for part in wrapped[1:])
    return lines + [[]]


def exchange_lines(exchange: Exchange, width: int) -> list[Line]:
    """A rule, "You asked: ...", then the reply (framed when urgent)."""
    lines: list[Line] = [[("class:rule", RULE_CHAR * max(width, 1))]]
    label = "You asked: "
    asked = textwrap.wrap(exchange.question, width=max(width - len(label), 10)) or [""]
    lines.append([("class:label", label), ("", asked[0])])
    lines.extend([("", " " * len(label) + part)] for part in asked[1:])
    lines.append([])
    if exchange.kind == "urgent":
        lines.extend(urgent_box(exchange.text, width))
    else:
        lines.extend(answer_lines(exchange.text, width))
    lines.append([])
    if exchange.follow_ups:
        lines.extend(follow_up_lines(exchange.follow_ups, width))
    return lines


def welcome_lines(suggestions: Sequence[str], articles: Sequence[tuple[str, str]], width: int) -> list[Line]:
    """What the kiosk can answer and the numbered suggested questions."""
    lines = wrap_text("Welcome. Ask a question about cancer immunotherapy in your own words.", width, "class:welcome")
    lines.append([])
    sources = " and ".join(f"\u201c{title}\u201d" + (f", by {author}" if author else "") for title, author in articles)
    one = "one trusted article" if len(articles) == 1 else "trusted articles"
    lines.extend(wrap_text(f"Answers come only from {one}: {sources}. Each answer shows the part of the "
                           "article it comes from.", width))
    if suggestions:
        lines.append([])
        lines.extend(wrap_text("Or type the number of one of these questions and press Enter:", width))
        number_width = len(str(len(suggestions)))
        for number, question in enumerate(suggestions, 1):
            prefix = f"  {str(number).rjust(number_width)}   "
            wrapped = textwrap.wrap(question, width=max(width - len(prefix), 10)) or [""]
            lines.append([("class:number", prefix), ("", wrapped[0])])
            lines.extend([("", " " * len(prefix) + part)] for part in wrapped[1:])
    lines.append([])
    lines.extend(wrap_text("Nothing you type is kept. The screen clears when you leave, or press F2.",
                           width, "class:note"))
    return lines


# -- the visitor's session and the conversation area -------------------------------------------
@dataclass
class Session:
    """Everything one visitor leaves behind; a wipe replaces it with a new one."""

    exchanges: list[Exchange] = field(default_factory=list)
    conversation: object = None  # chatbot.dialogue.Conversation: the previous subject, where 'more' goes on
    anchor: int | None = None  # the exchange to show from its start, until the visitor scrolls
    top: int = 0  # the first line shown when not anchored
    version: int = 0


def conversation_control(get_session: Callable[[], Session], get_welcome: Callable[[int], list[Line]]):
    """A UIControl that wraps the welcome and the exchanges to its own width and scrolls by line."""
    from prompt_toolkit.data_structures import Point
    from prompt_toolkit.layout.controls import UIContent, UIControl

    class ConversationControl(UIControl):
        def __init__(self) -> None:
            self.height = 1
            self.line_count = 0
            self._cache: tuple | None = None

        def render(self, width: int) -> tuple[list[Line], list[int]]:
            session = get_session()
            key = (id(session), session.version, width)
            if self._cache is None or self._cache[0] != key:
                lines = list(get_welcome(width))
                starts = []
                for exchange in session.exchanges:
                    starts.append(len(lines))
                    lines.extend(exchange_lines(exchange, width))
                self._cache = (key, lines, starts)
            return self._cache[1], self._cache[2]

        def create_content(self, width: int, height: int) -> UIContent:
            session = get_session()
            lines, starts = self.render(width)
            bottom = max(len(lines) - height, 0)
            if session.anchor is not None and session.anchor < len(starts):
                session.top = starts[session.anchor]
            session.top = min(max(session.top, 0), bottom)
            self.height, self.line_count = max(height, 1), len(lines)
            # The "cursor" sits on the top line, so the window scrolls exactly to it.
            return UIContent(get_line=lambda i: lines[i], line_count=len(lines),
                             cursor_position=Point(x=0, y=session.top), show_cursor=False)

        def is_focusable(self) -> bool:
            return False

        def more_below(self) -> bool:
            session = get_session()
            return session.top + self.height < self.line_count

        def scroll(self, lines: int) -> None:
            session = get_session()
            session.anchor = None
            session.top = min(max(session.top + lines, 0), max(self.line_count - self.height, 0))

    return ConversationControl()


# -- the application ----------------------------------------------------------------------------
def build_application(engine, suggestions: Sequence[str], pin: str, idle_seconds: float,
                      clock: Callable[[], float] = time.monotonic,
                      follow_ups: dict[str, list[str]] | None = None):
    """The kiosk's full-screen Application; run it with handle_sigint=False (run_kiosk does).

    follow_ups: each section's FAQ questions, offered after an answer from that section."""
    from prompt_toolkit.application import Application, get_app
    from prompt_toolkit.clipboard import InMemoryClipboard
    from prompt_toolkit.filters import Condition
    from prompt_toolkit.history import DummyHistory
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.keys import Keys
    from prompt_toolkit.layout import (ConditionalContainer, Float, FloatContainer, HSplit, Layout, VSplit,
                                       Window, WindowAlign)
    from prompt_toolkit.layout.controls import FormattedTextControl
    from prompt_toolkit.layout.dimension import Dimension
    from prompt_toolkit.layout.margins import ScrollbarMargin
    from prompt_toolkit.styles import Style
    from prompt_toolkit.widgets import Frame, TextArea

    from .dialogue import Conversation

    suggestions = list(suggestions)
    by_section = dict(follow_ups or {})

    def new_session() -> Session:
        return Session(conversation=Conversation(engine))

    articles = [(a.title, getattr(a, "author", "") or "") for a in getattr(engine, "articles", ())]
    warn_after = idle_seconds - warning_seconds(idle_seconds)
    disclaimer = f"{DISCLAIMER} {engine_advice(engine)}"

    @dataclass
    class State:
        session: Session = field(default_factory=new_session)
        last_key: float = 0.0
        warning: bool = False
        pin_open: bool = False
        pin_message: str = PIN_HELP
        pin_waiting: bool = False  # a wrong PIN was entered: pause before going back
        guard: PinGuard = field(default_factory=lambda: PinGuard(pin))

    state = State(last_key=clock())

    # Header: the title and the one-line disclaimer.
    def header_text():
        width = max(get_app().output.get_size().columns - 2, 10)
        lines = [("class:header.title", TITLE)] + [("", line) for line in textwrap.wrap(disclaimer, width)]
        return [(style, f" {text}\n") for style, text in lines[:-1]] + [(lines[-1][0], f" {lines[-1][1]}")]

    header = Window(FormattedTextControl(header_text), style="class:header", dont_extend_height=True)

    # Conversation: the welcome, then each question and reply; scrolled with the arrows and PgUp/PgDn.
    conversation = conversation_control(lambda: state.session,
                                        lambda width: welcome_lines(suggestions, articles, width))
    conversation_window = Window(conversation, wrap_lines=False, get_vertical_scroll=lambda _: state.session.top,
                                 right_margins=[ScrollbarMargin(display_arrows=False)])

    # Input: one line that grows to three; no history; at most MAX_INPUT_CHARS characters.
    input_field = TextArea(multiline=False, wrap_lines=True, history=DummyHistory(), prompt=" > ",
                           height=Dimension(min=1, max=3), dont_extend_height=True)
    pin_field = TextArea(multiline=False, password=True, history=DummyHistory(), prompt=" PIN: ",
                         read_only=Condition(lambda: state.pin_waiting))
    _limit_length(input_field.buffer, MAX_INPUT_CHARS)
    _limit_length(pin_field.buffer, MAX_PIN_CHARS)

    def footer_text():
        room = get_app().output.get_size().columns - len(FOOTER_STAFF[0] + FOOTER_STAFF[1]) - 4
        more = conversation.more_below()
        for keys, more_text in ((FOOTER_KEYS, MORE_BELOW), (FOOTER_KEYS_SHORT, MORE_BELOW_SHORT)):
            fragments: list[Fragment] = []
            for key, action in keys:
                if more and key == keys[1][0]:
                    fragments += [("class:footer.more", f" {more_text}  ")]
                else:
                    fragments += [("class:footer.key", f" {key}"), ("", f": {action}  ")]
            if sum(len(text) for _, text in fragments) <= room:
                break
        return fragments

    footer = VSplit([
        Window(FormattedTextControl(footer_text), height=1, style="class:footer"),
        Window(FormattedTextControl([("class:footer.key", FOOTER_STAFF[0]), ("", f": {FOOTER_STAFF[1]} ")]),
               height=1, style="class:footer", dont_extend_width=True),
    ])

    def warning_text():
        left = max(int(idle_seconds - (clock() - state.last_key) + 0.999), 0)
        return [("class:warning.title", "Still there?\n\n"), ("", "Press any key to keep reading.\n"),
                ("", f"This screen will clear in {left} second{'s' if left != 1 else ''}.")]

    warning_box = ConditionalContainer(
        Frame(Window(FormattedTextControl(warning_text), width=40, height=4, align=WindowAlign.CENTER),
              style="class:warning"),
        filter=Condition(lambda: state.warning))

    def pin_text():
        return [("class:pin.wrong" if state.pin_waiting else "", state.pin_message)]

    pin_box = ConditionalContainer(
        Frame(HSplit([Window(FormattedTextControl(pin_text), height=1), Window(height=1), pin_field]),
              title="Staff exit", style="class:pin", width=max(len(PIN_HELP), len(lockout_notice(LOCKOUT_SECONDS))) + 4),
        filter=Condition(lambda: state.pin_open))

    body = HSplit([
        header,
        Window(height=1),
        VSplit([Window(width=1), conversation_window, Window(width=1)]),
        Frame(input_field, title="Type your question, then press Enter"),
        footer,
    ])
    root = FloatContainer(content=body, floats=[Float(content=warning_box), Float(content=pin_box)],
                          style="class:kiosk")

    # -- actions --------------------------------------------------------------------------------
    def show(exchange: Exchange) -> None:
        session = state.session
        session.exchanges.append(exchange)
        del session.exchanges[:-MAX_EXCHANGES]
        session.anchor = len(session.exchanges) - 1
        session.version += 1

    def ask(text: str) -> None:
        """Answer one line: a suggestion's number asks it; anything else goes to the engine."""
        text = clean(text).strip()[:MAX_INPUT_CHARS]
        if not text:
            return
        number = chosen_number(text) if suggestions else None
        if number is not None and not 1 <= number <= len(suggestions):
            show(Exchange(text, "hint", f"Please type a number from 1 to {len(suggestions)}, "
                          "or a question in your own words."))
            return
        offered = state.session.exchanges[-1].follow_ups if state.session.exchanges else ()
        letter = chosen_letter(text) if offered else None
        if letter is not None and letter < len(offered):
            converse(offered[letter])
            return
        converse(suggestions[number - 1] if number is not None else text)

    def converse(question: str) -> None:
        """The conversation's reply to one message, with follow-up questions after an answer."""
        session = state.session
        try:
            reply = session.conversation.reply(question)
            asked = {e.question.lower() for e in session.exchanges} | {question.lower()}
            show(Exchange(question, reply.kind, clean(reply.answer), follow_ups_for(reply, by_section, asked)))
        except Exception:  # an error in answering must never stop the kiosk
            show(Exchange(question, "error", FAILED))

    def accept(buffer) -> bool:
        try:
            ask(buffer.text)
        except Exception:
            show(Exchange("", "error", FAILED))
        return False  # clears the field

    input_field.accept_handler = accept

    def has_visitor() -> bool:
        return bool(state.session.exchanges or input_field.text or state.pin_open or state.session.top)

    def close_pin() -> None:
        state.pin_open = state.pin_waiting = False
        state.pin_message = PIN_HELP
        pin_field.buffer.reset()
        app.layout.focus(input_field)

    def wipe() -> None:
        """Forget the visitor: conversation, input, undo, kill ring and macro; back to the welcome."""
        state.session = new_session()
        state.warning = False
        input_field.buffer.reset()
        close_pin()
        app.clipboard = InMemoryClipboard()
        app.emacs_state.reset()
        app.emacs_state.macro = []
        state.last_key = clock()
        app.renderer.clear()
        app.invalidate()

    def show_pin_notice(message: str, seconds: float) -> None:
        """A read-only notice in the PIN box, then back to the kiosk."""
        state.pin_open = state.pin_waiting = True
        state.pin_message = message

        async def back_to_kiosk() -> None:
            await asyncio.sleep(seconds)
            if state.pin_open:
                close_pin()
                app.invalidate()

        app.create_background_task(back_to_kiosk())

    def check_pin(buffer) -> bool:
        right, pause = state.guard.attempt(buffer.text, clock())
        if right:
            app.exit(result=0)
            return False
        buffer.reset()
        if state.guard.locked_out:
            report_lockout(state.guard.wrong, pause)
            show_pin_notice(lockout_notice(pause), NOTICE_SECONDS)
        else:
            show_pin_notice(PIN_WRONG, min(pause, NOTICE_SECONDS))
        return False

    pin_field.accept_handler = check_pin

    # -- keys -----------------------------------------------------------------------------------
    kb = KeyBindings()

    @kb.add("f2")
    def _(event) -> None:
        """Start again: forget this visitor now."""
        wipe()

    @kb.add("f3")
    def _(event) -> None:
        """Read on: the next part of the section of the last answer."""
        if not state.pin_open:
            converse(READ_ON)

    @kb.add("f4")
    def _(event) -> None:
        """The whole section the last answer came from."""
        if not state.pin_open:
            converse(WHOLE_SECTION)

    @kb.add("f12")
    def _(event) -> None:
        """Staff: open the PIN prompt (not while a wrong PIN is being paused)."""
        if state.pin_open:
            return
        if state.guard.locked(clock()):  # say why the staff exit does not open
            left = state.guard.locked_until - clock()
            if state.guard.locked_out:
                show_pin_notice(lockout_notice(left), NOTICE_SECONDS)
            else:
                show_pin_notice(f" Please wait {left:.0f} seconds, then try again.", min(left, NOTICE_SECONDS))
            return
        state.pin_open = True
        state.pin_message = PIN_HELP
        pin_field.buffer.reset()
        event.app.layout.focus(pin_field)

    @kb.add("escape", eager=True)
    def _(event) -> None:
        """Escape leaves the PIN prompt; otherwise it does nothing (and never swallows the next key)."""
        if state.pin_open and not state.pin_waiting:
            close_pin()

    @kb.add("c-c")
    def _(event) -> None:
        """Ctrl-C clears the line being typed; it never exits."""
        if not state.pin_waiting:
            event.current_buffer.reset()

    @kb.add("c-d")
    @kb.add("c-z")
    @kb.add("c-\\")
    @kb.add("c-q")
    @kb.add("c-v")
    def _(event) -> None:
        """Ctrl-D, Ctrl-Z, Ctrl-\\ and quoted insert do nothing: no exit, no suspend, no control characters."""

    @kb.add("up")
    def _(event) -> None:
        """Scroll the conversation up a line."""
        conversation.scroll(-1)

    @kb.add("down")
    def _(event) -> None:
        """Scroll the conversation down a line."""
        conversation.scroll(1)

    @kb.add("pageup")
    def _(event) -> None:
        """Scroll the conversation up a page."""
        conversation.scroll(-max(conversation.height - 2, 1))

    @kb.add("pagedown")
    def _(event) -> None:
        """Scroll the conversation down a page."""
        conversation.scroll(max(conversation.height - 2, 1))

    @kb.add(Keys.BracketedPaste)
    def _(event) -> None:
        """A paste becomes one clean line, cut to the space left in the field."""
        buffer = event.current_buffer
        if buffer.read_only():
            return
        limit = MAX_PIN_CHARS if buffer is pin_field.buffer else MAX_INPUT_CHARS
        text = clean(" ".join(event.data.splitlines()))
        buffer.insert_text(text[: max(limit - len(buffer.text), 0)])

    app = Application(layout=Layout(root, focused_element=input_field), key_bindings=kb,
                      style=Style.from_dict(STYLE), full_screen=True, mouse_support=False,
                      clipboard=InMemoryClipboard())

    # -- the idle wipe --------------------------------------------------------------------------
    def on_key(_sender) -> None:
        state.last_key = clock()
        if state.warning:
            state.warning = False
            app.invalidate()

    app.key_processor.before_key_press += on_key

    async def watch_idle() -> None:
        shown_second = None
        while True:
            await asyncio.sleep(TICK_SECONDS)
            try:
                idle = clock() - state.last_key
                if not has_visitor():
                    state.warning = False
                    continue
                if idle >= idle_seconds:
                    wipe()
                elif idle >= warn_after:
                    second = int(idle)
                    if not state.warning or second != shown_second:
                        state.warning, shown_second = True, second
                        app.invalidate()
            except Exception:  # the watchdog must outlive any surprise
                continue

    app.pre_run_callables.append(lambda: app.create_background_task(watch_idle()))
    return app


def _limit_length(buffer, limit: int) -> None:
    """Keep a buffer to at most limit characters, whatever put the text there."""

    def trim(_buffer) -> None:
        if len(buffer.text) > limit:
            from prompt_toolkit.document import Document

            buffer.document = Document(buffer.text[:limit], min(buffer.cursor_position, limit))

    buffer.on_text_changed += trim


# -- running it ---------------------------------------------------------------------------------
IGNORED_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTSTP", "SIGQUIT") if hasattr(signal, name))
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def staff_pin(environ=os.environ) -> tuple[str | None, str]:
    """The configured PIN (credential first, see chatbot.pin), or None and the message saying how to set one."""
    pin, source = read_pin(environ)
    problem = pin_problem(pin)
    if problem:
        where = f"the credential {CREDENTIAL!r}" if source == "credential" else source
        return None, f"Cannot start the kiosk: {problem} ({where}).\n\n{NO_PIN}"
    return pin, ""


def report_lockout(wrong: int, seconds: float) -> None:
    """Tell the journal (standard error under systemd), never the kiosk's own screen."""
    try:
        if not sys.stderr.isatty():
            print(f"immunotherapy-kiosk: {wrong} wrong staff PINs in a row; the staff exit is locked "
                  f"for {seconds:.0f} seconds", file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def run_kiosk(engine, idle_seconds: int = 120, faq_path: Path | None = None) -> int:
    """Run the kiosk until staff leave with the PIN; 0 then, 2 when it cannot start."""
    pin, problem = staff_pin()
    if pin is None:
        print(problem, file=sys.stderr)
        return 2
    if idle_seconds < MIN_IDLE_SECONDS:
        print(f"--idle-seconds must be at least {MIN_IDLE_SECONDS}.", file=sys.stderr)
        return 2
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print(NO_TERMINAL, file=sys.stderr)
        return 2
    follow_ups: dict[str, list[str]] = {}
    if faq_path is not None:
        suggestions = suggestions_for(engine, faq_path)
        follow_ups = section_follow_ups(faq_path)
    else:
        suggestions = fallback_questions(engine)[:MAX_SUGGESTIONS]
    app = build_application(engine, suggestions, pin, idle_seconds, follow_ups=follow_ups)

    def started() -> None:
        loop = asyncio.get_running_loop()
        for number in STOP_SIGNALS:  # a service stop or a closed terminal still restores the screen
            try:
                loop.add_signal_handler(number, lambda n=number: app.exit(result=128 + n) if not app.is_done else None)
            except (NotImplementedError, RuntimeError, ValueError):
                pass
        app.output.set_title(TITLE)

    previous = {number: signal.getsignal(number) for number in IGNORED_SIGNALS + STOP_SIGNALS}
    try:
        for number in IGNORED_SIGNALS:
            signal.signal(number, signal.SIG_IGN)
        result = app.run(pre_run=started, handle_sigint=False)
    except Exception as exc:  # never a traceback on a patient's screen; nothing of what was typed
        print(f"The kiosk stopped after an unexpected error ({type(exc).__name__}).", file=sys.stderr)
        return 1
    finally:
        for number, handler in previous.items():
            try:
                signal.signal(number, handler if handler is not None else signal.SIG_DFL)
            except (OSError, ValueError):
                pass
        try:
            app.output.clear_title()
            app.output.flush()
        except Exception:
            pass
    return result if isinstance(result, int) else 0
