"""Issue 15, items 1 and 5: what the command line writes survives closed pipes, full disks, line
separators in the text and absurd input, and reads stay bounded. Through the real entry point."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
RUN = PROJECT / "run_chat.py"
QUESTION = "how is it different from chemotherapy?"


@pytest.fixture(scope="module")
def env(cache_env) -> dict[str, str]:
    return cache_env


def run(env, *args: str, input: bytes | None = None, stdout=subprocess.PIPE, timeout: float = 120):
    return subprocess.run([sys.executable, str(RUN), *args], input=input, stdout=stdout, stderr=subprocess.PIPE,
                          env=env, cwd=PROJECT, timeout=timeout)


def run_into_closed_pipe(env, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess:
    """Run with standard output a pipe whose reader has already gone (like `| head -c 1` finishing)."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return run(env, *args, input=input, stdout=writer)
    finally:
        os.close(writer)


def stderr_of(result) -> str:
    return result.stderr.decode("utf-8", "replace")


@pytest.mark.parametrize("args", [
    (),  # the chat, reading questions from a pipe
    ("--ask", QUESTION),
    ("--ask", QUESTION, "--json"),
    ("--batch", "-", "--json"),
    ("--check-faq",),
    ("--build-index",),
], ids=lambda a: " ".join(a) or "chat")
def test_a_reader_that_went_away_ends_the_command_quietly(env, args):
    result = run_into_closed_pipe(env, *args, input=b"hello\nwhat is immunotherapy\n")
    assert "Traceback" not in stderr_of(result), stderr_of(result)
    assert stderr_of(result).strip() == ""
    assert result.returncode == 0


@pytest.mark.parametrize("args", [(), ("--ask", QUESTION), ("--batch", "-", "--json"), ("--check-faq",)],
                         ids=lambda a: " ".join(a) or "chat")
def test_a_full_disk_gives_one_clear_line_and_a_failure_status(env, args):
    with open("/dev/full", "wb") as full:
        result = run(env, *args, input=b"what is immunotherapy\n", stdout=full)
    message = stderr_of(result)
    assert "Traceback" not in message, message
    assert message.strip().splitlines() == ["Cannot write the output: No space left on device."]
    assert result.returncode != 0


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085", "\x1c", "\x0b", "\x0c", "\r"])
def test_one_json_reply_is_one_line_for_any_line_reader(env, separator):
    question = f"what is{separator}immunotherapy"
    result = run(env, "--ask", question, "--json")
    text = result.stdout.decode("utf-8")
    assert len(text.splitlines()) == 1, repr(text[:200])
    assert json.loads(text)["question"] == question


def test_batch_replies_stay_one_a_line_with_line_separators_inside(env):
    lines = ["side effects\u2028please", "thanks\u0085bye", "hello\u2029there"]
    result = run(env, "--batch", "-", "--json", input="\n".join(lines).encode() + b"\n")
    out = result.stdout.decode("utf-8").splitlines()
    assert [json.loads(line)["question"] for line in out] == lines


def test_hundreds_of_unknown_words_get_a_finite_confidence(env):
    question = "immunotherapy" + " ha" * 300  # the engine reads 1,000 characters: about 330 words
    result = run(env, "--ask", question, "--json")
    assert "Traceback" not in stderr_of(result), stderr_of(result)
    reply = json.loads(result.stdout)
    assert reply["kind"] == "no_answer"
    assert math.isfinite(reply["confidence"]) and 0 <= reply["confidence"] <= 1


# -- bounded reads (item 5) ------------------------------------------------------------------
PEAK_MEMORY = """
import resource, sys
from chatbot.cli import main
status = main(sys.argv[1:])
sys.stdout.flush()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, file=sys.stderr)
sys.exit(status)
"""


def test_a_200_mb_batch_line_is_answered_from_its_start_in_little_memory(env):
    size = 200 * 1024 * 1024
    child = subprocess.Popen([sys.executable, "-c", PEAK_MEMORY, "--batch", "-", "--json"], cwd=PROJECT, env=env,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def feed() -> None:
        chunk = b"what are the side effects " * 40_000  # about 1 MB
        try:
            for _ in range(size // len(chunk)):
                child.stdin.write(chunk)
            child.stdin.write(b"\nthank you\n")
            child.stdin.close()
        except BrokenPipeError:
            pass

    feeder = threading.Thread(target=feed)
    feeder.start()
    out = child.stdout.read()  # the replies are small; standard error is read after
    err = child.stderr.read()
    child.wait(timeout=300)
    feeder.join()
    assert child.returncode == 0, err.decode()
    replies = [json.loads(line) for line in out.decode().splitlines()]
    assert [r["kind"] for r in replies] == ["answer", "smalltalk"]
    assert replies[0]["question"].startswith("what are the side effects")
    peak_mib = int(err.decode().split()[-1])
    assert peak_mib < 200, f"peak memory {peak_mib} MiB for one 200 MB line"


def test_the_question_of_ask_dash_comes_from_standard_input(env):
    result = run(env, "--ask", "-", "--json", input=QUESTION.encode() + b"\n")
    reply = json.loads(result.stdout)
    assert reply["question"] == QUESTION and reply["kind"] == "answer"


@pytest.mark.parametrize("device", ["/dev/urandom", "/dev/zero"])
def test_check_faq_on_a_device_stops_with_a_clear_error(env, device):
    result = run(env, "--check-faq", device, timeout=60)
    assert result.returncode == 2
    assert f"{device}: not a regular file" in stderr_of(result)


def test_check_faq_on_a_huge_file_stops_with_a_clear_error(env, tmp_path):
    huge = tmp_path / "faq.yaml"
    with open(huge, "wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: takes no disk
    result = run(env, "--check-faq", str(huge), timeout=60)
    assert result.returncode == 2
    assert "the file is too large (200.0 MiB" in stderr_of(result)
