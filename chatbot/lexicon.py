"""Load data/lexicon.yaml: spellings, lay terms and neutral words (see the file's own header)."""

from __future__ import annotations

import re
from pathlib import Path

from .errors import DataError
from .text import Lexicon, uk_spelling, words
from .triage import uncombinable
from .yamlfile import read_yaml

SECTIONS = ("spelling", "terms", "off_topic", "not_covered", "neutral")


def load_lexicon(path: Path | str) -> Lexicon:
    """Parse and check the lexicon file; raise DataError naming the line of a mistake."""
    doc = read_yaml(path)
    data = doc.data
    if data is None:
        return Lexicon()
    if not isinstance(data, dict):
        raise DataError(path, doc.line(), f"the lexicon must be a mapping with the keys {', '.join(SECTIONS)}")
    for key in data:
        if key not in SECTIONS:
            raise DataError(path, doc.line(key), f"unknown key {key!r}; the keys are {', '.join(SECTIONS)}")
    spelling: dict[str, str] = {}
    for word, target in _mapping(data, "spelling", doc, path).items():
        source_words, target_words = words(str(word)), words(str(target))
        if len(source_words) != 1 or len(target_words) != 1:
            raise DataError(path, doc.line("spelling", word), f"spelling maps one word to one word, not {word!r}: {target!r}")
        spelling[source_words[0]] = target_words[0]
    terms: dict[tuple[str, ...], tuple[str, ...]] = {}
    for phrase, target in _mapping(data, "terms", doc, path).items():
        key = tuple(uk_spelling(w, spelling) for w in words(str(phrase)))
        value = tuple(uk_spelling(w, spelling) for w in words(str(target)))
        if not key or not value:
            raise DataError(path, doc.line("terms", phrase), f"the term {phrase!r} needs words on both sides of ':'")
        terms[key] = value
    neutral = data.get("neutral") or []
    if not isinstance(neutral, list) or not all(isinstance(w, str) for w in neutral):
        raise DataError(path, doc.line("neutral"), "neutral must be a list of words (quote words YAML reads as yes/no, like \"true\")")
    off_topic = data.get("off_topic") or []
    if not isinstance(off_topic, list) or not all(isinstance(w, str) for w in off_topic):
        raise DataError(path, doc.line("off_topic"), "off_topic must be a list of words (quote words YAML reads as yes/no)")
    not_covered = data.get("not_covered") or []
    if not isinstance(not_covered, list) or not all(isinstance(p, str) and p.strip() for p in not_covered):
        raise DataError(path, doc.line("not_covered"), "not_covered must be a list of patterns (regular expressions)")
    for number, source in enumerate(not_covered):
        try:  # compiled exactly as the tokeniser will use it (wrapped), not only on its own
            re.compile(source)
            (used,) = Lexicon(not_covered=(source,)).not_covered_patterns
        except re.error as exc:
            raise DataError(path, doc.line("not_covered", number),
                            f"the pattern {source!r} is not a valid regular expression ({exc.msg})") from None
        problem = uncombinable(used.pattern)
        if problem:
            raise DataError(path, doc.line("not_covered", number), f"the pattern {source!r} {problem}")
    return Lexicon(spelling, terms, frozenset(w for item in neutral for w in words(item)),
                   frozenset(w for item in off_topic for w in words(item)), tuple(not_covered))


def _mapping(data: dict, key: str, doc, path) -> dict:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise DataError(path, doc.line(key), f"{key} must be a mapping of 'word: replacement' lines")
    for item_key, item_value in value.items():
        if not isinstance(item_value, (str, int)) or isinstance(item_value, bool) or item_value == "":
            raise DataError(path, doc.line(key, item_key), f"{item_key!r} must map to words, not {item_value!r}")
    return value
