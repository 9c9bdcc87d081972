"""A child process for the store tests (run as a script, not collected).

``burst GATE N NAME``: open the store, say "ready", wait for the file GATE to
exist, then record N attempts; any error exits non-zero.

``loop NAME``: record attempts forever, printing each committed row id.

``halfway NAME``: record 5 attempts, then begin a transaction, insert a sixth
row without committing, print "halfway" and wait to be killed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

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


def halfway(player: str) -> None:
    from klgame.store import ScoreStore, sql

    store = open_store()
    for number in range(5):
        store.record(attempt(player, number))
    conn: Any = store._conn  # around the store: a transaction left open on purpose
    row = sql.to_row(attempt(player, 99))
    if isinstance(store, ScoreStore):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(sql.INSERT, row).fetchall()
    else:
        from klgame.store.postgres import dialect

        conn.execute("BEGIN")
        conn.execute(dialect(sql.INSERT), row).fetchall()
    print("halfway", flush=True)
    time.sleep(600)


def main(argv: list[str]) -> None:
    if argv[0] == "burst":
        burst(Path(argv[1]), int(argv[2]), argv[3])
    elif argv[0] == "loop":
        loop(argv[1])
    elif argv[0] == "halfway":
        halfway(argv[1])
    else:
        raise SystemExit(f"unknown mode {argv[0]!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
