"""Load data/lexicon.yaml: spellings, lay terms and neutral words (see the file's own header)."""

from __future__ import annotations

from pathlib import Path

from .errors import DataError
from .text import Lexicon, QuestionKind, uk_spelling, words
from .triage import compile_checked
from .yamlfile import read_yaml

SECTIONS = ("spelling", "terms", "off_topic", "question_kinds", "neutral")
REQUIRED = ("spelling", "terms", "off_topic", "question_kinds")  # neutral is optional


def load_lexicon(path: Path | str) -> Lexicon:
    """Parse and check the lexicon file; raise DataError naming the line of a mistake."""
    doc = read_yaml(path)
    data = doc.data
    if data is None:
        raise DataError(path, None, "the lexicon file is empty; without it the chatbot would refuse every question")
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
    for key, value in list(terms.items()):
        if len(key) == 1:  # a one-word term stands for its plain inflections too ("jab" -> "jabs", "jabbed")
            for form in inflections(key[0]):
                terms.setdefault((form,), value)
    neutral = data.get("neutral") or []
    if not isinstance(neutral, list) or not all(isinstance(w, str) for w in neutral):
        raise DataError(path, doc.line("neutral"), "neutral must be a list of words (quote words YAML reads as yes/no, like \"true\")")
    off_topic = data.get("off_topic") or []
    if not isinstance(off_topic, list) or not all(isinstance(w, str) for w in off_topic):
        raise DataError(path, doc.line("off_topic"), "off_topic must be a list of words (quote words YAML reads as yes/no)")
    kinds = question_kinds(data.get("question_kinds") or {}, doc, path)
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise DataError(path, None, f"the lexicon has no {', '.join(missing)}: is the file cut short? "
                        f"It needs all of {', '.join(REQUIRED)} (an empty one may be written as [] or {{}})")
    return Lexicon(spelling, terms, frozenset(w for item in neutral for w in words(item)),
                   frozenset(w for item in off_topic for w in words(item)), kinds)


def question_kinds(data: object, doc, path) -> tuple[QuestionKind, ...]:
    """Each kind of question with the pattern that finds it in a question and the one that finds
    its answer in a passage, compiled exactly as they are used."""
    if not isinstance(data, dict):
        raise DataError(path, doc.line("question_kinds"), "question_kinds maps a name to {asks: PATTERN, answered_by: PATTERN}")
    kinds = []
    for name, entry in data.items():
        if not isinstance(entry, dict) or set(entry) != {"asks", "answered_by"}:
            raise DataError(path, doc.line("question_kinds", name), f"{name!r} needs exactly 'asks' and 'answered_by' patterns")
        compiled = []
        for key in ("asks", "answered_by"):
            if not isinstance(entry[key], str):
                raise DataError(path, doc.line("question_kinds", name, key), f"{name}.{key} must be a pattern (text)")
            compiled.append(compile_checked(rf"\b(?:{entry[key]})\b", entry[key], path, doc.line("question_kinds", name, key)))
        kinds.append(QuestionKind(str(name), *compiled))
    return tuple(kinds)


def inflections(word: str) -> set[str]:
    """The regular inflections of a word: plural, past, -ing (a lexicon entry need not list them)."""
    forms = {word + ending for ending in ("s", "es", "ed", "d", "ing")}
    if word.endswith("e"):
        forms.add(word[:-1] + "ing")
    if word.endswith("y"):
        forms.update((word[:-1] + "ies", word[:-1] + "ied"))
    return forms - {word}


def _mapping(data: dict, key: str, doc, path) -> dict:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise DataError(path, doc.line(key), f"{key} must be a mapping of 'word: replacement' lines")
    for item_key, item_value in value.items():
        if not isinstance(item_value, (str, int)) or isinstance(item_value, bool) or item_value == "":
            raise DataError(path, doc.line(key, item_key), f"{item_key!r} must map to words, not {item_value!r}")
    return value
