"""Plots that never crash or lie: ticks for any range, narrow peaks at their true height."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult

from klgame.engine import Gaussian, Mixture
from klgame.levels.limits import MEAN, VARIANCE, VIEW_X
from klgame.ui import figures
from klgame.ui.plotting import CurvePlot, Series, nice_ticks
from klgame.ui.plotting.series import LOOKS, ROLE_KIND


def normal_peak(weight: float, variance: float) -> float:
    """A Gaussian component's height at its mean, by the formula w / sqrt(2π v)."""
    return weight / math.sqrt(2.0 * math.pi * variance)


# --- ticks ----------------------------------------------------------------------


def test_ticks_of_a_tiny_range_use_exponents() -> None:
    # span 1e-14 over 4 gaps: a step of 2.5e-15, labels to the 0.1e-15 place
    ticks, labels = nice_ticks(0.0, 1e-14, 5)
    assert labels == ["0", "2.50e-15", "5.00e-15", "7.50e-15", "1.00e-14"]
    assert ticks == pytest.approx([0.0, 2.5e-15, 5e-15, 7.5e-15, 1e-14], abs=1e-30)


def test_ticks_of_a_wide_range_use_exponents() -> None:
    # 8e6 over at most 9 gaps: 1e6 (2e5, 2.5e5 and 5e5 would need more ticks)
    ticks, labels = nice_ticks(-4e6, 4e6, 10)
    assert labels == ["-4e6", "-3e6", "-2e6", "-1e6", "0", "1e6", "2e6", "3e6", "4e6"]
    assert ticks == [k * 1e6 for k in range(-4, 5)]


@pytest.mark.parametrize(
    ("lo", "hi", "labels"),
    [
        (-1e308, 1e308, ["-1e308", "1e308"]),  # the span overflows to inf
        (0.0, 5e-324, ["0", "4.94e-324"]),  # the smallest float
        (0.31, 0.39, ["0.31", "0.39"]),  # no two round numbers inside for 2 ticks
    ],
)
def test_ranges_without_round_ticks_get_their_ends(lo: float, hi: float, labels: list[str]) -> None:
    assert nice_ticks(lo, hi, 2 if hi < 1 else 5) == ([lo, hi], labels)


floats = st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True)


@settings(max_examples=300, deadline=None)
@given(floats, floats, st.integers(0, 40))
def test_ticks_for_any_finite_range(a: float, b: float, max_ticks: int) -> None:
    lo, hi = min(a, b), max(a, b)
    ticks, labels = nice_ticks(lo, hi, max_ticks)
    if hi == lo:
        assert ticks == labels == []
        return
    assert 2 <= len(ticks) == len(labels) <= max(2, max_ticks)
    assert ticks == sorted(ticks)
    slack = 1e-9 * max(hi - lo if math.isfinite(hi - lo) else math.inf, abs(lo), abs(hi))
    assert lo - slack <= ticks[0] and ticks[-1] <= hi + slack
    assert all(label and len(label) <= 24 for label in labels)
    if math.isfinite(hi - lo) and hi - lo > 1e-6 * max(abs(lo), abs(hi)):
        assert len(set(labels)) == len(labels), labels


@settings(max_examples=300, deadline=None)
@given(
    st.floats(1e-280, 1e300),  # top (below, a step is too near the smallest floats)
    st.floats(0.0, 0.9),  # how much of the range lies below 0
    st.integers(3, 12),
)
def test_an_axis_holding_zero_gets_zero_and_three_ticks(
    top: float, below: float, most: int
) -> None:
    bottom = -below * top
    ticks, labels = nice_ticks(bottom, top, most, min_ticks=3)
    assert len(ticks) >= 3
    assert 0.0 in ticks and float(labels[ticks.index(0.0)]) == 0.0
    assert all(bottom <= t <= top * (1 + 1e-9) for t in ticks)


