"""Score the engine on labelled patient-message sets, by tag, with the pass rule of score_dev.py.

    python scripts/score_sets.py tests/data/blind/*.yaml [--show]
    python scripts/score_sets.py --baseline tests/data/baseline.yaml tests/data/blind/*.yaml
    python scripts/score_sets.py --write-baseline tests/data/baseline.yaml tests/data/blind/*.yaml ...
    python scripts/score_sets.py --add-leaflet tests/data/leaflets/radiation-therapy.md \\
        tests/data/leaflets/radiation-therapy.questions.yaml tests/data/blind/blind_q.yaml

A set is a YAML list of {q, kind, section, contains, tag, also_accept}. A first-person symptom
report (tag symptom) is also right when answered from the side-effects section. --show prints each
miss with what was expected and what came back. --baseline compares each set with the stored
figures and exits 1 if a tag falls more than one message below them; --write-baseline stores the
figures of this run. With --add-leaflet, the engine answers from corpus/ plus that leaflet (its
.phrasings.yaml too, if any), as a clinic would by dropping it into corpus/. The sets in
tests/data/blind/ were written by people who saw only the article and DESIGN.md; once tuned on, a
set is no longer evidence of how unseen messages fare.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chatbot.engine import Engine, Paths  # noqa: E402
from chatbot.evaluation import below_baseline, score_set, set_name  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--show", action="store_true", help="print every miss")
    parser.add_argument("--add-leaflet", type=Path, action="append", default=[],
                        help="answer from corpus/ plus this leaflet (with its .phrasings.yaml, if any)")
    parser.add_argument("--baseline", type=Path, help="compare with these stored figures; exit 1 on a drop")
    parser.add_argument("--write-baseline", type=Path, help="store this run's figures in this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        paths = Paths.under()
        if args.add_leaflet:
            paths = replace(paths, corpus=library(Path(folder), paths.corpus, args.add_leaflet))
        return run(Engine.load(paths, cache="off"), args)


def library(folder: Path, corpus: Path, extra: list[Path]) -> Path:
    """A corpus folder holding the shipped leaflets and the extra ones, with their phrasings."""
    for source in [*corpus.iterdir(), *extra, *(p.with_suffix(".phrasings.yaml") for p in extra)]:
        if source.is_file():
            shutil.copy(source, folder / source.name)
    return folder


def run(engine: Engine, args: argparse.Namespace) -> int:
    stored = yaml.safe_load(args.baseline.read_text(encoding="utf-8")) if args.baseline else {}
    figures: dict[str, dict[str, list[int]]] = {}
    dropped = False
    for path in args.files:
        score = score_set(engine, yaml.safe_load(path.read_text(encoding="utf-8")))
        name = set_name(path)
        figures[name] = {tag: list(counts) for tag, counts in score.tally.items()}
        worse = below_baseline(score, stored.get(name, {})) if args.baseline else {}
        dropped |= bool(worse)
        print(f"{path}: {score.line()}" + (f"  BELOW BASELINE: {worse}" if worse else ""))
        if args.show:
            for tag, case, reply in score.misses:
                cited = (reply.get("citations") or [{}])[0].get("section")
                print(f"  miss [{tag}] {case['q']!r}\n    want {case['kind']} {case.get('section') or ''}"
                      f"\n    got  {reply['kind']} {cited or ''} (confidence {reply.get('confidence')})")
    if args.write_baseline:
        if args.write_baseline.is_file():  # other entries (the FAQ's figure) are kept
            figures = {**(yaml.safe_load(args.write_baseline.read_text(encoding="utf-8")) or {}), **figures}
        args.write_baseline.write_text(
            "# Pass counts per set and tag ([right, total]), written by scripts/score_sets.py --write-baseline.\n"
            + yaml.safe_dump(figures, sort_keys=True, default_flow_style=None), encoding="utf-8")
    return 1 if dropped else 0


if __name__ == "__main__":
    raise SystemExit(main())
