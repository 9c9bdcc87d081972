"""The best fits that need no search: closed forms from the problem's structure.

A categorical guess is fitted exactly in either direction (KL is convex in q
both ways, see :func:`_categorical_optimum`); forward KL to one free Gaussian
is moment matching; to a binomial, the mean over n, clipped to the bounds.
:func:`klgame.engine.fitting.fit` tries these before any search.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from klgame.engine.distributions import Continuous, Discrete, Distribution
from klgame.engine.families import BinomialFamily, CategoricalFamily, Family, GaussianFamily
from klgame.engine.registry import register_fit

Bounds = Mapping[str, tuple[float, float]]


@register_fit(GaussianFamily)
def _gaussian_fit(
    target: Distribution, family: Family, direction: str, bounds: Bounds, fixed: Mapping[str, float]
) -> dict[str, float] | None:
    """Forward KL to one Gaussian is moment matching; reverse needs the search."""
    if direction != "forward" or not isinstance(target, Continuous):
        return None
    return _moment_match(target, bounds, fixed)


@register_fit(BinomialFamily)
def _binomial_fit(
    target: Distribution, family: Family, direction: str, bounds: Bounds, fixed: Mapping[str, float]
) -> dict[str, float] | None:
    """Forward KL: the mean over n, clipped; reverse needs the search."""
    assert isinstance(family, BinomialFamily)
    if direction != "forward" or not isinstance(target, Discrete) or "p" in fixed:
        return None
    p_hat = _binomial_mean(target, family.n)
    if p_hat is None:
        return None
    lo, hi = bounds["p"]
    return {"p": min(max(p_hat, lo), hi)}


@register_fit(CategoricalFamily)
def _categorical_fit(
    target: Distribution, family: Family, direction: str, bounds: Bounds, fixed: Mapping[str, float]
) -> dict[str, float] | None:
    """Either direction, exactly (see :func:`_categorical_optimum`)."""
    assert isinstance(family, CategoricalFamily)
    if not isinstance(target, Discrete):
        return None
    return _categorical_optimum(target, family, bounds, fixed)


def _moment_match(target: Continuous, bounds: Bounds, fixed: Mapping[str, float]) -> dict:
    """Forward KL to one Gaussian: the mean, then the variance about it, clipped."""
    mean = fixed.get("mean")
    if mean is None:
        lo, hi = bounds["mean"]
        mean = min(max(target.mean, lo), hi)
    variance = fixed.get("variance")
    if variance is None:
        lo, hi = bounds["variance"]
        variance = min(max(target.variance + (target.mean - mean) ** 2, lo), hi)
    return {"mean": float(mean), "variance": float(variance)}


def _binomial_mean(target: Discrete, n: int) -> float | None:
    """E_p[k]/n, the maximum-likelihood p of Binomial(n, p) (forward KL is
    convex in p, so the bounded optimum is this clipped); None when p has
    mass off 0..n (every p is then ∞ forward)."""
    total = []
    for value, mass in zip(target.support, target.probs.tolist(), strict=True):
        if mass == 0.0 and target.log_mass(value) == -math.inf:
            continue
        if not isinstance(value, int | float) or value not in range(n + 1):
            return None
        total.append(mass * float(value))
    return math.fsum(total) / n if n > 0 else None


def _categorical_optimum(
    target: Discrete, family: CategoricalFamily, bounds: Bounds, fixed: Mapping[str, float]
) -> dict[str, float]:
    """The best categorical guess, exactly, in either direction.

    KL is convex in q both ways and separable over the outcomes, with one
    coupling constraint, Σq = 1. Its optimality conditions give, in both
    directions, q = clip(t·p, low, high) for the one t > 0 that makes the
    sum 1 (forward: t = 1/λ; reverse: t = exp(−1 − λ), λ the multiplier
    of the sum). So q = p when the bounds allow it, q = 0 exactly wherever
    p = 0 (zero-forcing), and no search at all: a sort and a sum.
    """
    names = family.param_names
    low, high = [], []
    for name in names:
        if name in fixed:
            low.append(float(fixed[name]))
            high.append(float(fixed[name]))
        else:
            lo, hi = bounds[name]
            low.append(min(max(float(lo), 0.0), 1.0))
            high.append(min(max(float(hi), 0.0), 1.0))
    low.append(0.0)  # the rest: whatever the others leave
    high.append(1.0)
    lo_arr, hi_arr = np.array(low), np.array(high)
    if math.fsum(low) > 1.0 + 1e-12:
        raise ValueError(
            f"the lowest allowed probabilities of {family.title} sum to {math.fsum(low):.6g} > 1"
        )
    log_p = np.array([target.log_mass(value) for value in family.support])
    live = log_p > -math.inf
    q = _clipped_scaling(log_p, lo_arr, hi_arr)
    # A mass too small for a float but not a structural zero stays positive,
    # or forward KL would be ∞.
    tiny = live & (q == 0.0) & (hi_arr > 0.0)
    q[tiny] = math.ulp(0.0)
    values = dict(fixed)
    values.update({name: float(v) for name, v in zip(names, q[:-1], strict=True)})
    free = [n for n in names if n not in fixed]
    if q[-1] == 0.0:
        values = _leave_nothing(values, free, bounds)
    elif live[-1]:
        values = _leave_some(values, free, bounds)
    return values


def _clipped_scaling(log_p: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """q = clip(t·p, low, high) with Σq = 1 (Σlow ≤ 1 ≤ Σhigh); entries
    where p is 0 (log p = −∞) stay at ``low`` unless the others at their
    highest leave mass over.

    Worked on log t and log p: a mass below the smallest float (a
    Binomial(200, 0.01)'s 200th outcome, about 1e-400) still has its place,
    and no knot low/p or high/p divides by zero or overflows.
    """
    live = log_p > -math.inf
    dead_low = math.fsum(low[~live])
    lq, ll, lh = log_p[live], low[live], high[live]
    log_ll, log_lh = _log(ll), _log(lh)

    def clipped(log_t: float) -> np.ndarray:
        # q ≤ 1, so exp never needs more than exp(0)
        return np.clip(np.exp(np.minimum(log_t + lq, 0.0)), ll, lh)

    def total(log_t: float) -> float:
        return dead_low + math.fsum(clipped(log_t))

    q = low.copy()
    if lq.size == 0 or dead_low + math.fsum(lh) < 1.0:
        # Even at their highest the live entries leave mass over: it goes
        # where p is zero (forward KL does not mind; reverse is ∞ anyway).
        q[live] = lh
        left = 1.0 - math.fsum(q)
        for i in np.flatnonzero(~live):
            add = min(left, high[i] - q[i])
            q[i] += add
            left -= add
        return q
    # The knots where an entry leaves its low bound or reaches its high one;
    # the first (−∞, all at their lows) gives Σlow ≤ 1.
    knots = np.unique(np.concatenate([[-math.inf], log_ll - lq, log_lh - lq]))
    first, last = 0, len(knots) - 1
    while first < last:  # the last knot at which the sum is still at most 1
        middle = (first + last + 1) // 2
        if total(float(knots[middle])) <= 1.0:
            first = middle
        else:
            last = middle - 1
    t_low = float(knots[first])
    t_high = float(knots[first + 1]) if first + 1 < len(knots) else math.inf
    # Between two knots the sum is linear in t: solve it exactly.
    at_low = log_ll - lq >= t_high
    at_high = ~at_low & (log_lh - lq <= t_low)
    moving = ~(at_low | at_high)
    rest = 1.0 - dead_low - math.fsum(ll[at_low]) - math.fsum(lh[at_high])
    if rest > 0.0 and np.any(moving):
        log_t = math.log(rest) - float(np.logaddexp.reduce(lq[moving]))
    else:
        log_t = t_low
    q[live] = np.where(at_low, ll, np.where(at_high, lh, clipped(log_t)))
    return q


def _log(x: np.ndarray) -> np.ndarray:
    """log x, −∞ where x is 0 (without numpy's divide-by-zero warning)."""
    out = np.full(x.shape, -math.inf)
    np.log(x, out=out, where=x > 0.0)
    return out


def _leave_some(values: dict[str, float], free: Sequence[str], bounds: Bounds) -> dict[str, float]:
    """Keep the rest above 0 in floats where p has mass there: the free
    entries' sum can round to 1 when the rest's share is below a rounding
    of it (Binomial(9, 0.01)'s last outcome, 1e-18), and a rest of 0 under a
    mass makes forward KL ∞. The largest free entry gives up a rounding."""
    for _ in range(64):
        if 1.0 - math.fsum(values.values()) > 0.0:
            break
        movable = [n for n in free if values[n] > bounds[n][0]]
        if not movable:
            break
        name = max(movable, key=lambda n: values[n])
        values[name] = max(math.nextafter(values[name], -math.inf), bounds[name][0])
    return values


def _leave_nothing(
    values: dict[str, float], free: Sequence[str], bounds: Bounds
) -> dict[str, float]:
    """Make the free entries sum to at least 1 in floats, so the rest is 0
    exactly (a rest of 1e-16 where p is 0 makes reverse KL ∞)."""
    for _ in range(64):
        if 1.0 - math.fsum(values.values()) <= 0.0:
            break
        movable = [n for n in free if values[n] < bounds[n][1]] or list(free)
        if not movable:
            break
        name = max(movable, key=lambda n: values[n])
        values[name] = math.nextafter(values[name], math.inf)
    return values