def test_three_ticks_on_a_short_axis() -> None:
    # 0 … 0.45 with room for 3: a step of 0.25 gives two, 0.2 gives three
    assert nice_ticks(0.0, 0.45, 3, min_ticks=3) == ([0.0, 0.2, 0.4], ["0.0", "0.2", "0.4"])
    # the worms' sweep, 0 … 1.8 in 9 rows: no longer only "0" and "1"
    assert nice_ticks(0.0, 1.8, 3, min_ticks=3)[1] == ["0.0", "0.5", "1.0", "1.5"]


def y_labels(plot: CurvePlot) -> list[float]:
    """The numbers the y axis shows, top to bottom."""
    found = []
    for strip in plot.render_lines(plot.region.reset_offset):
        label = re.match(r"\s*(-?[0-9.]+(?:e-?[0-9]+)?)┤", strip.text)
        if label:
            found.append(float(label.group(1)))
    return found


@pytest.mark.parametrize("size", [(60, 12), (80, 24), (120, 40)])
@pytest.mark.parametrize("top", [0.45, 1.0, 2e-5, 3e5])
async def test_every_y_axis_reads_zero_and_two_more(size: tuple[int, int], top: float) -> None:
    xs = np.linspace(-1.0, 1.0, 50)
    app = OnePlot([Series("q", xs, top * 0.9 * (1 - xs**2), "guess")], -1.0, 1.0)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        plot = app.query_one(CurvePlot)
        plot.set_view(-1.0, 1.0, top)
        await pilot.pause()
        labels = y_labels(plot)
    assert len(labels) >= 3 and 0.0 in labels, labels
    assert labels == sorted(labels, reverse=True)


# --- sampling -------------------------------------------------------------------


def test_curve_samples_include_every_components_mean() -> None:
    grid = np.linspace(-400.0, 450.0, 121)
    spike = Mixture([Gaussian(0.0, 10000.0), Gaussian(50.0, 0.001)], [0.5, 0.5])
    xs = figures.curve_xs(grid, spike)
    assert 0.0 in xs and 50.0 in xs
    assert np.all(np.diff(xs) > 0) and xs[0] == -400.0 and xs[-1] == 450.0
    near = xs[np.abs(xs - 50.0) < 0.2]
    assert near.size >= 20  # the spike's bell, not a single point
    # the even grid alone misses the spike: its highest point is the wide bump's
    assert figures.density(spike, grid).max() < 0.01


class OnePlot(App[None]):
    def __init__(self, series: list[Series], x_lo: float, x_hi: float) -> None:
        super().__init__()
        self.initial, self.x_range = series, (x_lo, x_hi)

    def compose(self) -> ComposeResult:
        plot = CurvePlot()
        plot.set_view(*self.x_range)
        plot.set_series(self.initial)
        yield plot


def drawn_height(plot: CurvePlot, role: str) -> tuple[float, float]:
    """The y interval of the highest canvas row holding a cell of ``role``.

    A cell holds k rows of dots (4 in braille, 2 in half blocks), and plotext
    puts a value y at dot floor(0.5 + (k·rows − 1)·f), f = (y − bottom) /
    (top − bottom): so the cell r rows above the bottom holds f from
    (k·r − 0.5) to (k·r + k − 0.5) over k·rows − 1.
    """
    assert plot._axes_cache is not None
    geometry = plot._axes_cache[2]
    kind = ROLE_KIND[role]
    canvas = range(geometry.row0, geometry.row0 + geometry.rows)  # not the legend
    rows = [r for r in canvas if kind in plot._kinds[r]]
    assert rows, f"no {role} cell on screen"
    lifted = geometry.rows - 1 - (min(rows) - geometry.row0)  # 0 = the bottom row
    _, _, y_lo, y_hi = geometry.lims
    k = {"braille": 4, "hd": 2}[LOOKS[role].curve_marker]
    dots = k * geometry.rows - 1
    span = y_hi - y_lo
    return y_lo + span * (k * lifted - 0.5) / dots, y_lo + span * (k * lifted + k - 0.5) / dots


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_a_spike_beside_a_wide_bump_is_drawn_at_its_height(size: tuple[int, int]) -> None:
    spike = Mixture([Gaussian(0.0, 10000.0), Gaussian(50.0, 0.001)], [0.5, 0.5])
    grid = np.linspace(-400.0, 450.0, figures.points_for_width(size[0]))
    xs = figures.curve_xs(grid, spike)
    app = OnePlot([Series("p", xs, figures.density(spike, xs), "target")], -400.0, 450.0)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        plot = app.query_one(CurvePlot)
        low, high = drawn_height(plot, "target")
    peak = normal_peak(0.5, 0.001) + 0.5 * math.exp(-0.5 * 50.0**2 / 10000.0) / math.sqrt(
        2.0 * math.pi * 10000.0
    )
    assert low <= peak <= high


