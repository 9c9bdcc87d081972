"""The landscape view: the scoring divergence over two of the guess's knobs.

A shaded map (by rank, lowest darkest: it reads without colour, and with
``NO_COLOR``) with the player's path, the current guess, every local optimum
the fit found and the global one; the other knobs are held at the current
guess. For a one-knob model, a curve drawn with plotext. ``x`` / ``y`` put the
next knob on an axis.
"""

from __future__ import annotations

import math

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from klgame.core.rules import GameState
from klgame.engine.measures import in_units as convert
from klgame.levels import landscape as landscapes
from klgame.levels.solve import best_fit
from klgame.ui.format import DIRECTION_SYMBOL, number, units_label
from klgame.ui.keys import LANDSCAPE_KEYS
from klgame.ui.plotting.plotext_adapter import Trace, text_chart

#: Shades from the lowest ground to the highest; ∞ is blank.
SHADES = "█▓▒░:· "
MARKS = {"path": "•", "guess": "X", "optimum": "o", "best": "★"}


def _index(values: tuple[float, ...], value: float, log: bool) -> int:
    axis = np.log(values) if log else np.asarray(values)
    here = math.log(value) if log and value > 0 else value
    return int(np.argmin(np.abs(axis - here)))


def draw_map(
    state: GameState, found: landscapes.Landscape, path: list[dict[str, float]]
) -> list[str]:
    """The shaded rows (top row = largest y), with the marks laid over."""
    rows = [list(row) for row in landscapes.shade_rows(found.divergence, SHADES)]
    rows = [[c if c != "o" else SHADES[0] for c in row] for row in rows]
    model = state.model
    assert found.y is not None
    x_log = landscapes.is_log_axis(model.param(found.x), model.family)
    y_log = landscapes.is_log_axis(model.param(found.y), model.family)

    def mark(values: dict[str, float], char: str) -> None:
        if found.x not in values or found.y not in values:
            return
        j = _index(found.x_values, values[found.x], x_log)
        i = _index(found.y_values, values[found.y], y_log)
        rows[i][j] = char

    for values in path[:-1]:
        mark(values, MARKS["path"])
    fit = best_fit(state.level, state.target).for_model(model.id)
    for optimum in fit.optima[1:]:
        mark(optimum.values, MARKS["optimum"])
    if fit.optima:
        mark(fit.optima[0].values, MARKS["best"])
    mark(state.current_values, MARKS["guess"])
    return ["".join(row) for row in reversed(rows)]


def draw_curve(state: GameState, found: landscapes.Landscape, width: int, height: int) -> Text:
    """One knob: the divergence as a plotext curve, the guess and the optima marked."""
    scoring = state.level.scoring
    ys = [convert(float(v), state.units, scoring) for v in found.divergence[0]]
    finite = [(x, y) for x, y in zip(found.x_values, ys, strict=True) if math.isfinite(y)]
    traces = []
    if finite:
        traces.append(
            Trace(np.array([x for x, _ in finite]), np.array([y for _, y in finite]), "braille")
        )
    fit = best_fit(state.level, state.target).for_model(state.model.id)
    for optimum, char in [(o, MARKS["optimum"]) for o in fit.optima[1:]] + [
        (o, MARKS["best"]) for o in fit.optima[:1]
    ]:
        x = optimum.values.get(found.x)
        if x is not None:
            y = convert(optimum.divergence, state.units, scoring)
            traces.append(Trace(np.array([x]), np.array([y]), char, joined=False))
    x = state.current_values[found.x]
    here = state.scoring_divergence()
    if math.isfinite(here):
        y = convert(here, state.units, scoring)
        traces.append(Trace(np.array([x]), np.array([y]), MARKS["guess"], joined=False))
    label = state.model.param(found.x).label
    return Text.from_ansi(text_chart(width, height, traces, x_label=label))


