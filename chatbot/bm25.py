"""BM25 over an inverted index, scoring exactly as rank_bm25's BM25Okapi.

BM25Okapi is the definition: the index is built from its idf table, term frequencies and
lengths, so the scores are the same numbers. Scoring touches only the passages that hold a
query word, instead of looping over every passage for every word as get_scores does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

K1 = 1.5
B = 0.75
EPSILON = 0.25


@dataclass(frozen=True)
class Hit:
    """One scored passage: its index in the corpus and its BM25 score."""

    index: int
    score: float


class InvertedBM25:
    """BM25Okapi's scores from postings lists; build with from_tokens(), query with scores()."""

    def __init__(self, idf: dict[str, float], postings: dict[str, list[tuple[int, int]]],
                 doc_len: Sequence[int], avgdl: float, k1: float = K1, b: float = B) -> None:
        self.idf = idf
        self.postings = postings
        self.doc_len = list(doc_len)
        self.avgdl = avgdl
        self.k1 = k1
        self.b = b
        self._norm = [k1 * (1 - b + b * length / avgdl) if avgdl else k1 for length in self.doc_len]

    @classmethod
    def from_tokens(cls, corpus: Sequence[Sequence[str]], k1: float = K1, b: float = B,
                    epsilon: float = EPSILON) -> "InvertedBM25":
        """Build with rank_bm25.BM25Okapi itself, so its idf (and its epsilon floor) is the definition."""
        if not corpus:
            raise ValueError("BM25 needs at least one passage")
        from rank_bm25 import BM25Okapi

        okapi = BM25Okapi([list(doc) for doc in corpus], k1=k1, b=b, epsilon=epsilon)
        postings: dict[str, list[tuple[int, int]]] = {}
        for index, frequencies in enumerate(okapi.doc_freqs):
            for term, count in frequencies.items():
                postings.setdefault(term, []).append((index, count))
        idf = {term: float(value) for term, value in okapi.idf.items()}
        return cls(idf, postings, [int(n) for n in okapi.doc_len], float(okapi.avgdl), k1, b)

    def __len__(self) -> int:
        return len(self.doc_len)

    def scores(self, query: Sequence[str]) -> dict[int, float]:
        """Scores of the passages that hold at least one query word (all others score 0)."""
        totals: dict[int, float] = {}
        k1_plus = self.k1 + 1
        norm = self._norm
        for term in query:
            idf = self.idf.get(term)
            if not idf:
                continue
            for index, tf in self.postings.get(term, ()):
                totals[index] = totals.get(index, 0.0) + idf * (tf * k1_plus / (tf + norm[index]))
        return totals

    def top(self, query: Sequence[str], n: int = 10) -> list[Hit]:
        """The n best passages, best first; ties go to the earlier passage."""
        ranked = sorted(self.scores(query).items(), key=lambda item: (-item[1], item[0]))
        return [Hit(index, score) for index, score in ranked[:n]]

    def to_dict(self) -> dict:
        """A JSON-safe form for the index cache."""
        return {"idf": self.idf, "postings": self.postings, "doc_len": self.doc_len,
                "avgdl": self.avgdl, "k1": self.k1, "b": self.b}

    @classmethod
    def from_dict(cls, data: dict) -> "InvertedBM25":
        postings = {term: [(int(i), int(tf)) for i, tf in plist] for term, plist in data["postings"].items()}
        return cls({t: float(v) for t, v in data["idf"].items()}, postings,
                   [int(n) for n in data["doc_len"]], float(data["avgdl"]), float(data["k1"]), float(data["b"]))
