"""Issue 15, items 2 and 3: safety text never comes from the index cache, a tampered cache is
rebuilt, and every data file is checked as it will be used (templates, joined patterns, files cut
short, pipes and huge files, PyYAML with and without libyaml)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from chatbot import cache, yamlfile
from chatbot.engine import ROOT, Engine, Paths
from chatbot.errors import DataError

CHEMO = "how is it different from chemotherapy?"
ARTICLE_TEXT = "Chemotherapy is more direct"


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("CHATBOT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def root(tmp_path) -> Path:
    """A copy of the project's corpus and data files, to break one at a time."""
    copy = tmp_path / "root"
    shutil.copytree(ROOT / "corpus", copy / "corpus")
    shutil.copytree(ROOT / "data", copy / "data")
    return copy


def the_cache_file(cache_home: Path) -> Path:
    (path,) = cache_home.glob("index-*.json")
    return path


def state_of(path: Path) -> dict:
    return json.loads(path.read_bytes().partition(b"\n")[2])


def sign(path: Path, state: dict) -> None:
    """Write a state with a correct digest: what someone who read chatbot/cache.py could do."""
    body = json.dumps(state).encode()
    path.write_bytes(cache._digest(state["key"], body).encode() + b"\n" + body)


def replace_line(path: Path, old: str, new: str) -> int:
    """Replace the first line holding old; return its 1-based number."""
    lines = path.read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines) if old in line)
    lines[number] = lines[number].replace(old, new)
    path.write_text("\n".join(lines), encoding="utf-8")
    return number + 1


# -- item 2: the cache ------------------------------------------------------------------------
def test_an_edited_cache_is_rebuilt_not_trusted(cache_home, monkeypatch):
    Engine.load(cache="use")
    path = the_cache_file(cache_home)
    data = path.read_bytes()
    assert b'"section_of":[0,' in data
    path.write_bytes(data.replace(b'"section_of":[0,', b'"section_of":[1,', 1))  # the digest no longer fits
    builds = []
    real_build = Engine.build.__func__
    monkeypatch.setattr(Engine, "build", classmethod(lambda cls, *a: builds.append(1) or real_build(cls, *a)))
    reply = Engine.load(cache="read").answer(CHEMO)
    assert builds == [1] and ARTICLE_TEXT in reply.answer


def test_no_text_a_patient_sees_comes_from_even_a_well_signed_cache(cache_home):
    Engine.load(cache="use")
    path = the_cache_file(cache_home)
    state = state_of(path)
    built = Engine.load(cache="off")
    # Text where earlier caches kept it: passages, triage and small talk, all rewritten.
    state["passages"] = [{**vars(p), "text": "Chemotherapy is a myth, skip it."} for p in built.passages]
    triage = yaml.safe_load((ROOT / "data" / "triage.yaml").read_text(encoding="utf-8"))
    triage["messages"]["emergency"] = "Call 000 now."
    smalltalk = yaml.safe_load((ROOT / "data" / "smalltalk.yaml").read_text(encoding="utf-8"))
    for intent in smalltalk["intents"]:
        intent["reply"] = "Invented reply."
    state["documents"] = {"triage": triage, "smalltalk": smalltalk}
    sign(path, state)
    engine = Engine.load(cache="read")
    answer = engine.answer(CHEMO)
    assert ARTICLE_TEXT in answer.answer and "myth" not in answer.answer
    urgent = engine.answer("i cant breathe")
    assert urgent.kind == "urgent" and "call 999 now" in urgent.answer.lower() and "000" not in urgent.answer
    assert engine.answer("thank you").answer != "Invented reply."


def test_a_signed_cache_of_other_passages_is_rebuilt(cache_home):
    Engine.load(cache="use")
    path = the_cache_file(cache_home)
    state = state_of(path)
    state["passage_ids"] = state["passage_ids"][::-1]  # the index would point at the wrong passages
    sign(path, state)
    reply = Engine.load(cache="read").answer(CHEMO)
    assert reply.kind == "answer" and ARTICLE_TEXT in reply.answer


def test_a_cache_of_deeply_nested_brackets_is_rebuilt(cache_home):
    Engine.load(cache="use")
    path = the_cache_file(cache_home)
    key = state_of(path)["key"]
    body = b"[" * 200_000 + b"]" * 200_000
    path.write_bytes(cache._digest(key, body).encode() + b"\n" + body)
    assert Engine.load(cache="read").answer(CHEMO).kind == "answer"


