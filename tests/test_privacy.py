"""Privacy: nothing a patient types is written to disk, and no question text reaches stderr.

Each test runs the project's real `run_chat.py` (by absolute path) with HOME, the working folder
and TMPDIR set to fresh empty temporary folders (nothing copied into them), then checks that nothing
at all appeared under them and that stderr never holds the question. The kiosk's own privacy test
lives with the kiosk.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

PROJECT = Path(__file__).resolve().parent.parent
RUN = PROJECT / "run_chat.py"
# Questions with words unique enough to find anywhere they might be written.
QUESTIONS = [
    "what are the side effects?",
    "how is it different from chemotherapy?",
    "my neighbour Quillibet Zonderwick says the drip is awful",
    "I have had diarrhoea since my infusion, says Ottoline Fernsby",
    "Marguerite Vantablack, 12 Acacia Avenue, NHS number 943 476 5919",
]
MARKERS = ["Quillibet", "Zonderwick", "Ottoline", "Fernsby", "Marguerite", "Vantablack", "943 476 5919"]
ENV_DROPPED = ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR",
               "CHATBOT_CACHE_DIR", "NO_COLOR", "PYTHONPYCACHEPREFIX", "HISTFILE")


@pytest.fixture
def places(tmp_path) -> dict[str, Path]:
    """Fresh, empty HOME, working folder and TMPDIR, and a folder outside them for stderr."""
    made = {name: tmp_path / name for name in ("home", "work", "tmp", "outside")}
    for folder in made.values():
        folder.mkdir()
    return made


@pytest.fixture
def env(places) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if k not in ENV_DROPPED}
    values.update(HOME=str(places["home"]), TMPDIR=str(places["tmp"]), TERM="xterm")
    return values


def everything_under(*folders: Path) -> list[str]:
    return sorted(str(path) for folder in folders for path in folder.rglob("*"))


def files_holding_markers(*folders: Path) -> list[str]:
    found = []
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                if any(text.encode() in data for text in MARKERS + QUESTIONS):
                    found.append(str(path))
    return found


def assert_no_question_text(stderr: str) -> None:
    assert not [m for m in MARKERS if m in stderr], stderr
    assert not [q for q in QUESTIONS if q in stderr], stderr
    assert "Traceback" not in stderr, stderr


def run_chat_session(places, env) -> str:
    """A chat in a pseudo-terminal: three questions, 'more', 'source', then Ctrl-D; returns stderr."""
    stderr_file = places["outside"] / "stderr.txt"
    child = pexpect.spawn("/bin/sh", ["-c", f'exec "$0" "$1" 2>"$2"', sys.executable, str(RUN), str(stderr_file)],
                          cwd=str(places["work"]), env=env, dimensions=(40, 100), timeout=60)
    try:
        child.expect("You:")
        for line in QUESTIONS[:1] + ["more", "source"] + QUESTIONS[1:]:
            child.send(line + "\r")
            child.expect_exact("\x1b[?2004l")  # the prompt ends: the reply follows, then a new prompt
            child.expect("You:")
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    return stderr_file.read_text(encoding="utf-8", errors="replace")


def run_ask_and_batch(places, env) -> str:
    """One --ask per question, a --batch of them all and a --batch --dialogue; returns their stderr."""
    stderr = []
    for question in QUESTIONS:
        result = subprocess.run([sys.executable, str(RUN), "--ask", question, "--json"], capture_output=True,
                                cwd=places["work"], env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        stderr.append(result.stderr.decode("utf-8", "replace"))
    result = subprocess.run([sys.executable, str(RUN), "--batch", "-", "--json"], capture_output=True,
                            input="\n".join(QUESTIONS).encode("utf-8") + b"\n", cwd=places["work"], env=env,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(QUESTIONS)
    stderr.append(result.stderr.decode("utf-8", "replace"))
    # and as conversations, where each message is remembered for the next (in memory only)
    talk = "\n".join(QUESTIONS[:3] + ["how often?", "more", "", *QUESTIONS[3:], "is that normal?"]) + "\n"
    result = subprocess.run([sys.executable, str(RUN), "--batch", "-", "--json", "--dialogue"], capture_output=True,
                            input=talk.encode("utf-8"), cwd=places["work"], env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(QUESTIONS) + 3
    stderr.append(result.stderr.decode("utf-8", "replace"))
    return "".join(stderr)


def test_chat_session_writes_nothing_and_keeps_questions_off_stderr(places, env):
    stderr = run_chat_session(places, env)
    assert_no_question_text(stderr)
    assert files_holding_markers(places["home"], places["work"], places["tmp"]) == []
    assert everything_under(places["home"], places["work"], places["tmp"]) == []


def test_ask_and_batch_never_write_question_text_anywhere(places, env):
    stderr = run_ask_and_batch(places, env)
    assert_no_question_text(stderr)
    assert files_holding_markers(places["home"], places["work"], places["tmp"]) == []


def test_ask_and_batch_write_only_the_index_cache_and_no_question_text(places, env):
    # --ask and --batch are tools for staff and CI: they may keep the index cache (built from the
    # corpus and data files only) in the user's cache folder. Nothing else, and never a question.
    run_ask_and_batch(places, env)
    written = everything_under(places["home"], places["work"], places["tmp"])
    cache = places["home"] / ".cache" / "immunotherapy-chatbot"
    allowed = {str(places["home"] / ".cache"), str(cache)}
    leftovers = [p for p in written if p not in allowed and not (Path(p).parent == cache and Path(p).name.startswith("index-")
                                                                   and p.endswith(".json"))]
    assert leftovers == []
    assert files_holding_markers(places["home"], places["work"], places["tmp"]) == []


def test_batch_from_a_file_in_the_working_folder_adds_nothing_beside_it(places, env):
    questions = places["work"] / "questions.txt"
    questions.write_text("\n".join(QUESTIONS) + "\n", encoding="utf-8")
    result = subprocess.run([sys.executable, str(RUN), "--batch", "questions.txt", "--json"], capture_output=True,
                            cwd=places["work"], env={**env, "CHATBOT_CACHE_DIR": str(places["outside"] / "cache")},
                            timeout=120)
    assert result.returncode == 0
    assert_no_question_text(result.stderr.decode("utf-8", "replace"))
    assert everything_under(places["home"], places["work"], places["tmp"]) == [str(questions)]
    cache = places["outside"] / "cache"
    if cache.exists():
        assert files_holding_markers(cache) == [], "the index cache holds no question text"
