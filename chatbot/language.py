"""Messages in another language: say the chatbot reads English only, always with the emergency numbers.

The words and lines live in data/languages.yaml, which a clinic may edit. How a message is judged,
cheapest first, so that English messages never load the language detector:

1. Script: when most letters are not Latin, the message is not English. Devanagari is read as
   Hindi, Gurmukhi as Punjabi, Bengali script as Bengali, Gujarati script as Gujarati; Arabic script
   is Urdu when it uses letters Urdu has and Arabic does not (ے ں ٹ ڈ ڑ ھ), else Arabic.
2. Latin letters: when at least a third of the words are not English words (english().is_word),
   the language detector (lingua, loaded on first use) decides between English and the languages of
   the file that are written in Latin letters. A message it calls English still counts as another
   language when most of its words are not English (romanised Hindi, Urdu or Punjabi, which no
   detector knows).
3. In a message that is not English, the emergency and crisis patterns of every language are
   searched: a match makes the reply urgent, and says which language's line to show.

Example::

    from chatbot.language import load_languages
    found = load_languages(path).read("No puedo respirar")   # level "emergency", codes ("es",)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Collection

from .errors import DataError
from .triage import compile_checked
from .yamlfile import Located, read_yaml

MIN_UNKNOWN_SHARE = 1 / 3  # of a message's Latin words unknown to English: ask the detector
MOSTLY_UNKNOWN_SHARE = 0.75  # this many unknown words: not English, whatever the detector says
MOSTLY_UNKNOWN_MIN_WORDS = 4
MIN_WORDS = 2  # fewer Latin words than this are judged only as a cry for help ("Pomocy!")
ONE_WORD_MAX_ZIPF = 3.0  # such a word is rare in English text ("socorro" 2.9; "help" 6, "ambulance" 3.9)
MIN_DETECTOR_CONFIDENCE = 0.6  # the detector's belief in another language needed to call it so
# English words that are not also common words of the file's languages in Latin letters ("a", "no",
# "me", "do", "am", "to", "i", "on", "we", "in" are): two of them, or a third of the words, make a
# message English.
ENGLISH_ONLY_WORDS = frozenset(
    "the is are my you and what how can it of with have has this that will does be was for from your "
    "his her he she they them their our us an im its whats dont cant should could would than better "
    "about which when where why who after before there any some much many more or but not "
    "ok okay thank thanks cheers hi hello hiya bye please yes yeah".split())
MIN_ENGLISH_ONLY_WORDS = 2
ENGLISH_ONLY_SHARE = 1 / 3
LEVELS = ("crisis", "emergency")
# Scripts other than Latin, by Unicode block, and the language each stands for (None: the file decides).
SCRIPTS = ((0x0600, 0x06FF, None), (0x0750, 0x077F, None), (0x0900, 0x097F, "hi"), (0x0980, 0x09FF, "bn"),
           (0x0A00, 0x0A7F, "pa"), (0x0A80, 0x0AFF, "gu"))
URDU_LETTERS = frozenset("ےںٹڈڑھۓ")
_LATIN_EXTRA = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "ı": "i"})
_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~\u00a1\u00bf\u060c\u061f\u06d4\u0964\u0965\u2018-\u201f]+")
_LATIN_WORD = re.compile(r"[a-z]+")


def fold(text: str, lower: bool = True) -> str:
    """Lower case, Latin letters without their accents ("mąż" -> "maz"), other scripts as written.

    Patterns go through the same folding (without lower-casing, which would change \\S into \\s)."""
    text = unicodedata.normalize("NFKC", text).translate(_LATIN_EXTRA)
    if lower:
        text = text.lower()
    kept: list[str] = []
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(ch) and kept and kept[-1].isascii() and kept[-1].isalpha():
            continue  # an accent on a Latin letter
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept))


MIN_MENDED_LENGTH = 10  # a shorter word one slip from English may as well be a word of another language


def english_at_a_glance(words: list[str], known: Collection[str] = ()) -> bool:
    """English without looking anything up: English-only words, or too few words left to be foreign
    once the known ones (the caller's English words) are set aside. Most English messages end here."""
    if sum(w in ENGLISH_ONLY_WORDS for w in words) >= min(MIN_ENGLISH_ONLY_WORDS, ENGLISH_ONLY_SHARE * len(words)):
        return True
    return sum(w not in known for w in words) < MIN_UNKNOWN_SHARE * len(words)


def _englishy(word: str, english) -> bool:
    """An English word, or a longer word one slip from one ("imunotherapy"): English, mistyped."""
    return english.is_word(word) or (len(word) >= MIN_MENDED_LENGTH and english.correct(word) is not None)


def may_be_foreign(message: str, known: Collection[str] = ()) -> bool:
    """A quick look before the languages file is even read: False for a message surely in English."""
    text = _PUNCTUATION.sub(" ", fold(message))
    if any(not ch.isascii() and ch.isalpha() for ch in text):
        return True
    words = [w for w in _LATIN_WORD.findall(text) if len(w) >= 2]
    return len(words) == 1 or (len(words) >= MIN_WORDS and not english_at_a_glance(words, known))


def _script_language(letters: list[str]) -> str | None:
    """The language a non-Latin script stands for ("" when the script is one the file has no language for)."""
    counts: dict[str | None, int] = {}
    other = 0
    for ch in letters:
        code = ord(ch)
        for start, end, language in SCRIPTS:
            if start <= code <= end:
                key = language if language else ("ur" if ch in URDU_LETTERS else "ar")
                counts[key] = counts.get(key, 0) + 1
                break
        else:
            other += 1
    if "ur" in counts:  # one Urdu letter makes Arabic script Urdu
        counts["ur"] += counts.pop("ar", 0)
    best = max(counts, key=counts.get) if counts else None
    return best if best and counts[best] >= other else ""


@dataclass(frozen=True)
class Language:
    """One language of the file: its name, its line, and the patterns that make a message urgent."""

    code: str
    name: str
    reply: str
    patterns: dict[str, tuple[re.Pattern[str], ...]]  # level -> patterns


@dataclass(frozen=True)
class Finding:
    """A message in another language: how urgent (None: not), the languages to answer in, the text."""

    level: str | None
    codes: tuple[str, ...]
    text: str


class Languages:
    """The file's languages. Use: load_languages(path).read(message) -> Finding, or None for English."""

    def __init__(self, english: str, languages: dict[str, Language]) -> None:
        self.english = english
        self.languages = languages

    @classmethod
    def from_document(cls, doc: Located, path: Path | str) -> "Languages":
        data = doc.data
        if not isinstance(data, dict) or set(data) != {"english", "languages"}:
            raise DataError(path, doc.line(), "the file needs exactly two keys: english (the text) and languages")
        if not isinstance(data["english"], str) or "999" not in data["english"]:
            raise DataError(path, doc.line("english"), "english must be a text that gives the emergency number 999")
        if not isinstance(data["languages"], dict) or not data["languages"]:
            raise DataError(path, doc.line("languages"), "languages must map language codes (pl, es...) to their entries")
        languages = {}
        for code, entry in data["languages"].items():
            languages[code] = _language(code, entry, doc, path)
        return cls(data["english"].strip(), languages)

    def read(self, message: str, known: Collection[str] = ()) -> Finding | None:
        """None for a message in English (or one too short to tell); else what to reply.

        known: more words to count as English besides general English (text-speak such as "pls")."""
        text = _PUNCTUATION.sub(" ", fold(message))
        letters = [ch for ch in text if ch.isalpha()]
        if not letters:
            return None
        non_latin = [ch for ch in letters if not ch.isascii()]
        if len(non_latin) * 2 > len(letters):
            return self._finding(text, _script_language(non_latin))
        words = [w for w in _LATIN_WORD.findall(text) if len(w) >= 2]
        if len(words) < MIN_WORDS:  # one word: another language only when it is one's cry for help
            return self._one_word(text, words)
        if english_at_a_glance(words, known):
            return None
        from .english import english

        unknown = sum(w not in known and not _englishy(w, english()) for w in words) / len(words)
        if unknown < MIN_UNKNOWN_SHARE:
            return None
        detected, confidence = _detect(text, tuple(sorted(self.languages)))
        guess = detected if detected and detected != "en" else ""
        finding = self._finding(text, guess)
        said_other = bool(guess) and confidence >= MIN_DETECTOR_CONFIDENCE
        mostly_unknown = unknown >= MOSTLY_UNKNOWN_SHARE and len(words) >= MOSTLY_UNKNOWN_MIN_WORDS
        return finding if finding.level or said_other or mostly_unknown else None

    def _one_word(self, text: str, words: list[str]) -> Finding | None:
        """"Pomocy!", "Socorro!": a single word that is no English word and names an emergency."""
        if len(words) != 1:
            return None
        from .english import english

        if english().zipf(words[0]) >= ONE_WORD_MAX_ZIPF:
            return None
        finding = self._finding(text, "")
        return finding if finding.level else None

    def _finding(self, text: str, guessed: str) -> Finding:
        """Search every language's patterns; the languages that matched most, else the guessed one, are shown."""
        level, hits = None, {}
        for language in self.languages.values():
            for name in LEVELS:
                found = sum(1 for pattern in language.patterns[name] if pattern.search(text))
                if found:
                    hits[language.code] = hits.get(language.code, 0) + found
                    if level is None or LEVELS.index(name) < LEVELS.index(level):
                        level = name
        if hits:
            most = max(hits.values())
            codes = tuple(code for code, count in hits.items() if count == most)
            if guessed in hits:
                codes = (guessed,) + tuple(code for code in codes if code != guessed)
        else:
            codes = (guessed,) if guessed in self.languages else ()
        lines = [self.english] + [f"{self.languages[c].name}: {self.languages[c].reply}" for c in codes]
        return Finding(level, codes, "\n\n".join(lines))


def _language(code: object, entry: object, doc: Located, path: Path | str) -> Language:
    where = ("languages", code)
    if not isinstance(code, str) or not re.fullmatch(r"[a-z]{2}", code):
        raise DataError(path, doc.line(*where), f"{code!r} is not a two-letter language code (ISO 639-1, like pl)")
    if not isinstance(entry, dict) or not {"name", "reply"} <= set(entry) <= {"name", "reply", *LEVELS}:
        raise DataError(path, doc.line(*where), f"{code}: each language has name, reply and lists of emergency and crisis patterns")
    for key in ("name", "reply"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise DataError(path, doc.line(*where, key), f"{code}: {key} must be a text")
    if "999" not in entry["reply"]:
        raise DataError(path, doc.line(*where, "reply"), f"{code}: the reply must give the emergency number 999")
    patterns = {}
    for level in LEVELS:
        items = entry.get(level) or []
        if not isinstance(items, list):
            raise DataError(path, doc.line(*where, level), f"{code}: {level} must be a list of patterns")
        patterns[level] = tuple(_compile(item, path, doc.line(*where, level, i)) for i, item in enumerate(items))
    return Language(code, entry["name"].strip(), entry["reply"].strip(), patterns)


def _compile(pattern: object, path: Path | str, line: int | None) -> re.Pattern[str]:
    """A pattern as it is searched: folded like messages, and whole words where it has Latin letters."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise DataError(path, line, "a pattern must be non-empty text")
    letters = re.sub(r"\\.", "", pattern)  # escapes such as \S keep their case
    if letters != letters.lower():
        raise DataError(path, line, f"the pattern {pattern!r} must be in lower case (messages are read in lower case)")
    source = rf"(?<![a-z])(?:{fold(pattern, lower=False)})(?![a-z])"
    return compile_checked(source, pattern, path, line)


@lru_cache(maxsize=4)
def load_languages(path: Path | str) -> Languages:
    """Read and check the file (once per process); DataError names the line of a mistake."""
    return Languages.from_document(read_yaml(path), path)


def _detect(text: str, codes: tuple[str, ...]) -> tuple[str | None, float]:
    """The detector's best language for a message in Latin letters (a code of the file, or "en"),
    with its confidence; (None, 0) when it has no idea or is not installed."""
    detector = _detector(codes)
    if detector is None:
        return None, 0.0
    values = detector.compute_language_confidence_values(text)
    if not values:
        return None, 0.0
    return values[0].language.iso_code_639_1.name.lower(), values[0].value


@lru_cache(maxsize=2)
def _detector(codes: tuple[str, ...]):
    """lingua, restricted to English and the file's languages, in low-accuracy mode (small and quick).

    Loaded on first use only: English messages never pay for it."""
    try:
        from lingua import IsoCode639_1, Language as Lingua, LanguageDetectorBuilder
    except ImportError:
        return None
    wanted = [Lingua.ENGLISH]
    for code in codes:
        iso = getattr(IsoCode639_1, code.upper(), None)
        if iso is not None:
            wanted.append(Lingua.from_iso_code_639_1(iso))
    return LanguageDetectorBuilder.from_languages(*wanted).with_low_accuracy_mode().build()
