"""bm25.py: InvertedBM25 gives rank_bm25.BM25Okapi's scores and ranking, faster.

Small literal corpora have 5 passages: Okapi's idf is zero or negative for a word in half or more
of the passages, so a 2-passage corpus says little.
"""

from __future__ import annotations

import json
import random

import pytest
from rank_bm25 import BM25Okapi

from chatbot import bm25
from chatbot.bm25 import Hit, InvertedBM25

FRUIT = [
    ["apple", "pear", "plum"],
    ["kiwi", "lime"],
    ["apple", "pear", "plum"],  # the same as passage 0: every query ties them
    ["fig", "date", "date", "lime"],
    ["mango", "papaya", "guava", "lime", "melon", "grape"],
]


@pytest.fixture(autouse=True, params=["python", "numpy"])
def way(request, monkeypatch):
    """Every test runs both ways top() can rank: Python's MaxScore (small indexes) and numpy's sums (large)."""
    if request.param == "numpy":
        monkeypatch.setattr(bm25, "VECTORISE_FROM", 0)
    return request.param


# -- a generated corpus compared with BM25Okapi ------------------------------------------------


def zipf_corpus(seed: int, passages: int = 300, vocabulary: int = 400):
    """Passages and queries drawn from a vocabulary with Zipf-like word frequencies."""
    rng = random.Random(seed)
    vocab = [f"w{i:03d}" for i in range(vocabulary)]
    weights = [1.0 / (rank + 1) ** 1.05 for rank in range(vocabulary)]
    corpus = [rng.choices(vocab, weights, k=rng.randint(3, 80)) for _ in range(passages)]
    for _ in range(15):  # exact copies, so ties happen
        corpus.insert(rng.randrange(len(corpus)), list(rng.choice(corpus)))
    queries = []
    for _ in range(200):
        style = rng.random()
        if style < 0.4:
            query = rng.choices(vocab, weights, k=rng.randint(1, 8))  # common words, repeats likely
        elif style < 0.8:
            query = rng.sample(vocab, rng.randint(1, 6))  # rarer words
        else:
            query = rng.sample(vocab, rng.randint(1, 4)) + ["never-seen", "w999"]
        queries.append(query)
    return corpus, queries


def okapi_top(okapi: BM25Okapi, corpus, query, n: int = 10) -> list[tuple[int, float]]:
    """BM25Okapi's best n among the passages holding a query word; ties to the lower index."""
    scores = okapi.get_scores(query)
    words = set(query)
    holders = [i for i, doc in enumerate(corpus) if words & set(doc)]
    holders.sort(key=lambda i: (-scores[i], i))
    return [(i, float(scores[i])) for i in holders[:n]]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_scores_and_top_10_equal_bm25okapi(seed, way):
    corpus, queries = zipf_corpus(seed)
    okapi = BM25Okapi(corpus)
    index = InvertedBM25.from_tokens(corpus)
    assert len(index) == len(corpus)
    assert (index.vectorise_from == 0) == (way == "numpy")
    mismatches = []
    for query in queries:
        expected_scores = okapi.get_scores(query)
        got = index.scores(query)
        for i, value in enumerate(expected_scores):
            if abs(got.get(i, 0.0) - value) > 1e-9:
                mismatches.append(("score", query, i, got.get(i, 0.0), float(value)))
        expected_top = okapi_top(okapi, corpus, query)
        top = index.top(query, 10)
        if [h.index for h in top] != [i for i, _ in expected_top]:
            mismatches.append(("top ids", query, [h.index for h in top], [i for i, _ in expected_top]))
        elif any(abs(h.score - s) > 1e-9 for h, (_, s) in zip(top, expected_top)):
            mismatches.append(("top scores", query, [h.score for h in top], [s for _, s in expected_top]))
    assert not mismatches, f"{len(mismatches)} mismatches, first: {mismatches[:3]}"


def test_scores_at_equal_bm25okapi_for_chosen_passages():
    corpus, queries = zipf_corpus(4, passages=150)
    okapi = BM25Okapi(corpus)
    index = InvertedBM25.from_tokens(corpus)
    chosen = [0, 7, 7, 149, 3, 60, 61]
    for query in queries:
        expected = okapi.get_scores(query)
        assert index.scores_at(query, chosen) == pytest.approx([expected[i] for i in chosen], abs=1e-9), query
        assert index.scores_at(query, chosen[:2]) == [index.score_of(query, i) for i in chosen[:2]]


@pytest.mark.parametrize("n", [1, 3, 25, 1000])
def test_top_n_is_a_prefix_of_the_full_ranking(n):
    corpus, queries = zipf_corpus(7, passages=120, vocabulary=200)
    okapi = BM25Okapi(corpus)
    index = InvertedBM25.from_tokens(corpus)
    for query in queries[:60]:
        assert [h.index for h in index.top(query, n)] == [i for i, _ in okapi_top(okapi, corpus, query, n)], query


