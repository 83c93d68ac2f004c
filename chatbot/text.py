"""The one tokeniser, used for passages and questions alike.

fold (Unicode, quotes, dashes, case) -> words -> typo repair against known words -> US/UK
spelling -> lay-term expansion -> stop words out -> Snowball stems -> compounds ("pd l1" = "pdl1").
"""

from __future__ import annotations

import re
import sys
import unicodedata
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Callable, Iterable

# Words that carry no topic. Question words and negations are kept out of this list on purpose:
# "not", "no", "never", "without" and "how", "what", "when", "who", "why" say what is being asked.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren as at be because been before
    being below between both but by can could couldn did didn do does doesn doing don down during
    each few for from further had hadn has hasn have haven having he her here hers herself him
    himself his i if in into is isn it its itself just ll me mightn more most mustn my myself
    needn nor now o of off on once only or other our ours ourselves out over own re s same shan she
    should shouldn so some such t than that the their theirs them themselves then there these they
    this those through to too under until up ve very was wasn we were weren whom will with won
    wouldn y you your yours yourself yourselves d m let lets would might must shall may also
    im ive id youre thats theres whats hows whos dont doesnt didnt cant isnt wont arent wasnt
    hi hello please thanks thank hey ok okay oh um uh ah yes yeah just really quite
    get got gets getting go goes going gone know tell want wanted like wondering wonder question
    quick anyone someone something anything everything nothing thing things one ones much many need needs needed theyll youll itll youve theyve weve wed youd theyd hes shes
    make makes made making see sees saw seen us happen happens happened happening general generally normally
    hasnt havent hadnt werent wouldnt shouldnt couldnt mustnt neednt shant aint""".split()
)
QUESTION_WORDS = frozenset("how what when where who why which whose whether".split())
REQUEST_WORDS = frozenset("explain tell describe".split())  # "tell me about it" asks, like a question word
# Words a patient drops into a phrase without changing it ("how does chemo actually work").
PHRASE_FILLERS = frozenset("actually really exactly just even basically still ever truly honestly".split())
# A sentence opening with one of these asks, question mark or not ("was it around 15 years ago").
ASKING_OPENERS = QUESTION_WORDS | REQUEST_WORDS | frozenset(
    "is are was were am do does did can could will would should shall may might has have had please".split())
# The few words a phrasing match leaves out: articles, pronouns, forms of "be". Question words and
# helping verbs stay, since "who can have it" and "where do you go for it" differ only in them.
PHRASE_STOPWORDS = frozenset("""a an the of to and or is are am be was were been i me my you your it its this that
    these those he she his her they them their we our us in on at for with just really please so""".split())
NEGATIONS = frozenset("not no never without none nothing neither nor".split())

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")
_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032\u02bc\uff07`\u00b4"), "'")
_QUOTES.update(dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033\uff02"), '"'))
_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[PX^_][^\x1b]*(?:\x1b\\)?|[!-/]*[0-~])|\x9b[0-?]*[ -/]*[@-~]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_WORD = re.compile(r"[a-z0-9]+(?:['\-][a-z0-9]+)*")
_CAPITALS = re.compile(r"\b[A-Z][A-Z0-9]+\b")  # two or more capitals: an acronym ("PARP", "CT")
_CONTRACTION = re.compile(r"^([a-z]+)'(ll|re|ve|d|m)$")
_CONTRACTED = {"ll": "will", "re": "are", "ve": "have", "d": "would", "m": "am"}
_POSSESSIVE = re.compile(r"'s$")  # "mum's" -> "mum" (but "it's" -> "it", a stop word either way)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# An asking sentence that points back at a thing the telling ones named ("My doctor mentioned
# pembrolizumab. What are the side effects of that drug?").
_REFERS_BACK = re.compile(r"\b(that|this|those|these|the same)( \w+)? (drugs?|medicines?|medications?|tablets?|pills?|ones?|"
                          r"jabs?|vaccines?|brands?|things?|stuff|creams?|supplements?)\b|\b(its|their) (side effects?|dose|dosage|cost|price)\b")
# A short opening clause that only says what the message is NOT ("no chest pain or anything like
# that, ...", "i'm not unwell, just reading up: ...", "not an emergency - ..."): its words are not
# what is being asked (Tokeniser.analyse decides whether the search leaves it out).
_CLAUSE_BREAK = re.compile(r"[,;:.!?]+\s*|\s+-+\s+")
_DISCLAIMER = re.compile(
    r"(no|not(?! (sure|certain|clear|convinced)\b)|nothing|none|im not|i am not|i dont have|i do not have|i havent got|i have not got|i have no|"
    r"ive no|ive got no|its not|it is not|this is not|this isnt|theres no|there is no)\b")
MAX_DISCLAIMER_WORDS = 8
MIN_TOKENS_AFTER_DISCLAIMER = 2
TOPICAL_ZIPF = 4.5  # rarer than this in general English: a topical word (chatbot.decision.COMMON_ZIPF)
MIN_ASKING_TOKENS = 2  # an asking sentence with fewer words to search for takes its subject from the rest


_IZE = re.compile(r"^([a-z]{3,})(iz|yz)(e|es|ed|ing|ation|ations|er|ers)$")


def clean(text: str) -> str:
    """Drop terminal escape sequences and control characters; keep newlines and tabs as spaces."""
    text = _ESCAPES.sub("", text)
    text = text.replace("\t", " ").replace("\r", " ")
    return _CONTROLS.sub("", text)


def fold(text: str) -> str:
    """Unicode-normalise, unify quotes and dashes, lowercase: the text all matching starts from."""
    text = clean(text)
    if text.isascii():  # the common case: normalising changes nothing but the backtick
        return text.replace("`", "'").lower()
    text = unicodedata.normalize("NFKC", text).translate(_DASHES).translate(_QUOTES)
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return text.lower()


def acronyms(text: str) -> set[str]:
    """The words typed in capitals ("PARP", "FOLFOX"), folded: an acronym or a name, never a typo
    to mend. A message typed all in capitals has none."""
    if not any(ch.islower() for ch in text):
        return set()
    return {word.lower() for word in _CAPITALS.findall(text)}


def words(text: str) -> list[str]:
    """Split folded text into words; apostrophes go ("don't" -> "dont"), hyphens split or join.

    A hyphenated word whose parts hold a digit or are one or two letters long is one word
    ("pd-l1" -> "pdl1", "t-cell" -> "tcell"); others split ("fast-growing" -> "fast", "growing").
    """
    out: list[str] = []
    for match in _WORD.finditer(fold(text)):
        contracted = _CONTRACTION.match(match.group())
        if contracted:  # "I'll" is "I will", not "ill"; "she'll" is not "shell"
            out.extend((contracted.group(1), _CONTRACTED[contracted.group(2)]))
            continue
        word = _POSSESSIVE.sub("", match.group()).replace("'", "")
        if "-" not in word:
            out.append(word)
            continue
        parts = [p for p in word.split("-") if p]
        if any(any(c.isdigit() for c in p) and any(c.isalpha() for c in p) for p in parts) or any(
            len(p) <= 2 and p.isalpha() for p in parts
        ):
            out.append("".join(parts))
        else:
            out.extend(parts)
    return out


def split_disclaimers(text: str) -> tuple[str, str]:
    """text's opening "not this" clauses (at most two) and the rest: ("", text) when there are none.

    A clause that asks something itself (a question word) is not one: "no one told me how it works".
    """
    folded = fold(text)
    at = 0
    for _ in range(2):
        brk = _CLAUSE_BREAK.search(folded, at)
        if brk is None:
            break
        clause = words(folded[at : brk.start()])
        if (not clause or len(clause) > MAX_DISCLAIMER_WORDS or not _DISCLAIMER.match(" ".join(clause))
                or QUESTION_WORDS.intersection(clause)):
            break
        at = brk.end()
    return (folded[:at], folded[at:]) if at else ("", text)


def asking_sentences(text: str) -> str:
    """The sentences of a message that ask, when others only tell: "" otherwise.

    "My mum is 78 and doesn't drive. Will she have to stay in?" asks in its last sentence. A
    sentence asks when it ends in a question mark or opens like a question; if none does, the
    last one asks.
    """
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s.strip()]
    if len(sentences) < 2:
        return ""
    asking = [s for s in sentences if s.rstrip().endswith("?") or any(w in ASKING_OPENERS for w in words(s)[:1])]
    asking = asking or sentences[-1:]
    return " ".join(asking) if len(asking) < len(sentences) else ""


def uk_spelling(word: str, spelling: dict[str, str]) -> str:
    """US and variant spellings to the article's British ones (tumor -> tumour, -ize -> -ise)."""
    mapped = spelling.get(word)
    if mapped:
        return mapped
    match = _IZE.match(word)
    if match:
        return match.group(1) + ("is" if match.group(2) == "iz" else "ys") + match.group(3)
    return word


