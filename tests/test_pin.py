"""Issue 15, item 4 (the kiosk side): the staff PIN comes from a systemd credential, has at least
six digits, and wrong guesses meet growing waits and then a lockout the screen and journal show."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pexpect
import pyte
import pytest

from chatbot import kiosk, pin
from test_kiosk import COLS, KEYS, ROOT, ROWS, START_TIMEOUT, WELCOME, Kiosk, kiosk_env

RIGHT = "482916"


def test_each_wrong_pin_in_a_row_waits_longer_and_the_fifth_locks_the_exit():
    assert [pin.pause_after(n) for n in range(1, 6)] == [1.5, 3.0, 6.0, 12.0, 300.0]
    guard = pin.PinGuard(RIGHT)
    now = 0.0
    for _ in range(4):
        right, pause = guard.attempt("000001", now)
        assert not right and not guard.locked_out
        now += pause
    right, pause = guard.attempt("000002", now)
    assert not right and guard.locked_out and pause == 300.0


def test_while_locked_even_the_right_pin_is_refused_and_the_wait_does_not_restart():
    guard = pin.PinGuard(RIGHT)
    right, pause = guard.attempt("111112", 100.0)
    assert (right, pause) == (False, 1.5)
    assert guard.attempt(RIGHT, 101.0) == (False, 0.5)
    assert guard.attempt(RIGHT, 101.5) == (True, 0.0) and guard.wrong == 0


@pytest.mark.parametrize("weak", ["4321", "12345", "123456", "000000", "777777", "change-me"])
def test_short_or_guessable_pins_are_refused(weak):
    found, message = kiosk.staff_pin({"KIOSK_STAFF_PIN": weak})
    assert found is None and "staff PIN" in message


def test_the_pin_is_read_from_the_systemd_credential_before_the_environment(tmp_path):
    (tmp_path / "kiosk-pin").write_text(RIGHT + "\n", encoding="utf-8")
    environ = {"CREDENTIALS_DIRECTORY": str(tmp_path), "KIOSK_STAFF_PIN": "999999999"}
    assert kiosk.staff_pin(environ) == (RIGHT, "")


def test_a_weak_credential_names_the_credential(tmp_path):
    (tmp_path / "kiosk-pin").write_text("1234\n", encoding="utf-8")
    found, message = kiosk.staff_pin({"CREDENTIALS_DIRECTORY": str(tmp_path)})
    assert found is None and "'kiosk-pin'" in message and "at least 6 digits" in message


def test_a_lockout_is_told_to_the_journal_without_anything_typed(capsys):
    kiosk.report_lockout(5, 300.0)
    err = capsys.readouterr().err
    assert err == "immunotherapy-kiosk: 5 wrong staff PINs in a row; the staff exit is locked for 300 seconds\n"


def spawn(home: Path, environ: dict[str, str]) -> Kiosk:
    booth = Kiosk.__new__(Kiosk)
    booth.screen = pyte.Screen(COLS, ROWS)
    booth.stream = pyte.ByteStream(booth.screen)
    booth.child = pexpect.spawn(sys.executable, ["run_chat.py", "--kiosk"], cwd=str(ROOT), env=environ,
                                dimensions=(ROWS, COLS))
    return booth


def test_the_kiosk_closes_with_the_pin_of_its_credential(tmp_path):
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "kiosk-pin").write_text(RIGHT, encoding="utf-8")
    environ = kiosk_env(tmp_path, pin=None)
    environ["CREDENTIALS_DIRECTORY"] = str(credentials)
    booth = spawn(tmp_path, environ)
    try:
        booth.wait_for(WELCOME, START_TIMEOUT)
        booth.send(KEYS["f12"])
        booth.wait_for("Staff exit")
        booth.send(RIGHT + KEYS["enter"])
        assert booth.exit_code() == 0
    finally:
        booth.close()


def test_five_wrong_pins_show_a_lockout_notice_and_f12_then_says_it_is_locked(tmp_path):
    booth = spawn(tmp_path, kiosk_env(tmp_path, pin=RIGHT))
    try:
        booth.wait_for(WELCOME, START_TIMEOUT)
        for attempt in range(1, 6):
            booth.send(KEYS["f12"])
            booth.wait_for("Type the staff PIN")
            booth.send(f"00000{attempt}" + KEYS["enter"])
            if attempt < 5:
                booth.wait_for(kiosk.PIN_WRONG.strip(), 3)
                booth.wait_gone("Staff exit", kiosk.NOTICE_SECONDS + 3)
                time.sleep(max(pin.pause_after(attempt) - kiosk.NOTICE_SECONDS, 0) + 0.3)  # the rest of the wait
        booth.wait_for("Too many wrong PINs: the staff exit is locked for 5 minutes.")
        booth.wait_gone("Staff exit", kiosk.NOTICE_SECONDS + 3)
        booth.send(KEYS["f12"])  # still locked: it says so, and asks for no PIN
        booth.wait_for("Too many wrong PINs")
        assert "Type the staff PIN" not in booth.text
        assert booth.child.isalive()
    finally:
        booth.close()
