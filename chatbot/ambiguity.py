"""When two sections fit a question almost equally: which, and the words that offer the other one.

Rasa's ambiguity threshold, on this engine's scores: when another section's best passage scores
within AMBIGUITY_SHARE of the answering section's, the reply names it and the question that reads
it ("did you mean"). Conservative: on about 2 % of answers of the labelled sets.
"""

from __future__ import annotations

from typing import Sequence

AMBIGUITY_SHARE = 0.92  # another section this close to the answer's is offered too


def close_section(ranked: Sequence) -> str:
    """The heading of another section whose best passage scores nearly as well as the answering
    section's, or "". The article's introduction (named after its title) is about everything, so
    it is never offered."""
    best: dict[str, float] = {}
    for scored in ranked:
        best[scored.passage.section] = max(best.get(scored.passage.section, 0.0), scored.hit.score)
    top = ranked[0].passage.section
    titles = {scored.passage.title for scored in ranked}
    others = sorted(((score, section) for section, score in best.items() if section not in {top} | titles),
                    reverse=True)
    if others and others[0][0] >= AMBIGUITY_SHARE * best[top]:
        return others[0][1]
    return ""


def question_for(heading: str) -> str:
    """A heading as a request: "How it differs from chemotherapy" -> "Tell me how it differs from chemotherapy"."""
    first = heading.split(" ", 1)[0].lower()
    if first in ("what", "when", "where", "how", "why", "who", "which", "about"):
        return "Tell me " + lower_first(heading)
    return "Tell me about " + lower_first(heading)


def lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym ("PD-L1")."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def did_you_mean(shown: str, other: str) -> str:
    """Say that two sections fit the question about equally, and how to read the other one."""
    return (f"Did you mean \u201c{other}\u201d? Your question fits two parts of the article. Below is "
            f"\u201c{shown}\u201d; to read the other, ask: {question_for(other)}")
