"""General English: which words are real, how common each is, and the spelling a typo meant.

The word list and counts are symspellpy's English frequency dictionary (82,765 words with their
counts in Google Books n-grams), shipped inside the symspellpy wheel: nothing is downloaded. Only
the data is used. symspellpy's own index was measured for this job and not chosen: building it
takes 0.7 s (edit distance 1) to 2.4 s (edit distance 2) and 81-149 MiB, beyond the chatbot's
cold-start and memory budget; pyspellchecker (the other candidate) loads in 0.13 s but takes 0.8 s
to correct sixteen words at distance 2 and picked worse words ("sistem" -> "sister", "becos" ->
"becks"). Here the dictionary loads in about 60 ms, and candidates are generated
per word (Norvig's edits), which costs microseconds at distance 1 and milliseconds at distance 2.
The words are kept as 64-bit keys (see English), so the dictionary takes under 1 MiB and the
index cache carries it.

Example::

    from chatbot.english import english
    en = english()
    en.zipf("school"), en.is_word("hospitle"), en.correct("hospitle")   # 5.8, False, "hospital"
"""

from __future__ import annotations

import base64
import math
import zlib
from array import array
from bisect import bisect_left
from functools import lru_cache
from importlib import resources
from typing import Collection, Iterable

DICTIONARY = "frequency_dictionary_en_82_765.txt"
BIGRAMS = "frequency_bigramdictionary_en_243_342.txt"  # word pairs with their counts, same source
# Spellings that sound alike ("kemo" for "chemo", "fone" for "phone"): tried before any edit.
SOUNDS_ALIKE = (("k", "ch"), ("f", "ph"), ("ph", "f"), ("s", "c"), ("c", "s"), ("z", "s"), ("ee", "ea"), ("oo", "u"))
LETTERS = "abcdefghijklmnopqrstuvwxyz"
ZIPF_STEPS = 30  # 7.6 (the commonest word) * 30 < 256, so every step fits in a byte
MIN_CORRECT_LENGTH = 3  # shorter words are too easily another word to mend
MAX_CORRECT_LENGTH = 30  # the longest dictionary word has 28 letters: a longer string is one of no word (and costly to try)
MIN_DISTANCE_TWO_LENGTH = 6  # two edits away is only believable in a longer word
MAX_DISTANCE_TWO_LENGTH = 11  # and past this length it costs too long (a drug's name) to look for


class English:
    """Word counts of general English, with typo repair that can prefer a library's own words.

    Each word is kept as a 64-bit key (two CRC-32s of its letters, forwards and backwards) in a
    sorted array beside its Zipf step in a byte string: 82,765 words in under 1 MiB, where a dict
    of them takes 9 MiB. A lookup bisects the array. The dictionary's words all have keys of
    their own (tests/test_english.py checks); a typo shares one with a word about once in 200 trillion
    lookups. The keys do not change between processes, so the index cache keeps them (to_state)
    and a start reads them in a millisecond instead of parsing the dictionary.
    """

    def __init__(self, keys: array, steps: bytes) -> None:
        self.keys = keys  # sorted keys of the words
        self.steps = steps  # each word's Zipf frequency in steps of 1/ZIPF_STEPS, in the same order

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> "English":
        """Read 'word count' lines (the symspellpy dictionary's format); other lines are skipped."""
        keys, counts = array("Q"), array("Q")
        for line in lines:
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit():
                keys.append(_key(parts[0]))
                counts.append(int(parts[1]))
        total = sum(counts) or 1
        order = sorted(range(len(keys)), key=keys.__getitem__)
        steps = bytes(max(1, min(255, round(math.log10(counts[i] * 1e9 / total) * ZIPF_STEPS))) for i in order)
        return cls(array("Q", (keys[i] for i in order)), steps)

    def to_state(self) -> dict:
        return {"keys": base64.b64encode(self.keys.tobytes()).decode("ascii"),
                "steps": base64.b64encode(self.steps).decode("ascii")}

    @classmethod
    def from_state(cls, state: dict) -> "English":
        keys = array("Q")
        keys.frombytes(base64.b64decode(state["keys"]))
        steps = base64.b64decode(state["steps"])
        if len(keys) != len(steps):
            raise ValueError("the cached dictionary is damaged")
        return cls(keys, steps)

    def _step(self, word: str) -> int:
        key = _key(word)
        at = bisect_left(self.keys, key)
        return self.steps[at] if at < len(self.keys) and self.keys[at] == key else 0

    def is_word(self, word: str) -> bool:
        return self._step(word) > 0

    def zipf(self, word: str) -> float:
        """log10 of the word's frequency per billion words: 7 for "the", 5 for "school", 0 if unseen."""
        return self._step(word) / ZIPF_STEPS

    def correct(self, word: str, prefer: Collection[str] = (), before: str = "") -> str | None:
        """The word a typo most likely meant, or None when word is a real word or nothing fits.

        A preferred word (the loaded leaflets' own) that sounds the same comes first ("kemo" ->
        "chemo"); then words one edit away before words two away; among equals a preferred word,
        then the one most often seen after the word before (symspellpy's bigram counts: "how offen"
        -> "often", not "offer"), then the commoner word. A word two edits away is tried only for
        longer words, and only when nothing is one edit away.
        """
        if not MIN_CORRECT_LENGTH <= len(word) <= MAX_CORRECT_LENGTH or not word.isalpha() or self.is_word(word) or word in prefer:
            return None
        alike = [word.replace(a, b, 1) for a, b in SOUNDS_ALIKE if a in word]
        sounded = sorted(w for w in alike if w in prefer)
        if sounded:
            return sounded[0]
        known = lambda w: w in prefer or self.is_word(w)  # noqa: E731
        found = {w for w in edits(word) if known(w)}
        if not found and MIN_DISTANCE_TWO_LENGTH <= len(word) <= MAX_DISTANCE_TWO_LENGTH:
            found = set()
            for near in edits(word):  # one edit's neighbours at a time: 200,000 strings never held at once
                found.update(w for w in edits(near) if known(w))
        if not found:
            return None
        pairs = bigrams() if before and len(found) > 1 else {}
        return max(sorted(found), key=lambda w: (w in prefer, pairs.get((before, w), 0), self._step(w)))


def _key(word: str) -> int:
    """A word's 64-bit key, the same in every process."""
    data = word.encode("utf-8", "surrogatepass")
    return zlib.crc32(data) << 32 | zlib.crc32(data[::-1])


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


_LOADED: list[English] = []  # the dictionary of this process, once read or taken from the cache


def english() -> English:
    """The shipped dictionary, read once per process (or given by the index cache, see use())."""
    if not _LOADED:
        path = resources.files("symspellpy") / DICTIONARY
        with path.open(encoding="utf-8") as handle:
            _LOADED.append(English.from_lines(handle))
    return _LOADED[0]


def use(dictionary: English) -> None:
    """Take this as the process's dictionary (the index cache's copy of the shipped one)."""
    _LOADED[:] = [dictionary]
