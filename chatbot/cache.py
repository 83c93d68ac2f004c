"""The index cache: a built engine's state as JSON in the user's cache folder.

Keyed by the content of the corpus, the data files, the package's code, nltk's and Python's versions, so a
change to any of them makes a new key. The file's first line is a SHA-256 digest of the key and
the JSON that follows; a cache that is missing, corrupt, edited or for another key is never
trusted: the engine is built again. JSON, not pickle, so a cache file cannot run code. No text a
patient sees is kept here: passages are cut from the corpus, and the safety text (triage rules
and messages) and small talk read from their data files, at every start.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterable

from .errors import DataError
from .files import read_bytes

FORMAT = 6  # 4: a digest line before the JSON; no text a patient sees (passages, triage, small talk); 5: the English dictionary; 6: each leaflet's vocabulary
APP = "immunotherapy-chatbot"
STALE_SECONDS = 3600  # a temporary cache file this old was left by a writer that was killed
PACKAGE = Path(__file__).resolve().parent


def cache_dir() -> Path:
    """$CHATBOT_CACHE_DIR, else $XDG_CACHE_HOME/immunotherapy-chatbot, else ~/.cache/immunotherapy-chatbot."""
    if os.environ.get("CHATBOT_CACHE_DIR"):
        return Path(os.environ["CHATBOT_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / APP


def _stemmer_version() -> str:
    """The Snowball version PyStemmer stems by: its stems are in the index."""
    try:
        import Stemmer
    except ImportError:
        return "none"
    return Stemmer.version()


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
    digest = hashlib.sha256(f"format {FORMAT}\nnltk {_nltk_version()}\nstemmer {_stemmer_version()}\npython {sys.version_info[:2]}\n".encode())
    for path in sorted(PACKAGE.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for path in list(data_files) + sorted(corpus_files):
        digest.update(str(path.name).encode() + b"\0")
        try:
            digest.update(read_bytes(path))
        except DataError:  # missing, not a regular file or too large: loading will say so
            digest.update(b"<unusable>")
        digest.update(b"\0")
    return digest.hexdigest()


def cache_path(key: str) -> Path:
    return cache_dir() / f"index-{key[:24]}.json"


def _digest(key: str, body: bytes) -> str:
    return hashlib.sha256(key.encode() + b"\n" + body).hexdigest()


def read(key: str) -> dict | None:
    """The cached state for this key, or None when there is none or it cannot be trusted."""
    try:
        with open(cache_path(key), "rb") as handle:
            digest, _, body = handle.read().partition(b"\n")
        if digest.decode("ascii") != _digest(key, body):
            return None  # edited or cut short
        state = json.loads(body)
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(state, dict) or state.get("format") != FORMAT or state.get("key") != key:
        return None
    return state


class WriteError(Exception):
    """The cache could not be written; the message says why."""


def write(key: str, state: dict) -> Path:
    """Write the state atomically and remove caches of other keys; WriteError says why it could not.

    No temporary file is left behind, whatever fails.
    """
    folder = cache_dir()
    target = cache_path(key)
    body = json.dumps({**state, "format": FORMAT, "key": key}, ensure_ascii=False, separators=(",", ":")).encode()
    temporary = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".index-", suffix=".tmp", dir=folder)
        with os.fdopen(handle, "wb") as out:
            os.fchmod(out.fileno(), 0o644)  # built by root for a kiosk user who may read, never write
            out.write(_digest(key, body).encode("ascii") + b"\n" + body)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
        temporary = None
        for old in folder.glob("index-*.json"):
            if old != target:
                old.unlink(missing_ok=True)
        _remove_stale_temporaries(folder)
    except OSError as exc:
        raise WriteError(f"cannot write the index cache in {folder} ({exc.strerror or exc})") from None
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass
    return target


def _remove_stale_temporaries(folder: Path) -> None:
    """Temporary files of a writer that was killed (nothing else can remove them); a writer still
    at work keeps its file fresh, so only old ones go."""
    for stale in folder.glob(".index-*.tmp"):
        try:
            if time.time() - stale.stat().st_mtime > STALE_SECONDS:
                stale.unlink()
        except OSError:
            pass
