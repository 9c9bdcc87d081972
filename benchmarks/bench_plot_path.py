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
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time

import numpy as np

from klgame.engine import Gaussian
from klgame.ui import figures
from klgame.ui.plot import CurvePlot, Series, _Geometry, _prepare


def _even_prepare(series: Series, geometry: _Geometry) -> tuple[np.ndarray, np.ndarray]:
    """The former thinning: resample onto one point per column."""
    x_lo, x_hi, y_lo, y_hi = geometry.lims
    xs, ys = series.xs, np.clip(series.ys, y_lo - (y_hi - y_lo), y_hi + (y_hi - y_lo))
    lo, hi = max(x_lo, float(xs[0])), min(x_hi, float(xs[-1]))
    n = max(2, min(geometry.cols + 1, xs.size))
    grid = np.linspace(lo, hi, n)
    return grid, np.interp(grid, xs, ys)


def frame_cost(way: str, plot: CurvePlot, geometry: _Geometry, means: np.ndarray, grid) -> float:
    import klgame.ui.plot as plot_module

    start = time.process_time()
    for mean in means:
        guess = Gaussian(float(mean), 2.0)
        xs = grid if way == "even grid" else figures.curve_xs(grid, guess)
        series = Series("q", xs, figures.density(guess, xs), "guess")
        if way == "even grid":
            original = plot_module._prepare
            plot_module._prepare = _even_prepare
            try:
                plot._curve_cells(series, geometry)
            finally:
                plot_module._prepare = original
        else:
            plot._curve_cells(series, geometry)
    return (time.process_time() - start) / len(means)


def drawn_peak(way: str, grid: np.ndarray, geometry: _Geometry) -> float:
    narrow = Gaussian(0.31, 0.0004)  # between two points of the even grid
    xs = grid if way == "even grid" else figures.curve_xs(grid, narrow)
    series = Series("q", xs, figures.density(narrow, xs), "guess")
    prepare = _even_prepare if way == "even grid" else _prepare
    tall = _Geometry(**{**geometry.__dict__, "lims": (-15.0, 15.0, 0.0, 25.0)})
    return float(prepare(series, tall)[1].max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cols", type=int, default=100, help="canvas columns")
    parser.add_argument("--rows", type=int, default=30, help="canvas rows")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    geometry = _Geometry(
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
