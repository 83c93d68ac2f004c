"""engine.py through Engine.load() on the real corpus: the reply contract, safety, odd input, quality."""

from __future__ import annotations

import json
import re
import unicodedata

import pytest
import yaml

from chatbot.engine import ROOT, Engine
from chatbot.reply import KINDS

SOURCE = "immunotherapy.md"
TITLE = "What Is Immunotherapy for Cancer and How Does It Work"
SIDE_EFFECTS = "Side effects and what to expect"




def assert_answered_from(reply, section: str) -> None:
    assert reply.kind == "answer", reply.answer
    assert reply.citations[0].section == section
QUESTIONS_FILE = ROOT / "tests" / "data" / "patient_questions.yaml"


@pytest.fixture(scope="module")
def engine() -> Engine:
    # cache="off": build from the files every time, and write nothing to disk
    return Engine.load(cache="off")


@pytest.fixture(scope="module")
def headings(engine) -> set[str]:
    return {heading for article in engine.articles for heading in article.headings}


@pytest.fixture(scope="module")
def article_text() -> str:
    return squash((ROOT / "corpus" / SOURCE).read_text(encoding="utf-8"))


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def assert_plain_text(text: str) -> None:
    assert isinstance(text, str) and text.strip()
    assert "\x1b" not in text
    bad = [hex(ord(ch)) for ch in text if ch != "\n" and unicodedata.category(ch) in ("Cc", "Cf")]
    assert not bad, f"control characters {bad} in {text!r}"


MESSAGES = [
    # in scope
    "How is it different from chemotherapy?",
    "what does immunotherapy actually do to the cancer",
    "what is pd-l1 used for",
    "how do they give the treatment",
    "do i stay in overnight",
    "what side effects can it cause?",
    "who decides if i get immunotherapy",
    "who wrote this?",
    # out of scope
    "what is the capital of france",
    "how much does immunotherapy cost",
    "can I drink alcohol during treatment",
    # urgent
    "I can't breathe",
    "I want to end my life",
    "I've had the runs for three days since my infusion",
    # small talk
    "hello",
    "thanks",
    "bye",
    "what can you do?",
    # odd input
    "",
    "   ",
    "\x1b[31mhow is it given?\x1b[0m",
    "\x1b]52;c;aGVsbG8=\x07what about side effects",
    "how\x00 is\x07 it\x7f given",
    "\u514d\u75ab\u7597\u6cd5\u662f\u4ec0\u4e48\uff1f",
    "\u00bfQu\u00e9 es la inmunoterapia?",
    "\U0001F642\U0001F642\U0001F642",
    "?????",
    "immunotherapy " * 2000,
]


@pytest.fixture(scope="module")
def replies(engine):
    return [(message, engine.answer(message)) for message in MESSAGES]


# -- the reply contract ----------------------------------------------------------------------


def test_every_reply_follows_the_contract(replies, headings, engine):
    passage_ids = {p.id for p in engine.passages}
    for message, reply in replies:
        assert reply.question == message
        assert reply.kind in KINDS
        assert_plain_text(reply.answer)
        assert 0.0 <= reply.confidence <= 1.0
        for citation in reply.citations:
            assert citation.section in headings
            assert citation.source == SOURCE
            assert citation.passage in passage_ids
        if reply.kind == "answer":
            assert reply.citations, message
        if reply.kind in ("no_answer", "smalltalk"):
            assert reply.citations == (), message
        data = json.loads(reply.to_json())
        assert list(data) == ["question", "kind", "answer", "citations", "confidence"]
        assert data["question"] == message
        for citation in data["citations"]:
            assert list(citation) == ["section", "source", "passage", "score", "title"]


def test_answers_end_with_their_source(replies):
    answers = [(m, r) for m, r in replies if r.kind == "answer"]
    assert len(answers) >= 6
    for message, reply in answers:
        assert reply.answer.endswith(f"Source: {reply.citations[0].section} \u2014 {TITLE}"), message
        assert reply.title == TITLE


