"""The Poisson family, end to end: distribution, KL rules, guess family, fit.

Everything the game knows of a Poisson guess is here, registered with the
KL registry (:func:`klgame.engine.divergence.register_kl`) and the family
registry (:mod:`klgame.engine.registry`); no other module names it.

Poisson(λ) puts mass λᵏ e^(−λ) / k! on every whole number k ≥ 0, so its
support is infinite. The conventions, those of ``scipy.special.rel_entr``
with structural zeros as for the other discrete distributions:

* KL(p‖Poisson) for p over a finite support is the sum over p's support,
  always finite when every value p gives a chance is a whole number ≥ 0 (a
  Poisson mass is never exactly 0 there, however small it is in floats), and
  ∞ when p gives a chance to any other value (−1, 2.5, ``dog``);
* KL(Poisson‖p) is ∞ for every p with a finite support: the Poisson gives
  mass to the whole numbers p misses;
* KL(Poisson(λ₁)‖Poisson(λ₂)) = λ₁ log(λ₁/λ₂) + λ₂ − λ₁, the closed form.

Under forward KL the best Poisson for counts p on the whole numbers is
λ = E_p[k]: −Σ p_k log q_k = λ − E_p[k]·log λ + const is convex in λ with its
minimum where 1 − E_p[k]/λ = 0 (the maximum-likelihood rate), clipped to
the bounds.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from klgame.engine.distributions import Discrete, Distribution, _frozen, _positive
from klgame.engine.divergence import register_kl
from klgame.engine.families import Family, Values
from klgame.engine.registry import (
    Bounds,
    FamilyDescriptor,
    ParamDefault,
    register_family,
    register_fit,
)

#: The parameter's name in a level file and in the rules.
RATE = "lambda"
#: A window of the support holds every value whose log mass is within this
#: of the mode's: the rest (below 1e-16 of the peak) draws as nothing.
_WINDOW_LOGS = 37.0
#: The widest window :attr:`Poisson.support` lists.
_MAX_WINDOW = 100_000


def _count(value: Hashable) -> int | None:
    """``value`` as a whole number k ≥ 0 a Poisson gives mass to, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        return None
    number = float(value)
    if not math.isfinite(number) or number < 0.0 or not number.is_integer():
        return None
    return int(number)


def log_pmf(k: int, rate: float) -> float:
    """log(λᵏ e^(−λ) / k!) for a whole number k ≥ 0.

    Loader's saddle-point form, −stirlerr(k) − bd0(k, λ) − ½·log(2πk): near
    k ≈ λ the textbook k·log λ − λ − log k! is a difference of three large
    numbers (about 1e-11 off at λ = 1e4); this keeps every digit. Finite for
    every k and positive finite λ, −∞ only below the float range."""
    if k == 0:
        return -rate
    value = -_stirling_error(k) - _bd0(float(k), rate) - 0.5 * math.log(2.0 * math.pi * k)
    return value if value == value else -math.inf  # NaN only from inf − inf: below the range


_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def _stirling_error(n: int) -> float:
    """log n! − [(n + ½)·log n − n + log √(2π)]."""
    if n <= 15:
        return math.lgamma(n + 1.0) - (n + 0.5) * math.log(n) + n - _LOG_SQRT_2PI
    nn = float(n) * n
    return (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / (1188 * nn)) / nn) / nn) / nn) / n


def _bd0(x: float, m: float) -> float:
    """x·log(x/m) + m − x ≥ 0, without cancellation when x ≈ m (Loader 2000)."""
    if abs(x - m) < 0.1 * (x + m):
        v = (x - m) / (x + m)
        total = (x - m) * v
        term = 2.0 * x * v
        v2 = v * v
        for j in range(1, 1000):
            term *= v2
            step = total + term / (2 * j + 1)
            if step == total:
                break
            total = step
        return total
    return x * (math.log(x) - math.log(m)) + m - x


@dataclass(frozen=True)
class Poisson(Discrete):
    """Poisson(rate) over the whole numbers 0, 1, 2, …"""

    rate: float
    finite_support = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "rate", _positive("rate", self.rate))

    def log_mass(self, value: Hashable) -> float:
        k = _count(value)
        return -math.inf if k is None else log_pmf(k, self.rate)

    def mass(self, value: Hashable) -> float:
        return math.exp(self.log_mass(value))

    def log_masses(self, values: Sequence[Hashable]) -> np.ndarray:
        return np.array([self.log_mass(v) for v in values], dtype=float)

    @cached_property
    def _window(self) -> tuple[int, ...]:
        """The whole numbers around the mode with mass above 1e-16 of its."""
        rate = self.rate
        mode = math.floor(rate) if rate >= 1.0 else 0
        reach = 9.0 * math.sqrt(rate) + 40.0
        low = max(0, math.floor(rate - reach))
        high = min(math.ceil(rate + reach), low + _MAX_WINDOW)
        top = log_pmf(mode, rate)
        return tuple(
            k for k in range(int(low), int(high) + 1) if log_pmf(k, rate) >= top - _WINDOW_LOGS
        )

    @property
    def support(self) -> tuple[Hashable, ...]:
        """The values drawn and listed: every whole number with a mass above
        1e-16 of the peak's (the support itself is every whole number; the
        KL rules use all of it)."""
        return self._window

    @cached_property
    def log_probs(self) -> np.ndarray:
        return _frozen(self.log_masses(self._window))

    @property
    def probs(self) -> np.ndarray:
        return np.exp(self.log_probs)

    def closed_entropy(self) -> float | None:
        """For a large rate the asymptotic series (its next term is below
        1e-25 of the value from λ = 1e4); below, the sum over the window."""
        rate = self.rate
        if rate < 1e4:
            return None
        inv = 1.0 / rate
        return 0.5 * (math.log(2.0 * math.pi * math.e) + math.log(rate)) - inv * (
            1 / 12 + inv * (1 / 24 + inv * 19 / 360)
        )

    @property
    def mean(self) -> float:
        return self.rate

    @property
    def variance(self) -> float:
        return self.rate

    def sample(self, size: int, seed: int | None = None) -> np.ndarray:
        rng = np.random.default_rng(seed)
        if self.rate < 1e15:
            return rng.poisson(self.rate, size)
        # numpy's sampler stops near 1e19; here the Poisson is a normal
        # distribution to within 1e-7 of its width.
        return np.rint(rng.normal(self.rate, math.sqrt(self.rate), size))


