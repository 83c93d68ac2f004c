"""Cut articles into passages small enough to answer one question.

Paragraphs are the unit. Short fragments (a one-line lead-in, a list and its "looking at:" line)
join their neighbours; long paragraphs split at sentence boundaries with nltk's untrained Punkt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from .corpus import Article, Block
from .text import import_nltk

MIN_WORDS = 25  # a paragraph shorter than this is a fragment: it joins a neighbour
MAX_WORDS = 90  # a paragraph longer than this is split at sentence boundaries
TARGET_WORDS = 60


@dataclass(frozen=True)
class Passage:
    """A piece of an article that can answer a question, and where it came from."""

    id: str
    source: str
    title: str
    section: str
    anchor: str
    position: int
    text: str


def slug(text: str) -> str:
    """A lowercase, hyphenated name for a heading or file, for ids and anchors."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def _word_count(text: str) -> int:
    return len(text.split())


def _group(blocks: Iterable[Block]) -> list[list[str]]:
    """Paragraph groups: a lead-in ending with ':' takes the list items that follow it."""
    groups: list[list[str]] = []
    previous_list = False
    for block in blocks:
        if block.is_list_item:
            line = f"- {block.text}"
            if groups and (previous_list or groups[-1][-1].rstrip().endswith(":")):
                groups[-1].append(line)
            else:
                groups.append([line])
            previous_list = True
        else:
            groups.append([block.text])
            previous_list = False
    return groups


def _merge_fragments(groups: list[list[str]]) -> list[list[str]]:
    """Join groups under MIN_WORDS to the next group (or the previous, at a section's end)."""
    merged: list[list[str]] = []
    carry: list[str] = []
    for group in groups:
        group = carry + group
        carry = []
        if _word_count(" ".join(group)) < MIN_WORDS:
            carry = group
        else:
            merged.append(group)
    if carry:
        if merged:
            merged[-1] = merged[-1] + carry
        else:
            merged.append(carry)
    return merged


def split_sentences(text: str) -> list[str]:
    """Sentences of text, by nltk's Punkt splitter used untrained (no data download)."""
    import_nltk()
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    return [s.strip() for s in PunktSentenceTokenizer().tokenize(text) if s.strip()]


def _split_long(group: list[str]) -> list[list[str]]:
    """Split a single long paragraph into runs of sentences of about TARGET_WORDS words."""
    if len(group) != 1 or _word_count(group[0]) <= MAX_WORDS:
        return [group]
    pieces: list[list[str]] = []
    current: list[str] = []
    for sentence in split_sentences(group[0]):
        if current and _word_count(" ".join(current + [sentence])) > TARGET_WORDS:
            pieces.append([" ".join(current)])
            current = []
        current.append(sentence)
    if current:
        if pieces and _word_count(" ".join(current)) < MIN_WORDS:
            pieces[-1] = [pieces[-1][0] + " " + " ".join(current)]
        else:
            pieces.append([" ".join(current)])
    return pieces


def chunk(article: Article) -> list[Passage]:
    """All passages of one article, in reading order, with stable readable ids."""
    passages: list[Passage] = []
    stem = slug(article.source.rsplit(".", 1)[0])
    for section in article.sections:
        anchor = slug(section.heading)
        groups = _merge_fragments(_group(section.blocks))
        pieces = [piece for group in groups for piece in _split_long(group)]
        for number, piece in enumerate(pieces, start=1):
            passages.append(
                Passage(
                    id=f"{stem}/{anchor}/{number}",
                    source=article.source,
                    title=article.title,
                    section=section.heading,
                    anchor=anchor,
                    position=len(passages),
                    text="\n".join(piece),
                )
            )
    return passages