def test_answers_show_article_text_only(replies, article_text):
    for message, reply in replies:
        if reply.kind != "answer" or reply.notes:
            continue
        body = reply.answer.rsplit("\n\nSource: ", 1)[0]
        for line in body.splitlines():
            piece = line[2:] if line.startswith("- ") else line
            assert squash(piece) in article_text, f"{message!r}: {piece!r} is not article text"


def test_the_answer_shows_the_cited_passage(engine):
    reply = engine.answer("how do they give the treatment")
    top = next(p for p in engine.passages if p.id == reply.citations[0].passage)
    assert top.text.splitlines()[0] in reply.answer
    assert reply.citations[0].section == "What the treatment process looks like"
    assert "intravenous infusion" in reply.answer


def test_citations_are_best_first(replies):
    for message, reply in replies:
        if reply.kind == "answer" and len(reply.citations) > 1:
            scores = [c.score for c in reply.citations]
            assert scores[0] == max(scores) or reply.citations[0].section == reply.citations[1].section, message


def test_no_answer_says_so_and_lists_the_topics(engine, headings):
    reply = engine.answer("what is the capital of france")
    assert reply.kind == "no_answer"
    assert reply.citations == ()
    assert reply.confidence < 0.5
    lines = reply.answer.splitlines()
    for heading in headings - {TITLE}:
        assert f"- {heading}" in lines
    assert "care team" in reply.answer


@pytest.mark.parametrize("message", ["what is the capital of france", "how do I bake sourdough bread",
                                     "what is the best phone to buy", "\u00bfQu\u00e9 es la inmunoterapia?",
                                     "\U0001F642\U0001F642", "qwzx vbnm",
                                     "is it ok for me to have a massage?", "how can i boost my immune system naturally"])
def test_questions_the_article_does_not_cover_get_no_answer(engine, message):
    assert engine.answer(message).kind == "no_answer"


# -- urgent replies ----------------------------------------------------------------------------


URGENT = {
    "I can't breathe": "emergency",
    "my chest hurts and my left arm is numb": "emergency",
    "I want to end my life": "crisis",
    "I've had the runs for three days since my infusion": "symptom",
    "i've come out in a rash on my arms since starting immunotherapy": "symptom",
}


@pytest.mark.parametrize("message, level", URGENT.items())
def test_urgent_replies_put_help_first(engine, message, level):
    reply = engine.answer(message)
    assert reply.kind == "urgent"
    assert reply.level == level
    assert reply.confidence == 1.0
    assert "999" in reply.answer
    # the help message comes before any article text
    help_text = reply.answer.split("\n\nWhat the article says", 1)[0]
    assert "999" in help_text
    if level in ("emergency", "crisis"):
        first_number = min(reply.answer.find(n) for n in ("999", "111", "116 123") if n in reply.answer)
        assert reply.answer.find("999") == first_number, "999 must be the first number given"
        assert "999" in "\n".join(reply.answer.splitlines()[:2]), "999 must be in the opening lines"
    for citation in reply.citations:
        assert citation.section == SIDE_EFFECTS


def test_symptom_reply_quotes_the_side_effects_section(engine):
    reply = engine.answer("I've had the runs for three days since my infusion")
    assert reply.kind == "urgent"
    assert reply.citations and reply.citations[0].section == SIDE_EFFECTS
    assert "diarrhoea" in reply.answer
    assert reply.answer.endswith(f"Source: {SIDE_EFFECTS} \u2014 {TITLE}")
    assert reply.answer.index("999") < reply.answer.index("What the article says")


def test_no_score_overrides_urgent_triage(engine):
    # A message full of article words is still urgent when it reports an emergency
    reply = engine.answer("immunotherapy infusion side effects: I cannot breathe and my lips are turning blue")
    assert reply.kind == "urgent"


# -- small talk and odd input ------------------------------------------------------------------


@pytest.mark.parametrize("message", ["", "   ", "\n\t\n", "\x1b[31m\x1b[0m", "\x00\x07"])
def test_empty_input_gets_a_gentle_prompt(engine, message):
    reply = engine.answer(message)
    assert reply.kind == "smalltalk"
    assert "question" in reply.answer.lower()
    assert reply.citations == ()
    assert_plain_text(reply.answer)


