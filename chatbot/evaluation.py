"""Scoring labelled message sets by tag: the pass rule of shared/eval/score_dev.py, as a library.

A set is a YAML list of {q, kind, section, contains, tag, also_accept}. scripts/score_sets.py runs
sets through an engine and compares them with a stored baseline (tests/data/baseline.yaml), and
tests/test_evaluation.py holds every set at its baseline: one pass-rate check per set, not one test
per message.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

SIDE_EFFECTS = "Side effects and what to expect"


def fold(text: str | None) -> str:
    text = (text or "").lower().replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-")
    return re.sub(r"\s+", " ", text)


def with_symptom_rule(case: dict) -> dict:
    """A first-person symptom report is right when urgent, or answered from the side-effects section."""
    if case.get("tag") == "symptom" and "also_accept" not in case:
        return {**case, "also_accept": {"kind": "answer", "section": SIDE_EFFECTS}}
    return case


def passes(case: dict, reply: dict) -> bool:
    """The pass rule of shared/eval/score_dev.py, on a reply's JSON fields."""
    kind, cits = reply.get("kind"), reply.get("citations") or []
    top = fold(cits[0].get("section")) if cits else ""

    def fits(want: dict) -> bool:
        if kind != want["kind"]:
            return False
        if want["kind"] == "answer":
            if fold(want["section"]) not in top:
                return False
            phrases = want.get("contains") or []
            return not phrases or any(fold(p) in fold(reply.get("answer")) for p in phrases)
        return True

    return fits(case) or ("also_accept" in case and fits(case["also_accept"]))


@dataclass
class SetScore:
    """How one set fared: right and total per tag, and the misses with their replies."""

    tally: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    misses: list[tuple[str, dict, dict]] = field(default_factory=list)

    def line(self) -> str:
        return ", ".join(f"{tag} {good}/{total}" for tag, (good, total) in self.tally.items())


def score_set(engine, cases: list[dict]) -> SetScore:
    score = SetScore()
    for case in cases:
        tag = case.get("tag") or case["kind"]
        case = with_symptom_rule(case)
        reply = engine.answer(case["q"]).to_dict()
        ok = passes(case, reply)
        score.tally[tag][0] += ok
        score.tally[tag][1] += 1
        if not ok:
            score.misses.append((tag, case, reply))
    return score


def below_baseline(score: SetScore, baseline: dict[str, list[int]], slack: int = 1) -> dict[str, str]:
    """The tags of a set that fall more than slack messages below their stored baseline."""
    worse = {}
    for tag, (good, total) in score.tally.items():
        want = baseline.get(tag)
        if want and good < want[0] - slack:
            worse[tag] = f"{good}/{total}, baseline {want[0]}/{want[1]}"
    return worse


def set_name(path: Path) -> str:
    """A set's key in the baseline file: its path from the project root when it is inside it."""
    parts = path.resolve().parts
    return "/".join(parts[parts.index("tests"):]) if "tests" in parts else path.name