async def test_a_narrow_guess_in_a_wide_view_is_drawn_at_its_height() -> None:
    # variance 0.0004 in a view 30 wide: a peak of about 19.95 a tenth of a column wide
    guess = Gaussian(0.3, 0.0004)
    grid = np.linspace(-15.0, 15.0, figures.points_for_width(120))
    xs = figures.curve_xs(grid, guess)
    app = OnePlot([Series("q", xs, figures.density(guess, xs), "guess")], -15.0, 15.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        low, high = drawn_height(app.query_one(CurvePlot), "guess")
    assert low <= normal_peak(1.0, 0.0004) <= high
    assert normal_peak(1.0, 0.0004) == pytest.approx(19.9471, abs=1e-4)


def mixture_density(x: float, parts: list[tuple[float, float, float]]) -> float:
    """sum w·N(x; m, v) by the formula, for (weight, mean, variance) parts."""
    total = sum(w for w, _, _ in parts)
    return sum(
        w / total * math.exp(-0.5 * (x - m) ** 2 / v) / math.sqrt(2.0 * math.pi * v)
        for w, m, v in parts
    )


# The extremes the level schema admits (klgame/levels/limits.py), each drawn in
# the frame the game gives it: the level's view, or the target's mean ± 4 sd.
EXTREMES = {
    "narrowest, farthest right": ([(1.0, MEAN.high, VARIANCE.low)], None),
    "widest, farthest left": ([(1.0, MEAN.low, VARIANCE.high)], None),
    "widest alone": ([(1.0, 0.0, VARIANCE.high)], None),
    "narrowest spike beside the widest, widest view": (
        [(0.5, MEAN.high, VARIANCE.low), (0.5, MEAN.low, VARIANCE.high)],
        (VIEW_X.low, VIEW_X.high),
    ),
    "spike 0.001 beside 10000": ([(0.5, 0.0, 10000.0), (0.5, 50.0, 0.001)], (-400.0, 450.0)),
    "variance 0.0004 in a view 30 wide": ([(1.0, 0.3, 0.0004)], (-15.0, 15.0)),
}


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize("case", EXTREMES)
async def test_the_schemas_extremes_are_drawn_at_their_height(
    case: str, size: tuple[int, int]
) -> None:
    parts, view = EXTREMES[case]
    dist = (
        Gaussian(parts[0][1], parts[0][2])
        if len(parts) == 1
        else Mixture([Gaussian(m, v) for _, m, v in parts], [w for w, _, _ in parts])
    )
    if view is None:
        spread = 4.0 * math.sqrt(parts[0][2])
        view = (parts[0][1] - spread, parts[0][1] + spread)
    grid = np.linspace(*view, figures.points_for_width(size[0]))
    xs = figures.curve_xs(grid, dist)
    app = OnePlot([Series("p", xs, figures.density(dist, xs), "target")], *view)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        plot = app.query_one(CurvePlot)
        low, high = drawn_height(plot, "target")
        labels = y_labels(plot)
        x_axis = [strip.text for strip in plot.render_lines(plot.region.reset_offset)][-1]
    peak = max(mixture_density(m, parts) for _, m, _ in parts if view[0] <= m <= view[1])
    assert low <= peak <= high, (low, peak, high)
    assert len(labels) >= 3 and 0.0 in labels
    x_labels = x_axis.split()
    assert len(x_labels) >= 2 and len(set(x_labels)) == len(x_labels), x_axis


# --- whole screens --------------------------------------------------------------

NARROW = """\
id: narrow
title: A narrow target
lesson: Narrow peaks are drawn at their height.
intro: Find it.
reveal: Found.
target: {family: gaussian, mean: 0.3, variance: 0.0004}
guess:
  family: gaussian
  params:
    mean: {start: 0.2, min: -1, max: 1, step: 0.01}
    variance: {start: 0.0004, min: 0.0001, max: 1, step: 0.0001}
direction: forward
view: {x_min: -15, x_max: 15}
"""


def game_for(folder, text: str, **world: object):
    from ui_helpers import StoppedClock

    from klgame.levels.loader import load_catalog
    from klgame.ui.app import KLGame
    from klgame.ui.world import World

    (folder / "level.yaml").write_text(text, encoding="utf-8")
    catalog = load_catalog([folder])
    level_id = re.search(r"^id: (\S+)", text, re.M).group(1)  # type: ignore[union-attr]
    options: dict = {"player": "t", "seed": 1, "clock": StoppedClock(), **world}
    return KLGame(World(catalog, **options), start_level=level_id)


def roles_drawn(app) -> set[str]:
    plot = app.screen.query_one("#plot", CurvePlot)
    return {series.role for series in plot.series}


async def test_the_narrow_target_reveal_after_the_optimum(tmp_path) -> None:
    # the case: variance 0.0004, revealed at the optimum, in a view 30 wide
    from ui_helpers import screen_text

    from klgame.ui.screens.reveal import RevealScreen

    app = game_for(tmp_path, NARROW)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert roles_drawn(app) == {"guess"}  # a fixed continuous target is hidden
        presses = iter(range(100))  # a second apart: separate presses, not a held key
        app.screen.now = lambda: float(next(presses))
        for _ in range(10):
            await pilot.press("right")
        assert app.screen.player.state.current_values["mean"] == pytest.approx(0.3)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, RevealScreen)
        text = screen_text(app)
        assert "D  0.0000 nats" in text and "A narrow target" in text
        await pilot.press("escape")  # keep playing: the play screen with the target shown
        await pilot.pause()
        assert roles_drawn(app) >= {"guess", "target", "best"}
        low, high = drawn_height(app.screen.query_one("#plot", CurvePlot), "guess")
        assert low <= normal_peak(1.0, 0.0004) <= high
        await pilot.press("i")  # the integrand at the optimum: all but zero, no crash
        await pilot.pause()
        assert "A narrow target" in screen_text(app)


