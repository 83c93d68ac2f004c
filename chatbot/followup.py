"""Reading a follow-up with the earlier subject: which passage answers it, and how sure to be.

A follow-up ("how often?", "is that painful?", "why not?") is searched with the earlier subject's
words beside its own, among the passages that speak of that subject, with the section last
answered from preferred and the passage just shown preferred most: a patient asks about what they
have just read. Its own words count by how topical they are in general English, so "does that
happen to everyone?" or "what else do they take into account?" (everyday words only) is about the
passage just shown, read with the one that follows it; "why?" is answered by the nearest passage of
that section that gives a reason, or honestly not at all; "what else?" by the next passage not yet
shown. A follow-up with topical words of its own ("is that painful?", "a CT or a PET scan?") is
believed only as far as the passage found holds them. Pure: the engine retrieves and judges, this
module chooses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Sequence

from .text import Analysis, words

OWN_WEIGHT = 2  # a follow-up's own words count twice, the earlier subject's once
SECTION_BOOST = 1.5  # a passage of the section last answered from is preferred by this factor
SHOWN_BOOST = 1.5  # and the passage just shown by this factor more
SHOWN_WITH = 5  # citations kept beside the chosen passage
DISTINCT_IDF = 0.9  # an earlier word this distinctive among sections (two of eight) relates a section to the subject
EVERYDAY_WEIGHT = 1.0  # own leaflet words weighing less than this in all name no subject of their own
DEMONSTRATIVES = frozenset("that this those these".split())  # point at what was just said, not the topic
ELSE_WORDS = frozenset("else other others another besides".split())  # "what else?": read on
# A request to say the last answer again in plainer words ("say it simpler", "in plain English
# please", "I don't understand"): general English, no leaflet's words.
REPHRASE = re.compile(r"\b(simpler|simply|simple (words|terms|english)|plain(er|ly)?( english| words| terms)?|easier words|"
                      r"layman'?s|in other words|another way|differently|dumb(ed)? (it|that) down|"
                      r"(do not|dont|didnt|did not) (understand|get (it|that))|what do you mean)\b", re.IGNORECASE)
# Where a passage says something again more plainly ("In simple terms, it removes the brakes").
PLAINER = re.compile(r"\b(in simple terms|simply put|put simply|in other words|in practical terms|in short|basically|"
                     r"that means|this means|in plain english)\b", re.IGNORECASE)
CAUSAL = re.compile(r"\b(because|that[’']s why|which is why|this is why|due to|caused by|as a result|so that|in order to|"
                    r"comes? down to|the reason)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Context:
    """What a follow-up is read with: the earlier subject and where the last answer was."""

    subject: Analysis
    source: str = ""
    section: str = ""  # the heading of the section last answered from
    shown: int = -1  # the position of the last passage shown of it
    within: bool = False  # the message names this section itself: read it there ("is that a side effect?")
    seen: frozenset = frozenset()  # the positions of the passages of that section shown so far
    resolved: str = ""  # the message with "they"/"them" as the things asked for before, for its kind of question
    cited: int = -1  # the position of the passage that answered last (shown is the last one shown)


@dataclass(frozen=True)
class Reading:
    """A follow-up's passages, best first, the confidence that they answer it, and how many of
    them to show together (in reading order; 0: as for a question asked alone)."""

    ranked: list
    confidence: float
    together: int = 1


def blend(own: Analysis, earlier: Analysis) -> Analysis:
    """A follow-up read with the earlier subject: its own words count twice, the earlier ones once;
    the earlier words it knows count for it, and those the articles do not use, or that are off
    topic, still count against it. The earlier question's text joins its own for the phrasings."""
    return replace(own, tokens=own.tokens * OWN_WEIGHT + earlier.tokens, asked=(), content=own.content + earlier.content,
                   unknown=own.unknown + earlier.unknown, off_topic=own.off_topic + earlier.off_topic,
                   text=f"{earlier.text} {own.text}".strip(), weighed=True)


def read(engine, own: Analysis, context: Context) -> Reading:
    """The passages that answer a follow-up and the confidence that the first does."""
    if context.resolved:  # "how are they treated?" after the side effects asks how side effects are treated
        own = replace(own, kinds=engine.tokeniser.analyse(context.resolved).kinds)
    if context.within:  # it names a section itself ("and the side effects of it?"): read it alone there,
        # shown as a question asked alone would be (the passage that names them, its companion)
        ranked = [s for s in engine.retrieve(own, len(engine.passages)) if _in_section(s, context)]
        return Reading(ranked[:SHOWN_WITH], engine.confidence(own, ranked), together=0)
    blended = blend(own, context.subject)
    related = _related(engine, blended, context)
    if asks_to_rephrase(own.text) and any(_in_section(s, context) for s in related):
        return _plainer(engine, related, context)
    weights = engine.query_weights(own)
    if not own.unknown and sum(w for t, w in weights.items() if t in engine.index.idf) < EVERYDAY_WEIGHT:
        return _about_what_was_shown(engine, own, blended, related, context)
    return _with_own_words(engine, own, blended, related, context)


def _related(engine, blended: Analysis, context: Context) -> list:
    """The passages of the section last answered from, and those of the sections that use the
    earlier subject's distinctive words (those few sections use), best first."""
    earlier = {t for t in context.subject.tokens if engine.section_index.idf.get(t, 0.0) > DISTINCT_IDF}
    return [s for s in engine.retrieve(blended, len(engine.passages)) if _in_section(s, context)
            or any(engine.section_index.holds(t, engine.section_of[s.hit.index]) for t in earlier)]


