"""The divergence for many guesses at once: a landscape grid, in one pass of numpy.

``divergences(target, family, direction, values)`` is
``fitting.divergence(target, family.build(v), direction)`` for every guess v
whose parameters ``values`` holds as arrays, and agrees with it to rounding
(a test holds it to 1e-12). It is vectorised where the cost is:

* a Gaussian guess of a Gaussian target: the closed form, elementwise;
* a Gaussian or mixture guess of any continuous target: the same quadrature
  as :mod:`klgame.engine.divergence` -- the same panels, cut at the same
  points (every component's mean ± the same multiples of its std, graded
  around the same crossings), the same Gauss–Legendre nodes -- laid out one
  guess per row. Rows must have equal length, so instead of dropping the
  edges that fall outside a row's reach (or duplicates, as ``np.unique``
  does) they are clamped onto its ends: a panel of width zero adds exactly 0.

Jensen–Shannon and Hellinger (``direction`` naming one) are batched the same
way by :mod:`klgame.engine.batch_cousins`. Anything else (discrete guesses: a
sum over a handful of outcomes each; total variation) calls the scalar path
per guess.
A guess the family cannot build (probabilities summing past 1) counts as ∞,
like a guess infinitely far from the target.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import combinations

import numpy as np

from klgame.engine.distributions import _LOG_SQRT_2PI, Continuous, Gaussian, Mixture
from klgame.engine.divergence import (
    _GL_NODES,
    _GL_WEIGHTS,
    _KINK_OFFSETS,
    _OFFSETS,
    _kl_terms,
    _log_mixture,
)
from klgame.engine.families import Family, GaussianFamily, MixtureFamily
from klgame.engine.fitting import CRITERIA, DIRECTIONS, divergence

__all__ = ["divergences", "landscape"]

#: Quadrature nodes evaluated per chunk of guesses (bounds the memory used).
_CHUNK_NODES = 60_000


def divergences(
    target,
    family: Family,
    direction: str,
    values: Mapping[str, np.ndarray | Sequence[float] | float],
) -> np.ndarray:
    """The scoring divergence (nats) for every guess in ``values``.

    ``values`` maps each of ``family.param_names`` to an array (or a number);
    they broadcast to one shape, which the result has.
    """
    if direction not in CRITERIA:
        raise ValueError(f"direction must be one of {', '.join(CRITERIA)}, got {direction!r}")
    missing = [name for name in family.param_names if name not in values]
    if missing:
        raise ValueError(f"missing parameter(s) for {family.title}: {', '.join(missing)}")
    arrays = np.broadcast_arrays(
        *(np.asarray(values[name], dtype=float) for name in family.param_names)
    )
    shape = arrays[0].shape if arrays else ()
    flat = {name: a.ravel() for name, a in zip(family.param_names, arrays, strict=True)}
    count = int(np.prod(shape)) if shape else 1
    if not family.param_names:
        return np.full(shape, _one(target, family, {}, direction))
    out = None
    if (
        isinstance(target, Continuous)
        and isinstance(family, GaussianFamily | MixtureFamily)
        and direction in DIRECTIONS
    ):
        out = _continuous(target, family, direction, flat, count)
    elif isinstance(target, Continuous) and isinstance(family, GaussianFamily | MixtureFamily):
        from klgame.engine.batch_cousins import BATCHED, cousin_divergences

        if direction in BATCHED:
            out = cousin_divergences(target, family, direction, flat, count)
    if out is None:
        out = np.array(
            [
                _one(target, family, {n: float(a[i]) for n, a in flat.items()}, direction)
                for i in range(count)
            ]
        )
    return out.reshape(shape)


def landscape(
    target,
    family: Family,
    direction: str,
    base: Mapping[str, float],
    x: tuple[str, Sequence[float]],
    y: tuple[str, Sequence[float]] | None = None,
) -> np.ndarray:
    """The divergence over a grid of two parameters (or one), the rest at ``base``.

    Returns shape (len(y values), len(x values)): one row per y value; with no
    ``y``, one value per x value.
    """
    x_name, x_values = x
    xs = np.asarray(x_values, dtype=float)
    values: dict[str, np.ndarray | float] = {n: float(v) for n, v in base.items()}
    if y is None:
        values[x_name] = xs
        return divergences(target, family, direction, values)
    y_name, y_values = y
    if y_name == x_name:
        raise ValueError(f"the two parameters must differ, got {x_name!r} twice")
    ys = np.asarray(y_values, dtype=float)
    values[x_name] = xs[None, :]
    values[y_name] = ys[:, None]
    return divergences(target, family, direction, values)


def _one(target, family: Family, values: dict[str, float], direction: str) -> float:
    try:
        guess = family.build(values)
    except ValueError:
        return math.inf
    return divergence(target, guess, direction)


# --- continuous ------------------------------------------------------------------


def _continuous(
    target: Continuous,
    family: GaussianFamily | MixtureFamily,
    direction: str,
    flat: dict[str, np.ndarray],
    count: int,
) -> np.ndarray | None:
    if isinstance(family, GaussianFamily):
        means, variances = flat["mean"][:, None], flat["variance"][:, None]
        weights = np.ones(1)
    else:
        k = family.components
        means = np.stack([flat[f"mean{i}"] for i in range(1, k + 1)], axis=1)
        variances = np.stack([flat[f"variance{i}"] for i in range(1, k + 1)], axis=1)
        raw = np.ones(k) if family.weights is None else np.asarray(family.weights, dtype=float)
        if np.any(raw <= 0.0) or not np.all(np.isfinite(raw)):
            return None  # a switched-off component: the scalar path drops it
        weights = raw / math.fsum(raw.tolist())
    bad = ~(np.all(np.isfinite(means), axis=1) & np.all(variances > 0.0, axis=1))
    bad |= ~np.all(np.isfinite(variances), axis=1)
    out = np.full(count, math.inf)
    good = np.flatnonzero(~bad)
    if good.size == 0:
        return out
    means, variances = means[good], variances[good]
    if isinstance(target, Gaussian) and isinstance(family, GaussianFamily):
        out[good] = _gaussian_closed_form(target, means[:, 0], variances[:, 0], direction)
        return out
    pm = target.as_mixture()
    stds = np.sqrt(variances)
    with np.errstate(divide="ignore"):
        log_norms = np.log(weights)[None, :] - np.log(stds) - _LOG_SQRT_2PI
    edges = _edges(pm, means, variances, stds, log_norms)
    # Rows with as many real (not clamped) edges go together, so that each
    # chunk drops its shared run of zero-width panels before integrating.
    used = edges.shape[1] - np.sum(edges == edges[:, :1], axis=1)
    order = np.argsort(used, kind="stable")
    values = np.empty(good.size)
    start = 0
    while start < good.size:
        widest = int(used[order[min(start + 64, good.size) - 1]]) + 1
        rows = max(1, _CHUNK_NODES // (widest * len(_GL_NODES)))
        chunk = order[start : start + rows]
        keep = int(used[chunk].max()) + 1
        values[chunk] = _quadrature(
            pm, means[chunk], stds[chunk], log_norms[chunk], edges[chunk, -keep:], direction
        )
        start += rows
    out[good] = values
    return out


def _gaussian_closed_form(
    target: Gaussian, means: np.ndarray, variances: np.ndarray, direction: str
) -> np.ndarray:
    fixed_mean, fixed_var = np.full_like(means, target.mean), np.full_like(means, target.variance)
    if direction == "forward":
        mp, vp, mq, vq = fixed_mean, fixed_var, means, variances
    else:
        mp, vp, mq, vq = means, variances, fixed_mean, fixed_var
    d = (vp - vq) / vq
    shape = d - np.log1p(d)
    return np.maximum(0.5 * (shape + (mp - mq) ** 2 / vq), 0.0)


def _guess_kinks(
    means: np.ndarray, variances: np.ndarray, log_norms: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mixture.crossings for every row: (x, width, valid), two slots per pair."""
    a = -0.5 / variances
    b = means / variances
    c = log_norms - 0.5 * means * means / variances
    k = means.shape[1]
    xs, widths, valid = [], [], []
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for i, j in combinations(range(k), 2):
            qa, qb, qc = a[:, i] - a[:, j], b[:, i] - b[:, j], c[:, i] - c[:, j]
            linear = qa == 0.0
            disc = qb * qb - 4.0 * qa * qc
            root = np.sqrt(np.where(disc >= 0.0, disc, 0.0))
            big = -0.5 * (qb + np.copysign(root, qb))
            first = np.where(linear, -qc / qb, big / qa)
            second = qc / big
            ok_first = np.where(linear, qb != 0.0, disc >= 0.0)
            ok_second = ~linear & (disc >= 0.0) & (big != 0.0)
            for x, ok in ((first, ok_first), (second, ok_second)):
                x = np.where(ok, x, 0.0)
                here = a[:, i] * x * x + b[:, i] * x + c[:, i]
                others = a * x[:, None] ** 2 + b * x[:, None] + c
                hidden = np.any(others > (here + 40.0)[:, None], axis=1)
                slope = np.abs(2.0 * qa * x + qb)
                keep = ok & ~hidden & (slope > 1e-12)
                xs.append(x)
                widths.append(np.where(keep, 1.0 / np.where(keep, slope, 1.0), 0.0))
                valid.append(keep)
    if not xs:
        empty = np.zeros((means.shape[0], 0))
        return empty, empty, empty.astype(bool)
    return np.stack(xs, axis=1), np.stack(widths, axis=1), np.stack(valid, axis=1)


