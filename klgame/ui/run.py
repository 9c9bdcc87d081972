"""Start the terminal game from parsed command-line arguments.

Everything that can go wrong before the game starts (an unknown level, a
replay file that cannot be written, a refused option in hosted mode) is
raised here as a :class:`KlgameError`, before the screen is taken over, so
the command line prints a message and never a traceback.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

from klgame.core.replay import Replay
from klgame.errors import KlgameError
from klgame.levels.loader import Catalog, load_catalog
from klgame.levels.model import Level
from klgame.ui.world import World


@dataclass
class Collaborators:
    """What the app is given: levels, the store (or why there is none), the player."""

    catalog: Catalog
    player: str
    store: object | None
    store_problem: str | None
    replays_dir: Path | None
    hosted: bool

    def world(self, seed: int | None = None, record_path: Path | None = None) -> World:
        return World(
            self.catalog,
            self.player,
            store=self.store,
            store_problem=self.store_problem,
            seed=seed,
            record_path=record_path,
            replays_dir=self.replays_dir,
        )


def resolve_player(args: argparse.Namespace) -> str:
    """The name scores are saved under. In hosted mode it comes from the host
    (``--player`` in the host's command, or ``KLGAME_PLAYER``), never from a
    path or a prompt here; a host that names nobody gets the login name."""
    from klgame.store.paths import player_name

    if getattr(args, "hosted", False):
        from klgame.hosting.hosted import hosted_player_name

        return hosted_player_name(os.environ, args.player) or player_name(None)
    return player_name(getattr(args, "player", None))


def collaborators(args: argparse.Namespace) -> Collaborators:
    hosted = bool(getattr(args, "hosted", False))
    if hosted:
        from klgame.hosting.hosted import check_hosted_args

        check_hosted_args(args)
    from klgame.store import StoreUnavailable, replays_dir, try_open_store

    catalog = load_catalog(list(getattr(args, "level_dirs", None) or []))
    if not len(catalog):
        raise KlgameError("no levels found; 'klgame levels' shows where they are looked for")
    store, problem = try_open_store()
    replays: Path | None = None
    if store is not None:
        try:
            replays = replays_dir()
        except StoreUnavailable:
            replays = None
    return Collaborators(catalog, resolve_player(args), store, problem, replays, hosted)


def _check_writable(path: Path) -> None:
    """Fail now, with a message, if the replay file cannot be written."""
    try:
        with path.open("w", encoding="utf-8"):
            pass
    except OSError as error:
        raise KlgameError(
            f"cannot write the replay file {path}: {error.strerror or error}"
        ) from None


def _run(app: object, store: object | None) -> int:
    try:
        result = app.run()  # type: ignore[attr-defined]
    finally:
        close = getattr(store, "close", None)
        if close is not None:
            close()
    return int(result or 0)


def run_title(args: argparse.Namespace) -> int:
    """``klgame``: the level list."""
    from klgame.ui.app import KLGame

    parts = collaborators(args)
    return _run(KLGame(parts.world(), hosted=parts.hosted), parts.store)


def run_play(args: argparse.Namespace) -> int:
    """``klgame play LEVEL [--seed N] [--record FILE]``: straight into a level."""
    import random

    from klgame.ui.app import KLGame

    parts = collaborators(args)
    level = parts.catalog.get(args.level)  # an unknown level stops here, with a message
    record = Path(args.record) if getattr(args, "record", None) else None
    if record is not None:
        _check_writable(record)
    seed = args.seed if getattr(args, "seed", None) is not None else random.randrange(2**31)
    world = parts.world(seed=seed, record_path=record)
    return _run(KLGame(world, start_level=level.id, hosted=parts.hosted), parts.store)


def run_watch(args: argparse.Namespace, replay: Replay, level: Level) -> int:
    """``klgame replay FILE --watch``: play the replay on screen, then stay."""
    from klgame.ui.app import KLGame
    from klgame.ui.screens.watch import WatchScreen

    speed = float(getattr(args, "speed", 1.0) or 1.0)
    if speed <= 0:
        raise KlgameError(f"--speed must be > 0, got {speed:g}")
    catalog = load_catalog(list(getattr(args, "level_dirs", None) or []))
    world = World(catalog, player=replay.header.player or "replay")
    return _run(KLGame(world, first_screen=lambda _app: WatchScreen(replay, level, speed)), None)
