"""Fixtures for the level tests: a clean environment for every test."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user level directories from the environment; scores in a private home."""
    monkeypatch.delenv("KLGAME_LEVELS", raising=False)
    monkeypatch.setenv("KLGAME_HOME", str(tmp_path / "klgame-home"))