@pytest.mark.parametrize("message, words", [("hello", ["hello"]), ("thank you!", ["welcome"]),
                                            ("bye", ["goodbye"]), ("what can you do?", ["immunotherapy"])])
def test_small_talk_replies(engine, message, words):
    reply = engine.answer(message)
    assert reply.kind == "smalltalk"
    assert all(w in reply.answer.lower() for w in words)
    assert "{" not in reply.answer  # templates filled in


def test_greeting_with_a_question_is_answered(engine):
    assert engine.answer("hi, how is it given?").kind == "answer"


@pytest.mark.parametrize("message", ["thank you, have a lovely day", "ok great", "hello, is this the immunotherapy helper?", "thanks a million", "thank you kindly", "hi, my name is Sarah", "good thanks, and you?",
                                     "cheerio", "who made you", "what topics do you cover", "thanks for your help today",
                                     "that answers my question, thank you", "brill ta", "hope you're well",
                                     "ok thank you, that's all I needed. goodbye"])
def test_small_talk_with_a_few_words_of_chat_is_small_talk(engine, message):
    assert engine.answer(message).kind == "smalltalk"


@pytest.mark.parametrize("message", ["hello, is it safe for my heart", "thanks, can I drink alcohol", "hi, pembrolizumab?",
                                     "thanks a lot, does it cause hair loss", "lovely, and the side effects?",
                                     "hi, the runs", "is it working", "who wrote this"])
def test_small_talk_beside_a_question_is_not_small_talk(engine, message):
    assert engine.answer(message).kind != "smalltalk"


@pytest.mark.parametrize(
    "question",
    [
        "how is it given? " * 12000,  # about 200 KB
        "x" * 200_000,
        "tell me about chemotherapy and immunotherapy please " * 4000,
        "hello " * 40_000,
    ],
    ids=["repeated-question", "one-long-word", "repeated-words", "repeated-hello"],
)
def test_a_200_kb_message_is_answered_with_a_note(engine, question):
    # how fast is benchmarks/bench.py's to say, not a timed assertion's
    assert len(question) >= 200_000
    reply = engine.answer(question)
    assert reply.kind in KINDS
    assert_plain_text(reply.answer)
    # the patient is told that only the start of the message was read
    mentions_length = "long" in reply.answer.lower()
    assert mentions_length, f"the {reply.kind} reply does not mention the length: {reply.answer[:120]!r}..."


def test_escape_sequences_do_not_change_the_answer(engine):
    plain = engine.answer("how is it given?")
    dressed = engine.answer("\x1b[31mhow is it given?\x1b[0m\x1b]0;pwned\x07")
    assert dressed.kind == plain.kind == "answer"
    assert dressed.answer == plain.answer
    assert dressed.citations == plain.citations


@pytest.mark.parametrize("us, uk", [("how does it recognize a tumor", "how does it recognise a tumour"),
                                    ("can it cause diarrhea", "can it cause diarrhoea"),
                                    ("how is imunotherapy given", "how is immunotherapy given")])
def test_us_spellings_and_typos_get_the_same_reply(engine, us, uk):
    a, b = engine.answer(us), engine.answer(uk)
    assert (a.kind, a.answer) == (b.kind, b.answer)


@pytest.mark.parametrize("opening", ["no chest pain or anything like that, just wondering", "not an emergency -",
                                     "i'm not unwell, just reading up:", "Nothing serious. No fever,"])
@pytest.mark.parametrize("question", ["how often is the treatment given", "do i have to stay in hospital overnight",
                                      "can it affect the thyroid"])
def test_a_reassuring_opening_gets_the_same_answer(engine, opening, question):
    plain = engine.answer(question)
    reply = engine.answer(f"{opening} {question}")
    assert plain.kind == "answer"
    assert (reply.kind, reply.citations[0].section) == (plain.kind, plain.citations[0].section)