class LandscapeScreen(ModalScreen[None]):
    BINDINGS = LANDSCAPE_KEYS
    DEFAULT_CSS = """
    LandscapeScreen { align: center middle; }
    LandscapeScreen > Vertical { width: 100%; height: 100%; background: $surface; padding: 0 1; }
    #landscape-map { height: 1fr; }
    """

    def __init__(self, state: GameState, path: list[dict[str, float]]) -> None:
        super().__init__()
        self.state = state
        self.path = path
        free = [spec.name for spec in state.free_params]
        self.free = free
        self.x = free[0]
        self.y: str | None = free[1] if len(free) > 1 else None
        self.found_grid: np.ndarray = np.empty((0, 0))
        """The divergences on show (one row per y value)."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="landscape-title", markup=False)
            yield Static(id="landscape-map", markup=False)
            yield Static(id="landscape-legend", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.redraw()

    def on_resize(self) -> None:
        self.redraw()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "axis":  # with two knobs both are on show already
            return len(self.free) > 2
        return True

    def action_axis(self, which: str) -> None:
        if self.y is None:
            return
        taken = self.y if which == "x" else self.x
        current = self.x if which == "x" else self.y
        choices = [name for name in self.free if name != taken]
        following = choices[(choices.index(current) + 1) % len(choices)]
        if which == "x":
            self.x = following
        else:
            self.y = following
        self.redraw()

    def action_close(self) -> None:
        self.dismiss(None)

    def redraw(self) -> None:
        state = self.state
        width, height = self.app.size
        columns = max(20, min(90, width - 12))
        rows = max(6, min(30, height - 9))
        found = landscapes.compute(
            state.level,
            state.model,
            state.target,
            state.current_values,
            self.x,
            self.y,
            columns=columns,
            rows=rows if self.y is not None else 1,
        )
        self.found_grid = found.divergence
        scoring = state.level.scoring
        symbol = DIRECTION_SYMBOL[scoring]
        units = units_label(state.units, scoring)
        held = [n for n in state.model.family.param_names if n not in (self.x, self.y)]
        param = state.model.param
        title = f"Landscape of {symbol} ({units}) over {param(self.x).label}" + (
            f" × {param(self.y).label}" if self.y else ""
        )
        if held:
            title += "; the rest held at your guess"
        self.query_one("#landscape-title", Static).update(title)
        finite = found.divergence[np.isfinite(found.divergence)]
        low = convert(float(finite.min()), state.units, scoring) if finite.size else math.inf
        high = convert(float(finite.max()), state.units, scoring) if finite.size else math.inf
        if self.y is None:
            body: Text | str = draw_curve(state, found, columns + 8, rows)
        else:
            lines = draw_map(state, found, self.path)
            y_labels = [number(found.y_values[-1], 2), number(found.y_values[0], 2)]
            pad = max(len(label) for label in y_labels)
            out = []
            for i, line in enumerate(lines):
                label = y_labels[0] if i == 0 else y_labels[1] if i == len(lines) - 1 else ""
                out.append(f"{label:>{pad}} │{line}")
            out.append(" " * pad + " └" + "─" * len(lines[0]))
            left, right = number(found.x_values[0], 2), number(found.x_values[-1], 2)
            gap = max(1, len(lines[0]) - len(left) - len(right))
            out.append(" " * (pad + 2) + left + " " * gap + right)
            log = (
                " (log axis)"
                if landscapes.is_log_axis(state.model.param(self.y), state.model.family)
                else ""
            )
            x_label, y_label = state.model.param(self.x).label, state.model.param(self.y).label
            out.append(" " * (pad + 2) + f"x: {x_label}, y: {y_label}{log}")
            body = "\n".join(out)
        self.query_one("#landscape-map", Static).update(body)
        suffix = "" if units == "no units" else f" {units}"
        infinite = not bool(np.isfinite(found.divergence).all())
        marks = (
            f"{MARKS['guess']} your guess   "
            + (f"{MARKS['path']} your path   " if self.y is not None else "")
            + f"{MARKS['optimum']} a local optimum   {MARKS['best']} the global optimum"
        )
        if self.y is None:  # a curve: no shades, ∞ is where the curve is missing
            legend = f"{number(low)} to {number(high)}{suffix}" + (
                ", no curve where ∞" if infinite else ""
            )
        else:
            legend = (
                f"{SHADES[0]} lowest … {SHADES[-2]} highest (by rank: {number(low)} to "
                f"{number(high)}{suffix})" + (", blank ∞" if infinite else "")
            )
        legend += f"   {marks}"
        if len(self.free) > 2:
            legend += "   x / y: change the knobs"
        self.query_one("#landscape-legend", Static).update(legend)