_US_ENDINGS = (("or", "our"), ("ors", "ours"), ("er", "re"), ("ers", "res"), ("og", "ogue"), ("ense", "ence"),
               ("eling", "elling"), ("eled", "elled"), ("aging", "ageing"))


def british_variants(word: str) -> list[str]:
    """The British forms a US spelling may stand for: -or/-our, -er/-re, -og/-ogue, -eled/-elled,
    and the Greek ae/oe ("anemia" -> "anaemia", "edema" -> "oedema")."""
    variants = [word[: -len(us)] + uk for us, uk in _US_ENDINGS if word.endswith(us) and len(word) > len(us) + 2]
    for at, letter in enumerate(word):
        if letter == "e" and at < len(word) - 1:
            variants += [word[:at] + "ae" + word[at + 1 :], word[:at] + "oe" + word[at + 1 :]]
    return variants


# Endings whose stems are worked out when the index is built, for each corpus word and stem.
INFLECTIONS = ("", "s", "es", "ed", "d", "ing", "er", "ers", "ly", "e", "y", "ies", "ied", "ion", "ions",
               "ation", "ations", "ment", "ments", "ness", "ive", "al", "ally", "ity", "able", "ful")
# Words the English Snowball stemmer treats as exceptions (their stem is not their start).
SNOWBALL_SPECIAL_WORDS = ("dying", "lying", "tying", "skies", "skis", "idly", "gently", "ugly", "early",
                          "only", "singly", "news", "howe", "atlas", "cosmos", "bias", "andes")
