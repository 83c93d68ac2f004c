#!/usr/bin/env python3
"""Benchmark: the chatbot's engine against plain rank_bm25, for libraries of 1, 100 and 2,000 articles.

    python benchmarks/bench.py            # 1, 100 and 2,000 articles (about 5-10 minutes on 2 cores)
    python benchmarks/bench.py --quick    # 1 and 100 articles only

A script that prints figures, not a test. The 1-article library is the shipped
corpus/immunotherapy.md. Larger libraries hold that article plus generated ones, written from real
English prose that is on every machine with the project installed: the docstrings of Python's
standard library, of the project's dependencies (nltk, numpy, prompt_toolkit, PyYAML) and the
help texts of pydoc_data.topics. Each generated article has front matter, 6-10 '## ' sections
and runs of consecutive sentences as paragraphs. Everything is written under a temporary folder
(corpus/ and a copy of data/), and $CHATBOT_CACHE_DIR points into it, so the user's cache and the
project's files are never touched.

For each library it prints, beside plain rank_bm25 (BM25Okapi) in the same run:
  - index build time (Engine.load, cache off, in a fresh process; plain: regex words + Snowball
    stems + BM25Okapi over the same passages), with the peak RSS of that process;
  - cache: Engine.load(cache="use") cold (build and write) and Engine.load(cache="read") warm;
  - in-process answer latency p50/p99 (engine.answer, after engine.warm_up() as the long-running modes
    do) over the question mix;
  - raw ranking latency p50/p99: engine.index.top(tokens, 10) against BM25Okapi.get_scores on the
    same passage tokens and query tokens, and the count of queries whose top-10 ids differ (must be 0);
  - peak RSS of a fresh process that loads the engine from a warm cache and answers the questions;
  - --ask cold start: process start to printed reply, median of several runs with a warm cache,
    against a plain `python -c` script that does stemmed rank_bm25 from scratch.
"""

from __future__ import annotations

import argparse
import compileall
import gc
import importlib.util
import inspect
import json
import marshal
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The code under test: the project, or (the default) a snapshot of its chatbot/ and run_chat.py taken
# when the run starts, so that edits made while the benchmark runs cannot change the code (and the
# index cache key) half-way. Child processes get it through this variable.
CODE = Path(os.environ.get("CHATBOT_BENCH_CODE") or ROOT)
if str(CODE) not in sys.path:
    sys.path.insert(0, str(CODE))

SHIPPED = ROOT / "corpus" / "immunotherapy.md"
QUESTION_FILES = (ROOT / "tests" / "data" / "patient_questions.yaml", ROOT / "tests" / "data" / "heldout_questions.yaml")
PROSE_PACKAGES = ("nltk", "numpy", "prompt_toolkit", "yaml")  # the project's dependencies (numpy: rank_bm25's)
SKIP_DIRS = {"site-packages", "test", "tests", "idle_test", "encodings", "lib2to3", "pydoc_data", "__pycache__"}

# -- real English prose, offline ---------------------------------------------------------------

_ROLE = re.compile(r":[a-z]+(?::[a-z]+)*:`~?!?([^`<]*?)(?:\s*<[^`]*>)?`")
_TICKS = re.compile(r"`+([^`]*)`+_?")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_PLAIN_WORD = re.compile(r"^\(?[A-Za-z][a-z'\u2019]*[,.;:!?)]*$")
_HEADING_WORD = re.compile(r"^[A-Za-z][a-z'\u2019]*,?$")


def _prose_sentences(text: str) -> list[str]:
    """Sentences of running English text in a docstring or help text; code, tables and lists are left out."""
    out = []
    for paragraph in re.split(r"\n\s*\n", inspect.cleandoc(text)):
        lines = paragraph.strip("\n").splitlines()
        if not lines or ">>>" in paragraph or any(line.startswith(("    ", "\t")) for line in lines[:1]):
            continue
        flat = " ".join(paragraph.split())
        flat = _TICKS.sub(r"\1", _ROLE.sub(r"\1", flat)).replace("*", "")
        for sentence in _SENTENCE_END.split(flat):
            words = sentence.split()
            if not 6 <= len(words) <= 45 or not sentence[0].isupper() or sentence[-1] not in ".!?":
                continue
            if "::" in sentence or "==" in sentence or sentence.endswith(":."):
                continue
            if sum(1 for w in words if _PLAIN_WORD.match(w)) < 0.85 * len(words):
                continue
            out.append(sentence)
    return out


def _string_constants(code: types.CodeType, out: list[str]) -> None:
    for value in code.co_consts:
        if isinstance(value, str):
            if len(value) >= 40 and " " in value:
                out.append(value)
        elif isinstance(value, types.CodeType):
            _string_constants(value, out)


def _module_code(path: Path) -> types.CodeType | None:
    """The module's code: its .pyc when there is a current one (fast), else compiled from source."""
    try:
        cached = importlib.util.cache_from_source(str(path))
        with open(cached, "rb") as handle:
            data = handle.read()
        if data[:4] == importlib.util.MAGIC_NUMBER:
            return marshal.loads(data[16:])
    except (OSError, ValueError, EOFError, NotImplementedError):
        pass
    try:
        return compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
    except (SyntaxError, ValueError, OSError):
        return None


