"""The ``klgame`` command line.

Each sub-command is a small function that imports what it needs lazily, so
``klgame --help`` and the headless commands never pay for Textual.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext

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


def _lazy(target: str, *, starts_game: bool = False) -> Handler:
    """The handler that runs ``target`` (``"module:function"``), imported only
    when its command runs; a game starts with the collector paused."""
    module_name, _, function_name = target.partition(":")

    def handler(args: argparse.Namespace) -> int:
        with _collector_paused() if starts_game else nullcontext():
            run: Handler = getattr(importlib.import_module(module_name), function_name)
            return run(args)

    return handler


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
        help=(
            "hosted mode for shared servers: no paths from the player; the name is --player "
            "or KLGAME_PLAYER, else asked once and remembered per SSH key"
        ),
    )
    parser.add_argument(
        "--class",
        dest="class_code",
        metavar="CODE",
        help="play in the class CODE: its shared targets and leaderboard (also KLGAME_CLASS)",
    )
    parser.add_argument(
        "--daily",
        nargs="?",
        const="today",
        metavar="DATE",
        help="play the daily challenge: today's (UTC), or DATE's (YYYY-MM-DD)",
    )
    parser.set_defaults(
        command="title", handler=_lazy("klgame.cli.game:run_title", starts_game=True)
    )
    # --levels also after the command (klgame solve ID --levels DIR): SUPPRESS
    # keeps a command's parser from resetting what came before it
    levels_option = argparse.ArgumentParser(add_help=False)
    levels_option.add_argument(
        "--levels",
        dest="level_dirs",
        metavar="DIR",
        action="append",
        default=argparse.SUPPRESS,
        help="also load levels from DIR (repeatable; also before the command)",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    also = [levels_option]

    play = commands.add_parser("play", parents=also, help="play one level")
    play.add_argument("level", metavar="LEVEL", help="level id (see 'klgame levels')")
    play.add_argument("--seed", type=int, help="seed for the hidden target (default: random)")
    play.add_argument("--record", metavar="FILE", help="also record the attempt to FILE")
    play.set_defaults(command="play", handler=_lazy("klgame.cli.game:run_play", starts_game=True))

    levels = commands.add_parser(
        "levels", parents=also, help="list the levels and your best results"
    )
    levels.set_defaults(command="levels", handler=_lazy("klgame.cli.levels:cmd_levels"))

    validate = commands.add_parser(
        "validate", parents=also, help="check level files; exit 1 on any error"
    )
    validate.add_argument("paths", nargs="+", metavar="PATH", help="level files or directories")
    validate.set_defaults(command="validate", handler=_lazy("klgame.cli.levels:cmd_validate"))

    solve = commands.add_parser(
        "solve", parents=also, help="show a level's target and its best achievable fit"
    )
    solve.add_argument("level", metavar="LEVEL", help="level id or path to a level file")
    solve.add_argument("--seed", type=int, default=0, help="seed for the hidden target")
    solve.add_argument("--json", action="store_true", help="print JSON")
    solve.add_argument(
        "--landscape",
        nargs="?",
        const="",
        default=None,
        metavar="P1,P2",
        help="also the divergence over two parameters (default: the first two free ones)",
    )
    solve.set_defaults(command="solve", handler=_lazy("klgame.cli.levels:cmd_solve"))

    replay = commands.add_parser("replay", parents=also, help="replay a recorded attempt")
    replay.add_argument("file", metavar="FILE", help="replay file (.jsonl)")
    replay.add_argument("--json", action="store_true", help="print the result as JSON")
    replay.add_argument("--watch", action="store_true", help="play it back on screen")
    replay.add_argument("--speed", type=float, default=1.0, help="playback speed for --watch")
    replay.add_argument(
        "--force", action="store_true", help="replay even if the level changed since recording"
    )
    replay.set_defaults(command="replay", handler=_lazy("klgame.cli.replay:cmd_replay"))

    scores = commands.add_parser("scores", parents=also, help="best saved results")
    scores.add_argument("level", nargs="?", metavar="LEVEL", help="only this level")
    scores_format = scores.add_mutually_exclusive_group()
    scores_format.add_argument(
        "--csv",
        action="store_true",
        help="every player's best at every level, per class/day board, as CSV",
    )
    scores_format.add_argument("--json", action="store_true", help="print JSON (∞ as null)")
    scores.set_defaults(command="scores", handler=_lazy("klgame.cli.scores:cmd_scores"))

    klass = commands.add_parser("class", help="open, list and close classes; a class's report")
    klass_actions = klass.add_subparsers(title="actions", metavar="ACTION", required=True)
    klass_open = klass_actions.add_parser("open", help="open a class; prints its code")
    klass_open.add_argument("--title", help="a title players and the report show")
    klass_open.add_argument("--code", help="the code to use (default: a random one)")
    klass_open.set_defaults(class_action="open")
    klass_actions.add_parser("list", help="the classes and how many joined").set_defaults(
        class_action="list"
    )
    klass_close = klass_actions.add_parser("close", help="close a class: no one joins any more")
    klass_close.add_argument("code", metavar="CODE")
    klass_close.set_defaults(class_action="close")
    klass_report = klass_actions.add_parser("report", help="who played what, answers, optima")
    klass_report.add_argument("code", metavar="CODE")
    report_format = klass_report.add_mutually_exclusive_group()
    report_format.add_argument("--csv", action="store_true", help="one line per player and level")
    report_format.add_argument("--json", action="store_true", help="everything, as JSON")
    klass_report.set_defaults(class_action="report")
    klass.set_defaults(command="class", handler=_lazy("klgame.cli.classes:cmd_class"))

    serve = commands.add_parser("serve", parents=also, help="serve the game to web browsers")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument(
        "--max-sessions",
        type=int,
        metavar="N",
        help="most games at once; later visitors are told the server is full (default: 10)",
    )
    serve.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="URL",
        help="also accept games from pages at URL, e.g. a reverse proxy's "
        "https://klgame.example.org (repeatable; the first is the address pages link to)",
    )
    serve.set_defaults(command="serve", handler=_lazy("klgame.cli.serve:cmd_serve"))
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
