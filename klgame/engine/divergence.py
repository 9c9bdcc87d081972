"""KL divergence, cross-entropy and entropy.

``kl(p, q)`` picks a rule from a registry keyed by the pair of distribution
types (the most specific registered pair wins, as in torch's ``kl.py``):

* Gaussian ‖ Gaussian: the closed form, written to keep digits when p ≈ q;
* discrete ‖ discrete: an exact sum over the union of supports, aligned by
  support value (``Binomial(10, p)`` compares with counts over teeth 0..10),
  computed from the log masses so that a mass too small for a float (the
  1e-350 of ``Binomial(5, 1e-70)`` on k = 5) still counts as nonzero;
* anything continuous: deterministic Gauss–Legendre quadrature on panels cut
  at every component's mean ± multiples of its standard deviation, with the
  densities evaluated in log space so far-apart tails give large finite
  values, never overflow or NaN.

Conventions follow ``scipy.special.rel_entr``: 0·log 0 = 0, and p > 0 where
q = 0 gives ``math.inf`` (no NaN, no exception). For discrete distributions
"q = 0" means a structural zero: a value outside q's support, a zero entry
of a categorical, or the far side of a Binomial with p = 0 or p = 1 exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from klgame.engine.distributions import (
    Continuous,
    Discrete,
    Distribution,
    Gaussian,
    Mixture,
)
from klgame.engine.units import Units
from klgame.engine.units import in_units as _scale

UNITS: tuple[Units, ...] = ("nats", "bits")

KLRule = Callable[[Distribution, Distribution], float]
_RULES: dict[tuple[type, type], KLRule] = {}


def register_kl(p_type: type, q_type: type) -> Callable[[KLRule], KLRule]:
    """Register a rule for KL(p‖q) with p of ``p_type`` and q of ``q_type``."""

    def decorate(rule: KLRule) -> KLRule:
        _RULES[(p_type, q_type)] = rule
        return rule

    return decorate


def _lookup(p_type: type, q_type: type) -> KLRule:
    best: tuple[int, int] | None = None
    found: KLRule | None = None
    for (p_key, q_key), rule in _RULES.items():
        if issubclass(p_type, p_key) and issubclass(q_type, q_key):
            rank = (p_type.__mro__.index(p_key), q_type.__mro__.index(q_key))
            if best is None or rank < best:
                best, found = rank, rule
    if found is None:
        raise NotImplementedError(
            f"no KL rule for {p_type.__name__} ‖ {q_type.__name__}: "
            "both must be continuous, or both discrete"
        )
    return found


def kl(p: Distribution, q: Distribution, units: str = "nats") -> float:
    """KL(p‖q) = E_p[log p − log q], in nats or bits; ``inf`` where q misses p."""
    if units not in UNITS:
        raise ValueError(f"units must be 'nats' or 'bits', got {units!r}")
    value = _lookup(type(p), type(q))(p, q)
    return _scale(max(value, 0.0), units)


def cross_entropy(p: Distribution, q: Distribution, units: str = "nats") -> float:
    """H(p, q) = −E_p[log q] = H(p) + KL(p‖q)."""
    if isinstance(p, Discrete) and isinstance(q, Discrete) and p.finite_support:
        pp, lp, lq = _aligned(p, q)
        live = lp > -math.inf
        if np.any(lq[live] == -math.inf):
            return _scale(math.inf, units)
        return _scale(float(math.fsum(-pp[live] * lq[live])), units)
    return _scale(entropy(p) + kl(p, q), units)


def entropy(p: Distribution, units: str = "nats") -> float:
    """H(p) = −E_p[log p]; differential entropy for densities."""
    if isinstance(p, Discrete):
        closed = p.closed_entropy()
        if closed is not None:
            return _scale(closed, units)
        lp = p.log_probs
        live = lp > -math.inf
        return _scale(float(math.fsum(-p.probs[live] * lp[live])), units)
    if isinstance(p, Gaussian):
        # log(2πe) + log v, not log(2πe·v): the product overflows for v = 1e308.
        return _scale(0.5 * (math.log(2.0 * math.pi * math.e) + math.log(p.variance)), units)
    if isinstance(p, Continuous):
        nodes, weights = _grid(p.as_mixture())
        log_p = _log_mixture(p.as_mixture(), nodes)
        return _scale(float(-np.dot(weights, np.exp(log_p) * log_p)), units)
    raise NotImplementedError(f"no entropy for {type(p).__name__}")


# --- discrete -------------------------------------------------------------


def _aligned(p: Discrete, q: Discrete) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """p's masses, p's log masses and q's log masses, aligned by support value.

    Over the union of supports every value outside p's support has p-mass
    zero and adds nothing to KL or cross-entropy, so the arrays run over p's
    support only, in p's order. A value missing from q's support is a
    structural zero there: log mass −∞.

    Work from the log masses: a mass may underflow to 0.0 (1e-350 on k = 5 of
    Binomial(5, 1e-70)) while its log is finite, and only a structural zero
    makes KL or cross-entropy infinite. Terms where p is a structural zero are
    left out (0·log 0 = 0); where p's mass merely underflows, p·(log p − log q)
    is 0.0 in floats, as it should be, and never 0·∞.
    """
    if p.support == q.support:
        return p.probs, p.log_probs, q.log_probs
    return p.probs, p.log_probs, q.log_masses(p.support)


@register_kl(Discrete, Discrete)
def _kl_discrete(p: Distribution, q: Distribution) -> float:
    assert isinstance(p, Discrete) and isinstance(q, Discrete)
    pp, lp, lq = _aligned(p, q)
    live = lp > -math.inf
    if np.any(lq[live] == -math.inf):
        return math.inf  # q is structurally zero where p has mass
    # log p − log q from the log masses, not log(p/q): the ratio overflows for
    # subnormal q, and the masses themselves may underflow.
    return float(math.fsum(pp[live] * (lp[live] - lq[live])))


# --- Gaussian closed form -------------------------------------------------


@register_kl(Gaussian, Gaussian)
def _kl_gaussian(p: Distribution, q: Distribution) -> float:
    assert isinstance(p, Gaussian) and isinstance(q, Gaussian)
    # ½[r − 1 − log r + (Δμ)²/σq²] with r = σp²/σq², over the whole float range.
    vp, vq = p.variance, q.variance
    gap = p.mean - q.mean
    r = vp / vq
    if 0.5 <= r <= 1.5 and abs(gap) < 1e150:  # the common case, inline
        d = (vp - vq) / vq
        if abs(d) >= 1e-3:
            return 0.5 * (d - math.log1p(d) + gap * gap / vq)
    return 0.5 * _variance_shape(vp, vq) + _half_square_gap(p.mean, q.mean, vq)


def _variance_shape(vp: float, vq: float) -> float:
    """r − 1 − log r with r = vp/vq, over the whole float range.

    Near r = 1 as d − log1p(d), d = r − 1, so near-identical pairs keep their
    digits; elsewhere with log r = log vp − log vq, which neither overflows
    nor underflows (vp = 1e-320 against vq = 1: r is subnormal, its log is
    not; 1e300 against 1e-300: r is beyond the float range, so is the result).
    """
    r = vp / vq
    if 0.5 <= r <= 1.5:
        d = (vp - vq) / vq
        if abs(d) < 1e-3:
            # d − log1p(d) = d²/2 − d³/3 + …: the difference of two nearly
            # equal numbers would keep only a few digits of a value ~d²/2.
            return d * d * (1 / 2 - d * (1 / 3 - d * (1 / 4 - d * (1 / 5 - d * (1 / 6 - d / 7)))))
        return d - math.log1p(d)
    return r - 1.0 - (math.log(vp) - math.log(vq))


def _half_square_gap(mp: float, mq: float, vq: float) -> float:
    """(mp − mq)²/(2 vq), without overflow in its parts: inf only when the
    value itself is beyond the float range."""
    scale = math.sqrt(2.0) * math.sqrt(vq)  # 2·vq may overflow
    gap = mp - mq
    # mp − mq overflows only when the means have opposite signs: then the
    # two quotients add without cancellation.
    z = gap / scale if math.isfinite(gap) else mp / scale - mq / scale
    return z * z


# --- continuous, by quadrature --------------------------------------------

# Panel edges at mean + std·offset for every component of both distributions,
# out to 12 std: beyond that a component's mass (e^-72) cannot reach the
# 1e-9 relative accuracy the game promises, even against a far, narrow q.
# (Tuned against 30-digit references: worst relative error ~5e-13.)
_OFFSETS = np.array([0.0, 2.5, 5.0, 8.0, 12.0])
_OFFSETS = np.concatenate([-_OFFSETS[:0:-1], _OFFSETS])
# Around each point where two components of one mixture swap dominance,
# log-sum-exp bends over a width eps = 1/|slope|: grade the panels there.
_KINK_OFFSETS = np.array([-64.0, -16.0, -4.0, -1.0, 0.0, 1.0, 4.0, 16.0, 64.0])
# 10-point Gauss–Legendre on [-1, 1], as numpy.polynomial.legendre.leggauss(10)
# gives them (written out: importing numpy.polynomial costs ~8 ms at start-up;
# tests/engine checks these against leggauss).
_GL_NODES = np.array(
    [
        -0.9739065285171717,
        -0.8650633666889845,
        -0.6794095682990244,
        -0.4333953941292472,
        -0.14887433898163122,
        0.14887433898163122,
        0.4333953941292472,
        0.6794095682990244,
        0.8650633666889845,
        0.9739065285171717,
    ]
)
_GL_WEIGHTS = np.array(
    [
        0.06667134430868814,
        0.1494513491505804,
        0.219086362515982,
        0.2692667193099965,
        0.2955242247147528,
        0.2955242247147528,
        0.2692667193099965,
        0.219086362515982,
        0.1494513491505804,
        0.06667134430868814,
    ]
)


def _grid(
    *mixtures: Mixture, bends: Sequence[Mixture] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature nodes and weights covering every component of ``mixtures``,
    graded around the points where the components of ``bends`` (by default
    ``mixtures`` themselves) swap dominance."""
    means = np.concatenate([m.means for m in mixtures])
    stds = np.sqrt(np.concatenate([m.variances for m in mixtures]))
    edges = (means[:, None] + stds[:, None] * _OFFSETS[None, :]).ravel()
    lo, hi = edges.min(), edges.max()
    kinks = [value for m in (mixtures if bends is None else bends) for value in m.crossings]
    if kinks:
        pairs = np.asarray(kinks).reshape(-1, 2)
        extra = (pairs[:, :1] + pairs[:, 1:] * _KINK_OFFSETS[None, :]).ravel()
        edges = np.concatenate([edges, extra[(extra > lo) & (extra < hi)]])
    # Sorted, exact duplicates dropped (what np.unique does, at a third of its cost).
    edges.sort()
    left, right = edges[:-1], edges[1:]
    apart = right > left
    left, right = left[apart], right[apart]
    half = 0.5 * (right - left)
    mid = 0.5 * (right + left)
    nodes = (mid[:, None] + half[:, None] * _GL_NODES[None, :]).ravel()
    weights = (half[:, None] * _GL_WEIGHTS[None, :]).ravel()
    return nodes, weights