def prose_pool() -> tuple[list[str], list[str], dict]:
    """(sentences in reading order, short heading phrases, where they came from)."""
    texts: list[str] = []
    import pydoc_data.topics

    texts.extend(pydoc_data.topics.topics[key] for key in sorted(pydoc_data.topics.topics))
    roots = [("python stdlib", Path(sysconfig.get_paths()["stdlib"]))]
    for name in PROSE_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            roots.append((name, Path(list(spec.submodule_search_locations)[0])))
    for _, root in roots:
        for path in sorted(root.rglob("*.py")):
            if SKIP_DIRS & set(path.relative_to(root).parts[:-1]):
                continue
            code = _module_code(path)
            if code is not None:
                _string_constants(code, texts)
    seen: set[str] = set()
    sentences: list[str] = []
    headings: set[str] = set()
    for text in texts:
        for sentence in _prose_sentences(text):
            if sentence not in seen:
                seen.add(sentence)
                sentences.append(sentence)
        first = " ".join(text.strip().split("\n\n", 1)[0].split()).rstrip(".")
        words = first.split()
        if 3 <= len(words) <= 8 and first[0].isupper() and all(_HEADING_WORD.match(w) for w in words):
            headings.add(first.rstrip(","))
    info = {"sources": "pydoc_data.topics, " + ", ".join(label for label, _ in roots), "strings": len(texts)}
    return sentences, sorted(headings), info


def generate_article(number: int, rng: random.Random, sentences: list[str], headings: list[str],
                     used_titles: set[str]) -> str:
    """One leaflet-like Markdown article: front matter, an introduction and 6-10 sections."""

    def paragraph(low: int = 2, high: int = 6) -> str:
        start = rng.randrange(len(sentences))
        return " ".join(sentences[(start + k) % len(sentences)] for k in range(rng.randint(low, high)))

    title = rng.choice(headings)
    while title in used_titles:
        title = f"{rng.choice(headings)} ({number})"
    used_titles.add(title)
    names = [h for h in rng.sample(headings, 14) if h != title][: rng.randint(6, 10)]
    lines = ["---", f"title: {title}", "author: Benchmark generator (prose from Python and library documentation)",
             "source: Sentences from the docstrings of the Python standard library, nltk, numpy, prompt_toolkit"
             " and PyYAML, and pydoc_data help texts; generated by benchmarks/bench.py", "---", ""]
    for _ in range(rng.randint(1, 2)):
        lines += [paragraph(), ""]
    list_at = rng.randrange(len(names)) if rng.random() < 0.4 else -1
    for index, name in enumerate(names):
        lines += [f"## {name}", ""]
        for _ in range(rng.randint(4, 7)):
            lines += [paragraph(), ""]
        if index == list_at:
            lines += ["The main points are:", ""]
            lines += [f"- {sentences[rng.randrange(len(sentences))]}" for _ in range(rng.randint(3, 5))] + [""]
    return "\n".join(lines)


def write_library(folder: Path, articles: int, sentences: list[str], headings: list[str], seed: int) -> int:
    """A project-like folder: corpus/ (the shipped article and articles-1 generated ones) and data/."""
    (folder / "corpus").mkdir(parents=True)
    shutil.copytree(ROOT / "data", folder / "data")
    shutil.copy(SHIPPED, folder / "corpus" / SHIPPED.name)
    used = {"What Is Immunotherapy for Cancer and How Does It Work"}
    size = SHIPPED.stat().st_size
    for number in range(1, articles):
        text = generate_article(number, random.Random(f"{seed}-{number}"), sentences, headings, used)
        path = folder / "corpus" / f"bench-{number:04d}.md"
        path.write_text(text, encoding="utf-8")
        size += len(text.encode())
    return size


def library_articles(folder: Path) -> list[tuple[str, list[str], list[str]]]:
    """(title, section headings, paragraphs) of each generated article, read back from the files."""
    out = []
    for path in sorted((folder / "corpus").glob("bench-*.md")):
        title, headings, paragraphs = "", [], []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("title: "):
                title = line[7:]
            elif line.startswith("## "):
                headings.append(line[3:])
            elif len(line.split()) >= 8 and not line.startswith(("- ", "author:", "source:")):
                paragraphs.append(line)
        out.append((title, headings, paragraphs))
    return out


# -- questions -----------------------------------------------------------------------------------

def shipped_questions() -> list[str]:
    """The labelled patient questions of tests/data (in scope, out of scope, urgent, symptoms, small talk)."""
    import yaml

    questions: list[str] = []
    for path in QUESTION_FILES:
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if isinstance(item, dict) and isinstance(item.get("q"), str):
                questions.append(item["q"])
    return questions


WORD_TEMPLATES = ("what does {} mean?", "how do I {}?", "can you explain {}", "why {}?", "{}", "is it true that {}?",
                  "what happens when {}?", "tell me more about {}", "{} - what is that about?")
HEADING_TEMPLATES = ("what is {}?", "tell me about {}", "{}", "can you explain {}", "how does {} work?")
OFF_TOPIC = ("what is the best recipe for banana bread", "where can I park my car near the clinic tomorrow",
             "who won the football on saturday", "how do I renew my passport", "is it going to rain this weekend",
             "can you recommend a good holiday in cornwall", "how much is a mortgage these days")


