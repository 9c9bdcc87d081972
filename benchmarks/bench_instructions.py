"""Instructions per key press, counted by callgrind: a figure the machine's load does not move.

CPU time on a shared machine moves by 10–30 % from run to run, more than
most single changes to the key path. Valgrind's callgrind counts the
instructions a process executes instead, which repeats to within a few per
cent. Each command runs headless (Textual's Pilot, 120×40) twice under
callgrind, once with no press and once with ``--presses`` (right and left
arrows, four at a time, each followed by a pause for its frame); the
difference, divided by the number of presses, is what one press costs.
The floor is ``benchmarks/bare_app.py`` (a heading, one number, a footer),
as for ``bench_tui.py --against``; the Pilot's own work is in both.

Pilot's work is not small: after every press and every pause it queues a
callback on every widget of the screen and waits for each to run, so a
screen of 33 widgets pays for it about four times what the floor's 8 do.
``--keys terminal`` sends the keys instead as a terminal's input does
(``Key`` events to the driver, a pause after each until every widget's
queue and the screen's updates are done, the idle loop waking only for
that), so the counts are the app's own work; the ratio is then further
from 1 than with Pilot's.

    python benchmarks/bench_instructions.py                    # gaussian against the floor
    python benchmarks/bench_instructions.py --level finale --presses 40
    python benchmarks/bench_instructions.py --pythonpath /tmp/old   # an older package too
    python benchmarks/bench_instructions.py --keys terminal       # without Pilot's waits

Needs ``valgrind`` on the PATH. A run takes a few minutes (callgrind is
about 50 times slower than the program alone).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLLECTED = re.compile(r"Collected : (\d+)")


def _app(kind: str) -> object:
    if kind == "bare":
        sys.path.insert(0, str(HERE))
        from bare_app import Bare

        return Bare()
    from klgame.levels.loader import load_catalog
    from klgame.ui.app import KLGame
    from klgame.ui.world import World

    return KLGame(World(load_catalog(), player="bench", seed=1), start_level=kind)


def child(kind: str, presses: int, keys: str = "pilot") -> None:
    """Start ``kind`` (``bare`` or a level id) headless and press the arrows."""
    from textual import events

    app = _app(kind)

    def busy() -> bool:
        screen = app.screen  # type: ignore[attr-defined]
        pumps = [app, *screen.walk_children(with_self=True)]
        return bool(screen._dirty_widgets) or any(not p._message_queue.empty() for p in pumps)

    async def run() -> None:
        async with app.run_test(size=(120, 40)) as pilot:  # type: ignore[attr-defined]
            await pilot.pause()
            await pilot.pause(0.3)  # what start-up left to do after the first frame
            if keys != "pilot":
                await asyncio.sleep(0.5)  # as quiet as the runs with presses start
            for index in range(presses):
                key = "right" if (index // 4) % 2 == 0 else "left"
                if keys == "pilot":
                    await pilot.press(key)
                    await pilot.pause()
                    continue
                event = events.Key(key, None)
                event.set_sender(app)
                app._driver.send_message(event)  # type: ignore[attr-defined]
                await asyncio.sleep(0.25)
                while busy():  # each press drawn before the next, as at a terminal
                    await asyncio.sleep(0.05)

    asyncio.run(run())


def count(kind: str, presses: int, pythonpath: str | None, keys: str = "pilot") -> int:
    """Instructions callgrind counts for one run of :func:`child`."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    env.pop("PYTHONPATH", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    with tempfile.TemporaryDirectory() as home:
        env["KLGAME_HOME"] = home
        result = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--callgrind-out-file=/dev/null",
                sys.executable,
                "-P",
                str(Path(__file__).resolve()),
                "--child",
                kind,
                str(presses),
                keys,
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    found = COLLECTED.search(result.stderr)
    if result.returncode != 0 or found is None:
        raise SystemExit(f"{kind}: callgrind run failed:\n{result.stderr[-2000:]}")
    return int(found.group(1))


def per_press(kind: str, presses: int, pythonpath: str | None = None, keys: str = "pilot") -> float:
    return (count(kind, presses, pythonpath, keys) - count(kind, 0, pythonpath, keys)) / presses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--level", default="gaussian")
    parser.add_argument("--presses", type=int, default=40)
    parser.add_argument("--pythonpath", help="also count the klgame package found here")
    parser.add_argument(
        "--keys",
        choices=("pilot", "terminal"),
        default="pilot",
        help="press with Textual's Pilot (the default) or send keys as a terminal does",
    )
    parser.add_argument("--child", nargs="+", metavar="ARG", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], int(args.child[1]), *args.child[2:])
        return 0
    floor = per_press("bare", args.presses, keys=args.keys)
    print(f"bare app        {floor / 1e6:7.2f} M instructions per press")
    runs = [("this checkout", None)]
    if args.pythonpath:
        runs.insert(0, (args.pythonpath, args.pythonpath))
    for name, path in runs:
        game = per_press(args.level, args.presses, path, args.keys)
        ratio = game / floor
        print(f"{args.level} ({name})  {game / 1e6:7.2f} M per press, {ratio:.2f}× the floor")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