def _log_mixture(m: Mixture, x: np.ndarray) -> np.ndarray:
    """log m(x), component by component (contiguous 1-D arrays are fastest).

    The fast path: callers check :func:`_ordinary` first, within which
    nothing here overflows.
    """
    return _log_sum(_component_logs(m, x))


def _component_logs(m: Mixture, x: np.ndarray) -> list[np.ndarray]:
    """log(wⱼ·Nⱼ(x)) for each component j (the fast path's arithmetic)."""
    logs = []
    for mean, inv_std, const in zip(m.means, m.inv_stds, m.log_norms, strict=True):
        z = (x - mean) * inv_std
        z *= z
        z *= -0.5
        z += const
        logs.append(z)
    return logs


def _log_sum(logs: list[np.ndarray]) -> np.ndarray:
    """log Σⱼ exp(logsⱼ), shifted by the largest: never above any logsⱼ's
    own value by less than 0, so each exp(logsⱼ − result) is at most 1."""
    if len(logs) == 1:
        return logs[0]
    top = np.maximum.reduce(logs)
    total = np.exp(logs[0] - top)
    for log in logs[1:]:
        total += np.exp(log - top)
    return top + np.log(total)


def _log_mixture_anywhere(m: Mixture, x: np.ndarray) -> np.ndarray:
    """log m(x) for any parameters: −∞ where every component's log density
    is below the float range (a node 1e200 standard deviations away), never
    NaN."""
    return _log_sum_anywhere(_component_logs_anywhere(m, x))