def generated_questions(folder: Path, count: int, seed: int) -> list[str]:
    """A mix drawn from the library: words and phrases of its passages, its headings, whole sentences,
    the shipped patient questions (in scope, out of scope, urgent, small talk) and off-topic questions."""
    from chatbot.text import STOPWORDS

    rng = random.Random(f"questions-{seed}-{count}")
    articles = library_articles(folder)
    patients = shipped_questions()
    questions = []
    for _ in range(count):
        roll = rng.random()
        title, headings, paragraphs = rng.choice(articles)
        if roll < 0.15:
            questions.append(rng.choice(patients))
        elif roll < 0.30:
            heading = rng.choice(headings or [title])
            questions.append(rng.choice(HEADING_TEMPLATES).format(heading[0].lower() + heading[1:]))
        elif roll < 0.40:
            sentences = _SENTENCE_END.split(rng.choice(paragraphs))
            questions.append(rng.choice(sentences).rstrip(".") + "?")
        elif roll < 0.45:
            questions.append(rng.choice(OFF_TOPIC) + "?")
        else:
            words = [w for w in re.findall(r"[a-z]{3,}", rng.choice(paragraphs).lower()) if w not in STOPWORDS]
            size = min(len(words), rng.randint(2, 5))
            start = rng.randrange(len(words) - size + 1)
            questions.append(rng.choice(WORD_TEMPLATES).format(" ".join(words[start:start + size])))
    return questions


# -- plain rank_bm25, the baseline --------------------------------------------------------------

def peak_kib() -> int:
    """Peak RSS of this process in KiB: VmHWM, because on Linux ru_maxrss carries over the high-water
    mark of the process that started it (a child of a large benchmark process reports its size)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


PEAK_KIB = inspect.getsource(peak_kib).replace(" -> int", "") + "\n"

# A plain stemmed rank_bm25 chatbot from scratch, as `python -c PLAIN_SCRIPT ROOT ask QUESTION` or
# `... ROOT serve QUESTIONS.json`: blank-line paragraphs of corpus/*.md, regex words, a small stop
# list, nltk's Snowball stems (memoised), BM25Okapi, the best paragraph.
PLAIN_SCRIPT = r'''
import glob, json, os, re, sys, time
''' + PEAK_KIB + r'''
start = time.perf_counter()
from nltk.stem.snowball import EnglishStemmer
from rank_bm25 import BM25Okapi
root, mode, arg = sys.argv[1:4]
STOP = frozenset("a an and are as at be by can do does for from how i if in is it my of on or so that the this to was what when which who why will with you your".split())
WORD = re.compile(r"[a-z0-9]+")
stem, memo = EnglishStemmer().stem, {}
def tokens(text):
    out = []
    for word in WORD.findall(text.lower()):
        if word not in STOP:
            s = memo.get(word)
            if s is None:
                s = memo[word] = stem(word)
            out.append(s)
    return out
passages = []
for path in sorted(glob.glob(os.path.join(root, "corpus", "*.md"))):
    text = open(path, encoding="utf-8").read()
    body = text.split("\n---\n", 1)[1] if text.startswith("---") else text
    heading = ""
    for block in re.split(r"\n\s*\n", body):
        block = block.strip()
        if block.startswith("#"):
            heading = block.lstrip("#").strip()
        elif block:
            passages.append((heading, block))
bm25 = BM25Okapi([tokens(h + "\n" + b) for h, b in passages])
built = time.perf_counter()
questions = [arg] if mode == "ask" else json.load(open(arg, encoding="utf-8"))
for question in questions:
    best = int(bm25.get_scores(tokens(question)).argmax())
    reply = passages[best][1] + "\n\nSource: " + passages[best][0]
    if mode == "ask":
        print(reply)
if mode == "serve":
    print(json.dumps({"passages": len(passages), "build": built - start, "answer": time.perf_counter() - built,
                      "maxrss_kib": peak_kib()}))
'''

# The same in-process, on the engine's own passages, for the build and answer rows.
PLAIN_STOP = frozenset("a an and are as at be by can do does for from how i if in is it my of on or so that the this "
                       "to was what when which who why will with you your".split())
_PLAIN_WORD = re.compile(r"[a-z0-9]+")


class PlainTokens:
    def __init__(self) -> None:
        from nltk.stem.snowball import EnglishStemmer

        self.stem = EnglishStemmer().stem
        self.memo: dict[str, str] = {}

    def __call__(self, text: str) -> list[str]:
        out = []
        for word in _PLAIN_WORD.findall(text.lower()):
            if word not in PLAIN_STOP:
                stem = self.memo.get(word)
                if stem is None:
                    stem = self.memo[word] = self.stem(word)
                out.append(stem)
        return out


# Loads the engine from the warm cache (cache="read"), warms it up as --batch does, and answers the
# questions, in a fresh process.
SERVE_SCRIPT = r'''
import json, sys, time
''' + PEAK_KIB + r'''
start = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from chatbot.engine import Engine, Paths
builds = []
_build = Engine.build.__func__
Engine.build = classmethod(lambda cls, *a, **k: builds.append(1) or _build(cls, *a, **k))
engine = Engine.load(Paths.under(Path(sys.argv[2])), cache="read").warm_up()  # as --batch does
loaded = time.perf_counter()
kinds = {}
for question in json.load(open(sys.argv[3], encoding="utf-8")):
    kind = engine.answer(question).kind
    kinds[kind] = kinds.get(kind, 0) + 1
print(json.dumps({"load": loaded - start, "answer": time.perf_counter() - loaded, "built": len(builds),
                  "kinds": kinds, "maxrss_kib": peak_kib()}))
'''


def worker_build(root: Path, questions_file: Path, replies_file: Path, profile: bool = False) -> None:
    """Child process: Engine.load(cache="use") on a cold cache, timed by part; then answer the questions.

    Prints JSON: load time, build / to_state / cache-write parts, peak RSS after the load, passage count.
    """
    start = time.perf_counter()
    from chatbot import cache as index_cache
    from chatbot.engine import Engine, Paths

    parts: dict[str, float] = {}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                parts[name] = parts.get(name, 0.0) + time.perf_counter() - began
        return wrapper

    Engine.build = classmethod(timed("build", Engine.build.__func__))
    Engine.to_state = timed("to_state", Engine.to_state)
    index_cache.write = timed("write", index_cache.write)
    imported = time.perf_counter()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    engine = Engine.load(Paths.under(root), cache="use")
    loaded = time.perf_counter()
    if profiler is not None:
        profiler.disable()
    peak = peak_kib()
    replies = [engine.answer(q).to_dict() for q in json.loads(questions_file.read_text(encoding="utf-8"))]
    replies_file.write_text(json.dumps(replies, ensure_ascii=False), encoding="utf-8")
    cache_files = sorted(index_cache.cache_dir().glob("index-*.json"))
    print(json.dumps({"import": imported - start, "load": loaded - imported, "parts": parts, "maxrss_kib": peak,
                      "passages": len(engine.passages), "articles": len(engine.articles),
                      "cache_bytes": sum(p.stat().st_size for p in cache_files), "cache_files": len(cache_files)}))
    if profiler is not None:
        import io
        import pstats

        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(22)
            print(out.getvalue(), file=sys.stderr)


# -- measuring -----------------------------------------------------------------------------------

def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share 0.5 is the median of an odd count)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def run_json(command: list[str], env: dict, timeout: float = 1800) -> dict:
    done = subprocess.run(command, cwd=CODE, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{command[:3]}... failed ({done.returncode}):\n{done.stderr[-3000:]}")
    if done.stderr.strip():
        sys.stderr.write(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def time_process(command: list[str], env: dict) -> tuple[float, float, str]:
    """(seconds to the first byte of the reply, seconds to exit, output) of one process run."""
    began = time.perf_counter()
    process = subprocess.Popen(command, cwd=CODE, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = os.read(process.stdout.fileno(), 1 << 16)
    replied = time.perf_counter()
    rest, errors = process.communicate()
    ended = time.perf_counter()
    if process.returncode != 0 or not first:
        raise RuntimeError(f"{command[:4]}... failed ({process.returncode}): {errors.decode()[-2000:]}")
    return replied - began, ended - began, (first + rest).decode("utf-8", "replace")


def top_ids(scores, n: int = 10) -> list[int]:
    """get_scores' best n passages that hold a query word, best first, ties to the earlier passage."""
    import numpy as np

    order = np.argsort(-scores, kind="stable")[:n]
    return [int(i) for i in order if scores[i] > 0]


