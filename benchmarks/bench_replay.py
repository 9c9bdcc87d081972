"""Headless replay speed: a 10,000-action replay through the pure rules.

    python benchmarks/bench_replay.py [--actions 10000] [--level gaussian] [--json]

Writes a replay file of random nudges, selections, undos, redos, unit toggles
and hints (with a reveal near the end), then times ``klgame replay FILE`` in
process, end to end: reading and checking the file, loading the level, every
action, and scoring (the best fit at reveal included).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from klgame.cli.replay import run_replay
from klgame.core import actions as A
from klgame.core.replay import Header, read_replay, write_replay
from klgame.levels.loader import load_catalog


def make_actions(count: int, seed: int) -> list[A.Action]:
    rng = random.Random(seed)
    choices: list[A.Action] = [
        A.Nudge(sign=1),
        A.Nudge(sign=-1),
        A.Nudge(sign=1, size="big"),
        A.Nudge(sign=-1, size="fine"),
        A.Select(),
        A.Select(delta=-1),
        A.Undo(),
        A.Redo(),
        A.ToggleUnits(),
    ]
    weights = [30, 30, 5, 10, 8, 4, 6, 4, 3]
    out = [rng.choices(choices, weights)[0].at(i * 0.05) for i in range(count - 2)]
    out.insert(count // 2, A.Hint(t=out[count // 2].t))
    out.append(A.Reveal(t=count * 0.05))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=10_000)
    parser.add_argument("--level", default="gaussian")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    level = load_catalog([]).get(args.level)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.jsonl"
        write_replay(
            path, Header(level.id, level.content_hash, seed=1), make_actions(args.actions, seed=1)
        )
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            replay = read_replay(path)
            _, score, _ = run_replay(replay, load_catalog([]).get(replay.header.level))
            times.append(time.perf_counter() - start)
    result = {
        "level": args.level,
        "actions": args.actions,
        "median_s": statistics.median(times),
        "max_s": max(times),
        "per_action_us": statistics.median(times) / args.actions * 1e6,
        "final_points": score.points,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"replay of {args.actions} actions on {args.level!r}: "
            f"median {result['median_s']:.3f} s, max {result['max_s']:.3f} s "
            f"({result['per_action_us']:.1f} µs/action)"
        )


if __name__ == "__main__":
    main()
