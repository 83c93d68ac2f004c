#!/usr/bin/env python3
"""Soak test: push many questions through ONE `run_chat.py --batch - --json` process.

A writer thread sends a realistic mix of questions (cycled with variations: case, typos, greetings,
punctuation, pastes, escapes, other scripts) while the main thread reads each reply as it comes and
checks it is the reply to the question sent in that place. After 100 replies and at the end it reads
the child's peak resident memory (VmHWM in /proc/PID/status) and prints throughput and memory.

    python scripts/soak.py                  # 10,000 questions
    python scripts/soak.py --count 2000 --seed 7

Exit status 0 when every reply was valid and in order and peak memory grew by at most 10 %
between the two readings; 1 otherwise. Linux only (/proc). Not a pytest test: it takes a while.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
RUN = PROJECT / "run_chat.py"
FIELDS = ["question", "kind", "answer", "citations", "confidence"]
KINDS = {"answer", "no_answer", "urgent", "smalltalk"}
EARLY = 100
TOLERANCE = 0.10

BASE = [
    "how is it different from chemotherapy?",
    "what are the side effects?",
    "how is immunotherapy given?",
    "how often will I need the infusion?",
    "do I need to stay in hospital overnight?",
    "is immunotherapy suitable for everyone?",
    "what is PD-L1 and why does it matter?",
    "can it be used alongside surgery or radiotherapy?",
    "does it work for melanoma?",
    "how does the immune system recognise cancer?",
    "what are checkpoint inhibitors?",
    "why do I need regular blood tests?",
    "is it easier to tolerate than chemo?",
    "how do the doctors decide if I should have it?",
    "who wrote this article?",
    "can immunotherapy cause a cough?",
    "I've had the runs since my infusion",
    "I can't breathe properly and my lips are blue",
    "I have chest pain right now",
    "I don't want to be here anymore",
    "I don't have chest pain, just wondering about tiredness",
    "hello",
    "thanks, that was really helpful",
    "what can you do?",
    "goodbye",
    "how much does it cost?",
    "can I drink alcohol during treatment?",
    "will I lose my hair?",
    "where do I park at the hospital?",
    "is it safe to have during pregnancy?",
]
HOSTILE = [
    "",
    "\x1b[31mwhat are the side effects\x1b[0m",
    "\x1b]52;c;SGVsbG8=\x07how is it given?",
    "{{7*7}} ${jndi:ldap://x} '; DROP TABLE users; --",
    "ما هي الآثار الجانبية؟",
    "免疫疗法有什么副作用？",
    "🙂💉 side effects? 🤒",
    "what\x00 is\x00 it",
]
PREFIXES = ["", "", "", "hi, ", "quick question: ", "Doctor said to ask - ", "sorry if this is silly but "]
SUFFIXES = ["", "", "", "?", " thanks", " please", "!!", " x"]


def typo(text: str, rng: random.Random) -> str:
    """Swap two neighbouring letters of one longer word."""
    words = text.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not long_words:
        return text
    i = rng.choice(long_words)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def questions(count: int, seed: int) -> list[str]:
    """The mix: base questions cycled, most with a variation, some hostile lines and long pastes."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        if n % 50 == 49:
            out.append(HOSTILE[(n // 50) % len(HOSTILE)])
            continue
        if n % 500 == 250:
            out.append(("what are the side effects of immunotherapy? " * 400).strip())  # an 18 KB paste
            continue
        q = BASE[n % len(BASE)]
        variation = rng.randrange(6)
        if variation == 1:
            q = q.upper()
        elif variation == 2:
            q = q.lower().rstrip("?")
        elif variation == 3:
            q = typo(q, rng)
        elif variation == 4:
            q = q.capitalize()
        out.append(rng.choice(PREFIXES) + q + rng.choice(SUFFIXES))
    return out


def memory(pid: int) -> dict[str, int]:
    """VmHWM (peak) and VmRSS (current) of a process, in kB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            values[key] = int(rest.split()[0])
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="questions to send (default 10000)")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the variations (default 2024)")
    args = parser.parse_args(argv)
    if args.count < EARLY:
        parser.error(f"--count must be at least {EARLY}")

    batch = questions(args.count, args.seed)
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, str(RUN), "--batch", "-", "--json"], cwd=PROJECT,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    measured = threading.Event()  # the writer keeps stdin open until the last reading is taken
    stderr_chunks: list[bytes] = []

    def write() -> None:
        try:
            for q in batch:
                child.stdin.write(q.encode("utf-8") + b"\n")
                child.stdin.flush()
            measured.wait()
        except BrokenPipeError:
            pass
        finally:
            try:
                child.stdin.close()
            except BrokenPipeError:
                pass

    writer = threading.Thread(target=write, daemon=True)
    errors = threading.Thread(target=lambda: stderr_chunks.append(child.stderr.read()), daemon=True)
    writer.start()
    errors.start()

    kinds: collections.Counter[str] = collections.Counter()
    problems: list[str] = []
    first_reply_at = early_at = None
    early_memory = final_memory = None
    for number, question in enumerate(batch, start=1):
        line = child.stdout.readline()
        if not line:
            problems.append(f"the child stopped after {number - 1} replies")
            break
        if first_reply_at is None:
            first_reply_at = time.monotonic()
        try:
            reply = json.loads(line)
        except ValueError:
            problems.append(f"reply {number} is not JSON: {line[:80]!r}")
            continue
        if list(reply) != FIELDS or reply["kind"] not in KINDS:
            problems.append(f"reply {number} breaks the contract: {list(reply)} {reply.get('kind')}")
        elif reply["question"] != question:
            problems.append(f"reply {number} answers {reply['question'][:40]!r}, not {question[:40]!r}")
        kinds[reply.get("kind", "?")] += 1
        if number == EARLY:
            early_at, early_memory = time.monotonic(), memory(child.pid)
    else:
        final_memory = memory(child.pid)
    finished = time.monotonic()
    measured.set()
    writer.join(timeout=30)
    status = child.wait(timeout=60)
    errors.join(timeout=10)
    stderr = b"".join(stderr_chunks).decode("utf-8", "replace")

    replies = sum(kinds.values())
    print(f"questions sent: {len(batch)}, replies: {replies}, child exit status: {status}")
    print("kinds: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    if first_reply_at is not None:
        print(f"start-up (to the first reply): {first_reply_at - started:.2f} s")
        print(f"throughput overall: {replies / (finished - started):.0f} questions/s "
              f"({finished - started:.1f} s wall time)")
        print(f"throughput after start-up: {max(replies - 1, 0) / max(finished - first_reply_at, 1e-9):.0f} questions/s")
    if early_memory:
        print(f"after {EARLY} questions: peak RSS (VmHWM) {early_memory['VmHWM'] / 1024:.1f} MiB, "
              f"current RSS {early_memory['VmRSS'] / 1024:.1f} MiB")
    flat = False
    if early_memory and final_memory:
        print(f"after {replies} questions: peak RSS (VmHWM) {final_memory['VmHWM'] / 1024:.1f} MiB, "
              f"current RSS {final_memory['VmRSS'] / 1024:.1f} MiB")
        growth = final_memory["VmHWM"] / early_memory["VmHWM"] - 1
        rss_growth = final_memory["VmRSS"] / early_memory["VmRSS"] - 1
        flat = growth <= TOLERANCE
        print(f"peak memory growth: {growth:+.1%} (current RSS {rss_growth:+.1%}); "
              f"{'within' if flat else 'NOT within'} {TOLERANCE:.0%}")
    if "Traceback" in stderr or stderr.strip():
        problems.append("stderr: " + stderr.strip()[-500:])
    for problem in problems[:20]:
        print("PROBLEM:", problem)
    ok = not problems and flat and status == 0 and replies == len(batch)
    print("RESULT:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
