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

from klgame.engine.distributions import (
    Binomial,
    Categorical,
    Distribution,
    Gaussian,
    Mixture,
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
    return isinstance(family, GaussianFamily | MixtureFamily)
