"""Broken data files stop start-up with exit code 2 and a message naming the file and the line.

Each case copies the project's corpus/ and data/ folders, breaks one file the way a hurried edit
would, and runs `run_chat.py --root COPY --ask hi`: exit 2, the file and (where there is one) the
line on stderr, nothing on stdout, no traceback.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

PROJECT = Path(__file__).resolve().parent.parent
RUN = PROJECT / "run_chat.py"
ARTICLE = "corpus/immunotherapy.md"
ANY_LINE = -1  # the message names some line, which one depends on the parser


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    values = dict(os.environ)
    values["CHATBOT_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    return values


@pytest.fixture
def root(tmp_path) -> Path:
    copy = tmp_path / "root"
    copy.mkdir()
    shutil.copytree(PROJECT / "corpus", copy / "corpus")
    shutil.copytree(PROJECT / "data", copy / "data")
    return copy


def start(env, root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(RUN), "--root", str(root), "--ask", "hi"], capture_output=True,
                          env=env, cwd=root, timeout=120)


# -- editing helpers: each returns the 1-based line the mistake is on --------------------------------
def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def line_index(lines: list[str], test: Callable[[str], bool], after: int = 0) -> int:
    """0-based index of the first line (from `after`) that passes the test."""
    return next(i for i in range(after, len(lines)) if test(lines[i]))


def insert(path: Path, index: int, new: str) -> int:
    lines = lines_of(path)
    lines.insert(index, new)
    path.write_text("\n".join(lines), encoding="utf-8")
    return index + 1


def replace(path: Path, index: int, new: str) -> int:
    lines = lines_of(path)
    lines[index] = new
    path.write_text("\n".join(lines), encoding="utf-8")
    return index + 1


def after_key(path: Path, key: str) -> int:
    """Index of the line just after a top-level key."""
    return line_index(lines_of(path), lambda line: line.startswith(f"{key}:")) + 1


# -- the corpus ------------------------------------------------------------------------------
def corpus_no_front_matter(root):
    path = root / ARTICLE
    path.write_text("\n".join(lines_of(path)[5:]), encoding="utf-8")  # front matter cut off
    return ARTICLE, 1


def corpus_unknown_front_matter_key(root):
    path = root / ARTICLE
    return ARTICLE, replace(path, line_index(lines_of(path), lambda l: l.startswith("author:")), "writer: Someone")


def corpus_front_matter_without_title(root):
    path = root / ARTICLE
    lines = lines_of(path)
    del lines[line_index(lines, lambda l: l.startswith("title:"))]
    path.write_text("\n".join(lines), encoding="utf-8")
    return ARTICLE, line_index(lines, lambda l: l.strip() == "---", after=1) + 1


def corpus_front_matter_never_closed(root):
    path = root / ARTICLE
    lines = lines_of(path)
    del lines[line_index(lines, lambda l: l.strip() == "---", after=1)]
    path.write_text("\n".join(lines), encoding="utf-8")
    return ARTICLE, ANY_LINE


def corpus_level_three_heading(root):
    path = root / ARTICLE
    index = line_index(lines_of(path), lambda l: l.startswith("## ")) + 2
    return ARTICLE, insert(path, index, "### A sub-heading someone added")


def corpus_heading_without_text(root):
    path = root / ARTICLE
    lines = lines_of(path)
    second = line_index(lines, lambda l: l.startswith("## "), after=line_index(lines, lambda l: l.startswith("## ")) + 1)
    insert(path, second, "")
    return ARTICLE, insert(path, second, "## A heading with nothing under it")


def corpus_duplicate_heading(root):
    path = root / ARTICLE
    heading = next(l for l in lines_of(path) if l.startswith("## "))
    text = path.read_text(encoding="utf-8").rstrip("\n") + f"\n\n{heading}\n\nSome text again.\n"
    path.write_text(text, encoding="utf-8")
    return ARTICLE, text.split("\n").index(heading, text.split("\n").index(heading) + 1) + 1


def corpus_not_utf8(root):
    path = root / ARTICLE
    lines = lines_of(path)
    index = line_index(lines, lambda l: l.startswith("## ")) + 2
    data = "\n".join(lines[:index]).encode("utf-8") + b"\nCaf\xe9 latte \xff\xfe\n" + "\n".join(lines[index:]).encode("utf-8")
    path.write_bytes(data)
    return ARTICLE, index + 1


def corpus_nul_byte(root):
    path = root / ARTICLE
    path.write_bytes(path.read_bytes() + b"\x00\x00binary junk\n")
    return ARTICLE, None


def corpus_empty_file(root):
    (root / ARTICLE).write_text("", encoding="utf-8")
    return ARTICLE, None


def corpus_two_articles_same_title(root):
    shutil.copy(root / ARTICLE, root / "corpus" / "zz-copy.md")
    return ("zz-copy.md", "immunotherapy.md"), ANY_LINE  # either of the two may be named


def corpus_folder_missing(root):
    shutil.rmtree(root / "corpus")
    return "corpus", None


def corpus_folder_empty(root):
    shutil.rmtree(root / "corpus")
    (root / "corpus").mkdir()
    return "corpus", None


def corpus_folder_without_markdown(root):
    (root / ARTICLE).rename(root / "corpus" / "immunotherapy.txt")
    return "corpus", None


# -- the YAML data files -----------------------------------------------------------------------
def yaml_syntax_error(name: str, key: str):
    def mutate(root):
        path = root / "data" / name
        return f"data/{name}", insert(path, after_key(path, key), "  @this line is not valid YAML: [")
    mutate.__name__ = f"{name}_syntax_error"
    return mutate


def yaml_unclosed_quote(name: str, key: str):
    def mutate(root):
        path = root / "data" / name
        # A YAML parser notices an unclosed quote only where the quoted text finally breaks, often
        # far below; any line is accepted here (the line of the quote itself would be kinder).
        insert(path, after_key(path, key), "  \"an unclosed: quote")
        return f"data/{name}", ANY_LINE
    mutate.__name__ = f"{name}_unclosed_quote"
    return mutate


def yaml_tab_indent(name: str, key: str):
    def mutate(root):
        path = root / "data" / name
        return f"data/{name}", insert(path, after_key(path, key), "\tindented: with a tab")
    mutate.__name__ = f"{name}_tab_indent"
    return mutate


def yaml_written(name: str, text: str, line: int | None, label: str):
    def mutate(root):
        (root / "data" / name).write_text(text, encoding="utf-8")
        return f"data/{name}", line
    mutate.__name__ = f"{name}_{label}"
    return mutate


def yaml_missing(name: str):
    def mutate(root):
        (root / "data" / name).unlink()
        return f"data/{name}", None
    mutate.__name__ = f"{name}_missing"
    return mutate


def yaml_not_utf8(name: str):
    def mutate(root):
        path = root / "data" / name
        data = path.read_bytes().split(b"\n")
        data.insert(3, b"# caf\xe9")
        path.write_bytes(b"\n".join(data))
        return f"data/{name}", 4
    mutate.__name__ = f"{name}_not_utf8"
    return mutate


def triage_edit(label: str, test: Callable[[str], bool], new: Callable[[str], str]):
    def mutate(root):
        path = root / "data" / "triage.yaml"
        lines = lines_of(path)
        index = line_index(lines, test, after=after_key(path, "rules"))
        return "data/triage.yaml", replace(path, index, new(lines[index]))
    mutate.__name__ = f"triage.yaml_{label}"
    return mutate


def smalltalk_edit(label: str, test: Callable[[str], bool], new: Callable[[str], str]):
    def mutate(root):
        path = root / "data" / "smalltalk.yaml"
        lines = lines_of(path)
        index = line_index(lines, test, after=after_key(path, "intents"))
        return "data/smalltalk.yaml", replace(path, index, new(lines[index]))
    mutate.__name__ = f"smalltalk.yaml_{label}"
    return mutate


def triage_without_rules(root):
    path = root / "data" / "triage.yaml"
    lines = lines_of(path)
    index = line_index(lines, lambda l: l.startswith("rules:"))
    path.write_text("\n".join(lines[:index] + ["rules: []", ""]), encoding="utf-8")
    return "data/triage.yaml", index + 1


def triage_without_crisis_message(root):
    path = root / "data" / "triage.yaml"
    lines = lines_of(path)
    start = line_index(lines, lambda l: l.startswith("  crisis:"))
    end = line_index(lines, lambda l: l.startswith("  ") and not l.startswith("    "), after=start + 1)
    del lines[start:end]
    path.write_text("\n".join(lines), encoding="utf-8")
    return "data/triage.yaml", line_index(lines, lambda l: l.startswith("messages:")) + 1


CASES = [
    corpus_no_front_matter,
    corpus_unknown_front_matter_key,
    corpus_front_matter_without_title,
    corpus_front_matter_never_closed,
    corpus_level_three_heading,
    corpus_heading_without_text,
    corpus_duplicate_heading,
    corpus_not_utf8,
    corpus_nul_byte,
    corpus_empty_file,
    corpus_two_articles_same_title,
    corpus_folder_missing,
    corpus_folder_empty,
    corpus_folder_without_markdown,
    # lexicon
    yaml_syntax_error("lexicon.yaml", "spelling"),
    yaml_unclosed_quote("lexicon.yaml", "terms"),
    yaml_tab_indent("lexicon.yaml", "spelling"),
    yaml_not_utf8("lexicon.yaml"),
    yaml_missing("lexicon.yaml"),
    yaml_written("lexicon.yaml", "- tumor\n- tumour\n", 1, "a_list"),
    yaml_written("lexicon.yaml", "spelling:\n  - tumor\n  - tumour\n", 1, "spelling_a_list"),
    yaml_written("lexicon.yaml", "spelling:\n  tumor: tumour\nspellings:\n  color: colour\n", 3, "unknown_key"),
    yaml_written("lexicon.yaml", "terms:\n  chemo:\n    a: b\n", 2, "term_a_mapping"),
    yaml_written("lexicon.yaml", "spelling:\n  tumor: tumour\n  color: colour\n  tumor: tumour\n", 4, "duplicate_key"),
    yaml_written("lexicon.yaml", "spelling:\n  tumor: two words\n", 2, "spelling_to_two_words"),
    yaml_written("lexicon.yaml", "neutral: doctor\n", 1, "neutral_not_a_list"),
    # triage
    yaml_syntax_error("triage.yaml", "rules"),
    yaml_unclosed_quote("triage.yaml", "messages"),
    yaml_tab_indent("triage.yaml", "frames"),
    yaml_not_utf8("triage.yaml"),
    yaml_missing("triage.yaml"),
    yaml_written("triage.yaml", "", None, "empty"),
    yaml_written("triage.yaml", "- name: x\n  level: crisis\n", 1, "a_list"),
    yaml_written("triage.yaml", "rules: []\n", 1, "no_messages"),
    triage_without_rules,
    triage_without_crisis_message,
    triage_edit("unknown_level", lambda l: l.strip().startswith("level:"), lambda l: l.split("level:")[0] + "level: critical"),
    triage_edit("bad_regex", lambda l: l.strip().startswith("- ") and "name:" not in l, lambda l: l.split("- ")[0] + "- (unclosed"),
    triage_edit("unknown_rule_key", lambda l: l.strip().startswith("always:"), lambda l: l.split("always:")[0] + "allways: true"),
    # smalltalk
    yaml_syntax_error("smalltalk.yaml", "intents"),
    yaml_tab_indent("smalltalk.yaml", "intents"),
    yaml_not_utf8("smalltalk.yaml"),
    yaml_missing("smalltalk.yaml"),
    yaml_written("smalltalk.yaml", "", None, "empty"),
    yaml_written("smalltalk.yaml", "intents:\n  greeting: hello\n", 1, "intents_a_mapping"),
    yaml_written("smalltalk.yaml", "intents:\n  - name: greeting\n    patterns: [hi]\n", 2, "intent_without_reply"),
    yaml_written("smalltalk.yaml", "intents: []\nfillers: [um]\n", 2, "unknown_key"),
    smalltalk_edit("bad_regex", lambda l: l.strip().startswith("- '"), lambda l: l.split("- ")[0] + "- '(unclosed'"),
]


@pytest.mark.parametrize("mutate", CASES, ids=[case.__name__ for case in CASES])
def test_broken_file_stops_start_up_naming_file_and_line(env, root, mutate):
    name, line = mutate(root)
    result = start(env, root)
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, (result.returncode, stderr, result.stdout[:300])
    assert "Traceback" not in stderr, stderr
    assert result.stdout == b"", "nothing is answered from broken data"
    names = name if isinstance(name, tuple) else (name,)
    assert any(Path(n).name in stderr for n in names), f"the message names {name}: {stderr!r}"
    if line == ANY_LINE:
        assert re.search(r"\bline \d+\b", stderr), stderr
    elif line is not None:
        assert re.search(rf"\bline {line}\b", stderr), f"expected line {line}: {stderr!r}"
    assert len(stderr.strip().splitlines()) <= 3, "one clear message, not a dump"


def test_the_unbroken_copy_starts(env, root):
    result = start(env, root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_a_root_that_does_not_exist_is_a_clear_error(env, tmp_path):
    result = subprocess.run([sys.executable, str(RUN), "--root", str(tmp_path / "nowhere"), "--ask", "hi"],
                            capture_output=True, env=env, cwd=tmp_path, timeout=120)
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2
    assert "Traceback" not in stderr
    assert "nowhere" in stderr


def test_a_broken_file_is_not_hidden_by_the_index_cache(env, root):
    """A good start fills the cache; breaking a file afterwards must still stop start-up."""
    assert start(env, root).returncode == 0
    name, line = yaml_syntax_error("triage.yaml", "rules")(root)
    result = start(env, root)
    assert result.returncode == 2
    assert re.search(rf"\bline {line}\b", result.stderr.decode("utf-8", "replace"))