def _component_logs_anywhere(m: Mixture, x: np.ndarray) -> list[np.ndarray]:
    """log(wⱼ·Nⱼ(x)) for any parameters: −∞ beyond the float range."""
    with np.errstate(over="ignore", invalid="ignore"):
        logs = []
        for mean, inv_std, const in zip(m.means, m.inv_stds, m.log_norms, strict=True):
            z = (x - mean) * inv_std
            logs.append(const - 0.5 * (z * z))
        return logs


def _log_sum_anywhere(logs: list[np.ndarray]) -> np.ndarray:
    """:func:`_log_sum` where every term may be −∞ (the sum is then −∞)."""
    top = np.maximum.reduce(logs)
    safe = np.where(top > -math.inf, top, 0.0)
    total = np.zeros_like(safe)
    for log in logs:
        total += np.exp(log - safe)
    with np.errstate(divide="ignore"):
        return np.where(top > -math.inf, safe + np.log(total), -math.inf)


def _kl_terms(p_log: np.ndarray, q_log: np.ndarray) -> np.ndarray:
    """Pointwise p·log(p/q) − p + q ≥ 0, whose integral is KL(p‖q).

    Adding −p + q (which integrates to zero) makes every term non-negative,
    so small divergences are not the difference of two large sums.
    """
    d = p_log - q_log
    p = np.exp(p_log)
    with np.errstate(over="ignore", invalid="ignore"):
        near = p * (d + np.expm1(-d))
    far = p * d - p + np.exp(q_log)
    return np.where(np.abs(d) < 0.5, near, far)


