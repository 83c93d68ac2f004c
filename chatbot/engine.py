"""The answering engine: triage, small talk, retrieval, the answer decision and the reply text.

Example::

    from chatbot.engine import Engine
    engine = Engine.load()                     # the project's corpus/ and data/
    reply = engine.answer("how is it different from chemo?")
    print(reply.kind, reply.citations[0].section)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Sequence

from .bm25 import Hit, InvertedBM25
from .corpus import Article, Block, Section, load_corpus
from .errors import DataError
from .lexicon import load_lexicon
from .ambiguity import close_section, did_you_mean
from .listing import naming_first
from .passages import Passage, chunk, split_sentences
from .reply import Citation, Reply
from .smalltalk import SmallTalk
from .text import ASKING_OPENERS, QUESTION_WORDS, Analysis, Tokeniser, clean
from .triage import Triage
from .yamlfile import Located, read_yaml

ROOT = Path(__file__).resolve().parent.parent
MAX_QUESTION_CHARS = 1000  # longer messages are answered from their start, with a note
MAX_TRIAGE_CHARS = 4000  # but triage reads further, so an emergency late in a long message still counts
URGENT_SECTION_WORDS = ("side effect",)  # urgent replies may quote a section whose heading says this
SHORT_ANSWER_WORDS = 80  # a longer passage is shown as its best sentences
RERANK_DEPTH = 50  # the best passages by their own BM25 score, re-ranked with their section's score
TITLE_TOKENS = frozenset({"dr", "doctor", "prof", "professor", "mr", "mrs", "ms", "miss", "sir", "dame"})  # "mum's dr said..." names nobody
SECTION_WEIGHT = 0.5  # how much the whole section's BM25 score adds to a passage's own
HEADING_REPEAT = 1  # how many times a passage's heading counts among its words
COMPANION_SHARE = 0.7  # a same-section runner-up this close to the best passage is shown with it
COMPANION_MAX_WORDS = 130
SMALL_LIBRARY = 5  # up to this many articles, a no-answer lists every section; beyond, article titles
SHORT_PASSAGE_WORDS = 40  # a best passage shorter than this is shown with the one that follows it  # but only while the two stay short enough to read at a glance
MAX_CHATTER_WORDS = 4  # more words beside a greeting or thanks than this are a question, not chat
ASKING_VERBS = frozenset("can could do does did will would should shall may might".split())  # "thanks, can I..." asks
ANSWER_THRESHOLD = 0.5  # below this confidence the reply is an honest no_answer
# The confidence model's weights (see Engine.confidence).
CONFIDENCE_BIAS = -5.4
CONFIDENCE_UNKNOWN = -3.5
CONFIDENCE_COVERAGE = 1.8
CONFIDENCE_SCORE = 3.1
CONFIDENCE_KNOWN = 0.65
CONFIDENCE_OFF_TOPIC = -6.0  # a subject the lexicon says no article covers: a near-certain "no"
LEAD_TOLERANCE = 1.0  # a passage this close to the best one of its section, and earlier, is preferred


@dataclass(frozen=True)
class Paths:
    """Where the engine's files are: the corpus folder and the data files."""

    corpus: Path
    lexicon: Path
    triage: Path
    smalltalk: Path

    @classmethod
    def under(cls, root: Path = ROOT) -> "Paths":
        return cls(root / "corpus", root / "data" / "lexicon.yaml", root / "data" / "triage.yaml",
                   root / "data" / "smalltalk.yaml")


@dataclass(frozen=True)
class Scored:
    """A retrieval result with what the answer decision looks at."""

    hit: Hit
    passage: Passage
    coverage: float  # share of the question's idf weight found in the passage