@pytest.mark.parametrize("short, spelled_out", [
    ("wat r the side effects of immuno", "what are the side effects of immunotherapy"),
    ("can ur immune system b trained to see the tumor", "can your immune system be trained to see the tumour"),
    ("will every1 get better n live longer", "will everyone get better and live longer"),
    ("do u stay in overnight 4 it", "do you stay in overnight for it"),
])
def test_text_speak_gets_the_reply_of_the_words_it_stands_for(engine, short, spelled_out):
    a, b = engine.answer(short), engine.answer(spelled_out)
    assert (a.kind, a.answer) == (b.kind, b.answer)


BLIND_SETS = sorted((ROOT / "tests" / "data" / "blind").glob("*.yaml"))
BLIND_URGENT = [case["q"] for path in BLIND_SETS for case in yaml.safe_load(path.read_text(encoding="utf-8"))
                if case["tag"] in ("urgent", "symptom")]


def test_blind_sets_are_there():
    assert len(BLIND_SETS) >= 18 and len(BLIND_URGENT) >= 400




@pytest.mark.parametrize("message", BLIND_URGENT)
def test_every_urgent_message_of_the_blind_sets_is_urgent(engine, message):
    # written by people who never saw the triage rules; all caught at first sight
    assert engine.answer(message).kind == "urgent"


def test_replies_are_deterministic(engine):
    for message in ("how is it different from chemo", "what is pd-l1", "I want to end my life", "hello"):
        assert engine.answer(message) == engine.answer(message)


# -- the index and the tokeniser ---------------------------------------------------------------


def test_passages_and_questions_share_the_tokeniser(engine):
    from chatbot.engine import indexed_text

    for number, passage in enumerate(engine.passages):
        expected = set(engine.tokeniser.tokens(indexed_text(passage)))
        if passage.section == passage.title:  # the title names the whole article, not its opening section
            title_only = set(engine.tokeniser.tokens(passage.section)) - set(engine.tokeniser.tokens(passage.text))
            assert title_only and not title_only & expected
        assert {term for term in engine.index.postings if engine.index.holds(term, number)} == expected, passage.id


def test_each_passage_asked_back_is_found(engine):
    for passage in engine.passages:
        reply = engine.answer(passage.text)
        assert reply.kind in ("answer", "urgent"), passage.id
        assert reply.citations[0].section == passage.section, passage.id


def test_the_article_own_words_are_never_unknown(engine):
    # words of the article, asked back, must not count as words the article never mentions
    for passage in engine.passages:
        assert engine.tokeniser.analyse(passage.text).unknown == (), passage.id


def test_every_section_is_reachable(engine, headings):
    questions = {
        TITLE: "is immunotherapy a newer option that sounds promising on paper",
        "What immunotherapy is actually doing": "why does the immune system ignore cancer",
        "When immunotherapy is used in cancer care": "what is pd-l1 expression",
        "What the treatment process looks like": "how often are the infusions",
        "How it differs from chemotherapy": "how is it different from chemotherapy",
        SIDE_EFFECTS: "is immunotherapy easier to tolerate than chemotherapy",
        "How decisions are made around immunotherapy": "what is a multidisciplinary team",
        "About Dr James Wilson": "who is dr james wilson",
    }
    assert set(questions) == headings
    for section, question in questions.items():
        reply = engine.answer(question)
        assert reply.kind == "answer", question
        assert reply.citations[0].section == section, question


def test_the_index_cache_gives_the_same_replies(tmp_path, monkeypatch):
    monkeypatch.setenv("CHATBOT_CACHE_DIR", str(tmp_path))
    built = Engine.load(cache="use")
    assert list(tmp_path.glob("index-*.json")), "the cache was not written"
    cached = Engine.load(cache="read")
    for message in MESSAGES[:18] + ["multi disciplinary team", "the runs", "fast-growing cells", "tumor sytem"]:
        assert cached.answer(message) == built.answer(message), message


# -- quality on the project's own patient-style questions ------------------------------------




