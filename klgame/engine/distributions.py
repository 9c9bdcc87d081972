"""The distributions the game plays with: immutable, validated, seeded.

Continuous: :class:`Gaussian` and :class:`Mixture` (of Gaussians).
Discrete: :class:`Categorical` (over any hashable support values, such as
teeth counts 0..10 or the labels ``dog``/``panda``) and :class:`Binomial`.

Bad parameters raise :class:`ValueError` naming the parameter and its value,
so a level author sees ``variance must be > 0, got -1.0`` and not a NaN later.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

#: How far probabilities may drift from summing to one.
SUM_TOLERANCE = 1e-9

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def _finite(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return number


def _normalised(values: list[float]) -> list[float] | None:
    """``values`` divided by their sum, without overflow (weights or counts
    of 1e308 add up beyond the float range); None if they are all zero."""
    top = max(values, default=0.0)
    if top <= 0.0:
        return None
    try:
        total = math.fsum(values)
    except OverflowError:
        total = math.inf
    if not math.isfinite(total):
        values = [v / top for v in values]  # the largest is 1: the sum stays finite
        total = math.fsum(values)
    return [v / total for v in values]


def _positive(name: str, value: Any) -> float:
    number = _finite(name, value)
    if number <= 0.0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return number


def _frozen(array: np.ndarray) -> np.ndarray:
    """Cached arrays are shared: make them read-only so no caller can change
    an immutable distribution by writing into one."""
    array.flags.writeable = False
    return array


#: Up to this n, log C(n, k) is the log of the exact integer (rounded once);
#: beyond it, differences of lgamma (whose error grows with log n!).
_EXACT_CHOOSE_MAX_N = 1000


def _log_choose(n: int) -> np.ndarray:
    """log C(n, k) for k = 0..n."""
    if n <= _EXACT_CHOOSE_MAX_N:
        out = []
        choose = 1
        for k in range(n + 1):
            out.append(math.log(choose))
            choose = choose * (n - k) // (k + 1)
        return np.array(out)
    lgammas = np.array([math.lgamma(i + 1) for i in range(n + 1)])
    return lgammas[n] - lgammas - lgammas[::-1]


class Distribution:
    """Common base: something with a mean, a variance and seeded samples.

    ``mean`` and ``variance`` are defined by each subclass (as fields of
    :class:`Gaussian`, as properties elsewhere).
    """

    if TYPE_CHECKING:  # declared for type checkers only: Gaussian stores them as fields

        @property
        def mean(self) -> float: ...

        @property
        def variance(self) -> float: ...

    def sample(self, size: int, seed: int | None = None) -> np.ndarray:
        raise NotImplementedError


class Continuous(Distribution):
    """A density on the real line."""

    def log_density(self, x: Any) -> np.ndarray:
        raise NotImplementedError

    def density(self, x: Any) -> np.ndarray:
        return np.exp(self.log_density(x))

    def as_mixture(self) -> Mixture:
        raise NotImplementedError


class Discrete(Distribution):
    """A probability mass function over a finite support.

    A subclass over an infinite support (:class:`klgame.engine.poisson.Poisson`)
    sets ``finite_support`` false: its ``support`` is then the window of
    values that carry all but a negligible mass, and ``log_mass`` is exact
    everywhere.
    """

    finite_support: bool = True

    @property
    def support(self) -> tuple[Hashable, ...]:
        raise NotImplementedError

    @property
    def probs(self) -> np.ndarray:
        raise NotImplementedError

    @property
    def log_probs(self) -> np.ndarray:
        """The log masses, −∞ only where a mass is exactly zero (a structural zero).

        Subclasses whose masses can underflow (a Binomial with a tiny p) give
        the log masses directly, so that a mass of 1e-350 stays finite here.
        """
        with np.errstate(divide="ignore"):
            return np.log(np.asarray(self.probs, dtype=float))

    def log_mass(self, value: Hashable) -> float:
        try:
            index = self.support.index(value)
        except ValueError:
            return -math.inf
        return float(self.log_probs[index])

    def closed_entropy(self) -> float | None:
        """H in nats where a formula beats the sum over ``support`` (else None)."""
        return None

    def log_masses(self, values: Sequence[Hashable]) -> np.ndarray:
        """The log mass of each of ``values`` (−∞ off the support)."""
        logs = dict(zip(self.support, self.log_probs.tolist(), strict=True))
        return np.array([logs.get(v, -math.inf) for v in values], dtype=float)

    def mass(self, value: Hashable) -> float:
        try:
            index = self.support.index(value)
        except ValueError:
            return 0.0
        return float(self.probs[index])

    def sample(self, size: int, seed: int | None = None) -> np.ndarray:
        rng = np.random.default_rng(seed)
        indices = rng.choice(len(self.support), size=size, p=self.probs)
        return np.asarray(self.support, dtype=object)[indices]

    def _numeric_support(self) -> np.ndarray:
        try:
            return np.asarray(self.support, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(
                f"support {self.support!r} is not numeric: mean and variance are undefined"
            ) from None

    @property
    def mean(self) -> float:
        return float(np.dot(self.probs, self._numeric_support()))

    @property
    def variance(self) -> float:
        values = self._numeric_support()
        return float(np.dot(self.probs, (values - self.mean) ** 2))


@dataclass(frozen=True)
class Gaussian(Continuous):
    """A normal distribution N(mean, variance) -- note: variance, not std."""

    mean: float
    variance: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", _finite("mean", self.mean))
        object.__setattr__(self, "variance", _positive("variance", self.variance))

    @property
    def std(self) -> float:
        return math.sqrt(self.variance)

    def log_density(self, x: Any) -> np.ndarray:
        z = (np.asarray(x, dtype=float) - self.mean) / self.std
        return -0.5 * z * z - math.log(self.std) - _LOG_SQRT_2PI

    def sample(self, size: int, seed: int | None = None) -> np.ndarray:
        return np.random.default_rng(seed).normal(self.mean, self.std, size)

    def as_mixture(self) -> Mixture:
        return Mixture((self,))


@dataclass(frozen=True)
class Mixture(Continuous):
    """A weighted sum of Gaussians; weights are relative and normalised here."""

    components: tuple[Gaussian, ...]
    weights: tuple[float, ...] = field(default=())

    def __init__(
        self, components: Iterable[Gaussian], weights: Iterable[float] | None = None
    ) -> None:
        parts = tuple(components)
        if not parts:
            raise ValueError("components must not be empty")
        for index, part in enumerate(parts, 1):
            if not isinstance(part, Gaussian):
                raise ValueError(f"component {index} must be a Gaussian, got {part!r}")
        raw = [1.0] * len(parts) if weights is None else list(weights)
        if len(raw) != len(parts):
            raise ValueError(
                f"weights must have one entry per component ({len(parts)}), got {len(raw)}"
            )
        checked = [_finite(f"weight {i}", w) for i, w in enumerate(raw, 1)]
        for index, weight in enumerate(checked, 1):
            if weight < 0.0:
                raise ValueError(f"weight {index} must be >= 0, got {weight!r}")
        normalised = _normalised(checked)
        if normalised is None:
            raise ValueError(f"weights must not all be zero, got {raw!r}")
        object.__setattr__(self, "components", parts)
        object.__setattr__(self, "weights", tuple(normalised))

    # Cached arrays: the quadrature reads these on every key press. With a
    # handful of components, plain floats then one array each beat a chain
    # of tiny numpy operations (this is most of the cost of a fresh guess).
    @cached_property
    def _coefficients(self) -> tuple[list[float], ...]:
        means = [c.mean for c in self.components]
        variances = [c.variance for c in self.components]
        inv_stds = [1.0 / math.sqrt(v) for v in variances]
        log_norms = [
            (math.log(w) if w > 0.0 else -math.inf) + math.log(s) - _LOG_SQRT_2PI
            for w, s in zip(self.weights, inv_stds, strict=True)
        ]
        a = [-0.5 / v for v in variances]
        b = [m / v for m, v in zip(means, variances, strict=True)]
        c = [n - 0.5 * m * m / v for n, m, v in zip(log_norms, means, variances, strict=True)]
        return means, variances, inv_stds, log_norms, a, b, c

    @cached_property
    def scale(self) -> tuple[float, float, bool]:
        """(smallest std, largest std, whether some mean is over 1e6 of its
        own stds from 0): the quadrature's fast path is exact within these."""
        means, _, inv_stds, *_ = self._coefficients
        far = any(abs(m) * s > 1e6 for m, s in zip(means, inv_stds, strict=True))
        return 1.0 / max(inv_stds), 1.0 / min(inv_stds), far

    @cached_property
    def means(self) -> np.ndarray:
        return _frozen(np.array(self._coefficients[0]))

    @cached_property
    def variances(self) -> np.ndarray:
        return _frozen(np.array(self._coefficients[1]))

    @cached_property
    def inv_stds(self) -> np.ndarray:
        return _frozen(np.array(self._coefficients[2]))

    @cached_property
    def quadratic_form(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(a, b, c) with log(weight·N(x)) = a·x² + b·x + c per component."""
        _, _, _, _, a, b, c = self._coefficients
        return _frozen(np.array(a)), _frozen(np.array(b)), _frozen(np.array(c))

    @cached_property
    def crossings(self) -> tuple[float, ...]:
        """(x, width) pairs, flattened: where two components swap dominance,
        and over how wide a stretch log-sum-exp bends there.

        The quadrature grades its panels around these points; cached because
        a level's target is integrated against a new guess on every key.
        Plain floats: with a handful of components this beats numpy's
        per-call overhead.
        """
        _, _, _, _, a, b, c = self._coefficients
        k = len(a)
        found: list[float] = []
        for i in range(k):
            for j in range(i + 1, k):
                qa, qb, qc = a[i] - a[j], b[i] - b[j], c[i] - c[j]
                if qa == 0.0:
                    roots = [-qc / qb] if qb != 0.0 else []
                else:
                    disc = qb * qb - 4.0 * qa * qc
                    if disc < 0.0:
                        continue
                    # The numerically stable pair of roots of qa·x² + qb·x + qc.
                    big = -0.5 * (qb + math.copysign(math.sqrt(disc), qb))
                    roots = [big / qa, qc / big] if big != 0.0 else [big / qa]
                for x in roots:
                    here = a[i] * x * x + b[i] * x + c[i]
                    if any(a[n] * x * x + b[n] * x + c[n] > here + 40.0 for n in range(k)):
                        continue  # a third component dominates: the swap is invisible
                    slope = abs(2.0 * qa * x + qb)
                    if slope > 1e-12:  # a gentler bend is smooth at every scale we grid
                        found.extend((x, 1.0 / slope))
        return tuple(found)

    @cached_property
    def log_norms(self) -> np.ndarray:
        """log(weight / (std·√(2π))) per component (−∞ for a zero weight)."""
        return _frozen(np.array(self._coefficients[3]))

    @property
    def mean(self) -> float:
        return float(np.dot(self.weights, self.means))

    @property
    def variance(self) -> float:
        second = np.dot(self.weights, self.variances + self.means**2)
        return float(second - self.mean**2)

    def log_density(self, x: Any) -> np.ndarray:
        live = self.as_mixture()
        points = np.asarray(x, dtype=float)
        logs = np.stack([c.log_density(points) for c in live.components])
        logs += np.log(np.asarray(live.weights))[(slice(None),) + (None,) * points.ndim]
        top = logs.max(axis=0)
        return top + np.log(np.exp(logs - top).sum(axis=0))

    def sample(self, size: int, seed: int | None = None) -> np.ndarray:
        rng = np.random.default_rng(seed)
        which = rng.choice(len(self.components), size=size, p=self.weights)
        return rng.normal(self.means[which], np.sqrt(self.variances[which]))

    def as_mixture(self) -> Mixture:
        """This mixture without its zero-weight components (a level may switch
        one off): the quadrature and densities never see log 0."""
        return self._live

    @cached_property
    def _live(self) -> Mixture:
        if all(weight > 0.0 for weight in self.weights):
            return self
        kept = [(c, w) for c, w in zip(self.components, self.weights, strict=True) if w > 0.0]
        return Mixture([c for c, _ in kept], [w for _, w in kept])


@dataclass(frozen=True)
class Categorical(Discrete):
    """Probabilities over an explicit support (numbers or labels)."""

    _probs: tuple[float, ...]
    _support: tuple[Hashable, ...]

    def __init__(self, probs: Sequence[float], support: Sequence[Hashable] | None = None):
        values = [_finite(f"probs[{i}]", p) for i, p in enumerate(probs)]
        if not values:
            raise ValueError("probs must not be empty")
        for index, value in enumerate(values):
            if value < 0.0:
                raise ValueError(f"probs[{index}] must be >= 0, got {value!r}")
        total = math.fsum(values)
        if abs(total - 1.0) > SUM_TOLERANCE:
            raise ValueError(f"probs must sum to 1 (within 1e-9), got sum {total!r}")
        labels = tuple(range(len(values))) if support is None else tuple(support)
        if len(labels) != len(values):
            raise ValueError(
                f"support must have one value per probability ({len(values)}), got {len(labels)}"
            )
        if len(set(labels)) != len(labels):
            raise ValueError(f"support values must be distinct, got {labels!r}")
        object.__setattr__(self, "_probs", tuple(values))
        object.__setattr__(self, "_support", labels)

    @classmethod
    def from_counts(
        cls, counts: Sequence[float], support: Sequence[Hashable] | None = None
    ) -> Categorical:
        values = [_finite(f"counts[{i}]", c) for i, c in enumerate(counts)]
        for index, value in enumerate(values):
            if value < 0.0:
                raise ValueError(f"counts[{index}] must be >= 0, got {value!r}")
        normalised = _normalised(values)
        if normalised is None:
            raise ValueError(f"counts must not all be zero, got {list(counts)!r}")
        return cls(normalised, support)

    @classmethod
    def uniform(cls, support: Sequence[Hashable] | int) -> Categorical:
        labels = tuple(range(support)) if isinstance(support, int) else tuple(support)
        if not labels:
            raise ValueError("support must not be empty")
        return cls([1.0 / len(labels)] * len(labels), labels)

    @property
    def support(self) -> tuple[Hashable, ...]:
        return self._support

    @property
    def probs(self) -> np.ndarray:
        return np.asarray(self._probs)

    @cached_property
    def log_probs(self) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return _frozen(np.log(np.asarray(self._probs)))

    def __repr__(self) -> str:
        return f"Categorical(probs={list(self._probs)!r}, support={list(self._support)!r})"


@dataclass(frozen=True)
class Binomial(Discrete):
    """Binomial(n, p) over the support 0..n."""

    n: int
    p: float

    def __post_init__(self) -> None:
        if isinstance(self.n, bool) or not float(self.n).is_integer():
            raise ValueError(f"n must be a whole number, got {self.n!r}")
        if self.n < 0:
            raise ValueError(f"n must be >= 0, got {self.n!r}")
        p = _finite("p", self.p)
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p must be in [0, 1], got {self.p!r}")
        object.__setattr__(self, "n", int(self.n))
        object.__setattr__(self, "p", p)

    @property
    def support(self) -> tuple[Hashable, ...]:
        return tuple(range(self.n + 1))

    @property
    def probs(self) -> np.ndarray:
        # From the log masses, so the two always agree; masses below the
        # smallest float come out as 0.0 here but stay finite in log_probs.
        return np.exp(self.log_probs)

    @cached_property
    def log_probs(self) -> np.ndarray:
        """log C(n, k) + k·log p + (n − k)·log(1 − p), in log space throughout.

        Binomial(5, 1e-70) puts about 1e-350 on k = 5: not a float, but its
        log (about −806) is, and KL against it is large and finite. Only p = 0
        and p = 1 exactly have zero masses (−∞ here).
        """
        n, p = self.n, self.p
        if p == 0.0 or p == 1.0:
            out = np.full(n + 1, -math.inf)
            out[0 if p == 0.0 else n] = 0.0
            return _frozen(out)
        k = np.arange(n + 1)
        return _frozen(_log_choose(n) + k * math.log(p) + (n - k) * math.log1p(-p))

    @property
    def mean(self) -> float:
        return self.n * self.p

    @property
    def variance(self) -> float:
        return self.n * self.p * (1.0 - self.p)

    def sample(self, size: int, seed: int | None = None) -> np.ndarray:
        return np.random.default_rng(seed).binomial(self.n, self.p, size)