class Engine:
    """One engine answers every interface, so the chat, kiosk, batch and FAQ check agree."""

    def __init__(self, articles: Sequence[Article], passages: Sequence[Passage], tokeniser: Tokeniser,
                 index: InvertedBM25, section_index: InvertedBM25, section_of: Sequence[int],
                 triage: Triage, smalltalk: SmallTalk) -> None:
        self.articles = tuple(articles)
        self.passages = tuple(passages)
        self.tokeniser = tokeniser
        self.index = index
        self.section_index = section_index
        self.section_of = list(section_of)
        self.triage = triage
        self.smalltalk = smalltalk
        self._documents: dict = {}
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
        --check-faq, --build-index); "read" only reads it (the chat and the kiosk write nothing);
        "off" neither reads nor writes.
        """
        if cache not in ("use", "read", "off"):
            raise ValueError(f"cache must be 'use', 'read' or 'off', not {cache!r}")
        paths = paths or Paths.under()
        corpus_files = sorted(paths.corpus.glob("*.md")) if paths.corpus.is_dir() else []
        key = ""
        if cache != "off":
            from . import cache as index_cache

            key = index_cache.cache_key([paths.lexicon, paths.triage, paths.smalltalk], corpus_files)
            state = index_cache.read(key)
            if state is not None:
                try:
                    return cls.from_state(state, paths)
                except (KeyError, TypeError, ValueError, IndexError, DataError):
                    pass  # a cache that does not fit is rebuilt, never trusted
        lexicon = load_lexicon(paths.lexicon)
        triage_doc = read_yaml(paths.triage)
        smalltalk_doc = read_yaml(paths.smalltalk)
        triage = Triage.from_document(triage_doc, paths.triage)
        smalltalk = SmallTalk.from_document(smalltalk_doc, paths.smalltalk)
        articles = load_corpus(paths.corpus)
        engine = cls.build(articles, lexicon, triage, smalltalk)
        engine._documents = {"triage": triage_doc.data, "smalltalk": smalltalk_doc.data}
        if cache == "use":
            from . import cache as index_cache

            index_cache.write(key, engine.to_state())
        return engine

    def to_state(self) -> dict:
        """Everything built from the files, JSON-safe, for the index cache."""
        return {
            "articles": [asdict(article) for article in self.articles],
            "passages": [asdict(passage) for passage in self.passages],
            "tokeniser": self.tokeniser.to_state(),
            "index": self.index.to_dict(),
            "section_index": self.section_index.to_dict(),
            "section_of": self.section_of,
            "documents": self._documents,
            "triage_required": self.triage.required_texts(),
        }

    @classmethod
    def from_state(cls, state: dict, paths: Paths) -> "Engine":
        """Rebuild an engine from to_state() output (the cache) without reading corpus or data files."""
        articles = [
            Article(a["source"], a["title"], a["author"], a["origin"], tuple(
                Section(s["heading"], tuple(Block(**b) for b in s["blocks"]), s["line"]) for s in a["sections"]))
            for a in state["articles"]
        ]
        passages = [Passage(**p) for p in state["passages"]]
        index = InvertedBM25.from_dict(state["index"])
        documents = state["documents"]
        triage = Triage.from_document(Located(documents["triage"], None), paths.triage)
        triage.use_required_texts(state["triage_required"])
        smalltalk = SmallTalk.from_document(Located(documents["smalltalk"], None), paths.smalltalk)
        engine = cls(articles, passages, Tokeniser.from_state(state["tokeniser"]), index,
                     InvertedBM25.from_dict(state["section_index"]), state["section_of"], triage, smalltalk)
        engine._documents = documents
        return engine

    @classmethod
    def build(cls, articles: Sequence[Article], lexicon, triage: Triage, smalltalk: SmallTalk) -> "Engine":
        """Chunk, tokenise and index articles (pure: no file access)."""
        passages = [p for article in articles for p in chunk(article)]
        tokeniser = Tokeniser(lexicon)
        tokeniser.learn(f"{p.section}\n{p.text}" for p in passages)
        passage_tokens = [tokeniser.tokens(f"{p.section}\n" * HEADING_REPEAT + p.text) for p in passages]
        if not any(passage_tokens):
            raise DataError(articles[0].source if len(articles) == 1 else "corpus", None,
                            "the articles have no words to search (only very common words)")
        index = InvertedBM25.from_tokens(passage_tokens)
        section_keys: dict[tuple[str, str], int] = {}
        section_of = [section_keys.setdefault((p.source, p.section), len(section_keys)) for p in passages]
        section_tokens: list[list[str]] = [[] for _ in section_keys]
        for (source, heading), number in section_keys.items():
            section_tokens[number].extend(tokeniser.tokens(heading))
        for passage_number, number in enumerate(section_of):
            section_tokens[number].extend(tokeniser.tokens(passages[passage_number].text))
        section_index = InvertedBM25.from_tokens(section_tokens)
        return cls(articles, passages, tokeniser, index, section_index, section_of, triage, smalltalk)

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

        context: for a follow-up, a chatbot.followup.Context (the earlier subject and the section
        last answered from); triage and small talk read the message alone."""
        text = clean(question)
        notes: tuple[str, ...] = ()
        screened = text[:MAX_TRIAGE_CHARS]
        if len(text) > MAX_QUESTION_CHARS:
            cut = text.rfind(" ", MAX_QUESTION_CHARS - 60, MAX_QUESTION_CHARS + 1)
            text = text[: cut if cut > 0 else MAX_QUESTION_CHARS]
            notes = (f"Your message was long, so I read only its first {MAX_QUESTION_CHARS} characters.",)
        reply = self._reply(question, text, screened, context)
        if notes:
            reply = replace(reply, answer=self._with_notes(reply.answer, notes), notes=notes)
        return reply

    def _reply(self, question: str, text: str, screened: str, context=None) -> Reply:
        if not text.strip():
            return Reply(question, "smalltalk", "Please type a question about cancer immunotherapy. "
                         "For example: " + self.example_questions()[0])
        urgent = self.triage.check(screened)
        analysis = self.tokeniser.analyse(text)
        if urgent is not None:
            return self._urgent(question, urgent, analysis)
        intent = self.smalltalk.match(text, self._is_chatter)
        if intent is not None:
            reply = intent.reply.format(title=self._titles(), examples=self._examples_text())
            return Reply(question, "smalltalk", reply)
        if context is not None:
            ranked, confidence = self._follow_up(analysis, context)
        else:
            ranked = self.retrieve(analysis)
            confidence = self.confidence(analysis, ranked)
        if not ranked or confidence < ANSWER_THRESHOLD:
            return Reply(question, "no_answer", self._no_answer_text(ranked), confidence=confidence)
        ranked = naming_first(self, ranked, text)
        best = ranked[0]
        answer = f"{self._answer_body(ranked, analysis, alone=context is not None)}\n\n{self.source_line(best.passage)}"
        other = close_section(ranked)
        if other:
            answer = f"{did_you_mean(best.passage.section, other)}\n\n{answer}"
        return Reply(question, "answer", answer, self._citations(ranked), confidence, best.passage.title,
                     alternative=other)

    def _follow_up(self, own: Analysis, context) -> tuple[list[Scored], float]:
        """A follow-up, read with the earlier subject (chatbot.followup chooses the passage)."""
        from .followup import read

        return read(self, own, context)

    def _is_chatter(self, left: list[str]) -> bool:
        """Words beside a greeting or thanks that ask nothing: a few, none the articles speak of,
        none on a subject they leave out, no question ("thanks a million", "hi, I'm Sarah"); not
        "hello, is it safe for my heart"."""
        if left[0] in ASKING_OPENERS or any(word in QUESTION_WORDS or word in ASKING_VERBS for word in left):
            return False
        said = self.tokeniser.analyse(" ".join(left))
        return (len(said.content) <= MAX_CHATTER_WORDS and not said.expanded and not said.off_topic
                and len(said.unknown) == len(said.content))

    def retrieve(self, analysis: Analysis, n: int = 5) -> list[Scored]:
        """The best passages for a question, best first, with their coverage of the question."""
        tokens = analysis.tokens + analysis.asked  # the asking sentence counts twice: background tells less
        hits = [hit for hit in self.index.top(tokens, RERANK_DEPTH) if self._may_cite(self.section_of[hit.index], tokens)]
        sections = list(dict.fromkeys(self.section_of[hit.index] for hit in hits))
        section_scores = dict(zip(sections, self.section_index.scores_at(tokens, sections)))
        combined = {hit.index: hit.score + SECTION_WEIGHT * section_scores[self.section_of[hit.index]] for hit in hits}
        ranked = sorted(combined.items(), key=lambda item: (-item[1], item[0]))[:n]
        if ranked:
            # A question about a section as a whole scores its passages almost alike: the section's
            # earlier passage, which introduces it, answers it better than a later detail.
            best, best_score = ranked[0]
            lead = min((i for i, score in ranked if self.section_of[i] == self.section_of[best]
                        and score >= LEAD_TOLERANCE * best_score), key=lambda i: self.passages[i].position)
            if lead != best:
                ranked.sort(key=lambda item: item[0] != lead)
        hits = [Hit(i, score) for i, score in ranked]
        weights = self._query_weights(analysis.tokens)
        total = sum(weights.values()) or 1.0
        scored = []
        for hit in hits:
            coverage = sum(w for t, w in weights.items() if self.index.holds(t, hit.index)) / total
            scored.append(Scored(hit, self.passages[hit.index], coverage))
        return scored

    def _may_cite(self, section: int, tokens: Sequence[str]) -> bool:
        """An "About <someone>" section answers only questions that name or ask about that someone.

        Without this a biography answers whatever shares its words ("works full-time", "London").
        """
        names = self._about_names.get(section)
        return names is None or bool(names & set(tokens))

    def _query_weights(self, tokens: Sequence[str]) -> dict[str, float]:
        weights: dict[str, float] = {}
        for token in tokens:
            weights[token] = max(self.index.idf.get(token, 0.0), 0.0) if token in self.index.idf else 1.0
        return weights

    def confidence(self, analysis: Analysis, ranked: Sequence[Scored]) -> float:
        """Calibrated belief (0-1) that the top passage answers the question.

        A logistic model over four signals, fitted on labelled patient questions (in scope and
        out of scope): content words the corpus never uses (a strong "no"), the share of the
        question's weight the passage holds, its score, and how many content words it knows;
        an unknown word the lexicon lists as off topic (cost, alcohol, a drug's brand name) is
        a near-certain "no".
        """
        if not ranked:
            return 0.0
        top = ranked[0]
        unknown = len(analysis.unknown)
        known = max(len(analysis.content) - unknown, 0)
        # words only in the sentences that tell, before or around the one that asks, say little
        asked_unknown = unknown - len(analysis.background_unknown)
        off_topic = len(analysis.off_topic) - sum(1 for word in analysis.background_unknown if word in analysis.off_topic)
        z = (CONFIDENCE_BIAS + CONFIDENCE_UNKNOWN * asked_unknown + CONFIDENCE_OFF_TOPIC * off_topic + CONFIDENCE_COVERAGE * top.coverage
             + CONFIDENCE_SCORE * math.log1p(top.hit.score) + CONFIDENCE_KNOWN * known)
        return 1.0 / (1.0 + math.exp(-z))

    # -- reply texts -----------------------------------------------------------------------------
    def _urgent(self, question: str, urgent, analysis: Analysis) -> Reply:
        text = urgent.message
        citations: tuple[Citation, ...] = ()
        title = ""
        if urgent.level != "crisis":
            related = [s for s in self.retrieve(analysis) if self._is_urgent_section(s.passage.section)]
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

    def _answer_body(self, ranked: Sequence[Scored], analysis: Analysis, alone: bool = False) -> str:
        """The best passage; with a close runner-up from the same section (or, for a short passage,
        the one that follows it), both, in reading order. alone: a follow-up shows just the passage
        that answers it, and 'more' goes on from there."""
        best = ranked[0]
        shown = [best.passage]
        if alone:
            return self._passage_text(best.passage, analysis)
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
        best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
        keep = sorted({max(best - 1, 0), best, min(best + 1, len(sentences) - 1)})
        return " ".join(sentences[i] for i in keep)

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