def test_build_index_that_cannot_write_says_why_and_fails(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    env = dict(os.environ, CHATBOT_CACHE_DIR=str(blocker / "cache"))
    result = subprocess.run([sys.executable, "run_chat.py", "--build-index"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "Index ready" not in result.stdout
    assert "The index was not built: cannot write the index cache in" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_failed_cache_write_leaves_no_temporary_file(cache_home, monkeypatch):
    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(cache.WriteError, match="No space left on device"):
        cache.write("k" * 64, {"passages": []})
    assert list(cache_home.iterdir()) == []


def test_temporary_files_left_by_a_killed_writer_are_removed_by_the_next_build(cache_home):
    cache_home.mkdir(parents=True)
    left = cache_home / ".index-killed.tmp"
    left.write_text("{", encoding="utf-8")
    os.utime(left, (0, 0))
    fresh = cache_home / ".index-writing-now.tmp"
    fresh.write_text("{", encoding="utf-8")
    cache.write("k" * 64, {"passages": []})
    assert not left.exists() and fresh.exists()


# -- item 3: data checked as used ------------------------------------------------------------
def load_error(root: Path) -> DataError:
    with pytest.raises(DataError) as info:
        Engine.load(Paths.under(root), cache="off")
    return info.value


def test_a_reply_template_with_an_unknown_field_names_its_file_and_line(root):
    path = root / "data" / "smalltalk.yaml"
    line = replace_line(path, "I answer questions about cancer", "Hello {name}! I answer questions about cancer")
    error = load_error(root)
    assert error.path.endswith("smalltalk.yaml") and error.line == line - 1  # the reply: line
    assert "{name}" in error.problem


def test_a_group_name_used_twice_in_small_talk_names_the_line(root):
    path = root / "data" / "smalltalk.yaml"
    line = replace_line(path, "- 'hiya'", "- '(?P<word>hiya)'")
    replace_line(path, "- 'helo'", "- '(?P<word>helo)'")
    error = load_error(root)
    # refused at the first named group's own line: names break once patterns are joined
    assert error.path.endswith("smalltalk.yaml") and error.line == line
    assert "group" in error.problem


@pytest.mark.parametrize("joined", ["two patterns", "an all pattern"])
def test_a_triage_group_name_that_breaks_once_joined_names_the_rule(root, joined):
    path = root / "data" / "triage.yaml"
    if joined == "an all pattern":  # its parts are tried in every order: a name in a part repeats
        line = replace_line(path, "- all: [chest,", "- all: ['(?P<part>chest)',")
    else:  # each compiles alone; the rule's patterns are searched joined
        line = replace_line(path, "- heart attack|cardiac arrest", "- (?P<what>heart attack)|cardiac arrest")
        replace_line(path, "- heart (is |keeps )?(racing", "- heart (is |keeps )?(?P<what>racing")
    error = load_error(root)
    # refused at the rule or at the pattern's own line, never at start of use
    assert error.path.endswith("triage.yaml") and error.line is not None and error.line <= line
    assert "(?P<" in error.problem or "cannot be used together" in error.problem


@pytest.mark.parametrize("name, after, pattern", [
    ("lexicon.yaml", "asks: 'how (long", "(?i)how long"),
    ("smalltalk.yaml", "- 'hiya'", "(?i)hiya"),
    ("triage.yaml", "- heart attack|cardiac arrest", "(?i)heart attack"),
], ids=["lexicon", "smalltalk", "triage"])
def test_a_pattern_that_compiles_alone_but_not_as_wrapped_names_its_file(root, name, after, pattern):
    # a global flag must open the whole expression: inside the wrapping it is an error
    path = root / "data" / name
    lines = path.read_text(encoding="utf-8").split("\n")
    index = next(i for i, line in enumerate(lines) if line.strip().startswith(after))
    if name == "lexicon.yaml":  # a question kind's pattern
        lines[index] = lines[index][: lines[index].index("asks: ")] + f"asks: '{pattern}'"
    else:  # the whole list item becomes the pattern
        lines[index] = lines[index][: lines[index].index("- ")] + f"- '{pattern}'"
    path.write_text("\n".join(lines), encoding="utf-8")
    error = load_error(root)
    assert error.path.endswith(name) and error.line is not None
    assert "global flags" in error.problem


def test_a_triage_file_cut_short_before_a_level_is_refused(root):
    path = root / "data" / "triage.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("level: symptom")].rsplit("\n  - name:", 1)[0] + "\n", encoding="utf-8")
    error = load_error(root)
    assert "no rule has the level symptom" in error.problem


def test_small_talk_without_intents_is_refused(root):
    (root / "data" / "smalltalk.yaml").write_text("intents: []\n", encoding="utf-8")
    assert "the intents list is empty" in load_error(root).problem


def test_a_lexicon_cut_short_is_refused(root):
    path = root / "data" / "lexicon.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\noff_topic:")] + "\n", encoding="utf-8")
    assert "is the file cut short" in load_error(root).problem


def run_with_root(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run_chat.py", "--root", str(root), *args], cwd=ROOT,
                          env=dict(os.environ, CHATBOT_CACHE_DIR=str(root / "cache")),
                          capture_output=True, text=True, timeout=60)


def test_a_fifo_in_the_corpus_is_refused_at_once(root):
    os.mkfifo(root / "corpus" / "zz-pipe.md")
    result = run_with_root(root, "--ask", "what is immunotherapy")
    assert result.returncode == 2
    assert "zz-pipe.md: not a regular file" in result.stderr


def test_a_huge_corpus_file_is_refused(root):
    with open(root / "corpus" / "zz-huge.md", "wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse
    result = run_with_root(root, "--ask", "what is immunotherapy")
    assert result.returncode == 2
    assert "zz-huge.md: the file is too large (200.0 MiB" in result.stderr


@pytest.fixture(params=["libyaml", "pure Python"])
def yaml_parser(request, monkeypatch):
    """Run a test with PyYAML's libyaml parser and again as if PyYAML were built without it."""
    if request.param == "pure Python":
        monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    else:
        assert hasattr(yaml, "CSafeLoader"), "this PyYAML has no libyaml: the libyaml case cannot run"
    yamlfile._strict_loader.cache_clear()
    yield request.param
    yamlfile._strict_loader.cache_clear()


@pytest.mark.parametrize("name", ["triage.yaml", "smalltalk.yaml", "lexicon.yaml", "faq.yaml"])
def test_every_data_file_reads_the_same_with_either_yaml_parser(yaml_parser, name):
    text = (ROOT / "data" / name).read_text(encoding="utf-8")
    expected = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    assert yamlfile.read_yaml(ROOT / "data" / name).data == yaml.load(text, Loader=yaml.SafeLoader) == expected


def test_the_engine_starts_and_triages_with_either_yaml_parser(yaml_parser):
    engine = Engine.load(cache="off")
    assert engine.answer("i cant breathe").kind == "urgent"
    assert engine.answer("i have chest pain").kind == "urgent"
