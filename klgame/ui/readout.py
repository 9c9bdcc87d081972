"""The numbers the play screen shows for one state, worked out once per action.

Every widget that shows a divergence reads this one immutable value instead
of asking the state again, so a key press computes each divergence once.
"""

from __future__ import annotations

from dataclasses import dataclass

from klgame.core.rules import GameState
from klgame.engine import cross_entropy, entropy
from klgame.engine.units import in_units, to_nats
from klgame.levels.model import Level
from klgame.ui.format import DIRECTION_SYMBOL, log_meter_fill, meter_fill, meter_floor


@dataclass(frozen=True)
class Reading:
    """One direction's divergence, in the units on screen."""

    direction: str  # "forward" | "reverse"
    symbol: str  # "KL(p‖q)"
    value: float
    scoring: bool


@dataclass(frozen=True)
class MeterReading:
    """One meter, its numbers in the units on screen.

    The level's last meter is the fine one: on a log scale from ``limit`` down
    to ``floor`` (below the three-star threshold), with ``marks``: where on
    it (0..1) KL equals the level's 1-, 2- and 3-star thresholds.
    """

    label: str
    limit: float
    units: str
    fill: float  # 0..1
    floor: float | None = None  # log scale down to here; None: linear to 0
    marks: tuple[float, ...] = ()


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
    meters = _meters(level, nats[level.direction], state.units)
    identity = None
    if level.is_discrete:
        # each side computed on its own: the identity is checked, not assumed
        identity = Identity(
            in_units(cross_entropy(state.target, state.guess), state.units),
            in_units(entropy(state.target), state.units),
            in_units(nats["forward"], state.units),
        )
    return Readout(state.units, readings, meters, identity)


def _meters(level: Level, scoring_nats: float, units: str) -> tuple[MeterReading, ...]:
    value = level.in_units(scoring_nats)  # limits and stars are in the level's units

    def shown(x: float) -> float:  # level units -> the units on screen
        return in_units(to_nats(x, level.units), units)

    out: list[MeterReading] = []
    last = len(level.meters) - 1
    for i, meter in enumerate(level.meters):
        if i < last:
            out.append(
                MeterReading(meter.label, shown(meter.limit), units, meter_fill(value, meter.limit))
            )
            continue
        floor = meter_floor(meter.limit, level.stars[0])
        marks = tuple(
            log_meter_fill(limit, meter.limit, floor)
            for limit in reversed(level.stars)
            if floor < limit < meter.limit
        )
        out.append(
            MeterReading(
                meter.label,
                shown(meter.limit),
                units,
                log_meter_fill(value, meter.limit, floor),
                shown(floor),
                marks,
            )
        )
    return tuple(out)
