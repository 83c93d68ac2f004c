"""The answer/no-answer decision: a logistic model whose weights are fitted, not hand-set.

scripts/fit_decision.py fits the weights from labelled patient messages and writes them to
data/decision.yaml; this module reads that file and turns one question's analysis and its best
passage into features and a calibrated probability. What counts against an answer is a word no
LOADED leaflet uses, counted in two bands of general-English frequency: everyday words ("kids",
"receive") and topical ones, rare or unknown (a drug's name). The topical band is one feature, not
two (rare and middling were measured apart: the rare band's fitted weight came out positive, as if
a drug's name were evidence for an answer, because slang and unmended typos in the questions that
the leaflets do answer are as rare as drug names).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from .english import English
from .errors import DataError
from .yamlfile import read_yaml

FEATURES = ("unknown_topical", "unknown_common", "off_topic", "unanswered_kind", "coverage",
            "log_score", "log_phrasing", "phrased_section", "known")
COMMON_ZIPF = 4.5  # at least this frequent in general English: an everyday word
RARE_ZIPF = 3.0  # below this (or not an English word at all): a rare or technical word (for --explain)
MAX_Z = 30.0  # the logistic is flat well before this; clamping keeps every input finite


@dataclass(frozen=True)
class Decision:
    """Fitted weights of the answer decision, with the threshold below which the reply is no_answer."""

    bias: float
    weights: Mapping[str, float]
    threshold: float = 0.5

    @classmethod
    def from_file(cls, path: Path | str) -> "Decision":
        doc = read_yaml(path)
        data = doc.data
        if not isinstance(data, dict) or not isinstance(data.get("weights"), dict):
            raise DataError(path, doc.line(), "the decision file needs 'bias' and 'weights' (run scripts/fit_decision.py)")
        weights = data["weights"]
        missing = [name for name in FEATURES if name not in weights]
        unknown = [name for name in weights if name not in FEATURES]
        if missing or unknown:
            raise DataError(path, doc.line("weights"), f"weights must name exactly {', '.join(FEATURES)}"
                            f" (missing: {', '.join(missing) or 'none'}; unknown: {', '.join(unknown) or 'none'})")
        try:
            values = {name: float(weights[name]) for name in FEATURES}
            bias, threshold = float(data.get("bias", 0.0)), float(data.get("threshold", 0.5))
        except (TypeError, ValueError):
            raise DataError(path, doc.line("weights"), "every weight, the bias and the threshold must be numbers") from None
        if not all(math.isfinite(v) for v in (*values.values(), bias, threshold)) or not 0 < threshold < 1:
            raise DataError(path, doc.line("weights"), "weights must be finite and the threshold between 0 and 1")
        return cls(bias, values, threshold)

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.bias + sum(self.weights[name] * features[name] for name in FEATURES)
        z = max(-MAX_Z, min(MAX_Z, z)) if math.isfinite(z) else -MAX_Z
        return 1.0 / (1.0 + math.exp(-z))

    def contributions(self, features: Mapping[str, float]) -> list[tuple[str, float, float]]:
        """Each feature's value and its share of the decision's log-odds, largest effect first."""
        parts = [(name, features[name], self.weights[name] * features[name]) for name in FEATURES]
        return sorted(parts, key=lambda part: -abs(part[2]))


def unknown_bands(words: Sequence[str], english: English) -> dict[str, float]:
    """How many words fall in each band of general-English frequency."""
    bands = {"unknown_topical": 0.0, "unknown_common": 0.0}
    for word in words:
        band = "unknown_common" if english.zipf(word) >= COMMON_ZIPF else "unknown_topical"
        bands[band] += 1
    return bands
