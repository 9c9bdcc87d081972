"""Guess families: how a handful of named parameters become a distribution.

A level says which family the player's guess q belongs to and which of its
parameters are free; the rules nudge values by name, and the fitter searches
over the same names. Families are immutable and know nothing of keys or
screens.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from klgame.engine.distributions import (
    Binomial,
    Categorical,
    Distribution,
    Gaussian,
    Mixture,
)
from klgame.engine.registry import (
    FamilyDescriptor,
    FieldSpec,
    ParamDefault,
    Ranges,
    TargetShape,
    register_family,
)

Values = Mapping[str, float]


class Family:
    """Base class: a named set of parameters and a way to build q from them."""

    kind: str = ""

    @property
    def param_names(self) -> tuple[str, ...]:
        raise NotImplementedError

    @property
    def title(self) -> str:
        return self.kind

    def build(self, values: Values) -> Distribution:
        raise NotImplementedError

    def project(self, values: dict[str, float], changed: str | None = None) -> dict[str, float]:
        """Enforce constraints that are not simple bounds (default: none)."""
        return values

    def sum_limit(self) -> tuple[tuple[str, ...], float] | None:
        """Names whose values must sum to at most a limit, if any."""
        return None

    def _require(self, values: Values) -> None:
        missing = [name for name in self.param_names if name not in values]
        if missing:
            raise ValueError(f"missing parameter(s) for {self.title}: {', '.join(missing)}")


@dataclass(frozen=True)
class GaussianFamily(Family):
    """q = N(mean, variance)."""

    kind = "gaussian"

    @property
    def param_names(self) -> tuple[str, ...]:
        return ("mean", "variance")

    @property
    def title(self) -> str:
        return "Gaussian"

    def build(self, values: Values) -> Gaussian:
        self._require(values)
        return Gaussian(values["mean"], values["variance"])


@dataclass(frozen=True)
class MixtureFamily(Family):
    """q = Σ wᵢ N(meanᵢ, varianceᵢ) with fixed relative weights."""

    components: int
    weights: tuple[float, ...] | None = None
    kind = "mixture"

    def __post_init__(self) -> None:
        if self.components < 1:
            raise ValueError(f"components must be >= 1, got {self.components!r}")
        if self.weights is not None and len(self.weights) != self.components:
            raise ValueError(
                f"weights must have {self.components} entries, got {len(self.weights)}"
            )

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(
            name for i in range(1, self.components + 1) for name in (f"mean{i}", f"variance{i}")
        )

    @property
    def title(self) -> str:
        return f"{self.components}-component mixture"

    def build(self, values: Values) -> Mixture:
        self._require(values)
        parts = [
            Gaussian(values[f"mean{i}"], values[f"variance{i}"])
            for i in range(1, self.components + 1)
        ]
        return Mixture(parts, self.weights)


@dataclass(frozen=True)
class BinomialFamily(Family):
    """q = Binomial(n, p) over 0..n."""

    n: int
    kind = "binomial"

    @property
    def param_names(self) -> tuple[str, ...]:
        return ("p",)

    @property
    def title(self) -> str:
        return f"Binomial({self.n}, p)"

    def build(self, values: Values) -> Binomial:
        self._require(values)
        return Binomial(self.n, values["p"])


@dataclass(frozen=True)
class UniformFamily(Family):
    """q = uniform over a fixed support; nothing to tune."""

    support: tuple[Hashable, ...]
    kind = "uniform"

    @property
    def param_names(self) -> tuple[str, ...]:
        return ()

    @property
    def title(self) -> str:
        return f"Uniform over {len(self.support)}"

    def build(self, values: Values) -> Categorical:
        return Categorical.uniform(self.support)


@dataclass(frozen=True)
class CategoricalFamily(Family):
    """q over a fixed support: one probability per value but the last,
    which takes the rest (so the player moves k − 1 numbers, not k)."""

    support: tuple[Hashable, ...]
    kind = "categorical"

    def __post_init__(self) -> None:
        if len(self.support) < 2:
            raise ValueError(f"support must have at least 2 values, got {list(self.support)!r}")

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(str(value) for value in self.support[:-1])

    @property
    def rest_name(self) -> str:
        return str(self.support[-1])

    @property
    def title(self) -> str:
        return f"Categorical over {len(self.support)}"

    def build(self, values: Values) -> Categorical:
        self._require(values)
        free = [float(values[name]) for name in self.param_names]
        rest = 1.0 - math.fsum(free)
        if rest < 0.0:
            if rest < -1e-9:
                raise ValueError(
                    f"probabilities {', '.join(self.param_names)} sum to {1.0 - rest:.6g} > 1"
                )
            rest = 0.0
        return Categorical([*free, rest], self.support)

    def project(self, values: dict[str, float], changed: str | None = None) -> dict[str, float]:
        names = self.param_names
        excess = math.fsum(values[name] for name in names) - 1.0
        if excess <= 0.0:
            return values
        out = dict(values)
        # Take the excess from the value just moved, or else proportionally.
        if changed in out:
            out[changed] = max(0.0, out[changed] - excess)
        else:
            total = excess + 1.0
            for name in names:
                out[name] = out[name] / total
        return out

    def sum_limit(self) -> tuple[tuple[str, ...], float] | None:
        return (self.param_names, 1.0)


def is_continuous(family: Family) -> bool:
    """Whether ``family``'s guesses are densities (from its registered descriptor)."""
    from klgame.engine.registry import is_continuous as continuous

    return continuous(family)


