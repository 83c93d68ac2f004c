"""Small talk: greetings, thanks, goodbyes and "what can you do?", from data/smalltalk.yaml."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .errors import DataError
from .triage import normalise, uncombinable
from .yamlfile import Located, read_yaml


REPLY_FIELDS = ("title", "examples")  # what the engine fills into a reply (Engine._reply)
# Sounds and kisses around a whole-message phrase ("lol ok", "ok thanks x"): dropped for a second try.
NOISE = frozenset("lol lmao haha hehe x xx xxx um uh er erm oh ah aw hmm mate".split())


def _wrapped(patterns: list[str]) -> str:
    """An intent's patterns as one expression, on word boundaries: exactly as they are searched."""
    return r"\b(?:" + "|".join(f"(?:{p})" for p in patterns) + r")\b"


@dataclass(frozen=True)
class Intent:
    """One kind of small talk: the phrases that say it and the reply template."""

    name: str
    pattern: re.Pattern[str]
    reply: str


class SmallTalk:
    """Recognises messages that are only small talk. Use: SmallTalk.from_file(p).match("thanks!")."""

    def __init__(self, intents: list[Intent], filler: frozenset[str]) -> None:
        self.intents = intents
        self.filler = filler

    @classmethod
    def from_file(cls, path: Path | str) -> "SmallTalk":
        return cls.from_document(read_yaml(path), path)

    @classmethod
    def from_document(cls, doc: Located, path: Path | str) -> "SmallTalk":
        """Build from a parsed file (or its data kept in the index cache); errors name path and line."""
        data = doc.data
        if not isinstance(data, dict) or not isinstance(data.get("intents"), list):
            raise DataError(path, doc.line(), "the file must have an 'intents' list (and may have 'filler')")
        for key in data:
            if key not in ("intents", "filler"):
                raise DataError(path, doc.line(key), f"unknown key {key!r}; the keys are intents, filler")
        if not data["intents"]:
            raise DataError(path, doc.line("intents"), "the intents list is empty: is the file cut short?")
        intents = []
        for index, item in enumerate(data["intents"]):
            where = ("intents", index)
            if not isinstance(item, dict) or set(item) != {"name", "patterns", "reply"}:
                raise DataError(path, doc.line(*where), "each intent has exactly: name, patterns, reply")
            patterns = item["patterns"]
            if not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
                raise DataError(path, doc.line(*where, "patterns"), "patterns must be a list of text")
            if not isinstance(item["reply"], str) or not item["reply"].strip():
                raise DataError(path, doc.line(*where, "reply"), "reply must be text")
            if doc.node is not None:  # from the file: check each pattern as it is used, to name its line
                for number, text in enumerate(patterns):
                    try:
                        re.compile(text)
                        problem = uncombinable(_wrapped([text]))
                    except re.error as exc:
                        problem = f"is not a valid regular expression ({exc.msg})"
                    if problem:
                        raise DataError(path, doc.line(*where, "patterns", number), f"the pattern {text!r} {problem}")
            try:
                pattern = re.compile(_wrapped(patterns))
            except re.error as exc:  # each compiles alone, but not joined (a group name used twice)
                raise DataError(path, doc.line(*where, "patterns"), f"the patterns of intent {item['name']!r} "
                                f"cannot be used together ({exc.msg})") from None
            _check_template(item["reply"], path, doc.line(*where, "reply"))
            intents.append(Intent(str(item["name"]), pattern, item["reply"].strip()))
        filler = data.get("filler") or []
        if not isinstance(filler, list):
            raise DataError(path, doc.line("filler"), "filler must be a list of words")
        return cls(intents, frozenset(str(w).lower() for w in filler))

    def match(self, text: str, chatter: Callable[[list[str]], bool] | None = None) -> Intent | None:
        """The first intent named in a message that holds nothing else but filler words.

        chatter, when given, decides whether the other words beside the intent's phrase (filler
        words included) only chat ("thanks a million", "hello, my name is Sarah") or ask something.
        """
        norm = " ".join(re.sub(r"[^a-z0-9 ]+", " ", normalise(text)).split())
        if not norm.strip():
            return None
        found = self._match(norm, chatter)
        if found is None:  # "lol ok": a whole-message phrase wrapped in filler words
            found = self._match(" ".join(w for w in norm.split() if w not in NOISE), chatter)
        return found

    def _match(self, norm: str, chatter: Callable[[list[str]], bool] | None) -> Intent | None:
        if not norm:
            return None
        found: Intent | None = None
        remainder = norm
        for intent in self.intents:
            if intent.pattern.search(remainder):
                found = found or intent
                remainder = intent.pattern.sub(" ", remainder)
        if found is None:
            return None
        if any(word not in self.filler for word in remainder.split()) and (chatter is None or not chatter(remainder.split())):
            return None
        return found


def _check_template(reply: str, path: Path | str, line: int | None) -> None:
    """A reply is filled in with str.format: only the fields the engine gives, and braces paired."""
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(reply) if name is not None}
        unknown = sorted(fields - set(REPLY_FIELDS))
        if not unknown:
            reply.format(**{name: "" for name in REPLY_FIELDS})
    except (ValueError, IndexError, KeyError, AttributeError) as exc:
        raise DataError(path, line, f"the reply cannot be filled in ({exc}); write {{{{ and }}}} for a brace") from None
    if unknown:
        allowed = ", ".join("{" + name + "}" for name in REPLY_FIELDS)
        raise DataError(path, line, f"the reply uses {{{unknown[0]}}}, which is never filled in; "
                        f"a reply may use {allowed} (write {{{{ and }}}} for a brace)")
