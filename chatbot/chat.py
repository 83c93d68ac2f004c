"""The plain terminal chat, the prompt-toolkit way (see examples/tutorial/sqlite-cli.py)."""

from __future__ import annotations

import shutil
import textwrap
from typing import Callable

BANNER = (
    "Immunotherapy questions, answered from one trusted article.\n"
    "General information only, not medical advice. In an emergency call 999."
)


def wrap(text: str, width: int) -> str:
    """Wrap each line of a reply to the terminal width, keeping list items indented."""
    out = []
    for line in text.split("\n"):
        indent = "  " if line.startswith("- ") else ""
        out.append(textwrap.fill(line, width=width, subsequent_indent=indent) if line else "")
    return "\n".join(out)


def run_chat(engine, prompt: Callable[[str], str] | None = None, echo: Callable[[str], None] = print) -> int:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import InMemoryHistory

    session = PromptSession(history=InMemoryHistory())
    ask = prompt or session.prompt
    echo(BANNER)
    while True:
        try:
            question = ask("You: ")
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        if question.strip().lower() in {"quit", "exit"}:
            break
        reply = engine.answer(question)
        echo(wrap(reply.answer, max(shutil.get_terminal_size().columns - 1, 20)))
    echo("Goodbye. Take care.")
    return 0
