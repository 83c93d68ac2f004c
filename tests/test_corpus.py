"""corpus.py: Markdown articles with front matter, and the clear errors a broken one gives."""

from __future__ import annotations

import textwrap

import pytest

from chatbot.corpus import load_corpus, parse_article
from chatbot.errors import DataError

TITLE = "Caring for Houseplants"


def md(text: str) -> str:
    """A literal article: dedented, without the leading newline of the triple-quoted string."""
    return textwrap.dedent(text).lstrip("\n")


GOOD = md(
    """
    ---
    title: Caring for Houseplants
    author: A Gardener
    source: written for these tests
    ---
    # Caring for Houseplants

    Houseplants need light,
    water and patience.

    A second intro paragraph.

    ## Watering

    Water when the soil is dry.

    Check these:
    - the soil
    - the leaves
    * the pot

    ## Light and warmth

    Most plants like a bright window.
    """
)


def raises_at(text: str, line: int | None, source: str = "plants.md") -> DataError:
    """parse_article must fail naming the file and (when given) the line."""
    with pytest.raises(DataError) as info:
        parse_article(text, source)
    message = str(info.value)
    assert source in message
    if line is not None:
        assert info.value.line == line
        assert f"line {line}" in message
    return info.value


# -- a well-formed article -------------------------------------------------------------------


def test_front_matter_is_read():
    article = parse_article(GOOD, "plants.md")
    assert article.source == "plants.md"
    assert article.title == TITLE
    assert article.author == "A Gardener"
    assert article.origin == "written for these tests"


def test_intro_text_belongs_to_the_title_section():
    article = parse_article(GOOD, "plants.md")
    first = article.sections[0]
    assert first.heading == TITLE
    assert [b.text for b in first.blocks] == [
        "Houseplants need light, water and patience.",  # a paragraph's lines join with one space
        "A second intro paragraph.",
    ]


def test_headings_are_kept_exactly_in_order():
    article = parse_article(GOOD, "plants.md")
    assert article.headings == (TITLE, "Watering", "Light and warmth")


def test_list_items_are_blocks_of_their_own():
    article = parse_article(GOOD, "plants.md")
    watering = article.sections[1]
    assert [(b.text, b.is_list_item) for b in watering.blocks] == [
        ("Water when the soil is dry.", False),
        ("Check these:", False),
        ("the soil", True),
        ("the leaves", True),
        ("the pot", True),
    ]


def test_blocks_and_sections_record_their_lines():
    article = parse_article(GOOD, "plants.md")
    lines = GOOD.splitlines()
    watering = article.sections[1]
    assert lines[watering.line - 1] == "## Watering"
    for block in watering.blocks:
        assert block.text.split()[-1] in lines[block.line - 1]


def test_the_h1_title_is_optional():
    text = GOOD.replace("# Caring for Houseplants\n", "")
    article = parse_article(text, "plants.md")
    assert article.headings == (TITLE, "Watering", "Light and warmth")


def test_an_article_without_intro_text_starts_with_its_first_heading():
    text = md(
        """
        ---
        title: Short
        ---
        ## Only section
        Some text.
        """
    )
    assert parse_article(text, "short.md").headings == ("Only section",)


def test_crlf_line_endings_and_quoted_values():
    text = GOOD.replace("title: Caring for Houseplants", 'title: "Caring for Houseplants"').replace("\n", "\r\n")
    article = parse_article(text, "plants.md")
    assert article.title == TITLE
    assert article.headings == (TITLE, "Watering", "Light and warmth")


# -- broken articles: DataError naming the file and the line ---------------------------------


def test_no_front_matter():
    raises_at("# Caring for Houseplants\n\nText.\n", 1)


def test_empty_file():
    raises_at("", 1)


def test_unclosed_front_matter():
    error = raises_at("---\ntitle: Caring for Houseplants\nauthor: A Gardener\n\n", 1)
    assert "never closed" in error.problem


def test_unclosed_front_matter_followed_by_text_says_it_is_never_closed():
    # Without the closing '---' the body is read as front matter: the first heading shows it.
    error = raises_at("---\ntitle: Caring for Houseplants\n\n## Watering\nText.\n", 1)
    assert "never closed" in error.problem and "line 4" in error.problem


def test_unknown_front_matter_key():
    text = GOOD.replace("author: A Gardener", "publisher: Someone")
    error = raises_at(text, 3)
    assert "title" in error.problem  # says which keys are allowed


def test_front_matter_line_without_colon():
    raises_at(GOOD.replace("author: A Gardener", "just some words"), 3)