def bags_from_index(index) -> list[list[str]]:
    """Each passage's tokens as a bag, from the index's postings, in an order that gives BM25Okapi
    exactly the same term frequencies, lengths and idf (its document-frequency table is filled in
    the same first-seen order), so get_scores is bit-for-bit what it is on the original tokens."""
    bags: list[list[str]] = [[] for _ in range(len(index))]
    for term, (docs, tfs) in index.postings.items():
        for doc, tf in zip(docs, tfs):
            bags[doc].extend([term] * tf)
    return bags


def ms(seconds: float) -> str:
    if math.isnan(seconds):
        return "skipped"
    return f"{seconds * 1000:.3f} ms" if seconds < 0.01 else f"{seconds * 1000:.1f} ms"


def secs(seconds: float) -> str:
    if math.isnan(seconds):
        return "skipped"
    return f"{seconds:.3f} s" if seconds < 10 else f"{seconds:.1f} s"


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}x" if theirs > 0 and not math.isnan(ours) else "-"


def mib(kib: float) -> str:
    if math.isnan(kib):
        return "skipped"
    return f"{kib / 1024:.1f} MiB"


class Table:
    def __init__(self, title: str) -> None:
        self.title = title
        self.rows: list[tuple[str, str, str, str]] = []
        self.notes: list[str] = []

    def row(self, name: str, ours: str, theirs: str = "", versus: str = "") -> None:
        self.rows.append((name, ours, theirs, versus))

    def print(self) -> None:
        header = ("measure", "ours (chatbot engine)", "plain rank_bm25", "ours/plain")
        widths = [max(len(r[i]) for r in self.rows + [header]) for i in range(4)]
        line = "-" * (sum(widths) + 6)
        print(f"\n{self.title}\n{line}")
        for r in [header] + self.rows:
            print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip())
            if r is header:
                print(line)
        print(line)
        for note in self.notes:
            print(f"  {note}")
        sys.stdout.flush()


