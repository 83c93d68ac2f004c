"""Score triage through the real engine on a triage set: urgent recall, other languages, false alarms.

    python scripts/score_triage.py tests/data/triage_cases.yaml /path/to/fresh_set.yaml [--show]

A set is a YAML mapping with ``urgent`` (messages that must get kind urgent), ``not_urgent`` (look-
alikes that must not) and optionally ``other_language`` ([{lang, q}]: messages in another language,
right when the reply is kind urgent or at least shows the emergency number 999). Each message goes
through Engine.answer, exactly as a patient's would. --show prints every miss and false alarm.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chatbot.engine import Engine  # noqa: E402

EMERGENCY_NUMBER = "999"


def score(engine: Engine, data: dict) -> dict[str, tuple[int, int, list[str]]]:
    """Per group: (right, total, the messages that were wrong)."""
    out = {}
    urgent = data.get("urgent") or []
    missed = [q for q in urgent if engine.answer(q).kind != "urgent"]
    out["urgent caught"] = (len(urgent) - len(missed), len(urgent), missed)
    other = [item["q"] for item in data.get("other_language") or []]
    if other:
        def helped(q: str) -> bool:
            reply = engine.answer(q)
            return reply.kind == "urgent" or EMERGENCY_NUMBER in reply.answer
        unhelped = [q for q in other if not helped(q)]
        out["other language shown 999"] = (len(other) - len(unhelped), len(other), unhelped)
        out["other language urgent"] = (sum(engine.answer(q).kind == "urgent" for q in other), len(other), [])
    calm = data.get("not_urgent") or []
    alarms = [q for q in calm if engine.answer(q).kind == "urgent"]
    out["false alarms"] = (len(alarms), len(calm), alarms)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--show", action="store_true", help="print every miss and false alarm")
    args = parser.parse_args(argv)
    engine = Engine.load(cache="off")
    for path in args.files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        print(path)
        for name, (right, total, wrong) in score(engine, data).items():
            print(f"  {name}: {right}/{total} ({100 * right / max(total, 1):.1f} %)")
            if args.show:
                for q in wrong:
                    print(f"    - {q!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
