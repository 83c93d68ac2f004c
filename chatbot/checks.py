"""Check the triage rules exactly as they will be used, when they are read from their file.

Triage joins its patterns (a few at a time, and each ``all`` pattern in every order), so a
pattern that compiles alone can still fail once joined (a group name used twice): that must stop
start-up with the file and line, never surface as a traceback on a patient's question. A file
cut short must not silence a level either.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import DataError
from .triage import LEVELS, Triage
from .yamlfile import Located


def check_triage(triage: Triage, doc: Located, path: Path | str) -> None:
    """Raise DataError naming the line of the first rule or frame that cannot be used."""
    levels = {rule.level for rule in triage.rules}
    missing = [level for level in LEVELS if level not in levels]
    if missing:
        raise DataError(path, doc.line("rules"), f"no rule has the level {', '.join(missing)}: "
                        "is the file cut short? Every level needs at least one rule")
    for index, (rule, chunks) in enumerate(zip(triage.rules, triage._chunks)):
        patterns = [p for pattern, parts in rule.patterns for p in (pattern, *parts)]
        _compile_all(patterns + [chunk for chunk, _ in chunks], path, doc.line("rules", index, "patterns"),
                     f"the patterns of rule {rule.name!r}")
    for name, frame in triage.frames.items():
        _compile_all([*frame.chunks, frame.whole], path, doc.line("frames", name), f"the frame {name!r}")


def _compile_all(patterns, path: Path | str, line: int | None, what: str) -> None:
    for pattern in patterns:
        try:
            pattern._get()
        except re.error as exc:
            raise DataError(path, line, f"{what} cannot be used together ({exc.msg}); "
                            "a group name may appear only once in a rule") from None
