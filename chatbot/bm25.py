"""BM25 over an inverted index, scoring exactly as rank_bm25's BM25Okapi.

BM25Okapi is the definition: the index is built from its idf table, term frequencies and
lengths, so the scores are the same numbers. Scoring touches only the passages that hold a
query word, instead of looping over every passage for every word as get_scores does. In a
small index top() also stops taking in new passages once they cannot reach the best n (the
MaxScore method), and then only adds the remaining words' scores to the passages already in the
running; in a large one (VECTORISE_FROM passages and more) it adds whole postings lists at a time
with numpy.
"""

from __future__ import annotations

import base64
import heapq
import sys
from array import array
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

K1 = 1.5
B = 0.75
EPSILON = 0.25
# From this many passages on, top() adds up scores with numpy (rank_bm25's own dependency), whole
# postings lists at a time; below it, plain Python is quicker and spares importing numpy at start-up.
VECTORISE_FROM = 2_000


_MACHINE = f"{sys.byteorder} {array('i').itemsize}"  # how array("i") lays out its bytes here


def _ints(values: Sequence[int]) -> array:
    return values if isinstance(values, array) and values.typecode == "i" else array("i", values)


@dataclass(frozen=True)
class Hit:
    """One scored passage: its index in the corpus and its BM25 score."""

    index: int
    score: float


