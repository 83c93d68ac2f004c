"""Reading a follow-up with the earlier subject: which passage answers it, and how sure to be.

A follow-up ("how often?", "is that painful?", "why not?") is searched with the earlier subject's
words beside its own, among the passages that speak of that subject, with the section last
answered from preferred. A follow-up with words of its own is believed only as far as the passage
found holds them ("is that painful?" after the drip is not answered by the drip passage just
because the drip was the subject). One with none ("why?", "why not?") is answered by the next
passage of that section not yet shown, if there is one: an article gives its reasons beside its
statements. Pure: the engine retrieves and judges, this module chooses.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from .text import Analysis

OWN_WEIGHT = 2  # a follow-up's own words count twice, the earlier subject's once
SECTION_BOOST = 1.5  # a passage of the section last answered from is preferred by this factor
SHOWN_WITH = 5  # citations kept beside the chosen passage


@dataclass(frozen=True)
class Context:
    """What a follow-up is read with: the earlier subject and where the last answer was."""

    subject: Analysis
    source: str = ""
    section: str = ""  # the heading of the section last answered from
    shown: int = -1  # the position of the last passage shown of it
    within: bool = False  # the message names this section itself: read it there ("is that a side effect?")


def blend(own: Analysis, earlier: Analysis) -> Analysis:
    """A follow-up read with the earlier subject: its own words count twice, the earlier ones once;
    the earlier words it knows count for it, and those the articles do not use, or that are off
    topic, still count against it."""
    return replace(own, tokens=own.tokens * OWN_WEIGHT + earlier.tokens, asked=(), content=own.content + earlier.content,
                   unknown=own.unknown + earlier.unknown, off_topic=own.off_topic + earlier.off_topic)


def read(engine, own: Analysis, context: Context) -> tuple[list, float]:
    """The passages that answer a follow-up, best first, and the confidence that the first does."""
    blended = blend(own, context.subject)
    earlier = set(context.subject.tokens)
    related = [s for s in engine.retrieve(blended, len(engine.passages)) if _in_section(s, context)
               or not context.within and any(engine.index.holds(t, s.hit.index) for t in earlier)]
    words = [t for t in dict.fromkeys(own.tokens) if t in engine.index.idf]
    if not words:
        chosen = _next_unshown(related, context)
    else:
        holding = [s for s in related if _share(engine, words, s) > 0]
        chosen = max(holding, default=None, key=lambda s: s.hit.score * _share(engine, words, s)
                     * (SECTION_BOOST if _in_section(s, context) else 1.0))
    if chosen is None:
        return related[:SHOWN_WITH], 0.0
    ranked = [chosen] + [s for s in related if s is not chosen][:SHOWN_WITH - 1]
    if not words:  # "why?" believes the passage as far as the earlier question did
        return ranked, engine.confidence(replace(context.subject, unknown=blended.unknown, off_topic=blended.off_topic), ranked)
    alone = engine.retrieve(own)  # a follow-up that would be answered alone from the same section is
    belief = engine.confidence(blended, ranked)  # believed at least as much as it would be alone
    if alone and alone[0].passage.section == chosen.passage.section:
        belief = max(belief, engine.confidence(own, alone))
    return ranked, belief * _share(engine, words, chosen)


def _in_section(scored, context: Context) -> bool:
    return scored.passage.section == context.section and scored.passage.source == context.source


def _next_unshown(related: Sequence, context: Context):
    later = [s for s in related if _in_section(s, context) and s.passage.position > context.shown]
    return min(later, key=lambda s: s.passage.position, default=None)


def _share(engine, words: Sequence[str], scored) -> float:
    """The share of the follow-up's own word weight that a passage holds."""
    weights = {t: max(engine.index.idf.get(t, 0.0), 0.0) or 1.0 for t in words}
    held = sum(w for t, w in weights.items() if engine.index.holds(t, scored.hit.index))
    return held / sum(weights.values())
