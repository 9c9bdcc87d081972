"""The Monte Carlo estimate beside the exact value, with its running mean.

Shown once the player asks for an estimate (key ``e``: 10, 100, 1,000, then
10,000 samples, then hidden); the running mean is a small plotext curve with
the exact value as a flat line.
"""

from __future__ import annotations

import math

import plotext
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from klgame.core.rules import GameState
from klgame.engine.units import in_units
from klgame.ui.format import DIRECTION_SYMBOL, number


def estimate_text(state: GameState) -> str:
    found = state.estimate
    assert found is not None
    direction = state.level.direction
    drawn = "q (your guess)" if direction == "reverse" else "p (the target)"
    exact = in_units(state.scoring_divergence(), state.units)
    value = in_units(found.value, state.units)
    error = in_units(found.stderr, state.units)
    lines = [
        f"Monte Carlo {DIRECTION_SYMBOL[direction]}, N = {found.n:,} samples of {drawn}:",
        f"  {number(value)} ± {number(error)} {state.units} (standard error)",
        f"  exact {number(exact)} {state.units}",
    ]
    if direction == "reverse":
        lines.append("  needs only q's samples and log p: what variational inference uses")
    else:
        lines.append("  needs samples of p itself: rarely at hand in inference")
    return "\n".join(lines)


def running_plot(state: GameState, width: int = 30, height: int = 7) -> str:
    found = state.estimate
    assert found is not None
    ys = [in_units(v, state.units) for v in found.running]
    if not ys or not all(math.isfinite(y) for y in ys):
        return ""
    xs = list(range(1, len(ys) + 1))
    exact = in_units(state.scoring_divergence(), state.units)
    plotext.clear_figure()
    plotext.plot_size(width, height)
    plotext.theme("clear")
    plotext.plot(xs, ys, marker="braille")
    if math.isfinite(exact):
        plotext.plot(xs, [exact] * len(xs), marker="-")
    plotext.xticks([])
    return plotext.build()


class EstimatePanel(Static):
    DEFAULT_CSS = """
    EstimatePanel { height: auto; margin-top: 1; display: none; }
    EstimatePanel.-shown { display: block; }
    """

    state: reactive[GameState | None] = reactive(None, always_update=True, init=False)

    def __init__(self, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)

    def watch_state(self, state: GameState | None) -> None:
        shown = state is not None and state.estimate is not None
        appearing = shown and not self.has_class("-shown")
        self.set_class(shown, "-shown")
        if shown and state is not None:
            text = Text(estimate_text(state) + "\n")
            text.append_text(Text.from_ansi(running_plot(state)))
            self.update(text)
        if appearing:
            self.call_after_refresh(self.scroll_visible, animate=False)
