"""Issue 15, item 6: the emergency number shown anywhere comes from data/triage.yaml."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from chatbot import chat, cli
from chatbot.engine import ROOT, Engine, Paths


@pytest.fixture
def abroad(tmp_path) -> Path:
    """A clinic whose triage messages say to call 000 (and nothing says 999)."""
    root = tmp_path / "root"
    shutil.copytree(ROOT / "corpus", root / "corpus")
    shutil.copytree(ROOT / "data", root / "data")
    triage = root / "data" / "triage.yaml"
    triage.write_text(triage.read_text(encoding="utf-8").replace("call 999", "call 000"), encoding="utf-8")
    return root


def test_help_shows_the_number_of_the_triage_file(abroad, monkeypatch, capsys):
    monkeypatch.setattr("chatbot.engine.ROOT", abroad)
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "In an emergency call 000." in help_text and "999" not in help_text


def test_the_chat_banner_and_help_show_the_number_of_the_triage_file(abroad):
    engine = Engine.load(Paths.under(abroad), cache="off")
    lines = iter(["help"])

    def prompt(_: str) -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    shown: list[str] = []
    chat.run_chat(engine, prompt=prompt, echo=shown.append, width=200)
    assert "In an emergency call 000." in shown[0] and "999" not in shown[0]
    assert "In an emergency call 000." in shown[1] and "999" not in shown[1]


def test_the_kiosk_header_shows_the_number_of_the_triage_file(abroad, tmp_path):
    from test_kiosk import Kiosk

    booth = Kiosk(tmp_path, ["run_chat.py", "--kiosk", "--root", str(abroad)])
    try:
        deadline = time.monotonic() + 60
        while "In an emergency call" not in booth.text and time.monotonic() < deadline:
            booth.pump(0.2)
        header = " ".join(booth.text.split())
        assert "In an emergency call 000." in header and "999" not in header
    finally:
        booth.close()
