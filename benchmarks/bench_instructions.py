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

    python benchmarks/bench_instructions.py                    # gaussian against the floor
    python benchmarks/bench_instructions.py --level finale --presses 40
    python benchmarks/bench_instructions.py --pythonpath /tmp/old   # an older package too

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


def child(kind: str, presses: int) -> None:
    """Start ``kind`` (``bare`` or a level id) headless and press the arrows."""
    app = _app(kind)

    async def run() -> None:
        async with app.run_test(size=(120, 40)) as pilot:  # type: ignore[attr-defined]
            await pilot.pause()
            await pilot.pause(0.3)  # what start-up left to do after the first frame
            for index in range(presses):
                await pilot.press("right" if (index // 4) % 2 == 0 else "left")
                await pilot.pause()

    asyncio.run(run())


def count(kind: str, presses: int, pythonpath: str | None) -> int:
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


def per_press(kind: str, presses: int, pythonpath: str | None = None) -> float:
    return (count(kind, presses, pythonpath) - count(kind, 0, pythonpath)) / presses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--level", default="gaussian")
    parser.add_argument("--presses", type=int, default=40)
    parser.add_argument("--pythonpath", help="also count the klgame package found here")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PRESSES"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], int(args.child[1]))
        return 0
    floor = per_press("bare", args.presses)
    print(f"bare app        {floor / 1e6:7.2f} M instructions per press")
    runs = [("this checkout", None)]
    if args.pythonpath:
        runs.insert(0, (args.pythonpath, args.pythonpath))
    for name, path in runs:
        game = per_press(args.level, args.presses, path)
        ratio = game / floor
        print(f"{args.level} ({name})  {game / 1e6:7.2f} M per press, {ratio:.2f}× the floor")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
