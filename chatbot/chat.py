"""The plain terminal chat, the prompt-toolkit way (see examples/tutorial/sqlite-cli.py).

The loop receives the function that reads a line (``prompt``), the function that answers a
question (``answer``) and the function that shows text (``echo``), so tests can drive it with
scripted input and a stub answerer and compare the exact transcript (the pattern of llm's
tests/test_chat.py). With none given, it reads with a prompt-toolkit ``PromptSession`` that keeps
its history in memory only, answers with the engine, and prints.

Commands: help, topics, more, source, quit (or exit); /why for staff. Ctrl-C clears the line, Ctrl-D leaves.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import textwrap
from typing import Callable

from . import output
from .dialogue import NOTHING_YET, SECTION_END, Conversation  # noqa: F401 - the chat's texts
from .helpline import NO_NUMBER, engine_advice
from .text import clean

DISCLAIMER = "General information from one article, not medical advice."  # + the emergency number, from data/triage.yaml
BANNER = "Immunotherapy questions, answered from one trusted article."
PROMPT = "You: "
GOODBYE = "Goodbye. Take care."
URGENT_HEADING = "URGENT - please read first"
URGENT_RULE_CHAR = "!"
URGENT_STYLE = "bold ansired"
MIN_WIDTH = 20
MAX_RULE = 60
QUIT = frozenset({"quit", "exit"})
COMMANDS = frozenset({"help", "topics", "more", "source"}) | QUIT
WHY = "/why"  # for staff: how the last answer was chosen; with its slash, as "why?" is a patient's follow-up
FAILED = "Sorry, something went wrong with that question. Please try again, or ask your care team."


def wrap(text: str, width: int) -> str:
    """Wrap each line of a reply to the terminal width, keeping list items indented."""
    out = []
    for line in text.split("\n"):
        indent = "  " if line.startswith("- ") else ""
        out.append(textwrap.fill(line, width=width, subsequent_indent=indent, break_on_hyphens=False) if line else "")
    return "\n".join(out)


def command_of(line: str) -> str | None:
    """The chat command a line is ('help', 'more', ...), or None for a question."""
    word = clean(line).strip().lower().lstrip("/").rstrip(".!?").strip()
    return word if word in COMMANDS else None


def help_text(examples: list[str], emergency: str = NO_NUMBER) -> str:
    lines = ["Type a question in your own words, for example:"]
    lines += [f"- {q}" for q in examples]
    lines += [
        "You can follow up on an answer, for example 'how often?' or 'why?'.",
        "",
        "Commands:",
        "- topics: the sections of the article I answer from",
        "- more: the next part of the section of my last answer",
        "- source: the whole section my last answer came from",
        "- help: this help",
        f"- {WHY}: for staff, how my last answer was chosen",
        "- quit: leave (Ctrl-D leaves too; Ctrl-C clears the line)",
        "",
        f"{DISCLAIMER} {emergency}",
    ]
    return "\n".join(lines)


def banner_text(examples: list[str], emergency: str = NO_NUMBER) -> str:
    """The opening text; emergency is the line with the number (helpline.engine_advice)."""
    lines = [BANNER, f"{DISCLAIMER} {emergency}", "", "You could ask, for example:"]
    lines += [f"- {q}" for q in examples]
    lines += ["", "Type 'help' for commands, 'quit' to leave."]
    return "\n".join(lines)


def topics_text(topics: list[tuple[str, list[str]]]) -> str:
    lines = ["I answer from this article:" if len(topics) == 1 else "I answer from these articles:"]
    for title, headings in topics:
        lines.append(f"\u201c{title}\u201d")
        lines += [f"- {h}" for h in headings]
    lines += ["", "Ask about any of these in your own words."]
    return "\n".join(lines)


def urgent_block(text: str, width: int) -> str:
    """An urgent reply framed by rules of '!' under a plain-text heading, readable without colour."""
    rule = URGENT_RULE_CHAR * min(width, MAX_RULE)
    return "\n".join([rule, URGENT_HEADING, rule, text, rule])


class Chat:
    """One chat session's state and its handling of one line; no terminal access of its own.

    The conversation (chatbot.dialogue) keeps the previous turn's subject for follow-ups and the
    place where 'more' goes on, in memory only."""

    def __init__(self, engine, answer: Callable[[str], object] | None = None) -> None:
        self.engine = engine
        self.conversation = Conversation(engine, answer)
        self.emergency = engine_advice(engine)  # "In an emergency call 999.", from data/triage.yaml

    def examples(self) -> list[str]:
        return list(self.engine.example_questions())[:3]

    def handle(self, line: str) -> tuple[str, str]:
        """The text to show for one line and its kind ('answer', 'urgent', 'command', ...)."""
        if clean(line).strip().lower() == WHY:
            try:
                return self.why(), "command"
            except Exception:  # an explanation must never end the chat
                return FAILED, "no_answer"
        command = command_of(line)
        if command == "help":
            return help_text(self.examples(), self.emergency), "command"
        if command == "topics":
            return topics_text(self.engine.topics()), "command"
        if command == "more":
            return self.conversation.more().answer, "command"
        if command == "source":
            return self.conversation.source(), "command"
        try:
            reply = self.conversation.reply(line)
        except Exception:  # a bad question must never end the chat
            return FAILED, "no_answer"
        return reply.answer, reply.kind


    def why(self) -> str:
        """For staff: how the last question was answered (chatbot.explain), from memory only."""
        if self.conversation.last is None:
            return f"Ask a question first, then type {WHY} to see how it was answered."
        from .explain import explain

        question, context = self.conversation.last
        return explain(self.engine, question, context)


def _colour_wanted() -> bool:
    return "NO_COLOR" not in os.environ and sys.stdout.isatty()


def _default_echo(colour: bool) -> Callable[[str, str], None]:
    """Print plain text, or styled through prompt-toolkit when colour is wanted."""

    def echo(text: str, style: str = "") -> None:
        if colour and style:
            from prompt_toolkit import print_formatted_text
            from prompt_toolkit.formatted_text import FormattedText

            print_formatted_text(FormattedText([(style, text)]))
        else:
            output.line(text)  # a closed pipe or a full disk ends the chat cleanly (cli: output.guarded)

    return echo


def _line_reader() -> Callable[[str], str]:
    """Read lines from a stdin that is not a terminal (a pipe or file), with no line editing."""
    stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")

    def ask(message: str) -> str:
        line = stream.readline()
        if not line:
            raise EOFError
        line = line.rstrip("\n")
        output.line(message + clean(line))  # the transcript shows what was asked, made safe
        return line

    return ask


def _session_prompt() -> Callable[[str], str]:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import InMemoryHistory

    session = PromptSession(history=InMemoryHistory(), enable_history_search=False, mouse_support=False)
    # No cursor-position queries: a plain prompt needs none, and on a terminal that never answers
    # them prompt-toolkit would wait, print a warning and lose what the patient typed meanwhile.
    if hasattr(session.app.output, "enable_cpr"):
        session.app.output.enable_cpr = False
    return session.prompt


def run_chat(engine, prompt: Callable[[str], str] | None = None, echo: Callable[[str], None] | None = None,
             answer: Callable[[str], object] | None = None, width: int | None = None) -> int:
    """Run the chat until quit or Ctrl-D; return the exit status (0).

    prompt: reads one line (default: a PromptSession with in-memory history; plain line reads
    when standard input is not a terminal). echo: shows one block of text (default: print, with
    colour for urgent replies on a terminal unless NO_COLOR is set). answer: the answering
    function (default engine.answer). width: wrap width (default: the terminal's, read each time).
    """
    if echo is None:
        styled = _default_echo(_colour_wanted())
    else:
        styled = lambda text, style="": echo(text)  # noqa: E731 - tests' echo takes plain text only
    if prompt is None:
        prompt = _session_prompt() if sys.stdin.isatty() and sys.stdout.isatty() else _line_reader()
    chat = Chat(engine, answer)

    def columns() -> int:
        size = width or shutil.get_terminal_size((80, 24)).columns - 1
        return max(size, MIN_WIDTH)

    def show(text: str, style: str = "") -> None:
        styled(wrap(clean(text), columns()), style)

    show(banner_text(chat.examples(), chat.emergency))
    while True:
        try:
            line = prompt(PROMPT)
        except KeyboardInterrupt:  # Ctrl-C: the line is dropped, the chat goes on
            continue
        except EOFError:  # Ctrl-D
            break
        if not line.strip():
            continue
        if command_of(line) in QUIT:
            break
        try:
            text, kind = chat.handle(line)
        except KeyboardInterrupt:  # Ctrl-C while answering: drop this question
            continue
        if kind == "urgent":
            show_width = columns()
            styled(urgent_block(wrap(clean(text), show_width), show_width), URGENT_STYLE)
        else:
            show(text)
        styled("", "")
    show(GOODBYE)
    return 0