def test_missing_title():
    text = GOOD.replace("title: Caring for Houseplants\n", "")
    error = raises_at(text, 4)  # the closing '---' of the front matter
    assert "title" in error.problem


def test_empty_title():
    raises_at(GOOD.replace("title: Caring for Houseplants", "title:"), 5)


def test_h3_heading_is_refused():
    text = GOOD.replace("## Light and warmth", "### Light and warmth")
    raises_at(text, GOOD.splitlines().index("## Light and warmth") + 1)


def test_heading_with_no_text_is_refused():
    text = GOOD.replace("## Light and warmth", "## ")
    raises_at(text, GOOD.splitlines().index("## Light and warmth") + 1)


def test_bare_hashes_are_refused():
    text = GOOD.replace("## Light and warmth", "##")
    raises_at(text, GOOD.splitlines().index("## Light and warmth") + 1)


def test_heading_with_nothing_under_it_is_refused():
    text = GOOD.replace("## Watering\n\nWater when the soil is dry.\n\nCheck these:\n- the soil\n- the leaves\n* the pot\n\n",
                        "## Watering\n\n")
    assert text != GOOD
    error = raises_at(text, text.splitlines().index("## Watering") + 1)
    assert "Watering" in error.problem


def test_duplicate_heading_is_refused():
    text = GOOD + "\n## Watering\n\nAgain.\n"
    raises_at(text, len(GOOD.splitlines()) + 2)


def test_heading_equal_to_the_title_is_refused():
    text = GOOD + "\n## Caring for Houseplants\n\nAgain.\n"
    raises_at(text, len(GOOD.splitlines()) + 2)


def test_h1_differing_from_the_title_is_refused():
    text = GOOD.replace("# Caring for Houseplants", "# Caring for Cacti")
    error = raises_at(text, 6)
    assert "Caring for Cacti" in error.problem


def test_a_second_h1_is_refused():
    text = GOOD + "\n# Caring for Houseplants\n\nAgain.\n"
    raises_at(text, len(GOOD.splitlines()) + 2)


def test_front_matter_only_is_refused():
    raises_at("---\ntitle: Nothing here\n---\n", None)


def test_nul_byte_is_refused():
    raises_at(GOOD + "\x00", None)


# -- load_corpus on folders ------------------------------------------------------------------


def test_missing_folder(tmp_path):
    folder = tmp_path / "nowhere"
    with pytest.raises(DataError) as info:
        load_corpus(folder)
    assert str(folder) in str(info.value)


def test_empty_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("not an article", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_corpus(tmp_path)
    assert str(tmp_path) in str(info.value)
    assert ".md" in str(info.value)


def test_non_utf8_file_names_file_and_line(tmp_path):
    data = GOOD.replace("A second intro paragraph.", "A caf\u00e9 paragraph.").encode("latin-1")
    (tmp_path / "bad.md").write_bytes(data)
    with pytest.raises(DataError) as info:
        load_corpus(tmp_path)
    expected_line = GOOD.splitlines().index("A second intro paragraph.") + 1
    assert "bad.md" in str(info.value)
    assert info.value.line == expected_line
    assert f"line {expected_line}" in str(info.value)
    assert "UTF-8" in str(info.value)


def test_broken_article_in_a_folder_names_the_file(tmp_path):
    (tmp_path / "a.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.md").write_text(GOOD.replace("## Watering", "### Watering").replace(TITLE, "Other"), encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_corpus(tmp_path)
    assert "b.md" in str(info.value)
    assert "line " in str(info.value)


def test_two_files_load_in_name_order(tmp_path):
    (tmp_path / "b_second.md").write_text(GOOD.replace(TITLE, "Second Article"), encoding="utf-8")
    (tmp_path / "a_first.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "readme.txt").write_text("ignored", encoding="utf-8")
    articles = load_corpus(tmp_path)
    assert [a.source for a in articles] == ["a_first.md", "b_second.md"]
    assert [a.title for a in articles] == [TITLE, "Second Article"]


def test_two_files_with_the_same_title_are_refused(tmp_path):
    (tmp_path / "a.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.md").write_text(GOOD, encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_corpus(tmp_path)
    assert TITLE in str(info.value)


def test_the_real_corpus_loads():
    from chatbot.engine import ROOT

    (article,) = load_corpus(ROOT / "corpus")
    assert article.source == "immunotherapy.md"
    assert article.title == "What Is Immunotherapy for Cancer and How Does It Work"
    assert article.headings[0] == article.title
    assert "Side effects and what to expect" in article.headings
