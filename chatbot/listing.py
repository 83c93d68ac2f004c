"""Questions that ask what the X are, and the passages that name them.

"What are the side effects?", "which tests are done?", "what factors decide it?" ask for the
things themselves. A section often opens with a general paragraph ("the side effects are different
rather than milder") and names the things later ("for example, a skin rash or itching..."). These
pure functions find the asked noun and measure how much a passage enumerates, so the engine can
show the passage that names them rather than the one that introduces them.
"""

from __future__ import annotations

import re
from typing import Callable

from .text import REQUEST_WORDS, fold, uk_spelling, words

# "what ...", "which ...", and requests: "tell me about ...", "list ...", "describe ..."
ASKING = frozenset({"what", "which", "list", "name"}) | REQUEST_WORDS
# Grammar words that may stand between the asking word and the asked noun.
LINKING = frozenset({"are", "were", "is", "be", "the", "some", "any", "all", "its", "their", "your", "my",
                     "these", "those", "kind", "kinds", "sort", "sorts", "type", "types", "of", "me", "us",
                     "about"})
MAX_NOUN_WORDS = 3  # "what possible side effects": the asked noun phrase is short
MIN_MARKERS = 2  # a passage that enumerates: at least this many list signs

_LIST_ITEM = re.compile(r"^- ", re.MULTILINE)
_EXAMPLE = re.compile(r"\b(for example|for instance|such as|including|e\.g\.)", re.IGNORECASE)
_ALTERNATIVE = re.compile(r"\w \b(or|and/or)\b \w", re.IGNORECASE)
_SERIES = re.compile(r"\w+, \w+(?: \w+)?, (?:or |and )?\w+")


def asked_noun(question: str, is_content: Callable[[str], bool],
               mend: Callable[[str], str] = lambda word: word) -> str | None:
    """The plural noun a question asks for ("what are the side effects?", "list the side effects",
    "side effects?" -> "effects"), or None.

    is_content(word) says whether a word carries meaning (not a grammar word); mend(word) undoes
    text-speak and typos ("wot r the side efects")."""
    phrase = asked_phrase(question, is_content, mend)
    return phrase[-1] if phrase else None


def asked_phrase(question: str, is_content: Callable[[str], bool],
                 mend: Callable[[str], str] = lambda word: word) -> list[str]:
    """The noun phrase of the things a question asks for, up to their plural noun ("what are the
    known side effects?" -> known side effects), or []."""
    said = [mend(word) for word in words(fold(question))]
    if 0 < len(said) <= MAX_NOUN_WORDS and all(is_content(word) for word in said) and _plural(said[-1]):
        return said  # the noun phrase alone: "side effects?"
    for start, word in enumerate(said):
        if word not in ASKING:
            continue
        phrase: list[str] = []
        for following in said[start + 1:]:
            if not phrase and following in LINKING:
                continue
            if not is_content(following) or len(phrase) == MAX_NOUN_WORDS:
                break
            phrase.append(following)
            if _plural(following):
                return phrase
        return []
    return []


def _plural(word: str) -> bool:
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is"))


def list_markers(text: str) -> int:
    """How much a text enumerates: list items, "for example"/"such as", "X or Y", "X, Y and Z"."""
    return (len(_LIST_ITEM.findall(text)) + len(_EXAMPLE.findall(text)) + len(_ALTERNATIVE.findall(text))
            + len(_SERIES.findall(text)))


def enumerates(text: str) -> bool:
    return list_markers(text) >= MIN_MARKERS


def naming_first(engine, ranked: list, question: str) -> list:
    """For "what are the X?", the retrieved passage that names the X (it enumerates and holds the
    asked noun) goes first, ahead of a section's introduction. Only a passage of the same section,
    or of a section whose heading names the X, may take the first place."""
    noun = asked_noun(question, lambda word: bool(engine.tokeniser.tokens(word)), lambda word: _mended(engine, word))
    terms = engine.tokeniser.tokens(noun) if noun else []
    if not terms:
        return ranked
    naming = [s for s in ranked if all(engine.index.holds(t, s.hit.index) for t in terms)
              and enumerates(s.passage.text) and _about_same(engine, s, ranked[0], terms)]
    if not naming:
        return ranked
    chosen = max(naming, key=lambda s: list_markers(s.passage.text))  # max keeps the better-ranked on a tie
    return [chosen] + [s for s in ranked if s is not chosen]


def _mended(engine, word: str) -> str:
    """A question's word as the tokeniser reads it: a typo repaired, text-speak and US spelling undone."""
    tokeniser = engine.tokeniser
    if not tokeniser._word_known(word):
        word = tokeniser.repair(word) or word
    return uk_spelling(word, tokeniser.lexicon.spelling)


def _about_same(engine, other, best, terms) -> bool:
    same_section = other.passage.section == best.passage.section and other.passage.source == best.passage.source
    return same_section or set(terms) <= set(engine.tokeniser.tokens(other.passage.section))
