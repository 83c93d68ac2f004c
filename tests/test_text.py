"""text.py: folding, cleaning, words, spellings, typo repair and the one tokeniser."""

from __future__ import annotations

import unicodedata

import pytest

from chatbot.text import (Lexicon, QuestionKind, Tokeniser, asking_sentences, clean, fold, split_disclaimers, uk_spelling,
                          words)

# -- fold ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, folded",
    [
        ("It\u2019s \u2018fine\u2019", "it's 'fine'"),
        ("\u201cbrakes\u201d", '"brakes"'),
        ("10\u201315 years \u2014 roughly", "10-15 years - roughly"),
        ("PD\u2011L1 \u2212 minus", "pd-l1 - minus"),
        ("\uff30\uff24-\uff2c\uff11", "pd-l1"),  # full-width letters (NFKC)
        ("\ufb01ne \u2460", "fine 1"),  # ligature and circled digit (NFKC)
        ("Caf\u00e9 na\u00efve", "cafe naive"),  # accents go
        ("IMMUNOTHERAPY Works", "immunotherapy works"),
    ],
)
def test_fold(raw, folded):
    assert fold(raw) == folded


def test_fold_makes_curly_and_straight_text_equal():
    assert fold("That\u2019s the \u201cprinciple\u201d") == fold("That's the \"principle\"")


def test_fold_of_plain_ascii_takes_no_shortcut_in_meaning():
    """ASCII text skips Unicode normalisation (for speed); the result is what normalising gives."""
    from chatbot.text import _DASHES, _QUOTES

    text = "".join(chr(c) for c in range(32, 127)) + " It's `PD-L1` \x1b[31mRED\x1b[0m\tDone"
    slow = unicodedata.normalize("NFKC", clean(text)).translate(_DASHES).translate(_QUOTES)
    slow = "".join(ch for ch in unicodedata.normalize("NFKD", slow) if not unicodedata.combining(ch)).lower()
    assert fold(text) == slow


# -- clean -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, cleaned",
    [
        ("\x1b[31mred\x1b[0m text", "red text"),  # CSI colours
        ("\x1b[2J\x1b[Hclear", "clear"),  # CSI clear screen, cursor home
        ("\x1b[?1049hscreen", "screen"),  # CSI private mode
        ("\x1b]0;new title\x07after", "after"),  # OSC window title, BEL end
        ("\x1b]0;new title\x1b\\after", "after"),  # OSC with ST end
        ("\x1b]52;c;aGVsbG8=\x07paste", "paste"),  # OSC 52 clipboard write
        ("\x1b]52;c;aGVsbG8=\x1b\\paste", "paste"),
        ("\x1b]8;;http://evil.example\x07link\x1b]8;;\x07", "link"),  # OSC 8 hyperlink
        ("\x1bPq#0;2;0;0;0\x1b\\sixel", "sixel"),  # DCS
        ("bare\x1b escape", "bare escape"),
        ("\x9b31m8-bit CSI", "8-bit CSI"),
        ("nul\x00bell\x07del\x7f", "nulbelldel"),
        ("zero\u200bwidth\u202eRTL\ufeff", "zerowidthRTL"),
        ("tab\there\rcr", "tab here cr"),
        ("line one\nline two", "line one\nline two"),
    ],
)
def test_clean_removes_escapes_and_controls(raw, cleaned):
    assert clean(raw) == cleaned


@pytest.mark.parametrize("final", ["c", "7", "8", "=", ">"])
def test_clean_removes_two_character_escape_sequences(final):
    # ESC c (full reset), ESC 7 / ESC 8 (save / restore cursor), ESC = / ESC > (keypad modes):
    # the whole sequence goes, not only the ESC, so no stray character is left in the question.
    assert clean(f"before\x1b{final}after") == "beforeafter"


def test_clean_leaves_no_control_characters():
    nasty = "".join(chr(c) for c in range(0x00, 0xA0)) + "\x1b]52;c;ZXZpbA==\x07ok"
    result = clean(nasty)
    assert "\x1b" not in result
    assert all(ch == "\n" or unicodedata.category(ch) != "Cc" for ch in result)
    assert result.endswith("ok")


def test_clean_keeps_other_scripts_and_emoji():
    assert clean("\u5316\u7597 \u0647\u0644 \U0001F600") == "\u5316\u7597 \u0647\u0644 \U0001F600"