def _edges(
    pm: Mixture,
    means: np.ndarray,
    variances: np.ndarray,
    stds: np.ndarray,
    log_norms: np.ndarray,
) -> np.ndarray:
    """The panel edges, as divergence._grid cuts them, one sorted row per guess;
    edges the scalar path drops are clamped onto the row's low end."""
    rows, k = means.shape
    target_edges = (pm.means[:, None] + np.sqrt(pm.variances)[:, None] * _OFFSETS).ravel()
    guess_edges = (means[:, :, None] + stds[:, :, None] * _OFFSETS).reshape(rows, -1)
    lo = np.minimum(target_edges.min(), guess_edges.min(axis=1))[:, None]
    hi = np.maximum(target_edges.max(), guess_edges.max(axis=1))[:, None]
    parts = [np.broadcast_to(target_edges, (rows, target_edges.size)), guess_edges]
    if pm.crossings:
        pairs = np.asarray(pm.crossings).reshape(-1, 2)
        extra = (pairs[:, :1] + pairs[:, 1:] * _KINK_OFFSETS).ravel()[None, :]
        inside = (extra > lo) & (extra < hi)
        parts.append(np.where(inside, extra, lo))
    if k > 1:
        xs, widths, valid = _guess_kinks(means, variances, log_norms)
        extra = (xs[:, :, None] + widths[:, :, None] * _KINK_OFFSETS).reshape(rows, -1)
        keep = np.repeat(valid, len(_KINK_OFFSETS), axis=1) & (extra > lo) & (extra < hi)
        parts.append(np.where(keep, extra, lo))
    return np.sort(np.concatenate(parts, axis=1), axis=1)


