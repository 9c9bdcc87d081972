"""The best achievable fit, and the slope at any guess.

Scoring needs D*, the smallest divergence a player could reach within the
level's family and bounds; hints and the autopilot need the gradient.

* By the problem's structure first. A categorical guess: KL is convex in q
  both ways, and the optimum is exact and closed-form (see
  :mod:`klgame.engine.closed_form`). Forward KL to one free Gaussian is moment
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

from klgame.engine import closed_form as _closed_forms  # noqa: F401 (registers them)
from klgame.engine import registry
from klgame.engine.cousins import hellinger, jensen_shannon, total_variation
from klgame.engine.cousins_gradient import cousin_gradient
from klgame.engine.distributions import Continuous, Distribution, Gaussian, Mixture
from klgame.engine.divergence import (
    _component_logs,
    _component_logs_anywhere,
    _kl_terms,
    _log_mixture,
    _log_mixture_anywhere,
    _log_sum,
    _log_sum_anywhere,
    _pair_sums,
    continuous_pair,
    kl,
    panels,
)
from klgame.engine.families import (
    Family,
    GaussianFamily,
    MixtureFamily,
)
from klgame.engine.measures import COUSINS
from klgame.engine.optimize import minimize_box
from klgame.engine.registry import is_continuous

Direction = Literal["forward", "reverse"]
DIRECTIONS: tuple[Direction, ...] = ("forward", "reverse")
#: What the scoring functions accept as ``direction``: a KL direction, or a
#: symmetric cousin by name (:mod:`klgame.engine.measures`).
CRITERIA: tuple[str, ...] = (*DIRECTIONS, *COUSINS)
Bounds = Mapping[str, tuple[float, float]]


def divergence(target: Distribution, guess: Distribution, direction: str) -> float:
    """The scoring divergence: forward KL(p‖q) or reverse KL(q‖p) in nats, or,
    for a cousin's name (a level's ``scoring``), Jensen–Shannon (nats), the
    Hellinger distance or total variation (no units)."""
    if direction == "forward":
        return kl(target, guess)
    if direction == "reverse":
        return kl(guess, target)
    if direction == "jensen-shannon":
        return jensen_shannon(target, guess)
    if direction == "hellinger":
        return hellinger(target, guess)
    if direction == "total-variation":
        return total_variation(target, guess)
    raise ValueError(f"direction must be one of {', '.join(CRITERIA)}, got {direction!r}")


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
    """A best fit: its parameters, the guess they build, and its divergences.

    ``direction`` is the criterion fitted (a KL direction, or a cousin by name,
    see :func:`divergence`) and ``divergence`` its value there (nats, or no
    units for Hellinger and total variation); ``forward`` and ``reverse`` are
    the two KLs in nats.

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
    """D and dD/dmean_j, dD/dvariance_j for a Gaussian-mixture guess, from
    one quadrature (the panels and arithmetic of :func:`kl`, so D is the
    value ``kl`` gives).

    forward:  dKL(p‖q)/dθ = −∫ p ∂θ log q
    reverse:  dKL(q‖p)/dθ =  ∫ q ∂θ log q · (log q − log p − cⱼ)

    with ∂θ log q = rⱼ·∂θ log Nⱼ and rⱼ = wⱼNⱼ/q the responsibilities, taken
    as exp(log wⱼNⱼ − log q) from the very terms log q is summed from, so
    each is at most 1 wherever the schema lets a mean or variance go (a node
    2e9 standard deviations from a component puts log wⱼNⱼ near −2e18,
    where the densities themselves would make 0/0). Any constant cⱼ leaves
    the reverse slope as it is (∫ wⱼNⱼ ∂θ log Nⱼ = 0); cⱼ, the mean of
    log q − log p under component j, keeps the terms summed small: without
    it a guess 1e6 from a target of variance 1e-6 (log q − log p ≈ 5e17)
    had a slope of 7e10 where the true one is 0.0025.
    """
    value = 0.0
    far = False
    pieces = []
    for panel in panels(target.as_mixture(), guess):
        nodes, weights = panel.nodes, panel.weights
        if panel.ordinary:
            p_log = _log_mixture(panel.p, nodes)
            logs = _component_logs(panel.q, nodes)
            q_log = _log_sum(logs)
            ahead, behind = (p_log, q_log) if direction == "forward" else (q_log, p_log)
            value += float(np.dot(weights, _kl_terms(ahead, behind)))
        else:
            far = True
            p_log = _log_mixture_anywhere(panel.p, nodes)
            logs = _component_logs_anywhere(panel.q, nodes)
            q_log = _log_sum_anywhere(logs)
            forward, reverse = _pair_sums(p_log, q_log, weights)
            value += forward if direction == "forward" else reverse
        seen = q_log > -math.inf
        resp = np.exp(np.stack(logs, axis=1) - np.where(seen, q_log, 0.0)[:, None])
        resp[~seen] = 0.0
        inv_stds = panel.q.inv_stds
        with np.errstate(over="ignore", invalid="ignore"):
            z = (nodes[:, None] - panel.q.means[None, :]) * inv_stds[None, :]
            # ∂ log Nⱼ/∂mean = z/σ, ∂ log Nⱼ/∂variance = (z² − 1)/(2σ²)
            by_mean = np.where(resp > 0.0, z * inv_stds, 0.0)
            by_var = np.where(resp > 0.0, 0.5 * (z * z - 1.0) * inv_stds**2, 0.0)
        if direction == "forward":
            share = (weights * -np.exp(p_log))[:, None] * resp
            gap = np.zeros_like(q_log)
        else:
            share = (weights * np.exp(q_log))[:, None] * resp  # wⱼNⱼ at each node
            with np.errstate(invalid="ignore"):
                gap = np.where(seen & (p_log > -math.inf), q_log - p_log, 0.0)
        pieces.append((share, gap, by_mean, by_var))
    centre = np.zeros(len(guess.means))
    if direction == "reverse":
        total = sum(share.sum(axis=0) for share, *_ in pieces)
        first = sum(gap @ share for share, gap, *_ in pieces)
        centre = np.divide(first, total, out=centre, where=total > 0.0)
    d_mean = np.zeros(len(guess.means))
    d_var = np.zeros(len(guess.means))
    for share, gap, by_mean, by_var in pieces:
        lead = share * (gap[:, None] - centre[None, :]) if direction == "reverse" else share
        d_mean += np.einsum("nj,nj->j", lead, by_mean)
        d_var += np.einsum("nj,nj->j", lead, by_var)
    return (max(value, 0.0) if far else value), d_mean, d_var


