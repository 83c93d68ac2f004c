"""Fit the answer/no-answer decision from labelled patient messages and write data/decision.yaml.

    python scripts/fit_decision.py                      # fit on the default sets, write the file
    python scripts/fit_decision.py --dry-run            # report only
    python scripts/fit_decision.py SET.yaml [SET.yaml ...]

A set named X.questions.yaml beside a leaflet X.md (tests/data/leaflets/) is about that leaflet:
its messages are read by an engine that answers from corpus/ plus that leaflet, as a clinic's
would once the leaflet is dropped in. Left out in turn, such a set tells what to expect of the
decision on a leaflet it has never seen.

A message labelled in scope is a "yes" when retrieval finds the section that answers it (asked of a
wrong section, the decision cannot make the reply right either way, so it is left out); a message
labelled out of scope is a "no". The model is a logistic regression (Newton's method with a small
ridge penalty) over chatbot.decision.FEATURES. Before writing, each set is left out in turn and
scored by a model fitted on the others: that is the accuracy to expect on a new set.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatbot.decision import FEATURES  # noqa: E402
from chatbot.engine import Engine, Paths  # noqa: E402
from chatbot.text import clean  # noqa: E402

DEFAULT_SETS = sorted((ROOT / "tests" / "data" / "blind").glob("*.yaml")) + [
    ROOT / "tests" / "data" / "patient_questions.yaml", ROOT / "tests" / "data" / "heldout_questions.yaml",
    *sorted((ROOT / "tests" / "data" / "leaflets").glob("*.questions.yaml"))]
RIDGE = 1.0
ITERATIONS = 25


def fold(text: str) -> str:
    return " ".join((text or "").lower().replace("\u2019", "'").split())


def examples(engine: Engine, path: Path) -> list[tuple[list[float], int]]:
    """(features, label) for each in-scope or out-of-scope message of one set."""
    rows = []
    for case in yaml.safe_load(path.read_text(encoding="utf-8")):
        tag = case.get("tag") or case["kind"]
        if tag not in ("inscope", "out_of_scope"):
            continue
        text = clean(case["q"])
        analysis = engine.tokeniser.analyse(text)
        ranked = engine.retrieve(analysis)
        if not ranked:
            continue
        if tag == "inscope":
            wanted = [case] + ([case["also_accept"]] if "also_accept" in case else [])
            if not any(fold(w.get("section")) in fold(ranked[0].passage.section) for w in wanted if w.get("section")):
                continue
        features = engine.features(analysis, ranked)
        rows.append(([features[name] for name in FEATURES], 1 if tag == "inscope" else 0))
    return rows


def engine_for(path: Path, shipped: Engine, folder: Path) -> Engine:
    """The shipped engine, or for a leaflet's questions one that answers from corpus/ and that leaflet."""
    leaflet = path.with_name(path.name.replace(".questions.yaml", ".md"))
    if not path.name.endswith(".questions.yaml") or not leaflet.exists():
        return shipped
    paths = Paths.under(ROOT)
    corpus = folder / leaflet.stem
    corpus.mkdir()
    for source in [*paths.corpus.iterdir(), leaflet, leaflet.with_suffix(".phrasings.yaml")]:
        if source.is_file():
            shutil.copy(source, corpus / source.name)
    return Engine.load(replace(paths, corpus=corpus), cache="off")


def solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the systems here are 9 by 9)."""
    n = len(vector)
    a = [row[:] + [vector[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(n):
            if r != col and a[col][col]:
                factor = a[r][col] / a[col][col]
                a[r] = [x - factor * y for x, y in zip(a[r], a[col])]
    return [a[i][n] / a[i][i] if a[i][i] else 0.0 for i in range(n)]


def fit(rows: list[tuple[list[float], int]]) -> list[float]:
    """Ridge-penalised logistic regression; the first weight is the bias (not penalised)."""
    d = len(FEATURES) + 1
    w = [0.0] * d
    for _ in range(ITERATIONS):
        gradient = [0.0] * d
        hessian = [[0.0] * d for _ in range(d)]
        for x, y in rows:
            xs = [1.0] + x
            z = max(-30.0, min(30.0, sum(wi * xi for wi, xi in zip(w, xs))))
            p = 1.0 / (1.0 + math.exp(-z))
            for i in range(d):
                gradient[i] += (p - y) * xs[i]
                for j in range(d):
                    hessian[i][j] += p * (1 - p) * xs[i] * xs[j]
        for i in range(1, d):
            gradient[i] += RIDGE * w[i]
            hessian[i][i] += RIDGE
        step = solve(hessian, gradient)
        w = [wi - si for wi, si in zip(w, step)]
    return w


def accuracy(w: list[float], rows: list[tuple[list[float], int]]) -> tuple[int, int]:
    right = sum(1 for x, y in rows if (sum(wi * xi for wi, xi in zip(w, [1.0] + x)) >= 0) == bool(y))
    return right, len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path, default=DEFAULT_SETS)
    parser.add_argument("--dry-run", action="store_true", help="report, do not write data/decision.yaml")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "decision.yaml")
    args = parser.parse_args(argv)
    engine = Engine.load(cache="off")
    with tempfile.TemporaryDirectory() as folder:
        by_set = {path: examples(engine_for(path, engine, Path(folder)), path) for path in args.sets}
    report = []
    total_right = total = 0
    for held in args.sets:
        w = fit([row for path, rows in by_set.items() if path != held for row in rows])
        right, n = accuracy(w, by_set[held])
        total_right, total = total_right + right, total + n
        report.append(f"{held.name}: {right}/{n}")
    report.append(f"all, each set left out in turn: {total_right}/{total} ({100 * total_right / max(total, 1):.1f} %)")
    print("\n".join(report))
    w = fit([row for rows in by_set.values() for row in rows])
    print("weights:", dict(zip(("bias",) + FEATURES, (round(x, 3) for x in w))))
    if not args.dry_run:
        write(args.out, w, args.sets, report[-1])
    return 0


def write(path: Path, w: list[float], sets: list[Path], summary: str) -> None:
    names = ", ".join(p.name for p in sets)
    lines = ["# The answer/no-answer decision (chatbot/decision.py).",
             "# Written by scripts/fit_decision.py: do not edit by hand; run it again after changing the engine.",
             f"# Fitted on: {names}", f"# Accuracy {summary}.",
             f"bias: {w[0]:.4f}", "threshold: 0.5", "weights:"]
    lines += [f"  {name}: {value:.4f}" for name, value in zip(FEATURES, w[1:])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    sys.exit(main())
