"""The best achievable fit, and the slope at any guess.

Scoring needs D*, the smallest divergence a player could reach within the
level's family and bounds; hints and the autopilot need the gradient.

* By the problem's structure first. A categorical guess: KL is convex in q
  both ways, and the optimum is exact and closed-form (see
  :func:`_categorical_optimum`). Forward KL to one free Gaussian is moment
  matching; to a binomial, the mean over n, clipped to the bounds.
* The non-convex rest (Gaussian and mixture guesses, a binomial under
  reverse KL) is a bounded quasi-Newton search from a few starts -- each
  target component, the target's moments, the middle of the bounds -- because
  reverse fits are multimodal: one start from the moments finds the wrong
  peak. The effort is bounded: at most (target components + 5) starts for
  continuous guesses (21 for a binomial's p), each descent at most 300 steps,
  and a descent that ends on a saddle is restarted twice, once each side.
* Variances are searched on a log scale, where the surface is rounder.

The search is :mod:`klgame.engine.optimize` (projected BFGS in numpy): no
scipy, so a game process stays small and ``import klgame.engine`` fast.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from klgame.engine.distributions import Continuous, Discrete, Distribution, Gaussian, Mixture
from klgame.engine.divergence import _grid, _kl_terms, _log_mixture, continuous_pair, kl
from klgame.engine.families import (
    BinomialFamily,
    CategoricalFamily,
    Family,
    GaussianFamily,
    MixtureFamily,
    is_continuous,
)
from klgame.engine.optimize import minimize_box

Direction = Literal["forward", "reverse"]
DIRECTIONS: tuple[Direction, ...] = ("forward", "reverse")
Bounds = Mapping[str, tuple[float, float]]


def divergence(target: Distribution, guess: Distribution, direction: str) -> float:
    """The scoring divergence in nats: forward KL(p‖q) or reverse KL(q‖p)."""
    if direction == "forward":
        return kl(target, guess)
    if direction == "reverse":
        return kl(guess, target)
    raise ValueError(f"direction must be 'forward' or 'reverse', got {direction!r}")


def both_directions(target: Distribution, guess: Distribution) -> tuple[float, float]:
    """(forward, reverse) in nats; continuous pairs share one quadrature."""
    if isinstance(target, Continuous) and isinstance(guess, Continuous):
        if isinstance(target, Gaussian) and isinstance(guess, Gaussian):
            return kl(target, guess), kl(guess, target)
        return continuous_pair(target, guess)
    return kl(target, guess), kl(guess, target)


@dataclass(frozen=True)
class Optimum:
    """One local optimum of a fit: every parameter's value, and D there (nats)."""

    values: dict[str, float]
    divergence: float


@dataclass(frozen=True)
class Fit:
    """A best fit: its parameters, the guess they build, and its divergences (nats).

    ``optima`` lists every distinct local optimum the search found, sorted by
    divergence, the global one (``values``) first; see :func:`fit`.
    """

    family: Family
    values: dict[str, float]
    guess: Distribution
    direction: Direction
    divergence: float
    forward: float
    reverse: float
    optima: tuple[Optimum, ...] = ()


# --- gradients ------------------------------------------------------------


def _mixture_gradient(
    target: Continuous, guess: Mixture, direction: str
) -> tuple[float, np.ndarray, np.ndarray]:
    """D and dD/dmean_j, dD/dvariance_j for a Gaussian-mixture guess.

    forward:  dKL(p‖q)/dθ = −∫ p ∂θ log q
    reverse:  dKL(q‖p)/dθ =  ∫ q ∂θ log q · (log q − log p)
    """
    pm = target.as_mixture()
    nodes, weights = _grid(pm, guess)
    p_log = _log_mixture(pm, nodes)
    q_log = _log_mixture(guess, nodes)
    means, variances = guess.means, guess.variances
    dev = nodes[:, None] - means[None, :]
    comp_log = -0.5 * dev**2 / variances + guess.log_norms  # log wⱼNⱼ(x)
    resp = np.exp(comp_log - q_log[:, None])  # responsibilities rⱼ(x)
    d_mean = resp * dev / variances
    d_var = resp * (0.5 * dev**2 / variances**2 - 0.5 / variances)
    # The divergence itself from the same evaluations (no second quadrature).
    if direction == "forward":
        lead = -np.exp(p_log)
        value = float(np.dot(weights, _kl_terms(p_log, q_log)))
    else:
        lead = np.exp(q_log) * (q_log - p_log)
        value = float(np.dot(weights, _kl_terms(q_log, p_log)))
    return value, (weights * lead) @ d_mean, (weights * lead) @ d_var


