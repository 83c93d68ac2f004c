"""Which terms a passage defines, and which term a question asks to have defined (made-up text)."""

import pytest

from chatbot.definitions import asked_term, defined_terms


def test_a_sentence_opening_with_a_term_and_is_defines_it_and_its_alias():
    text = "Widget therapy (also called widgeting) is a treatment that uses widgets. It works slowly."
    assert defined_terms(text) == {"widget therapy", "widgeting"}


def test_glossary_items_and_called_or_known_as_define_terms():
    text = "- Port: A port is a small disc under the skin.\n- Pump: pumps control the flow.\n" \
           "A sample is checked for markers. This is called marker testing. Some are known as sprockets."
    assert {"port", "pump", "marker testing", "sprockets"} <= defined_terms(text)


def test_every_name_of_a_list_is_defined_and_an_appositive_alias_too():
    text = "Widget therapy is also called widgeting, widget care, or cog therapy. " \
           "Monoclonal cogs, also known as therapeutic cogs, are proteins made in the lab."
    assert defined_terms(text) == {"widgeting", "widget care", "cog therapy", "monoclonal cogs", "therapeutic cogs"}


@pytest.mark.parametrize("text", ["Widget therapy is used to treat many cancers.", "It is a drug.",
                                  "Widgets are not for everyone.", "This is often given weekly.",
                                  "Widget therapy is something that comes up more and more."])
def test_what_a_term_does_or_how_it_is_given_is_no_definition(text):
    assert defined_terms(text) == set()


@pytest.mark.parametrize("question, term", [
    ("what is a port?", "port"), ("Whats a catheter", "catheter"), ("what does adjuvant widgeting mean", "adjuvant widgeting"),
    ("what are monoclonal antibodies?", "monoclonal antibodies"), ("define widgeting please", "widgeting"),
    ("what actually is a biopsy", "biopsy"), ("widget therapy meaning", "widget therapy"),
    ("what is meant by PD-L1?", "pdl1"), ("what is a flange exactly?", "flange"),
])
def test_a_question_asking_what_a_term_is_names_the_term(question, term):
    assert asked_term(question) == term


@pytest.mark.parametrize("question", ["what is it?", "how is it given?", "what is the best thing to do if I feel unwell after my first dose"])
def test_other_questions_ask_for_no_definition(question):
    assert asked_term(question) is None
