"""Urgent triage, run before any retrieval: emergencies, crises and new symptoms on treatment.

The rules are data (data/triage.yaml) a clinic can edit. A message is read clause by clause;
a rule's pattern counts unless a negation stands just before it ("I don't have chest pain") or
the clause is framed as past, hypothetical or informational ("can it cause a cough?", "my dad
had a stroke years ago", "what should I do if I get a fever"). Symptom rules also need the
message to be a report about someone now ("I've had the runs since my infusion").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import DataError
from .text import fold
from .yamlfile import read_yaml

LEVELS = ("crisis", "emergency", "symptom")
FRAMES = ("negation", "past", "hypothetical", "informational", "report")
NEGATION_WINDOW = 5  # words before a match in which a negation cancels it
_CLAUSES = re.compile(r"[!?;,:\n()]+|\.(?=\s|$)|\s(?:but|although|though|however|except|whereas)\s")


@dataclass(frozen=True)
class Rule:
    """Named patterns of one urgency level."""

    name: str
    level: str
    patterns: tuple[re.Pattern[str], ...]
    always: bool = False  # counts even in an informational or hypothetical clause


@dataclass(frozen=True)
class TriageResult:
    """Why a message is urgent: the level, the rule that fired, and the help message to show first."""

    level: str
    rule: str
    message: str


def normalise(text: str) -> str:
    """The form rules are written against: folded, no apostrophes, single spaces."""
    text = fold(text).replace("'", "")
    text = re.sub(r"[^a-z0-9.!?;,:\n()&]+", " ", text)
    return re.sub(r"[ ]+", " ", text).strip()


class Triage:
    """Decides whether a message is urgent. Use: Triage.from_file(path).check("I can't breathe")."""

    def __init__(self, rules: list[Rule], frames: dict[str, re.Pattern[str]], messages: dict[str, str]) -> None:
        self.rules = sorted(rules, key=lambda rule: LEVELS.index(rule.level))
        self.frames = frames
        self.messages = messages

    @classmethod
    def from_file(cls, path: Path | str) -> "Triage":
        """Load and check data/triage.yaml; raise DataError naming the line of a mistake."""
        doc = read_yaml(path)
        data = doc.data
        if not isinstance(data, dict):
            raise DataError(path, doc.line(), "the triage file must be a mapping with messages, frames and rules")
        for key in data:
            if key not in ("messages", "frames", "rules"):
                raise DataError(path, doc.line(key), f"unknown key {key!r}; the keys are messages, frames, rules")
        messages = data.get("messages")
        if not isinstance(messages, dict):
            raise DataError(path, doc.line("messages"), "messages must map each level (crisis, emergency, symptom) to its text")
        for level in LEVELS:
            if not isinstance(messages.get(level), str) or not messages[level].strip():
                raise DataError(path, doc.line("messages"), f"messages needs a text for {level!r}")
        frames_data = data.get("frames") or {}
        if not isinstance(frames_data, dict):
            raise DataError(path, doc.line("frames"), f"frames must be a mapping with the keys {', '.join(FRAMES)}")
        frames: dict[str, re.Pattern[str]] = {}
        for name, patterns in frames_data.items():
            if name not in FRAMES:
                raise DataError(path, doc.line("frames", name), f"unknown frame {name!r}; the frames are {', '.join(FRAMES)}")
            frames[name] = _compile_any(patterns, path, doc, ("frames", name))
        rules_data = data.get("rules")
        if not isinstance(rules_data, list) or not rules_data:
            raise DataError(path, doc.line("rules"), "rules must be a list of {name, level, patterns}")
        rules = []
        for index, item in enumerate(rules_data):
            where = ("rules", index)
            if not isinstance(item, dict):
                raise DataError(path, doc.line(*where), "each rule is a mapping with name, level and patterns")
            unknown = set(item) - {"name", "level", "patterns", "always"}
            if unknown:
                raise DataError(path, doc.line(*where), f"unknown key {sorted(unknown)[0]!r} in a rule")
            if item.get("level") not in LEVELS:
                raise DataError(path, doc.line(*where, "level"), f"level must be one of {', '.join(LEVELS)}")
            if not isinstance(item.get("name"), str):
                raise DataError(path, doc.line(*where), "each rule needs a name")
            patterns = item.get("patterns")
            if not isinstance(patterns, list) or not patterns:
                raise DataError(path, doc.line(*where, "patterns"), f"rule {item['name']!r} needs a list of patterns")
            compiled = tuple(_compile(p, path, doc.line(*where, "patterns", i)) for i, p in enumerate(patterns))
            rules.append(Rule(item["name"], item["level"], compiled, bool(item.get("always", False))))
        return cls(rules, frames, {level: messages[level].strip() for level in LEVELS})

    def check(self, text: str) -> TriageResult | None:
        """The most serious urgent finding in the message, or None."""
        norm = normalise(text)
        if not norm:
            return None
        clauses = [c.strip() for c in _CLAUSES.split(norm) if c and c.strip()]
        reported = self._has("report", norm)
        for rule in self.rules:
            for clause in clauses:
                if self._fires(rule, clause, reported):
                    return TriageResult(rule.level, rule.name, self.messages[rule.level])
        return None

    def _has(self, frame: str, text: str) -> bool:
        pattern = self.frames.get(frame)
        return bool(pattern and pattern.search(text))

    def _fires(self, rule: Rule, clause: str, reported: bool) -> bool:
        framed = not rule.always and (
            self._has("past", clause) or self._has("hypothetical", clause) or self._has("informational", clause)
        )
        if framed:
            return False
        if rule.level == "symptom" and not reported:
            return False
        for pattern in rule.patterns:
            for match in pattern.finditer(clause):
                before = " ".join(clause[: match.start()].split()[-NEGATION_WINDOW:])
                if not self._has("negation", before + " "):
                    return True
        return False


def _compile(pattern: object, path: Path | str, line: int | None) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern.strip():
        raise DataError(path, line, "a pattern must be non-empty text")
    try:
        return re.compile(r"\b(?:" + pattern + r")\b")
    except re.error as exc:
        raise DataError(path, line, f"the pattern {pattern!r} is not a valid regular expression ({exc.msg})") from None


def _compile_any(patterns: object, path: Path | str, doc, where: tuple) -> re.Pattern[str]:
    if not isinstance(patterns, list) or not patterns:
        raise DataError(path, doc.line(*where), "a frame is a list of patterns")
    for index, pattern in enumerate(patterns):
        _compile(pattern, path, doc.line(*where, index))
    return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in patterns) + r")\b")