ASK_QUESTION = "How is immunotherapy different from chemotherapy?"


def bench_library(articles: int, work: Path, pool, args, summary: list[dict]) -> None:
    import numpy as np
    from rank_bm25 import BM25Okapi

    from chatbot.engine import Engine, Paths, indexed_text

    folder = work / f"library-{articles}"
    cache = work / f"cache-{articles}"
    began = time.perf_counter()
    if articles == 1:
        (folder / "corpus").mkdir(parents=True)
        shutil.copytree(ROOT / "data", folder / "data")
        shutil.copy(SHIPPED, folder / "corpus" / SHIPPED.name)
        size = SHIPPED.stat().st_size
        questions = shipped_questions()
        mix = "the labelled patient questions of tests/data (in scope, out of scope, urgent, symptoms, small talk)"
    else:
        sentences, headings, _ = pool
        size = write_library(folder, articles, sentences, headings, args.seed)
        questions = generated_questions(folder, args.questions, args.seed)
        mix = ("55% words of a random passage, 15% headings, 10% whole sentences, 15% shipped patient "
               "questions, 5% off-topic")
    generated = time.perf_counter() - began
    questions_file = folder / "questions.json"
    questions_file.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    replies_file = folder / "replies-built.json"
    os.environ["CHATBOT_CACHE_DIR"] = str(cache)
    env = {**os.environ, "CHATBOT_CACHE_DIR": str(cache), "PYTHONUNBUFFERED": "1"}
    print(f"\n[{articles} article(s)] library written in {secs(generated)} ({size / 1e6:.1f} MB of Markdown, "
          f"{len(questions)} questions); building in a fresh process...", flush=True)

    # 1. Build, in a fresh process: Engine.load(cache="use") on a cold cache = build + to_state + write.
    built = run_json([sys.executable, str(Path(__file__).resolve()), "--worker-build", str(folder),
                      str(questions_file), str(replies_file)], env, timeout=3600)
    parts = built["parts"]
    print(f"  built: {built['passages']} passages in {secs(parts.get('build', 0))}; loading warm cache...", flush=True)

    # 2. Warm cache load, in this process; a rebuild would be counted.
    builds: list[int] = []
    original_build = Engine.build.__func__
    Engine.build = classmethod(lambda cls, *a, **k: builds.append(1) or original_build(cls, *a, **k))
    loads = []
    try:
        for _ in range(3 if built["passages"] < 20000 else 1):
            gc.collect()
            began = time.perf_counter()
            engine = Engine.load(Paths.under(folder), cache="read")
            loads.append(time.perf_counter() - began)
            if builds:
                break  # the cache was not used: one rebuild is figure enough
    finally:
        Engine.build = classmethod(original_build)
    warm_load = statistics.median(loads)
    # As every long-running mode does after loading (chat, kiosk, --batch, --check-faq; not --ask):
    # compile the triage patterns and prepare the tables questions would otherwise prepare on first use.
    began = time.perf_counter()
    engine.warm_up()
    warm_up = time.perf_counter() - began
    passages = engine.passages

    # 3. The passage tokens the index holds, and BM25Okapi over exactly them.
    bags = bags_from_index(engine.index)
    token_note = "passage tokens: engine.tokeniser.tokens(indexed_text(passage)), checked against the index's postings"
    token_mismatch = 0
    if len(passages) <= args.retokenise_limit:
        corpus_tokens = [engine.tokeniser.tokens(indexed_text(p)) for p in passages]
        from collections import Counter

        token_mismatch = sum(Counter(a) != Counter(b) for a, b in zip(corpus_tokens, bags))
    else:
        corpus_tokens = bags
        token_note = ("passage tokens: the index's own postings as bags (exactly the term counts, lengths and "
                      "idf the index holds; re-tokenising 100k passages would take as long as the build)")
    began = time.perf_counter()
    okapi = BM25Okapi(corpus_tokens)
    okapi_build = time.perf_counter() - began
    idf_keys_equal = set(okapi.idf) == set(engine.index.idf)
    idf_diff = max((abs(okapi.idf[t] - engine.index.idf.get(t, math.inf)) for t in okapi.idf), default=0.0)

    # 4. Plain rank_bm25 from scratch on the same passages: regex words, Snowball stems, BM25Okapi.
    plain = PlainTokens()
    began = time.perf_counter()
    plain_okapi = BM25Okapi([plain(f"{p.section}\n{p.text}") for p in passages])
    plain_build = time.perf_counter() - began

    # 5. Ranking: index.top(tokens, 10) against get_scores on the same tokens; top-10 ids must agree.
    query_tokens = [list(engine.tokeniser.analyse(q).tokens) for q in questions]
    for tokens in query_tokens[:10]:
        engine.index.top(tokens, 10)
        okapi.get_scores(tokens)
    top_times, score_times, mismatched, score_diff, empty = [], [], 0, 0.0, 0
    clock = time.perf_counter_ns
    for tokens in query_tokens:
        t0 = clock()
        hits = engine.index.top(tokens, 10)
        t1 = clock()
        scores = okapi.get_scores(tokens)
        t2 = clock()
        top_times.append((t1 - t0) / 1e9)
        score_times.append((t2 - t1) / 1e9)
        theirs = top_ids(scores)
        if [h.index for h in hits] != theirs:
            mismatched += 1
        empty += not theirs
        for hit in hits:
            score_diff = max(score_diff, abs(hit.score - float(scores[hit.index])))
    del scores

    # 6. Answers, in process: engine.answer against plain tokenise + get_scores + best passage.
    for question in questions[:20]:
        engine.answer(question)
    answer_times, differing, kinds = [], 0, {}
    reference = json.loads(replies_file.read_text(encoding="utf-8"))
    for question, expected in zip(questions, reference):
        t0 = clock()
        reply = engine.answer(question)
        answer_times.append((clock() - t0) / 1e9)
        kinds[reply.kind] = kinds.get(reply.kind, 0) + 1
        differing += reply.to_dict() != expected
    plain_times = []
    for question in questions:
        t0 = clock()
        best = int(plain_okapi.get_scores(plain(question)).argmax())
        _ = passages[best].text
        plain_times.append((clock() - t0) / 1e9)
    terms = len(engine.index.idf)
    del engine, okapi, plain_okapi, corpus_tokens, bags, passages
    gc.collect()

    # A cache that is never used (every load rebuilds) would make each fresh process below pay the
    # whole build: past a minute of it, say so instead of spending it again and again.
    cache_unused = bool(builds)
    skip = cache_unused and parts.get("build", 0.0) > 60

    # 7. Peak memory of a fresh process that loads from the warm cache and answers the questions.
    if skip:
        serve = {"maxrss_kib": math.nan, "load": math.nan, "answer": math.nan, "built": "skipped"}
    else:
        serve = run_json([sys.executable, "-c", SERVE_SCRIPT, str(CODE), str(folder), str(questions_file)], env)
    plain_serve = run_json([sys.executable, "-c", PLAIN_SCRIPT, str(folder), "serve", str(questions_file)], env)

    # 8. --ask cold start with a warm cache (run --build-index first), against the plain script.
    before = {p.name: p.stat().st_mtime_ns for p in cache.glob("index-*.json")}
    ask_command = [sys.executable, "run_chat.py", "--root", str(folder), "--ask", ASK_QUESTION]
    if skip:
        index_seconds, index_output = math.nan, "skipped"
        asks = [(math.nan, math.nan, "")]
    else:
        _, index_seconds, index_output = time_process(
            [sys.executable, "run_chat.py", "--root", str(folder), "--build-index"], env)
        time_process(ask_command, env)  # the page cache, as on any later run
        asks = [time_process(ask_command, env) for _ in range(args.runs)]
    after = {p.name: p.stat().st_mtime_ns for p in cache.glob("index-*.json")}
    plain_command = [sys.executable, "-c", PLAIN_SCRIPT, str(folder), "ask", ASK_QUESTION]
    first_plain = time_process(plain_command, env)
    plain_runs = args.runs if first_plain[1] < 3 else max(3, args.runs // 2)
    plain_asks = [first_plain] + [time_process(plain_command, env) for _ in range(plain_runs - 1)]
    ask_reply = statistics.median(a[0] for a in asks)
    ask_exit = statistics.median(a[1] for a in asks)
    plain_reply = statistics.median(a[0] for a in plain_asks)
    plain_exit = statistics.median(a[1] for a in plain_asks)

    # -- the table
    n_questions = len(questions)
    title = (f"LIBRARY: {articles} article{'s' if articles > 1 else ''} "
             f"({'corpus/immunotherapy.md' if articles == 1 else f'corpus/immunotherapy.md + {articles - 1} generated'}"
             f", {size / 1e6:.2f} MB Markdown): {built['passages']:,} passages, {terms:,} index terms")
    table = Table(title)
    table.row("passages (plain: blank-line paragraphs)", f"{built['passages']:,}", f"{plain_serve['passages']:,}")
    load_total = built["load"]
    table.row("index build: Engine.build (fresh process)", secs(parts.get("build", 0.0)), secs(plain_build),
              ratio(parts.get("build", 0.0), plain_build))
    table.row("  BM25Okapi() alone on the same tokens", "", secs(okapi_build))
    table.row("cache cold: Engine.load(cache='use')", secs(load_total), secs(plain_build), ratio(load_total, plain_build))
    table.row("  of which to_state + JSON write", f"{secs(parts.get('to_state', 0))} + {secs(parts.get('write', 0))}",
              "(no cache: rebuilds)")
    table.row(f"cache warm: Engine.load(cache='read'){' median of 3' if len(loads) > 1 else ''}", secs(warm_load),
              secs(plain_build), ratio(warm_load, plain_build))
    table.row("  then engine.warm_up() (long-running modes)", secs(warm_up))
    table.row("  cache file size", f"{built['cache_bytes'] / 1e6:.1f} MB")
    table.row("peak RSS, build process (cold cache)", mib(built["maxrss_kib"]))
    table.row(f"peak RSS, fresh process: warm load + {n_questions} answers", mib(serve["maxrss_kib"]),
              mib(plain_serve["maxrss_kib"]), ratio(serve["maxrss_kib"], plain_serve["maxrss_kib"]))
    table.row(f"answer p50, in process ({n_questions} questions)", ms(percentile(answer_times, 0.5)),
              ms(percentile(plain_times, 0.5)), ratio(percentile(answer_times, 0.5), percentile(plain_times, 0.5)))
    table.row("answer p99", ms(percentile(answer_times, 0.99)), ms(percentile(plain_times, 0.99)),
              ratio(percentile(answer_times, 0.99), percentile(plain_times, 0.99)))
    table.row("ranking p50: index.top(tokens,10) vs get_scores", ms(percentile(top_times, 0.5)),
              ms(percentile(score_times, 0.5)), ratio(percentile(top_times, 0.5), percentile(score_times, 0.5)))
    table.row("ranking p99", ms(percentile(top_times, 0.99)), ms(percentile(score_times, 0.99)),
              ratio(percentile(top_times, 0.99), percentile(score_times, 0.99)))
    table.row("top-10 ids differing from get_scores", f"{mismatched} of {n_questions}",
              f"max |score diff| {score_diff:.1e}")
    table.row(f"--ask cold start, to reply (median of {len(asks)})", secs(ask_reply),
              f"{secs(plain_reply)} (median of {len(plain_asks)})", ratio(ask_reply, plain_reply))
    table.row("--ask cold start, to exit", secs(ask_exit), secs(plain_exit), ratio(ask_exit, plain_exit))
    table.notes += [
        f"questions: {mix}; replies {', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}; "
        f"{empty} queries match no passage",
        token_note + (f": {token_mismatch} passages DIFFER" if token_mismatch else ""),
        f"BM25Okapi idf vs index idf: same terms {'yes' if idf_keys_equal else 'NO'}, max diff {idf_diff:.1e}; "
        f"replies from the warm cache equal the freshly built engine's: {n_questions - differing} of {n_questions}",
        f"warm loads rebuilt the index: {len(builds)} times (must be 0); fresh serving process rebuilt: "
        f"{serve['built']} (must be 0); its load {secs(serve['load'])}, {n_questions} answers {secs(serve['answer'])}",
        f"fresh build process: imports {secs(built['import'])}, Engine.load {secs(built['load'])}; "
        f"--build-index on the warm cache {secs(index_seconds)}: {index_output.strip()[:160]}",
        "plain: regex words, small stop list, memoised Snowball stems, BM25Okapi, best paragraph (in process on the "
        "engine's passages; as a script on blank-line paragraphs of the same files)",
        f"ask runs: reply {', '.join(f'{a[0]:.3f}' for a in asks)} s; plain {', '.join(f'{a[0]:.3f}' for a in plain_asks)} s",
    ]
    if cache_unused:
        table.notes.append(f"WARNING: Engine.load(cache='read') rebuilt the index instead of loading the cache that "
                           f"the build process had just written ({len(builds)} of {len(loads)} loads): the 'warm' "
                           f"figures are rebuilds" + (" and the fresh-process runs were skipped" if skip else ""))
    if before and after != before:
        table.notes.append("WARNING: the index cache was rewritten during the --ask runs (not used, or the code or "
                           "data changed meanwhile): those runs were not warm")
    table.print()
    summary.append({
        "articles": articles, "passages": built["passages"], "build": parts.get("build", 0.0), "plain_build": plain_build,
        "warm": warm_load, "rss": serve["maxrss_kib"], "plain_rss": plain_serve["maxrss_kib"],
        "p50": percentile(answer_times, 0.5), "p99": percentile(answer_times, 0.99),
        "plain_p50": percentile(plain_times, 0.5), "plain_p99": percentile(plain_times, 0.99),
        "top50": percentile(top_times, 0.5), "top99": percentile(top_times, 0.99),
        "gs50": percentile(score_times, 0.5), "gs99": percentile(score_times, 0.99),
        "mismatched": mismatched, "differing": differing, "ask": ask_reply, "ask_exit": ask_exit, "plain_ask": plain_reply,
    })
    if args.profile and articles == max(args.sizes):
        profile_cache = work / f"cache-{articles}-profile"
        print(f"\ncProfile of Engine.load(cache='use') on a cold cache, {articles} articles (profiled, so slower):",
              flush=True)
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker-build", str(folder),
                               str(questions_file), str(folder / "replies-profile.json"), "--profile"], cwd=CODE,
                              env={**env, "CHATBOT_CACHE_DIR": str(profile_cache)}, capture_output=True, text=True)
        print(done.stderr)