def gradient(
    target: Distribution, family: Family, values: Mapping[str, float], direction: str
) -> dict[str, float]:
    """dD/dθ in nats per unit of each parameter of ``family`` at ``values``."""
    guess = family.build(values)
    if isinstance(family, GaussianFamily | MixtureFamily) and isinstance(target, Continuous):
        # The guess itself, zero-weight components included, so that the
        # gradient has one entry per parameter of the family.
        mixture = guess if isinstance(guess, Mixture) else guess.as_mixture()  # type: ignore[attr-defined]
        _, d_mean, d_var = _mixture_gradient(target, mixture, direction)
        if isinstance(family, GaussianFamily):
            return {"mean": float(d_mean[0]), "variance": float(d_var[0])}
        out: dict[str, float] = {}
        for i in range(family.components):
            out[f"mean{i + 1}"] = float(d_mean[i])
            out[f"variance{i + 1}"] = float(d_var[i])
        return out
    return _numeric_gradient(target, family, values, direction)


def _numeric_gradient(
    target: Distribution, family: Family, values: Mapping[str, float], direction: str
) -> dict[str, float]:
    out: dict[str, float] = {}
    for name in family.param_names:
        x = float(values[name])
        h = 1e-6 * max(1.0, abs(x))
        plus, minus = dict(values), dict(values)
        plus[name], minus[name] = x + h, x - h
        ups = _safe_divergence(target, family, plus, direction)
        downs = _safe_divergence(target, family, minus, direction)
        here = _safe_divergence(target, family, values, direction)
        if math.isfinite(ups) and math.isfinite(downs):
            out[name] = (ups - downs) / (2 * h)
        elif math.isfinite(ups) and math.isfinite(here):
            out[name] = (ups - here) / h
        elif math.isfinite(downs) and math.isfinite(here):
            out[name] = (here - downs) / h
        else:
            out[name] = 0.0
    return out


def _safe_divergence(
    target: Distribution, family: Family, values: Mapping[str, float], direction: str
) -> float:
    try:
        return divergence(target, family.build(values), direction)
    except ValueError:
        return math.inf


# --- fitting ----------------------------------------------------------------