# -- words -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("PD-L1", ["pdl1"]),
        ("PD\u2011L1 expression", ["pdl1", "expression"]),
        ("T-cell", ["tcell"]),
        ("fast-growing cells", ["fast", "growing", "cells"]),
        ("one-size-fits-all", ["one", "size", "fits", "all"]),
        ("don't", ["dont"]),
        ("doesn\u2019t always", ["doesnt", "always"]),
        ("I'll go, she\u2019ll stay", ["i", "will", "go", "she", "will", "stay"]),  # not "ill", not "shell"
        ("we're sure they've I'd I'm", ["we", "are", "sure", "they", "have", "i", "would", "i", "am"]),
        ("the patient's mum's", ["the", "patient", "mum"]),
        ("10-15 years", ["10", "15", "years"]),
        ("Hello, world! Is it going?", ["hello", "world", "is", "it", "going"]),
        ("", []),
        ("\u2014 ... !!!", []),
    ],
)
def test_words(raw, expected):
    assert words(raw) == expected


# -- spellings ------------------------------------------------------------------------------


SPELLING = {"tumor": "tumour", "diarrhea": "diarrhoea"}


@pytest.mark.parametrize(
    "us, uk",
    [
        ("tumor", "tumour"),
        ("diarrhea", "diarrhoea"),
        ("recognize", "recognise"),
        ("recognized", "recognised"),
        ("recognizes", "recognises"),
        ("organization", "organisation"),
        ("specializing", "specialising"),
        ("analyze", "analyse"),
        ("analyzed", "analysed"),
        ("paralyzing", "paralysing"),
        ("tumour", "tumour"),
        ("size", "size"),
        ("prize", "prize"),
        ("citizen", "citizen"),
    ],
)
def test_uk_spelling(us, uk):
    assert uk_spelling(us, SPELLING) == uk


def test_uk_spelling_uses_only_the_given_map_for_listed_words():
    assert uk_spelling("tumor", {}) == "tumor"
    assert uk_spelling("color", {"color": "colour"}) == "colour"


# -- the tokeniser on a tiny learned corpus --------------------------------------------------


CORPUS = [
    "The immune system attacks the tumour and other abnormal cells.",
    "Some patients notice diarrhoea, or a change in breath and breathing.",
    "PD-L1 expression guides the decision in lung cancer.",
    "A multidisciplinary team decides on treatment.",
    "Chemotherapy targets fast-growing cells.",
]


@pytest.fixture(scope="module")
def tok() -> Tokeniser:
    lexicon = Lexicon(
        spelling={"tumor": "tumour"},
        terms={("the", "runs"): ("diarrhoea",), ("chemo",): ("chemotherapy",)},
        neutral=frozenset({"doctor", "explain"}),
    )
    tokeniser = Tokeniser(lexicon)
    tokeniser.learn(CORPUS)
    return tokeniser


def test_typo_is_repaired_to_the_corpus_word(tok):
    analysis = tok.analyse("immune sytem")
    assert analysis.tokens == tuple(tok.tokens("immune system"))
    assert ("sytem", "system") in analysis.corrected
    assert analysis.unknown == ()


def test_swapped_letters_are_repaired(tok):
    assert tok.tokens("chemotehrapy") == tok.tokens("chemotherapy")


def test_breast_is_not_repaired_to_breath(tok):
    analysis = tok.analyse("breast cancer")
    assert analysis.corrected == ()
    assert tok.stem("breath") not in analysis.tokens
    assert "breast" in analysis.unknown


def test_short_words_are_not_repaired_by_a_changed_letter(tok):
    # "cells" is known; "bells" is one substitution away but a different word
    assert tok.analyse("bells").corrected == ()


def test_an_adjective_finds_its_comparative_in_a_leaflet():
    tokeniser = Tokeniser(Lexicon())
    tokeniser.learn(["Patients with higher expression respond in earlier stages."])
    assert tokeniser.analyse("is mine high").tokens[-1] == tokeniser.analyse("higher").tokens[0]
    assert tokeniser.analyse("early").tokens == tokeniser.analyse("earlier").tokens
    assert tokeniser.analyse("high").unknown == ()
    both = Tokeniser(Lexicon())
    both.learn(["Found early.", "In earlier stages."])  # a leaflet with both: a question finds both
    assert set(both.tokens("earlier")) <= set(both.analyse("early").tokens)


