"""Follow-ups within one visit: a small Conversation that remembers the previous turn's subject.

    conversation = Conversation(engine)
    conversation.reply("is it given as a drip?")   # a question with a subject of its own
    conversation.reply("how often?")               # read with the drip's subject
    conversation.reply("more")                     # the next passage of that section

A message refers back when it has no subject of its own: no word at all (the articles' or
another), an elliptical "and ...?" / "what about ...?", a bare question-word fragment ("why?",
"how often?"), or a pronoun or demonstrative ("is that painful?") beside at most
MAX_REFERRING_WORDS words of its own. Such a message is read with the previous subject
(chatbot.followup, through Engine.answer's context), in the section it names if it names one
("is that a side effect?"); a message with a subject of its own starts fresh. "more" and "tell me
more" continue the section last answered. Triage always reads the message itself first, so an
urgent follow-up is urgent. Everything lives in memory only; a new Conversation (the kiosk's idle
wipe, F2) forgets it all.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable, Sequence

from .decision import COMMON_ZIPF
from .engine import MAX_QUESTION_CHARS
from .english import english
from .followup import Context, asks_to_rephrase, blend
from .listing import asked_phrase
from .reply import Citation, Reply
from .text import NEGATIONS, QUESTION_WORDS, Analysis, clean, fold, words

SECTION_END = "That is the end of \u201c{section}\u201d. Type 'topics' to see the other sections, or ask another question."
NOTHING_YET = "There is no answer to continue yet. Ask a question first, then type '{command}'."
# English pronouns and demonstratives that point back to what was said before.
REFERRING = frozenset("it its that this they them their those these he she him her".split())
PLURAL_REFERRING = frozenset("they them those these".split())
_PLURAL_PRONOUN = re.compile(r"\b(they|them|those|these)\b", re.IGNORECASE)
CONTINUE = "more"  # "more", "tell me more", "more please": with no subject of its own, go on
MAX_REFERRING_WORDS = 2  # "is that painful?" refers back; "is it different from chemotherapy?" has its own subject too
MAX_FRAGMENT_WORDS = 2  # "why?", "how often?", "and when?": a question word and at most one more
HEADING_WORDS_NAMED = 2  # a message naming this many of a heading's distinctive words is about that section
COMMON_SHARE = 0.5  # a word in more than this share of passages names no section
MAX_SUBJECT_TOKENS = 8  # a run of follow-ups keeps only the latest words


class Conversation:
    """One visitor's conversation: what the last answer was about and where 'more' goes on."""

    def __init__(self, engine, answer: Callable[[str], Reply] | None = None) -> None:
        self.engine = engine
        self._stateless = answer  # a given answerer (tests' stubs) reads every message alone
        self.subject: Analysis | None = None
        self.place = None  # the last passage shown of the last cited section
        self.answered = None  # the last passage shown of the last answer, kept past a no-answer
        self.cited = None  # the passage that last answer cited first: the one that answered
        self.seen: set[int] = set()  # the positions shown of the section of self.place
        self.last: tuple | None = None  # the last question answered and the context it was read with
        self.things = ""  # the things the last question with a subject of its own asked for ("side effects")
        self._heading_words: list | None = None

    # -- one message ------------------------------------------------------------------------------
    def reply(self, message: str) -> Reply:
        """The reply to the next message of this conversation."""
        if self._stateless is not None:
            reply = self._stateless(message)
            self._remember_place(reply)
            return reply
        command = fold(message).strip().strip(".!?").strip()
        if command == "source":
            return self.source_reply(message)
        read = clean(message)[:MAX_QUESTION_CHARS]  # what the engine reads of a long paste
        own = self.engine.tokeniser.analyse(read)
        own_words = self._own_words(own) + list(own.unknown)  # words the articles never use are a subject too
        said = words(read)
        if not own_words and self._asks_to_go_on(said):
            alone = self.engine.answer(message)
            # urgent or small talk read alone comes first ("no more questions, thanks")
            return alone if alone.kind in ("urgent", "smalltalk") else self.more(message)
        follow_up = self.subject is not None and self._refers_back(said, own_words, own.content + own.expanded)
        named = self._named_section(own_words) if follow_up else None
        context = self._context(named) if follow_up else None
        if context is not None:
            context = replace(context, resolved=self._resolved(message, said))
        self.last = (message, context)  # for a member of staff's '/why' (in memory only)
        reply = self.engine.answer(message, context=context)
        if not follow_up:
            self.things = self._things(read)
        if (not follow_up or named) and reply.kind != "smalltalk":  # a subject of its own starts afresh
            self.subject = self._kept(own, reply)
        elif follow_up and own_words and reply.kind == "answer":  # "and what is PD-L1?" moves on
            self.subject = self._kept(blend(own, self.subject), reply)
        self._remember_place(reply)
        return reply

    def _things(self, message: str) -> str:
        """The noun phrase of the things a question asks for ("what side effects does it have?" ->
        "side effects"), which "they" and "them" in a follow-up stand for."""
        return " ".join(asked_phrase(message, lambda word: bool(self.engine.tokeniser.tokens(word))))

    def _resolved(self, message: str, said: list[str]) -> str:
        """A follow-up with "they", "them", "those" or "these" in place of the things the earlier
        question asked for ("how are they treated?" -> how are side effects treated?), to tell what
        kind of question it is; "" when it has none of them."""
        if not self.things or not PLURAL_REFERRING & set(said):
            return ""
        return _PLURAL_PRONOUN.sub(self.things, message, count=1)

    def _context(self, named=None) -> Context:
        """The earlier subject and where the last answer was; or, when the message names a section
        itself, that section to read it in."""
        if named is not None:
            return Context(self.subject, named.source, named.section, -1, within=True)
        shown = self.answered
        if shown is None:
            return Context(self.subject)
        cited = self.cited.position if self.cited is not None and self.cited.section == shown.section else shown.position
        return Context(self.subject, shown.source, shown.section, shown.position, seen=frozenset(self.seen), cited=cited)

    @staticmethod
    def _asks_to_go_on(said: list[str]) -> bool:
        """"more", "tell me more", "more please"; not "no more", "nothing more", nor a comparison
        ("say that more simply")."""
        return any(word == CONTINUE and (i == 0 or said[i - 1] not in NEGATIONS)
                   and not (i + 1 < len(said) and said[i + 1].endswith("ly"))
                   for i, word in enumerate(said))

    def _own_words(self, analysis: Analysis) -> list[str]:
        """The words of a message that the articles use: its own subject."""
        known = self.engine.index.idf
        return [token for token in dict.fromkeys(analysis.tokens) if token in known]

    def _named_section(self, own_words: list[str]):
        """The first passage of a section the message names itself ("and the side effects?", "is
        that a side effect?"): two or more of its heading's distinctive words; else None."""
        own = set(own_words)
        return next((first for first, words in self._headings() if len(own & words) >= HEADING_WORDS_NAMED), None)

    def _headings(self) -> list:
        """Each section's first passage and its heading's words that few passages use (not
        "immunotherapy", "cancer")."""
        if self._heading_words is None:
            index, total = self.engine.index, len(self.engine.passages)
            firsts = {}
            for passage in self.engine.passages:
                firsts.setdefault((passage.source, passage.section), passage)
            self._heading_words = [(first, frozenset(t for t in self.engine.tokeniser.tokens(first.section)
                                                     if len(index.postings.get(t, ((),))[0]) <= total * COMMON_SHARE))
                                   for first in firsts.values()]
        return self._heading_words

    def _refers_back(self, said: list[str], own_words: list[str], content: tuple = ()) -> bool:
        """Does a message lean on what came before rather than name a subject of its own?"""
        if (not own_words or not self._topical(content) or said[:1] == ["and"] or asks_to_rephrase(" ".join(said))
                or said[:2] in (["what", "about"], ["how", "about"])):
            return True  # nothing of its own ("any others?", "since when?"), or an elliptical "and ...?"
        if said and said[0] in {"so", "but"}:
            said = said[1:]
        if said and said[0] in QUESTION_WORDS and len(said) <= MAX_FRAGMENT_WORDS:
            return True
        return len(own_words) <= MAX_REFERRING_WORDS and any(word in REFERRING for word in said)

    @staticmethod
    def _topical(words: Sequence[str]) -> list[str]:
        """The words of a message that could name a subject: those rarer than everyday English
        (not "always", "others", "since", "bad"), of the leaflets or not."""
        return [word for word in words if english().zipf(word) < COMMON_ZIPF]

    def _kept(self, subject: Analysis, reply: Reply) -> Analysis:
        """The subject to remember: the words asked, and the heading of the section that answered
        ("where does he work?" after a reply from "About Dr James Wilson")."""
        heading = self.engine.tokeniser.tokens(reply.citations[0].section) if reply.citations else []
        tokens = tuple(dict.fromkeys(subject.tokens))[:MAX_SUBJECT_TOKENS] + tuple(heading)
        return replace(subject, tokens=tuple(dict.fromkeys(tokens)), asked=())

    def _remember_place(self, reply: Reply) -> None:
        """Keep the section of a reply with citations; an honest no-answer forgets it."""
        if reply.citations:
            passage = self._passage(reply.citations[0].passage)
            if passage is not None:
                if self.place is None or (self.place.source, self.place.section) != (passage.source, passage.section):
                    self.seen = set()
                self.seen |= {p.position for p in self.engine.section_passages(passage) if p.text in reply.answer}
                self.place = self._last_shown(passage, reply.answer)
                if reply.kind in ("answer", "urgent"):
                    self.answered, self.cited = self.place, passage
                return
        if reply.kind == "no_answer":
            self.place = None
            self.seen = set()

    def _passage(self, passage_id: str):
        return next((p for p in self.engine.passages if p.id == passage_id), None)

    def _last_shown(self, passage, shown: str):
        """The last passage of the cited section whose text the reply showed (a reply may show two)."""
        last = passage
        for other in self.engine.section_passages(passage):
            if other.position > last.position and other.text in shown:
                last = other
        return last

    # -- going on with the section ---------------------------------------------------------------
    def more(self, message: str = "more") -> Reply:
        """The next passage of the section last answered, or why there is none."""
        if self.place is None:
            return Reply(message, "smalltalk", NOTHING_YET.format(command="more"))
        passages = self.engine.section_passages(self.place)
        # the next passage; past the section's end, the first one not shown yet (an answer may start mid-section)
        later = [p for p in passages if p.position > self.place.position]
        unseen = [p for p in passages if p.position not in self.seen | {self.place.position}]
        if not later and not unseen:
            return Reply(message, "smalltalk", SECTION_END.format(section=self.place.section))
        following = later[0] if later else unseen[0]
        self.place = self.answered = self.cited = following
        self.seen.add(following.position)
        citation = Citation(following.section, following.source, following.id, 0.0, following.title)
        return Reply(message, "answer", f"{following.text}\n\n{self.engine.source_line(following)}",
                     (citation,), 1.0, following.title)

    def source_reply(self, message: str = "source") -> Reply:
        """The whole section as a reply, citing its first passage; or why there is none."""
        if self.place is None:
            return Reply(message, "smalltalk", self.source())
        first = self.engine.section_passages(self.place)[0]
        citation = Citation(first.section, first.source, first.id, 0.0, first.title)
        return Reply(message, "answer", self.source(), (citation,), 1.0, first.title)

    def source(self) -> str:
        """The whole section the last answer came from."""
        if self.place is None:
            return NOTHING_YET.format(command="source")
        passages = self.engine.section_passages(self.place)
        heading = passages[0].section
        body = "\n\n".join(p.text for p in passages)
        return f"{heading}\n{'-' * min(len(heading), 60)}\n{body}\n\n{self.engine.source_line(passages[0])}"
