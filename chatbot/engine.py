"""The answering engine: triage, small talk, retrieval, the answer decision and the reply text.

Example::

    from chatbot.engine import Engine
    engine = Engine.load()                     # the project's corpus/ and data/
    reply = engine.answer("how is it different from chemo?")
    print(reply.kind, reply.citations[0].section)
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from .bm25 import Hit, InvertedBM25
from .checks import check_triage
from .corpus import Article, load_corpus
from .definitions import asked_term, defined_terms
from .decision import COMMON_ZIPF, Decision, unknown_bands
from .english import English, english
from .english import use as use_english
from .errors import DataError
from .language import load_languages, may_be_foreign
from .lexicon import load_lexicon
from .ambiguity import close_section, did_you_mean
from .listing import asked_noun, naming_first
from .passages import Passage, chunk, split_sentences
from .reply import Citation, Reply
from .smalltalk import SmallTalk
from .text import ASKING_OPENERS, QUESTION_WORDS, Analysis, Lexicon, Tokeniser, clean, fold, is_function_word, words
from .triage import LEVELS, Triage
from .yamlfile import Located, read_yaml

ROOT = Path(__file__).resolve().parent.parent
_log = logging.getLogger(__name__)  # failures only, never question text; silent unless the app sets up logging
_log.addHandler(logging.NullHandler())
MAX_QUESTION_CHARS = 1000  # longer messages are answered from their start, with a note
FAILED_TEXT = "I'm sorry, something went wrong and I cannot answer that just now. Please ask your care team."
URGENT_SECTION_WORDS = ("side effect",)  # urgent replies may quote a section whose heading says this
SHORT_ANSWER_WORDS = 80  # a longer passage is shown as its best sentences
RERANK_DEPTH = 50  # the best passages by their own BM25 score, re-ranked with their section's score
# Words that ask who wrote a leaflet ("the nurse wrote it down" does not)
AUTHORSHIP = (("author",), ("authors",), ("authored",), ("writer",), ("writers",), ("who", "wrote"),
              ("who", "writes"), ("written", "by"), ("who", "has", "written"))
TITLE_TOKENS = frozenset({"dr", "doctor", "prof", "professor", "mr", "mrs", "ms", "miss", "sir", "dame"})  # "mum's dr said..." names nobody
SECTION_WEIGHT = 0.5  # how much the whole section's BM25 score adds to a passage's own
PHRASING_WEIGHT = 2.0  # how much the section's phrasings' BM25 score adds to it (2: as much as the search, whose topical words count twice)
SAME_SUBJECT_SHARE = 0.8  # a leaflet whose best passage scores this share of the best one's is on the subject
TITLE_WEIGHT = 2.0  # added to the passages of a leaflet whose subject (a word of its title only) the question names
PHRASING_DEPTH = 10  # the best-matching phrasings; their sections join the candidates
HEADING_REPEAT = 1  # how many times a passage's heading counts among its words
COMPANION_SHARE = 0.7  # a same-section runner-up this close to the best passage is shown with it
COMPANION_MAX_WORDS = 130
SMALL_LIBRARY = 5  # up to this many articles, a no-answer lists every section; beyond, article titles
SHORT_PASSAGE_WORDS = 40  # a best passage shorter than this is shown with the one that follows it  # but only while the two stay short enough to read at a glance
MAX_CHATTER_WORDS = 6  # more words beside a greeting or thanks than this are a question, not chat
ASKING_VERBS = frozenset("can could do does did will would should shall may might".split())  # "thanks, can I..." asks
# ...when a subject follows the verb ("can I", "will it", "does the drip"); "ok will do, bye" asks nothing
PERSONS = frozenset("i you we he she they".split())  # "should I", "might we": the one who asks
SUBJECTS = frozenset("i you we he she it they my your his her our their the this that these those there a an".split())
ANSWER_THRESHOLD = 0.5  # the usual threshold of data/decision.yaml, for reports that speak of it
TOPICAL_REPEAT = 2  # a topical word counts this many times in the search, an everyday one once
MIN_SURPRISE, MAX_SURPRISE = 0.3, 3.0  # the weights of the commonest and of never-seen words
SURPRISE_TOP_ZIPF, SURPRISE_SCALE = 7.0, 2.5  # weight = (7 - Zipf) / 2.5, so 5.8 ("school") -> 0.5
EVERYDAY_SURPRISE = (SURPRISE_TOP_ZIPF - COMMON_ZIPF) / SURPRISE_SCALE  # the weight of a word at the everyday Zipf
LEAD_TOLERANCE = 1.0  # a passage this close to the best one of its section, and earlier, is preferred


@dataclass(frozen=True)
class Paths:
    """Where the engine's files are: the corpus folder and the data files."""

    corpus: Path
    lexicon: Path
    triage: Path
    smalltalk: Path
    languages: Path = ROOT / "data" / "languages.yaml"  # read when a message is not in English
    decision: Path = ROOT / "data" / "decision.yaml"  # the answer decision's fitted weights

    @classmethod
    def under(cls, root: Path = ROOT) -> "Paths":
        return cls(root / "corpus", root / "data" / "lexicon.yaml", root / "data" / "triage.yaml",
                   root / "data" / "smalltalk.yaml", root / "data" / "languages.yaml",
                   root / "data" / "decision.yaml")