# --- the descriptors ------------------------------------------------------------

#: The largest mixture, support and binomial n a level file may ask for.
MAX_COMPONENTS, MAX_SUPPORT, MAX_N = 8, 50, 200


def _mean(label: str, start: float) -> ParamDefault:
    return ParamDefault(label, start, -10.0, 10.0, 0.1, shown="MEAN")


def _variance(label: str) -> ParamDefault:
    return ParamDefault(label, 5.0, 0.1, 20.0, 0.1, "log", low=0.0, low_open=True, shown="VARIANCE")


def _gaussian_params(family: Family) -> dict[str, ParamDefault]:
    return {"mean": _mean("Mean", 0.0), "variance": _variance("Variance")}


def _mixture_params(family: Family) -> dict[str, ParamDefault]:
    assert isinstance(family, MixtureFamily)
    k = family.components
    out: dict[str, ParamDefault] = {}
    for i in range(1, k + 1):
        out[f"mean{i}"] = _mean(f"Mean {i}", 0.0 if k == 1 else -5.0 + 10.0 * (i - 1) / (k - 1))
        out[f"variance{i}"] = _variance(f"Variance {i}")
    return out


def _binomial_params(family: Family) -> dict[str, ParamDefault]:
    return {"p": ParamDefault("p", 0.5, 0.0, 1.0, 0.01, low=0.0, high=1.0)}


def _categorical_params(family: Family) -> dict[str, ParamDefault]:
    assert isinstance(family, CategoricalFamily)
    share = 1.0 / len(family.support)
    return {
        name: ParamDefault(f"Q({name})", share, 0.0, 1.0, 0.01, "simplex", low=0.0, high=1.0)
        for name in family.param_names
    }


def _gaussian_target(values: Mapping[str, float], shape: TargetShape) -> Distribution:
    return Gaussian(values["mean"], values["variance"])


def _mixture_target(values: Mapping[str, float], shape: TargetShape) -> Distribution:
    k = sum(1 for name, _ in shape.params if name.startswith("mean"))
    parts = [Gaussian(values[f"mean{i}"], values[f"variance{i}"]) for i in range(1, k + 1)]
    return Mixture(parts, [values[f"weight{i}"] for i in range(1, k + 1)])


def _categorical_target(values: Mapping[str, float], shape: TargetShape) -> Distribution:
    masses = [values[f"p{i}"] for i in range(1, len(shape.support) + 1)]
    if shape.counts:
        return Categorical.from_counts(masses, shape.support)
    return Categorical(masses, shape.support)


def _binomial_target(values: Mapping[str, float], shape: TargetShape) -> Distribution:
    return Binomial(shape.n, values["p"])


# --- which guesses can ever be finite (a question of supports) -----------------------

_TOLERANCE = 1e-9  # as the schema's check of the starting probabilities


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _binomial_chance(values: Mapping[str, Any], shape: TargetShape) -> frozenset:
    p = values["p"]
    if _is_number(p) and p == 0.0:
        return frozenset({0})
    if _is_number(p) and p == 1.0:
        return frozenset({shape.n})
    return frozenset(range(shape.n + 1))


def _categorical_chance(values: Mapping[str, Any], shape: TargetShape) -> frozenset:
    """A fixed probability or count of 0 is 0; a random count is positive
    (a uniform draw hits 0 with probability 0)."""
    masses = [values[f"p{i}"] for i in range(1, len(shape.support) + 1)]
    return frozenset(
        value
        for value, mass in zip(shape.support, masses, strict=True)
        if not _is_number(mass) or mass > 0.0
    )


def _uniform_problem(
    family: Family, ranges: Ranges, chance: frozenset, support: tuple, direction: str
) -> str | None:
    assert isinstance(family, UniformFamily)
    spread = frozenset(family.support)
    if direction == "forward" and not chance <= spread:
        missing = next(v for v in support if v in chance and v not in spread)
        return f"q has no value {missing}, which p gives a chance"
    if direction == "reverse" and not spread <= chance:
        extra = next(v for v in family.support if v not in chance)
        return f"q spreads over {extra}, where p has none"
    return None


def _binomial_problem(
    family: Family, ranges: Ranges, chance: frozenset, support: tuple, direction: str
) -> str | None:
    """The binomial's possible supports as (must have mass, may have mass) pairs."""
    assert isinstance(family, BinomialFamily)
    low, high = ranges["p"]
    full = frozenset(range(family.n + 1))
    reach: list[tuple[frozenset, frozenset]] = []
    if low < 1.0 and high > 0.0:  # some p strictly inside (0, 1)
        reach.append((full, full))
    if low == 0.0:
        reach.append((frozenset({0}), frozenset({0})))
    if high == 1.0:
        reach.append((frozenset({family.n}), frozenset({family.n})))
    if direction == "forward":
        if any(chance <= may for _, may in reach):
            return None
        return f"no Binomial({family.n}, p) allowed covers every value p gives a chance"
    if any(must <= chance for must, _ in reach):
        return None
    return f"every Binomial({family.n}, p) allowed puts mass where p has none"


