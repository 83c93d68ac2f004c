"""The one error type for broken data files: it names the file, the line and what is wrong."""

from __future__ import annotations


class DataError(Exception):
    """A data file (corpus, lexicon, triage rules, FAQ) cannot be used as it is."""

    def __init__(self, path: object, line: int | None, problem: str) -> None:
        self.path = str(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}, line {line}" if line else self.path
        super().__init__(f"{where}: {problem}")
