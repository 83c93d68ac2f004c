"""Score the engine on labelled conversations, turn by turn, through chatbot.dialogue (as --dialogue does).

    python scripts/score_dialogues.py tests/data/dialogues.yaml [--show]

A file is a YAML list of conversations; each conversation a list of turns {q, kind, section,
contains, tag, also_accept}, judged with the pass rule of score_dev.py. Tags: first, context,
switch, out_of_scope, urgent, smalltalk.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chatbot.dialogue import Conversation  # noqa: E402
from chatbot.engine import Engine  # noqa: E402
from chatbot.evaluation import passes  # noqa: E402  (the pass rule of score_dev.py)


def score(engine, conversations) -> tuple[dict[str, list[int]], list]:
    """Per tag [right, total], and the misses as (tag, turn, reply dict)."""
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses = []
    for turns in conversations:
        conversation = Conversation(engine)
        for turn in turns:
            reply = conversation.reply(turn["q"]).to_dict()
            ok = passes(turn, reply)
            tally[turn["tag"]][0] += ok
            tally[turn["tag"]][1] += 1
            if not ok:
                misses.append((turn["tag"], turn, reply))
    return tally, misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--show", action="store_true", help="print every miss")
    args = parser.parse_args(argv)
    engine = Engine.load(cache="off")
    for path in args.files:
        tally, misses = score(engine, yaml.safe_load(path.read_text(encoding="utf-8")))
        print(f"{path}: " + ", ".join(f"{tag} {good}/{total}" for tag, (good, total) in tally.items()))
        if args.show:
            for tag, turn, reply in misses:
                cited = (reply.get("citations") or [{}])[0].get("section")
                print(f"  miss [{tag}] {turn['q']!r}\n    want {turn['kind']} {turn.get('section') or ''}"
                      f"\n    got  {reply['kind']} {cited or ''} (confidence {reply.get('confidence')})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
