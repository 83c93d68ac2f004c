"""The words that offer a patient another part of the article: "did you mean", and a heading as a question."""

from __future__ import annotations


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
