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

from .text import fold, words

ASKING = frozenset({"what", "which"})
# Grammar words that may stand between "what"/"which" and the asked noun.
LINKING = frozenset({"are", "were", "is", "be", "the", "some", "any", "all", "its", "their", "your", "my",
                     "these", "those", "kind", "kinds", "sort", "sorts", "type", "types", "of"})
MAX_NOUN_WORDS = 3  # "what possible side effects": the asked noun phrase is short
MIN_MARKERS = 2  # a passage that enumerates: at least this many list signs

_LIST_ITEM = re.compile(r"^- ", re.MULTILINE)
_EXAMPLE = re.compile(r"\b(for example|for instance|such as|including|e\.g\.)", re.IGNORECASE)
_ALTERNATIVE = re.compile(r"\w \b(or|and/or)\b \w", re.IGNORECASE)
_SERIES = re.compile(r"\w+, \w+(?: \w+)?, (?:or |and )?\w+")


def asked_noun(question: str, is_content: Callable[[str], bool],
               mend: Callable[[str], str] = lambda word: word) -> str | None:
    """The plural noun a "what/which ... X" question asks for ("side effects" -> "effects"), or None.

    is_content(word) says whether a word carries meaning (not a grammar word); mend(word) undoes
    text-speak and typos ("wot r the side efects")."""
    said = [mend(word) for word in words(fold(question))]
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
                return following
        return None
    return None


def _plural(word: str) -> bool:
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is"))


def list_markers(text: str) -> int:
    """How much a text enumerates: list items, "for example"/"such as", "X or Y", "X, Y and Z"."""
    return (len(_LIST_ITEM.findall(text)) + len(_EXAMPLE.findall(text)) + len(_ALTERNATIVE.findall(text))
            + len(_SERIES.findall(text)))


def enumerates(text: str) -> bool:
    return list_markers(text) >= MIN_MARKERS
