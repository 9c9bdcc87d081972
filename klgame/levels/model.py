"""What a level is, once loaded: immutable data and no I/O.

The loader (:mod:`klgame.levels.loader`) turns a YAML file into a
:class:`Level`; the game rules and the screens read it. A level holds the
recipe for its hidden target (:class:`TargetSpec`), not the target itself:
``level.target.draw(seed)`` gives the same distribution for the same seed on
any machine, so a replay or a shared seed meets the same puzzle.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from klgame.engine import Distribution, Family
from klgame.engine.measures import Measure, criterion
from klgame.engine.measures import in_units as measure_in_units
from klgame.engine.registry import descriptor
from klgame.engine.units import Units
from klgame.levels.texts import RevealPart

Direction = Literal["forward", "reverse"]
#: A target family's name, as registered in :mod:`klgame.engine.registry`.
TargetKind = str


@dataclass(frozen=True)
class ParamSpec:
    """One knob of the player's guess.

    ``name`` is the family's parameter name (``mean``, ``variance2``, ``p``,
    ``dog``); ``label`` is what the screen shows (``Mean 2``, ``Q(dog)``).
    A fixed parameter has ``min == max == start`` and cannot be moved.
    """

    name: str
    label: str
    start: float
    min: float
    max: float
    step: float
    big_step: float
    fixed: bool = False

    def clamp(self, value: float) -> float:
        """``value`` kept inside [min, max]."""
        return min(max(value, self.min), self.max)


@dataclass(frozen=True)
class GuessModel:
    """A family the player may shape q with, and the knobs it offers."""

    id: str
    title: str
    family: Family
    params: tuple[ParamSpec, ...]

    def start_values(self) -> dict[str, float]:
        """Every parameter's starting value, fixed ones included."""
        return {spec.name: spec.start for spec in self.params}

    def bounds(self) -> dict[str, tuple[float, float]]:
        """(min, max) of each free parameter, as :func:`klgame.engine.fit` wants."""
        return {spec.name: (spec.min, spec.max) for spec in self.params if not spec.fixed}

    def fixed_values(self) -> dict[str, float]:
        """The values of the parameters the player cannot move."""
        return {spec.name: spec.start for spec in self.params if spec.fixed}

    def free_params(self) -> tuple[ParamSpec, ...]:
        return tuple(spec for spec in self.params if not spec.fixed)

    def param(self, name: str) -> ParamSpec:
        for spec in self.params:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def build(self, values: Mapping[str, float]) -> Distribution:
        """q for ``values``; fixed parameters always take their fixed value."""
        return self.family.build({**values, **self.fixed_values()})


@dataclass(frozen=True)
class RandomRange:
    """A target parameter drawn uniformly from [low, high) for each seed."""

    low: float
    high: float


#: A target parameter: a number, or a range it is drawn from.
Number = float | RandomRange


@dataclass(frozen=True)
class TargetSpec:
    """The recipe for the hidden target p.

    ``params`` lists the numeric parameters in draw order, each a number or a
    :class:`RandomRange`:

    * ``gaussian``: ``mean``, ``variance``;
    * ``mixture``: ``weight1..k``, then ``mean1..k``, then ``variance1..k``
      (weights are relative: they are normalised after drawing);
    * ``categorical``: ``p1..k`` -- probabilities, or counts if ``counts``
      (normalised after drawing);
    * ``binomial``: ``p`` (``n`` is a whole number and never random).

    :meth:`draw` makes one ``numpy.random.default_rng(seed)`` and draws each
    random parameter with ``rng.uniform(low, high)`` in that order, so a seed
    names one target for good. Fixed parameters consume no draws.
    """

    kind: TargetKind
    params: tuple[tuple[str, Number], ...]
    support: tuple[Hashable, ...] = ()
    n: int = 0
    counts: bool = False

    @property
    def is_random(self) -> bool:
        return any(isinstance(value, RandomRange) for _, value in self.params)

    @property
    def is_discrete(self) -> bool:
        return not descriptor(self.kind).continuous

    def random_params(self) -> tuple[tuple[str, RandomRange], ...]:
        """The random parameters, in draw order."""
        return tuple((name, v) for name, v in self.params if isinstance(v, RandomRange))

    def values(self, seed: int) -> dict[str, float]:
        """Every parameter's value for ``seed`` (random ones drawn, in order)."""
        rng = np.random.default_rng(seed)
        out: dict[str, float] = {}
        for name, value in self.params:
            if isinstance(value, RandomRange):
                out[name] = float(rng.uniform(value.low, value.high))
            else:
                out[name] = float(value)
        return out

    def draw(self, seed: int) -> Distribution:
        """The hidden target for ``seed``."""
        return self.build(self.values(seed))

    def build(self, values: Mapping[str, float]) -> Distribution:
        """The target for explicit parameter values (named as in ``params``)."""
        build = descriptor(self.kind).target
        if build is None:
            raise ValueError(f"{self.kind!r} is not a target family")
        return build(values, self)


