"""The one way the command line writes its results: one line per JSON object, and no traceback
when the reader goes away (a closed pipe: stop quietly) or the output cannot be written (a full
disk: one clear line on standard error and a non-zero exit).

    from chatbot import output
    output.line(output.json_text(reply.to_dict()))
    return output.guarded(lambda: ...)      # in cli.main, around every mode that prints
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Callable

WRITE_FAILED = 1  # exit status when the output cannot be written
# JSON escapes C0 controls itself; these are the other characters line-based readers split on
# (NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR) and the rest of the C1 controls and DEL.
_LINE_BREAKING = re.compile("[\x7f-\x9f\u2028\u2029]")


def json_text(value: object, indent: int | None = None) -> str:
    """JSON text whose strings cannot break a line: with indent None, exactly one line."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _LINE_BREAKING.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class OutputError(Exception):
    """Standard output cannot be written (a full disk, an I/O error); carries the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def write(text: str) -> None:
    """Write and flush now, so each reply reaches the reader as soon as it is made."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(exc.strerror or type(exc).__name__) from None


def line(text: str) -> None:
    write(text + "\n")


def guarded(action: Callable[[], int]) -> int:
    """Run a mode that writes to standard output; turn output failures into an exit status."""
    try:
        status = action()
        write("")  # the last flush, inside the guard
        return status
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as Unix tools do
        _discard_stdout()
        return 0
    except OutputError as exc:
        _discard_stdout()
        print(f"Cannot write the output: {exc.reason}.", file=sys.stderr)
        return WRITE_FAILED


def _discard_stdout() -> None:
    """Point standard output at /dev/null, so the interpreter's last flush cannot fail again."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):
        pass
