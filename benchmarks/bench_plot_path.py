"""CPU per frame of the curve path: sampling, thinning and rasterising one curve.

    python benchmarks/bench_plot_path.py [--frames 300] [--cols 100] [--rows 30] [--json]

A guess q = N(m, 2) sweeps across the first level's view (-15..15) while
the plot redraws it, as when a player holds a key, and the CPU time
(``time.process_time``) per frame is measured for two ways of drawing it, in
the same process, alternating in rounds so that the machine's load falls on
both alike:

* ``even grid``: the curve sampled on an even grid about as wide as the plot
  and resampled to one point per column by interpolation (klgame before
  curves were sampled around their components);
* ``components``: the grid plus points around every component's mean
  (``figures.curve_xs``), thinned to each column's lowest and highest point.

Also printed: the height each way draws for a narrow guess (mean 0.31, variance 0.0004,
true peak 19.95), to show what the extra points buy.

    python benchmarks/bench_plot_path.py --plotext6 /tmp/p6/bin/python [--rounds 5]

compares plotext versions instead: the same prepared frames (the
``components`` way) are rasterised by ``benchmarks/plotext_layers.py`` in a
fresh process per version and round, plotext 5 through klgame's adapter in
this interpreter and plotext 6 (public ``figure.build()``) in the given one,
alternating; it reports the median CPU per frame, the median import time of
plotext, and how many of the first frame's cells the two draw alike.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from klgame.engine import Gaussian
from klgame.ui import figures
from klgame.ui.plotting import CurvePlot, Series
from klgame.ui.plotting.layers import Geometry
from klgame.ui.plotting.sampling import prepare


def _even_prepare(series: Series, geometry: Geometry) -> tuple[np.ndarray, np.ndarray]:
    """The former thinning: resample onto one point per column."""
    x_lo, x_hi, y_lo, y_hi = geometry.lims
    xs, ys = series.xs, np.clip(series.ys, y_lo - (y_hi - y_lo), y_hi + (y_hi - y_lo))
    lo, hi = max(x_lo, float(xs[0])), min(x_hi, float(xs[-1]))
    n = max(2, min(geometry.cols + 1, xs.size))
    grid = np.linspace(lo, hi, n)
    return grid, np.interp(grid, xs, ys)


def frame_cost(way: str, plot: CurvePlot, geometry: Geometry, means: np.ndarray, grid) -> float:
    import klgame.ui.plotting.curves as plot_module

    start = time.process_time()
    for mean in means:
        guess = Gaussian(float(mean), 2.0)
        xs = grid if way == "even grid" else figures.curve_xs(grid, guess)
        series = Series("q", xs, figures.density(guess, xs), "guess")
        if way == "even grid":
            original = plot_module.prepare
            plot_module.prepare = _even_prepare
            try:
                plot._curve_cells(series, geometry)
            finally:
                plot_module.prepare = original
        else:
            plot._curve_cells(series, geometry)
    return (time.process_time() - start) / len(means)


def drawn_peak(way: str, grid: np.ndarray, geometry: Geometry) -> float:
    narrow = Gaussian(0.31, 0.0004)  # between two points of the even grid
    xs = grid if way == "even grid" else figures.curve_xs(grid, narrow)
    series = Series("q", xs, figures.density(narrow, xs), "guess")
    thin = _even_prepare if way == "even grid" else prepare
    tall = Geometry(**{**geometry.__dict__, "lims": (-15.0, 15.0, 0.0, 25.0)})
    return float(thin(series, tall)[1].max())


def compare_plotext6(
    python6: str, geometry: Geometry, means: np.ndarray, grid, rounds: int
) -> dict:
    """plotext 5 (here) against plotext 6 (``python6``) on the same prepared frames."""
    arrays: dict[str, np.ndarray] = {}
    for i, mean in enumerate(means):
        guess = Gaussian(float(mean), 2.0)
        xs = figures.curve_xs(grid, guess)
        arrays[f"x{i}"], arrays[f"y{i}"] = prepare(
            Series("q", xs, figures.density(guess, xs)), geometry
        )
    child = Path(__file__).with_name("plotext_layers.py")
    runs: dict[str, list[dict]] = {"5": [], "6": []}
    with tempfile.TemporaryDirectory() as folder:
        frames = Path(folder) / "frames.npz"
        np.savez(
            frames,
            count=len(means),
            size=[geometry.cols, geometry.rows],
            lims=list(geometry.lims),
            **arrays,
        )
        for _ in range(rounds):
            for engine, python in (("5", sys.executable), ("6", python6)):
                out = subprocess.run(
                    [python, str(child), str(frames), "--engine", engine],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                runs[engine].append(json.loads(out))
    cells = {engine: {tuple(c) for c in found[0]["cells"]} for engine, found in runs.items()}
    return {
        "canvas": f"{geometry.cols}x{geometry.rows}",
        "frames": len(means),
        "rounds": rounds,
        "plotext": {engine: found[0]["plotext"] for engine, found in runs.items()},
        "ms_per_frame": {
            e: 1e3 * statistics.median(r["cpu_s_per_frame"] for r in found)
            for e, found in runs.items()
        },
        "import_ms": {
            e: 1e3 * statistics.median(r["import_s"] for r in found) for e, found in runs.items()
        },
        "ratio_6_to_5": statistics.median(
            new["cpu_s_per_frame"] / old["cpu_s_per_frame"]
            for new, old in zip(runs["6"], runs["5"], strict=True)
        ),
        "cells_alike": len(cells["5"] & cells["6"]),
        "cells": {engine: len(found) for engine, found in cells.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cols", type=int, default=100, help="canvas columns")
    parser.add_argument("--rows", type=int, default=30, help="canvas rows")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--plotext6", metavar="PYTHON", help="compare with plotext 6 run by this interpreter"
    )
    args = parser.parse_args()
    geometry = Geometry(
        width=args.cols,
        height=args.rows,
        top=0,
        cols=args.cols,
        rows=args.rows,
        lims=(-15.0, 15.0, 0.0, 0.45),
    )
    grid = np.linspace(-15.0, 15.0, figures.points_for_width(args.cols))
    plot = CurvePlot()
    ways = ("even grid", "components")
    means = np.linspace(-10.0, 10.0, args.frames)
    if args.plotext6:
        print(
            json.dumps(
                compare_plotext6(args.plotext6, geometry, means, grid, args.rounds), indent=2
            )
        )
        return
    for way in ways:  # warm up
        frame_cost(way, plot, geometry, means[:20], grid)
    costs: dict[str, list[float]] = {way: [] for way in ways}
    for _ in range(args.rounds):
        for way in ways:
            costs[way].append(frame_cost(way, plot, geometry, means, grid))
    result = {
        "canvas": f"{args.cols}x{args.rows}",
        "frames": args.frames,
        "rounds": args.rounds,
        "ms_per_frame": {way: 1e3 * statistics.median(c) for way, c in costs.items()},
        "ratio": statistics.median(
            new / old for new, old in zip(costs["components"], costs["even grid"], strict=True)
        ),
        "narrow_peak_drawn": {way: drawn_peak(way, grid, geometry) for way in ways},
        "narrow_peak_true": 1.0 / math.sqrt(2.0 * math.pi * 0.0004),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for way in ways:
        print(
            f"{way:>10}: {result['ms_per_frame'][way]:.3f} ms CPU per frame, "
            f"narrow peak drawn at {result['narrow_peak_drawn'][way]:.2f}"
        )
    print(
        f"ratio components / even grid: {result['ratio']:.2f} "
        f"(true narrow peak {result['narrow_peak_true']:.2f})"
    )


if __name__ == "__main__":
    main()