@dataclass(frozen=True)
class View:
    """How the plot frames the level; ``None`` lets the screen decide.

    ``labels`` names the discrete support values, in support order.
    """

    x_min: float | None = None
    x_max: float | None = None
    y_max: float | None = None
    labels: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Meter:
    """A bar that fills as the divergence drops below ``limit`` (level units)."""

    label: str
    limit: float


#: The two meters of the original web post: a coarse one and a fine one.
DEFAULT_METERS: tuple[Meter, ...] = (Meter("Divergence", 25.0), Meter("Fine tuning", 1.0))

#: Excess thresholds for 3, 2 and 1 stars when a level does not say.
DEFAULT_STARS: tuple[float, float, float] = (0.01, 0.1, 0.5)


@dataclass(frozen=True)
class Question:
    """A multiple-choice question asked before the reveal ("predict, then see").

    ``choices`` are (key, text) pairs in file order; ``answer`` is the key of
    the right one; ``explain`` is shown with the verdict after the reveal.
    """

    ask: str
    choices: tuple[tuple[str, str], ...]
    answer: str
    explain: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.choices)

    def text_of(self, key: str) -> str:
        return dict(self.choices).get(key, "")


@dataclass(frozen=True)
class Level:
    """One puzzle: a hidden target, the guesses allowed, and how it is scored.

    ``stars`` are excess thresholds (D − D*, in ``units``): an excess of at
    most ``stars[0]`` earns 3 stars, at most ``stars[1]`` 2, at most
    ``stars[2]`` 1, else none. ``content_hash`` is the sha256 of the file's
    bytes, so a replay can tell whether the level changed since.
    """

    id: str
    title: str
    lesson: str
    intro: str
    reveal: str
    order: int
    target: TargetSpec
    models: tuple[GuessModel, ...]
    direction: Direction
    show: tuple[Direction, ...]
    units: Units
    view: View = field(default_factory=View)
    meters: tuple[Meter, ...] = DEFAULT_METERS
    stars: tuple[float, float, float] = DEFAULT_STARS
    source: str | None = None
    content_hash: str = ""
    #: The target is not drawn until the reveal (``hidden`` in the file).
    hidden: bool = True
    #: The reveal as parts, some shown only when their conditions hold (see
    #: :mod:`klgame.levels.texts`); ``reveal`` is the parts without conditions.
    reveal_parts: tuple[RevealPart, ...] = ()
    #: The id of the level whose target this level shares (``target: {same_as:
    #: ID}``): ``target`` is that level's recipe, so a seed names one target
    #: for both.
    target_from: str | None = None
    #: The question asked before the reveal, if the level has one.
    question: Question | None = None
    #: The divergence the level is scored by: KL in ``direction`` (``kl``), or
    #: a symmetric cousin (``jensen-shannon``, ``hellinger``, ``total-variation``).
    divergence: Measure = "kl"

    @property
    def scoring(self) -> str:
        """What the engine minimises for this level: ``forward``, ``reverse``
        or the cousin's name (:func:`klgame.engine.measures.criterion`)."""
        return criterion(self.divergence, self.direction)

    @property
    def is_discrete(self) -> bool:
        return self.target.is_discrete

    @property
    def texts(self) -> tuple[RevealPart, ...]:
        """The reveal's parts (one unconditional part for a plain ``reveal``)."""
        return self.reveal_parts or (RevealPart(self.reveal),)

    def model(self, model_id: str) -> GuessModel:
        for model in self.models:
            if model.id == model_id:
                return model
        raise KeyError(model_id)

    def in_units(self, nats: float) -> float:
        """A value of the scoring divergence (nats), in the level's units;
        Hellinger and total variation have none and are returned as they are."""
        return measure_in_units(nats, self.units, self.divergence)

    def stars_for(self, excess: float) -> int:
        """Stars earned for an excess (level units) over the best fit."""
        if math.isnan(excess):
            return 0
        return sum(1 for limit in self.stars if excess <= limit)