def _with_own_words(engine, own: Analysis, blended: Analysis, related: list, context: Context) -> Reading:
    """A follow-up with topical words of its own: the related passage that holds most of them,
    believed as far as it does."""
    weights = engine.query_weights(own)
    holding = [s for s in related if _share(engine, weights, s) > 0]
    chosen = max(holding, default=None, key=lambda s: s.hit.score * _share(engine, weights, s) * _preference(s, context))
    alone = engine.retrieve(own)
    if chosen is None:  # nothing about the earlier subject holds its words: "how is it given?" after
        # "what is a checkpoint inhibitor" means the treatment; "is that painful?" after the drip means the drip
        if DEMONSTRATIVES & set(words(own.text)):
            return Reading(related[:SHOWN_WITH], 0.0)
        return Reading(alone, engine.confidence(own, alone))
    ranked = _first(chosen, related)  # a follow-up that would be answered alone from the same section is
    belief = engine.confidence(blended, ranked)  # believed at least as much as it would be alone
    if alone and alone[0].passage.section == chosen.passage.section:
        belief = max(belief, engine.confidence(own, alone))
    return Reading(ranked, belief * _share(engine, weights, chosen))


def _about_what_was_shown(engine, own: Analysis, blended: Analysis, related: list, context: Context) -> Reading:
    """A follow-up in everyday words: about the passage just shown. "why?" takes the nearest one
    that gives a reason; "what else?" the next one not yet shown; any other the passage just
    shown, with the one that follows it."""
    section = sorted((s for s in related if _in_section(s, context)), key=lambda s: s.passage.position)
    if not section:  # nothing shown yet: the best passage for the earlier subject and these words
        ranked = related or engine.retrieve(blended)
        return Reading(ranked[:SHOWN_WITH], engine.confidence(blended, ranked) if ranked else 0.0)
    said = set(words(own.text))
    answered = context.cited if context.cited >= 0 else context.shown  # what the last answer was
    at = min(section, key=lambda s: abs(s.passage.position - answered))
    together = 1
    if "why" in said:
        reasons = [s for s in section if CAUSAL.search(s.passage.text)]
        chosen = min(reasons, default=None, key=lambda s: (abs(s.passage.position - context.shown),
                                                           s.passage.position > context.shown))
    elif said & ELSE_WORDS:
        unseen = [s for s in section if s.passage.position not in context.seen | {context.shown}]
        chosen = min(unseen, default=None, key=lambda s: (s.passage.position < context.shown, s.passage.position))
    else:  # of the passages shown, the one that holds its words ("how often?"); else the last, read on
        weights = engine.query_weights(own)
        shown = [s for s in section if s.passage.position in context.seen | {context.shown}
                 and _share(engine, weights, s) > 0]
        chosen = max(shown, key=lambda s: s.hit.score * _share(engine, weights, s)) if shown else at
        together = 2 if not shown and _following(section, chosen) else 1
    if chosen is None:
        return Reading(related[:SHOWN_WITH], 0.0)
    ranked = _first(chosen, related)
    if together == 2:
        following = _following(section, chosen)
        ranked = [chosen, following] + [s for s in ranked[1:] if s is not following]
    subject = replace(context.subject, unknown=blended.unknown, off_topic=blended.off_topic, kinds=own.kinds)
    return Reading(ranked[:SHOWN_WITH], engine.confidence(subject, ranked), together)


def asks_to_rephrase(message: str) -> bool:
    """Does a message ask for the last answer again in plainer words ("say that more simply")?"""
    return REPHRASE.search(" ".join(words(message))) is not None


def _plainer(engine, related: list, context: Context) -> Reading:
    """The last answer said more plainly: the passage of its section that restates things plainly
    ("In simple terms, ..."), the nearest to the one that answered; else that one again, read with
    the passage that follows it."""
    section = sorted((s for s in related if _in_section(s, context)), key=lambda s: s.passage.position)
    answered = context.cited if context.cited >= 0 else context.shown
    plain = [s for s in section if PLAINER.search(s.passage.text)]
    if plain:
        chosen = min(plain, key=lambda s: (abs(s.passage.position - answered), s.passage.position < answered))
        return Reading(_first(chosen, related), 1.0)
    chosen = min(section, key=lambda s: abs(s.passage.position - answered))
    following = _following(section, chosen)
    ranked = _first(chosen, related)
    if following is None:
        return Reading(ranked, 1.0)
    return Reading([chosen, following] + [s for s in ranked[1:] if s is not following], 1.0, together=2)


def _following(section: list, chosen):
    """The passage after the chosen one, if any."""
    return next((s for s in section if s.passage.position == chosen.passage.position + 1), None)


def _first(chosen, related: Sequence) -> list:
    return [chosen] + [s for s in related if s is not chosen][:SHOWN_WITH - 1]


def _in_section(scored, context: Context) -> bool:
    return scored.passage.section == context.section and scored.passage.source == context.source


def _preference(scored, context: Context) -> float:
    """How much a passage is preferred for being where the conversation is."""
    if not _in_section(scored, context):
        return 1.0
    return SECTION_BOOST * (SHOWN_BOOST if scored.passage.position == context.shown else 1.0)


def _share(engine, weights: dict[str, float], scored) -> float:
    """The share of the follow-up's own word weight (by how topical each word is) that a passage holds."""
    total = sum(weights.values())
    held = sum(w for t, w in weights.items() if engine.index.holds(t, scored.hit.index))
    return held / total if total else 0.0
