"""Command line: parse, check input, turn failures into clear messages, call the engine.

    run_chat.py                         the chat
    run_chat.py --ask "QUESTION" [--json]      (QUESTION '-' is read from standard input)
    run_chat.py --batch FILE --json     (FILE '-' is standard input)
    run_chat.py --batch FILE --json --dialogue   (conversations, an empty line between)

Everything these modes print goes through chatbot.output (closed pipes, full disks, one-line JSON).
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import BinaryIO, Callable, Sequence, TextIO

from . import __version__, output
from .errors import DataError
from .inputs import bounded_lines, read_question

DESCRIPTION = ("Answers questions about cancer immunotherapy from a trusted article. "
               "General information only, not medical advice.")
DEFAULT_IDLE_SECONDS = 120
SORRY = "Sorry, something went wrong with this question. Please try again."


class Parser(argparse.ArgumentParser):
    """Its --help ends the description with the emergency number of data/triage.yaml."""

    def format_help(self) -> str:
        from .engine import ROOT
        from .helpline import file_advice

        self.description = f"{DESCRIPTION} {file_advice(ROOT / 'data' / 'triage.yaml')}"
        return super().format_help()


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(description=DESCRIPTION)  # prog: the name it was started by (run_chat.py, immunotherapy-chat)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--ask", metavar="QUESTION",
                      help="answer one question and exit ('-' reads it from standard input, unseen by ps)")
    mode.add_argument("--batch", metavar="FILE", help="answer one question per line of FILE ('-' for standard input)")
    mode.add_argument("--build-index", action="store_true",
                      help="build the index cache (staff: run after changing the corpus or data files)")
    mode.add_argument("--kiosk", action="store_true", help="full-screen clinic kiosk (needs a staff PIN)")
    mode.add_argument("--check-faq", metavar="PATH", nargs="?", const="", default=None,
                      help="check every question of the staff FAQ (default data/faq.yaml)")
    parser.add_argument("--idle-seconds", type=int, default=None, metavar="N",
                        help="with --kiosk: seconds without a key before the screen is wiped "
                        f"(default {DEFAULT_IDLE_SECONDS})")
    parser.add_argument("--format", choices=("text", "json", "junit"), default=None,
                        help="with --check-faq: the report format (default text)")
    parser.add_argument("--json", action="store_true",
                        help="with --ask or --batch: print replies as JSON objects, one a line")
    parser.add_argument("--dialogue", action="store_true",
                        help="with --batch: each line is the next message of one conversation; an empty line starts a new one")
    parser.add_argument("--explain", action="store_true",
                        help="with --ask: say which stage decided the reply and why (for staff and maintainers)")
    parser.add_argument("--root", metavar="DIR", type=Path, help=argparse.SUPPRESS)
    return parser


def misuse(args: argparse.Namespace) -> str | None:
    """A flag given without the mode it belongs to would be silently ignored: say so instead."""
    if args.json and args.ask is None and args.batch is None:
        return "--json goes with --ask or --batch (for example: --ask \"QUESTION\" --json)"
    if args.idle_seconds is not None and not args.kiosk:
        return "--idle-seconds goes with --kiosk (for example: --kiosk --idle-seconds 120)"
    if args.dialogue and args.batch is None:
        return "--dialogue goes with --batch FILE (for example: --batch FILE --json --dialogue)"
    if args.explain and args.ask is None:
        return "--explain goes with --ask (for example: --ask \"QUESTION\" --explain)"
    if args.format is not None and args.check_faq is None:
        return "--format goes with --check-faq (for example: --check-faq --format json)"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    problem = misuse(args)
    if problem:
        parser.error(problem)  # exit status 2, with the usage line
    if args.kiosk:
        # A waiting-room visitor must not be able to stop the kiosk while it is still loading.
        for name in ("SIGINT", "SIGTSTP", "SIGQUIT"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), signal.SIG_IGN)
    from .cache import WriteError

    try:
        engine = _engine(args)
    except DataError as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 2
    except WriteError as exc:
        print(f"The index was not built: {exc}.", file=sys.stderr)
        return 1
    except ModuleNotFoundError as exc:  # run by a Python the chatbot was not installed into
        print(f"Cannot start: the Python package {(exc.name or '?').partition('.')[0]!r} is not installed for {sys.executable}. "
              "Install the chatbot first, as the README shows: pip install -e .", file=sys.stderr)
        return 2
    if args.kiosk:
        from .kiosk import run_kiosk

        idle = DEFAULT_IDLE_SECONDS if args.idle_seconds is None else args.idle_seconds
        return run_kiosk(engine, idle_seconds=idle, faq_path=_root(args) / "data" / "faq.yaml")
    if args.ask is None and args.batch is None and args.check_faq is None and not args.build_index:
        from .chat import run_chat

        return output.guarded(lambda: run_chat(engine))
    return output.guarded(lambda: _run(args, engine))


def _run(args: argparse.Namespace, engine) -> int:
    """The modes that print results for a program or a person to read: all through chatbot.output."""
    if args.build_index:
        from .cache import cache_dir

        output.line(f"Index ready: {len(engine.passages)} passages from {len(engine.articles)} article(s); "
                    f"cache in {cache_dir()}")
        return 0
    if args.ask is not None:
        question = read_question(sys.stdin.buffer) if args.ask == "-" else args.ask
        reply = engine.answer(question)
        output.line(reply.to_json() if args.json else reply.answer)
        if args.explain:
            from .explain import explain

            output.line("\n" + explain(engine, question))
        return 0
    engine.warm_up()  # a long-running mode: prepare everything once, so no question waits
    if args.batch is not None:
        return run_batch(engine, args.batch, as_json=args.json, dialogue=args.dialogue)
    from .faq import run_check

    faq = Path(args.check_faq) if args.check_faq else _root(args) / "data" / "faq.yaml"
    return run_check(engine, faq, args.format or "text")


def _root(args) -> Path:
    from .engine import ROOT

    return args.root or ROOT


def _engine(args):
    from .engine import Engine, Paths

    # Interactive modes only read the index cache; tools run by staff and CI keep it fresh.
    if args.build_index:
        mode = "build"
    elif args.ask is not None or args.batch is not None or args.check_faq is not None:
        mode = "use"
    else:
        mode = "read"
    return Engine.load(Paths.under(args.root) if args.root else None, cache=mode)


def _open_bytes(name: str) -> BinaryIO:
    return sys.stdin.buffer if name == "-" else open(name, "rb")


def run_batch(engine, name: str, as_json: bool = True, out: TextIO | None = None, dialogue: bool = False) -> int:
    """One reply a line, in order, flushed; a bad line gets a reply, never a stop.

    dialogue: the lines are conversations, one message a line; an empty line gets no reply and
    starts a new conversation (chatbot.dialogue). Without it, every line is read alone."""
    emit: Callable[[str], None] = output.line if out is None else (lambda text: (out.write(text + "\n"), out.flush()))
    try:
        stream = _open_bytes(name)
    except OSError as exc:
        print(f"Cannot read {name}: {exc.strerror}", file=sys.stderr)
        return 2
    conversation = None
    with stream:
        conversation = None
        for question in bounded_lines(stream):
            if dialogue:
                if not question.strip():
                    conversation = None
                    continue
                if conversation is None:
                    from .dialogue import Conversation

                    conversation = Conversation(engine)
            emit(_batch_reply(engine, question, as_json, conversation))
    return 0


def _batch_reply(engine, question: str, as_json: bool, conversation=None) -> str:
    try:
        reply = conversation.reply(question) if conversation is not None else engine.answer(question)
        return reply.to_json() if as_json else reply.answer + "\n"
    except Exception:  # one bad line must not stop the batch; say so in the contract's shape
        if not as_json:
            return SORRY + "\n"
        return output.json_text({"question": question, "kind": "no_answer", "answer": SORRY,
                                 "citations": [], "confidence": 0.0})
