"""Jensen–Shannon and Hellinger for many Gaussian or mixture guesses at once.

The batched twin of :mod:`klgame.engine.cousins` for a continuous target, as
:mod:`klgame.engine.batch` is of KL: one guess per row, integrated on the
panels ``cousins`` integrates on -- every component's mean ± the same
multiples of its std, graded around the crossings of p's components, of q's,
and of m = (p + q)/2's (where a component of p and one of q swap dominance)
-- with the same nodes and the same pointwise terms, so it agrees with the
scalar path to rounding (a test holds it to 1e-12). Edges outside a row's
reach are clamped onto its low end, panels of width zero adding exactly 0.
A Gaussian guess of a Gaussian target takes Hellinger's closed form.

Total variation is not here: it is found from the crossings of p and q by
bisection, guess by guess (:mod:`klgame.engine.batch` calls the scalar path).
"""

from __future__ import annotations

import math

import numpy as np

from klgame.engine.batch import _edges, _guess_kinks, _log_densities_at_nodes
from klgame.engine.cousins import _hellinger_terms, _js_terms
from klgame.engine.distributions import _LOG_SQRT_2PI, Continuous, Gaussian, Mixture
from klgame.engine.divergence import _KINK_OFFSETS
from klgame.engine.families import GaussianFamily, MixtureFamily
from klgame.engine.units import LN2

__all__ = ["BATCHED", "cousin_divergences"]

#: The cousins batched here.
BATCHED = ("jensen-shannon", "hellinger")
#: Guesses integrated together (bounds the memory of one pass).
_ROWS = 256


def cousin_divergences(
    target: Continuous,
    family: GaussianFamily | MixtureFamily,
    criterion: str,
    flat: dict[str, np.ndarray],
    count: int,
) -> np.ndarray | None:
    """JS (nats) or H for each of ``count`` guesses; None where the scalar
    path must answer (a mixture component switched off)."""
    if isinstance(family, GaussianFamily):
        means, variances = flat["mean"][:, None], flat["variance"][:, None]
        weights = np.ones(1)
    else:
        k = family.components
        means = np.stack([flat[f"mean{i}"] for i in range(1, k + 1)], axis=1)
        variances = np.stack([flat[f"variance{i}"] for i in range(1, k + 1)], axis=1)
        raw = np.ones(k) if family.weights is None else np.asarray(family.weights, dtype=float)
        if np.any(raw <= 0.0) or not np.all(np.isfinite(raw)):
            return None
        weights = raw / math.fsum(raw.tolist())
    bad = ~(np.all(np.isfinite(means), axis=1) & np.all(variances > 0.0, axis=1))
    bad |= ~np.all(np.isfinite(variances), axis=1)
    out = np.full(count, math.inf)  # what the scalar path gives a guess it cannot build
    good = np.flatnonzero(~bad)
    if good.size == 0:
        return out
    means, variances = means[good], variances[good]
    if criterion == "hellinger" and isinstance(target, Gaussian) and means.shape[1] == 1:
        out[good] = _hellinger_gaussian(target, means[:, 0], variances[:, 0])
        return out
    pm = target.as_mixture()
    stds = np.sqrt(variances)
    with np.errstate(divide="ignore"):
        log_norms = np.log(weights)[None, :] - np.log(stds) - _LOG_SQRT_2PI
    edges = _cousin_edges(pm, means, variances, stds, log_norms, weights)
    # Rows with as many real (not clamped) edges go together, so that each
    # chunk drops its shared run of zero-width panels at the low end.
    used = edges.shape[1] - np.sum(edges == edges[:, :1], axis=1)
    order = np.argsort(used, kind="stable")
    values = np.empty(good.size)
    for start in range(0, good.size, _ROWS):
        chunk = order[start : start + _ROWS]
        keep = int(used[chunk].max()) + 1
        values[chunk] = _integrate(
            pm, means[chunk], stds[chunk], log_norms[chunk], edges[chunk, -keep:], criterion
        )
    out[good] = values
    return out


def _hellinger_gaussian(p: Gaussian, means: np.ndarray, variances: np.ndarray) -> np.ndarray:
    """cousins._hellinger2_gaussian, elementwise, then H = √H²."""
    sp, sq = p.std, np.sqrt(variances)
    spread = (sp - sq) ** 2 / (2.0 * sp * sq)
    log_bc = -0.5 * np.log1p(spread) - (p.mean - means) ** 2 / (4.0 * (p.variance + variances))
    return np.sqrt(np.clip(-np.expm1(log_bc), 0.0, 1.0))


def _cousin_edges(
    pm: Mixture,
    means: np.ndarray,
    variances: np.ndarray,
    stds: np.ndarray,
    log_norms: np.ndarray,
    weights: np.ndarray,
) -> np.ndarray:
    """The panel edges of cousins._integrate, one sorted row per guess: p's
    and q's (as batch._edges cuts them) and around m's crossings."""
    rows = means.shape[0]
    edges = _edges(pm, means, variances, stds, log_norms)
    lo, hi = edges[:, :1], edges[:, -1:]
    # m = (p + q)/2: p's components and q's, every weight halved.
    kp = len(pm.components)
    m_weights = np.concatenate([0.5 * np.asarray(pm.weights), 0.5 * weights])
    m_weights = m_weights / math.fsum(m_weights.tolist())
    m_means = np.concatenate([np.broadcast_to(pm.means, (rows, kp)), means], axis=1)
    m_vars = np.concatenate([np.broadcast_to(pm.variances, (rows, kp)), variances], axis=1)
    m_log_norms = np.log(m_weights)[None, :] - 0.5 * np.log(m_vars) - _LOG_SQRT_2PI
    xs, widths, valid = _guess_kinks(m_means, m_vars, m_log_norms)
    extra = (xs[:, :, None] + widths[:, :, None] * _KINK_OFFSETS).reshape(rows, -1)
    keep = np.repeat(valid, len(_KINK_OFFSETS), axis=1) & (extra > lo) & (extra < hi)
    return np.sort(np.concatenate([edges, np.where(keep, extra, lo)], axis=1), axis=1)


def _integrate(
    pm: Mixture,
    means: np.ndarray,
    stds: np.ndarray,
    log_norms: np.ndarray,
    edges: np.ndarray,
    criterion: str,
) -> np.ndarray:
    node_weights, p_log, q_log = _log_densities_at_nodes(pm, means, stds, log_norms, edges)
    if criterion == "jensen-shannon":
        value = np.einsum("ij,ij->i", node_weights, _js_terms(p_log, q_log))
        return np.clip(value, 0.0, LN2)
    value = np.einsum("ij,ij->i", node_weights, _hellinger_terms(p_log, q_log))
    return np.sqrt(np.clip(value, 0.0, 1.0))
