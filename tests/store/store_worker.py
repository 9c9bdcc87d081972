"""A child process for the store tests (run as a script, not collected).

``burst GATE N NAME``: open the store, say "ready", wait for the file GATE to
exist, then record N attempts; any error exits non-zero.

``loop NAME``: record attempts forever, printing each committed row id.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from klgame.store import Attempt, open_store


def attempt(player: str, number: int) -> Attempt:
    return Attempt(
        player=player,
        level_id=f"level-{number % 7}",
        level_hash="sha256:feed",
        seed=number,
        divergence=0.5 + number,
        best=0.5,
        excess=float(number),
        stars=number % 4,
        points=number,
        moves=number % 50,
        hints=number % 3,
        seconds=1.25,
    )


def burst(gate: Path, count: int, player: str) -> None:
    print("ready", flush=True)
    while not gate.exists():
        time.sleep(0.002)
    # Open only now, so that the first opening (and migration) also races.
    with open_store() as store:
        for number in range(count):
            store.record(attempt(player, number))


def loop(player: str) -> None:
    with open_store() as store:
        number = 0
        while True:
            print(store.record(attempt(player, number)), flush=True)
            number += 1


def main(argv: list[str]) -> None:
    if argv[0] == "burst":
        burst(Path(argv[1]), int(argv[2]), argv[3])
    elif argv[0] == "loop":
        loop(argv[1])
    else:
        raise SystemExit(f"unknown mode {argv[0]!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
