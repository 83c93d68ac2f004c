"""Why the engine gave a reply: which stage decided, what fired, and the runner-ups.

For staff and maintainers (`run_chat.py --ask QUESTION --explain`, `why` in the chat), in the
spirit of Lucene's explain: each part of the decision with its weight and where it comes from.
Nothing here changes a reply; it re-reads the same stages the engine runs.
"""

from __future__ import annotations

import re
from pathlib import Path

from .decision import COMMON_ZIPF, RARE_ZIPF
from .definitions import asked_term
from .english import english
from .text import clean, fold, words
from .yamlfile import read_yaml

LEXICON = Path(__file__).resolve().parent.parent / "data" / "lexicon.yaml"
CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SHOWN_PHRASINGS = 2


def explain(engine, question: str, context=None) -> str:
    """A plain-text account of how engine answers question (read with context, for a follow-up)."""
    reply = engine.answer(question, context)
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
    if context is not None:
        return "\n".join(lines + _follow_up(engine, text, analysis, context, reply))
    ranked = engine.retrieve(analysis)
    lines.append("stage: retrieval (BM25 over passages, section text and the leaflets' phrasings; a topical search word"
                 " counts twice, an everyday one once), then the decision"
                 " (data/decision.yaml, fitted by scripts/fit_decision.py)")
    lines += _words(engine, analysis)
    lines += fired_entries(text)
    lines += matched_phrasings(engine, analysis)
    defining = engine._defining(analysis)
    if defining:
        term = asked_term(analysis.text)
        asks = f"asks what {term!r} is" if term else "names two of the names a passage gives"
        lines.append(f"{asks} (chatbot/definitions.py): the passages that give them come first: "
                     + ", ".join(engine.passages[i].id for i in sorted(defining)))
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


def _follow_up(engine, text: str, analysis, context, reply) -> list[str]:
    """How a follow-up was read: with which earlier subject, from where, and what it chose."""
    lines = ["stage: follow-up (chatbot/followup.py): read with the earlier subject, then the decision"
             " (data/decision.yaml)",
             f"earlier subject: {' '.join(context.subject.tokens) or '(none)'}",
             f"last answered from: {context.section or '(nothing yet)'}"
             + (" - the message names this section itself" if context.within else "")]
    lines += _words(engine, analysis)
    lines += fired_entries(text)
    if reply.citations:
        lines.append("chosen: " + ", ".join(f"{c.section} [{c.passage}]" for c in reply.citations[:3]))
    return lines


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


def fired_entries(question: str, path: Path = LEXICON) -> list[str]:
    """The shared lexicon's entries the question's words match, each with its file:line."""
    try:
        doc = read_yaml(path)
    except Exception:  # noqa: BLE001 - an explanation never fails a reply
        return []
    said = words(fold(question))
    joined = f" {' '.join(said)} "
    found = []
    for section in ("spelling", "terms", "off_topic"):
        entries = doc.data.get(section) or {}
        for entry in entries:
            phrase = " ".join(words(fold(str(entry))))
            if phrase and f" {phrase} " in joined:
                found.append(f"lexicon {section} {entry!r} ({path.name}:{doc.line(section, entry)})")
    for name, kind in (doc.data.get("question_kinds") or {}).items():
        if isinstance(kind, dict) and re.search(str(kind.get("asks", "(?!)")), " ".join(said)):
            found.append(f"lexicon question_kinds {name!r} ({path.name}:{doc.line('question_kinds', name)})")
    return found


def matched_phrasings(engine, analysis, corpus: Path = CORPUS) -> list[str]:
    """The leaflets' phrasings that match the question best, each with its file:line."""
    if engine.phrasing_index is None or not analysis.text:
        return []
    entries = []  # in the order the engine indexed them (chatbot/engine.py, Engine.build)
    articles = {article.source: article for article in engine.articles}
    for source, heading in dict.fromkeys((p.source, p.section) for p in engine.passages):
        section = next((s for s in articles[source].sections if s.heading == heading), None)
        for number, question in enumerate(section.phrasings if section else ()):
            if engine.tokeniser.phrase_tokens(engine.tokeniser.mend(question)):
                entries.append((source, heading, number, question))
    tokens = engine.tokeniser.phrase_tokens(analysis.text, analysis.corrected)
    lines = []
    for hit in engine.phrasing_index.top(tokens, SHOWN_PHRASINGS):
        if hit.score <= 0 or hit.index >= len(entries):
            continue
        source, heading, number, question = entries[hit.index]
        path = corpus / (Path(source).stem + ".phrasings.yaml")
        try:
            where = f"{path.name}:{read_yaml(path).line(heading, number)}"
        except Exception:  # noqa: BLE001 - an explanation never fails a reply
            where = path.name
        lines.append(f"phrasing {question!r} of {heading!r}, score {hit.score:.2f} ({where})")
    return lines
