"""passages.py: how articles are cut into passages, on literal articles and on the real corpus."""

from __future__ import annotations

import re

import pytest

from chatbot.corpus import load_corpus, parse_article
from chatbot.engine import ROOT
from chatbot.passages import MAX_WORDS, MIN_WORDS, chunk, slug

FRONT = "---\ntitle: Test Article\nauthor: Someone\n---\n"


def article(body: str, source: str = "test-article.md"):
    return parse_article(FRONT + body, source)


def sentence(n: int, length: int = 10) -> str:
    """A distinct sentence of `length` words ending with a full stop."""
    return " ".join([f"Sentence{n}"] + [f"word{n}x{i}" for i in range(1, length)]) + "."


def para(words: int, tag: str) -> str:
    """A one-sentence paragraph of exactly `words` words."""
    return " ".join(f"{tag}{i}" for i in range(words - 1)) + f" {tag}end."


# -- grouping on literal articles ------------------------------------------------------------


def test_a_short_fragment_joins_the_next_paragraph():
    short = "Here is a short lead-in."
    long = para(MIN_WORDS + 5, "long")
    passages = chunk(article(f"## Section\n\n{short}\n\n{long}\n"))
    assert len(passages) == 1
    assert passages[0].text == f"{short}\n{long}"


def test_a_short_fragment_at_a_section_end_joins_the_previous_paragraph():
    long = para(MIN_WORDS + 5, "long")
    passages = chunk(article(f"## Section\n\n{long}\n\nA short closing line.\n"))
    assert [p.text for p in passages] == [f"{long}\nA short closing line."]


def test_paragraphs_of_enough_words_stay_apart():
    first, second = para(MIN_WORDS, "first"), para(MIN_WORDS, "second")
    passages = chunk(article(f"## Section\n\n{first}\n\n{second}\n"))
    assert [p.text for p in passages] == [first, second]


def test_fragments_never_cross_a_heading():
    long = para(MIN_WORDS + 5, "long")
    passages = chunk(article(f"## One\n\nShort one.\n\n## Two\n\n{long}\n"))
    assert [(p.section, p.text) for p in passages] == [("One", "Short one."), ("Two", long)]


def test_a_lead_in_ending_with_a_colon_takes_its_list_items():
    body = ("## Decisions\n\nIt involves looking at:\n\n- the type and stage of cancer\n- biomarker testing\n"
            "- overall health and fitness\n- previous treatments, if any\n\n" + para(MIN_WORDS + 2, "after") + "\n")
    passages = chunk(article(body))
    lead_in = passages[0].text.splitlines()
    assert lead_in[:5] == ["It involves looking at:", "- the type and stage of cancer", "- biomarker testing",
                           "- overall health and fitness", "- previous treatments, if any"]
    # a list is never cut away from its lead-in
    for passage in passages[1:]:
        assert not passage.text.startswith("- ")


def test_a_list_without_a_lead_in_stays_together():
    body = "## Things\n\n- " + "\n- ".join(f"item number {i} with a few words" for i in range(6)) + "\n"
    passages = chunk(article(body))
    assert len(passages) == 1
    assert passages[0].text.splitlines() == [f"- item number {i} with a few words" for i in range(6)]


def test_a_long_paragraph_splits_at_sentences_without_losing_words():
    sentences = [sentence(n) for n in range(1, 16)]  # 150 words
    paragraph = " ".join(sentences)
    assert len(paragraph.split()) > MAX_WORDS
    passages = chunk(article(f"## Long\n\n{paragraph}\n"))
    assert len(passages) > 1
    assert " ".join(p.text for p in passages).split() == paragraph.split()
    for passage in passages:
        assert passage.text.endswith(".")
        assert passage.text.split()[0].startswith("Sentence")  # every piece starts a sentence
        assert len(passage.text.split()) <= MAX_WORDS
        assert passage.section == "Long"