NEUTRAL_INFLECTIONS = ("s", "es", "ed", "d", "ing", "ly", "er")
MIN_STEM_START = 4  # shorter corpus stems are matched through the memo of their forms only


def _degrees(word: str) -> list[str]:
    """The comparative and superlative of an adjective, or the plain form of one: English spelling
    rules only (high: higher, highest; early: earlier, earliest; easier: easy)."""
    if word.endswith(("ier", "iest")):
        return [word[: -3 if word.endswith("ier") else -4] + "y"]
    if word.endswith("y"):
        return [word[:-1] + "ier", word[:-1] + "iest"]
    return [word + "er", word + "est", word + "r"]


def is_function_word(word: str) -> bool:
    return word in STOPWORDS or word in QUESTION_WORDS or word in NEGATIONS or word.isdigit()


def _stem_starts(vocabulary: Iterable[str]) -> frozenset[str]:
    """What a word must start with for its Snowball stem to be one of these stems."""
    starts = {stem for stem in vocabulary if len(stem) >= MIN_STEM_START}
    starts |= {stem[:-1] for stem in vocabulary if len(stem) > MIN_STEM_START and stem[-1] in "ei"}
    return frozenset(starts)


def import_nltk() -> None:
    """Import nltk for its sentence splitter, without the numpy it would pull in.

    `import nltk` loads most of nltk and, through it, numpy: about 12 MiB and a tenth of a second
    that Punkt does not use. nltk treats numpy as optional, so numpy is
    hidden while nltk loads. Where numpy is loaded already (a large library's index uses it),
    nothing is hidden; if nltk cannot load that way, it is loaded normally.
    """
    if "nltk" in sys.modules or "numpy" in sys.modules:
        return
    sys.modules["numpy"] = None  # type: ignore[assignment]  # makes `import numpy` fail, for now
    try:
        import nltk  # noqa: F401
    except ImportError:
        for name in [n for n in sys.modules if n == "nltk" or n.startswith("nltk.")]:
            del sys.modules[name]
    finally:
        if "numpy" in sys.modules and sys.modules["numpy"] is None:
            del sys.modules["numpy"]


class Stemmer:
    """The English Snowball stemmer (PyStemmer, the Snowball project's own C build) behind a memo.

    Chosen over nltk's Snowball stemmer by measurement: importing nltk costs 0.17 s and 16-30 MiB
    (it loads most of nltk), PyStemmer 1 ms and 1 MiB, and stems the 82,765 words of the English
    dictionary in 0.12 s. Its stems are Snowball's 2023 English (the pure-Python snowballstemmer
    3.1 gives the same stem for every one of those words); nltk's older rules differ on 189 of
    them, mostly by over-stemming ("organization" -> "organ", "emergency" -> "emerg").
    """

    def __init__(self, memo: dict[str, str] | None = None) -> None:
        self.memo: dict[str, str] = dict(memo or {})
        self._stem: Callable[[str], str] | None = None

    def __call__(self, word: str) -> str:
        stem = self.memo.get(word)
        if stem is None:
            if self._stem is None:
                import Stemmer as pystemmer

                self._stem = pystemmer.Stemmer("english").stemWord
            stem = self.memo[word] = self._stem(word)
        return stem


