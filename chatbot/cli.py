"""Command line: parse, check input, turn failures into clear messages, call the engine.

    python run_chat.py                         the chat
    python run_chat.py --ask "QUESTION" [--json]
    python run_chat.py --batch FILE --json     (FILE '-' is standard input)
    python run_chat.py --batch FILE --json --dialogue   (conversations, an empty line between)
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import sys
from pathlib import Path
from typing import Sequence, TextIO

from .errors import DataError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run_chat.py",
        description="Answers questions about cancer immunotherapy from a trusted article. "
        "General information only, not medical advice. In an emergency call 999.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--ask", metavar="QUESTION", help="answer one question and exit")
    mode.add_argument("--batch", metavar="FILE", help="answer one question per line of FILE ('-' for standard input)")
    mode.add_argument("--build-index", action="store_true",
                      help="build the index cache (staff: run after changing the corpus or data files)")
    mode.add_argument("--kiosk", action="store_true", help="full-screen clinic kiosk (needs KIOSK_STAFF_PIN)")
    mode.add_argument("--check-faq", metavar="PATH", nargs="?", const="", default=None,
                      help="check every question of the staff FAQ (default data/faq.yaml)")
    parser.add_argument("--idle-seconds", type=int, default=120, metavar="N",
                        help="kiosk: seconds without a key before the screen is wiped (default 120)")
    parser.add_argument("--format", choices=("text", "json", "junit"), default="text",
                        help="--check-faq report format (default text)")
    parser.add_argument("--json", action="store_true", help="print replies as JSON objects, one a line")
    parser.add_argument("--dialogue", action="store_true",
                        help="--batch: each line is the next message of one conversation; an empty line starts a new one")
    parser.add_argument("--root", metavar="DIR", type=Path, help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.dialogue and args.batch is None:
        parser.error("--dialogue goes with --batch FILE")
    if args.kiosk:
        # A waiting-room visitor must not be able to stop the kiosk while it is still loading.
        for name in ("SIGINT", "SIGTSTP", "SIGQUIT"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), signal.SIG_IGN)
    try:
        engine = _engine(args)
    except DataError as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:  # run by a Python the chatbot was not installed into
        print(f"Cannot start: the Python package {(exc.name or '?').partition('.')[0]!r} is not installed for {sys.executable}. "
              "Install the chatbot first, as the README shows: pip install -e .", file=sys.stderr)
        return 2
    if args.build_index:
        from .cache import cache_dir

        print(f"Index ready: {len(engine.passages)} passages from {len(engine.articles)} article(s); cache in {cache_dir()}")
        return 0
    if args.ask is not None:
        reply = engine.answer(args.ask)
        print(reply.to_json() if args.json else reply.answer)
        return 0
    engine.warm_up()  # a long-running mode: prepare everything once, so no question waits
    if args.batch is not None:
        try:
            return run_batch(engine, args.batch, as_json=args.json, dialogue=args.dialogue)
        except BrokenPipeError:  # the reader went away: stop quietly, as Unix tools do
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    if args.check_faq is not None:
        from .faq import run_check

        return run_check(engine, Path(args.check_faq) if args.check_faq else _root(args) / "data" / "faq.yaml", args.format)
    if args.kiosk:
        from .kiosk import run_kiosk

        return run_kiosk(engine, idle_seconds=args.idle_seconds, faq_path=_root(args) / "data" / "faq.yaml")
    from .chat import run_chat

    return run_chat(engine)


def _root(args) -> Path:
    from .engine import ROOT

    return args.root or ROOT


def _engine(args):
    from .engine import Engine, Paths

    # Interactive modes only read the index cache; tools run by staff and CI keep it fresh.
    interactive = not (args.ask is not None or args.batch is not None or args.check_faq is not None or args.build_index)
    return Engine.load(Paths.under(args.root) if args.root else None, cache="read" if interactive else "use")


def _open_lines(name: str) -> TextIO:
    if name == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline="\n")
    return open(name, encoding="utf-8", errors="replace", newline="\n")


def run_batch(engine, name: str, as_json: bool = True, out: TextIO | None = None, dialogue: bool = False) -> int:
    """One reply a line, in order, flushed; a bad line gets a reply, never a stop.

    dialogue: the lines are conversations, one message a line; an empty line gets no reply and
    starts a new conversation (chatbot.dialogue). Without it, every line is read alone."""
    out = out or sys.stdout
    try:
        stream = _open_lines(name)
    except OSError as exc:
        print(f"Cannot read {name}: {exc.strerror}", file=sys.stderr)
        return 2
    conversation = None
    with stream:
        for line in stream:
            question = line.rstrip("\n").rstrip("\r")
            if dialogue:
                if not question.strip():
                    conversation = None
                    continue
                if conversation is None:
                    from .dialogue import Conversation

                    conversation = Conversation(engine)
            try:
                reply = conversation.reply(question) if conversation is not None else engine.answer(question)
                text = reply.to_json() if as_json else reply.answer + "\n"
            except Exception:  # one bad line must not stop the batch; say so in the contract's shape
                text = json.dumps({"question": question, "kind": "no_answer",
                                   "answer": "Sorry, something went wrong with this question. Please try again.",
                                   "citations": [], "confidence": 0.0}, ensure_ascii=False)
            out.write(text + "\n")
            out.flush()
    return 0