def test_a_long_paragraph_leaves_no_tiny_tail():
    sentences = [sentence(n) for n in range(1, 10)] + ["A short tail."]
    passages = chunk(article("## Long\n\n" + " ".join(sentences) + "\n"))
    assert all(len(p.text.split()) >= MIN_WORDS for p in passages)
    assert passages[-1].text.endswith("A short tail.")


def test_a_paragraph_of_max_words_is_not_split():
    paragraph = " ".join(sentence(n) for n in range(1, MAX_WORDS // 10 + 1))
    assert len(paragraph.split()) == MAX_WORDS
    assert [p.text for p in chunk(article(f"## Limit\n\n{paragraph}\n"))] == [paragraph]


# -- what every passage records --------------------------------------------------------------


BODY = ("Intro text of the article. " + para(MIN_WORDS, "intro") + "\n\n## First part\n\n" + para(30, "a") +
        "\n\n" + para(30, "b") + "\n\n## Second part\n\n" + para(30, "c") + "\n")


def test_passages_record_source_title_section_and_order():
    passages = chunk(article(BODY, "my-file.md"))
    assert [p.section for p in passages] == ["Test Article", "First part", "First part", "Second part"]
    assert {p.source for p in passages} == {"my-file.md"}
    assert {p.title for p in passages} == {"Test Article"}
    assert [p.position for p in passages] == [0, 1, 2, 3]
    assert [p.anchor for p in passages] == ["test-article", "first-part", "first-part", "second-part"]


def test_ids_are_readable_unique_and_stable():
    first = chunk(article(BODY, "my-file.md"))
    again = chunk(article(BODY, "my-file.md"))
    assert [p.id for p in first] == ["my-file/test-article/1", "my-file/first-part/1", "my-file/first-part/2",
                                     "my-file/second-part/1"]
    assert [p.id for p in again] == [p.id for p in first]
    assert len({p.id for p in first}) == len(first)


def test_ids_of_one_section_do_not_move_when_another_section_changes():
    before = {p.text: p.id for p in chunk(article(BODY))}
    changed = BODY.replace("## First part\n\n", "## First part\n\n" + para(40, "new") + "\n\n")
    after = {p.text: p.id for p in chunk(article(changed))}
    for text, pid in before.items():
        if pid.split("/")[1] != "first-part":
            assert after[text] == pid


def test_slug():
    assert slug("How it differs from chemotherapy") == "how-it-differs-from-chemotherapy"
    assert slug("About Dr James Wilson!") == "about-dr-james-wilson"
    assert slug("???") == "section"


# -- the real corpus -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    (art,) = load_corpus(ROOT / "corpus")
    return art, chunk(art)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_every_passage_keeps_the_article_wording(real):
    art, passages = real
    raw = _squash((ROOT / "corpus" / art.source).read_text(encoding="utf-8"))
    for passage in passages:
        for line in passage.text.splitlines():
            piece = line[2:] if line.startswith("- ") else line
            assert _squash(piece) in raw, f"{passage.id}: {piece!r} is not article text"


def test_no_article_words_are_lost_or_added(real):
    art, passages = real
    for section in art.sections:
        expected = " ".join(b.text for b in section.blocks).split()
        got = []
        for passage in passages:
            if passage.section == section.heading:
                for line in passage.text.splitlines():
                    got.extend((line[2:] if line.startswith("- ") else line).split())
        assert got == expected, section.heading


def test_every_section_has_a_passage(real):
    art, passages = real
    assert {p.section for p in passages} == set(art.headings)
    assert [p.section for p in passages] == sorted((p.section for p in passages), key=art.headings.index)


def test_real_passages_have_unique_ids_and_sensible_sizes(real):
    _, passages = real
    assert len({p.id for p in passages}) == len(passages)
    assert all(p.source == "immunotherapy.md" for p in passages)
    for passage in passages:
        assert 1 <= len(passage.text.split()) <= 2 * MAX_WORDS, passage.id


def test_the_decisions_list_stays_with_its_lead_in(real):
    _, passages = real
    (holder,) = [p for p in passages if "- molecular and biomarker testing" in p.text]
    assert "It involves looking at:" in holder.text
    assert holder.section == "How decisions are made around immunotherapy"
