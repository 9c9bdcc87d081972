"""Fixtures for the score store tests: a private data directory and attempts."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import klgame
from klgame.store import Attempt

#: The directory holding the ``klgame`` package, for child processes.
SOURCE_ROOT = str(Path(klgame.__file__).resolve().parent.parent)

MakeAttempt = Callable[..., Attempt]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh ``KLGAME_HOME`` (not yet created)."""
    path = tmp_path / "klgame-home"
    monkeypatch.setenv("KLGAME_HOME", str(path))
    return path


@pytest.fixture
def child_env(home: Path) -> dict[str, str]:
    """Environment for child processes: the same ``KLGAME_HOME`` and sources."""
    env = dict(os.environ)
    env["KLGAME_HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [SOURCE_ROOT, env.get("PYTHONPATH")]))
    return env


@pytest.fixture
def make_attempt() -> MakeAttempt:
    def make(**overrides: Any) -> Attempt:
        values: dict[str, Any] = {
            "player": "ada",
            "level_id": "gauss-1",
            "level_hash": "sha256:0123",
            "seed": 7,
            "divergence": 0.25,
            "best": 0.05,
            "excess": 0.2,
            "stars": 2,
            "points": 500,
            "moves": 12,
            "hints": 1,
            "seconds": 42.5,
            "finished_at": "2024-05-01T12:00:00.000+00:00",
        }
        values.update(overrides)
        return Attempt(**values)

    return make
