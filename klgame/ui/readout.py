"""The numbers the play screen shows for one state, worked out once per action.

Every widget that shows a divergence reads this one immutable value instead
of asking the state again, so a key press computes each divergence once.
"""

from __future__ import annotations

from dataclasses import dataclass

from klgame.core.rules import GameState
from klgame.core.scoring import excess_of
from klgame.engine import cross_entropy, entropy
from klgame.engine.measures import SYMBOL, has_units
from klgame.engine.measures import in_units as measure_in_units
from klgame.engine.units import in_units, to_nats
from klgame.levels.model import Level
from klgame.ui.format import DIRECTION_SYMBOL, log_meter_fill, meter_fill, meter_floor


@dataclass(frozen=True)
class Reading:
    """One direction's divergence, in the units on screen."""

    direction: str  # "forward" | "reverse", or the cousin that scores the level
    symbol: str  # "KL(p‖q)"
    value: float
    scoring: bool
    units: str = ""  # what the value is in: "nats", "bits", or "" (no units)


@dataclass(frozen=True)
class MeterReading:
    """One meter, its numbers in the units on screen.

    The level's last meter is the fine one: on a log scale from ``limit`` down
    to ``floor`` (below the three-star threshold). Before the reveal it shows
    KL itself; after it, the excess D − D* that the stars are earned by, with
    ``marks``: where on it (0..1) the excess equals the level's 1-, 2- and
    3-star thresholds. Marks on KL before the reveal would be wrong (stars
    count the excess) and would give D* away.
    """

    label: str
    limit: float
    units: str  # "" for a unitless divergence
    fill: float  # 0..1
    floor: float | None = None  # log scale down to here; None: linear to 0
    marks: tuple[float, ...] = ()
    measures: str = (
        "KL"  # what the meter measures: "KL" (or "JS", "H", "TV"), or "D−D*" after the reveal
    )


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
    kl_scores = level.divergence == "kl"
    readings = tuple(
        Reading(
            d,
            DIRECTION_SYMBOL[d],
            in_units(nats[d], state.units),
            kl_scores and d == level.direction,
            state.units,
        )
        for d in shown
    )
    scoring_value = nats[level.direction] if kl_scores else state.scoring_divergence()
    if not kl_scores:  # a cousin scores the level: it comes first, the KLs below
        value = measure_in_units(scoring_value, state.units, level.scoring)
        units = state.units if has_units(level.scoring) else ""
        cousin = Reading(level.scoring, DIRECTION_SYMBOL[level.scoring], value, True, units)
        readings = (cousin, *readings)
    best = state.score.best if state.score is not None else None
    meters = _meters(level, scoring_value, state.units, best)
    identity = None
    if level.is_discrete:
        # each side computed on its own: the identity is checked, not assumed
        identity = Identity(
            in_units(cross_entropy(state.target, state.guess), state.units),
            in_units(entropy(state.target), state.units),
            in_units(nats["forward"], state.units),
        )
    return Readout(state.units, readings, meters, identity)


def _meters(
    level: Level, scoring_nats: float, units: str, best: float | None = None
) -> tuple[MeterReading, ...]:
    """The level's meters; ``best`` is D* in the level's units once revealed."""
    value = level.in_units(scoring_nats)  # limits and stars are in the level's units
    symbol = SYMBOL[level.divergence]
    if not has_units(level.scoring):  # Hellinger, total variation: plain numbers
        units = ""

    def shown(x: float) -> float:  # level units -> the units on screen
        if not units:
            return x
        return in_units(to_nats(x, level.units), units)

    out: list[MeterReading] = []
    last = len(level.meters) - 1
    for i, meter in enumerate(level.meters):
        if i < last:
            out.append(
                MeterReading(
                    meter.label,
                    shown(meter.limit),
                    units,
                    meter_fill(value, meter.limit),
                    measures=symbol,
                )
            )
            continue
        floor = meter_floor(meter.limit, level.stars[0])
        marks: tuple[float, ...] = ()
        if best is None:
            fine, measures = value, symbol
        else:
            fine, measures = excess_of(value, best), "D−D*"
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
                log_meter_fill(fine, meter.limit, floor),
                shown(floor),
                marks,
                measures,
            )
        )
    return tuple(out)
