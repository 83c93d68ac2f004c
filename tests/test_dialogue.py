"""Issue 14: the passage that names what was asked, and follow-ups within one conversation.

Asserted on what a patient reads: the named side effects, the section cited, whether a follow-up
is answered from the earlier subject, and that urgent and out-of-scope follow-ups stay so.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chatbot.dialogue import Conversation
from chatbot.engine import Engine
from chatbot.listing import asked_noun, enumerates, list_markers

PROJECT = Path(__file__).resolve().parent.parent
SIDE_EFFECTS = "Side effects and what to expect"
TREATMENT = "What the treatment process looks like"
CHEMO = "How it differs from chemotherapy"
# The effects the article names, each as a patient would recognise it.
NAMED_EFFECTS = (("rash", "itching"), ("diarrhoea", "abdominal pain"), ("tired", "thyroid"),
                 ("breathlessness", "cough"))
SIDE_EFFECT_WORDINGS = (
    "what are the side effects?",
    "What side effects should I watch out for?",  # "watch out for" is general English for "expect"
    "What are the known side effects?",  # an everyday word before the asked noun does not count against
    "which side effects can it cause",
    "what side effects are there",
    "What side effects might I get?",
    "wot r the side efects",  # text-speak and a typo are read as the tokeniser reads them
    "tell me about the side effects",
    "side effects?",
)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.load(cache="off")


def named_effects(text: str) -> int:
    return sum(any(word in text for word in effect) for effect in NAMED_EFFECTS)


# -- the passage that answers ------------------------------------------------------------------
@pytest.mark.parametrize("question", SIDE_EFFECT_WORDINGS)
def test_asking_what_the_side_effects_are_shows_them(engine, question):
    reply = engine.answer(question)
    assert reply.kind == "answer" and reply.citations[0].section == SIDE_EFFECTS
    assert named_effects(reply.answer) >= 3, reply.answer


@pytest.mark.parametrize("question", SIDE_EFFECT_WORDINGS)
def test_ask_on_the_command_line_shows_the_named_side_effects(question, tmp_path):
    done = subprocess.run([sys.executable, "run_chat.py", "--ask", question], cwd=PROJECT, capture_output=True,
                          text=True, timeout=60, env={"CHATBOT_CACHE_DIR": str(tmp_path), "PATH": ""})
    assert done.returncode == 0, done.stderr
    assert named_effects(done.stdout) >= 3, done.stdout
    assert f"Source: {SIDE_EFFECTS}" in done.stdout


def test_two_passages_are_shown_in_reading_order(engine):
    answer = engine.answer("what are the side effects?").answer
    assert answer.index("different rather than milder") < answer.index("skin rash")


def test_the_asked_noun_is_the_plural_after_what_or_which():
    content = lambda word: word not in {"should", "i", "can", "it", "does", "do", "is", "are", "the"}  # noqa: E731
    assert asked_noun("What are the known side effects?", content) == "effects"
    assert asked_noun("which tests will I have", content) == "tests"
    assert asked_noun("what is immunotherapy?", content) is None
    assert asked_noun("what does it do to the cells?", content) is None
    assert asked_noun("how are the side effects treated?", content) is None
    assert asked_noun("list the side effects", content) == "effects"
    assert asked_noun("tell me about the side effects", content) == "effects"
    assert asked_noun("side effects?", content) == "effects"
    assert asked_noun("is it safe?", content) is None


def test_a_passage_that_lists_enumerates_and_an_introduction_does_not():
    assert enumerates("It involves looking at:\n- the type\n- the stage\n- your health")
    assert enumerates("For example, some develop a rash or itching, or diarrhoea.")
    assert not enumerates("The side effects are different rather than milder.")
    assert list_markers("lungs, skin, liver, or endocrine system") >= 1


def test_a_what_question_about_one_thing_keeps_its_section(engine):
    # "biomarkers" is listed in the decisions section, but the question asks what they are
    reply = engine.answer("what are biomarkers and why do they matter for immunotherapy")
    assert reply.citations[0].section == "When immunotherapy is used in cancer care"


# -- follow-ups ----------------------------------------------------------------------------------
def talk(engine, *messages):
    conversation = Conversation(engine)
    return [conversation.reply(message) for message in messages]


def test_a_follow_up_is_read_with_the_previous_subject(engine):
    drip, often = talk(engine, "is it given as a drip?", "how often?")
    assert drip.citations[0].section == TREATMENT
    assert often.kind == "answer" and often.citations[0].section == TREATMENT
    assert "every two to four weeks" in often.answer


def test_more_and_tell_me_more_continue_the_section(engine):
    replies = talk(engine, "is it given as a drip?", "how often?", "more")
    assert "outpatients" in replies[2].answer and "every two to four weeks" not in replies[2].answer
    assert replies[2].citations[0].section == TREATMENT
    told = talk(engine, "what are the side effects?", "tell me more")[1]
    assert told.kind == "answer" and "manageable" in told.answer


def test_a_follow_up_in_everyday_words_is_about_what_was_just_shown(engine):
    melanoma, everyone = talk(engine, "has immunotherapy made a difference for melanoma patients",
                              "does that happen to everyone?")
    assert everyone.kind == "answer" and "proportion of patients" in everyone.answer
    *_, why = talk(engine, "is immunotherapy easier than chemotherapy?", "why?")
    assert why.kind == "answer" and "activates the immune system" in why.answer  # the passage that gives a reason


def test_a_pronoun_follow_up_with_a_topic_of_its_own_is_answered_about_the_treatment(engine):
    *_, given = talk(engine, "what is a checkpoint inhibitor", "how is it given?")
    assert given.kind == "answer" and "intravenous infusion" in given.answer


def test_they_in_a_follow_up_stands_for_the_things_asked_for_before(engine):
    effects, treated = talk(engine, "what side effects does immunotherapy have", "how are they treated?")
    assert effects.kind == "answer"
    assert treated.kind == "no_answer"  # the leaflet does not say how side effects are treated
    assert treated.question == "how are they treated?"


def test_a_message_of_everyday_words_only_refers_back(engine):
    *_, always = talk(engine, "does a high PD-L1 mean immunotherapy works better?", "always?")
    assert always.kind == "answer" and "PD-L1" in always.answer
    assert not Conversation._topical(["always", "others", "since"]) and Conversation._topical(["melanoma"])


def test_asking_again_about_a_section_in_a_conversation_names_what_it_lists(engine):
    again = talk(engine, "what are the side effects?", "What side effects might I get?")[1]
    assert named_effects(again.answer) >= 3


def test_asking_for_it_more_simply_is_not_asking_for_more(engine):
    assert not Conversation._asks_to_go_on(["say", "that", "more", "simply"])
    assert Conversation._asks_to_go_on(["tell", "me", "more", "please"])


def test_asking_for_it_more_simply_shows_where_the_section_says_it_plainly(engine):
    *_, simpler = talk(engine, "what is immunotherapy?", "say that more simply please")
    assert simpler.kind == "answer" and "In simple terms" in simpler.answer
    *_, plain = talk(engine, "how is immunotherapy different from chemo?", "in plain English please")
    assert plain.kind == "answer" and plain.citations[0].section == "How it differs from chemotherapy"


def test_more_past_the_end_of_a_section_shows_what_was_skipped(engine):
    conversation = Conversation(engine)
    conversation.reply("is the combination of approaches common in lung cancer?")  # the section's last passages
    shown = set(conversation.seen)
    assert min(shown) > min(p.position for p in engine.section_passages(conversation.place))
    for _ in range(4):
        reply = conversation.reply("more")
        if reply.kind != "answer":
            break
        shown.add(conversation.place.position)
    section = engine.section_passages(conversation.place)
    assert shown == {p.position for p in section}  # every passage of the section, once
    assert "end of" in reply.answer


def test_a_message_with_its_own_subject_starts_fresh(engine):
    *_, switched = talk(engine, "is it given as a drip?", "how often?", "how is it different from chemo?")
    assert switched.citations[0].section == CHEMO
    *_, effects = talk(engine, "is it given as a drip?", "and the side effects of it?")
    assert effects.citations[0].section == SIDE_EFFECTS


def test_a_follow_up_the_article_does_not_answer_is_an_honest_no(engine):
    assert talk(engine, "is it given as a drip?", "is that painful?")[1].kind == "no_answer"
    assert talk(engine, "is it given as a drip?", "why?")[1].kind == "no_answer"
    # the earlier subject was out of scope, so its follow-up is too
    assert talk(engine, "can I drink alcohol on it?", "how often?")[1].kind == "no_answer"


def test_an_urgent_follow_up_is_urgent_first(engine):
    replies = talk(engine, "is it given as a drip?", "I can't breathe and my chest hurts", "more")
    assert replies[1].kind == "urgent" and "999" in replies[1].answer


def test_alone_the_same_follow_up_is_not_answered_from_the_drip(engine):
    alone = engine.answer("is that painful?")
    assert not (alone.kind == "answer" and alone.citations[0].section == TREATMENT)
    assert Conversation(engine).reply("more").kind == "smalltalk"  # nothing to continue in a new visit


def test_source_in_a_conversation_is_the_whole_section(engine):
    source = talk(engine, "is it given as a drip?", "source")[1]
    assert source.answer.startswith(TREATMENT) and "Scans are done at intervals" in source.answer


# -- --batch --dialogue ----------------------------------------------------------------------------
def batch(text: str, *flags: str, tmp_path) -> list[dict]:
    done = subprocess.run([sys.executable, "run_chat.py", "--batch", "-", "--json", *flags], cwd=PROJECT,
                          input=text, capture_output=True, text=True, timeout=120,
                          env={"CHATBOT_CACHE_DIR": str(tmp_path), "PATH": ""})
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_batch_dialogue_reads_conversations_one_object_a_message(tmp_path):
    lines = "is it given as a drip?\nhow often?\nmore\n\n\nmore\nis that painful?\n  \nthanks\n"
    replies = batch(lines, "--dialogue", tmp_path=tmp_path)
    assert [r["question"] for r in replies] == ["is it given as a drip?", "how often?", "more", "more",
                                               "is that painful?", "thanks"]
    assert set(replies[0]) == {"question", "kind", "answer", "citations", "confidence"}
    assert "outpatients" in replies[2]["answer"] and replies[2]["citations"][0]["section"] == TREATMENT
    # after an empty line, a new conversation: nothing to continue, nothing to refer back to
    assert replies[3]["kind"] == "smalltalk" and "no answer to continue" in replies[3]["answer"]
    assert not replies[4]["citations"] or replies[4]["citations"][0]["section"] != TREATMENT
    assert replies[5]["kind"] == "smalltalk"


def test_batch_without_dialogue_reads_every_line_alone(tmp_path):
    replies = batch("is it given as a drip?\nmore\n\n", tmp_path=tmp_path)
    assert len(replies) == 3  # an empty line still gets its reply without --dialogue
    assert "outpatients" not in replies[1]["answer"]


def test_dialogue_without_batch_is_a_usage_error(tmp_path):
    done = subprocess.run([sys.executable, "run_chat.py", "--dialogue"], cwd=PROJECT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "--dialogue goes with --batch" in done.stderr


# -- did you mean ------------------------------------------------------------------------------------
CLOSE_CALL = "what are biomarkers and why do they matter for immuno"
USED = "When immunotherapy is used in cancer care"
DECISIONS = "How decisions are made around immunotherapy"


def test_two_close_sections_are_both_named_and_cited(engine):
    reply = engine.answer(CLOSE_CALL)
    first_line = reply.answer.splitlines()[0]
    assert first_line.startswith("Did you mean") and DECISIONS in first_line and USED in first_line
    sections = [c["section"] for c in reply.to_dict()["citations"]]
    assert sections[0] == USED and DECISIONS in sections
    assert reply.answer.rstrip().splitlines()[-1].startswith(f"Source: {USED}")


def test_the_offered_question_reads_the_other_section(engine):
    offered = engine.answer(CLOSE_CALL).answer.splitlines()[0].rsplit("ask: ", 1)[1]
    assert engine.answer(offered).citations[0].section == DECISIONS


def test_did_you_mean_is_rare(engine):
    import yaml

    questions = [case["q"] for name in ("patient_questions.yaml", "heldout_questions.yaml")
                 for case in yaml.safe_load((PROJECT / "tests" / "data" / name).read_text(encoding="utf-8"))]
    answers = [engine.answer(q) for q in questions]
    answers = [a for a in answers if a.kind == "answer"]
    offered = [a for a in answers if a.answer.startswith("Did you mean")]
    # 14 of 245 (5.7 %) since the opening section stopped owning the title's words ("What is
    # immunotherapy?" is answered from what it does): a few more questions sit between two sections
    assert len(offered) <= 0.06 * len(answers), [a.question for a in offered]


# -- the conversation set --------------------------------------------------------------------------
# Set below the figures of round two's second session (first 13/13, follow-ups that need context
# 14/16, topic switches 4/5, out-of-scope follow-ups 6/8), themselves below the bars for
# the follow-ups (85 %): open work, not a pass; the bars keep them from getting worse.
DIALOGUE_BARS = {"first": 0.9, "context": 0.8, "switch": 0.8, "out_of_scope": 0.75, "urgent": 1.0, "smalltalk": 1.0}


def test_the_conversation_set_meets_its_bars(engine):
    import yaml

    sys.path.insert(0, str(PROJECT / "scripts"))
    from score_dialogues import score

    conversations = yaml.safe_load((PROJECT / "tests" / "data" / "dialogues.yaml").read_text(encoding="utf-8"))
    tally, misses = score(engine, conversations)
    low = {tag: f"{good}/{total}" for tag, (good, total) in tally.items() if good < DIALOGUE_BARS[tag] * total}
    assert not low, (low, [(tag, turn["q"], reply["kind"]) for tag, turn, reply in misses])
