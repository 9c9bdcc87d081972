"""The numbers the play screen shows for one state, worked out once per action.

Every widget that shows a divergence reads this one immutable value instead
of asking the state again, so a key press computes each divergence once.
"""

from __future__ import annotations

from dataclasses import dataclass

from klgame.core.rules import GameState
from klgame.engine import cross_entropy, entropy
from klgame.engine.units import in_units
from klgame.ui.format import DIRECTION_SYMBOL, meter_fill


@dataclass(frozen=True)
class Reading:
    """One direction's divergence, in the units on screen."""

    direction: str  # "forward" | "reverse"
    symbol: str  # "KL(p‖q)"
    value: float
    scoring: bool


@dataclass(frozen=True)
class MeterReading:
    label: str
    limit: float  # in the level's units
    units: str  # the level's units
    fill: float  # 0..1, full at KL = 0


@dataclass(frozen=True)
class Identity:
    """H(p, q) = H(p) + KL(p‖q), in the units on screen."""

    cross_entropy: float
    entropy: float
    kl: float


@dataclass(frozen=True)
class Readout:
    units: str
    readings: tuple[Reading, ...]  # the scoring direction first
    meters: tuple[MeterReading, ...]
    identity: Identity | None

    @property
    def scoring(self) -> Reading:
        return self.readings[0]


def read(state: GameState) -> Readout:
    level = state.level
    nats = state.divergences()
    shown = [level.direction, *(d for d in level.show if d != level.direction)]
    readings = tuple(
        Reading(d, DIRECTION_SYMBOL[d], in_units(nats[d], state.units), d == level.direction)
        for d in shown
    )
    scoring_in_level_units = in_units(nats[level.direction], level.units)
    meters = tuple(
        MeterReading(m.label, m.limit, level.units, meter_fill(scoring_in_level_units, m.limit))
        for m in level.meters
    )
    identity = None
    if level.is_discrete:
        # each side computed on its own: the identity is checked, not assumed
        identity = Identity(
            in_units(cross_entropy(state.target, state.guess), state.units),
            in_units(entropy(state.target), state.units),
            in_units(nats["forward"], state.units),
        )
    return Readout(state.units, readings, meters, identity)