def test_pd_l1_spellings_give_the_same_tokens(tok):
    assert tok.tokens("pd l1") == tok.tokens("pdl1") == tok.tokens("PD-L1") == tok.tokens("PD\u2011L1")
    assert len(tok.tokens("pd l1")) == 1
    assert tok.analyse("pd l1").unknown == ()


def test_split_compound_joins_when_the_corpus_writes_it_as_one_word(tok):
    assert tok.tokens("multi disciplinary") == tok.tokens("multidisciplinary")
    assert tok.analyse("multi disciplinary").unknown == ()


def test_hyphenated_corpus_words_match_spaced_and_joined_questions(tok):
    assert tok.tokens("fast growing") == tok.tokens("fast-growing")


def test_us_spelling_in_a_question_matches_the_article(tok):
    assert tok.tokens("tumor") == tok.tokens("tumour") == tok.tokens("Tumour")


def test_lay_phrase_is_replaced_by_article_words(tok):
    analysis = tok.analyse("the runs")
    assert analysis.tokens == tuple(tok.tokens("diarrhoea"))
    assert analysis.expanded == ("diarrhoea",)
    assert analysis.unknown == ()


def test_lay_word_is_replaced_inside_a_question(tok):
    # BM25 sees a bag of words: the lay word's replacement may come at the end
    assert sorted(tok.tokens("how is chemo different")) == sorted(tok.tokens("how is chemotherapy different"))


def test_unknown_words_are_reported(tok):
    analysis = tok.analyse("quantum physics and the immune system")
    assert analysis.unknown == ("quantum", "physics")
    assert "system" in analysis.content


def test_neutral_and_function_words_are_not_unknown(tok):
    analysis = tok.analyse("could the doctor please explain what it is")
    assert analysis.unknown == ()
    assert analysis.content == ()


def test_negation_is_noticed(tok):
    assert tok.analyse("why does it not attack the tumour").negated
    assert not tok.analyse("why does it attack the tumour").negated


@pytest.mark.parametrize(
    "message, opening",
    [
        ("no chest pain or anything like that, just wondering how often they scan you",
         "no chest pain or anything like that, "),
        ("i'm not unwell, just reading up: does it affect the thyroid?", "i'm not unwell, "),
        ("not an emergency - do i stay in overnight", "not an emergency - "),
        ("No fever. Nothing serious, how is it given?", "no fever. nothing serious, "),
        ("I don\u2019t have any symptoms; who decides?", "i don't have any symptoms; "),
        ("not attacking the cancer directly, so how does it help", "not attacking the cancer directly, "),
    ],
)
def test_opening_not_this_clauses_are_found(message, opening):
    found, rest = split_disclaimers(message)
    assert found == opening
    assert fold(message) == found + rest


@pytest.mark.parametrize(
    "message",
    [
        "no one has told me how it works, can you explain?",  # the clause asks something itself
        "not sure about immunotherapy, is it safe?",  # doubt, not a disclaimer
        "not working for me",  # nothing after it
        "nobody seems to know, whether it works or not",
        "is it not like chemo, then?",
    ],
)
def test_other_messages_have_no_disclaimer(message):
    assert split_disclaimers(message) == ("", message)


def test_a_disclaimer_off_the_corpus_is_not_searched(tok):
    plain = tok.analyse("does the immune system attack the tumour")
    assert tok.analyse("no chest pain, just wondering: does the immune system attack the tumour").tokens == plain.tokens
    assert tok.analyse("nothing urgent - does the immune system attack the tumour").unknown == ()


def test_a_disclaimer_about_the_corpus_subject_is_searched(tok):
    # "not attacking the tumour" is what the question is about
    assert "tumour" in tok.analyse("not attacking the tumour, so how do the cells help").tokens


def test_a_disclaimer_stays_when_too_little_would_be_left(tok):
    # "is that normal?" alone says nothing to search for: the whole message is searched
    assert "quantum" in tok.analyse("no quantum effects, is that normal?").tokens


@pytest.mark.parametrize("message, asking", [
    ("My mum is 78 and doesn't drive. Will she have to stay in?", "Will she have to stay in?"),
    ("I had chemo for breast cancer. It was brutal. how is this different", "how is this different"),
    ("is it new? was it around 15 years ago", "is it new? was it around 15 years ago"),
    ("She starts next week. Can she go home after. Thanks.", "Can she go home after."),
    ("She starts next week. I'm worried.", "I'm worried."),
])
def test_asking_sentences(message, asking):
    assert asking_sentences(message) == (asking if asking != message else "")