def _topical(word: str) -> bool:
    """A word that can name a leaflet's subject: not a function word, rarer than everyday English."""
    return not is_function_word(word) and english().zipf(word) < COMMON_ZIPF


def indexed_text(passage: Passage) -> str:
    """What the index reads of a passage: its heading (HEADING_REPEAT times) and its text. Of the
    heading, not the words that name the whole leaflet, its title's topical words ("How chemotherapy
    is given" reads as "How is given"): in every heading of that leaflet, they would draw a question
    about the subject itself ("what is chemo?") to any section but the opening one, which names it
    only in its text; and not the title over the opening section at all."""
    if passage.section == passage.title:
        return passage.text
    subject = {word for word in words(fold(passage.title)) if _topical(word)}
    heading = " ".join(word for word in words(fold(passage.section)) if word not in subject)
    return f"{heading}\n" * HEADING_REPEAT + passage.text


def with_authors(lexicon: Lexicon, articles: Sequence[Article]) -> Lexicon:
    """The lexicon, with the words that ask who wrote a leaflet ("who wrote this?", "the author")
    read as the name of the author that a leaflet's "About <name>" section is about (front matter
    'author: Dr James Wilson, ...'). A leaflet with no such section says nothing of its author."""
    names = []
    for article in articles:
        name = words(fold(article.author.partition(",")[0]))
        for section in article.sections:
            about = words(fold(section.heading))
            if about[:1] == ["about"] and name and set(name) <= set(about[1:]):
                names += [w for w in name if w not in TITLE_TOKENS]
    if not names:
        return lexicon
    return replace(lexicon, terms={**lexicon.terms, **{key: tuple(names) for key in AUTHORSHIP}})


def _surprise(zipf: float) -> float:
    """A word's weight from its frequency in general English: about 3 for a word never seen, 0.5 for "school"."""
    return min(MAX_SURPRISE, max(MIN_SURPRISE, (SURPRISE_TOP_ZIPF - zipf) / SURPRISE_SCALE))


@dataclass(frozen=True)
class Scored:
    """A retrieval result with what the answer decision looks at."""

    hit: Hit
    passage: Passage
    coverage: float  # share of the question's idf weight found in the passage
    phrasing: float = 0.0  # the part of hit.score that the section's patient phrasings gave