def test_warm_up_prepares_everything_and_changes_no_reply(engine):
    """Long-running modes warm the engine up: every triage pattern compiled, the English dictionary
    read; the replies stay exactly those of an engine that prepares things on first use."""
    warm = Engine.load(cache="off").warm_up()
    assert all(pattern._compiled is not None for pattern in warm.triage._lazy_patterns())
    for question in ("how is it differnt from chemo", "I can't breathe", "cost of parking?", "hi", "side affects"):
        assert warm.answer(question) == engine.answer(question), question


def test_a_close_runner_up_of_the_same_section_is_shown_with_the_best_passage(engine):
    # chemotherapy is "more direct"; immunotherapy "is less direct": a comparison needs both
    reply = engine.answer("does immunotherapy kill cancer cells directly like chemo")
    assert reply.citations[0].section == "How it differs from chemotherapy"
    assert "more direct" in reply.answer and "less direct" in reply.answer


def test_a_real_word_is_not_repaired_into_an_article_word(engine):
    # "infection" is one letter from the lexicon's "injection"; it is a word of its own
    analysis = engine.tokeniser.analyse("is there a risk of infection")
    assert ("infection", "injection") not in analysis.corrected
    assert engine.answer("is there a risk of infection").kind == "no_answer"


def test_who_wrote_a_leaflet_is_read_as_the_author_its_about_section_names():
    from chatbot.corpus import parse_article
    from chatbot.engine import with_authors
    from chatbot.text import Lexicon

    front = "---\ntitle: Scans\nauthor: Dr Ann Lee, radiologist\nsource: test\n---\n\n# Scans\n\nScans show things.\n\n"
    about = parse_article(front + "## About Dr Ann Lee\n\nDr Ann Lee is a radiologist in Leeds.\n", "scans.md")
    nameless = parse_article(front.replace("Dr Ann Lee", "A Hospital") + "## Why scans\n\nThey help.\n", "other.md")
    assert with_authors(Lexicon(), [about]).terms[("who", "wrote")] == ("ann", "lee")
    assert ("author",) in with_authors(Lexicon(), [about]).terms
    assert with_authors(Lexicon(), [nameless]).terms == {}  # no section about its author: nothing to say


def test_who_wrote_this_is_answered_by_the_authors_biography(engine):
    for question in ("who wrote this article?", "Is the doctor who wrote this NHS or private?"):
        reply = engine.answer(question)
        assert reply.kind == "answer" and reply.citations[0].section == "About Dr James Wilson"


SPROCKET_LEAFLET = """---
title: Sprocket Therapy
author: A Hospital
source: made up for a test
---

# Sprocket Therapy

Sprocket therapy (also called cogwheeling) is a treatment that uses small wheels.

## How sprocket therapy is given

Sprocket therapy is given through a flange. The flange stays in for the whole flange course, and a nurse
checks the flange and flange settings at each flange visit.

## Words you may hear

- Cog: a small tooth on a wheel. Cogs turn the wheel a little at a time, and a nurse checks them at each
visit to the clinic. Cogs that wear down are changed by the nurse. A worn cog makes the wheel slip, so
the clinic keeps spare cogs and a spare wheel in the flange room, beside the flange tools.
- Flange: A flange is a thin ring placed under the skin. It holds the wheel in place. The nurse cleans
the flange and the skin around the flange at each visit, and a flange that hurts is looked at the same day.

## How long sprocket therapy takes

Most people have sprocket therapy for six months.
"""


HORMONE_LEAFLET = """---
title: Hormone Therapy
author: A Hospital
source: made up for a test
---

# Hormone Therapy

Hormone therapy slows cancers that use hormones to grow.

## How hormone therapy is given

Hormone therapy is given as tablets or as injections under the skin.
"""


@pytest.fixture(scope="module")
def sprocket_engine(tmp_path_factory) -> Engine:
    from dataclasses import replace
    import shutil

    from chatbot.engine import Paths

    paths = Paths.under()
    corpus = tmp_path_factory.mktemp("corpus")
    for source in paths.corpus.iterdir():
        shutil.copy(source, corpus / source.name)
    (corpus / "sprocket.md").write_text(SPROCKET_LEAFLET, encoding="utf-8")
    (corpus / "hormone.md").write_text(HORMONE_LEAFLET, encoding="utf-8")
    return Engine.load(replace(paths, corpus=corpus), cache="off")


