"""The emergency number every interface shows (chat banner, kiosk header, --help).

It is read from the emergency message of data/triage.yaml, the one place a clinic sets its
numbers, so a clinic abroad that writes "call 000" is never shown 999 anywhere.
"""

from __future__ import annotations

import re
from pathlib import Path

_CALL = re.compile(r"\b(?:call|ring|dial|phone)\s+(\d+(?:[ -]\d+)*)", re.IGNORECASE)
NO_NUMBER = "In an emergency contact the emergency services."


def emergency_number(message: str) -> str | None:
    """The first number the emergency message says to call ("call 999 now" -> "999")."""
    found = _CALL.search(message or "")
    return found.group(1) if found else None


def advice(message: str) -> str:
    """'In an emergency call 999.' with the number from the message (a general line without one)."""
    number = emergency_number(message)
    return f"In an emergency call {number}." if number else NO_NUMBER


def engine_advice(engine) -> str:
    """The advice line for an engine, from the triage messages it loaded."""
    messages = getattr(getattr(engine, "triage", None), "messages", None) or {}
    return advice(messages.get("emergency", ""))


def file_advice(triage_path: Path | str) -> str:
    """The advice line read straight from a triage file (for --help, before any engine exists)."""
    from .errors import DataError
    from .yamlfile import read_yaml

    try:
        data = read_yaml(triage_path).data
        message = data["messages"]["emergency"]
    except (DataError, KeyError, TypeError):
        return NO_NUMBER
    return advice(message if isinstance(message, str) else "")
