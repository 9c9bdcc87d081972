"""Fixtures for the terminal game: a private data directory, the built-in
levels, and apps built directly with a real score store and a fixed seed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ui_helpers import PLAYER, SEED, MakeApp, StoppedClock

from klgame.levels.loader import Catalog, load_catalog
from klgame.ui.app import KLGame
from klgame.ui.world import World


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty ``KLGAME_HOME``."""
    path = tmp_path / "klgame-home"
    monkeypatch.setenv("KLGAME_HOME", str(path))
    monkeypatch.delenv("KLGAME_LEVELS", raising=False)
    return path


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def make_app(home: Path, catalog: Catalog) -> Iterator[MakeApp]:
    """Build the app as ``klgame`` does, with a real SQLite store in ``home``."""
    from klgame.store import replays_dir, try_open_store

    stores: list[Any] = []

    def make(**overrides: Any) -> KLGame:
        store, problem = try_open_store()
        stores.append(store)
        options: dict[str, Any] = {
            "player": PLAYER,
            "store": store,
            "store_problem": problem,
            "seed": SEED,
            "replays_dir": replays_dir() if store is not None else None,
            "clock": StoppedClock(),
        }
        app_options = {
            name: overrides.pop(name)
            for name in ("start_level", "first_screen", "hosted", "keymap")
            if name in overrides
        }
        options.update(overrides)
        return KLGame(World(catalog, **options), **app_options)

    yield make
    for store in stores:
        if store is not None:
            store.close()
