"""The reply contract (DESIGN.md): what every interface shows and what --json prints."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .output import json_text

KINDS = ("answer", "no_answer", "urgent", "smalltalk")


@dataclass(frozen=True)
class Citation:
    """Where a reply's text comes from: section heading, corpus file, passage id and its score."""

    section: str
    source: str
    passage: str
    score: float
    title: str = ""  # the article's title, for a library of many articles


@dataclass(frozen=True)
class Reply:
    """One reply to one question, the same for the chat, the kiosk, --ask, --batch and the FAQ check."""

    question: str
    kind: str
    answer: str
    citations: tuple[Citation, ...] = ()
    confidence: float = 0.0
    title: str = ""  # the cited article's title, for display
    level: str = ""  # for urgent replies: crisis, emergency or symptom
    notes: tuple[str, ...] = field(default=(), compare=False)  # e.g. "your question was shortened"
    alternative: str = field(default="", compare=False)  # a close second section, offered by name ("did you mean")

    def to_dict(self) -> dict:
        """The JSON fields of the contract, in their documented order."""
        return {
            "question": self.question,
            "kind": self.kind,
            "answer": self.answer,
            "citations": [
                {"section": c.section, "source": c.source, "passage": c.passage, "score": round(c.score, 4),
                 "title": c.title}
                for c in self.citations
            ],
            "confidence": round(self.confidence, 3),
        }

    def to_json(self) -> str:
        """One line of JSON: line separators inside the text are escaped (chatbot.output)."""
        return json_text(self.to_dict())


__all__ = ["Citation", "Reply", "KINDS", "asdict"]