def test_what_a_term_is_is_answered_by_the_passage_that_defines_it(sprocket_engine):
    reply = sprocket_engine.answer("what is a flange?")
    assert reply.kind == "answer" and "A flange is a thin ring" in reply.answer



def test_a_long_passage_is_shown_from_where_it_says_what_the_asked_term_is(engine):
    from chatbot.passages import Passage

    text = ("- Cog: a small tooth on a wheel. Cogs turn the wheel a little at a time, and the nurse checks the cogs "
            "and the port at each visit. Cogs that wear down are changed by the nurse at the port clinic. A worn cog "
            "makes the wheel slip, so the clinic keeps spare cogs. - Port: A port is a small disc under the skin. "
            "It holds the line in place. The nurse cleans the port at each visit, and a port that hurts is seen "
            "the same day by the team at the clinic.")
    passage = Passage("x/1", "x.md", "X", "Words", "words", 1, text)
    shown = engine._passage_text(passage, engine.tokeniser.analyse("what is a port?"))
    assert shown.startswith("- Port: A port is a small disc") or shown.startswith("Port: A port is a small disc")


def test_what_a_leaflets_subject_is_is_answered_by_its_opening(sprocket_engine):
    reply = sprocket_engine.answer("what is cogwheeling?")
    assert reply.kind == "answer" and "uses small wheels" in reply.answer


def test_a_question_naming_two_names_of_one_thing_is_answered_where_both_are_given(sprocket_engine):
    question = "is cogwheeling just another word for sprocket therapy?"
    chosen = sprocket_engine._defining(sprocket_engine.tokeniser.analyse(question))
    assert [sprocket_engine.passages[i].id for i in chosen] == ["sprocket/sprocket-therapy/1"]
    assert sprocket_engine.answer(question).citations[0].passage == "sprocket/sprocket-therapy/1"
    assert not sprocket_engine._defining(sprocket_engine.tokeniser.analyse("how long does sprocket therapy take"))


def test_a_leaflet_is_named_by_the_other_name_its_opening_gives(sprocket_engine):
    tokens = sprocket_engine.tokeniser.analyse("how long does cogwheeling take").tokens
    assert set(sprocket_engine._named_leaflets(tokens)) == {"sprocket.md"}


def test_a_word_typed_in_capitals_is_an_acronym_not_a_typo(engine):
    analysis = engine.tokeniser.analyse("what is a PARP inhibitor")
    assert "parp" in analysis.unknown and not analysis.corrected


def test_a_leaflet_is_named_by_its_title_word_though_the_lexicon_reads_it_as_another(sprocket_engine):
    # the shared lexicon reads "hormone" as the immunotherapy article's "endocrine"
    tokens = sprocket_engine.tokeniser.analyse("how is hormone therapy given?").tokens
    assert set(sprocket_engine._named_leaflets(tokens)) == {"hormone.md"}
    reply = sprocket_engine.answer("how is hormone therapy given?")
    assert reply.kind == "answer" and "tablets or as injections" in reply.answer


def test_a_topical_word_counts_twice_in_the_search_and_an_everyday_one_once(engine):
    analysis = engine.tokeniser.analyse("how will my wife actually receive her immunotherapy")
    searched = engine._topical_repeats(analysis, analysis.tokens)
    assert searched.count(engine.tokeniser.stem_word("actually")) == 1
    assert searched.count(engine.tokeniser.stem_word("immunotherapy")) == 2
    # so an everyday word does not draw the question to a heading that happens to use it
    reply = engine.answer("How will my wife actually receive her immunotherapy?")
    assert reply.citations[0].section == "What the treatment process looks like"


@pytest.mark.parametrize("message", ["wot can u do", "thx m8"])
def test_small_talk_in_text_speak_is_small_talk(engine, message):
    assert engine.answer(message).kind == "smalltalk"
