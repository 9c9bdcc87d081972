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
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from klgame.cli.levels import load_levels
from klgame.core.boards import Board, class_board, daily_board, normalize_code, today_utc
from klgame.core.replay import Replay
from klgame.errors import KlgameError
from klgame.files import private_dir
from klgame.levels.loader import Catalog, load_catalog
from klgame.levels.model import Level
from klgame.ui.world import World

if TYPE_CHECKING:
    from klgame.hosting.limits import HostedLimits
    from klgame.store.sql import SqlStore
    from klgame.ui.keymap import Keymap


@dataclass
class Collaborators:
    """What the app is given: levels, the store (or why there is none), the player."""

    catalog: Catalog
    player: str
    store: SqlStore | None
    store_problem: str | None
    replays_dir: Path | None
    hosted: bool
    # Set: ask the name first; called with the answer, it says why that name
    # may not be the player's, or holds and remembers it (None).
    remember_player: Callable[[str], str | None] | None = None
    board: Board | None = None  # a class or the daily challenge
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
            board=self.board if seed is None else None,
            limits=self.limits,
        )


def resolve_player(
    args: argparse.Namespace,
) -> tuple[str, Callable[[str], str | None] | None]:
    """The name scores are saved under, and how to remember the player's answer
    if the game must ask for it (else ``None``).

    Outside hosted mode: ``--player``, else the login name. In hosted mode the
    host names the player (``--player`` in its command, or ``KLGAME_PLAYER``);
    else the name remembered for this SSH key (or login); else the game asks
    once and remembers the answer (browser sessions are asked every time).
    A name held by another player, or one that looks like it, is refused
    (:mod:`klgame.hosting.names`). Until then the login name stands in.
    """
    from klgame.store.paths import player_name

    if not getattr(args, "hosted", False):
        return player_name(getattr(args, "player", None)), None
    from klgame.hosting.hosted import hosted_player_name, remember_key
    from klgame.hosting.names import choose_name, give_name, still_held
    from klgame.store import StoreUnavailable
    from klgame.store.paths import data_dir

    named = hosted_player_name(os.environ, args.player)
    key = remember_key(os.environ)
    try:
        home: Path | None = data_dir()
    except StoreUnavailable:
        home = None  # asked, but not remembered
    if named:
        if home is not None:
            give_name(home, key, named)  # the host's word: nobody else may choose it
        return named, None
    if home is not None:
        remembered = still_held(home, key)
        if remembered:
            return remembered, None

    def remember(name: str) -> str | None:
        """Hold and remember the answer; or say why it may not be this player's."""
        return choose_name(home, key, name)

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
    board = resolve_board(args, store, problem, player)
    limits = None
    if hosted and store is not None:
        from klgame.hosting.limits import HostedLimits

        limits = HostedLimits.from_env(store, replays, os.environ)
    return Collaborators(
        catalog, player, store, problem, replays, hosted, remember, board=board, limits=limits
    )


#: Environment variable naming the class to play in (a host's SSH recipe may set it).
CLASS_ENV = "KLGAME_CLASS"


def resolve_board(
    args: argparse.Namespace,
    store: SqlStore | None,
    problem: str | None,
    player: str,
    today: Callable[[], date] = today_utc,
) -> Board | None:
    """The class (``--class`` or ``KLGAME_CLASS``) or daily challenge
    (``--daily [DATE]``) to play, if any; a class is joined in the store.

    Raises :class:`KlgameError` for an unknown or closed class, a class
    without a store to find it in, a date that is not one, or both at once.
    """
    code_text = getattr(args, "class_code", None) or os.environ.get(CLASS_ENV, "")
    daily = getattr(args, "daily", None)
    if code_text and daily:
        raise KlgameError("--class and --daily cannot be combined")
    if daily:
        if daily == "today":
            return daily_board(today())
        try:
            return daily_board(date.fromisoformat(daily))
        except ValueError:
            raise KlgameError(f"--daily takes a date as YYYY-MM-DD, got {daily!r}") from None
    if not code_text:
        return None
    return join_class(code_text, store, problem, player)


def join_class(code_text: str, store: SqlStore | None, problem: str | None, player: str) -> Board:
    """Join the class written ``code_text``; its board. :class:`KlgameError` if not possible."""
    from klgame.text import sanitize

    code = normalize_code(code_text)
    shown = sanitize(code_text, max_len=20)
    if not code:
        raise KlgameError(f"{shown!r} is not a class code (5 letters and digits, e.g. K7QMX)")
    if store is None:
        raise KlgameError(f"cannot join class {code}: {problem or 'no score store'}")
    info = store.get_class(code)
    if info is None:
        raise KlgameError(f"there is no class {code} (ask your teacher for the code)")
    if not info.is_open:
        raise KlgameError(f"class {code} is closed")
    store.join_class(code, player)
    return class_board(code, info.seed, info.title)


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
        private_dir(directory)
        path = directory / f"crash-{stamp}-{os.getpid()}.log"
        with path.open("x", encoding="utf-8") as log:
            log.write(report)
    except (OSError, KlgameError) as error:
        return f"the game stopped on an unexpected error (no crash log: {error})"
    return f"the game stopped on an unexpected error; the details are in {path}"


def _keymap(hosted: bool) -> Keymap | None:
    """The player's keys from the config directory (not on a shared host)."""
    from klgame.ui.keymap import read_keymap

    return None if hosted else read_keymap()


def run_title(args: argparse.Namespace) -> int:
    """``klgame``: the level list."""
    from klgame.ui.app import KLGame

    parts = collaborators(args)
    keymap = _keymap(parts.hosted)
    return _run(KLGame(parts.world(), hosted=parts.hosted, keymap=keymap), parts.store)


def run_play(args: argparse.Namespace) -> int:
    """``klgame play LEVEL [--seed N] [--record FILE]``: straight into a level."""
    import random

    from klgame.ui.app import KLGame

    parts = collaborators(args)
    level = parts.catalog.get(args.level)  # an unknown level stops here, with a message
    record = Path(args.record) if getattr(args, "record", None) else None
    if record is not None:
        _check_writable(record)
    explicit = getattr(args, "seed", None)
    if explicit is not None and parts.board is not None:
        raise KlgameError("--seed cannot be combined with --class or --daily (they set the seeds)")
    if parts.board is not None:
        world = parts.world(record_path=record)
    else:
        seed = explicit if explicit is not None else random.randrange(2**31)
        world = parts.world(seed=seed, record_path=record)
    app = KLGame(world, start_level=level.id, hosted=parts.hosted, keymap=_keymap(parts.hosted))
    return _run(app, parts.store)


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
