"""The ``klgame`` command line.

Each sub-command is a small function that imports what it needs lazily, so
``klgame --help`` and the headless commands never pay for Textual.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from klgame import __version__
from klgame.errors import KlgameError

Handler = Callable[[argparse.Namespace], int]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while the game starts.

    Start-up makes some 70,000 objects that live as long as the game (modules,
    classes, styles) and little garbage, yet the collector would walk them all
    several times: about 25 ms of the first frame. After its first frame the
    app collects once, freezes what is left out of later collections and
    turns the collector back on (``KLGame._started``); if the game never got
    that far, this does.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _cmd_title(args: argparse.Namespace) -> int:
    with _collector_paused():
        from klgame.ui.run import run_title

        return run_title(args)


def _cmd_play(args: argparse.Namespace) -> int:
    with _collector_paused():
        from klgame.ui.run import run_play

        return run_play(args)


def _cmd_levels(args: argparse.Namespace) -> int:
    from klgame.levels.commands import cmd_levels

    return cmd_levels(args)


def _cmd_validate(args: argparse.Namespace) -> int:
    from klgame.levels.commands import cmd_validate

    return cmd_validate(args)


def _cmd_solve(args: argparse.Namespace) -> int:
    from klgame.levels.commands import cmd_solve

    return cmd_solve(args)


def _cmd_replay(args: argparse.Namespace) -> int:
    from klgame.core.commands import cmd_replay

    return cmd_replay(args)


def _cmd_scores(args: argparse.Namespace) -> int:
    from klgame.store.commands import cmd_scores

    return cmd_scores(args)


def _cmd_serve(args: argparse.Namespace) -> int:
    from klgame.hosting.serve import cmd_serve

    return cmd_serve(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="klgame",
        description="Match a hidden distribution by feel, guided by the KL divergence.",
        epilog="With no command, klgame opens the title screen.",
    )
    parser.add_argument("--version", action="version", version=f"klgame {__version__}")
    parser.add_argument(
        "--levels",
        dest="level_dirs",
        metavar="DIR",
        action="append",
        default=[],
        help="also load levels from DIR (repeatable; also KLGAME_LEVELS, ':'-separated)",
    )
    parser.add_argument(
        "--player", metavar="NAME", help="player name for saved scores (default: login name)"
    )
    parser.add_argument(
        "--hosted",
        action="store_true",
        help="hosted mode for shared servers: no paths from the player, name from the SSH login",
    )
    parser.set_defaults(handler=_cmd_title)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    play = commands.add_parser("play", help="play one level")
    play.add_argument("level", metavar="LEVEL", help="level id (see 'klgame levels')")
    play.add_argument("--seed", type=int, help="seed for the hidden target (default: random)")
    play.add_argument("--record", metavar="FILE", help="also record the attempt to FILE")
    play.set_defaults(handler=_cmd_play)

    levels = commands.add_parser("levels", help="list the levels and your best results")
    levels.set_defaults(handler=_cmd_levels)

    validate = commands.add_parser("validate", help="check level files; exit 1 on any error")
    validate.add_argument("paths", nargs="+", metavar="PATH", help="level files or directories")
    validate.set_defaults(handler=_cmd_validate)

    solve = commands.add_parser("solve", help="show a level's target and its best achievable fit")
    solve.add_argument("level", metavar="LEVEL", help="level id or path to a level file")
    solve.add_argument("--seed", type=int, default=0, help="seed for the hidden target")
    solve.add_argument("--json", action="store_true", help="print JSON")
    solve.set_defaults(handler=_cmd_solve)

    replay = commands.add_parser("replay", help="replay a recorded attempt")
    replay.add_argument("file", metavar="FILE", help="replay file (.jsonl)")
    replay.add_argument("--json", action="store_true", help="print the result as JSON")
    replay.add_argument("--watch", action="store_true", help="play it back on screen")
    replay.add_argument("--speed", type=float, default=1.0, help="playback speed for --watch")
    replay.add_argument(
        "--force", action="store_true", help="replay even if the level changed since recording"
    )
    replay.set_defaults(handler=_cmd_replay)

    scores = commands.add_parser("scores", help="best saved results")
    scores.add_argument("level", nargs="?", metavar="LEVEL", help="only this level")
    scores.set_defaults(handler=_cmd_scores)

    serve = commands.add_parser("serve", help="serve the game to web browsers")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.set_defaults(handler=_cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        if args.hosted:
            from klgame.hosting.hosted import check_hosted_args

            check_hosted_args(args)  # no paths from a player on a shared host
        return handler(args)
    except KlgameError as error:
        print(f"klgame: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (klgame scores | head): not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:
        if os.environ.get("KLGAME_DEBUG"):
            raise
        print(
            f"klgame: internal error: {type(error).__name__}: {error}\n"
            "Nothing you did caused this; run again with KLGAME_DEBUG=1 for the details.",
            file=sys.stderr,
        )
        return 70
