"""The integrand overlay has its own scale, read on a right-hand axis: p and q
keep their height, and the overlay's zero line sits on the 0 tick."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from ui_helpers import MakeApp, screen_text

from klgame.engine import Gaussian
from klgame.ui.plotting import CurvePlot, Series
from klgame.ui.plotting.series import ROLE_KIND
from klgame.ui.plotting.ticks import zero_on_a_row
from klgame.ui.screens.play import PlayScreen

NUMBER = r"-?\d+(?:\.\d+)?(?:e-?\d+)?"


def reverse_integrand(q: Gaussian, p: Gaussian, xs: np.ndarray) -> np.ndarray:
    """q·log(q/p) from scipy's densities, not the game's."""
    qd = stats.norm.pdf(xs, q.mean, math.sqrt(q.variance))
    log_ratio = stats.norm.logpdf(xs, q.mean, math.sqrt(q.variance)) - stats.norm.logpdf(
        xs, p.mean, math.sqrt(p.variance)
    )
    return qd * log_ratio


def axis_rows(lines: list[str]) -> dict[int, tuple[float, float]]:
    """Widget row → (left tick value, right tick value) where both axes are labelled."""
    found = {}
    for row, line in enumerate(lines):
        left = re.match(rf"\s*({NUMBER})┤", line)
        right = re.search(rf"├({NUMBER})", line[8:])
        if left and right:
            found[row] = (float(left.group(1)), float(right.group(1)))
    return found


async def test_the_overlay_reads_on_its_own_axis_with_its_zero_on_the_0_tick(
    make_app: MakeApp,
) -> None:
    app = make_app(start_level="gaussian")
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        play = app.screen
        assert isinstance(play, PlayScreen)
        plot = play.query_one(CurvePlot)
        top_before = plot._y_limits()[1]
        await pilot.press("i")
        await pilot.pause()
        assert plot._y_limits()[1] == top_before == play.level.view.y_max  # curves keep scale
        lines = [s.text for s in plot.render_lines(plot.region.reset_offset)]
        assert "(right axis)" in screen_text(app)
        state = play.player.state
        target, guess = state.target, state.guess
        assert isinstance(target, Gaussian) and isinstance(guess, Gaussian)
        assert plot._axes_cache is not None
        geometry = plot._axes_cache[2]
        integrand = next(s for s in plot.series if s.role == "integrand")

    rows = axis_rows(lines)
    assert len(rows) >= 3
    # one factor turns every right-hand value into the left one on its row
    factors = {round(left / right, 9) for left, right in rows.values() if right != 0}
    assert factors == {round(geometry.overlay_factor, 9)}
    zero_row = next(row for row, (left, right) in rows.items() if left == 0)
    assert rows[zero_row][1] == 0  # the two zeros share a row

    # the overlay's zero line (its far tails, all but 0) is drawn on that row
    cells = plot._curve_cells(integrand, geometry)
    leftmost = min(cells, key=lambda cell: cell[1])
    assert geometry.row0 + leftmost[0] == zero_row

    # its peak is drawn in the row where the right-hand axis reads the true peak
    xs = np.linspace(-15.0, 15.0, 20001)
    peak = float(reverse_integrand(guess, target, xs).max())
    top_row = min(row for row, _, _ in cells)
    _, _, bottom, top = geometry.lims
    cell = (top - bottom) / (geometry.rows - 1)  # plotext: rows − 1 steps of dots' rows
    drawn = top - top_row * cell  # left units at the middle of that row
    assert abs(drawn - peak * geometry.overlay_factor) <= cell
    # and it is neither flattened nor off the top
    assert 0.3 * top <= peak * geometry.overlay_factor <= 0.8 * top


async def test_overlay_kinds_show_beside_the_curves(make_app: MakeApp) -> None:
    app = make_app(start_level="gaussian")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("i")
        await pilot.pause()
        plot = app.screen.query_one(CurvePlot)
        kind = ROLE_KIND["integrand"]
        # right of the canvas: the overlay's axis, in the overlay's colour
        assert plot._axes_cache is not None
        geometry = plot._axes_cache[2]
        col = geometry.col0 + geometry.cols
        assert all(plot._kinds[r][col] == kind for r in range(geometry.row0, geometry.row0 + 3))
        assert any(isinstance(s, Series) and s.role == "guess" for s in plot.series)


def zero_rows(bottom: float, top: float, rows: int) -> tuple[int, int]:
    """The row plotext gives the 0 tick, and the row of a braille dot at 0."""
    from klgame.ui.plotting.plotext_adapter import dot_index

    zero = np.array([0.0])
    return dot_index(zero, bottom, top, rows)[0], dot_index(zero, bottom, top, 4 * rows)[0] // 4


@settings(max_examples=300, deadline=None)
@given(st.floats(0.01, 0.5), st.floats(1e-6, 1e6), st.integers(3, 80))
def test_zero_on_a_row_puts_the_tick_and_the_dots_together(
    share: float, top: float, rows: int
) -> None:
    bottom = -share * top / (1 - share)  # 0 at ``share`` of the height: bottom ≥ −top
    snapped = zero_on_a_row(bottom, top, rows)
    assert snapped <= bottom
    tick, dots = zero_rows(snapped, top, rows)
    assert tick == dots


def test_without_the_snap_the_zero_line_would_miss_its_tick() -> None:
    # the case the issue saw: q's zero line one row below the 0 tick
    tick, dots = zero_rows(-0.13, 0.45, 30)
    assert dots == tick - 1
    assert zero_on_a_row(-0.13, 0.45, 30) != -0.13


@settings(max_examples=300, deadline=None)
@given(
    st.floats(-1e200, 0.0),
    st.floats(0.0, 1e200),
    st.floats(1e-100, 1e100),
    st.integers(3, 10),
)
def test_the_right_axis_reads_each_left_tick_as_a_round_value(
    low: float, high: float, top: float, count: int
) -> None:
    from klgame.ui.plotting.ticks import nice_ticks, overlay_floor, right_axis

    bottom = overlay_floor(low, high, 0.0, top)
    ticks, _ = nice_ticks(bottom, top, count, min_ticks=3)
    found = right_axis(low, high, ticks, top)
    if found is None:
        peak = max(-low, high)  # nothing to draw, or a scale beyond the floats
        assert peak < 1e-290 or top / peak > 1e290 or peak / top > 1e290
        return
    factor, labels = found
    assert len(labels) == len(ticks) and math.isfinite(factor) and factor > 0
    for tick, label in zip(ticks, labels, strict=True):
        assert float(label) * factor == pytest.approx(tick, rel=1e-6, abs=1e-9 * top)
    peak = max(-low, high) * factor
    assert peak <= 0.8 * top * (1 + 1e-9)  # never off the top
    assert bottom <= low * factor * (1 + 1e-9) + 1e-12 * top  # nor off the bottom