async def test_a_level_can_show_its_target(tmp_path) -> None:
    app = game_for(tmp_path, NARROW + "hidden: false\n")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert roles_drawn(app) == {"guess", "target"}


async def test_the_worms_counts_show_before_the_reveal(tmp_path) -> None:
    from klgame.levels.loader import load_catalog
    from klgame.ui.plotting import BarPlot

    worms = (Path(__file__).resolve().parents[2] / "levels" / "space-worms.yaml").read_text()
    app = game_for(tmp_path, worms)
    assert load_catalog([]).get("space-worms").hidden is False
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        plot = app.screen.query_one("#plot", BarPlot)
        assert plot._kinds and any(ROLE_KIND["target"] in row for row in plot._kinds)


async def test_watching_a_replay_of_the_spike(tmp_path) -> None:
    from ui_helpers import screen_text

    from klgame.core import actions as A
    from klgame.core.replay import Header, Replay
    from klgame.levels import load_level_text
    from klgame.ui.screens.watch import WatchScreen

    text = (
        NARROW.replace("id: narrow", "id: spike")
        .replace(
            "target: {family: gaussian, mean: 0.3, variance: 0.0004}",
            "target: {family: mixture, means: [0, 50], variances: [10000, 0.001]}",
        )
        .replace("view: {x_min: -15, x_max: 15}", "")
    )
    level = load_level_text(text, "level.yaml")
    actions = (A.Nudge(sign=1, t=0.0), A.Reveal(t=0.01), A.Nudge(sign=1, t=0.02))
    replay = Replay(Header("spike", level.content_hash, 1), actions)
    app = game_for(tmp_path, text)
    app.first_screen = lambda _app: WatchScreen(replay, level, speed=1000.0)
    app.start_level = None
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(20):
            await pilot.pause(0.05)
        watch = next(screen for screen in app.screen_stack if isinstance(screen, WatchScreen))
        assert watch.player.state.revealed and watch.played == len(actions)
        assert "KL" in screen_text(app)


