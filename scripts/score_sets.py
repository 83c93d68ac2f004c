"""Score the engine on labelled patient-message sets, by tag, with the pass rule of score_dev.py.

    python scripts/score_sets.py tests/data/blind/*.yaml [--show]

A set is a YAML list of {q, kind, section, contains, tag, also_accept}. A first-person symptom
report (tag symptom) is also right when answered from the side-effects section. --show prints each
miss with what was expected and what came back. The blind sets in tests/data/blind/ were written
by people who saw only the article, DESIGN.md and the dev sample; their first-sight figures are
in the closing notes. Once tuned on, a set is no longer evidence of how unseen messages fare.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chatbot.engine import Engine  # noqa: E402
from tests.test_engine import passes, with_symptom_rule  # noqa: E402  (the pass rule of score_dev.py)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--show", action="store_true", help="print every miss")
    args = parser.parse_args(argv)
    engine = Engine.load(cache="off")
    for path in args.files:
        tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        misses = []
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            tag = case.get("tag") or case["kind"]
            case = with_symptom_rule(case)
            reply = engine.answer(case["q"]).to_dict()
            ok = passes(case, reply)
            tally[tag][0] += ok
            tally[tag][1] += 1
            if not ok:
                misses.append((tag, case, reply))
        print(f"{path}: " + ", ".join(f"{tag} {good}/{total}" for tag, (good, total) in tally.items()))
        if args.show:
            for tag, case, reply in misses:
                cited = (reply.get("citations") or [{}])[0].get("section")
                print(f"  miss [{tag}] {case['q']!r}\n    want {case['kind']} {case.get('section') or ''}"
                      f"\n    got  {reply['kind']} {cited or ''} (confidence {reply.get('confidence')})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