# --- KL rules -------------------------------------------------------------------


@register_kl(Discrete, Poisson)
def _kl_to_poisson(p: Distribution, q: Distribution) -> float:
    """KL(p‖Poisson) over p's finite support; ∞ if p gives a chance to a
    value that is not a whole number ≥ 0."""
    assert isinstance(p, Discrete) and isinstance(q, Poisson)
    lp = p.log_probs
    live = lp > -math.inf
    values = [v for v, alive in zip(p.support, live.tolist(), strict=True) if alive]
    lq = q.log_masses(values)
    if np.any(lq == -math.inf):
        return math.inf
    return float(math.fsum(p.probs[live] * (lp[live] - lq)))


@register_kl(Poisson, Discrete)
def _kl_from_poisson(p: Distribution, q: Distribution) -> float:
    """KL(Poisson‖q) for q over a finite support: ∞, for the Poisson gives
    mass to every whole number and q misses all but finitely many."""
    return math.inf


@register_kl(Poisson, Poisson)
def _kl_poisson(p: Distribution, q: Distribution) -> float:
    """λ₁ log(λ₁/λ₂) + λ₂ − λ₁ = λ₂·((1 + d)·log1p(d) − d), d = λ₁/λ₂ − 1."""
    assert isinstance(p, Poisson) and isinstance(q, Poisson)
    a, b = p.rate, q.rate
    d = (a - b) / b
    if abs(d) < 1e-3:
        # (1 + d) log1p(d) − d = Σ_{n≥2} (−d)ⁿ/(n(n − 1)): no cancellation.
        series = d * d * (1 / 2 - d * (1 / 6 - d * (1 / 12 - d * (1 / 20 - d * (1 / 30)))))
        return b * series
    if 0.5 <= a / b <= 1.5:
        return b * ((1.0 + d) * math.log1p(d) - d)
    # Far apart: λ₁·(log λ₁ − log λ₂) + (λ₂ − λ₁), which neither overflows
    # in its parts nor cancels (the two terms have the same sign, or the
    # second dominates).
    value = a * (math.log(a) - math.log(b)) + (b - a)
    return value if value == value else math.inf


# --- the guess family -------------------------------------------------------------


@dataclass(frozen=True)
class PoissonFamily(Family):
    """q = Poisson(λ), one knob."""

    kind = "poisson"

    @property
    def param_names(self) -> tuple[str, ...]:
        return (RATE,)

    @property
    def title(self) -> str:
        return "Poisson(λ)"

    def build(self, values: Values) -> Poisson:
        self._require(values)
        return Poisson(values[RATE])


def _mean_count(target: Discrete) -> float | None:
    """E_p[k], or None when p gives a chance to a value no Poisson reaches."""
    total = []
    for value, mass, log in zip(
        target.support, target.probs.tolist(), target.log_probs.tolist(), strict=True
    ):
        if log == -math.inf:
            continue
        k = _count(value)
        if k is None:
            return None
        total.append(mass * k)
    return math.fsum(total)


@register_fit(PoissonFamily)
def _poisson_fit(
    target: Distribution, family: Family, direction: str, bounds: Bounds, fixed: Mapping[str, float]
) -> dict[str, float] | None:
    """Forward: λ = E_p[k], clipped to the bounds (see the module's docstring).

    Reverse, against a target with a finite support, every λ gives ∞: the
    clipped mean stands for all of them. Against a Poisson, λ = its rate."""
    if RATE in fixed or not isinstance(target, Discrete):
        return None
    lo, hi = bounds[RATE]
    if isinstance(target, Poisson):
        return {RATE: min(max(target.rate, lo), hi)}
    mean = _mean_count(target)
    if mean is None:
        return {RATE: min(max(1.0, lo), hi)}  # ∞ for every λ either way
    return {RATE: min(max(mean, lo), hi)}


def _params(family: Family) -> dict[str, ParamDefault]:
    return {
        RATE: ParamDefault("λ", 1.0, 0.1, 20.0, 0.05, "log", low=0.0, low_open=True, shown="RATE")
    }


def _problem(
    family: Family, ranges: Bounds, chance: frozenset, support: tuple, direction: str
) -> str | None:
    """Forward: ∞ exactly when p gives a chance to a value that is not a whole
    number ≥ 0. Reverse: always ∞ against a target over a finite support."""
    if direction == "forward":
        missing = next((v for v in support if v in chance and _count(v) is None), None)
        if missing is None:
            return None
        return f"a Poisson has no value {missing}, which p gives a chance"
    return "a Poisson puts mass on every whole number, and p on only finitely many"


def _make(fields: Mapping[str, Any]) -> Family:
    return PoissonFamily()


register_family(
    FamilyDescriptor(
        name="poisson",
        title="Poisson",
        continuous=False,
        drawing="bars",
        family_type=PoissonFamily,
        make=_make,
        params=_params,
        problem=_problem,
    )
)
