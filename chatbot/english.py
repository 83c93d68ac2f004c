"""General English: which words are real, how common each is, and the spelling a typo meant.

The word list and counts are symspellpy's English frequency dictionary (82,765 words with their
counts in Google Books n-grams), shipped inside the symspellpy wheel: nothing is downloaded. Only
the data is used. symspellpy's own index was measured for this job and not chosen: building it
takes 0.7 s (edit distance 1) to 2.4 s (edit distance 2) and 81-149 MiB, beyond the chatbot's
cold-start and memory budget; pyspellchecker (the other candidate) loads in 0.13 s but takes 0.8 s
to correct sixteen words at distance 2 and picked worse words ("sistem" -> "sister", "becos" ->
"becks"). Here the dictionary loads as a plain dict in about 60 ms, and candidates are generated
per word (Norvig's edits), which costs microseconds at distance 1 and milliseconds at distance 2.

Example::

    from chatbot.english import english
    en = english()
    en.zipf("school"), en.is_word("hospitle"), en.correct("hospitle")   # 5.8, False, "hospital"
"""

from __future__ import annotations

import math
from functools import lru_cache
from importlib import resources
from typing import Collection, Iterable

DICTIONARY = "frequency_dictionary_en_82_765.txt"
BIGRAMS = "frequency_bigramdictionary_en_243_342.txt"  # word pairs with their counts, same source
# Spellings that sound alike ("kemo" for "chemo", "fone" for "phone"): tried before any edit.
SOUNDS_ALIKE = (("k", "ch"), ("f", "ph"), ("ph", "f"), ("s", "c"), ("c", "s"), ("z", "s"), ("ee", "ea"), ("oo", "u"))
LETTERS = "abcdefghijklmnopqrstuvwxyz"
ZIPF_STEPS = 30  # 7.6 (the commonest word) * 30 < 256, so every stored value is a shared small int
MIN_CORRECT_LENGTH = 3  # shorter words are too easily another word to mend
MIN_DISTANCE_TWO_LENGTH = 6  # two edits away is only believable in a longer word
MAX_DISTANCE_TWO_LENGTH = 11  # and past this length it costs too long (a drug's name) to look for


class English:
    """Word counts of general English, with typo repair that can prefer a library's own words."""

    def __init__(self, steps: dict[str, int]) -> None:
        self.steps = steps  # word -> its Zipf frequency in steps of 1/ZIPF_STEPS

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> "English":
        """Read 'word count' lines (the symspellpy dictionary's format); other lines are skipped.

        Frequencies are kept as Zipf steps, small ints Python shares, and the counts are read twice
        rather than held: the dictionary costs a third less memory, at its peak too."""
        lines = [line for line in lines]
        total = sum(int(parts[1]) for parts in map(str.split, lines) if len(parts) == 2 and parts[1].isdigit()) or 1
        steps: dict[str, int] = {}
        for line in lines:
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit():
                steps[parts[0]] = max(1, round(math.log10(int(parts[1]) * 1e9 / total) * ZIPF_STEPS))
        return cls(steps)

    def is_word(self, word: str) -> bool:
        return word in self.steps

    def zipf(self, word: str) -> float:
        """log10 of the word's frequency per billion words: 7 for "the", 5 for "school", 0 if unseen."""
        return self.steps.get(word, 0) / ZIPF_STEPS

    def correct(self, word: str, prefer: Collection[str] = (), before: str = "") -> str | None:
        """The word a typo most likely meant, or None when word is a real word or nothing fits.

        A preferred word (the loaded leaflets' own) that sounds the same comes first ("kemo" ->
        "chemo"); then words one edit away before words two away; among equals a preferred word,
        then the one most often seen after the word before (symspellpy's bigram counts: "how offen"
        -> "often", not "offer"), then the commoner word. A word two edits away is tried only for
        longer words, and only when nothing is one edit away.
        """
        if len(word) < MIN_CORRECT_LENGTH or not word.isalpha() or word in self.steps or word in prefer:
            return None
        alike = [word.replace(a, b, 1) for a, b in SOUNDS_ALIKE if a in word]
        sounded = sorted(w for w in alike if w in prefer)
        if sounded:
            return sounded[0]
        known = lambda w: w in self.steps or w in prefer  # noqa: E731
        found = {w for w in edits(word) if known(w)}
        if not found and MIN_DISTANCE_TWO_LENGTH <= len(word) <= MAX_DISTANCE_TWO_LENGTH:
            found = set()
            for near in edits(word):  # one edit's neighbours at a time: 200,000 strings never held at once
                found.update(w for w in edits(near) if known(w))
        if not found:
            return None
        pairs = bigrams() if before and len(found) > 1 else {}
        return max(sorted(found), key=lambda w: (w in prefer, pairs.get((before, w), 0), self.steps.get(w, 0)))


def edits(word: str) -> set[str]:
    """Every string one deleted, swapped, changed or inserted letter away from word."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deleted = {a + b[1:] for a, b in splits if b}
    swapped = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    changed = {a + c + b[1:] for a, b in splits if b for c in LETTERS}
    inserted = {a + c + b for a, b in splits for c in LETTERS}
    return deleted | swapped | changed | inserted


class Bigrams:
    """symspellpy's English word-pair counts, kept as the file's bytes (4 MiB, where a dict of the
    pairs would take 60) and searched per pair: only a typo with several mendings asks."""

    def __init__(self, data: bytes) -> None:
        self.data = b"\n" + data

    def get(self, pair: tuple[str, str], default: int = 0) -> int:
        key = f"\n{pair[0]} {pair[1]} ".encode()
        at = self.data.find(key)
        if at < 0:
            return default
        end = self.data.find(b"\n", at + len(key))
        count = self.data[at + len(key): end if end >= 0 else None].strip()
        return int(count) if count.isdigit() else default


@lru_cache(maxsize=1)
def bigrams() -> Bigrams:
    """symspellpy's English word-pair counts, read on the first typo that has several mendings."""
    return Bigrams((resources.files("symspellpy") / BIGRAMS).read_bytes())


@lru_cache(maxsize=1)
def english() -> English:
    """The shipped dictionary, read once per process."""
    path = resources.files("symspellpy") / DICTIONARY
    with path.open(encoding="utf-8") as handle:
        return English.from_lines(handle)
