"""KL's cousins: Jensen–Shannon, Hellinger and total variation.

All three compare p and q like KL does, for the same pairs (both continuous,
or both discrete), with the same conventions -- never NaN, never an
exception for valid distributions -- but unlike KL they are symmetric and
bounded:

* ``jensen_shannon(p, q)`` = ½KL(p‖m) + ½KL(q‖m) with m = (p + q)/2, in
  [0, ln 2] nats (one bit): finite even where KL is ∞, because m covers both;
* ``hellinger(p, q)`` = H with H² = 1 − ∫√(pq) (the Bhattacharyya
  coefficient), in [0, 1], no units;
* ``total_variation(p, q)`` = ½∫|p − q| = the largest difference of the
  probabilities p and q give any event, in [0, 1], no units.

Densities are integrated on the quadrature panels of
:mod:`klgame.engine.divergence`, with the panels also graded around the
points where a component of p and one of q swap dominance (log m bends
there). Total variation is not integrated at all: |p − q| has a corner
wherever p = q, so the crossings are found (bisection in log space) and TV is
a sum of differences of Gaussian CDFs over the stretches between them.
Each pointwise term is written so that near-identical pairs keep their
digits: (√p − √q)² as p·expm1(Δ/2)², |p − q| as p·(−expm1(Δ)).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from klgame.engine.distributions import Continuous, Discrete, Distribution, Gaussian, Mixture
from klgame.engine.divergence import UNITS, _grid, _log_mixture
from klgame.engine.units import LN2

__all__ = ["hellinger", "jensen_shannon", "total_variation"]

_SQRT2 = math.sqrt(2.0)
_BISECTIONS = 80  # halvings of a crossing's bracket: far below any float's spacing


def jensen_shannon(p: Distribution, q: Distribution, units: str = "nats") -> float:
    """JS(p, q) = ½KL(p‖m) + ½KL(q‖m), m = (p + q)/2; at most ln 2 nats (1 bit)."""
    if units not in UNITS:
        raise ValueError(f"units must be 'nats' or 'bits', got {units!r}")
    if isinstance(p, Continuous) and isinstance(q, Continuous):
        value = _js_continuous(p, q)
    elif isinstance(p, Discrete) and isinstance(q, Discrete):
        value = _js_discrete(*_union(p, q))
    else:
        _mismatch(p, q)
    value = min(max(value, 0.0), LN2)
    return value / LN2 if units == "bits" else value


def hellinger(p: Distribution, q: Distribution) -> float:
    """The Hellinger distance H(p, q), with H² = 1 − ∫√(pq); in [0, 1]."""
    if isinstance(p, Gaussian) and isinstance(q, Gaussian):
        squared = _hellinger2_gaussian(p, q)
    elif isinstance(p, Continuous) and isinstance(q, Continuous):
        squared = _hellinger2_continuous(p, q)
    elif isinstance(p, Discrete) and isinstance(q, Discrete):
        squared = _hellinger2_discrete(*_union(p, q))
    else:
        _mismatch(p, q)
    return math.sqrt(min(max(squared, 0.0), 1.0))


def total_variation(p: Distribution, q: Distribution) -> float:
    """The total variation distance ½∫|p − q|; in [0, 1]."""
    if isinstance(p, Continuous) and isinstance(q, Continuous):
        value = _tv_continuous(p, q)
    elif isinstance(p, Discrete) and isinstance(q, Discrete):
        value = _tv_discrete(*_union(p, q))
    else:
        _mismatch(p, q)
    return min(max(value, 0.0), 1.0)


def _mismatch(p: Distribution, q: Distribution) -> None:
    raise NotImplementedError(
        f"no rule for {type(p).__name__} and {type(q).__name__}: "
        "both must be continuous, or both discrete"
    )


# --- pointwise terms, from log densities -------------------------------------------


def _js_terms(p_log: np.ndarray, q_log: np.ndarray) -> np.ndarray:
    """½[p·log(p/m) − p + m] + ½[q·log(q/m) − q + m] ≥ 0 (the −p − q + 2m adds 0).

    Both halves are the larger density times a function of the ratio r of the
    smaller to the larger, written so that p ≈ q keeps its digits.
    """
    hi = np.maximum(p_log, q_log)
    lo = np.minimum(p_log, q_log)
    with np.errstate(invalid="ignore", over="ignore"):
        gap = lo - hi  # ≤ 0, −∞ where the smaller one is zero
        r = np.exp(gap)  # the smaller over the larger, in [0, 1]
        # With a = larger, b = smaller = r·a, m = a(1 + r)/2:
        # a·log(a/m) − a + m = a[log(2/(1 + r)) + (r − 1)/2]
        # b·log(b/m) − b + m = a[r·log(2r/(1 + r)) + (1 − r)/2]
        # Their sum over 2: a/2·[log 2 − log1p(r) + r(log 2 + gap − log1p(r))],
        # which loses digits as r → 1; there use its Taylor series in s = 1 − r
        # (coefficients from mpmath's taylor(); the next term is below 1e-13).
        s = -np.expm1(gap)
        exact = LN2 - np.log1p(r) + np.where(r > 0.0, r * (LN2 + gap - np.log1p(r)), 0.0)
        tail = 3 / 64 + s * (31 / 960 + s * (3 / 128))
        series = s * s * (1 / 4 + s * (1 / 8 + s * (7 / 96 + s * tail)))
        inner = np.where(s < 1e-2, series, exact)
        out = 0.5 * np.exp(hi) * inner
    return np.where(hi == -math.inf, 0.0, out)


def _hellinger_terms(p_log: np.ndarray, q_log: np.ndarray) -> np.ndarray:
    """½(√p − √q)² = ½·max·expm1(Δ/2)², Δ = min − max of the logs (≤ 0)."""
    hi = np.maximum(p_log, q_log)
    lo = np.minimum(p_log, q_log)
    with np.errstate(invalid="ignore"):
        half = np.expm1(0.5 * (lo - hi))
        out = 0.5 * np.exp(hi) * half * half
    return np.where(hi == -math.inf, 0.0, out)


def _tv_terms(p_log: np.ndarray, q_log: np.ndarray) -> np.ndarray:
    """½|p − q| = ½·max·(−expm1(Δ)), Δ = min − max of the logs (≤ 0)."""
    hi = np.maximum(p_log, q_log)
    lo = np.minimum(p_log, q_log)
    with np.errstate(invalid="ignore"):
        out = -0.5 * np.exp(hi) * np.expm1(lo - hi)
    return np.where(hi == -math.inf, 0.0, out)


# --- discrete ------------------------------------------------------------------------


def _union(p: Discrete, q: Discrete) -> tuple[np.ndarray, np.ndarray]:
    """p's and q's log masses over the union of their supports (−∞ off a support)."""
    if p.support == q.support:
        return np.asarray(p.log_probs, dtype=float), np.asarray(q.log_probs, dtype=float)
    seen = set(p.support)
    values = list(p.support) + [v for v in q.support if v not in seen]
    # Each one's own log masses: exact off a window of an infinite support too.
    return p.log_masses(values), q.log_masses(values)


def _js_discrete(lp: np.ndarray, lq: np.ndarray) -> float:
    return math.fsum(_js_terms(lp, lq).tolist())


def _hellinger2_discrete(lp: np.ndarray, lq: np.ndarray) -> float:
    return math.fsum(_hellinger_terms(lp, lq).tolist())


def _tv_discrete(lp: np.ndarray, lq: np.ndarray) -> float:
    return math.fsum(_tv_terms(lp, lq).tolist())


# --- continuous ----------------------------------------------------------------------


def _both(p: Continuous, q: Continuous) -> tuple[Mixture, Mixture, Mixture]:
    """p and q as mixtures, and m = (p + q)/2 as one mixture of all their components."""
    pm, qm = p.as_mixture(), q.as_mixture()
    weights = [0.5 * w for w in pm.weights] + [0.5 * w for w in qm.weights]
    return pm, qm, Mixture(pm.components + qm.components, weights)


def _integrate(p: Continuous, q: Continuous, terms) -> float:
    pm, qm, mm = _both(p, q)
    # m's crossings include every point where a component of p and one of q
    # swap dominance: log m, and so the integrands, bend there.
    nodes, weights = _grid(pm, qm, mm)
    return float(np.dot(weights, terms(_log_mixture(pm, nodes), _log_mixture(qm, nodes))))


def _js_continuous(p: Continuous, q: Continuous) -> float:
    return _integrate(p, q, _js_terms)


def _hellinger2_continuous(p: Continuous, q: Continuous) -> float:
    return _integrate(p, q, _hellinger_terms)


def _hellinger2_gaussian(p: Gaussian, q: Gaussian) -> float:
    """1 − BC with log BC = −½·log1p((σp − σq)²/(2σpσq)) − Δμ²/(4(σp² + σq²))."""
    sp, sq = p.std, q.std
    spread = (sp - sq) ** 2 / (2.0 * sp * sq)
    log_bc = -0.5 * math.log1p(spread) - (p.mean - q.mean) ** 2 / (4.0 * (p.variance + q.variance))
    return -math.expm1(log_bc)


def _mass(m: Mixture, a: float, b: float) -> float:
    """m's probability of [a, b], each component's from its nearer tail (erfc)."""
    total = []
    for weight, mean, inv_std in zip(m.weights, m.means.tolist(), m.inv_stds.tolist(), strict=True):
        za = (a - mean) * inv_std / _SQRT2
        zb = (b - mean) * inv_std / _SQRT2
        if za >= 0.0:
            piece = 0.5 * (math.erfc(za) - math.erfc(zb))
        elif zb <= 0.0:
            piece = 0.5 * (math.erfc(-zb) - math.erfc(-za))
        else:
            piece = 1.0 - 0.5 * math.erfc(-za) - 0.5 * math.erfc(zb)
        total.append(weight * piece)
    return math.fsum(total)


def crossings(p: Continuous, q: Continuous) -> list[float]:
    """The points where the densities of p and q cross, sorted.

    Sign changes of log p − log q on the quadrature nodes (and the panel
    edges' neighbourhoods they cover) bracket them; bisection refines each.
    """
    pm, qm, mm = _both(p, q)
    nodes, _ = _grid(pm, qm, mm)
    nodes = np.sort(nodes)
    gap = _log_mixture(pm, nodes) - _log_mixture(qm, nodes)
    sign = np.sign(gap)
    change = np.flatnonzero(sign[:-1] * sign[1:] < 0)
    exact = nodes[np.flatnonzero(sign == 0.0)]
    if change.size == 0:
        return sorted(set(exact.tolist()))
    lo, hi = nodes[change].copy(), nodes[change + 1].copy()
    lo_sign = sign[change]
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        here = np.sign(_log_mixture(pm, mid) - _log_mixture(qm, mid))
        same = here == lo_sign
        lo = np.where(same, mid, lo)
        hi = np.where(same, hi, mid)
        if np.all(hi - lo <= 4.0 * np.spacing(np.abs(hi) + np.abs(lo))):
            break
    return sorted(set((0.5 * (lo + hi)).tolist()) | set(exact.tolist()))


def _tv_continuous(p: Continuous, q: Continuous) -> float:
    pm, qm = p.as_mixture(), q.as_mixture()
    if pm == qm:
        return 0.0
    cuts = [-math.inf, *crossings(pm, qm), math.inf]
    pieces = [abs(_mass(pm, a, b) - _mass(qm, a, b)) for a, b in itertools.pairwise(cuts)]
    return 0.5 * math.fsum(pieces)
