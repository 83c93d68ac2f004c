"""Why the engine gave a reply: which stage decided, what fired, and the runner-ups.

For staff and maintainers (`run_chat.py --ask QUESTION --explain`, `why` in the chat), in the
spirit of Lucene's explain: each part of the decision with its weight and where it comes from.
Nothing here changes a reply; it re-reads the same stages the engine runs.
"""

from __future__ import annotations

from .decision import COMMON_ZIPF, RARE_ZIPF
from .english import english
from .text import clean


def explain(engine, question: str) -> str:
    """A plain-text account of how engine answers question."""
    reply = engine.answer(question)
    text = clean(question)
    lines = [f"reply: {reply.kind}" + (f" ({reply.level})" if getattr(reply, "level", "") else "")
             + f", confidence {reply.confidence:.2f}"]
    if reply.kind == "urgent":
        lines.append("stage: triage (data/triage.yaml) - it runs before anything else and no score overrides it")
        return "\n".join(lines)
    if reply.kind == "smalltalk":
        lines.append("stage: small talk (data/smalltalk.yaml)")
        return "\n".join(lines)
    analysis = engine.tokeniser.analyse(text)
    ranked = engine.retrieve(analysis)
    lines.append("stage: retrieval (BM25 over passages, section text and the leaflets' phrasings), then the decision"
                 " (data/decision.yaml, fitted by scripts/fit_decision.py)")
    lines += _words(engine, analysis)
    if ranked:
        features = engine.features(analysis, ranked)
        lines.append(f"decision: threshold {engine.decision.threshold:.2f}, bias {engine.decision.bias:+.2f}")
        for name, value, share in engine.decision.contributions(features):
            lines.append(f"  {name:<15} {value:6.2f}  -> {share:+.2f}")
        lines.append("sections, best first:")
        for scored in ranked[:4]:
            lines.append(f"  {scored.hit.score:6.2f}  {scored.passage.section} [{scored.passage.id}]"
                         f" ({scored.passage.source}), coverage {scored.coverage:.2f}")
    else:
        lines.append("retrieval found no passage sharing a word with the question")
    return "\n".join(lines)


def _words(engine, analysis) -> list[str]:
    lines = [f"search words: {' '.join(analysis.tokens) or '(none)'}"]
    if analysis.corrected:
        lines.append("spelling mended: " + ", ".join(f"{a} -> {b}" for a, b in analysis.corrected))
    if analysis.expanded:
        lines.append(f"lexicon (data/lexicon.yaml terms) added: {' '.join(analysis.expanded)}")
    for kind in analysis.kinds:
        lines.append(f"asks a kind of question (data/lexicon.yaml question_kinds): {kind.name}")
    en = english()
    for word in analysis.unknown:
        zipf = en.zipf(word)
        band = "everyday" if zipf >= COMMON_ZIPF else "middling" if zipf >= RARE_ZIPF else "rare or unknown"
        why = " (data/lexicon.yaml off_topic)" if word in analysis.off_topic else ""
        background = " - only in a sentence that tells, so it does not count" if word in analysis.background_unknown else ""
        lines.append(f"no loaded leaflet uses {word!r}: {band} in English (Zipf {zipf:.1f}){why}{background}")
    return lines