def _log_densities_at_nodes(
    pm: Mixture,
    means: np.ndarray,
    stds: np.ndarray,
    log_norms: np.ndarray,
    edges: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gauss–Legendre nodes on every interval of ``edges`` (one row a guess):
    their weights, log p and each row's log q there."""
    rows, k = means.shape
    inv_stds = 1.0 / stds
    half = 0.5 * (edges[:, 1:] - edges[:, :-1])
    mid = 0.5 * (edges[:, 1:] + edges[:, :-1])
    nodes = (mid[:, :, None] + half[:, :, None] * _GL_NODES).reshape(rows, -1)
    node_weights = (half[:, :, None] * _GL_WEIGHTS).reshape(rows, -1)
    p_log = _log_mixture(pm, nodes)
    logs = []
    for j in range(k):
        z = (nodes - means[:, j : j + 1]) * inv_stds[:, j : j + 1]
        logs.append(-0.5 * z * z + log_norms[:, j : j + 1])
    if k == 1:
        q_log = logs[0]
    else:
        top = np.maximum.reduce(logs)
        total = np.exp(logs[0] - top)
        for log in logs[1:]:
            total += np.exp(log - top)
        q_log = top + np.log(total)
    return node_weights, p_log, q_log


def _quadrature(
    pm: Mixture,
    means: np.ndarray,
    stds: np.ndarray,
    log_norms: np.ndarray,
    edges: np.ndarray,
    direction: str,
) -> np.ndarray:
    node_weights, p_log, q_log = _log_densities_at_nodes(pm, means, stds, log_norms, edges)
    terms = _kl_terms(p_log, q_log) if direction == "forward" else _kl_terms(q_log, p_log)
    return np.maximum(np.einsum("ij,ij->i", node_weights, terms), 0.0)