@pytest.mark.parametrize("message", ["how does the tumour hide", "Does it work? How?", ""])
def test_a_message_that_only_asks_has_no_background(message):
    assert asking_sentences(message) == ""


def test_unknown_words_told_before_the_question_are_background(tok):
    told = tok.analyse("My brother is a plumber. How does the immune system attack the tumour?")
    assert told.unknown == ("brother", "plumber") and told.background_unknown == ("brother", "plumber")
    assert told.asked == tuple(tok.tokens("immune system attack tumour"))
    asked = tok.analyse("How does the immune system of a plumber attack the tumour?")
    assert asked.unknown == ("plumber",) and asked.background_unknown == ()


def test_a_short_asking_sentence_takes_its_subject_from_the_rest(tok):
    # "Is that normal?" names nothing: the whole message is what it asks about
    analysis = tok.analyse("My brother is a plumber. Is that normal?")
    assert analysis.background_unknown == () and analysis.asked == ()


def test_filler_words_do_not_steer_the_search(tok):
    # "happen", "general", "normally" say nothing about the topic; the corpus's "normal" still counts
    assert tok.analyse("does diarrhoea happen normally in general").tokens == tuple(tok.tokens("diarrhoea"))
    assert "normal" in tok.tokens("normal tissues")


def test_us_is_a_function_word(tok):
    assert tok.analyse("could you tell us about the immune system").unknown == ()


def test_passages_and_questions_share_the_tokeniser(tok):
    for text in CORPUS:
        assert tok.tokens(text) == list(tok.analyse(text).tokens)
        assert tok.tokens(text) == tok.tokens(text.upper())


def test_the_corpus_own_words_are_never_unknown(tok):
    # Quoting the corpus back must not count as words "the article never mentions".
    for text in CORPUS:
        assert tok.analyse(text).unknown == (), text


def test_hyphenated_corpus_word_in_a_question_is_known(tok):
    for question in ("do they target fast-growing cells", "fast growing cells", "fastgrowing cells"):
        analysis = tok.analyse(question)
        assert analysis.unknown == (), question
        assert set(analysis.tokens) <= tok.vocabulary, question


def test_inflections_meet_the_corpus_stem(tok):
    assert tok.tokens("attacking") == tok.tokens("attacks") == tok.tokens("attack")


def test_state_round_trip_gives_the_same_tokens(tok):
    import json

    again = Tokeniser.from_state(json.loads(json.dumps(tok.to_state())))
    for text in CORPUS + ["immune sytem", "the runs", "pd l1", "multi disciplinary", "quantum tumor"]:
        assert again.analyse(text) == tok.analyse(text)


def test_empty_and_symbol_only_text(tok):
    assert tok.tokens("") == []
    assert tok.tokens("?!... \u2014 \U0001F600") == []


