"""KL beside its cousins: a side panel with every divergence for the current guess.

KL both ways, Jensen–Shannon, Hellinger and total variation, each marked
symmetric or not, bounded or not, and the one that scores the level. Shown
while the state's ``cousins`` flag is on (key ``c``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from textual.reactive import reactive
from textual.widgets import Static

from klgame.core.rules import GameState
from klgame.engine import hellinger, jensen_shannon, kl, total_variation
from klgame.engine.units import in_units as convert
from klgame.ui.format import number


@dataclass(frozen=True)
class Cousin:
    name: str
    value: float  # in ``units`` ("" for the unitless ones)
    units: str
    symmetric: bool
    bound: str  # "∞" or the largest value, as text
    scoring: bool


def cousins(state: GameState) -> tuple[Cousin, ...]:
    """Every divergence of the current guess, in the units on screen."""
    p, q, units = state.target, state.guess, state.units
    scoring = state.level.direction
    js_max = "1 bit" if units == "bits" else f"ln 2 = {math.log(2):.4f} nats"
    return (
        Cousin("KL(p‖q)", convert(kl(p, q), units), units, False, "∞", scoring == "forward"),
        Cousin("KL(q‖p)", convert(kl(q, p), units), units, False, "∞", scoring == "reverse"),
        Cousin("JS(p, q)", jensen_shannon(p, q, units=units), units, True, js_max, False),
        Cousin("Hellinger H", hellinger(p, q), "", True, "1", False),
        Cousin("Total var. TV", total_variation(p, q), "", True, "1", False),
    )


def cousins_text(rows: tuple[Cousin, ...]) -> str:
    lines = ["KL and its cousins, for your guess:"]
    for row in rows:
        mark = "  ← scores this level" if row.scoring else ""
        units = f" {row.units}" if row.units else ""
        lines.append(f"{row.name:<13} {number(row.value):>8}{units}{mark}")
        shape = "symmetric" if row.symmetric else "not symmetric"
        lines.append(f"  {shape}, at most {row.bound}")
    lines.append("JS, H and TV stay finite where KL is ∞.")
    return "\n".join(lines)


class CousinsPanel(Static):
    """Hidden unless the state asks for it; redrawn on each action while shown."""

    DEFAULT_CSS = """
    CousinsPanel { height: auto; margin-top: 1; display: none; }
    CousinsPanel.-shown { display: block; }
    """

    state: reactive[GameState | None] = reactive(None, always_update=True, init=False)

    def __init__(self, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)

    def watch_state(self, state: GameState | None) -> None:
        shown = state is not None and state.cousins
        appearing = shown and not self.has_class("-shown")
        self.set_class(shown, "-shown")
        if shown and state is not None:
            self.update(cousins_text(cousins(state)))
        if appearing:  # on a small screen it sits below the knobs: bring it into view
            self.call_after_refresh(self.scroll_visible, animate=False)
