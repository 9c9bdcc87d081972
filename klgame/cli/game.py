"""Start the terminal game from parsed command-line arguments.

Everything that can go wrong before the game starts (an unknown level, a
replay file that cannot be written, a refused option in hosted mode) is
raised here as a :class:`KlgameError`, before the screen is taken over, so
the command line prints a message and never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from klgame.cli.levels import load_levels
from klgame.core.replay import Replay
from klgame.errors import KlgameError
from klgame.levels.loader import Catalog, load_catalog
from klgame.levels.model import Level
from klgame.ui.world import World

if TYPE_CHECKING:
    from klgame.hosting.limits import HostedLimits
    from klgame.store.scores import ScoreStore


@dataclass
class Collaborators:
    """What the app is given: levels, the store (or why there is none), the player."""

    catalog: Catalog
    player: str
    store: ScoreStore | None
    store_problem: str | None
    replays_dir: Path | None
    hosted: bool
    remember_player: Callable[[str], object] | None = None  # set: ask the name first
    limits: HostedLimits | None = None  # hosted mode: what is saved per player

    def world(self, seed: int | None = None, record_path: Path | None = None) -> World:
        return World(
            self.catalog,
            self.player,
            store=self.store,
            store_problem=self.store_problem,
            seed=seed,
            record_path=record_path,
            replays_dir=self.replays_dir,
            remember_player=self.remember_player,
            limits=self.limits,
        )


def resolve_player(args: argparse.Namespace) -> tuple[str, Callable[[str], object] | None]:
    """The name scores are saved under, and how to remember the player's answer
    if the game must ask for it (else ``None``).

    Outside hosted mode: ``--player``, else the login name. In hosted mode the
    host names the player (``--player`` in its command, or ``KLGAME_PLAYER``);
    else the name remembered for this SSH key (or login); else the game asks
    once and remembers the answer (browser sessions are asked every time).
    Until then the login name stands in.
    """
    from klgame.store.paths import player_name

    if not getattr(args, "hosted", False):
        return player_name(getattr(args, "player", None)), None
    from klgame.hosting.hosted import (
        hosted_player_name,
        remember_key,
        remember_name,
        remembered_name,
    )
    from klgame.store import StoreUnavailable
    from klgame.store.paths import data_dir

    named = hosted_player_name(os.environ, args.player)
    if named:
        return named, None
    key = remember_key(os.environ)
    try:
        home: Path | None = data_dir()
    except StoreUnavailable:
        home = None  # asked, but not remembered
    if home is not None:
        remembered = remembered_name(home, key)
        if remembered:
            return remembered, None

    def remember(name: str) -> object:
        return remember_name(home, key, name) if home is not None else None

    return player_name(None), remember


def collaborators(args: argparse.Namespace) -> Collaborators:
    hosted = bool(getattr(args, "hosted", False))
    if hosted:
        from klgame.hosting.hosted import check_hosted_args

        check_hosted_args(args)
    from klgame.store import StoreUnavailable, replays_dir, try_open_store

    catalog = load_levels(args)
    if not len(catalog):
        raise KlgameError("no levels found; 'klgame levels' shows where they are looked for")
    store, problem = try_open_store()
    replays: Path | None = None
    if store is not None:
        try:
            replays = replays_dir()
        except StoreUnavailable:
            replays = None
    player, remember = resolve_player(args)
    limits = None
    if hosted and store is not None:
        from klgame.hosting.limits import HostedLimits

        limits = HostedLimits.from_env(store, replays, os.environ)
    return Collaborators(catalog, player, store, problem, replays, hosted, remember, limits)


def _check_writable(path: Path) -> None:
    """Fail now, with a message, if the replay file cannot be written."""
    try:
        with path.open("w", encoding="utf-8"):
            pass
    except OSError as error:
        raise KlgameError(
            f"cannot write the replay file {path}: {error.strerror or error}"
        ) from None


def check_terminal() -> None:
    """Refuse to start without a terminal to read keys from.

    With its standard input at end of file (``ssh -T host``, ``klgame <
    /dev/null``) Textual's input thread would spin, and with no terminal there
    is no hangup to end the game when the client goes away. A browser session
    (``klgame serve``) brings its own driver and is let through.
    """
    if os.environ.get("TEXTUAL_DRIVER"):
        return
    stdin = sys.__stdin__
    if stdin is None or not stdin.isatty():
        raise KlgameError("the game needs a terminal (over SSH: connect with ssh -t)")


#: The exit status of a game ended by an unexpected error (as the command
#: line's "internal error": EX_SOFTWARE).
CRASH_EXIT = 70


def _run(app: object, store: object | None) -> int:
    try:
        check_terminal()
        result = app.run()  # type: ignore[attr-defined]
    finally:
        close = getattr(store, "close", None)
        if close is not None:
            close()
    report = getattr(app, "crash_report", None)
    if report is not None:
        print(f"klgame: {crash_line(report)}", file=sys.stderr)
        return CRASH_EXIT
    return int(result or 0)


def crash_line(report: str) -> str:
    """Write ``report`` to a new crash log in the data directory; the one line
    that tells the player where it is (or that it could not be written)."""
    import time

    from klgame.store.paths import data_dir

    stamp = time.strftime("%Y%m%d-%H%M%S")
    try:
        directory = data_dir()
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = directory / f"crash-{stamp}-{os.getpid()}.log"
        with path.open("x", encoding="utf-8") as log:
            log.write(report)
    except (OSError, KlgameError) as error:
        return f"the game stopped on an unexpected error (no crash log: {error})"
    return f"the game stopped on an unexpected error; the details are in {path}"


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
