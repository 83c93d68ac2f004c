"""Definitions: which terms a passage defines, and which term a question asks to have defined.

"What is chemo?", "what does adjuvant chemotherapy mean?", "what's a port?" ask for a definition,
and a leaflet gives one in a few fixed shapes of English: "Chemotherapy (also called chemo) is a
type of cancer treatment ...", "A port is a small, round disc ...", "Monoclonal antibodies are
proteins ...", "This is called biomarker testing.", "... the group known as checkpoint
inhibitors". The passage that defines the asked term answers such a question better than one that
merely uses the term often, whatever the leaflet. Nothing here knows any leaflet's words.
"""

from __future__ import annotations

import re

from .text import fold, is_function_word, words

MAX_TERM_WORDS = 4  # "radiation therapy", "small-molecule drugs"; longer is a clause, not a term
_ARTICLE = r"(?:an?|the)\s+"
# what "is" goes on with in a sentence that says what its subject does or how it is, not what it is
# ("Chemotherapy is used to ...", "It is not ...", "is often given")
_NOT_DESCRIPTION = r"(?!(?:something|anything|nothing|not|also|often|usually|sometimes|still|only|just|more|most|less|very|being|\w+ed|\w+en|\w+ly)\b)"
# "X is/are ...", "X (also called Y) is ...": a term opening its sentence, then the verb
_DEFINES = re.compile(r"^(?:" + _ARTICLE + r")?(?P<term>[a-z][a-z0-9' -]*?)\s*(?:\((?P<alias>[^)]*)\)|"
                      r",\s*(?P<appositive>(?:also\s+)?(?:called|known as)\s+[^,]*),)?,?\s+(?:is|are)\s+" + _NOT_DESCRIPTION)
# "... is called X", "... also known as X", "the group known as X"
_NAMED = re.compile(r"\b(?:called|known as)\s+(?:" + _ARTICLE + r")?(?P<term>[a-z][a-z0-9' ,-]*?)\s*(?:[.;:)]|$)")
_LIST = re.compile(r",\s*(?:or\s+|and\s+)?|\s+or\s+|\s+and\s+")  # "called A, B, or C": three names
# "- Port: A port is ...", "- intrathecal: injected into ...": a list item naming its term first
_GLOSSARY = re.compile(r"^\s*[-*•]\s*(?P<term>[a-z][a-z0-9' -]*?)\s*:\s+", re.M)
_ALIAS_OPENING = re.compile(r"^(?:also\s+)?(?:called|known as|or)\s+")
_ASKS = (
    re.compile(r"^what\s+(?:do\s+you\s+mean|is\s+meant)\s+by\s+(?:" + _ARTICLE + r")?(?P<term>[a-z0-9' -]+?)\s*\??$"),
    re.compile(r"^(?:so|and|but|ok|okay|sorry)?\s*(?:what|wat|wot)\s*(?:is|are|s|'s)\s+(?:" + _ARTICLE
               + r")?(?P<term>[a-z0-9' -]+?)\s*\??$"),
    re.compile(r"^(?:so|and|but|ok|okay|sorry)?\s*what\s+(?:does|do)\s+(?:" + _ARTICLE
               + r")?(?P<term>[a-z0-9' -]+?)\s+mean\s*\??$"),
    re.compile(r"^(?:define|explain)\s+(?:" + _ARTICLE + r")?(?P<term>[a-z0-9' -]+?)\s*\??$"),
    re.compile(r"^(?:what\s+is\s+)?(?:the\s+)?meaning\s+of\s+(?:" + _ARTICLE + r")?(?P<term>[a-z0-9' -]+?)\s*\??$"),
    re.compile(r"^(?:" + _ARTICLE + r")?(?P<term>[a-z0-9' -]+?)\s+(?:meaning|definition)\s*\??$"),
)
_HEDGES = re.compile(r"\b(?:exactly|actually|really|even|please)\b")  # "what actually is a biopsy?", "define X please"
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def _term(text: str | None) -> str | None:
    """The text as a term: one to MAX_TERM_WORDS words, naming something (not "it", "this", "there")."""
    if not text:
        return None
    said = words(text)
    if not 1 <= len(said) <= MAX_TERM_WORDS or is_function_word(said[0]) or all(is_function_word(w) for w in said):
        return None
    return " ".join(said)


def defined_terms(text: str) -> set[str]:
    """The terms a passage's sentences define, folded ("chemotherapy", "chemo", "port")."""
    found: set[str] = set()
    for line in fold(text).splitlines():
        glossary = _GLOSSARY.match(line)
        if glossary and _term(glossary.group("term")):
            found.add(_term(glossary.group("term")))
    for sentence in _SENTENCE.split(_GLOSSARY.sub("", fold(text))):
        sentence = sentence.strip().lstrip("-*• ").strip()
        match = _DEFINES.match(sentence)
        if match:
            alias = match.group("alias") or match.group("appositive") or ""
            found.update(t for t in (_term(match.group("term")), _term(_ALIAS_OPENING.sub("", alias))) if t)
        for named in _NAMED.finditer(sentence):
            found.update(_names(named.group("term")))
    return found


def _names(listed: str) -> list[str]:
    """The names of "called A, B, or C" (up to the first part too long to be a name: "therapeutic
    antibodies, are proteins produced in the lab" gives one)."""
    names = []
    for part in _LIST.split(listed):
        term = _term(part)
        if term is None:
            break
        names.append(term)
    return names


def asked_term(question: str) -> str | None:
    """The term a question asks to have defined ("what is a port for chemo?" -> "port for chemo")."""
    asked = _HEDGES.sub(" ", fold(question).replace("?", " ? "))
    asked = " ".join(asked.split())
    for pattern in _ASKS:
        match = pattern.match(asked)
        if match:
            return _term(match.group("term"))
    return None