def print_summary(summary: list[dict], bare: float) -> None:
    print("\nSUMMARY (ours vs plain rank_bm25 in the same run)")
    print("(figures in brackets: plain rank_bm25; top-10 = engine.index.top(tokens, 10), get_scores = BM25Okapi on "
          "the same tokens)")
    header = ("articles", "passages", "build s (plain)", "warm load s", "peak RSS MiB (plain)",
              "answer p50/p99 ms (plain)", "top-10 p50/p99 ms", "get_scores p50/p99 ms", "mismatch", "--ask s (plain)")
    rows = [header]
    for s in summary:
        rows.append((str(s["articles"]), f"{s['passages']:,}", f"{s['build']:.2f} ({s['plain_build']:.2f})",
                     f"{s['warm']:.3f}", f"{s['rss'] / 1024:.1f} ({s['plain_rss'] / 1024:.1f})",
                     f"{s['p50'] * 1e3:.3f}/{s['p99'] * 1e3:.3f} ({s['plain_p50'] * 1e3:.2f}/{s['plain_p99'] * 1e3:.2f})",
                     f"{s['top50'] * 1e3:.3f}/{s['top99'] * 1e3:.3f}", f"{s['gs50'] * 1e3:.3f}/{s['gs99'] * 1e3:.3f}",
                     str(s["mismatched"]), f"{s['ask']:.3f} ({s['plain_ask']:.3f})"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for r in rows:
        print("  ".join(c.rjust(widths[i]) for i, c in enumerate(r)))
    print(f"(bare interpreter start, `python -c pass`: {bare:.3f} s median)")
    print("\nACCEPTANCE (issue 5)")
    checks = []
    one = next((s for s in summary if s["articles"] == 1), None)
    if one:
        checks += [(f"--ask cold start <= 0.25 s, shipped article: {one['ask']:.3f} s", one["ask"] <= 0.25),
                   (f"answer p50 <= 1 ms, shipped article: {one['p50'] * 1e3:.3f} ms", one["p50"] <= 0.001),
                   (f"peak memory <= 60 MiB, shipped article: {one['rss'] / 1024:.1f} MiB", one["rss"] / 1024 <= 60)]
    big = max(summary, key=lambda s: s["passages"])
    if big["passages"] >= 50000:
        checks.append((f"answer p50 <= 2 ms at {big['passages']:,} passages: {big['p50'] * 1e3:.3f} ms",
                       big["p50"] <= 0.002))
    checks.append(("top-10 ids equal to get_scores for every query: "
                   f"{sum(s['mismatched'] for s in summary)} mismatches", all(s["mismatched"] == 0 for s in summary)))
    checks.append(("replies identical with and without the cache: "
                   f"{sum(s['differing'] for s in summary)} differ", all(s["differing"] == 0 for s in summary)))
    for text, ok in checks:
        print(f"  [{'PASS' if ok else 'FAIL'}] {text}")


def snapshot_code(work: Path) -> None:
    """Copy chatbot/ and run_chat.py under work/code and run everything from there."""
    global CODE
    import hashlib

    if "chatbot" in sys.modules:
        raise RuntimeError("take the snapshot before importing chatbot")
    code = work / "code"
    shutil.copytree(ROOT / "chatbot", code / "chatbot", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "run_chat.py", code / "run_chat.py")
    digest = hashlib.sha256()
    for path in sorted(code.rglob("*.py")):
        digest.update(path.relative_to(code).as_posix().encode() + b"\0" + path.read_bytes())
    # Bytecode, as pip writes it when it installs a package (this machine may set PYTHONDONTWRITEBYTECODE,
    # and without .pyc files every --ask would compile the package from source).
    compileall.compile_dir(str(code), quiet=1)
    CODE = code
    sys.path.insert(0, str(code))
    os.environ["CHATBOT_BENCH_CODE"] = str(code)
    print(f"code under test: a snapshot of {ROOT}/chatbot and run_chat.py taken at {time.strftime('%H:%M:%S')} "
          f"(sha256 {digest.hexdigest()[:12]})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="only the 1- and 100-article libraries")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=None,
                        help="library sizes in articles, comma separated (default 1,100,2000)")
    parser.add_argument("--questions", type=int, default=300, help="questions per generated library (default 300)")
    parser.add_argument("--runs", type=int, default=7, help="--ask runs per library (default 7)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--retokenise-limit", type=int, default=20000,
                        help="re-tokenise passages for BM25Okapi up to this many (default 20000); above, use the "
                             "index's postings")
    parser.add_argument("--profile", action="store_true", help="also cProfile the build of the largest library")
    parser.add_argument("--keep", action="store_true", help="keep the temporary libraries and caches")
    parser.add_argument("--live", action="store_true",
                        help="run the project's code in place instead of a snapshot taken at the start")
    parser.add_argument("--worker-build", nargs=3, metavar=("ROOT", "QUESTIONS", "REPLIES"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker_build:
        root, questions, replies = map(Path, args.worker_build)
        worker_build(root, questions, replies, profile=args.profile)
        return 0
    args.sizes = args.sizes or ([1, 100] if args.quick else [1, 100, 2000])
    if args.questions < 200:
        parser.error("--questions must be at least 200")
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="chatbot-bench-"))
    print(f"chatbot benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, libraries {args.sizes}; "
          f"temporary folder {work}; load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not args.live:
        snapshot_code(work)
    bare = statistics.median(time_process([sys.executable, "-c", "print()"], dict(os.environ))[1] for _ in range(7))
    try:
        pool = None
        if any(n > 1 for n in args.sizes):
            began = time.perf_counter()
            pool = prose_pool()
            sentences, headings, info = pool
            print(f"prose pool: {len(sentences):,} sentences ({sum(len(s.split()) for s in sentences):,} words) and "
                  f"{len(headings):,} heading phrases from {info['sources']} in {secs(time.perf_counter() - began)}")
        summary: list[dict] = []
        for articles in args.sizes:
            bench_library(articles, work, pool, args, summary)
        print_summary(summary, bare)
    finally:
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\nbenchmark took {secs(time.perf_counter() - started)}; load average now "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())} (other processes on the machine skew p99 and timings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
