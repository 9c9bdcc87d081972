"""The numpy braille line draws the cells plotext 5 draws, dot for dot."""

from __future__ import annotations

import numpy as np
import pytest

from klgame.ui.plotting.braille import braille_line
from klgame.ui.plotting.plotext_adapter import Canvas, Trace


def plotext_cells(xs, ys, lims, cols, rows) -> set[tuple[int, int, str]]:
    """plotext's own drawing of the line, through the adapter the layers use."""
    found = Canvas().layer(
        cols, rows, lims, [Trace(np.asarray(xs, float), np.asarray(ys, float), "braille")]
    )
    assert len(found) == rows and all(len(row) == cols for row in found)
    return {(r, c, ch) for r, row in enumerate(found) for c, ch in enumerate(row) if ch != " "}


def check(xs, ys, lims, cols, rows) -> None:
    ours = braille_line(np.asarray(xs, float), np.asarray(ys, float), lims, cols, rows)
    assert len(set(ours)) == len(ours)  # one entry per cell
    assert set(ours) == plotext_cells(xs, ys, lims, cols, rows)


@pytest.mark.parametrize("seed", range(40))
def test_random_curves(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cols, rows = int(rng.integers(3, 120)), int(rng.integers(2, 40))
    n = int(rng.integers(1, 2 * cols))
    xs = np.sort(rng.uniform(-3, 5, n))
    ys = rng.normal(0.3, 0.6, n)  # some below 0 and above 1: off the canvas
    check(xs, ys, (-2.0, 4.0, 0.0, 1.0), cols, rows)


@pytest.mark.parametrize("seed", range(10))
def test_a_density_as_the_game_draws_it(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    cols, rows = 115, 35
    mean, sd = rng.uniform(-8, 8), rng.uniform(0.2, 4)
    xs = np.linspace(-10, 10, cols)
    ys = np.exp(-0.5 * ((xs - mean) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))
    check(xs, ys, (-10.0, 10.0, 0.0, 0.45), cols, rows)


def test_edges_points_on_the_limits_and_flat_lines() -> None:
    check([0.0, 1.0], [0.0, 1.0], (0.0, 1.0, 0.0, 1.0), 10, 5)  # corner to corner
    check([0.0, 1.0], [0.5, 0.5], (0.0, 1.0, 0.0, 1.0), 10, 5)  # flat
    check([0.5], [0.5], (0.0, 1.0, 0.0, 1.0), 10, 5)  # one point
    check([0.2, 0.2, 0.2], [0.1, 0.9, 0.1], (0.0, 1.0, 0.0, 1.0), 7, 6)  # vertical, back
    check([-1.0, 2.0], [-1.0, 2.0], (0.0, 1.0, 0.0, 1.0), 10, 5)  # through, out both ends
    assert braille_line(np.array([]), np.array([]), (0.0, 1.0, 0.0, 1.0), 10, 5) == []