FAR_AND_NARROW = """\
id: far-narrow
title: Far and narrow
lesson: The schema's extremes play.
intro: Find it.
reveal: Found.
target: {family: mixture, means: [1000000, -1000000], variances: [0.000001, 1000000000]}
hidden: false
guess:
  family: gaussian
  params:
    mean: {start: 999999.999, min: 999999.99, max: 1000000, step: 0.001}
    variance: {start: 0.000002, min: 0.000001, max: 0.0001, step: 0.000001}
direction: forward
view: {x_min: -10000000, x_max: 10000000}
"""


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_schemas_extremes_play_reveal_and_overlay(tmp_path, size) -> None:
    from ui_helpers import screen_text

    from klgame.ui.screens.reveal import RevealScreen

    app = game_for(tmp_path, FAR_AND_NARROW)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        plot = app.screen.query_one("#plot", CurvePlot)
        # q (variance 2e-6, over the target's spike) at its height in a view 2e7 wide
        low, high = drawn_height(plot, "guess")
        assert low <= normal_peak(1.0, 2e-6) <= high
        assert len(y_labels(plot)) >= 3
        for key in ("right", "i"):
            await pilot.press(key)
        await pilot.pause()
        assert "Far and narrow" in screen_text(app)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, RevealScreen)
        assert "nan" not in screen_text(app).lower()


@pytest.mark.parametrize("size", [(80, 24), (100, 32), (120, 40)])
async def test_the_dog_or_panda_sweep_frames_the_start_and_the_optimum(size) -> None:
    # Q(dog) starts at 0.3 with p = (1, 0): KL(p‖q) = log2(1/0.3) = 1.737 bits there,
    # 0 at the optimum Q(dog) = 1
    from ui_helpers import StoppedClock

    from klgame.levels.loader import load_catalog
    from klgame.ui.app import KLGame
    from klgame.ui.world import World

    catalog = load_catalog([])
    app = KLGame(
        World(catalog, player="t", seed=1, clock=StoppedClock()), start_level="dog-or-panda"
    )
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        plot = app.screen.query_one("#sweep-plot", CurvePlot)
        bottom, top = plot._y_limits()
        labels = y_labels(plot)
    start = math.log2(1 / 0.3)
    assert start == pytest.approx(1.737, abs=5e-4)
    assert bottom <= 0.0 and start < top  # both ends of the way down are on the plot
    assert len(labels) >= 3 and 0.0 in labels and max(labels) >= start / 2


async def test_a_narrow_guess_is_not_cut_off_at_the_reveal(make_app) -> None:
    """Two peaks, reverse, whose view tops out at 0.45: a guess of variance
    0.3 peaks at 1/√(2π·0.3) = 0.7284, and the reveal draws it whole."""
    from klgame.ui.screens.reveal import RevealScreen

    app = make_app(start_level="two-peaks-reverse")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        presses = iter(range(100))  # a second apart: separate presses, not a held key
        app.screen.now = lambda: float(next(presses))
        await pilot.press(*["shift+right"] * 3, "down", *["left"] * 7)
        assert app.screen.player.state.current_values == pytest.approx(
            {"mean": 3.0, "variance": 0.3}
        )
        await pilot.press("r")
        for _ in range(30):
            await pilot.pause(0.1)
            if isinstance(app.screen, RevealScreen):
                break
        await pilot.pause()
        plot = app.screen.query_one(CurvePlot)
        peak = 1 / math.sqrt(2 * math.pi * 0.3)
        assert peak == pytest.approx(0.72837, abs=1e-5)
        assert plot._y_limits()[1] >= peak > 0.45
        low, high = drawn_height(plot, "guess")
        assert low <= peak <= high
