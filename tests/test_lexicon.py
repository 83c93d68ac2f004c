"""lexicon.py: the real data/lexicon.yaml loads, and broken copies stop start-up with file and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chatbot.engine import ROOT
from chatbot.errors import DataError
from chatbot.lexicon import load_lexicon

REAL = ROOT / "data" / "lexicon.yaml"


@pytest.fixture(scope="module")
def real_text() -> str:
    return REAL.read_text(encoding="utf-8")


def line_of(text: str, line: str) -> int:
    """1-based number of the first line equal to `line`."""
    return text.splitlines().index(line) + 1


def broken(tmp_path: Path, text: str) -> DataError:
    path = tmp_path / "lexicon.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_lexicon(path)
    assert str(path) in str(info.value)
    return info.value


def replace_line(text: str, old: str, new: str) -> str:
    lines = text.splitlines(keepends=True)
    index = [line.rstrip("\n") for line in lines].index(old)
    lines[index] = new + "\n"
    return "".join(lines)


# -- the real file -------------------------------------------------------------------------


def test_real_lexicon_loads():
    lexicon = load_lexicon(REAL)
    assert lexicon.spelling["tumor"] == "tumour"
    assert lexicon.spelling["diarrhea"] == "diarrhoea"
    assert lexicon.terms[("the", "runs")] == ("diarrhoea",)
    assert lexicon.terms[("chemo",)] == ("chemotherapy",)
    assert lexicon.terms[("pd", "l1")] == ("pdl1",)
    assert {"doctor", "explain"} <= lexicon.neutral
    assert {"true", "false", "yes", "no"} <= lexicon.neutral  # quoted in the file, so words, not booleans


def test_real_lexicon_is_well_formed():
    lexicon = load_lexicon(REAL)
    for word, target in lexicon.spelling.items():
        assert re.fullmatch(r"[a-z0-9]+", word) and re.fullmatch(r"[a-z0-9]+", target), (word, target)
    for phrase, target in lexicon.terms.items():
        assert phrase and target, phrase
        assert all(re.fullmatch(r"[a-z0-9]+", w) for w in phrase + target), (phrase, target)
    # term keys are stored in the article's spelling, as questions are by the time they are looked up
    assert all(w not in lexicon.spelling for phrase in lexicon.terms for w in phrase)


def test_empty_lexicon_file_is_an_empty_lexicon(tmp_path):
    path = tmp_path / "lexicon.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    lexicon = load_lexicon(path)
    assert lexicon.spelling == {} and lexicon.terms == {} and lexicon.neutral == frozenset()


def test_missing_file(tmp_path):
    with pytest.raises(DataError) as info:
        load_lexicon(tmp_path / "nope.yaml")
    assert "nope.yaml" in str(info.value)


# -- broken copies of the real file --------------------------------------------------------


def test_duplicate_key(tmp_path, real_text):
    text = replace_line(real_text, "  tumor: tumour", "  tumor: tumour\n  tumor: tumours")
    error = broken(tmp_path, text)
    expected = line_of(real_text, "  tumor: tumour") + 1
    assert error.line == expected
    assert f"line {expected}" in str(error)
    assert "tumor" in error.problem and "twice" in error.problem


def test_spelling_that_is_not_a_mapping(tmp_path, real_text):
    start, end = line_of(real_text, "spelling:"), line_of(real_text, "terms:")
    lines = real_text.splitlines()
    text = "\n".join(lines[: start - 1] + ["spelling:", "  - tumor", "  - tumour"] + lines[end - 1 :]) + "\n"
    error = broken(tmp_path, text)
    assert error.line == start
    assert "spelling" in error.problem


def test_multi_word_spelling(tmp_path, real_text):
    text = replace_line(real_text, "  tumor: tumour", "  tumor: tumour cell")
    error = broken(tmp_path, text)
    assert error.line == line_of(real_text, "  tumor: tumour")
    assert "tumor" in error.problem


def test_multi_word_spelling_key(tmp_path, real_text):
    text = replace_line(real_text, "  tumor: tumour", "  the tumor: tumour")
    error = broken(tmp_path, text)
    assert error.line == line_of(real_text, "  tumor: tumour")


@pytest.mark.parametrize("empty", ["''", '""', "", "~"])
def test_empty_term_target(tmp_path, real_text, empty):
    text = replace_line(real_text, "  chemo: chemotherapy", f"  chemo: {empty}".rstrip())
    error = broken(tmp_path, text)
    assert error.line == line_of(real_text, "  chemo: chemotherapy")
    assert "chemo" in error.problem


def test_term_target_of_punctuation_only(tmp_path, real_text):
    text = replace_line(real_text, "  chemo: chemotherapy", "  chemo: '...'")
    error = broken(tmp_path, text)
    assert error.line == line_of(real_text, "  chemo: chemotherapy")


def test_empty_spelling_target(tmp_path, real_text):
    text = replace_line(real_text, "  tumor: tumour", "  tumor: ''")
    error = broken(tmp_path, text)
    assert error.line == line_of(real_text, "  tumor: tumour")


@pytest.mark.parametrize("bad", ["  tumor: tumour: x", "\ttumor: tumour"])
def test_yaml_syntax_error(tmp_path, real_text, bad):
    text = replace_line(real_text, "  tumor: tumour", bad)
    error = broken(tmp_path, text)
    assert error.line == line_of(real_text, "  tumor: tumour")
    assert "YAML" in error.problem


def test_unclosed_flow_list(tmp_path, real_text):
    text = replace_line(real_text, "  tumor: tumour", "  tumor: [tumour")
    error = broken(tmp_path, text)
    assert error.line is not None
    assert line_of(real_text, "  tumor: tumour") <= error.line <= line_of(real_text, "  tumor: tumour") + 2


@pytest.mark.parametrize("word", ["false", "yes", "no", "on", "12"])
def test_unquoted_non_word_in_neutral(tmp_path, real_text, word):
    text = real_text.replace('fairly, "false",', f"fairly, {word},", 1)
    assert text != real_text
    error = broken(tmp_path, text)
    neutral_line = line_of(real_text, "neutral: [")
    item_line = next(i for i, line in enumerate(real_text.splitlines(), 1) if '"false"' in line and i > neutral_line)
    assert error.line is not None and neutral_line <= error.line <= item_line
    assert "neutral" in error.problem


def test_neutral_that_is_not_a_list(tmp_path, real_text):
    start = line_of(real_text, "neutral: [")
    lines = real_text.splitlines()
    text = "\n".join(lines[: start - 1] + ["neutral: doctor"]) + "\n"
    error = broken(tmp_path, text)
    assert error.line == start


def test_unknown_top_level_key(tmp_path, real_text):
    text = real_text + "\nsynonyms:\n  a: b\n"
    error = broken(tmp_path, text)
    assert error.line == len(real_text.splitlines()) + 2
    assert "synonyms" in error.problem


def test_top_level_list(tmp_path):
    error = broken(tmp_path, "- tumor\n- tumour\n")
    assert error.line == 1


def test_non_utf8_names_the_line(tmp_path, real_text):
    path = tmp_path / "lexicon.yaml"
    data = replace_line(real_text, "  tumor: tumour", "  tumor: tum\u00f6ur").encode("latin-1", "replace")
    path.write_bytes(data)
    with pytest.raises(DataError) as info:
        load_lexicon(path)
    assert info.value.line == line_of(real_text, "  tumor: tumour")


def test_not_covered_pattern_that_is_not_a_regular_expression(tmp_path, real_text):
    old = "  - 'how many (hours|minutes)'"
    error = broken(tmp_path, replace_line(real_text, old, "  - 'how many (hours|minutes'"))
    assert error.line == line_of(real_text, old)
    assert "regular expression" in error.problem


def test_not_covered_pattern_that_breaks_only_when_used_stops_start_up(tmp_path, real_text):
    """"(?i)gobbledygook" compiles on its own but not inside the word boundaries it is used in:
    it once made every reply fail, crises included. Now start-up names its line."""
    old = "  - 'how many (hours|minutes)'"
    error = broken(tmp_path, replace_line(real_text, old, "  - '(?i)gobbledygook'"))
    assert error.line == line_of(real_text, old)
    assert "regular expression" in error.problem


def test_not_covered_that_is_not_a_list(tmp_path, real_text):
    lines = real_text.splitlines()
    start = line_of(real_text, "not_covered:")
    end = next(i for i in range(start, len(lines)) if lines[i] and not lines[i].startswith((" ", "#")))
    text = "\n".join(lines[: start - 1] + ["not_covered: how long"] + lines[end:]) + "\n"
    error = broken(tmp_path, text)
    assert error.line == start
    assert "list of patterns" in error.problem
