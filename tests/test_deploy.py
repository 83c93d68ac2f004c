"""Issue 15, item 4: the kiosk's systemd units are sandboxed, take the PIN as a credential, trust
only a cache root built, and show an out-of-order notice instead of a blank screen."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from chatbot import cache

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
KIOSK_UNIT = DEPLOY / "immunotherapy-kiosk.service"
UNITS = sorted(DEPLOY.glob("*.service"))


def settings(path: Path) -> dict[str, list[str]]:
    """Each key of a unit file with all its values, in order (keys may repeat)."""
    found: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_each_unit_is_rated_safe_by_systemd_analyze(unit):
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is needed for this check: apt-get install systemd"
    result = subprocess.run([analyze, "security", "--offline=yes", str(unit)], capture_output=True, text=True,
                            timeout=60)
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d)", result.stdout + result.stderr)
    assert found, result.stdout + result.stderr
    assert float(found.group(1)) <= 2.0, result.stdout


def test_the_pin_is_a_credential_and_in_no_environment():
    unit = settings(KIOSK_UNIT)
    assert unit["LoadCredential"] == ["kiosk-pin:/etc/immunotherapy-kiosk/pin"]
    assert "EnvironmentFile" not in unit
    assert "KIOSK_STAFF_PIN" not in KIOSK_UNIT.read_text(encoding="utf-8")


def test_the_cache_is_built_by_root_where_the_kiosk_cannot_write():
    unit = settings(KIOSK_UNIT)
    assert "CacheDirectory" not in unit, "systemd would give the kiosk user the cache folder"
    assert any("CHATBOT_CACHE_DIR=/var/cache/immunotherapy-chatbot" in value for value in unit["Environment"])
    builds = [value for value in unit["ExecStartPre"] if "--build-index" in value]
    assert builds and all(value.startswith("+") for value in builds)
    assert unit["ProtectSystem"] == ["strict"] and unit["DynamicUser"] == ["yes"]
    assert "--kiosk" in unit["ExecStart"][0]


def test_a_cache_file_is_readable_by_the_kiosk_but_writable_only_by_its_builder(tmp_path, monkeypatch):
    monkeypatch.setenv("CHATBOT_CACHE_DIR", str(tmp_path))
    mode = stat.S_IMODE(cache.write("k" * 64, {"passages": []}).stat().st_mode)
    assert mode == 0o644


def test_a_failure_shows_an_out_of_order_notice_not_a_blank_screen():
    unit = settings(KIOSK_UNIT)
    (notice,) = unit["OnFailure"]
    notice_unit = DEPLOY / notice
    assert notice_unit.exists()
    assert settings(notice_unit)["TTYPath"] == ["/dev/tty1"]
    assert "out of order" in (DEPLOY / "out-of-order.txt").read_text(encoding="utf-8")
    assert unit["RestartPreventExitStatus"] == ["2"], "a broken data file must not loop to the start limit"


def test_the_readme_says_how_to_mask_ctrl_alt_del_and_spare_consoles():
    readme = (DEPLOY.parent / "README.md").read_text(encoding="utf-8")
    assert "systemctl mask ctrl-alt-del.target" in readme
    assert "NAutoVTs=" in readme and "ReserveVT=" in readme