class Engine:
    """One engine answers every interface, so the chat, kiosk, batch and FAQ check agree."""

    languages_path: Path = Paths.under().languages  # data/languages.yaml, read on the first message not in English

    def __init__(self, articles: Sequence[Article], passages: Sequence[Passage], tokeniser: Tokeniser,
                 index: InvertedBM25, section_index: InvertedBM25, section_of: Sequence[int],
                 triage: Triage, smalltalk: SmallTalk, decision: Decision | None = None,
                 phrasing_index: InvertedBM25 | None = None, phrasing_section: Sequence[int] = ()) -> None:
        self.articles = tuple(articles)
        self.passages = tuple(passages)
        self.tokeniser = tokeniser
        self.index = index
        self.section_index = section_index
        self.section_of = list(section_of)
        self.triage = triage
        self.smalltalk = smalltalk
        self.decision = decision or Decision.from_file(Paths.under().decision)
        self.phrasing_index = phrasing_index  # one document a phrasing...
        self.phrasing_section = list(phrasing_section)  # ...and the section it asks about
        self._section_phrasings: dict[int, list[int]] = {}
        for i, number in enumerate(self.phrasing_section):
            self._section_phrasings.setdefault(number, []).append(i)
        self._title_words: dict[str, set[str]] | None = None  # built on first use
        self._subjects: dict[str, set[str]] | None = None  # each leaflet's subject stems, on first use
        # the passages that define terms, with the terms' tokens and their names' word stems (on first use)
        self._defined: list[tuple[int, list[frozenset[str]]]] | None = None
        self._names: list[tuple[int, list[frozenset[str]]]] | None = None
        self._section_passages: dict[int, list[int]] = {}
        for i, number in enumerate(self.section_of):
            self._section_passages.setdefault(number, []).append(i)
        self._sections: dict[tuple[str, str], list[Passage]] | None = None  # built on first use
        self._topics: list[tuple[str, tuple[str, ...]]] | None = None  # built on first use
        # Sections that are about a person: the heading's own words, which a question must use.
        headings = {self.section_of[i]: p.section for i, p in enumerate(self.passages)}
        self._about_names = {number: frozenset(tokeniser.tokens(heading[len("about "):])) - TITLE_TOKENS
                             for number, heading in headings.items() if heading.lower().startswith("about ")}

    @classmethod
    def load(cls, paths: Paths | None = None, cache: str = "use") -> "Engine":
        """Read the corpus and data files and build the index; DataError names any broken file.

        cache: "use" reads the index cache and writes it when missing or stale (--ask, --batch,
        --check-faq); "build" does too but raises cache.WriteError when it cannot write
        (--build-index); "read" only reads it (the chat and the kiosk write nothing); "off"
        neither reads nor writes.
        """
        if cache not in ("use", "build", "read", "off"):
            raise ValueError(f"cache must be 'use', 'build', 'read' or 'off', not {cache!r}")
        paths = paths or Paths.under()
        corpus_files = sorted([*paths.corpus.glob("*.md"), *paths.corpus.glob("*.phrasings.yaml")]) if paths.corpus.is_dir() else []
        key = ""
        if cache != "off":
            from . import cache as index_cache

            key = index_cache.cache_key([paths.lexicon, paths.triage, paths.smalltalk, paths.languages], corpus_files)
            state = index_cache.read(key)
            if state is not None:
                try:
                    engine = cls.from_state(state, paths)
                    engine.languages_path = paths.languages
                    return engine
                except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError):
                    pass  # a cache that does not fit is rebuilt, never trusted
        lexicon = load_lexicon(paths.lexicon)
        triage_doc = read_yaml(paths.triage)
        smalltalk_doc = read_yaml(paths.smalltalk)
        triage = Triage.from_document(triage_doc, paths.triage)
        check_triage(triage, triage_doc, paths.triage)  # every pattern compiled as it will be used
        smalltalk = SmallTalk.from_document(smalltalk_doc, paths.smalltalk)
        articles = load_corpus(paths.corpus)
        load_languages(paths.languages)  # checked now: a mistake stops start-up with its line
        engine = cls.build(articles, lexicon, triage, smalltalk, Decision.from_file(paths.decision))
        engine.languages_path = paths.languages
        if cache in ("use", "build"):
            from . import cache as index_cache

            try:
                index_cache.write(key, engine.to_state())
            except index_cache.WriteError:
                if cache == "build":
                    raise  # answering does not need the cache, but --build-index must say so
        return engine

    def to_state(self) -> dict:
        """Everything built from the files, JSON-safe, for the index cache."""
        return {
            "passage_ids": [passage.id for passage in self.passages],  # the text is read from the corpus
            "tokeniser": self.tokeniser.to_state(),
            "index": self.index.to_dict(),
            "section_index": self.section_index.to_dict(),
            "section_of": self.section_of,
            "phrasing_index": self.phrasing_index.to_dict() if self.phrasing_index else None,
            "phrasing_section": self.phrasing_section,
            "triage_required": self.triage.required_texts(),  # derived, to skip re-parsing patterns
            "english": english().to_state(),  # symspellpy's dictionary as sorted keys: read in a millisecond
        }

    @classmethod
    def from_state(cls, state: dict, paths: Paths) -> "Engine":
        """Rebuild an engine from to_state() output (the cache) without building the index again.

        No text a patient sees is taken from the cache: passages are cut from the corpus files
        (quick; the index is what takes time), and triage and small talk are read from their data
        files. A cache whose passages do not match the corpus's raises ValueError (rebuilt)."""
        articles = load_corpus(paths.corpus)
        passages = [p for article in articles for p in chunk(article)]
        if [p.id for p in passages] != state["passage_ids"]:
            raise ValueError("the cached index is not of these passages")
        use_english(English.from_state(state["english"]))
        index = InvertedBM25.from_dict(state["index"])
        # Checked pattern by pattern when this cache was built: its key is a digest of these very files.
        triage = Triage.from_document(Located(read_yaml(paths.triage).data, None), paths.triage)
        triage.use_required_texts(state["triage_required"])
        smalltalk = SmallTalk.from_document(Located(read_yaml(paths.smalltalk).data, None), paths.smalltalk)
        engine = cls(articles, passages, Tokeniser.from_state(state["tokeniser"]), index,
                     InvertedBM25.from_dict(state["section_index"]), state["section_of"], triage, smalltalk,
                     Decision.from_file(paths.decision), phrasing_index=InvertedBM25.from_dict(state["phrasing_index"]) if state["phrasing_index"] else None,
                     phrasing_section=state["phrasing_section"])
        return engine

    @classmethod
    def build(cls, articles: Sequence[Article], lexicon, triage: Triage, smalltalk: SmallTalk,
              decision: Decision | None = None) -> "Engine":
        """Chunk, tokenise and index articles (pure: no file access)."""
        passages = [p for article in articles for p in chunk(article)]
        tokeniser = Tokeniser(with_authors(lexicon, articles))
        texts = [f"{p.section}\n{p.text}" for p in passages]
        tokeniser.learn(texts)
        article_vocabulary = tokeniser.vocabulary
        tokeniser.leaflet_vocabularies = tuple(tokeniser.word_stems(t for p, t in zip(passages, texts) if p.source == a.source)
                                               for a in articles)
        # A phrasing's typos and US spellings are mended into the leaflet's words before its own
        # words are learnt ("tumor" is the article's "tumour", not a word of its own).
        phrasings = {(a.source, s.heading): tuple(tokeniser.mend(q) for q in s.phrasings) for a in articles for s in a.sections}
        tokeniser.learn(texts + [q for qs in phrasings.values() for q in qs])
        tokeniser.article_vocabulary = article_vocabulary
        passage_tokens = [tokeniser.tokens(indexed_text(p)) for p in passages]
        if not any(passage_tokens):
            raise DataError(articles[0].source if len(articles) == 1 else "corpus", None,
                            "the articles have no words to search (only very common words)")
        index = InvertedBM25.from_tokens(passage_tokens)
        section_keys: dict[tuple[str, str], int] = {}
        section_of = [section_keys.setdefault((p.source, p.section), len(section_keys)) for p in passages]
        section_tokens: list[list[str]] = [[] for _ in section_keys]
        titles = {a.source: a.title for a in articles}
        for (source, heading), number in section_keys.items():
            section_tokens[number].extend(tokeniser.tokens(heading) if heading != titles[source] else [])
        for passage_number, number in enumerate(section_of):
            section_tokens[number].extend(tokeniser.tokens(passages[passage_number].text))
        section_index = InvertedBM25.from_tokens(section_tokens)
        asked = [(number, tokeniser.phrase_tokens(q)) for key, number in section_keys.items() for q in phrasings.get(key, ())]
        asked = [(number, tokens) for number, tokens in asked if tokens]
        phrasing_index = InvertedBM25.from_tokens([tokens for _, tokens in asked]) if asked else None
        return cls(articles, passages, tokeniser, index, section_index, section_of, triage, smalltalk, decision,
                   phrasing_index, [number for number, _ in asked])

    def warm_up(self) -> "Engine":
        """Prepare now what questions would otherwise prepare on first use: every triage pattern
        compiled, the typo index, a large index's score tables. For long-running processes (chat,
        kiosk, --batch, --check-faq); a one-off --ask skips it and prepares only what it needs."""
        self.triage.warm_up()
        self.tokeniser.warm_up()
        self.index.warm_up()
        self.section_index.warm_up()
        return self

    # -- the flow of one question -------------------------------------------------------------
    def answer(self, question: str, context=None) -> Reply:
        """The reply to one message: urgent first, then small talk, then a grounded answer or an honest no.

        Nothing can hide triage: the whole message is screened first; if a later stage fails, an
        urgent message still gets its urgent reply and any other a no-answer with the emergency
        numbers; if triage itself fails, whatever reply comes back shows the emergency numbers.
        context: for a follow-up, a chatbot.followup.Context (the earlier subject and the section
        last answered from); triage and small talk read the message alone.
        """
        text = clean(question)
        notes: tuple[str, ...] = ()
        try:
            urgent, screened = self.triage.check(text), True
        except Exception as exc:  # noqa: BLE001 - a broken rule must not silence the reply
            _log.error("triage failed: %s", type(exc).__name__)
            urgent, screened = None, False
        if len(text) > MAX_QUESTION_CHARS:
            cut = text.rfind(" ", MAX_QUESTION_CHARS - 60, MAX_QUESTION_CHARS + 1)
            text = text[: cut if cut > 0 else MAX_QUESTION_CHARS]
            notes = (f"Your message was long, so I read only its first {MAX_QUESTION_CHARS} characters.",)
        try:
            reply = self._reply(question, text, urgent, context)
        except Exception as exc:  # noqa: BLE001 - a failing stage still gives a safe reply
            _log.error("answering failed: %s", type(exc).__name__)
            reply = self._safe_reply(question, urgent)
        if not screened:
            notes += (self.triage.safety_message,)
        if notes:
            reply = replace(reply, answer=self._with_notes(reply.answer, notes), notes=notes)
        return reply

    def _safe_reply(self, question: str, urgent) -> Reply:
        """When a stage after triage fails: the urgent help, or an honest no with the emergency numbers."""
        if urgent is not None:
            return Reply(question, "urgent", urgent.message, confidence=1.0, level=urgent.level)
        return Reply(question, "no_answer", f"{FAILED_TEXT}\n\n{self.triage.safety_message}")

    def _reply(self, question: str, text: str, urgent, context=None) -> Reply:
        other = self._other_language(question, text, urgent)
        if other is not None:
            return other
        if urgent is not None:
            return self._urgent(question, urgent, self.tokeniser.analyse(text))
        if not text.strip():
            return Reply(question, "smalltalk", "Please type a question about cancer immunotherapy. "
                         "For example: " + self.example_questions()[0])
        analysis = self.tokeniser.analyse(text)
        intent = self.smalltalk.match(text, self._is_chatter) or self._small_talk_spelled_out(text)
        if intent is not None:
            reply = intent.reply.format(title=self._titles(), examples=self._examples_text())
            return Reply(question, "smalltalk", reply)
        together = 0  # a follow-up says how many of its passages to show; a question lets the body decide
        if context is not None:
            reading = self._follow_up(analysis, context)
            ranked, confidence, together = reading.ranked, reading.confidence, reading.together
        else:
            ranked = self.retrieve(analysis)
            confidence = self.confidence(analysis, ranked)
        if not ranked or confidence < self.decision.threshold:
            return Reply(question, "no_answer", self._no_answer_text(ranked), confidence=confidence)
        if not together:
            ranked = naming_first(self, ranked, text)
        best = ranked[0]
        answer = f"{self._answer_body(ranked, analysis, together)}\n\n{self.source_line(best.passage)}"
        other = close_section(ranked)
        if other:
            answer = f"{did_you_mean(best.passage.section, other)}\n\n{answer}"
        return Reply(question, "answer", answer, self._citations(ranked), confidence, best.passage.title,
                     alternative=other)

    def _follow_up(self, own: Analysis, context):
        """A follow-up, read with the earlier subject (chatbot.followup chooses the passage)."""
        from .followup import read

        return read(self, own, context)

    def _other_language(self, question: str, text: str, urgent) -> Reply | None:
        """A message in another language: English only, with the emergency numbers, in both languages;
        urgent when its words or the English rules find an emergency (the more serious level wins)."""
        known = self.triage.speller.known_words
        if not may_be_foreign(text, known):
            return None
        found = load_languages(self.languages_path).read(text, known=known)
        if found is None:
            return None
        levels = [level for level in (found.level, urgent.level if urgent else None) if level]
        if levels:
            return Reply(question, "urgent", found.text, confidence=1.0, level=min(levels, key=LEVELS.index))
        return Reply(question, "no_answer", found.text)

    def _small_talk_spelled_out(self, text: str):
        """Small talk in text-speak ("wot can u do"), read with the lexicon's spellings spelled out."""
        spelling = self.tokeniser.lexicon.spelling
        said = words(text)
        if not any(word in spelling for word in said):
            return None
        return self.smalltalk.match(" ".join(spelling.get(word, word) for word in said), self._is_chatter)

    def _is_chatter(self, left: list[str]) -> bool:
        """Words beside a greeting or thanks that ask nothing: a few, none a topical word the
        articles speak of (an everyday word they happen to use, "helped", "new", does not count),
        none on a subject they leave out, no question ("thanks a million", "hi everyone, new here",
        "thanks, I'll show this to my dad"); not "hello, is it safe for my heart"."""
        if left[0] in ASKING_OPENERS or any(word in QUESTION_WORDS or (word in ASKING_VERBS and following in SUBJECTS)
                                            for word, following in zip(left, left[1:] + [""])):
            return False
        said = self.tokeniser.analyse(" ".join(left))
        topical = [word for word in said.content if self.tokeniser.stem_word(word) in self.tokeniser.article_vocabulary
                   and english().zipf(word) < COMMON_ZIPF]
        return len(said.content) <= MAX_CHATTER_WORDS and not said.expanded and not said.off_topic and not topical

    def retrieve(self, analysis: Analysis, n: int = 5) -> list[Scored]:
        """The best passages for a question, best first, with their coverage of the question."""
        tokens = analysis.tokens + analysis.asked  # the asking sentence counts twice: background tells less
        tokens = self._topical_repeats(analysis, tokens)
        hits = self.index.top(tokens, RERANK_DEPTH)
        phrased = self._phrasing_scores(self.tokeniser.phrase_tokens(analysis.text, analysis.corrected)) if analysis.text else {}
        named = self._named_leaflets(tokens)
        phrased = self._same_subject(phrased, hits, named)
        subject = [source for source, count in named.items() if count == max(named.values())]
        if len(subject) == 1:  # it names one leaflet's subject ("how does chemotherapy work"): that leaflet answers
            hits = [hit for hit in hits if self.passages[hit.index].source == subject[0]]
        if phrased:  # a section its patients' phrasings match is a candidate even when its text shares no word
            seen = {hit.index for hit in hits}
            extra = [i for number in phrased for i in self._section_passages.get(number, ()) if i not in seen]
            hits += [Hit(i, score) for i, score in zip(extra, self.index.scores_at(tokens, extra))]
        defining = self._defining(analysis)
        if defining:  # "what is a port?": the passage that says what a port is, whatever its score
            seen = {hit.index for hit in hits}
            extra = [i for i in sorted(defining) if i not in seen]
            hits += [Hit(i, score) for i, score in zip(extra, self.index.scores_at(tokens, extra))]
        hits = [hit for hit in hits if self._may_cite(self.section_of[hit.index], tokens)]
        sections = list(dict.fromkeys(self.section_of[hit.index] for hit in hits))
        section_scores = dict(zip(sections, self.section_index.scores_at(tokens, sections)))
        combined = {hit.index: hit.score + SECTION_WEIGHT * section_scores[self.section_of[hit.index]]
                    + PHRASING_WEIGHT * phrased.get(self.section_of[hit.index], 0.0)
                    + TITLE_WEIGHT * named.get(self.passages[hit.index].source, 0) for hit in hits}
        ranked = sorted(combined.items(), key=lambda item: (item[0] not in defining, -item[1], item[0]))[:n]
        if ranked and not defining:
            # A question about a section as a whole scores its passages almost alike: the section's
            # earlier passage, which introduces it, answers it better than a later detail.
            best, best_score = ranked[0]
            lead = min((i for i, score in ranked if self.section_of[i] == self.section_of[best]
                        and score >= LEAD_TOLERANCE * best_score), key=lambda i: self.passages[i].position)
            if lead != best:
                ranked.sort(key=lambda item: item[0] != lead)
        hits = [Hit(i, score) for i, score in ranked]
        weights = self.query_weights(analysis)
        total = sum(weights.values()) or 1.0
        scored = []
        for hit in hits:
            number = self.section_of[hit.index]
            coverage = sum(w for t, w in weights.items() if self.index.holds(t, hit.index)
                           or (number in phrased and self._phrased(t, number))) / total
            scored.append(Scored(hit, self.passages[hit.index], coverage, PHRASING_WEIGHT * phrased.get(number, 0.0)))
        return scored

    def _defining(self, analysis: Analysis) -> set[int]:
        """For a question asking what a term is, the passages that define it (chatbot/definitions.py).
        A term may carry its leaflet's subject besides ("what is a chemo port?" and "A port is ...")."""
        term = asked_term(analysis.text) if analysis.text else None
        if term is None:
            return self._naming_two(analysis)
        asked = set(self.tokeniser.tokens(term))
        if not asked:
            return set()
        if self._defined is None:
            self._defined = [(i, terms) for i, p in enumerate(self.passages)
                             if (terms := [frozenset(self.tokeniser.tokens(t)) for t in defined_terms(p.text)])]
        subjects = self._subject_stems()
        return {i for i, terms in self._defined
                if any(d and d <= asked and asked - d <= subjects[self.passages[i].source] for d in terms)}

    def _naming_two(self, analysis: Analysis) -> set[int]:
        """A question that names two of the names a passage gives ("is chemo just short for
        chemotherapy?", "is radiotherapy the same as radiation therapy?") asks about those names:
        the passages that give both answer it."""
        if not analysis.text:
            return set()
        if self._names is None:  # only a passage that gives two names or more can answer
            self._names = [(i, names) for i, p in enumerate(self.passages)
                           if len(names := [frozenset(map(self.tokeniser.stem_word, words(t))) for t in defined_terms(p.text)]) >= 2]
        said = {self.tokeniser.stem_word(word) for word in words(fold(analysis.text))}
        found = set()
        for i, names in self._names:
            named = {n for n in names if n and n <= said}  # "hormone therapy" and "hormonal therapy" are one name
            if len([n for n in named if not any(n < other for other in named)]) >= 2:
                found.add(i)
        return found

    def _subject_stems(self) -> dict[str, set[str]]:
        """Each leaflet's subject: the stems of its title's topical words and of the names its
        opening defines ("Radiation therapy (also called radiotherapy) is ...": "radiotherapi")."""
        if self._subjects is None:
            self._subjects = {a.source: self._topical_stems(a.title) for a in self.articles}
            for passage in self.passages:
                if passage.section == passage.title:
                    for term in defined_terms(passage.text):
                        self._subjects[passage.source] |= self._topical_stems(term)
        return self._subjects

    def _topical_stems(self, text: str) -> set[str]:
        """The tokens a question's topical words of text become (read as a question reads them:
        "hormone" is what the lexicon makes of it)."""
        return {token for word in words(fold(text)) if _topical(word) for token in self.tokeniser.tokens(word)}

    def _topical_repeats(self, analysis: Analysis, tokens: Sequence[str]) -> tuple[str, ...]:
        """The search words with each topical one twice: an everyday word of English ("actually",
        "go", "normally") counts half as much as a topical one ("infusion", "thyroid") however rare
        the leaflets make it, so "how will my wife actually receive it?" is not drawn to the heading
        "What immunotherapy is actually doing". Words the lexicon adds count as topical. A
        follow-up read with an earlier subject is weighed already (chatbot/followup.py)."""
        if analysis.weighed:
            return tuple(tokens)
        everyday = {self.tokeniser.stem_word(word) for word in analysis.content if english().zipf(word) >= COMMON_ZIPF}
        return tuple(token for token in tokens for _ in range(1 if token in everyday else TOPICAL_REPEAT))

    def _phrasing_scores(self, tokens: Sequence[str]) -> dict[int, float]:
        """Each section's BM25 score against its phrasings, for the sections that score above zero."""
        if self.phrasing_index is None:
            return {}
        best: dict[int, float] = {}
        for hit in self.phrasing_index.top(tokens, PHRASING_DEPTH):
            number = self.phrasing_section[hit.index]
            if hit.score > 0 and hit.score > best.get(number, 0.0):
                best[number] = hit.score
        return best

    def _named_leaflets(self, tokens: Sequence[str]) -> dict[str, int]:
        """The leaflets whose own subject words the question names: words of one leaflet's subject
        that the other leaflets' subjects do not share ("immunotherapy", "chemotherapy", "chemo";
        not "cancer", nor an everyday word such as "work" in "How Does It Work")."""
        if len(self.articles) < 2:
            return {}
        if self._title_words is None:
            subjects = self._subject_stems()
            counts = Counter(word for words in subjects.values() for word in words)
            self._title_words = {source: {w for w in words if counts[w] == 1} for source, words in subjects.items()}
        asked = set(tokens)
        return {source: len(words & asked) for source, words in self._title_words.items() if words & asked}

    def _same_subject(self, phrased: dict[int, float], hits: Sequence[Hit], named: dict[str, int]) -> dict[int, float]:
        """Phrasings speak for their own leaflet only: they count for a leaflet whose text matches the
        question about as well as the best one does, or whose subject the question names ("how is
        chemotherapy given" is not answered by the immunotherapy leaflet's "how is it given")."""
        if len(self.articles) < 2 or not phrased:
            return phrased
        best: dict[str, float] = {}
        for hit in hits:
            source = self.passages[hit.index].source
            best[source] = max(best.get(source, 0.0), hit.score)
        top = max(best.values(), default=0.0)
        allowed = {source for source, score in best.items() if score >= SAME_SUBJECT_SHARE * top}
        if named:
            allowed = {source for source in named if named[source] == max(named.values())}
        return {number: score for number, score in phrased.items()
                if self.passages[self._section_passages[number][0]].source in allowed}

    def _phrased(self, token: str, section: int) -> bool:
        """Whether any phrasing of the section holds the token."""
        return any(self.phrasing_index.holds(token, i) for i in self._section_phrasings.get(section, ()))

    def _may_cite(self, section: int, tokens: Sequence[str]) -> bool:
        """An "About <someone>" section answers only questions that name or ask about that someone.

        Without this a biography answers whatever shares its words ("works full-time", "London").
        """
        names = self._about_names.get(section)
        return names is None or bool(names & set(tokens))

    def query_weights(self, analysis: Analysis) -> dict[str, float]:
        """How much each word of what is asked weighs in the coverage of a passage: a leaflet word its
        idf; a word no leaflet uses, its surprise in general English (rare words weigh most)."""
        surprise = {self.tokeniser.stem_word(word): _surprise(english().zipf(word)) for word in analysis.content}
        modifiers = self._modifiers(analysis)
        weights: dict[str, float] = {}
        for token in analysis.asked or analysis.tokens:
            if token in self.index.idf:  # an everyday word the leaflet happens to use weighs less ("known")
                weights[token] = max(self.index.idf[token], 0.0) * min(surprise.get(token, 1.0), 1.0)
                if token in modifiers and surprise.get(token, 1.0) <= EVERYDAY_SURPRISE:
                    weights[token] = 0.0  # "what are the known side effects?": the effects are asked for
            else:
                weights[token] = surprise.get(token, 1.0)
        return weights

    def _modifiers(self, analysis: Analysis) -> set[str]:
        """For a question that asks for things to be named ("what are the known side effects?"),
        the tokens of the words before their noun ("known") and of an asking frame after it ("what
        side effects should I watch out for?": a modal and a person, then a verb); else none."""
        if not analysis.text:
            return set()
        noun = asked_noun(analysis.text, lambda word: bool(self.tokeniser.tokens(word)))
        said = words(fold(analysis.text))
        if noun is None or noun not in said:
            return set()
        at = said.index(noun)
        pair = set(said[at + 1:at + 3])  # "... should I watch out for?", "... I should look out for?"
        frame = said[at + 3:] if len(pair) == 2 and pair & ASKING_VERBS and pair & PERSONS else []
        return set(self.tokeniser.tokens(" ".join(said[:at] + frame)))

    def confidence(self, analysis: Analysis, ranked: Sequence[Scored]) -> float:
        """Calibrated belief (0-1) that the top passage answers the question (see chatbot/decision.py)."""
        if not ranked:
            return 0.0
        return self.decision.probability(self.features(analysis, ranked))

    def features(self, analysis: Analysis, ranked: Sequence[Scored]) -> dict[str, float]:
        """What the answer decision weighs: words no loaded leaflet uses, in bands of general-English
        frequency (words only in the sentences that tell, not ask, left out), subjects and kinds of
        question the library is known not to cover, and how well the best passage matches."""
        top = ranked[0] if ranked else None
        background = Counter(analysis.background_unknown)
        asked = list((Counter(analysis.unknown) - background).elements())
        off_topic = list((Counter(analysis.off_topic) - background).elements())
        topical = [word for word in asked if word not in set(off_topic)]
        features = unknown_bands(topical, english())
        known = max(len(analysis.content) - len(analysis.unknown), 0)
        unanswered = [kind for kind in analysis.kinds if top is None or not kind.answered(top.passage.text)]
        text_score = max(top.hit.score - top.phrasing, 0.0) if top else 0.0
        phrased = top is not None and bool(self._section_phrasings.get(self.section_of[top.hit.index]))
        features.update(off_topic=float(len(off_topic)), unanswered_kind=float(len(unanswered)),
                        coverage=top.coverage if top else 0.0, log_score=math.log1p(text_score),
                        log_phrasing=math.log1p(top.phrasing) if top else 0.0, phrased_section=float(phrased),
                        known=float(known))
        return features

    # -- reply texts -----------------------------------------------------------------------------
    def _urgent(self, question: str, urgent, analysis: Analysis) -> Reply:
        text = urgent.message
        citations: tuple[Citation, ...] = ()
        title = ""
        if urgent.level != "crisis":
            related = [s for s in self.retrieve(analysis, RERANK_DEPTH) if self._is_urgent_section(s.passage.section)]
            if not related:
                first = next((i for i, p in enumerate(self.passages) if self._is_urgent_section(p.section)), None)
                related = [Scored(Hit(first, 0.0), self.passages[first], 0.0)] if first is not None else []
            if related:
                best = related[0]
                text += (f"\n\nWhat the article says about side effects:\n{self._passage_text(best.passage, analysis)}"
                         f"\n\n{self.source_line(best.passage)}")
                citations = self._citations(related[:1])
                title = best.passage.title
        return Reply(question, "urgent", text, citations, 1.0, title, urgent.level)

    @staticmethod
    def _is_urgent_section(heading: str) -> bool:
        return any(word in heading.lower() for word in URGENT_SECTION_WORDS)

    def _answer_body(self, ranked: Sequence[Scored], analysis: Analysis, together: int = 0) -> str:
        """The best passage; with a close runner-up from the same section (or, for a short passage,
        the one that follows it), both, in reading order. together: a follow-up shows just the
        passages it chose (the first n), and 'more' goes on from there."""
        best = ranked[0]
        shown = [best.passage]
        if together:
            chosen = sorted((s.passage for s in ranked[:together]), key=lambda p: p.position)
            return "\n".join(self._passage_text(p, analysis) for p in chosen)
        for other in ranked[1:]:
            if (other.passage.section == best.passage.section and other.passage.source == best.passage.source
                    and other.hit.score >= COMPANION_SHARE * best.hit.score
                    and len(best.passage.text.split()) + len(other.passage.text.split()) <= COMPANION_MAX_WORDS):
                shown.append(other.passage)
                break
        if len(shown) == 1 and len(best.passage.text.split()) < SHORT_PASSAGE_WORDS:
            following = [p for p in self.section_passages(best.passage) if p.position == best.passage.position + 1]
            if following and len(best.passage.text.split()) + len(following[0].text.split()) <= COMPANION_MAX_WORDS:
                shown.append(following[0])  # a short passage reads better with the one it leads into
        shown.sort(key=lambda p: p.position)
        return "\n".join(self._passage_text(p, analysis) for p in shown)

    def _passage_text(self, passage: Passage, analysis: Analysis) -> str:
        """The passage, or its best sentences in their order when it is long."""
        if len(passage.text.split()) <= SHORT_ANSWER_WORDS:
            return passage.text
        sentences = split_sentences(passage.text)
        query = set(analysis.tokens)
        scores = [len(query & set(self.tokeniser.tokens(s))) for s in sentences]
        defining = self._defining_sentence(sentences, analysis)
        if defining is not None:  # a definition is read from where it starts
            keep = sorted({defining, min(defining + 1, len(sentences) - 1), min(defining + 2, len(sentences) - 1)})
            return " ".join(sentences[i] for i in keep)
        best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
        keep = sorted({max(best - 1, 0), best, min(best + 1, len(sentences) - 1)})
        return " ".join(sentences[i] for i in keep)

    def _defining_sentence(self, sentences: Sequence[str], analysis: Analysis) -> int | None:
        """For "what is a port?", the first sentence that says what a port is ("Port: A port is ...")."""
        term = asked_term(analysis.text) if analysis.text else None
        asked = set(self.tokeniser.tokens(term)) if term else set()
        if not asked:
            return None
        for i, sentence in enumerate(sentences):
            for name in defined_terms(sentence) | defined_terms(f"- {sentence}"):  # as a list item too: "Port: A port is ..."
                tokens = set(self.tokeniser.tokens(name))
                if tokens and tokens <= asked:
                    return i
        return None

    def source_line(self, passage: Passage) -> str:
        return f"Source: {passage.section} \u2014 {passage.title}"

    def _citations(self, ranked: Sequence[Scored]) -> tuple[Citation, ...]:
        return tuple(Citation(s.passage.section, s.passage.source, s.passage.id, s.hit.score, s.passage.title)
                     for s in ranked)

    @staticmethod
    def _with_notes(text: str, notes: tuple[str, ...]) -> str:
        return "\n\n".join(notes + (text,)) if notes else text

    def _titles(self) -> str:
        return "; ".join(f"\u201c{a.title}\u201d" for a in self.articles)

    def topics(self) -> list[tuple[str, list[str]]]:
        """Each article's title and its section headings, for 'topics' and no-answer replies."""
        return [(title, list(headings)) for title, headings in self._topic_table()]

    def _topic_table(self) -> list[tuple[str, tuple[str, ...]]]:
        if self._topics is None:
            self._topics = [(a.title, tuple(s.heading for s in a.sections if s.heading != a.title)) for a in self.articles]
        return self._topics

    def example_questions(self) -> list[str]:
        return ["How is immunotherapy different from chemotherapy?", "What side effects can it cause?",
                "How is the treatment given?"]

    def _examples_text(self) -> str:
        return "\n".join(f"- {q}" for q in self.example_questions())

    def _no_answer_text(self, ranked: Sequence[Scored] = ()) -> str:
        """Say so honestly, point to the care team, and list what the library does cover."""
        one = len(self.articles) == 1
        lines = [f"I'm sorry, {'the article' if one else 'the leaflets'} I answer from "
                 f"{'does' if one else 'do'} not cover that, so I cannot answer it reliably.",
                 "Please ask your care team, who know your situation.", "", "Topics I can help with:"]
        topics = self._topic_table()
        if len(topics) <= SMALL_LIBRARY:
            for title, headings in topics:
                if not one:
                    lines.append(f"{title}:")
                lines.extend(f"- {h}" for h in headings)
            return "\n".join(lines)
        # A large library: the leaflets nearest the question first, then the rest by name.
        nearest = list(dict.fromkeys(s.passage.title for s in ranked))
        near = set(nearest)
        titles = nearest + [t for t, _ in topics if t not in near]
        lines.extend(f"- {t}" for t in titles[:SMALL_LIBRARY])
        lines.append(f"... and {len(titles) - SMALL_LIBRARY} more: type 'topics' in the chat to see them all.")
        return "\n".join(lines)

    def section_passages(self, passage: Passage) -> list[Passage]:
        """All passages of the section a passage belongs to, in order."""
        if self._sections is None:
            self._sections = {}
            for p in self.passages:
                self._sections.setdefault((p.source, p.section), []).append(p)
        return list(self._sections.get((passage.source, passage.section), ()))
