"""How fast a 60×30 divergence landscape is drawn, batched and guess by guess.

For the two-peak reverse level and its Jensen–Shannon twin (a Gaussian guess,
mean × variance) and the finale (a 3-component mixture guess, its first two
free parameters, the rest at the best fit), seed 1: the batched grid of
:mod:`klgame.levels.landscape` (goals ≤ 150 ms, 150 ms and ≤ 1.5 s), and in
the same process the same grid computed with the scalar ``divergence`` one
guess at a time (the baseline), their ratio and their largest relative
difference. The machine's load average is printed
with the figures: compare ratios within one run.

    python benchmarks/bench_landscape.py            # about a minute
    python benchmarks/bench_landscape.py --repeats 3
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from klgame.engine import divergence  # noqa: E402
from klgame.levels import landscape  # noqa: E402
from klgame.levels.loader import load_catalog  # noqa: E402
from klgame.levels.solve import best_fit  # noqa: E402

LEVELS = {"two-peaks-reverse": 0.150, "two-peaks-js": 0.150, "finale": 1.5}


def scalar_grid(level, model, target, found) -> np.ndarray:
    out = np.empty(found.divergence.shape)
    for i, y in enumerate(found.y_values or (None,)):
        for j, x in enumerate(found.x_values):
            values = dict(found.held) | {found.x: x}
            if found.y is not None:
                values[found.y] = y
            out[i, j] = divergence(target, model.build(values), level.scoring)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    catalog = load_catalog([])
    print(
        f"machine: {os.cpu_count()} × {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, numpy {np.__version__}; "
        f"load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}"
    )
    for level_id, goal in LEVELS.items():
        level = catalog.get(level_id)
        model = level.models[0]
        target = level.target.draw(1)
        held = best_fit(level, target).for_model(model.id).values
        x, y = landscape.default_pair(model)
        times = []
        found = None
        for _ in range(args.repeats):
            started = time.perf_counter()
            found = landscape.compute(level, model, target, held, x, y)
            times.append(time.perf_counter() - started)
        assert found is not None
        started = time.perf_counter()
        scalar = scalar_grid(level, model, target, found)
        scalar_time = time.perf_counter() - started
        finite = np.isfinite(scalar)
        worst = float(
            np.max(
                np.abs(found.divergence[finite] - scalar[finite])
                / np.maximum(np.abs(scalar[finite]), 1e-300)
            )
        )
        median = statistics.median(times)
        rows, columns = found.divergence.shape
        print(
            f"{level_id} ({model.title}, {x} × {y}, {columns}×{rows}): batched median "
            f"{median * 1e3:.0f} ms (min {min(times) * 1e3:.0f}, goal ≤ {goal * 1e3:.0f} ms); "
            f"guess by guess {scalar_time * 1e3:.0f} ms, {scalar_time / median:.1f}× the "
            f"batched; largest relative difference {worst:.1e}"
        )
    print(f"load average after: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