def _log_pair(pm: Mixture, qm: Mixture, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(log p(x), log q(x)) for 1-D ``x``, as :func:`_log_mixture` gives them
    (the same operations in the same order), all components in one 2-D pass.

    Each mixture's terms are shifted by their largest (which is exp(0) = 1),
    and floored at −40 before the exponential: exp(−40) ≈ 4e−18, so the
    floored terms, which the sum of at least 1 swallows, move a result by an
    ulp at most (rarely: tests/engine/test_log_pair.py), while the floor keeps
    ``exp`` off its slow path for arguments below −708 (on wide pairs half
    the terms, and three times the time).
    """
    k = len(pm.means)
    means = np.concatenate([pm.means, qm.means])[:, None]
    inv_stds = np.concatenate([pm.inv_stds, qm.inv_stds])[:, None]
    consts = np.concatenate([pm.log_norms, qm.log_norms])[:, None]
    z = x[None, :] - means
    z *= inv_stds
    z *= z
    z *= -0.5
    z += consts
    out = []
    for part in (z[:k], z[k:]):
        if part.shape[0] == 1:
            out.append(part[0])
            continue
        top = part.max(axis=0)
        part -= top
        np.maximum(part, -40.0, out=part)
        np.exp(part, out=part)
        total = part[0].copy()
        for row in part[1:]:
            total += row
        out.append(top + np.log(total))
    return out[0], out[1]


def continuous_pair(p: Continuous, q: Continuous) -> tuple[float, float]:
    """(KL(p‖q), KL(q‖p)) in nats from one shared set of density evaluations."""
    pm, qm = p.as_mixture(), q.as_mixture()
    if not _ordinary(pm, qm):
        return _far_pair(pm, qm)
    nodes, weights = _grid(pm, qm)
    p_log, q_log = _log_pair(pm, qm, nodes)
    # _kl_terms both ways, sharing the exponentials.
    d = p_log - q_log
    dp, dq = np.exp(p_log), np.exp(q_log)
    near = np.abs(d) < 0.5
    with np.errstate(over="ignore", invalid="ignore"):
        forward_terms = np.where(near, dp * (d + np.expm1(-d)), dp * d - dp + dq)
        reverse_terms = np.where(near, dq * (np.expm1(d) - d), dp - dq - dq * d)
    forward = float(np.dot(weights, forward_terms))
    reverse = float(np.dot(weights, reverse_terms))
    return max(forward, 0.0), max(reverse, 0.0)


def _pair_sums(p_log: np.ndarray, q_log: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """Both quadrature sums from log densities that may be −∞ at a node."""
    with np.errstate(over="ignore", invalid="ignore"):
        d = p_log - q_log
        dp, dq = np.exp(p_log), np.exp(q_log)
        near = np.abs(d) < 0.5
        forward_terms = np.where(near, dp * (d + np.expm1(-d)), dp * d - dp + dq)
        reverse_terms = np.where(near, dq * (np.expm1(d) - d), dp - dq - dq * d)
        # A density below the float range at a node: 0·log 0 = 0, and
        # p·log(p/0) = ∞ (the other one is then beyond the float range too).
        p_zero, q_zero = p_log == -math.inf, q_log == -math.inf
        forward_terms = np.where(p_zero, dq, np.where(q_zero, math.inf, forward_terms))
        reverse_terms = np.where(q_zero, dp, np.where(p_zero, math.inf, reverse_terms))
        return float(np.dot(weights, forward_terms)), float(np.dot(weights, reverse_terms))


def _ordinary(pm: Mixture, qm: Mixture) -> bool:
    """Whether the plain grid is exact (~1e-13) and nothing in it overflows:
    every mean within 1e6 of its own standard deviations from 0 (nodes keep
    their digits) and all standard deviations within 1e100 of each other
    (no squared distance overflows)."""
    p_low, p_high, p_far = pm.scale
    q_low, q_high, q_far = qm.scale
    return not (p_far or q_far) and max(p_high, q_high) <= 1e100 * min(p_low, q_low)


def _far_pair(pm: Mixture, qm: Mixture) -> tuple[float, float]:
    """Both divergences when some component sits so far from 0, for its
    width, that nodes near it lose their digits (see :func:`panels`)."""
    forward = reverse = 0.0
    for panel in panels(pm, qm):
        f, r = _pair_sums(
            _log_mixture_anywhere(panel.p, panel.nodes),
            _log_mixture_anywhere(panel.q, panel.nodes),
            panel.weights,
        )
        forward += f
        reverse += r
    return max(forward, 0.0), max(reverse, 0.0)


@dataclass(frozen=True)
class Panel:
    """One stretch of quadrature: the pair (perhaps shifted) and its nodes.

    ``ordinary``: the fast arithmetic (:func:`_log_mixture`) is exact here.
    """

    p: Mixture
    q: Mixture
    nodes: np.ndarray
    weights: np.ndarray
    ordinary: bool


def panels(pm: Mixture, qm: Mixture) -> list[Panel]:
    """Where to integrate a pair of mixtures: one grid over both, or, when
    some component sits so far from 0, for its width, that nodes near it
    lose their digits (a mean of 1e200 with variance 1: no float lies
    between 1e200 and 1e200 + 1e184), one grid per cluster.

    The components are grouped into clusters that overlap within 40
    standard deviations; each cluster is integrated on its own grid in
    coordinates centred on its narrowest component, where the nodes are
    exact (a divergence, and its slope, do not change when both
    distributions move together). Between clusters every density is below
    e^-800 of its peak.
    """
    if _ordinary(pm, qm):
        nodes, weights = _grid(pm, qm)
        return [Panel(pm, qm, nodes, weights, True)]
    parts = [
        (float(mean), float(v))
        for m in (pm, qm)
        for mean, v in zip(m.means, m.variances, strict=True)
    ]
    order = sorted(range(len(parts)), key=lambda i: parts[i][0])
    clusters: list[list[int]] = []
    reach = -math.inf
    for i in order:
        mean, variance = parts[i]
        half = 40.0 * math.sqrt(variance)
        if not clusters or mean - half > reach:
            clusters.append([])
        clusters[-1].append(i)
        reach = max(reach, mean + half)
    out = []
    for cluster in clusters:
        anchor = parts[min(cluster, key=lambda i: parts[i][1])][0]
        local = Mixture([Gaussian(*_shift(parts[i], anchor)) for i in cluster])
        p, q = _shifted(pm, anchor), _shifted(qm, anchor)
        # graded where p's or q's own components swap dominance (a narrow
        # component's tail giving way to a far wide one's, 10 away)
        nodes, weights = _grid(local, bends=(p, q))
        out.append(Panel(p, q, nodes, weights, False))
    return out


def _shift(part: tuple[float, float], anchor: float) -> tuple[float, float]:
    mean, variance = part
    moved = mean - anchor
    if not math.isfinite(moved):  # beyond the float range: as far as it gets
        moved = math.copysign(1.7976931348623157e308, moved)
    return moved, variance


def _shifted(m: Mixture, anchor: float) -> Mixture:
    parts = [Gaussian(*_shift((c.mean, c.variance), anchor)) for c in m.components]
    return Mixture(parts, m.weights)


def pointwise_kl(p: Continuous, q: Continuous, x: np.ndarray) -> np.ndarray:
    """The integrand p(x)·log(p(x)/q(x)) of KL(p‖q): where the divergence comes from."""
    p_log = _log_mixture(p.as_mixture(), np.asarray(x, dtype=float))
    q_log = _log_mixture(q.as_mixture(), np.asarray(x, dtype=float))
    return np.exp(p_log) * (p_log - q_log)


@register_kl(Continuous, Continuous)
def _kl_continuous(p: Distribution, q: Distribution) -> float:
    assert isinstance(p, Continuous) and isinstance(q, Continuous)
    pm, qm = p.as_mixture(), q.as_mixture()
    if not _ordinary(pm, qm):
        return _far_pair(pm, qm)[0]
    nodes, weights = _grid(pm, qm)
    return float(np.dot(weights, _kl_terms(_log_mixture(pm, nodes), _log_mixture(qm, nodes))))