def fit(
    target: Distribution,
    family: Family,
    direction: str,
    bounds: Bounds,
    fixed: Mapping[str, float] | None = None,
    starts: Sequence[Mapping[str, float]] = (),
    budget: float | None = None,
) -> Fit:
    """The global best fit of ``family`` to ``target`` within ``bounds``.

    ``bounds`` gives (low, high) for each free parameter; ``fixed`` holds the
    values of the others. The result's divergences are in nats. ``budget``
    caps the work of a search (default :data:`SEARCH_BUDGET`).
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'forward' or 'reverse', got {direction!r}")
    fixed = dict(fixed or {})
    free = [name for name in family.param_names if name not in fixed]
    for name in free:
        if name not in bounds:
            raise ValueError(f"parameter {name!r} is neither fixed nor bounded")
        lo, hi = bounds[name]
        if not lo <= hi:
            raise ValueError(f"bounds for {name!r} are empty: [{lo}, {hi}]")
    if not free:
        return _finish(target, family, dict(fixed), direction)
    if (
        isinstance(family, GaussianFamily)
        and direction == "forward"
        and isinstance(target, Continuous)
    ):
        return _finish(target, family, _moment_match(target, bounds, fixed), direction)
    if isinstance(family, CategoricalFamily) and isinstance(target, Discrete):
        return _finish(
            target, family, _categorical_optimum(target, family, bounds, fixed), direction
        )
    if (
        isinstance(family, BinomialFamily)
        and direction == "forward"
        and isinstance(target, Discrete)
        and "p" in free
    ):
        p_hat = _binomial_mean(target, family.n)
        if p_hat is not None:
            lo, hi = bounds["p"]
            return _finish(target, family, {"p": min(max(p_hat, lo), hi)}, direction)
    mid = {name: 0.5 * (bounds[name][0] + bounds[name][1]) for name in free}
    candidates = [dict(fixed) | mid | _clip(start, free, bounds) for start in starts]
    candidates += [dict(fixed) | c for c in _default_starts(target, family, free, bounds)]
    search = _Search(target, family, direction, free, bounds, budget)
    found: list[Optimum] = []
    for start in candidates:
        for values in search.local_optima(family.project(dict(start))):
            found.append(Optimum(values, _safe_divergence(target, family, values, direction)))
        if min(o.divergence for o in found) <= 1e-12:
            break  # an exact match cannot be beaten
        if search.exhausted:
            break
    optima = _merge(found, family)
    result = _finish(target, family, dict(optima[0].values), direction)
    return dataclasses.replace(result, optima=optima)


#: Two local optima are one when their guesses are this close (nats, KL either way).
SAME_OPTIMUM = 1e-6


def _merge(found: Sequence[Optimum], family: Family) -> tuple[Optimum, ...]:
    """The distinct optima of ``found``, lowest divergence first.

    Two are the same optimum when the guesses they build are within
    :data:`SAME_OPTIMUM` nats of each other in both directions: the ends of
    two descents into one basin, or a mixture's components in another order.
    Of each group the lowest divergence is kept.
    """
    ranked = sorted(found, key=lambda o: (not o.divergence <= math.inf, o.divergence))
    kept: list[tuple[Optimum, Distribution]] = []
    for optimum in ranked:
        try:
            guess = family.build(optimum.values)
        except ValueError:
            continue
        if not any(_same_guess(guess, other) for _, other in kept):
            kept.append((optimum, guess))
    return tuple(optimum for optimum, _ in kept)


def _same_guess(a: Distribution, b: Distribution) -> bool:
    if a == b:
        return True
    return bool(kl(a, b) <= SAME_OPTIMUM and kl(b, a) <= SAME_OPTIMUM)


def _finish(target: Distribution, family: Family, values: dict[str, float], direction: str) -> Fit:
    guess = family.build(values)
    forward, reverse = both_directions(target, guess)
    value = forward if direction == "forward" else reverse
    return Fit(
        family=family,
        values=values,
        guess=guess,
        direction=direction,  # type: ignore[arg-type]
        divergence=value,
        forward=forward,
        reverse=reverse,
        optima=(Optimum(dict(values), value),),
    )


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
    q = _clipped_scaling(np.exp(log_p), live, lo_arr, hi_arr)
    # A mass too small for a float but not a structural zero stays positive,
    # or forward KL would be ∞.
    tiny = live & (q == 0.0) & (hi_arr > 0.0)
    q[tiny] = math.ulp(0.0)
    values = dict(fixed)
    values.update({name: float(v) for name, v in zip(names, q[:-1], strict=True)})
    if q[-1] == 0.0:
        values = _leave_nothing(values, [n for n in names if n not in fixed], bounds)
    return values


def _clipped_scaling(p: np.ndarray, live: np.ndarray, low: np.ndarray, high: np.ndarray):
    """q = clip(t·p, low, high) with Σq = 1 (Σlow ≤ 1 ≤ Σhigh); entries
    where p is not ``live`` stay at ``low`` unless the live ones at their
    highest leave mass over."""
    dead_low = math.fsum(low[~live])
    lp, ll, lh = p[live], low[live], high[live]

    def total(t: float) -> float:
        with np.errstate(over="ignore", invalid="ignore"):
            return dead_low + math.fsum(np.clip(t * lp, ll, lh))

    q = low.copy()
    if lp.size == 0 or total(math.inf) < 1.0:
        # Even at their highest the live entries leave mass over: it goes
        # where p is zero (forward KL does not mind; reverse is ∞ anyway).
        q[live] = lh
        left = 1.0 - math.fsum(q)
        for i in np.flatnonzero(~live):
            add = min(left, high[i] - q[i])
            q[i] += add
            left -= add
        return q
    with np.errstate(divide="ignore", over="ignore"):
        knots = np.unique(np.concatenate([ll / lp, lh / lp]))
    # The last knot at which the sum is still at most 1 (the first is Σlow).
    first, last = 0, len(knots) - 1
    while first < last:
        middle = (first + last + 1) // 2
        if total(float(knots[middle])) <= 1.0:
            first = middle
        else:
            last = middle - 1
    t_low = float(knots[first])
    t_high = float(knots[first + 1]) if first + 1 < len(knots) else math.inf
    # Between two knots the sum is linear in t: solve it exactly.
    at_low = ll / lp >= t_high if math.isfinite(t_high) else np.zeros(lp.size, bool)
    at_high = lh / lp <= t_low
    moving = ~(at_low | at_high)
    slope = math.fsum(lp[moving])
    rest = 1.0 - dead_low - math.fsum(ll[at_low]) - math.fsum(lh[at_high])
    t = rest / slope if slope > 0.0 else t_low
    with np.errstate(over="ignore", invalid="ignore"):
        q[live] = np.clip(t * lp, ll, lh)
    return q


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


def _clip(values: Mapping[str, float], free: Sequence[str], bounds: Bounds) -> dict[str, float]:
    return {
        name: min(max(float(values[name]), bounds[name][0]), bounds[name][1])
        for name in free
        if name in values
    }


def _is_log(name: str, bounds: Bounds) -> bool:
    return name.startswith("variance") and bounds[name][0] > 0.0


def _default_starts(
    target: Distribution, family: Family, free: Sequence[str], bounds: Bounds
) -> list[dict[str, float]]:
    """Several places to start: the target's own pieces, its moments, broad."""
    mid = {name: 0.5 * (bounds[name][0] + bounds[name][1]) for name in free}
    starts: list[dict[str, float]] = [mid]
    if isinstance(target, Continuous) and is_continuous(family):
        pieces = sorted(zip(target.as_mixture().means, target.as_mixture().variances, strict=True))
        k = family.components if isinstance(family, MixtureFamily) else 1
        suffixes = [""] if isinstance(family, GaussianFamily) else [str(i + 1) for i in range(k)]
        # Each target component alone (what a mode-seeking fit covers) ...
        for mean, var in pieces:
            starts.append(
                {f"mean{s}": mean for s in suffixes} | {f"variance{s}": var for s in suffixes}
            )
        # ... the moments, a broad guess, and the pieces spread over the components.
        starts.append(
            {f"mean{s}": target.mean for s in suffixes}
            | {f"variance{s}": target.variance for s in suffixes}
        )
        if k > 1:
            spread = {f"mean{s}": pieces[i % len(pieces)][0] for i, s in enumerate(suffixes)}
            spread |= {f"variance{s}": pieces[i % len(pieces)][1] for i, s in enumerate(suffixes)}
            starts.append(spread)
            quantiles = np.linspace(
                target.mean - 2 * math.sqrt(target.variance),
                target.mean + 2 * math.sqrt(target.variance),
                k,
            )
            starts.append(
                {f"mean{s}": float(quantiles[i]) for i, s in enumerate(suffixes)}
                | {f"variance{s}": target.variance / k for s in suffixes}
            )
    elif len(free) == 1:
        # One discrete parameter (a binomial's p under reverse KL): 21 starts
        # along it find every basin.
        (name,) = free
        for value in np.linspace(bounds[name][0], bounds[name][1], 21):
            starts.append({name: float(value)})
    return [
        _clip(start | {n: mid[n] for n in free if n not in start}, free, bounds) for start in starts
    ]


