"""KL beside its cousins: a side panel with every divergence for the current guess.

KL both ways, Jensen–Shannon, Hellinger and total variation, each marked
symmetric or not, with the most it can be, and the one that scores the
level: a table narrow and short enough for the side column at 80×24. Shown
while the state's ``cousins`` flag is on (key ``c``).
"""

from __future__ import annotations

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
    scoring = state.level.scoring
    js_max = "1" if units == "bits" else "ln 2"
    return (
        Cousin("KL(p‖q)", convert(kl(p, q), units), units, False, "∞", scoring == "forward"),
        Cousin("KL(q‖p)", convert(kl(q, p), units), units, False, "∞", scoring == "reverse"),
        Cousin(
            "JS",
            jensen_shannon(p, q, units=units),
            units,
            True,
            js_max,
            scoring == "jensen-shannon",
        ),
        Cousin("H", hellinger(p, q), "", True, "1", scoring == "hellinger"),
        Cousin("TV", total_variation(p, q), "", True, "1", scoring == "total-variation"),
    )


#: The panel's widest line, so that it fits the side column at 80×24 (31 cells).
WIDTH = 30


#: The width of the table's widest row (with the ◀ mark); narrower, it is compact.
FULL_WIDTH = 31


def cousins_text(rows: tuple[Cousin, ...], width: int = FULL_WIDTH) -> str:
    """A table, one divergence a row: its value, the most it can be, whether
    it is symmetric; ◀ marks the one that scores the level. Narrower than
    :data:`FULL_WIDTH`, the columns close up, so no row wraps."""
    units = next((row.units for row in rows if row.units), "")
    wide = width >= FULL_WIDTH
    if wide:
        lines = [f"Your guess, five ways ({units})", f"{'':7} {'value':>8} {'at most':>7} sym."]
    else:
        lines = [f"Five ways ({units})", f"{'':7}{'value':>7} {'max':>4} sym"]
    for row in rows:
        mark = (" ◀" if wide else "◀") if row.scoring else ""
        shape = "yes" if row.symmetric else "no"
        value = number(row.value)
        if wide:
            lines.append(f"{row.name:<7} {value:>8} {row.bound:>7} {shape:>4}{mark}")
        else:
            lines.append(f"{row.name:<7}{value:>7} {row.bound:>4} {shape:>3}{mark}")
    lines.append("◀ scores this level")
    lines.append("H and TV have no units;")
    lines.append("only KL can reach ∞.")
    return "\n".join(lines)


class CousinsPanel(Static):
    """Hidden unless the state asks for it; redrawn on each action while shown."""

    DEFAULT_CSS = """
    CousinsPanel { height: auto; margin-top: 1; display: none; }
    CousinsPanel.-shown { display: block; }
    """

    # hidden, there is nothing to repaint; shown, update() repaints it
    state: reactive[GameState | None] = reactive(
        None, always_update=True, init=False, repaint=False
    )

    def __init__(self, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)

    def watch_state(self, state: GameState | None) -> None:
        shown = state is not None and state.cousins
        appearing = shown and not self.has_class("-shown")
        self.set_class(shown, "-shown")
        if shown and state is not None:
            self.update(cousins_text(cousins(state), self.content_region.width or FULL_WIDTH))
        if appearing:  # on a small screen it sits below the knobs: bring it into view
            self.call_after_refresh(self._bring_into_view)

    def on_resize(self) -> None:
        self.watch_state(self.state)

    def _bring_into_view(self) -> None:
        # Once more after the next refresh: the column's other widgets may
        # still change height in the refresh this one was laid out in.
        self.scroll_visible(animate=False)
        self.call_after_refresh(self.scroll_visible, animate=False)
