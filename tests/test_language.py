"""Messages in another language get the emergency numbers, in English and in their language (issue 13)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from chatbot.engine import ROOT, Engine
from chatbot.errors import DataError
from chatbot.language import Languages, fold, load_languages
from chatbot.yamlfile import read_yaml

LANGUAGES = ROOT / "data" / "languages.yaml"
ENGLISH_ONLY = "I can only read messages in English"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.load(cache="off")


# One emergency or crisis in each language the clinic's patients speak most after English.
EMERGENCIES = [
    ("pl", "Nie mogę oddychać, pomocy", "emergency"),
    ("pl", "Chcę umrzeć", "crisis"),
    ("ro", "Tatăl meu e inconștient și nu răspunde", "emergency"),
    ("pt", "A minha mãe tem febre alta depois da quimioterapia", "emergency"),
    ("es", "Mi marido se ha desmayado y no responde", "emergency"),
    ("es", "Ya no quiero vivir", "crisis"),
    ("it", "Mia moglie sta sanguinando e non si ferma", "emergency"),
    ("ar", "زوجي فاقد الوعي", "emergency"),
    ("ur", "میرے والد کو سینے میں درد ہے", "emergency"),
    ("ur", "dil ka daura lag raha hai, jaldi madad karo", "emergency"),
    ("hi", "मेरी माँ बेहोश हो गई हैं", "emergency"),
    ("hi", "mujhe saans lene mein bahut takleef ho rahi hai", "emergency"),
    ("pa", "ਮੈਨੂੰ ਬਹੁਤ ਤੇਜ਼ ਬੁਖਾਰ ਹੈ", "emergency"),
    ("bn", "আমি আর বাঁচতে চাই না", "crisis"),
    ("gu", "મારા પતિ બેભાન થઈ ગયા છે", "emergency"),
]


@pytest.mark.parametrize(("code", "message", "level"), EMERGENCIES)
def test_an_emergency_in_another_language_is_urgent_with_the_numbers_in_both_languages(engine, code, message, level):
    reply = engine.answer(message)
    assert reply.kind == "urgent" and reply.level == level
    assert ENGLISH_ONLY in reply.answer and "999" in reply.answer and "116 123" in reply.answer
    entry = yaml.safe_load(LANGUAGES.read_text(encoding="utf-8"))["languages"][code]
    assert entry["reply"] in reply.answer  # the same help in the patient's own language


@pytest.mark.parametrize(("code", "message"), [
    ("es", "¿Cuánto tiempo dura el tratamiento con inmunoterapia?"),
    ("pl", "Jak długo trwa leczenie immunoterapią?"),
    ("it", "Quanto tempo dura il trattamento?"),
    ("pt", "Quanto tempo dura o tratamento?"),
    ("ar", "كم تستغرق مدة العلاج؟"),
])
def test_a_question_in_another_language_says_english_only_and_still_gives_999(engine, code, message):
    reply = engine.answer(message)
    assert reply.kind == "no_answer"
    assert ENGLISH_ONLY in reply.answer and "999" in reply.answer
    entry = yaml.safe_load(LANGUAGES.read_text(encoding="utf-8"))["languages"][code]
    assert entry["reply"] in reply.answer


def test_a_script_the_file_has_no_language_for_still_gets_the_numbers(engine):
    reply = engine.answer("我不能呼吸，请帮帮我")
    assert reply.kind in ("no_answer", "urgent") and "999" in reply.answer and ENGLISH_ONLY in reply.answer


@pytest.mark.parametrize("message", [
    "is nivolumab better than pembrolizumab?", "cheers luv", "ok thank u", "immuno vs chemo?",
    "whos dr wilson", "cnt stop bein sick 4 2 days", "hi", "como", "Is it safe to have a café latte?",
])
def test_english_with_names_slang_and_typos_is_read_as_english(engine, message):
    assert ENGLISH_ONLY not in engine.answer(message).answer


def test_no_english_message_of_the_labelled_sets_is_taken_for_another_language(engine):
    messages = []
    for path in sorted(p for p in (ROOT / "tests" / "data").glob("**/*.yaml") if p.name != "baseline.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        items = [i for k, v in data.items() if k != "other_language" for i in v] if isinstance(data, dict) else data
        items = [turn for item in items for turn in (item if isinstance(item, list) else [item])]  # conversations
        messages += [item if isinstance(item, str) else item["q"] for item in items]
    assert len(messages) > 3000
    taken = [m for m in messages if load_languages(LANGUAGES).read(m, engine.triage.speller.spellings)]
    assert not taken, taken[:10]


def test_english_messages_never_load_the_language_detector():
    """The detector (lingua) costs memory and time: only a message that looks foreign loads it."""
    code = ("import sys; from chatbot.engine import Engine; e = Engine.load(cache='off'); "
            "[e.answer(m) for m in ('how is it given?', 'I cant breathe', 'thanks', 'what are the side effects of immunotherapy?')]; "
            "print('lingua' in sys.modules); e.answer('No puedo respirar'); print('lingua' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.split() == ["False", "True"]


def test_folding_takes_accents_off_latin_letters_only():
    assert fold("Mój MĄŻ łapie") == "moj maz lapie"
    assert fold("ਸਾਹ ਨਹੀਂ") == "ਸਾਹ ਨਹੀਂ"  # a vowel sign is part of the word, not an accent


# ---------------------------------------------------------------------------------------------
# A clinic's edits: mistakes name the file and the line
# ---------------------------------------------------------------------------------------------
ORIGINAL = LANGUAGES.read_text(encoding="utf-8")


def broken(tmp_path: Path, old: str, new: str) -> tuple[DataError, int]:
    assert old in ORIGINAL, old
    path = tmp_path / "languages.yaml"
    path.write_text(ORIGINAL.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        Languages.from_document(read_yaml(path), path)
    assert str(path) in str(caught.value)
    return caught.value, ORIGINAL[: ORIGINAL.index(old)].count("\n") + 1


@pytest.mark.parametrize("bad", ["(brak tchu", "(?i)pomocy", "Pomocy"])
def test_a_bad_pattern_names_its_line(tmp_path, bad):
    error, line = broken(tmp_path, "      - pomocy|ratunku", f"      - '{bad}'")
    assert error.line == line and f"line {line}" in str(error)


def test_a_reply_without_the_emergency_number_names_its_line(tmp_path):
    error, line = broken(tmp_path, "W nagłym wypadku zadzwoń pod numer 999.", "W nagłym wypadku zadzwoń.")
    assert error.line == line and "999" in error.problem


def test_a_broken_languages_file_stops_start_up(tmp_path):
    import shutil

    from chatbot.engine import Paths

    for name in ("lexicon.yaml", "triage.yaml", "smalltalk.yaml"):
        shutil.copy(ROOT / "data" / name, tmp_path / name)
    (tmp_path / "languages.yaml").write_text(ORIGINAL.replace("      - pomocy|ratunku", "      - (pomocy"), encoding="utf-8")
    paths = Paths(ROOT / "corpus", tmp_path / "lexicon.yaml", tmp_path / "triage.yaml", tmp_path / "smalltalk.yaml",
                  tmp_path / "languages.yaml")
    with pytest.raises(DataError) as caught:
        Engine.load(paths, cache="off")
    assert "languages.yaml" in str(caught.value) and caught.value.line is not None


def test_every_other_language_emergency_of_the_triage_suite_is_urgent_with_999(engine):
    """tests/data/triage_cases.yaml other_language: urgent in every language data/languages.yaml has
    (romanised too); in any other language (French, German) at least the emergency number."""
    cases = yaml.safe_load((ROOT / "tests" / "data" / "triage_cases.yaml").read_text(encoding="utf-8"))["other_language"]
    assert len(cases) >= 30
    ours = set(yaml.safe_load(LANGUAGES.read_text(encoding="utf-8"))["languages"])
    wrong = []
    for case in cases:
        reply = engine.answer(case["q"])
        if "999" not in reply.answer or (case["lang"][:2] in ours and reply.kind != "urgent"):
            wrong.append((case["lang"], reply.kind))
    assert not wrong, wrong


@pytest.mark.parametrize("message", ["Pomocy!", "¡Socorro!", "Ajutor!"])
def test_a_one_word_cry_for_help_in_another_language_is_urgent(engine, message):
    reply = engine.answer(message)
    assert reply.kind == "urgent" and "999" in reply.answer and ENGLISH_ONLY in reply.answer


@pytest.mark.parametrize("message", ["help", "ambulance", "hospice", "hiya"])
def test_a_one_word_english_message_is_read_as_english(engine, message):
    assert ENGLISH_ONLY not in engine.answer(message).answer