@dataclass(frozen=True)
class Lexicon:
    """Patients' words mapped onto the article's: spellings, lay terms, and neutral words."""

    spelling: dict[str, str] = field(default_factory=dict)
    terms: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    neutral: frozenset[str] = frozenset()
    off_topic: frozenset[str] = frozenset()
    question_kinds: tuple["QuestionKind", ...] = ()  # how long, how much, which drug...: asked, and answered?

    @cached_property
    def longest_term(self) -> int:
        """The most words any lay term has (worked out once: the terms do not change once loaded)."""
        return max((len(key) for key in self.terms), default=1)


@dataclass(frozen=True)
class QuestionKind:
    """A kind of question (how long, what it costs, which drug) and what a passage that answers it
    says. Whether a kind is covered is judged against the passage found, never against a global
    list, so a leaflet that gives durations answers "how long" questions by itself."""

    name: str
    asks: re.Pattern[str]  # over the question's words (lower case, no apostrophes, typos mended)
    answered_by: re.Pattern[str]  # over a passage's text, lower case

    def answered(self, text: str) -> bool:
        return self.answered_by.search(text.lower()) is not None


@dataclass(frozen=True)
class Analysis:
    """What the tokeniser made of a question: the BM25 query and the words it could not place."""

    tokens: tuple[str, ...]
    content: tuple[str, ...]
    unknown: tuple[str, ...]
    corrected: tuple[tuple[str, str], ...] = ()
    expanded: tuple[str, ...] = ()
    negated: bool = False
    off_topic: tuple[str, ...] = ()  # unknown words on subjects the corpus is known not to cover
    background_unknown: tuple[str, ...] = ()  # unknown words only in the sentences that tell, not ask
    asked: tuple[str, ...] = ()  # the tokens of the sentences that ask, when others only tell
    kinds: tuple[QuestionKind, ...] = ()  # the kinds of question it asks (how long, what it costs...)
    text: str = ""  # what asks: the asking sentences of a long message, else the whole (for phrasings)
    weighed: bool = False  # its tokens are already weighed (a follow-up's own words twice, the earlier once)