def test_stemming_needs_neither_nltk_nor_numpy_and_sentences_load_nltk_without_numpy() -> None:
    """A word the memo lacks is stemmed by PyStemmer alone (memory, start-up); sentence splitting
    brings nltk in without numpy; numpy still imports after."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from chatbot.text import Stemmer\n"
        "from chatbot.passages import split_sentences\n"
        "stem = Stemmer()\n"
        "print(stem('infusions'), stem('generously'), 'nltk' in sys.modules, 'numpy' in sys.modules)\n"
        "print(split_sentences('It works. It helps.'), 'nltk' in sys.modules, 'numpy' in sys.modules)\n"
        "import numpy\n"
        "print(numpy.zeros(2).sum())\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["infus generous False False", "['It works.', 'It helps.'] True False", "0.0"]


def test_ways_of_asking_expand_questions_but_not_the_article():
    lexicon = Lexicon(terms={("how", "often"): ("team",), ("tell", "me", "about", "it"): ("tumour",)})
    tokeniser = Tokeniser(lexicon)
    tokeniser.learn(CORPUS)
    assert "team" in tokeniser.analyse("how often is it given").tokens
    assert "tumour" in tokeniser.analyse("please tell me about it").tokens
    # the same words in article text are the article's own, not a question
    assert "team" not in tokeniser.tokens("how often it is given")
    assert "tumour" not in tokeniser.tokens("tell me about it")


def test_a_kind_of_question_is_found_in_questions_and_judged_against_the_passage():
    import re

    kind = QuestionKind("how long", re.compile(r"\bhow long(?! between)\b"), re.compile(r"\btakes? \d+ (minutes|hours)\b"))
    tokeniser = Tokeniser(Lexicon(question_kinds=(kind,)))
    tokeniser.learn(CORPUS)
    assert tokeniser.analyse("how long does the team take").kinds == (kind,)
    assert tokeniser.analyse("how long between team meetings").kinds == ()
    assert tokeniser.analyse("how long the team takes", question=False).kinds == ()  # article text: no marks
    assert kind.answered("Each meeting takes 30 minutes.") and not kind.answered("Meetings are every two weeks.")


def test_a_filler_word_inside_a_lay_phrase_does_not_break_it():
    lexicon = Lexicon(terms={("how", "does", "chemo", "work"): ("team",), ("chemo",): ("cells",)})
    tokeniser = Tokeniser(lexicon)
    tokeniser.learn(CORPUS)
    plain = tokeniser.analyse("how does chemo work").tokens
    assert "team" in plain
    assert "team" in tokeniser.analyse("how does chemo actually work").tokens
    assert "team" in tokeniser.analyse("how does chemo really actually work").tokens
    # another word in between is not a filler: the phrase is not there
    assert "team" not in tokeniser.analyse("how does chemo drug work").tokens


def test_a_question_that_refers_back_takes_its_subject_from_the_last_sentence_that_names_one(tok):
    text = ("I have barely slept this week. My consultant mentioned chemotherapy and I nodded. "
            "I felt embarrassed. What does it do?")
    analysis = tok.analyse(text)
    assert "slept" in analysis.background_unknown and "embarrassed" in analysis.background_unknown
    assert "nodded" not in analysis.background_unknown  # the sentence that says what "it" is counts
    warfarin = tok.analyse("My dad takes warfarin. Is it safe with that?")
    assert warfarin.background_unknown == ()  # no sentence names a subject of the leaflets: all of it counts


def test_a_lexicon_entry_keeps_a_word_a_leaflet_uses_without_the_entrys_words():
    # the first leaflet says "endocrine", the second "hormone": with the second loaded, "hormone"
    # is a word of its own, and the entry adds "endocrine" beside it
    tokeniser = Tokeniser(Lexicon(terms={("hormone",): ("endocrine",)}))
    leaflets = [["The endocrine system can be affected."], ["Hormone therapy slows cancers that use hormones."]]
    tokeniser.learn([text for texts in leaflets for text in texts])
    tokeniser.leaflet_vocabularies = tuple(tokeniser.word_stems(texts) for texts in leaflets)
    assert set(tokeniser.analyse("hormone tablets").tokens) >= {tokeniser.stem("hormone"), tokeniser.stem("endocrine")}
    tokeniser.leaflet_vocabularies = tuple(tokeniser.word_stems(texts) for texts in leaflets[:1])
    assert tokeniser.stem("hormone") not in tokeniser.analyse("hormone tablets").tokens


def test_a_lexicon_entry_between_two_words_of_one_leaflet_still_reads_one_as_the_other(tok):
    tok.leaflet_vocabularies = (tok.word_stems(CORPUS + ["Chemotherapy (also called chemo) is a treatment."]),)
    try:
        assert tok.analyse("chemo").tokens == tuple(tok.tokens("chemotherapy"))
    finally:
        tok.leaflet_vocabularies = ()


def test_acronyms_are_the_words_typed_in_capitals():
    from chatbot.text import acronyms

    assert acronyms("is a PARP inhibitor like FOLFOX?") == {"parp", "folfox"}
    assert acronyms("WHAT IS IMUNOTHERAPY") == set()  # typed in capitals throughout: nothing stands out


def test_a_letter_on_its_own_names_nothing(tok):
    analysis = tok.analyse("side effects w chemo")
    assert "w" not in analysis.unknown and "w" not in analysis.content


def test_neighbours_are_joined_only_into_a_word_of_the_leaflets_own_text():
    # "lookout" is a word of a patient's phrasing only: "look out" stays two words
    leaflet = ["A multi-disciplinary team looks out for rashes."]
    tokeniser = Tokeniser(Lexicon())
    tokeniser.learn(leaflet)
    article_vocabulary = tokeniser.vocabulary
    tokeniser.learn(leaflet + ["what should I be on the lookout for"])
    tokeniser.article_vocabulary = article_vocabulary
    assert tokeniser.stem("lookout") not in tokeniser.analyse("what should I look out for").tokens
    assert tokeniser.stem("multidisciplinary") in tokeniser.analyse("a multi disciplinary team").tokens
