"""The kiosk's staff PIN: where it is read from, what is long enough, and how wrong guesses slow down.

Under systemd the PIN is a credential (``LoadCredential=kiosk-pin:/etc/immunotherapy-kiosk/pin``),
read from ``$CREDENTIALS_DIRECTORY/kiosk-pin``: never in the environment, where every child
process and ``ExecStartPre`` would see it. In a terminal, for trying the kiosk out, it may be
given in ``KIOSK_STAFF_PIN``.

Each wrong PIN in a row doubles the wait before the next try (1.5 s, 3 s, 6 s, 12 s); the fifth
locks the staff exit for five minutes, says so on screen and tells the journal.
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass
from pathlib import Path

CREDENTIAL = "kiosk-pin"
PIN_ENV = "KIOSK_STAFF_PIN"
MIN_PIN_CHARS = 6
MAX_PIN_CHARS = 64
MAX_CREDENTIAL_BYTES = 1024
FIRST_PAUSE = 1.5  # seconds after the first wrong PIN; doubled after each further one
LOCKOUT_AFTER = 5  # wrong PINs in a row that lock the staff exit
LOCKOUT_SECONDS = 300.0
EXAMPLE_PINS = frozenset({"change-me", "123456", "000000", "654321"})


def read_pin(environ=os.environ) -> tuple[str, str]:
    """The configured PIN and where it came from ('credential' or the variable's name); '' if none."""
    folder = environ.get("CREDENTIALS_DIRECTORY", "")
    if folder:
        path = Path(folder) / CREDENTIAL
        try:
            with open(path, "rb") as handle:
                raw = handle.read(MAX_CREDENTIAL_BYTES)
        except OSError:
            raw = b""
        if raw:
            return raw.decode("utf-8", "replace").strip(), "credential"
    return environ.get(PIN_ENV, ""), PIN_ENV


def pin_problem(pin: str) -> str | None:
    """Why a PIN cannot be used, or None: at least six characters, not an example or one repeated key."""
    if not pin.strip():
        return "no staff PIN is set"
    if len(pin) < MIN_PIN_CHARS:
        return f"the staff PIN is too short: use at least {MIN_PIN_CHARS} digits"
    if len(pin) > MAX_PIN_CHARS:
        return f"the staff PIN is too long: use at most {MAX_PIN_CHARS} characters"
    if pin.strip() in EXAMPLE_PINS or len(set(pin)) == 1:
        return f"the staff PIN {pin.strip()!r} is too easy to guess: choose the clinic's own"
    return None


def pause_after(wrong: int) -> float:
    """Seconds the staff exit waits after the wrong-th wrong PIN in a row."""
    if wrong >= LOCKOUT_AFTER:
        return LOCKOUT_SECONDS
    return FIRST_PAUSE * 2 ** max(wrong - 1, 0)


def lockout_notice(seconds: float) -> str:
    minutes = max(round(seconds / 60), 1)
    return f" Too many wrong PINs: the staff exit is locked for {minutes} minute{'s' if minutes != 1 else ''}."


@dataclass
class PinGuard:
    """Checks PINs and counts wrong ones in a row; pure (the caller gives the time)."""

    pin: str
    wrong: int = 0
    locked_until: float = 0.0

    def locked(self, now: float) -> bool:
        return now < self.locked_until

    def attempt(self, entered: str, now: float) -> tuple[bool, float]:
        """Whether entered is the PIN, and how long to wait before the next try (0 when right).

        While locked nothing is accepted, the right PIN included, and the wait does not restart.
        """
        if self.locked(now):
            return False, self.locked_until - now
        if hmac.compare_digest(entered.encode("utf-8", "replace"), self.pin.encode("utf-8", "replace")):
            self.wrong = 0
            return True, 0.0
        self.wrong += 1
        pause = pause_after(self.wrong)
        self.locked_until = now + pause
        return False, pause

    @property
    def locked_out(self) -> bool:
        """Whether the last wrong PIN locked the staff exit (not only paused it)."""
        return self.wrong >= LOCKOUT_AFTER
