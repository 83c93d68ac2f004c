"""Read a data or corpus file safely: only a regular file, never more than a set size.

A FIFO or a device (`/dev/urandom`) would otherwise block start-up or be read for ever, and a
huge file would fill memory; each is refused with a DataError that names the file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import DataError

MAX_FILE_BYTES = 8 * 1024 * 1024  # far above any article or data file a clinic keeps


def read_bytes(path: Path | str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes; DataError when it is missing, not a regular file or larger than limit."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise DataError(path, None, "the file does not exist") from None
    except OSError as exc:
        raise DataError(path, None, f"cannot be read ({exc.strerror})") from None
    with os.fdopen(handle, "rb") as stream:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise DataError(path, None, "not a regular file (a pipe, a device or a folder cannot be read as data)")
        if info.st_size > limit:
            raise DataError(path, None, f"the file is too large ({_mib(info.st_size)}; the limit is {_mib(limit)})")
        try:
            data = stream.read(limit + 1)
        except OSError as exc:
            raise DataError(path, None, f"cannot be read ({exc.strerror})") from None
    if len(data) > limit:  # it grew while being read
        raise DataError(path, None, f"the file is too large (over {_mib(limit)})")
    return data


def read_text(path: Path | str, limit: int = MAX_FILE_BYTES) -> str:
    """The file as UTF-8 text; DataError names the line of bytes that are not UTF-8."""
    data = read_bytes(path, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(path, line, "the file is not valid UTF-8") from None


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"
