"""The index cache: used when valid, rebuilt when stale or corrupt, and replies never change."""

from __future__ import annotations

import json

import pytest

from chatbot import cache
from chatbot.engine import Engine, Paths

QUESTIONS = [
    "how is it different from chemotherapy?",
    "does immuno give you the runs",
    "what is pd-l1 used for",
    "how much does parking cost",
    "i cant breathe",
    "thank you",
    "sytem side affects",
]


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("CHATBOT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def cached_state(path) -> dict:
    """The JSON after the cache file's digest line."""
    return json.loads(path.read_bytes().partition(b"\n")[2])


def rewrite_signed(path, state: dict) -> None:
    """Write a state with a correct digest, as someone who knows the format could."""
    body = json.dumps(state).encode()
    path.write_bytes(cache._digest(state["key"], body).encode() + b"\n" + body)


def replies(engine: Engine) -> list[dict]:
    return [engine.answer(q).to_dict() for q in QUESTIONS]


def test_replies_are_identical_with_and_without_the_cache(cache_home):
    built = Engine.load(cache="off")
    Engine.load(cache="use")  # writes the cache
    assert list(cache_home.glob("index-*.json")), "the cache was not written"
    cached = Engine.load(cache="read")
    assert replies(cached) == replies(built)


def test_a_valid_cache_is_used_instead_of_rebuilding(cache_home, monkeypatch):
    Engine.load(cache="use")

    def no_build(*args, **kwargs):
        raise AssertionError("the engine was rebuilt although a valid cache exists")

    monkeypatch.setattr(Engine, "build", classmethod(no_build))
    engine = Engine.load(cache="read")
    assert engine.answer(QUESTIONS[0]).kind == "answer"


def test_state_round_trip_through_json_keeps_replies(cache_home):
    engine = Engine.load(cache="off")
    restored = Engine.from_state(json.loads(json.dumps(engine.to_state())), Paths.under())
    assert replies(restored) == replies(engine)


def test_a_corrupt_cache_is_rebuilt_not_trusted(cache_home):
    Engine.load(cache="use")
    (path,) = cache_home.glob("index-*.json")
    path.write_text('{"format": 1, "key": "' + path.stem + '", "passages": [', encoding="utf-8")
    engine = Engine.load(cache="use")
    assert engine.answer(QUESTIONS[0]).kind == "answer"
    assert cached_state(path)["format"] == cache.FORMAT  # rewritten whole


def test_a_cache_of_the_right_key_but_wrong_shape_is_rebuilt(cache_home):
    Engine.load(cache="use")
    (path,) = cache_home.glob("index-*.json")
    state = cached_state(path)
    state["index"] = {"nonsense": True}
    rewrite_signed(path, state)
    assert Engine.load(cache="read").answer(QUESTIONS[0]).kind == "answer"


def test_a_changed_data_file_changes_the_key(tmp_path):
    data = tmp_path / "lexicon.yaml"
    data.write_text("terms: {chemo: chemotherapy}\n", encoding="utf-8")
    first = cache.cache_key([data], [])
    data.write_text("terms: {chemo: chemotherapy, jab: infusion}\n", encoding="utf-8")
    assert cache.cache_key([data], []) != first


def test_read_only_mode_never_writes(cache_home):
    Engine.load(cache="read")
    assert not cache_home.exists() or not any(cache_home.iterdir())


def test_the_cache_is_json_not_pickle(cache_home):
    Engine.load(cache="use")
    (path,) = cache_home.glob("index-*.json")
    assert cached_state(path)["key"].startswith(path.stem.removeprefix("index-"))
