"""Issue 15, item 7: --version, the program's own name, misused flags refused, `--ask -`, and the
FAQ text report wrapped to the terminal with its coverage also in JSON."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from chatbot import __version__

PROJECT = Path(__file__).resolve().parent.parent
CONSOLE_SCRIPT = Path(sys.executable).parent / "immunotherapy-chat"


@pytest.fixture(scope="module")
def env(cache_env) -> dict[str, str]:
    return cache_env


def run(env, *args: str, input: bytes | None = None, program: list[str] | None = None):
    program = program or [sys.executable, "run_chat.py"]
    return subprocess.run([*program, *args], input=input or b"", capture_output=True, env=env, cwd=PROJECT,
                          timeout=120)


def test_version_prints_the_name_and_version(env):
    result = run(env, "--version")
    assert result.returncode == 0
    assert result.stdout.decode().strip() == f"run_chat.py {__version__}"


def test_the_console_script_calls_itself_by_its_own_name(env):
    assert CONSOLE_SCRIPT.exists(), "install the project (pip install -e .) to get the console script"
    result = run(env, "--help", program=[str(CONSOLE_SCRIPT)])
    assert result.stdout.decode().startswith("usage: immunotherapy-chat ")
    assert "run_chat.py" not in result.stdout.decode()


@pytest.mark.parametrize("args, says", [
    (["--json"], "--json goes with --ask or --batch"),
    (["--idle-seconds", "30"], "--idle-seconds goes with --kiosk"),
    (["--format", "json"], "--format goes with --check-faq"),
    (["--check-faq", "--json"], "--json goes with --ask or --batch"),
], ids=lambda a: " ".join(a) if isinstance(a, list) else "")
def test_a_flag_without_its_mode_is_refused_and_never_starts_the_chat(env, args, says):
    result = run(env, *args, input=b"hello\n")
    stderr = result.stderr.decode()
    assert result.returncode == 2
    assert says in stderr
    assert b"You:" not in result.stdout and b"Immunotherapy questions" not in result.stdout


def test_ask_dash_reads_the_question_from_standard_input(env):
    result = run(env, "--ask", "-", input=b"how is it different from chemotherapy?\n")
    assert result.returncode == 0
    assert "Chemotherapy is more direct" in result.stdout.decode()


def test_the_faq_text_report_fits_the_terminal(env):
    result = run({**env, "COLUMNS": "80"}, "--check-faq")
    lines = result.stdout.decode().splitlines()
    assert lines and max(len(line) for line in lines) <= 80, max(lines, key=len)
    assert any(line.startswith("PASS ") for line in lines)


def test_the_faq_json_report_has_the_coverage_by_section(env):
    result = run(env, "--check-faq", "--format", "json")
    report = json.loads(result.stdout)
    sections = {row["section"]: row for row in report["coverage"]}
    assert "How it differs from chemotherapy" in sections
    assert set(sections["How it differs from chemotherapy"]) == {"section", "items", "questions", "passed", "landed"}
    assert isinstance(report["uncovered"], list)


# -- the README's commands (item 7) ----------------------------------------------------------
README = (PROJECT / "README.md").read_text(encoding="utf-8")
COMMAND = re.compile(r"(?<![\w/.-])(?:\.venv/bin/)?python3? (?!-m venv)\S+")


def test_readme_commands_use_the_python_the_set_up_installed_into():
    bare = [m.group() for m in COMMAND.finditer(README) if not m.group().startswith(".venv/bin/python ")]
    assert bare == [], bare


@pytest.mark.parametrize("script", sorted({m.group().split()[1] for m in COMMAND.finditer(README)
                                           if not m.group().split()[1].startswith("..")  # shared/: not ours
                                           and (PROJECT / m.group().split()[1]).is_file()}))
def test_each_script_the_readme_runs_starts_with_the_venv_python(env, script):
    result = run(env, "--help", program=[sys.executable, script])
    assert result.returncode == 0, result.stderr.decode()
    assert "ModuleNotFoundError" not in result.stderr.decode()