def test_idf_is_bm25okapi_own():
    corpus, _ = zipf_corpus(4, passages=100, vocabulary=150)
    okapi = BM25Okapi(corpus, k1=1.2, b=0.6, epsilon=0.3)
    index = InvertedBM25.from_tokens(corpus, k1=1.2, b=0.6, epsilon=0.3)
    assert index.idf == pytest.approx({t: float(v) for t, v in okapi.idf.items()}, abs=0)
    query = ["w000", "w010", "w050", "w120"]
    expected = okapi.get_scores(query)
    got = index.scores(query)
    assert all(abs(got.get(i, 0.0) - v) <= 1e-9 for i, v in enumerate(expected))


# -- round trip for the index cache ----------------------------------------------------------


def test_to_dict_from_dict_round_trip_gives_identical_scores():
    corpus, queries = zipf_corpus(5, passages=150, vocabulary=250)
    index = InvertedBM25.from_tokens(corpus)
    again = InvertedBM25.from_dict(json.loads(json.dumps(index.to_dict())))
    assert len(again) == len(index)
    for query in queries:
        assert again.scores(query) == index.scores(query)
        assert again.top(query, 10) == index.top(query, 10)


def test_round_trip_on_a_small_corpus():
    index = InvertedBM25.from_tokens(FRUIT)
    again = InvertedBM25.from_dict(json.loads(json.dumps(index.to_dict())))
    for query in (["kiwi"], ["date", "lime"], ["apple", "melon"], ["nothing"]):
        assert again.top(query, 5) == index.top(query, 5)


# -- small literal corpora -----------------------------------------------------------------


def test_the_passage_with_a_rare_word_ranks_first():
    index = InvertedBM25.from_tokens(FRUIT)
    assert [h.index for h in index.top(["mango"])] == [4]
    assert [h.index for h in index.top(["date", "lime"])][0] == 3  # date twice, and lime


def test_ties_go_to_the_earlier_passage_every_time():
    index = InvertedBM25.from_tokens(FRUIT)
    first = index.top(["pear"], 5)
    assert [h.index for h in first] == [0, 2]
    assert first[0].score == first[1].score > 0
    for _ in range(5):
        assert index.top(["pear"], 5) == first
    assert [h.index for h in index.top(["pear"], 1)] == [0]


def test_ties_among_many_equal_passages():
    corpus = [["common", f"unique{i}"] for i in range(8)] + [["other"], ["else"], ["more"]]
    index = InvertedBM25.from_tokens(corpus)
    assert [h.index for h in index.top(["common"], 5)] == [0, 1, 2, 3, 4]


def test_words_no_passage_holds_score_nothing():
    index = InvertedBM25.from_tokens(FRUIT)
    assert index.top(["banana"]) == []
    assert index.scores(["banana"]) == {}
    assert index.top([]) == []


def test_top_returns_only_passages_that_hold_a_query_word():
    index = InvertedBM25.from_tokens(FRUIT)
    hits = index.top(["kiwi"], 10)
    assert hits == [Hit(1, hits[0].score)]
    assert hits[0].score > 0


def test_repeated_query_words_count_twice_as_in_bm25okapi():
    okapi = BM25Okapi(FRUIT)
    index = InvertedBM25.from_tokens(FRUIT)
    query = ["kiwi", "kiwi", "mango"]
    expected = okapi.get_scores(query)
    assert index.scores(query) == pytest.approx({1: expected[1], 4: expected[4]}, abs=1e-12)
    assert [h.index for h in index.top(query)] == [1, 4] or [h.index for h in index.top(query)] == [4, 1]


def test_empty_corpus_is_a_value_error():
    with pytest.raises(ValueError):
        InvertedBM25.from_tokens([])


def test_a_corpus_without_any_word_is_a_value_error():
    # e.g. an article whose every word is a stop word: a clear ValueError, not ZeroDivisionError
    with pytest.raises(ValueError):
        InvertedBM25.from_tokens([[], []])


def test_holds_says_which_passages_have_a_word():
    index = InvertedBM25.from_tokens(FRUIT)
    assert [i for i in range(len(FRUIT)) if index.holds("lime", i)] == [1, 3, 4]
    assert not index.holds("banana", 0)


def test_a_damaged_or_foreign_dict_is_a_value_error():
    good = InvertedBM25.from_tokens(FRUIT).to_dict()
    for change in ({"docs": good["docs"][:-8]}, {"docs": "not base64!"}, {"machine": "big 8"},
                   {"lengths": good["lengths"][:-1]}):
        with pytest.raises(ValueError):
            InvertedBM25.from_dict({**good, **change})


def test_warm_up_prepares_numpy_tables_only_for_a_large_index(way):
    index = InvertedBM25.from_tokens(FRUIT)
    before = index.top(["lime", "date"], 3)
    index.warm_up()
    assert (index._vectors is not None) == (way == "numpy")
    assert index.top(["lime", "date"], 3) == before