class InvertedBM25:
    """BM25Okapi's scores from postings lists; build with from_tokens(), query with scores() or top()."""

    def __init__(self, idf: dict[str, float], postings: dict[str, tuple[Sequence[int], Sequence[int]]],
                 doc_len: Sequence[int], avgdl: float, k1: float = K1, b: float = B) -> None:
        self.idf = idf
        # term -> (passage numbers in ascending order, the term's count in each)
        self.postings = {t: (_ints(docs), _ints(tfs)) for t, (docs, tfs) in postings.items()}
        self.doc_len = list(doc_len)
        self.avgdl = avgdl
        self.k1 = k1
        self.b = b
        self._norm = [k1 * (1 - b + b * length / avgdl) if avgdl else k1 for length in self.doc_len]
        self.vectorise_from = VECTORISE_FROM
        self._vectors: dict[str, tuple] | None = None  # term -> (passage numbers, score contributions) in numpy

    @classmethod
    def from_tokens(cls, corpus: Sequence[Sequence[str]], k1: float = K1, b: float = B,
                    epsilon: float = EPSILON) -> "InvertedBM25":
        """Build with rank_bm25.BM25Okapi itself, so its idf (and its epsilon floor) is the definition."""
        if not corpus or not any(corpus):
            raise ValueError("BM25 needs at least one passage with at least one word")
        from rank_bm25 import BM25Okapi

        okapi = BM25Okapi([list(doc) for doc in corpus], k1=k1, b=b, epsilon=epsilon)
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for index, frequencies in enumerate(okapi.doc_freqs):
            for term, count in frequencies.items():
                docs, tfs = postings.setdefault(term, ([], []))
                docs.append(index)
                tfs.append(count)
        idf = {term: float(value) for term, value in okapi.idf.items()}
        return cls(idf, postings, [int(n) for n in okapi.doc_len], float(okapi.avgdl), k1, b)

    def __len__(self) -> int:
        return len(self.doc_len)

    def _weights(self, query: Iterable[str]) -> list[tuple[str, int]]:
        """Query words that can score, with how often each is asked (BM25Okapi sums repeats)."""
        return [(term, count) for term, count in Counter(query).items() if self.idf.get(term) and term in self.postings]

    def scores(self, query: Sequence[str]) -> dict[int, float]:
        """Scores of the passages that hold at least one query word (all others score 0).

        The sum runs over the query words in their order, as get_scores does, so the floating
        point result is the same to the last bit.
        """
        totals: dict[int, float] = {}
        k1_plus = self.k1 + 1
        norm = self._norm
        for term in query:
            idf = self.idf.get(term)
            if not idf or term not in self.postings:
                continue
            docs, tfs = self.postings[term]
            for index, tf in zip(docs, tfs):
                totals[index] = totals.get(index, 0.0) + idf * (tf * k1_plus / (tf + norm[index]))
        return totals

    def score_of(self, query: Sequence[str], index: int) -> float:
        """The score of one passage (bisecting each word's postings)."""
        total = 0.0
        for term in query:
            idf = self.idf.get(term)
            if not idf or term not in self.postings:
                continue
            docs, tfs = self.postings[term]
            at = bisect_left(docs, index)
            if at < len(docs) and docs[at] == index:
                tf = tfs[at]
                total += idf * (tf * (self.k1 + 1) / (tf + self._norm[index]))
        return total

    def scores_at(self, query: Sequence[str], indexes: Sequence[int]) -> list[float]:
        """The scores of the given passages (as score_of; a large index adds them up with numpy)."""
        if len(self.doc_len) < self.vectorise_from or len(indexes) < 4:
            return [self.score_of(query, index) for index in indexes]
        totals = self._totals(query)
        if totals is None:
            return [0.0] * len(indexes)
        return totals[list(indexes)].tolist()

    def top(self, query: Sequence[str], n: int = 10) -> list[Hit]:
        """The n best passages, best first; ties go to the earlier passage.

        Large indexes add the scores up with numpy (see _top_vectorised), small ones in Python.
        """
        if len(self.doc_len) >= self.vectorise_from:
            return self._top_vectorised(query, n)
        return self._top_maxscore(query, n)

    def warm_up(self) -> None:
        """Prepare now what the first question would otherwise prepare (numpy's tables, when large)."""
        if len(self.doc_len) >= self.vectorise_from and self._vectors is None:
            self._prepare_vectors()

    def _vector(self, term: str):
        """The term's passage numbers and each one's score contribution, as numpy arrays."""
        if self._vectors is None:
            self._prepare_vectors()
        return self._vectors[term]

    def _prepare_vectors(self) -> None:
        """Every term's score contributions, worked out at once (one pass of numpy over all the
        postings, a fraction of a second even at 100,000 passages) so no question pays for its words."""
        import numpy as np

        terms = list(self.postings)
        lengths = np.array([len(self.postings[t][0]) for t in terms], dtype=np.int64)
        ids = np.concatenate([np.frombuffer(self.postings[t][0], dtype=np.intc) for t in terms if len(self.postings[t][0])]
                             or [np.zeros(0, dtype=np.intc)])
        tf = np.concatenate([np.frombuffer(self.postings[t][1], dtype=np.intc) for t in terms if len(self.postings[t][1])]
                            or [np.zeros(0, dtype=np.intc)]).astype(np.float64)
        idf = np.repeat(np.array([self.idf.get(t, 0.0) for t in terms], dtype=np.float64), lengths)
        norm = np.array(self._norm, dtype=np.float64)
        # The same operations, in the same order, as BM25Okapi.get_scores: the same numbers.
        contributions = idf * (tf * (self.k1 + 1) / (tf + norm[ids]))
        ends = np.cumsum(lengths).tolist()
        starts = [0] + ends[:-1]
        self._vectors = {t: (ids[a:b], contributions[a:b]) for t, a, b in zip(terms, starts, ends)}

    def _totals(self, query: Sequence[str]):
        """Every passage's score as a numpy array (None when no query word scores), summed in
        query order as get_scores sums them, so the numbers are the same to the last bit."""
        import numpy as np

        totals = None
        for term in query:
            if not self.idf.get(term) or term not in self.postings:
                continue
            ids, contributions = self._vector(term)
            if totals is None:
                totals = np.zeros(len(self.doc_len), dtype=np.float64)
            totals[ids] += contributions  # a term's passage numbers are distinct, so += is exact
        return totals

    def _top_vectorised(self, query: Sequence[str], n: int) -> list[Hit]:
        """Scores added a whole postings list at a time (_totals), then the best n of the passages that scored."""
        if n <= 0:
            return []
        import numpy as np

        totals = self._totals(query)
        if totals is None:
            return []
        scored = np.flatnonzero(totals != 0.0)  # (a comparison first: flatnonzero is slow on floats)
        if len(scored) > n:
            values = totals[scored]
            cut = len(values) - n
            nth = values[np.argpartition(values, cut)[cut]]
            scored = scored[values >= nth]  # every passage tying with the n-th best, for the tie rule
        best = sorted(zip(totals[scored].tolist(), scored.tolist()), key=lambda item: (-item[0], item[1]))
        return [Hit(index, score) for score, index in best[:n]]

    def _top_maxscore(self, query: Sequence[str], n: int = 10) -> list[Hit]:
        """top() in plain Python, touching as few postings as it can.

        Words are taken rarest-first. Once the n-th best score so far beats what all the words
        still to come could add together, no passage outside the running can enter the top n,
        so the remaining words only complete the scores of the passages already in it. Final
        scores are recomputed in query order, so they equal get_scores' exactly.
        """
        weights = self._weights(query)
        if not weights or n <= 0:
            return []
        k1_plus = self.k1 + 1
        bound = {term: self.idf[term] * k1_plus * count for term, count in weights}
        order = sorted(weights, key=lambda item: -bound[item[0]])
        remaining = sum(bound.values())
        totals: dict[int, float] = {}
        norm = self._norm
        open_to_new = True
        for term, count in order:
            remaining -= bound[term]
            idf = self.idf[term] * count
            docs, tfs = self.postings[term]
            if open_to_new:
                for index, tf in zip(docs, tfs):
                    totals[index] = totals.get(index, 0.0) + idf * (tf * k1_plus / (tf + norm[index]))
                if len(totals) >= n and heapq.nlargest(n, totals.values())[-1] > remaining:
                    open_to_new = False
            else:
                for index in totals:
                    at = bisect_left(docs, index)
                    if at < len(docs) and docs[at] == index:
                        tf = tfs[at]
                        totals[index] += idf * (tf * k1_plus / (tf + norm[index]))
        # Safety margin for rounding: keep everything that could still tie with the n-th best.
        best = heapq.nlargest(n, totals.items(), key=lambda item: (item[1], -item[0]))
        cutoff = best[-1][1] - 1e-9 * max(1.0, abs(best[-1][1]))
        contenders = [i for i, s in totals.items() if s >= cutoff]
        exact = [(i, self.score_of(query, i)) for i in contenders]
        exact.sort(key=lambda item: (-item[1], item[0]))
        return [Hit(i, s) for i, s in exact[:n]]

    def holds(self, term: str, index: int) -> bool:
        """Does the passage hold the term?"""
        found = self.postings.get(term)
        if found is None:
            return False
        docs = found[0]
        at = bisect_left(docs, index)
        return at < len(docs) and docs[at] == index

    def to_dict(self) -> dict:
        """A JSON-safe form for the index cache.

        The postings lists go as two base64 blocks of machine integers (passage numbers, counts)
        with each term's length: millions of numbers load far faster that way than as JSON lists.
        """
        docs, tfs = array("i"), array("i")
        for term_docs, term_tfs in self.postings.values():
            docs.extend(term_docs)
            tfs.extend(term_tfs)
        return {"idf": self.idf, "terms": list(self.postings), "lengths": [len(d) for d, _ in self.postings.values()],
                "docs": base64.b64encode(docs.tobytes()).decode("ascii"),
                "tfs": base64.b64encode(tfs.tobytes()).decode("ascii"),
                "machine": _MACHINE, "doc_len": self.doc_len, "avgdl": self.avgdl, "k1": self.k1, "b": self.b}

    @classmethod
    def from_dict(cls, data: dict) -> "InvertedBM25":
        """Rebuild from to_dict(); ValueError when the data does not fit (a cache from another machine)."""
        if data["machine"] != _MACHINE:
            raise ValueError("the index was written on a machine with other integers")
        docs, tfs = array("i"), array("i")
        docs.frombytes(base64.b64decode(data["docs"], validate=True))
        tfs.frombytes(base64.b64decode(data["tfs"], validate=True))
        terms, lengths = data["terms"], data["lengths"]
        if len(terms) != len(lengths) or sum(lengths) != len(docs) or len(docs) != len(tfs):
            raise ValueError("the postings do not add up")
        postings = {}
        start = 0
        for term, length in zip(terms, lengths):
            postings[term] = (docs[start : start + length], tfs[start : start + length])
            start += length
        return cls({t: float(v) for t, v in data["idf"].items()}, postings,
                   [int(n) for n in data["doc_len"]], float(data["avgdl"]), float(data["k1"]), float(data["b"]))
