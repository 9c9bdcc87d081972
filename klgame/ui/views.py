"""The plots of a level: curves or bars of p and q, and the reveal's sweep.

:class:`DistributionView` turns a :class:`GameState` into series for the plot
widget. Per key press it evaluates only the guess, on a grid about as wide as
the plot; the target's curve is cached for the attempt and the best fit's for
the reveal.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from textual.app import ComposeResult
from textual.reactive import reactive
from textual.widget import Widget

from klgame.core.rules import GameState
from klgame.engine import Distribution
from klgame.engine.measures import in_units as measure_in_units
from klgame.levels.model import Level
from klgame.ui import figures
from klgame.ui.format import DIRECTION_SYMBOL
from klgame.ui.plotting import BarPlot, CurvePlot, Role, Series
from klgame.ui.plotting.ticks import round_up

_INTEGRAND_NAME = {"forward": "p·log(p/q)", "reverse": "q·log(q/p)"}

# Short legend names: the heading and the intro say which is which.
TARGET, GUESS, BEST = "p", "q", "best"


class DistributionView(Widget):
    """Target p and guess q: curves for densities, side-by-side bars for masses.

    Before the reveal a hidden target (``Level.hidden``) is not drawn; afterwards the best fit
    is drawn too, as a ghost. With the state's ``integrand`` on, it overlays
    where the scored divergence comes from, on its own scale (a right-hand
    axis sharing the left one's zero), so p and q keep their height.
    """

    # the plot inside repaints itself (only the rows that changed)
    state: reactive[GameState | None] = reactive(
        None, always_update=True, init=False, repaint=False
    )

    def __init__(self, level: Level, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.level = level
        self._points = figures.MIN_POINTS
        self._xs: np.ndarray | None = None
        self._xs_key: tuple[int, int] | None = None  # what the grid was made for
        self._cache: dict[str, tuple[Any, Any]] = {}
        self._view_key: tuple[Any, ...] | None = None
        #: More curves drawn once the target is revealed: (legend name, q, role)
        #: -- the other low points, another level's best answer.
        self.extras: list[tuple[str, Any, Role]] = []

    def compose(self) -> ComposeResult:
        yield BarPlot(id="plot") if self.level.is_discrete else CurvePlot(id="plot")

    def on_resize(self) -> None:
        points = figures.points_for_width(self.content_region.width)
        if points != self._points:
            self._points = points
            self._xs = None
            self._redraw()

    def watch_state(self) -> None:
        self._redraw()

    def _cached(self, name: str, key: Any, make: Any) -> Any:
        """One value per name, remade only when its key changes."""
        hit = self._cache.get(name)
        if hit is not None and hit[0] == key:
            return hit[1]
        value = make()
        self._cache[name] = (key, value)
        return value

    def _target_shown(self, state: GameState) -> bool:
        return state.revealed or not self.level.hidden

    def _redraw(self) -> None:
        state = self.state
        if state is None or not self.is_mounted:
            return
        if self.level.is_discrete:
            self._draw_bars(state)
        else:
            self._draw_curves(state)

    # --- continuous ------------------------------------------------------------

    def _draw_curves(self, state: GameState) -> None:
        plot = self.query_one("#plot", CurvePlot)
        grid_key = (state.seed, self._points)
        if self._xs is None or self._xs_key != grid_key:
            self._xs = figures.grid(self.level, state.target, self._points)
            self._xs_key = grid_key
        xs = self._xs
        key = (state.seed, state.attempt, self._points)
        series: list[Series] = []
        # each curve on the plot's grid plus points around its own components
        target_xs = self._cached("target-xs", key, lambda: figures.curve_xs(xs, state.target))
        if self._target_shown(state):
            target = self._cached(
                "target",
                key,
                lambda: Series(
                    TARGET, target_xs, figures.density(state.target, target_xs), "target"
                ),
            )
            series.append(target)
        if state.revealed and state.solution is not None:
            solution = state.solution

            def best_series() -> Series:
                best_xs = figures.curve_xs(xs, solution.guess)
                return Series(BEST, best_xs, figures.density(solution.guess, best_xs), "best")

            series.append(self._cached("best", key, best_series))
        guess = state.guess
        guess_xs = figures.curve_xs(xs, guess)
        series.append(Series(GUESS, guess_xs, figures.density(guess, guess_xs), "guess"))
        if state.revealed:  # after q: a legend too narrow for all drops these first
            for index, (name, dist, role) in enumerate(self.extras):  # unnamed ones too

                def extra_series(d: Distribution = dist, n: str = name, r: Role = role) -> Series:
                    extra_xs = figures.curve_xs(xs, d)
                    return Series(n, extra_xs, figures.density(d, extra_xs), r)

                series.append(self._cached(f"extra {index} {name}", key, extra_series))
        ys = None
        if state.integrand:
            both = np.union1d(target_xs, guess_xs)
            ys = figures.integrand(state.target, guess, self.level.direction, both)
        view_key = ("curves", state.integrand, tuple(xs[[0, -1]]), state.attempt, state.revealed)
        if view_key != self._view_key:
            self._view_key = view_key
            lo, hi = float(xs[0]), float(xs[-1])
            top = self.level.view.y_max
            if top is not None and state.revealed:
                # the level's top suits its target; once revealed, a narrow
                # guess or answer is not cut off at it
                peak = 1.05 * _peak(series, lo, hi)
                if peak > top:
                    top = round_up(peak)
            overlay = None
            if ys is not None:  # the integrand on its own scale, fixed while it shows
                finite = ys[np.isfinite(ys)]
                overlay = (float(np.min(finite, initial=0.0)), float(np.max(finite, initial=0.0)))
            plot.set_view(lo, hi, top, overlay=overlay)
        if ys is not None:
            name = f"{_INTEGRAND_NAME[self.level.direction]} (right axis)"
            series.append(Series(name, both, ys, "integrand"))
        plot.set_series(series)

    # --- discrete --------------------------------------------------------------

    def _draw_bars(self, state: GameState) -> None:
        plot = self.query_one("#plot", BarPlot)
        target = state.target
        support = target.support  # type: ignore[attr-defined]
        labels = figures.labels(self.level, target)  # type: ignore[arg-type]
        p = figures.masses(target, support)
        q = figures.masses(state.guess, support)
        groups: list[tuple[str, Any, Any]] = []
        if self._target_shown(state):
            groups.append((TARGET, "target", p))
        groups.append((GUESS, "guess", q))
        if state.revealed and state.solution is not None:
            solution = state.solution
            best = self._cached(
                "best",
                (state.seed, state.attempt),
                lambda: figures.masses(solution.guess, support),
            )
            groups.append((BEST, "best", best))
        if state.integrand:
            direction = self.level.direction
            terms = (
                figures.contributions(p, q)
                if direction == "forward"
                else figures.contributions(q, p)
            )
            groups.append((_INTEGRAND_NAME[direction], "integrand", terms))
        view_key = ("bars", state.integrand)
        if view_key != self._view_key:
            self._view_key = view_key
            plot.set_view(None if state.integrand else self.level.view.y_max)
        plot.set_bars(labels, groups)


class SweepView(Widget):
    """The reveal's sweep: the scored divergence over one knob's range, with
    the player's value and the best one marked and knob-less models as lines."""

    def __init__(
        self,
        sweep: figures.Sweep,
        mine: float | None,
        best: float | None,
        units: str,
        direction: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sweep = sweep
        self.mine = mine
        self.best = best
        self.units = units
        self.direction = direction

    def compose(self) -> ComposeResult:
        yield CurvePlot(id="sweep-plot")

    def on_mount(self) -> None:
        sweep = self.sweep
        scale = measure_in_units(1.0, self.units, self.direction)
        ys = sweep.ys * scale
        finite = ys[np.isfinite(ys)]
        floor = float(finite.min()) if finite.size else 0.0
        flats = [value * scale for _, value in sweep.flat if math.isfinite(value)]
        mine_y = math.nan
        if self.mine is not None:
            mine_y = float(np.interp(self.mine, sweep.xs, np.where(np.isfinite(ys), ys, np.nan)))
        here = [mine_y * 1.25] if math.isfinite(mine_y) else []
        # the frame shows where the knob started too, so the whole way down is on it
        start = sweep.model.start_values().get(sweep.param)
        finite_ys = np.where(np.isfinite(ys), ys, np.nan)
        start_y = float(np.interp(start, sweep.xs, finite_ys)) if start is not None else math.nan
        if math.isfinite(start_y):
            here.append(start_y * 1.1)
        top = max([floor * 4.0, *(f * 2.0 for f in flats), *here, 0.5])
        lo, hi = float(sweep.xs[0]), float(sweep.xs[-1])
        symbol = DIRECTION_SYMBOL[self.direction]
        series = [Series(f"{symbol} vs {sweep.label}", sweep.xs, np.minimum(ys, top * 10), "guess")]
        for title, value in sweep.flat:
            if math.isfinite(value):
                series.append(Series(title, [lo, hi], [value * scale] * 2, "target"))
        if self.best is not None:
            series.append(Series(f"best {sweep.label}", [self.best, self.best], [0.0, top], "best"))
        if self.mine is not None:
            y = float(np.interp(self.mine, sweep.xs, np.where(np.isfinite(ys), ys, top)))
            series.append(Series(f"your {sweep.label}", [self.mine], [min(y, top)], "marker"))
        plot = self.query_one(CurvePlot)
        plot.set_view(lo, hi, top)
        plot.set_series(series)


def _peak(series: list[Series], lo: float, hi: float) -> float:
    """The highest finite value of ``series`` inside [lo, hi] (0 if none)."""
    peak = 0.0
    for one in series:
        inside = (one.xs >= lo) & (one.xs <= hi) & np.isfinite(one.ys)
        if inside.any():
            peak = max(peak, float(one.ys[inside].max()))
    return peak
