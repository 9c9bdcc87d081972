"""The Monte Carlo estimate beside the exact value, with its running mean.

Shown once the player asks for an estimate (key ``e``: 10, 100, 1,000, then
10,000 samples, then hidden); the running mean is a small plotext curve with
the exact value as a flat line.
"""

from __future__ import annotations

import math

import numpy as np
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from klgame.core.rules import GameState, estimate_drawn
from klgame.engine.measures import has_units
from klgame.ui.format import DIRECTION_SYMBOL, number
from klgame.ui.plotting.plotext_adapter import Trace, text_chart


def _exact(state: GameState) -> float:
    """The exact value the estimate estimates: the divergence the level is
    scored by (KL in the level's direction, or its cousin)."""
    return state.scoring_divergence()


def estimate_text(state: GameState) -> str:
    """The estimate, its standard error and the exact value, in lines short
    enough for the side column at 80×24 (31 cells)."""
    found = state.estimate
    assert found is not None
    level = state.level
    units = f" {state.units}" if has_units(level.scoring) else ""
    exact = state.in_units(_exact(state))
    value = state.in_units(found.value)
    error = state.in_units(found.stderr)
    lines = [
        f"Monte Carlo {DIRECTION_SYMBOL[level.scoring]},",
        f"N = {found.n:,}, half p, half q:"
        if level.scoring == "jensen-shannon"
        else f"N = {found.n:,} samples of {estimate_drawn(state)}:",
        f"{number(value)} ± {number(error)}{units} (s.e.)"
        if math.isfinite(value)
        else (
            "∞: a sample of q has p = 0"
            if level.direction == "reverse"
            else "∞: a sample of p has q = 0"
        ),
        f"exact {number(exact)}{units}",
    ]
    if level.scoring == "jensen-shannon":
        lines += ["needs samples of p and of q"]
    elif level.divergence != "kl":
        lines += ["averages over samples of p,", "with both densities there"]
    elif level.direction == "reverse":
        lines += ["needs only q's samples, log p:", "as variational inference does"]
    else:
        lines += ["needs samples of p itself,", "rarely at hand in inference"]
    return "\n".join(lines)


def running_plot(state: GameState, width: int = 30, height: int = 5) -> str:
    """The running estimate as N grows, beside the exact value (dashes). The
    one y label is the exact value, on the row its dashes are drawn on: with
    a handful of rows, labels at the ends of the range would sit beside the
    dashes and read as their value."""
    found = state.estimate
    assert found is not None
    # to 9 digits, far finer than a chart shows: a mean of equal terms that
    # drifts in its last bits (1e-15) must not be drawn as a step
    ys = [float(f"{state.in_units(v):.9g}") for v in found.running]
    if not ys or not all(math.isfinite(y) for y in ys):
        return ""
    xs = list(range(1, len(ys) + 1))
    exact = state.in_units(_exact(state))
    running = Trace(np.asarray(xs, dtype=float), np.asarray(ys), "braille")
    if not math.isfinite(exact):
        return text_chart(width, height, [running], x_ticks=[])
    # the dashes first, so the estimate stays visible where both share a row;
    # the exact value in the middle of the middle row of three (an estimate
    # equal to it is drawn on its row), the range wide enough for every value
    half = max(max(abs(y - exact) for y in ys), 1e-6 * max(1.0, abs(exact))) * 1.1
    dashes = Trace(running.xs, np.full(len(xs), exact), "-")
    return text_chart(
        width,
        height,
        [dashes, running],
        x_ticks=[],
        y_ticks=[exact],
        y_labels=[number(exact)],
        y_limits=(exact - half, exact + half),
    )


class EstimatePanel(Static):
    DEFAULT_CSS = """
    EstimatePanel { height: auto; margin-top: 1; display: none; }
    EstimatePanel.-shown { display: block; }
    """

    # hidden, there is nothing to repaint; shown, update() repaints it
    state: reactive[GameState | None] = reactive(
        None, always_update=True, init=False, repaint=False
    )

    def __init__(self, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)
        self._shown: object = None  # the estimate on screen

    def watch_state(self, state: GameState | None) -> None:
        shown = state is not None and state.estimate is not None
        appearing = shown and not self.has_class("-shown")
        self.set_class(shown, "-shown")
        if shown and state is not None:
            text = Text(estimate_text(state) + "\n")
            text.append_text(Text.from_ansi(running_plot(state)))
            self.update(text)
        # Shown only until the next move, so each new estimate (a key press)
        # brings the whole panel into view, not only the first.
        if appearing or (shown and state is not None and state.estimate is not self._shown):
            self.call_after_refresh(self._bring_into_view)
        self._shown = state.estimate if state is not None else None

    def _bring_into_view(self) -> None:
        # Once more after the next refresh: the column's other widgets may
        # still change height in the refresh this one was laid out in.
        self.scroll_visible(animate=False)
        self.call_after_refresh(self.scroll_visible, animate=False)