def gradient(
    target: Distribution, family: Family, values: Mapping[str, float], direction: str
) -> dict[str, float]:
    """dD/dθ (nats, or no units for Hellinger and total variation) per unit
    of each parameter of ``family`` at ``values``; ``direction`` as for
    :func:`divergence`."""
    return value_and_gradient(target, family, values, direction)[1]


def value_and_gradient(
    target: Distribution, family: Family, values: Mapping[str, float], direction: str
) -> tuple[float, dict[str, float]]:
    """D and dD/dθ at ``values``: for Gaussian and mixture guesses against a
    continuous target, under KL both from one quadrature."""
    guess = family.build(values)
    if isinstance(family, GaussianFamily | MixtureFamily) and isinstance(target, Continuous):
        # The guess itself, zero-weight components included, so that the
        # gradient has one entry per parameter of the family.
        mixture = guess if isinstance(guess, Mixture) else guess.as_mixture()  # type: ignore[attr-defined]
        if direction in DIRECTIONS:
            value, d_mean, d_var = _mixture_gradient(target, mixture, direction)
            if isinstance(target, Gaussian) and isinstance(guess, Gaussian):
                value = divergence(target, guess, direction)  # kl's closed form
        else:
            value = divergence(target, guess, direction)
            d_mean, d_var = cousin_gradient(target, mixture, direction)
        if isinstance(family, GaussianFamily):
            return value, {"mean": float(d_mean[0]), "variance": float(d_var[0])}
        out: dict[str, float] = {}
        for i in range(family.components):
            out[f"mean{i + 1}"] = float(d_mean[i])
            out[f"variance{i + 1}"] = float(d_var[i])
        return value, out
    value = divergence(target, guess, direction)
    if not math.isfinite(value):  # no way down from ∞ to measure
        return value, dict.fromkeys(family.param_names, 0.0)
    return value, _numeric_gradient(target, family, values, direction)


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
    if direction not in CRITERIA:
        raise ValueError(f"direction must be one of {', '.join(CRITERIA)}, got {direction!r}")
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
    # The closed forms are KL's; a cousin is searched for.
    rule = registry.closed_form(family) if direction in DIRECTIONS else None
    if rule is not None:
        values = rule(target, family, direction, bounds, fixed)
        if values is not None:
            return _finish(target, family, dict(values), direction)
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
    if direction in DIRECTIONS:
        value = forward if direction == "forward" else reverse
    else:
        value = divergence(target, guess, direction)
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


def _clip(values: Mapping[str, float], free: Sequence[str], bounds: Bounds) -> dict[str, float]:
    return {
        name: min(max(float(values[name]), bounds[name][0]), bounds[name][1])
        for name in free
        if name in values
    }


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
        self.logs = [registry.log_scaled(family, name, bounds[name][0]) for name in free]
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
            value, grads = value_and_gradient(self.target, self.family, values, self.direction)
        except ValueError:
            return _PENALTY, np.zeros(len(self.free))
        if not math.isfinite(value):
            return _PENALTY, np.zeros(len(self.free))
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
