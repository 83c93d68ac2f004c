"""How triage mends a message's words before its rules are matched (see chatbot/triage.py).

In order: the rules file's fixed ``spellings`` (text-speak, dialect, known slips); a single slip in
one of its listed ``typos`` words; then general English repair (chatbot.english) that prefers the
words the rules are written with. The dictionary is asked only about a word within about two slips
of one of those words, so most messages never load it. Contractions typed without the apostrophe
("ive", "thats") are words, never slips.
"""

from __future__ import annotations

import re
from functools import lru_cache

MAX_TYPO_WORD = 20  # longer tokens are not words anyone mistyped (and would cost time)
SHORT_WORD = 6  # below this length, a word is mended only one slip away (chatbot.english does the same)
_WORD = re.compile(r"[a-z]+")
_ESCAPE = re.compile(r"\\.")
_VOCABULARY_WORD = re.compile(r"(?<![a-z])([a-z]{3,})(?![a-z])(\?)?")


class Speller:
    """Mends words before matching: fixed spellings, single slips in the listed words, then general
    English repair (chatbot.english) preferring the rules' own words."""

    def __init__(self, spellings: dict[str, str], words: list[str], vocabulary: frozenset[str] = frozenset()) -> None:
        self.spellings = spellings
        self.words = frozenset(words)
        self.deleted: dict[str, list[tuple[str, int]]] = {}  # word minus one letter -> (word, position)
        for word in dict.fromkeys(words):  # in file order, so a tie always mends the same way
            for i in range(len(word)):
                self.deleted.setdefault(word[:i] + word[i + 1 :], []).append((word, i))
        self.vocabulary = vocabulary | self.words
        self.known_words = self.vocabulary | frozenset(spellings) | CONTRACTIONS  # English as the rules read it
        self._near: frozenset[str] | None = None  # the vocabulary and its one-letter deletions
        self.fix = lru_cache(maxsize=4096)(self._fix)

    def _fix(self, token: str) -> str:
        if token in self.spellings:
            return self.spellings[token]
        if not 3 <= len(token) <= MAX_TYPO_WORD or token in self.vocabulary or token in CONTRACTIONS:
            return token
        if len(token) >= 5:
            own = self._one_slip(token)
            if own != token:
                return own
        return self._english(token) or token

    def _one_slip(self, token: str) -> str:
        # a letter missing ("breth" for "breath", "diarhea" for "diarrhea")
        for word, _ in self.deleted.get(token, ()):
            if word[0] == token[0]:
                return word
        for i in range(len(token)):
            shorter = token[:i] + token[i + 1 :]
            # a letter too many ("vomitting")
            if shorter in self.words and shorter[0] == token[0]:
                return shorter
            # one letter wrong, in long words only ("anaphalaxis"); same position on both sides
            if len(token) >= 9 and i > 0:
                for word, j in self.deleted.get(shorter, ()):
                    if j == i and len(word) == len(token):
                        return word
        # two neighbours swapped ("siezure")
        for i in range(len(token) - 1):
            swapped = token[:i] + token[i + 1] + token[i] + token[i + 2 :]
            if swapped in self.words:
                return swapped
        return token

    def _english(self, token: str) -> str | None:
        """General spelling repair ("wnt" -> "want", "roastin" -> "roasting"), asked only of a word
        within about two slips of a word the rules use: the dictionary is loaded only for those."""
        if not token.isalpha() or not self._near_vocabulary(token):
            return None
        from .english import english

        en = english()
        if en.is_word(token):
            return None
        # two neighbouring letters swapped is the commonest slip: it wins a tie ("wnat" is "want", not "what")
        for i in range(len(token) - 1):
            swapped = token[:i] + token[i + 1] + token[i] + token[i + 2 :]
            if swapped in self.vocabulary:
                return swapped
        return en.correct(token, prefer=self.vocabulary)

    def _near_vocabulary(self, token: str) -> bool:
        if len(token) < SHORT_WORD:  # general repair mends short words one slip away only
            from .english import edits

            return not self.vocabulary.isdisjoint(edits(token))
        if self._near is None:
            self._near = frozenset(d for word in self.vocabulary for d in _deletions(word))
        return any(d in self._near for d in _deletions(token))

    def __call__(self, text: str) -> str:
        return _WORD.sub(lambda m: self.fix(m.group()), text)


# English contractions as typed without the apostrophe ("ive", "youre", "whos"): words, never slips.
CONTRACTIONS = frozenset(
    [p + end for p in "i you he she it we they that there here what who where how when why let".split()
     for end in ("s", "m", "ve", "ll", "re", "d")]
    + [aux + "nt" for aux in "do does did ca could would should wo is are was were has have had must need ai sha might".split()]
    + [aux + "ve" for aux in "could would should might must".split()] + ["yall", "oclock"])


def _deletions(word: str) -> set[str]:
    """The word and each form of it with one letter left out."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def rule_vocabulary(patterns) -> frozenset[str]:
    """The words the rules are written with (3 letters or more), read from the patterns' text
    ("drips?" gives "drips" and "drip")."""
    found: set[str] = set()
    for pattern in patterns:
        for word, optional in _VOCABULARY_WORD.findall(_ESCAPE.sub(" ", pattern.pattern)):
            found.add(word)
            if optional and len(word) > 3:
                found.add(word[:-1])
    return frozenset(found)