def _categorical_problem(
    family: Family, ranges: Ranges, chance: frozenset, support: tuple, direction: str
) -> str | None:
    assert isinstance(family, CategoricalFamily)
    free = [(value, ranges[str(value)]) for value in family.support[:-1]]
    last = family.support[-1]
    lows = math.fsum(low for _, (low, _high) in free)
    if direction == "forward":
        missing = [v for v in support if v in chance and v not in family.support]
        if missing:
            return f"q has no value {missing[0]}, which p gives a chance"
        for value, (_low, high) in free:
            if value in chance and high <= 0.0:
                return f"Q({value}) cannot rise above 0, yet p gives {value} a chance"
        strict = last in chance or any(v in chance and low <= 0.0 for v, (low, _h) in free)
        if (lows >= 1.0 - _TOLERANCE) if strict else (lows > 1.0 + _TOLERANCE):
            return (
                f"the lowest Q values already sum to {lows:.6g}, leaving nothing "
                f"for {last if last in chance else 'the values p gives a chance'}"
            )
        return None
    for value, (low, _high) in free:
        if value not in chance and low > 0.0:
            return f"Q({value}) cannot fall to 0, yet p gives {value} no chance"
    alive = [bounds for value, bounds in free if value in chance]
    low = math.fsum(lo for lo, _ in alive)
    if last in chance:
        return None if low <= 1.0 + _TOLERANCE else f"the lowest Q values sum to {low:.6g}"
    high = math.fsum(hi for _, hi in alive)
    if low <= 1.0 + _TOLERANCE and high >= 1.0 - _TOLERANCE:
        return None
    return f"q must leave mass on {last}, where p has none"


def _mixture(fields: Mapping[str, Any]) -> Family:
    weights = fields.get("weights")
    return MixtureFamily(int(fields["components"]), None if weights is None else tuple(weights))


_SUPPORT = FieldSpec(
    "support",
    "support",
    required=False,
    high=MAX_SUPPORT,
    doc="the outcomes (default: the target's)",
)
_N = FieldSpec("n", "whole", low=1, high=MAX_N, doc="the number of trials")

register_family(
    FamilyDescriptor(
        name="gaussian",
        title="Gaussian",
        continuous=True,
        drawing="curve",
        family_type=GaussianFamily,
        make=lambda fields: GaussianFamily(),
        params=_gaussian_params,
        target_fields=(
            FieldSpec("mean", "number", shown="MEAN", random=True),
            FieldSpec("variance", "number", low=0.0, low_open=True, shown="VARIANCE", random=True),
        ),
        target=_gaussian_target,
    )
)
register_family(
    FamilyDescriptor(
        name="mixture",
        title="mixture",
        continuous=True,
        drawing="curve",
        family_type=MixtureFamily,
        guess_fields=(
            FieldSpec("components", "whole", low=1, high=MAX_COMPONENTS),
            FieldSpec("weights", "numbers", required=False, low=0.0, shown="MASS"),
        ),
        make=_mixture,
        params=_mixture_params,
        target_fields=(
            FieldSpec("weights", "numbers", required=False, low=0.0, shown="MASS", random=True),
            FieldSpec("means", "numbers", shown="MEAN", random=True),
            FieldSpec(
                "variances", "numbers", low=0.0, low_open=True, shown="VARIANCE", random=True
            ),
        ),
        target=_mixture_target,
    )
)
register_family(
    FamilyDescriptor(
        name="categorical",
        title="Categorical",
        continuous=False,
        drawing="bars",
        family_type=CategoricalFamily,
        guess_fields=(_SUPPORT,),
        make=lambda fields: CategoricalFamily(tuple(fields["support"])),
        params=_categorical_params,
        target_fields=(
            _SUPPORT,
            FieldSpec("probs", "masses", required=False, low=0.0, high=1.0),
            FieldSpec("counts", "masses", required=False, low=0.0, shown="MASS", random=True),
        ),
        target=_categorical_target,
        chance=_categorical_chance,
        problem=_categorical_problem,
    )
)
register_family(
    FamilyDescriptor(
        name="binomial",
        title="Binomial",
        continuous=False,
        drawing="bars",
        family_type=BinomialFamily,
        guess_fields=(_N,),
        make=lambda fields: BinomialFamily(int(fields["n"])),
        params=_binomial_params,
        target_fields=(_N, FieldSpec("p", "number", low=0.0, high=1.0, random=True)),
        target=_binomial_target,
        chance=_binomial_chance,
        problem=_binomial_problem,
    )
)
register_family(
    FamilyDescriptor(
        name="uniform",
        title="Uniform",
        continuous=False,
        drawing="bars",
        family_type=UniformFamily,
        guess_fields=(_SUPPORT,),
        has_params=False,
        problem=_uniform_problem,
        make=lambda fields: UniformFamily(tuple(fields["support"])),
    )
)
