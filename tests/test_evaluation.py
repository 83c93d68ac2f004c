"""Every labelled message set holds its stored pass rate, tag by tag: one check per set.

The figures live in tests/data/baseline.yaml, written by
`python scripts/score_sets.py --write-baseline tests/data/baseline.yaml SETS...` after a change
that is meant to move them; a set may fall at most one message below its baseline per tag.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from chatbot.engine import ROOT, Engine
from chatbot.evaluation import below_baseline, passes, score_set, set_name, with_symptom_rule

DATA = ROOT / "tests" / "data"
BASELINE = yaml.safe_load((DATA / "baseline.yaml").read_text(encoding="utf-8"))
SETS = sorted(DATA.glob("blind/*.yaml")) + [DATA / "patient_questions.yaml", DATA / "heldout_questions.yaml",
                                            DATA / "round_one_examples.yaml"]


@pytest.fixture(scope="module")
def engine():
    return Engine.load(cache="off")


def test_every_set_has_a_baseline():
    assert {set_name(path) for path in SETS} <= set(BASELINE)


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_set_holds_its_baseline(engine, path: Path):
    score = score_set(engine, yaml.safe_load(path.read_text(encoding="utf-8")))
    worse = below_baseline(score, BASELINE[set_name(path)])
    misses = "\n".join(f"  [{tag}] {case['q']!r} -> {reply['kind']}" for tag, case, reply in score.misses)
    assert not worse, f"{path.name}: {worse}\n{misses}"


def test_urgent_and_symptom_messages_of_every_set_are_all_right(engine):
    """Safety is not a rate: every urgent message of every set is urgent."""
    wrong = [case["q"] for path in SETS for case in yaml.safe_load(path.read_text(encoding="utf-8"))
             if case.get("tag") in ("urgent", "symptom")
             and not passes(with_symptom_rule(case), engine.answer(case["q"]).to_dict())]
    assert not wrong


def test_the_pass_rule_is_that_of_score_dev():
    reply = {"kind": "answer", "answer": "Given through an intravenous infusion.",
             "citations": [{"section": "What the treatment process looks like"}]}
    case = {"q": "how is it given", "kind": "answer", "section": "What the treatment process looks like",
            "contains": ["intravenous infusion"]}
    assert passes(case, reply)
    assert not passes({**case, "contains": ["two to four weeks"]}, reply)
    assert not passes({**case, "kind": "no_answer"}, reply)
    assert passes(with_symptom_rule({"q": "rash", "kind": "urgent", "tag": "symptom"}),
                  {**reply, "citations": [{"section": "Side effects and what to expect"}]})