class Tokeniser:
    """Turns text into BM25 tokens; knows the corpus vocabulary to repair typos and spot unknowns."""

    def __init__(self, lexicon: Lexicon | None = None, stemmer: Stemmer | None = None) -> None:
        self.lexicon = lexicon or Lexicon()
        self.stem = stemmer or Stemmer()
        self.vocabulary: frozenset[str] = frozenset()
        self.compounds: dict[tuple[str, str], str] = {}
        self._known_words: dict[str, str] = {}
        self._known_sorted: list[str] | None = None
        self._lexicon_words = frozenset(w for key in self.lexicon.terms for w in key)
        self._stem_starts: frozenset[str] = frozenset()
        self._target_words: set[str] | None = None
        self.article_vocabulary: frozenset[str] = frozenset()  # stems of the leaflets' own text, not their phrasings
        self.leaflet_vocabularies: tuple[frozenset[str], ...] = ()  # the same, leaflet by leaflet
        self._neutral_stems: frozenset[str] = frozenset()
        self._off_topic_stems: frozenset[str] = frozenset()

    # -- passages -------------------------------------------------------------------------
    def tokens(self, text: str) -> list[str]:
        """Tokens of a passage (or heading): the same pipeline a question goes through."""
        return list(self.analyse(text, question=False).tokens)

    def learn(self, texts: Iterable[str]) -> None:
        """Record the corpus vocabulary: stems, surface words for typo repair, and compounds."""
        vocabulary: set[str] = set()
        known: dict[str, str] = {}
        compounds: dict[tuple[str, str], str] = {}
        for text in texts:
            for raw in _WORD.findall(fold(text)):
                word = raw.replace("'", "")
                if "-" in word:
                    parts = [p for p in word.split("-") if p]
                    if len(parts) == 2:
                        compounds[(parts[0], parts[1])] = "".join(parts)
            for word in words(text):
                word = uk_spelling(word, self.lexicon.spelling)
                if is_function_word(word):
                    continue
                stem = self.stem(word)
                vocabulary.add(stem)
                known[word] = stem
        for joined in compounds.values():
            stem = self.stem(joined)
            vocabulary.add(stem)
            known[joined] = stem
        self.vocabulary = frozenset(vocabulary)
        self.compounds = compounds
        self._known_words = known
        self._prepare_stems()

    def _prepare_stems(self) -> None:
        """Stem, once, every word the lexicon names and the common forms of each corpus stem.

        With these in the stem memo, and the rule that a Snowball stem is the start of its word
        (give or take a final e or i), most questions are tokenised without importing nltk.
        """
        lexicon_words = set(self.lexicon.spelling) | set(self.lexicon.spelling.values()) | self._lexicon_words
        for word in sorted(lexicon_words | self.lexicon.neutral | self.lexicon.off_topic | set(SNOWBALL_SPECIAL_WORDS)):
            if word.isalpha():
                self.stem(word)
        for surface in sorted(self._known_words):
            for suffix in INFLECTIONS:
                self.stem(surface + suffix)
                self.stem(self._known_words[surface] + suffix)
        for word in sorted(self.lexicon.neutral | self.lexicon.off_topic):
            for suffix in NEUTRAL_INFLECTIONS:
                self.stem(word + suffix)
        self._after_learning()

    def _after_learning(self) -> None:
        self._target_words = None
        self._known_sorted: list[str] | None = None
        self._stem_starts = _stem_starts(self.vocabulary)
        self._neutral_stems = frozenset(self.stem.memo[w] for w in self.lexicon.neutral if w in self.stem.memo)
        self._off_topic_stems = frozenset(self.stem.memo[w] for w in self.lexicon.off_topic if w in self.stem.memo)

    def warm_up(self) -> None:
        """Read the general-English dictionary now rather than on the first question that needs it."""
        from .english import english

        english()

    def stem_word(self, word: str) -> str:
        """The word's Snowball stem, or the word itself when its stem cannot be a corpus stem.

        A Snowball stem is the start of its word, give or take a final e or i (special words
        aside, which are in the memo): a word that starts with no corpus stem cannot stem into
        the corpus, so nltk need not be loaded to find out. The same rule runs with and without
        the index cache, so replies are identical either way.
        """
        stem = self.stem.memo.get(word)
        if stem is not None:
            return stem
        starts = self._stem_starts
        if not any(word[:i] in starts for i in range(MIN_STEM_START, len(word) + 1)):
            return word
        return self.stem(word)

    def to_state(self) -> dict:
        """A JSON-safe form of everything learnt, for the index cache."""
        return {
            "spelling": self.lexicon.spelling,
            "terms": [[list(k), list(v)] for k, v in self.lexicon.terms.items()],
            "neutral": sorted(self.lexicon.neutral),
            "off_topic": sorted(self.lexicon.off_topic),
            "question_kinds": [[k.name, k.asks.pattern, k.answered_by.pattern] for k in self.lexicon.question_kinds],
            "vocabulary": sorted(self.vocabulary),
            "article_vocabulary": sorted(self.article_vocabulary),
            "leaflet_vocabularies": [sorted(v) for v in self.leaflet_vocabularies],
            "compounds": [[a, b, joined] for (a, b), joined in self.compounds.items()],
            "known": self._known_words,
            "memo": self.stem.memo,
        }

    @classmethod
    def from_state(cls, state: dict) -> "Tokeniser":
        """Rebuild a learnt tokeniser from to_state() output without re-reading the corpus."""
        lexicon = Lexicon(dict(state["spelling"]), {tuple(k): tuple(v) for k, v in state["terms"]},
                          frozenset(state["neutral"]), frozenset(state["off_topic"]),
                          tuple(QuestionKind(n, re.compile(a), re.compile(b)) for n, a, b in state["question_kinds"]))
        tokeniser = cls(lexicon, Stemmer(state["memo"]))
        tokeniser.vocabulary = frozenset(state["vocabulary"])
        tokeniser.article_vocabulary = frozenset(state["article_vocabulary"])
        tokeniser.leaflet_vocabularies = tuple(frozenset(v) for v in state["leaflet_vocabularies"])
        tokeniser.compounds = {(a, b): joined for a, b, joined in state["compounds"]}
        tokeniser._known_words = dict(state["known"])
        tokeniser._after_learning()
        return tokeniser

    # -- questions -------------------------------------------------------------------------
    def repair(self, word: str) -> str | None:
        """The one leaflet or lexicon word a single typo away from word, if there is exactly one.

        Shorter words take only a missing, extra or swapped letter, no substitution."""
        if len(word) < 5 or not word.isalpha():
            return None
        from .english import edits

        targets = self._targets()
        candidates = {c for c in edits(word) if c in targets}
        if len(word) < 7:
            candidates = {c for c in candidates if len(c) != len(word) or sorted(c) == sorted(word)}
        return candidates.pop() if len(candidates) == 1 else None

    def phrase_tokens(self, text: str, corrected: Iterable[tuple[str, str]] = ()) -> list[str]:
        """Tokens for matching a question against patients' phrasings: nearly every word, stemmed."""
        mended = dict(corrected)
        out = []
        for word in words(text):
            word = uk_spelling(mended.get(word, word), self.lexicon.spelling)
            if word not in PHRASE_STOPWORDS:
                out.append(self.stem_word(word) if word.isalpha() else word)
        return out

    def mend(self, text: str) -> str:
        """The text with its typos and US spellings mended into the words already learnt."""
        corrected = dict(self._analyse(text, True).corrected)
        return " ".join(uk_spelling(corrected.get(w, w), self.lexicon.spelling) for w in words(text))

    @staticmethod
    def _is_english(word: str) -> bool:
        """A real English word is never "repaired" into a leaflet's word ("infection" is not "injection")."""
        from .english import english

        return english().is_word(word)

    def _british(self, word: str) -> str | None:
        """The British spelling a leaflet uses for a US one ("color" -> "colour", "center" -> "centre")."""
        return next((variant for variant in british_variants(word) if variant in self._known_words), None)

    def _mend_english(self, word: str, before: str = "") -> str | None:
        """A typo mended against general English, the corpus's own words first ("hospitle" -> "hospital")."""
        if not word.isalpha():
            return None
        from .english import english  # loaded on the first word the corpus and the lexicon do not know

        return english().correct(word, prefer=self._targets(), before=before)

    def _targets(self) -> set[str]:
        """What a typo is best mended into: the leaflets' words and the lexicon's ("kemo" -> "chemo")."""
        if self._target_words is None:
            self._target_words = (set(self._known_words) | {w for key in self.lexicon.terms for w in key}
                                  | set(self.lexicon.spelling) | self.lexicon.neutral | STOPWORDS)
        return self._target_words

    def related_stem(self, word: str, stem: str) -> str:
        """A corpus stem of the same word family the stemmer did not join (interfere ~ interfering).

        The longest corpus stem of five letters or more that the word starts with, else a corpus
        word that starts with the word's own stem of six letters or more; otherwise the stem itself.
        """
        if len(word) < 6 or not word.isalpha():
            return stem
        for end in range(len(word), 4, -1):
            if word[:end] in self.vocabulary:
                return word[:end]
        if len(stem) >= 6:
            surfaces = self._sorted_known()
            for at in range(bisect_left(surfaces, stem), len(surfaces)):
                surface = surfaces[at]
                if not surface.startswith(stem):
                    break
                if len(surface) - len(stem) <= 4:
                    return self._known_words[surface]
        return stem

    def _degree_stems(self, word: str) -> list[str]:
        """The stems of the leaflets' comparative, superlative or plain forms of an adjective."""
        if not word.isalpha():
            return []
        return [self._known_words[form] for form in _degrees(word) if form in self._known_words]

    def _sorted_known(self) -> list[str]:
        """The corpus's words in alphabetical order (kept until the tokeniser learns again)."""
        if self._known_sorted is None:
            self._known_sorted = sorted(self._known_words)
        return self._known_sorted

    def analyse(self, text: str, question: bool = True) -> "Analysis":
        """Everything retrieval and the answer decision need from one text.

        A question's opening "not this" clauses ("no chest pain, ...", "not an emergency - ...") are
        left out when they name nothing the corpus speaks of, or something it does not, and what
        remains still asks about something (two words to search for or more).
        """
        if question:
            opening, rest = split_disclaimers(text)
            if opening:
                said = self._analyse(opening, question)
                if not said.content or said.unknown:  # it says nothing the corpus speaks of, or strays from it
                    trimmed = self._analyse(rest, question)
                    if len(trimmed.tokens) >= MIN_TOKENS_AFTER_DISCLAIMER:
                        return self._with_background(trimmed, rest)
            return self._with_background(self._analyse(text, question), text)
        return self._analyse(text, question)

    def _with_background(self, analysis: "Analysis", text: str) -> "Analysis":
        """Mark the unknown words that only the telling sentences hold, when the asking ones name
        enough themselves: "she doesn't drive" is background to "will she have to stay in?"."""
        asking = asking_sentences(text)
        if not asking:
            return replace(analysis, text=text)
        asked = self._analyse(asking, True)
        if len(asked.tokens) < MIN_ASKING_TOKENS or _REFERS_BACK.search(fold(asking)):
            # "Is that normal?", "What are the side effects of that drug?": a telling sentence says
            # what it is about, the last one that names a leaflet's subject; with none, all of them
            antecedent = self._antecedent(text, asking)
            if antecedent is None:
                return replace(analysis, text=text)
            asking = f"{antecedent} {asking}"
            asked = self._analyse(asking, True)
        background = Counter(analysis.unknown) - Counter(asked.unknown)  # in the whole, not in what asks
        return replace(analysis, asked=asked.tokens, background_unknown=tuple(background.elements()), text=asking)

    def _antecedent(self, text: str, asking: str) -> str | None:
        """The last sentence before the asking ones that holds a topical word of the leaflets
        ("My consultant mentioned immunotherapy and I nodded." before "What does it do?")."""
        sentences = [s for s in _SENTENCE_END.split(text.strip()) if s.strip()]
        first_asking = next((i for i, s in enumerate(sentences) if s.strip() and s in asking), len(sentences))
        from .english import english

        for sentence in reversed(sentences[:first_asking]):
            said = self._analyse(sentence, True)
            if any(self.stem_word(word) in (self.article_vocabulary or self.vocabulary) and english().zipf(word) < TOPICAL_ZIPF
                   for word in said.content):
                return sentence
        return None

    def _analyse(self, text: str, question: bool) -> "Analysis":
        raw = words(text)
        capitals = acronyms(text)
        spelling = self.lexicon.spelling
        corrected: list[tuple[str, str]] = []
        fixed: list[str] = []
        for at, word in enumerate(raw):
            if not self._word_known(word) and word not in capitals:
                repaired = self._british(word) or (None if self._is_english(word) else (
                    self.repair(word) or self._mend_english(word, raw[at - 1] if at else "")))
                if repaired:
                    corrected.append((word, repaired))
                    word = repaired
            fixed.append(uk_spelling(word, spelling))
        expanded: list[str] = []
        covered: set[int] = set()
        if question:
            expanded.extend(self._terms_past_fillers(fixed, covered))
        longest = self.lexicon.longest_term
        i = 0
        while i < len(fixed):
            for size in range(min(longest, len(fixed) - i), 0, -1):
                if covered.intersection(range(i, i + size)):
                    continue
                key = tuple(fixed[i : i + size])
                target = self.lexicon.terms.get(key)
                if target is not None and not question and (key[0] in QUESTION_WORDS or key[0] in REQUEST_WORDS):
                    target = None  # "how does it work" is a way of asking, not article text to expand
                if target is not None:
                    expanded.extend(target)
                    if not self._leaflets_use(key, target):  # a word a leaflet uses itself stays ("hormone")
                        covered.update(range(i, i + size))
                    i += size - 1
                    break
            i += 1
        tokens: list[str] = []
        content: list[str] = []
        unknown: list[str] = []
        off_topic: list[str] = []
        # Words a lexicon term covers are replaced by the article words it maps them to.
        sequence = [(w, False) for idx, w in enumerate(fixed) if idx not in covered] + [(w, True) for w in expanded]
        for word, from_lexicon in self._join_compounds(sequence):
            if is_function_word(word) or (len(word) == 1 and word.isalpha()):
                continue  # a letter left on its own ("w" for with) names nothing; "t cells" is joined by now
            stem = self.stem_word(word)
            unplaced = stem not in self.vocabulary and not from_lexicon
            # "high" ~ "higher", "early" ~ "earlier": the leaflets' forms of the same adjective
            degrees = self._degree_stems(word) if (unplaced or question) and not from_lexicon else []
            if unplaced:
                stem = degrees[0] if degrees else self.related_stem(word, stem)
            tokens.append(stem)
            if question:  # "early" finds "earlier stages" too
                tokens += [degree for degree in degrees if degree != stem]
            if from_lexicon or word in self.lexicon.neutral or stem in self._neutral_stems:
                continue
            content.append(word)
            if stem not in self.vocabulary:
                unknown.append(word)
                if word in self.lexicon.off_topic or stem in self._off_topic_stems:
                    off_topic.append(word)
        said = " ".join(fixed)
        kinds = tuple(kind for kind in self.lexicon.question_kinds if question and kind.asks.search(said))
        negated = any(w in NEGATIONS for w in fixed)
        return Analysis(tuple(tokens), tuple(content), tuple(unknown), tuple(corrected), tuple(expanded), negated,
                        tuple(off_topic), kinds=kinds)

    def _leaflets_use(self, key: tuple[str, ...], target: tuple[str, ...]) -> bool:
        """Whether a loaded leaflet uses the words of a lexicon entry itself but not the words the
        entry reads them as: then the entry adds its words and takes none away (with a hormone
        therapy leaflet loaded, "hormone" is that leaflet's own word, not only the immunotherapy
        article's "endocrine"; "chemo" stays "chemotherapy", which the chemotherapy leaflet uses too)."""
        own = [self.stem_word(word) for word in key if not is_function_word(word)]
        meant = [self.stem_word(word) for word in target if not is_function_word(word)]
        return bool(own) and any(all(stem in vocabulary for stem in own) and not all(stem in vocabulary for stem in meant)
                                 for vocabulary in self.leaflet_vocabularies)

    def word_stems(self, texts: Iterable[str]) -> frozenset[str]:
        """The stems of the words of some texts (function words left out)."""
        spelling = self.lexicon.spelling
        return frozenset(self.stem(word) for text in texts for word in (uk_spelling(w, spelling) for w in words(text))
                         if not is_function_word(word))

    def _terms_past_fillers(self, fixed: list[str], covered: set[int]) -> list[str]:
        """Lay phrases a question breaks with a filler word ("how does chemo actually work"): matched
        as if the filler were not there; the filler itself stays in the question. Updates covered."""
        kept = [i for i, word in enumerate(fixed) if word not in PHRASE_FILLERS]
        if len(kept) == len(fixed):
            return []  # no filler to step over
        found: list[str] = []
        j = 0
        while j < len(kept):
            for size in range(min(self.lexicon.longest_term, len(kept) - j), 1, -1):
                span = kept[j : j + size]
                gaps = [k for k in range(span[0], span[-1] + 1) if k not in span]
                if not gaps or any(fixed[k] not in PHRASE_FILLERS for k in gaps):
                    continue  # only a phrase that a filler word broke
                target = self.lexicon.terms.get(tuple(fixed[k] for k in span))
                if target is not None:
                    found.extend(target)
                    covered.update(span)
                    j += size - 1
                    break
            j += 1
        return found

    def _join_compounds(self, sequence: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
        """Join neighbours the corpus writes as one word: "pd l1" -> "pdl1", "multi disciplinary"."""
        out: list[tuple[str, bool]] = []
        for word, from_lexicon in sequence:
            if out and out[-1][1] == from_lexicon:
                previous = out[-1][0]
                joined = self.compounds.get((previous, word))
                if joined is None and previous + word in self._known_words and self._in_leaflets(previous + word):
                    joined = previous + word  # "multi disciplinary"; not "look out", which only a phrasing writes "lookout"
                if joined is not None:
                    out[-1] = (joined, from_lexicon)
                    continue
            out.append((word, from_lexicon))
        return out

    def _in_leaflets(self, word: str) -> bool:
        """Whether the leaflets' own text (not their phrasings) uses the word (all of it, before learning)."""
        return not self.article_vocabulary or self._known_words[word] in self.article_vocabulary

    def _word_known(self, word: str) -> bool:
        if word in STOPWORDS or word in QUESTION_WORDS or word in NEGATIONS or word in self.lexicon.neutral:
            return True
        if word in self.lexicon.off_topic:
            return True
        if self.stem.memo.get(word) in self._neutral_stems:
            return True
        if word in self._known_words or word in self.lexicon.spelling:
            return True
        if word in self._lexicon_words:
            return True
        if not word.isalpha():
            return True
        return self.stem_word(uk_spelling(word, self.lexicon.spelling)) in self.vocabulary
