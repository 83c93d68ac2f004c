"""Fixtures shared by the tests that run the real entry point."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="module")
def cache_env(tmp_path_factory) -> dict[str, str]:
    """The caller's environment, with the index cache kept out of the real home folder."""
    values = dict(os.environ)
    values["CHATBOT_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    values.pop("COLUMNS", None)
    return values
