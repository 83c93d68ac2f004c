"""Urgent triage: the whole labelled suite, small literal cases, and broken rule files.

The suite (tests/data/triage_cases.yaml) must be caught in full (recall 100 %) with at most 5 % false
alarms on its look-alikes; both figures are printed (run pytest with -s to see them).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from chatbot.errors import DataError
from chatbot.triage import Triage, TriageResult, required_text

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "data" / "triage.yaml"
CASES = ROOT / "tests" / "data" / "triage_cases.yaml"
MAX_FALSE_ALARMS = 0.05


@pytest.fixture(scope="module")
def triage() -> Triage:
    return Triage.from_file(RULES)


@pytest.fixture(scope="module")
def cases() -> dict[str, list[str]]:
    data = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    assert len(data["urgent"]) >= 150 and len(data["not_urgent"]) >= 150
    return data


# ---------------------------------------------------------------------------------------------
# The whole suite
# ---------------------------------------------------------------------------------------------
def test_suite_recall_is_total(triage: Triage, cases: dict[str, list[str]]) -> None:
    urgent = cases["urgent"]
    missed = [message for message in urgent if triage.check(message) is None]
    recall = 1 - len(missed) / len(urgent)
    print(f"\ntriage recall {recall:.3f} ({len(urgent) - len(missed)}/{len(urgent)} urgent messages caught)")
    assert recall == 1.0, "missed urgent messages:\n" + "\n".join(f"  - {m}" for m in missed)


def test_suite_false_alarms_are_rare(triage: Triage, cases: dict[str, list[str]]) -> None:
    calm = cases["not_urgent"]
    alarms = [(message, result) for message in calm if (result := triage.check(message)) is not None]
    rate = len(alarms) / len(calm)
    print(f"\ntriage false alarms {rate:.3f} ({len(alarms)}/{len(calm)} look-alikes flagged)")
    assert rate <= MAX_FALSE_ALARMS, "false alarms:\n" + "\n".join(
        f"  - {m}  [{r.level}: {r.rule}]" for m, r in alarms)


# ---------------------------------------------------------------------------------------------
# Small literal cases
# ---------------------------------------------------------------------------------------------
def level(triage: Triage, text: str) -> str | None:
    result = triage.check(text)
    return result.level if result else None


@pytest.mark.parametrize("text", [
    "I don't have chest pain",
    "I don't have chest pain, I just wanted to ask how long the infusion takes",
    "no fever, just wondering about scans",
    "no fever, cough or rash so far",
    "my poo isn't black, it's normal",
    "my breathing is fine now",
    "I'm not tired at all since starting immunotherapy",
    "I'm less breathless since the treatment started",
])
def test_negation_is_not_urgent(triage: Triage, text: str) -> None:
    assert triage.check(text) is None


@pytest.mark.parametrize("text", [
    "my cough is much better since starting immunotherapy",
    "the rash is getting better, thanks",
    "the pain in my chest from the tumour has gone since treatment",
])
def test_improvement_is_not_urgent(triage: Triage, text: str) -> None:
    assert triage.check(text) is None


def test_a_symptom_that_has_spread_is_not_an_improvement(triage: Triage) -> None:
    assert level(triage, "my rash has gone all over my body since the infusion") == "symptom"


def test_negation_does_not_reach_past_a_new_subject(triage: Triage) -> None:
    assert level(triage, "no fever and my chest really hurts") == "emergency"
    assert level(triage, "I have no pain, but I can't breathe") == "emergency"


@pytest.mark.parametrize("text", [
    "my dad had a stroke years ago, can he have immunotherapy?",
    "I passed out at a concert in my twenties",
    "my sister had anaphylaxis when she was little",
    "I had a rash on my first cycle but it cleared up",
    "my aunt passed away from bowel cancer",
])
def test_past_frame_is_not_urgent(triage: Triage, text: str) -> None:
    assert triage.check(text) is None


def test_present_marker_overrides_the_past(triage: Triage) -> None:
    assert level(triage, "I had a seizure years ago and now I'm having another one") == "emergency"


@pytest.mark.parametrize("text", [
    "what should I do if I get a fever?",
    "if I start coughing, who should I call?",
    "what if I get chest pain during the infusion?",
    "what counts as severe diarrhoea?",
])
def test_hypothetical_frame_is_not_urgent(triage: Triage, text: str) -> None:
    assert triage.check(text) is None


def test_hypothetical_marker_after_the_symptom_does_not_cancel_it(triage: Triage) -> None:
    assert level(triage, "my chest really hurts and I'm not sure if I should call 999") == "emergency"


def test_framing_stops_where_a_new_subject_starts(triage: Triage) -> None:
    assert level(triage, "I heard it can cause breathing problems and I can't breathe") == "emergency"
    assert level(triage, "my dad had a stroke years ago and now his face is drooping again") == "emergency"


def test_happening_now_counts_even_in_a_question(triage: Triage) -> None:
    assert level(triage, "what do I do if he's not breathing right now") == "emergency"


def test_long_standing_conditions_silence_symptoms_not_emergencies(triage: Triage) -> None:
    assert triage.check("my husband has COPD and gets breathless, can he have immunotherapy?") is None
    assert level(triage, "I'm asthmatic and I can't breathe") == "emergency"


@pytest.mark.parametrize("text", [
    "can immunotherapy cause breathlessness?",
    "is a rash a common side effect?",
    "I read that it can cause seizures, is that true?",
    "what is anaphylaxis?",
    "what symptoms mean I should call 999?",
])
def test_informational_frame_is_not_urgent(triage: Triage, text: str) -> None:
    assert triage.check(text) is None


@pytest.mark.parametrize("text", [
    "I laughed so hard I couldn't breathe",
    "this queue is killing me",
    "I'm dying for a cuppa",
    "I'm sick and tired of waiting",
])
def test_idioms_are_not_urgent(triage: Triage, text: str) -> None:
    assert triage.check(text) is None


@pytest.mark.parametrize("text", [
    "I don't want to be here anymore",
    "i dont want to live any more",
    "I don't see the point in carrying on",
    "I just don't want to go on any more",
    "nobody would miss me if I was gone",
    "what's the point in living, can immunotherapy even help?",
])
def test_crisis_with_an_embedded_negation_or_question_is_urgent(triage: Triage, text: str) -> None:
    assert level(triage, text) == "crisis"


def test_crisis_beats_emergency(triage: Triage) -> None:
    # chest pain (emergency) comes first in the message; the crisis still wins
    result = triage.check("chest pain since this morning and honestly I want to die")
    assert result is not None and result.level == "crisis"
    assert level(triage, "I took too many pills and now I can't breathe") == "crisis"


def test_emergency_beats_symptom(triage: Triage) -> None:
    assert level(triage, "diarrhoea since my infusion and now I'm vomiting blood") == "emergency"


def test_symptom_needs_a_report(triage: Triage) -> None:
    assert level(triage, "I've had the runs since my infusion") == "symptom"
    assert level(triage, "new cough since my last cycle") == "symptom"
    assert triage.check("does immunotherapy cause diarrhoea?") is None


def test_typos_and_text_speak(triage: Triage) -> None:
    assert level(triage, "cnt breth") == "emergency"
    assert level(triage, "my husbnd has colapsed") == "emergency"
    assert level(triage, "diarhea for 5 days since my infusion") == "symptom"
    assert level(triage, "shes having a siezure") == "emergency"


def test_word_order_does_not_matter(triage: Triage) -> None:
    assert level(triage, "my poo is black and tarry") == "emergency"
    assert level(triage, "tarry black stools") == "emergency"
    assert level(triage, "one side of his face has gone droopy") == "emergency"
    assert level(triage, "his face is drooping on one side") == "emergency"


@pytest.mark.parametrize(("text", "level_name", "must_say"), [
    ("I can't breathe", "emergency", ["999"]),
    ("I want to die", "crisis", ["116 123"]),
    ("I've had the runs since my infusion", "symptom", ["care team"]),
])
def test_message_for_each_level(triage: Triage, text: str, level_name: str, must_say: list[str]) -> None:
    result = triage.check(text)
    assert isinstance(result, TriageResult)
    assert result.level == level_name
    assert result.rule
    for words in must_say:
        assert words in result.message


def test_blank_and_hostile_input(triage: Triage) -> None:
    for text in ["", "   ", "\x1b[2J\x1b]0;title\x07", "\x00\x01", "🙂" * 500, "مرحبا", "你好", "'; DROP TABLE x;--"]:
        assert triage.check(text) is None


# ---------------------------------------------------------------------------------------------
# The quick pre-test: text a pattern needs before it is compiled and searched
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("pattern, needs", [
    (r"\bchest pain\b", ("chest pain",)),
    (r"cant (breathe|breathing)", ("breath",)),  # the longer run of letters every match holds
    (r"(struggling|fighting) to \w+", ("fighting", "struggling")),  # the more selective requirement wins
    (r"(a|b)+ seizure", (" seizure",)),
    (r"overdos\w*|suicid\w*", ("overdos", "suicid")),
    (r"(?:x|)y", ("y",)),
    (r"\w+", None),  # nothing literal: always searched
    (r"fever|\d+", None),  # one branch needs nothing: always searched
    (r"(?i)chest", None),  # case-insensitive: always searched
])
def test_required_text(pattern: str, needs: tuple[str, ...] | None) -> None:
    assert required_text(pattern) == needs


def test_required_text_never_skips_a_real_match(triage: Triage, cases: dict[str, list[str]]) -> None:
    """Every pattern that matches a message finds its required text in it (so skipping is safe)."""
    messages = [triage.prepare(m) for m in cases["urgent"] + cases["not_urgent"]]
    patterns = list(triage._lazy_patterns())
    assert len(patterns) > 100
    checked = 0
    for pattern in patterns:
        compiled = re.compile(pattern.pattern)
        for message in messages:
            if compiled.search(message):
                checked += 1
                assert pattern.may_match(message), (pattern.pattern, message)
    assert checked > 500


def test_cached_required_texts_give_the_same_verdicts(cases: dict[str, list[str]]) -> None:
    """Rules rebuilt from the index cache's copy (compiled lazily, pre-tested with the cached
    required texts) decide every message of the suite as the rules read from the file do."""
    from chatbot.yamlfile import Located, read_yaml

    doc = read_yaml(RULES)
    fresh = Triage.from_document(doc, RULES)
    cached = Triage.from_document(Located(doc.data, None), RULES)
    cached.use_required_texts(fresh.required_texts())
    assert all(p._compiled is None for p in cached._lazy_patterns())
    for message in cases["urgent"] + cases["not_urgent"]:
        assert cached.check(message) == fresh.check(message), message


def test_a_plain_question_compiles_almost_no_patterns() -> None:
    """From the cache, an everyday question is decided without compiling the rule book (start-up time)."""
    from chatbot.yamlfile import Located, read_yaml

    doc = read_yaml(RULES)
    table = Triage.from_document(doc, RULES).required_texts()
    cached = Triage.from_document(Located(doc.data, None), RULES)
    cached.use_required_texts(table)
    assert cached.check("What are the side effects of immunotherapy?") is None
    patterns = list(cached._lazy_patterns())
    assert sum(p._compiled is not None for p in patterns) <= 0.05 * len(patterns)


# ---------------------------------------------------------------------------------------------
# Broken rule files: DataError names the file and the line
# ---------------------------------------------------------------------------------------------
ORIGINAL = RULES.read_text(encoding="utf-8")


def broken_copy(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """A copy of the rules with one edit, and the line number where the edit is."""
    assert old in ORIGINAL, old
    index = ORIGINAL.index(old)
    path = tmp_path / "triage.yaml"
    path.write_text(ORIGINAL[:index] + new + ORIGINAL[index + len(old):], encoding="utf-8")
    return path, ORIGINAL[:index].count("\n") + 1


def assert_names_file_and_line(error: DataError, path: Path, line: int) -> None:
    text = str(error)
    assert str(path) in text
    assert re.search(rf"\bline {line}\b", text), text
    assert error.line == line


def test_bad_regex_names_file_and_line(tmp_path: Path) -> None:
    path, line = broken_copy(tmp_path, "      - suicid\\w*|", "      - suicid(\\w*|")
    with pytest.raises(DataError) as caught:
        Triage.from_file(path)
    assert_names_file_and_line(caught.value, path, line)
    assert "regular expression" in str(caught.value)


def test_bad_regex_inside_an_all_pattern_names_its_line(tmp_path: Path) -> None:
    path, line = broken_copy(tmp_path, "      - all: [chest, ", "      - all: ['chest(', ")
    with pytest.raises(DataError) as caught:
        Triage.from_file(path)
    assert_names_file_and_line(caught.value, path, line)
    assert "regular expression" in str(caught.value)


@pytest.mark.parametrize("bad", ["(?i)suicid\\w*|", "(?P<x>suicid)\\w*|", "(s)uicid\\1\\w*|"])
def test_a_pattern_that_breaks_only_when_joined_names_its_line(tmp_path: Path, bad: str) -> None:
    """Rules are searched joined a few at a time: what compiles alone but breaks joined stops start-up."""
    path, line = broken_copy(tmp_path, "      - suicid\\w*|", "      - " + bad)
    with pytest.raises(DataError) as caught:
        Triage.from_file(path)
    assert_names_file_and_line(caught.value, path, line)


def test_bad_within_names_its_line(tmp_path: Path) -> None:
    path, line = broken_copy(tmp_path, "        within: 6\n", "        within: many\n")
    with pytest.raises(DataError) as caught:
        Triage.from_file(path)
    assert_names_file_and_line(caught.value, path, line)
    assert "within" in str(caught.value)


def test_unknown_level_names_file_and_line(tmp_path: Path) -> None:
    path, line = broken_copy(tmp_path, "  - name: chest pain\n    level: emergency",
                             "  - name: chest pain\n    level: urgentish")
    with pytest.raises(DataError) as caught:
        Triage.from_file(path)
    assert_names_file_and_line(caught.value, path, line + 1)
    assert "urgentish" in str(caught.value)


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path, line = broken_copy(tmp_path, "  - name: seizure\n", "  - name: seizure\n   oops: [unclosed\n")
    with pytest.raises(DataError) as caught:
        Triage.from_file(path)
    error = caught.value
    assert str(path) in str(error) and "YAML" in str(error)
    assert error.line is not None and abs(error.line - (line + 1)) <= 2
    assert f"line {error.line}" in str(error)


def test_missing_messages_names_file_and_line(tmp_path: Path) -> None:
    start = ORIGINAL.index("messages:\n")
    end = ORIGINAL.index("\n# Words read as another")
    path = tmp_path / "triage.yaml"
    path.write_text(ORIGINAL[:start] + ORIGINAL[end + 1:], encoding="utf-8")
    with pytest.raises(DataError) as caught:
        Triage.from_file(path)
    error = caught.value
    assert str(path) in str(error) and "messages key is missing" in str(error)
    assert error.line is not None and f"line {error.line}" in str(error)


def test_missing_message_for_a_level_names_its_line(tmp_path: Path) -> None:
    text = ORIGINAL
    start = text.index("  symptom: |-\n")
    end = text.index("\n\n", start)
    path = tmp_path / "triage.yaml"
    path.write_text(text[:start] + text[end + 1:], encoding="utf-8")
    with pytest.raises(DataError) as caught:
        Triage.from_file(path)
    assert_names_file_and_line(caught.value, path, ORIGINAL[:ORIGINAL.index("messages:\n")].count("\n") + 1)
    assert "symptom" in str(caught.value)


def test_unknown_frame_and_bad_spelling_name_their_lines(tmp_path: Path) -> None:
    path, line = broken_copy(tmp_path, "  negation:\n", "  negatoin:\n")
    with pytest.raises(DataError) as caught:
        Triage.from_file(path)
    assert_names_file_and_line(caught.value, path, line)
    path, line = broken_copy(tmp_path, "  please: [pls, ", "  please: [two words, ")
    with pytest.raises(DataError) as caught:
        Triage.from_file(path)
    assert_names_file_and_line(caught.value, path, line)


def test_missing_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        Triage.from_file(tmp_path / "nowhere.yaml")
    assert "nowhere.yaml" in str(caught.value)


# ---------------------------------------------------------------------------------------------
# Issue 13: recall by mechanism, precision by framing, rules that name no one treatment
# (phrasings of our own: the fresh sets' messages are in triage_cases.yaml, not copied here)
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "level_name"), [
    ("my husbnd cnat breathe", "emergency"),  # general English repair, not a listed slip
    ("i wnat to end it", "crisis"),
    ("im bleedin an it wont stop", "emergency"),  # a dropped g
    ("hes shiverin an burnin up since his chemo", "emergency"),
    ("she isnae breathin right", "emergency"),  # Scots negative
    ("he cannae get his breath", "emergency"),
])
def test_spelling_repair_reads_what_was_meant(triage: Triage, text: str, level_name: str) -> None:
    assert level(triage, text) == level_name


def test_a_sound_alike_with_nothing_after_it_is_read_as_the_word(triage: Triage) -> None:
    assert level(triage, "honestly i just want to dye") == "crisis"
    assert level(triage, "i am ready to dye now") == "crisis"
    assert triage.check("can i dye my hair while on treatment?") is None
    assert triage.check("is it ok to dye my eyebrows") is None


@pytest.mark.parametrize("text", [
    "bye all of you, sorry for everything",
    "farewell. please look after my cat",
    "this is goodbye",
    "i'm through with life",
])
def test_a_farewell_that_is_a_last_one_is_a_crisis(triage: Triage, text: str) -> None:
    assert level(triage, text) == "crisis"


@pytest.mark.parametrize("text", ["bye for now", "bye, see you on thursday", "ok bye thanks", "goodbye and thanks",
                                  "bye everyone, speak next week", "thanks for everything, bye"])
def test_an_everyday_goodbye_is_not_a_crisis(triage: Triage, text: str) -> None:
    assert triage.check(text) is None


@pytest.mark.parametrize("text", [
    "I've been keeping my oramorph aside for when it gets too much",
    "been stashing my sleeping pills in case i need them",
    "I think about steering the car into a tree",
])
def test_plans_are_a_crisis_without_the_word_suicide(triage: Triage, text: str) -> None:
    assert level(triage, text) == "crisis"


@pytest.mark.parametrize("text", [
    "I scratched my arms till they bled on purpose",
    "i keep hitting myself deliberately",
])
def test_self_harm_now_is_a_crisis_in_any_words(triage: Triage, text: str) -> None:
    assert level(triage, text) == "crisis"


@pytest.mark.parametrize(("text", "level_name"), [
    ("my dad has gone all limp and wont answer me", "emergency"),
    ("my wife is floppy and I can't wake her", "emergency"),
    ("I can't get a word out of her", "emergency"),
    ("so breathless I can't lie flat tonight", "emergency"),
    ("breathless even sitting down, getting worse by the hour", "emergency"),
    ("blood is streaming from his nose and it has been half an hour", "emergency"),
    ("he's gone very disorientated since the weekend", "emergency"),
    ("boiling hot and shaking under the covers", "emergency"),
    ("she went into a fit in the kitchen", "emergency"),
])
def test_each_kind_of_emergency_is_read_by_meaning(triage: Triage, text: str, level_name: str) -> None:
    assert level(triage, text) == level_name


@pytest.mark.parametrize("text", [
    "the doctor told me to ring 999 if my chest hurts, is that normal advice?",
    "my nurse said I should call an ambulance if I can't breathe, why?",
    "would a rash be a sign of a reaction?",
    "could shivering be one of the side effects?",
    "what's the difference between a fit and a faint?",
    "how can you tell a chest infection from pneumonitis?",
    "I had a temperature last time after the drip, will it happen again?",
    "my rash in March was treated with cream, can that come back?",
])
def test_staff_advice_general_questions_and_past_events_are_not_alarms(triage: Triage, text: str) -> None:
    assert triage.check(text) is None


@pytest.mark.parametrize(("text", "level_name"), [
    ("new cough since starting radiotherapy", "symptom"),
    ("I've had the runs since my capecitabine tablets started", "symptom"),
    ("shivering since my chemo this morning", "emergency"),
    ("high temperature after my radiotherapy session", "emergency"),
    ("rash all over since my hormone therapy", "symptom"),
])
def test_a_symptom_on_any_cancer_treatment_is_triaged_the_same_way(triage: Triage, text: str, level_name: str) -> None:
    assert level(triage, text) == level_name


def test_the_help_messages_name_no_one_treatment(triage: Triage) -> None:
    for text in triage.messages.values():
        assert "immunotherapy" not in text.lower()


def test_a_treatment_placeholder_without_treatments_names_its_line(tmp_path: Path) -> None:
    start = ORIGINAL.index("treatments:\n")
    end = ORIGINAL.index("\nframes:\n")
    path = tmp_path / "triage.yaml"
    path.write_text(ORIGINAL[:start] + ORIGINAL[end + 1:], encoding="utf-8")
    with pytest.raises(DataError) as caught:
        Triage.from_file(path)
    assert "{treatment}" in str(caught.value) and caught.value.line is not None


@pytest.mark.parametrize(("text", "level_name"), [
    ("he has had four fits since lunch", "emergency"),  # a count of fits
    ("the cut on my leg still hasn't stopped bleeding for an hour", "emergency"),  # "not stopped" is no negation
    ("my tablets are stashed away for when I'm ready", "crisis"),  # the object first
    ("these are my last words to anyone", "crisis"),
    ("I've started cutting again every night", "crisis"),
    ("there is a razor against my wrist right now", "crisis"),
    ("i wnt 2 end it", "crisis"),  # mended before text-speak "2" is read
])
def test_more_ways_of_saying_it(triage: Triage, text: str, level_name: str) -> None:
    assert level(triage, text) == level_name


@pytest.mark.parametrize("text", [
    "would a headache after the drip be normal?",
    "had diarrhoea after my second dose but it cleared within two days, is that typical?",
    "should I ring 999 or 111 if I get chest pain?",
    "my colleagues husband had a seizure on chemo, is that a risk with immunotherapy?",
])
def test_more_general_questions_and_others_past_stories_are_not_alarms(triage: Triage, text: str) -> None:
    assert triage.check(text) is None


def test_contractions_typed_without_the_apostrophe_are_never_mended(triage: Triage) -> None:
    for word in ("ive", "youre", "whos", "thats", "theyre", "shouldnt", "couldve"):
        assert triage.prepare(word) == word


@pytest.mark.parametrize("text", [
    "My late wife had seizures near the end, does immunotherapy cause them?",
    "I almost fainted just looking at the needle, is that silly?",
    "I'm shattered after work but that's normal for me",
    "no swelling or anything, I was curious whether the face can swell on steroids",
    "will my ankles swell on chemo?",
    "my cough went after a few days of rest, should I mention it?",
])
def test_more_look_alikes_are_not_alarms(triage: Triage, text: str) -> None:
    assert triage.check(text) is None


@pytest.mark.parametrize("bad", ["can't breathe|", "Chest pain|", "everyone'|"])
def test_a_pattern_that_can_never_match_names_its_line(tmp_path: Path, bad: str) -> None:
    """Messages are read in lower case without apostrophes: a pattern that needs either never fires."""
    path, line = broken_copy(tmp_path, "      - suicid\\w*|", "      - " + bad + "suicid\\w*|")
    with pytest.raises(DataError) as caught:
        Triage.from_file(path)
    assert_names_file_and_line(caught.value, path, line)
    assert "never match" in str(caught.value)


def test_a_pattern_that_could_hang_on_a_long_message_names_its_line(tmp_path: Path) -> None:
    """A repeat without limit inside another can take forever on a long paste: triage would never answer."""
    path, line = broken_copy(tmp_path, "      - suicid\\w*|", "      - (\\w+ )+dying|suicid\\w*|")
    with pytest.raises(DataError) as caught:
        Triage.from_file(path)
    assert_names_file_and_line(caught.value, path, line)
    assert "forever" in str(caught.value)


@pytest.mark.parametrize("text", [
    "tingling in my fingertips since the oxaliplatin",
    "I haven't had a poo for five days since the new tablets",
    "my gums keep bleeding since I started chemo",
    "gone right off my food since radiotherapy",
])
def test_side_effects_of_other_treatments_are_symptoms_too(triage: Triage, text: str) -> None:
    assert level(triage, text) == "symptom"


def test_a_later_sentence_saying_it_is_back_now_undoes_the_past(triage: Triage) -> None:
    assert level(triage, "My husband had a seizure in 2020. Right now it has come back.") == "emergency"
    assert level(triage, "I had chest pain last winter. It's back today and worse.") == "emergency"
    # "again" alone says it may recur, not that it is happening now
    assert triage.check("My husband had a seizure in 2020. Can he have immunotherapy again?") is None


@pytest.mark.parametrize("text", [
    "honestly what is the point in trying any more",
    "my family would be happier if I wasn't here",
    "I've worked out how I'd do it",
    "I keep thinking of swallowing every tablet in the house",
    "I've sorted out my affairs. I'm ready.",
    "there's a knife in the drawer and I can't stop thinking about it",
])
def test_passive_thoughts_plans_and_preparations_are_a_crisis(triage: Triage, text: str) -> None:
    assert level(triage, text) == "crisis"


@pytest.mark.parametrize("text", [
    "what's the point of the scan if I feel fine?",
    "I've sorted out my will, is that something people do before treatment?",
    "I gave my car to my son as I can't drive on chemo",
])
def test_everyday_planning_is_not_a_crisis(triage: Triage, text: str) -> None:
    assert triage.check(text) is None


def test_things_that_collapse_or_die_are_not_people(triage: Triage) -> None:
    assert triage.check("the tent collapsed on our camping trip, can I go camping on chemo?") is None
    assert triage.check("my laptop died so I'm on my phone") is None
    assert level(triage, "in the kitchen my husband collapsed") == "emergency"
    assert level(triage, "my lung has collapsed again") == "emergency"


def test_cold_explained_by_the_room_is_not_a_symptom(triage: Triage) -> None:
    assert triage.check("I'm so cold sitting in the waiting room, can I bring a blanket?") is None
    assert level(triage, "I feel freezing cold even with the heating on since my infusion") == "symptom"


def test_too_for_to_after_wanting_but_never_where_it_means_too(triage: Triage) -> None:
    assert level(triage, "i rly want too die") == "crisis"
    assert level(triage, "she's struggling too breathe") == "emergency"
    assert level(triage, "I've had too many tablets") == "crisis"  # "too many" stays too many
    assert triage.check("I need too much help with forms, who can I ask?") is None
