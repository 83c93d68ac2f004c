"""The index cache: a built engine's state as JSON in the user's cache folder.

Keyed by the content of the corpus, the data files, the package's code, nltk's and Python's versions, so a
change to any of them makes a new key. A cache that is missing, corrupt or for another key is
never trusted: the engine is built again. JSON, not pickle, so a cache file cannot run code.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Iterable

FORMAT = 2  # 2: postings as base64 blocks, triage patterns with their required text
APP = "immunotherapy-chatbot"
PACKAGE = Path(__file__).resolve().parent


def cache_dir() -> Path:
    """$CHATBOT_CACHE_DIR, else $XDG_CACHE_HOME/immunotherapy-chatbot, else ~/.cache/immunotherapy-chatbot."""
    if os.environ.get("CHATBOT_CACHE_DIR"):
        return Path(os.environ["CHATBOT_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / APP


def _nltk_version() -> str:
    spec = importlib.util.find_spec("nltk")
    if spec is None or not spec.submodule_search_locations:
        return "none"
    try:
        return (Path(list(spec.submodule_search_locations)[0]) / "VERSION").read_text().strip()
    except OSError:
        return "unknown"


def cache_key(data_files: Iterable[Path], corpus_files: Iterable[Path]) -> str:
    """A digest of everything a built engine depends on."""
    digest = hashlib.sha256(f"format {FORMAT}\nnltk {_nltk_version()}\npython {sys.version_info[:2]}\n".encode())
    for path in sorted(PACKAGE.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for path in list(data_files) + sorted(corpus_files):
        digest.update(str(path.name).encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<missing>")
        digest.update(b"\0")
    return digest.hexdigest()


def cache_path(key: str) -> Path:
    return cache_dir() / f"index-{key[:24]}.json"


def read(key: str) -> dict | None:
    """The cached state for this key, or None when there is none or it cannot be trusted."""
    path = cache_path(key)
    try:
        with open(path, encoding="utf-8") as handle:
            state = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or state.get("format") != FORMAT or state.get("key") != key:
        return None
    return state


def write(key: str, state: dict) -> Path | None:
    """Write the state atomically and remove caches of other keys; None if the folder is not writable."""
    folder = cache_dir()
    target = cache_path(key)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".index-", suffix=".tmp", dir=folder)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({**state, "format": FORMAT, "key": key}, out, ensure_ascii=False, separators=(",", ":"))
        os.replace(temporary, target)
        for old in folder.glob("index-*.json"):
            if old != target:
                old.unlink(missing_ok=True)
    except OSError:
        return None
    return target