_PENALTY = 1e12  # stands in for ∞ so the optimiser can still compare points

#: The most work one fit may do, in evaluations of a one-Gaussian guess
#: against a two-component target (about 0.4 ms each on the benchmark
#: machine); an 8-component guess against an 8-component target costs 28
#: of these an evaluation. The descents stop where they are when it runs out.
SEARCH_BUDGET = 5000.0


def _pieces(thing: Distribution | Family) -> int:
    if isinstance(thing, MixtureFamily):
        return thing.components
    if isinstance(thing, Mixture):
        return len(thing.components)
    return 1


class _Search:
    """Local searches over the free parameters, in the fitter's coordinates:
    log variance where the variance is bounded away from 0, the value itself
    otherwise."""

    def __init__(
        self,
        target: Distribution,
        family: Family,
        direction: str,
        free: Sequence[str],
        bounds: Bounds,
        budget: float | None = None,
    ) -> None:
        self.target, self.family, self.direction = target, family, direction
        self.budget = SEARCH_BUDGET if budget is None else budget
        self.free = list(free)
        self.logs = [_is_log(name, bounds) for name in free]
        self.bounds = {name: bounds[name] for name in free}
        self.lower = np.array(
            [
                math.log(bounds[n][0]) if lg else bounds[n][0]
                for n, lg in zip(free, self.logs, strict=True)
            ]
        )
        self.upper = np.array(
            [
                math.log(bounds[n][1]) if lg else bounds[n][1]
                for n, lg in zip(free, self.logs, strict=True)
            ]
        )
        self.base: dict[str, float] = {}
        # The cost of one evaluation grows with the square of the number of
        # Gaussians involved (quadrature nodes × components).
        pieces = _pieces(target) + _pieces(family)
        self.cost = max(1.0, pieces * pieces / 9.0)
        self.spent = 0.0

    @property
    def exhausted(self) -> bool:
        return self.spent >= self.budget

    def to_values(self, u: np.ndarray) -> dict[str, float]:
        out = dict(self.base)
        for name, value, is_log in zip(self.free, u, self.logs, strict=True):
            if is_log:  # exp(log(x)) can round past x: keep the bounds exact
                low, high = self.bounds[name]
                out[name] = min(max(math.exp(value), low), high)
            else:
                out[name] = float(value)
        return out

    def to_u(self, values: Mapping[str, float]) -> np.ndarray:
        return np.array(
            [
                math.log(values[n]) if is_log else values[n]
                for n, is_log in zip(self.free, self.logs, strict=True)
            ]
        )

    def objective(self, u: np.ndarray) -> tuple[float, np.ndarray]:
        if self.exhausted:  # every further point looks worse: the search stops
            return _PENALTY, np.zeros(len(self.free))
        self.spent += self.cost
        values = self.to_values(u)
        try:
            guess = self.family.build(values)
        except ValueError:
            return _PENALTY, np.zeros(len(self.free))
        value = divergence(self.target, guess, self.direction)
        if not math.isfinite(value):
            return _PENALTY, np.zeros(len(self.free))
        grads = gradient(self.target, self.family, values, self.direction)
        g = np.array(
            [
                grads[n] * (values[n] if is_log else 1.0)
                for n, is_log in zip(self.free, self.logs, strict=True)
            ]
        )
        return value, np.where(np.isfinite(g), g, 0.0)

    def project(self, u: np.ndarray) -> np.ndarray:
        return self.to_u(self.family.project(self.to_values(u)))

    def descend(self, start: dict[str, float]) -> np.ndarray:
        """A bounded local search from ``start``; the point it ends at (u)."""
        self.base = dict(start)
        has_limit = self.family.sum_limit() is not None
        best, _ = minimize_box(
            self.objective,
            self.to_u(start),
            self.lower,
            self.upper,
            self.project if has_limit else None,
        )
        return best

    def local_optima(self, start: dict[str, float]) -> list[dict[str, float]]:
        """Where a descent from ``start`` ends: one local optimum, or, if the
        descent stopped on a saddle (a symmetric start can), the optima on
        either side of it."""
        u = self.descend(start)
        ends = [u]
        if is_continuous(self.family):
            kind, step = self._curvature(u)
            if kind != "minimum":
                here = self.objective(u)[0]
                kicked = [
                    self.descend(self.to_values(np.clip(u + sign * step, self.lower, self.upper)))
                    for sign in (1.0, -1.0)
                ]
                lower = [
                    end
                    for end in kicked
                    if self.objective(end)[0] < here - 1e-9 * max(1.0, abs(here))
                ]
                # A saddle, or flat and lower nearby: the ends replace it.
                ends = kicked if kind == "saddle" or lower else [u, *kicked]
        return [self.family.project(self.to_values(end)) for end in ends]

    def _curvature(self, u: np.ndarray) -> tuple[str, np.ndarray]:
        """How the surface bends at ``u`` among the coordinates no bound
        holds: "minimum" (up every way), "saddle" (down some way), or "flat"
        (two mixture components on top of each other are flat to second
        order); with a step along the least-curved direction."""
        step = np.zeros_like(u)
        value, _ = self.objective(u)
        inside = (u > self.lower + 1e-9) & (u < self.upper - 1e-9)
        index = np.flatnonzero(inside)
        if value >= _PENALTY or index.size == 0:
            return "minimum", step
        h = 1e-4
        columns = []
        for i in index:
            up, down = u.copy(), u.copy()
            up[i] += h
            down[i] -= h
            columns.append((self.objective(up)[1] - self.objective(down)[1])[index] / (2 * h))
        hessian = np.array(columns)
        hessian = 0.5 * (hessian + hessian.T)
        if not np.all(np.isfinite(hessian)):
            return "minimum", step
        eigenvalues, vectors = np.linalg.eigh(hessian)
        scale = max(1.0, float(np.max(np.abs(eigenvalues))))
        if eigenvalues[0] > 1e-6 * scale:
            return "minimum", step
        span = np.minimum(self.upper - self.lower, 1.0)
        step[index] = 0.1 * vectors[:, 0] * span[index]
        return ("saddle" if eigenvalues[0] < -1e-6 * scale else "flat"), step
