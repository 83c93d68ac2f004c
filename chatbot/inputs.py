"""Bounded reads of what a user pipes in: batch lines and `--ask -`.

One 400 MB line must not cost gigabytes: a line is read up to MAX_LINE_BYTES (1 MiB) and the rest of it
is skipped unread into memory. The engine answers from a question's start anyway (its first
1,000 characters; triage reads 4,000), so nothing it would use is lost.
"""

from __future__ import annotations

from typing import BinaryIO, Iterator

MAX_LINE_BYTES = 1024 * 1024  # the question field echoes up to this much of a line


def bounded_lines(stream: BinaryIO, limit: int = MAX_LINE_BYTES) -> Iterator[str]:
    """Each line of a byte stream as text ('\\n' ends a line, a final '\\r' is dropped), at most
    limit bytes of it; bytes that are not UTF-8 become replacement characters."""
    while True:
        raw = stream.readline(limit)
        if not raw:
            return
        if not raw.endswith(b"\n") and len(raw) >= limit:
            _skip_rest_of_line(stream, limit)
            raw = _whole_characters(raw)
        yield raw.rstrip(b"\n").rstrip(b"\r").decode("utf-8", errors="replace")


def read_question(stream: BinaryIO, limit: int = MAX_LINE_BYTES) -> str:
    """`--ask -`: the question on standard input (at most limit bytes), without its final newline."""
    raw = stream.read(limit)
    if len(raw) >= limit:
        raw = _whole_characters(raw)
    return raw.decode("utf-8", errors="replace").rstrip("\n").rstrip("\r")


def _skip_rest_of_line(stream: BinaryIO, chunk: int) -> None:
    while True:
        rest = stream.readline(chunk)
        if not rest or rest.endswith(b"\n"):
            return


def _whole_characters(raw: bytes) -> bytes:
    """Drop a UTF-8 character cut in two at the end of a shortened line."""
    start = len(raw) - 1
    while start >= 0 and len(raw) - start <= 4 and raw[start] & 0xC0 == 0x80:
        start -= 1  # back over continuation bytes to the character's first byte
    if start < 0 or raw[start] < 0xC0:
        return raw  # ASCII last, or not UTF-8: leave it to the decoder
    needed = 4 if raw[start] >= 0xF0 else 3 if raw[start] >= 0xE0 else 2
    return raw if len(raw) - start >= needed else raw[:start]
