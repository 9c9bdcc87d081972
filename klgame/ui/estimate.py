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
        lines += ["needs samples of p and of q", "and both densities"]
    elif level.divergence != "kl":
        lines += ["averages over samples of p,", "with both densities there"]
    elif level.direction == "reverse":
        lines += ["needs only q's samples, log p:", "as variational inference does"]
    else:
        lines += ["needs samples of p itself,", "rarely at hand in inference"]
    return "\n".join(lines)


def running_plot(state: GameState, width: int = 30, height: int = 4) -> str:
    found = state.estimate
    assert found is not None
    ys = [state.in_units(v) for v in found.running]
    if not ys or not all(math.isfinite(y) for y in ys):
        return ""
    xs = list(range(1, len(ys) + 1))
    exact = state.in_units(_exact(state))
    traces = [Trace(np.asarray(xs, dtype=float), np.asarray(ys), "braille")]
    if math.isfinite(exact):
        traces.append(Trace(traces[0].xs, np.full(len(xs), exact), "-"))
    return text_chart(width, height, traces, x_ticks=[])


class EstimatePanel(Static):
    DEFAULT_CSS = """
    EstimatePanel { height: auto; margin-top: 1; display: none; }
    EstimatePanel.-shown { display: block; }
    """

    state: reactive[GameState | None] = reactive(None, always_update=True, init=False)

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
