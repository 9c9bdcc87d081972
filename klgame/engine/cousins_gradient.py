"""The slope of KL's cousins for a Gaussian-mixture guess (the fitter's and
the hints' gradient when a level is scored by one of them).

Jensen–Shannon and Hellinger are integrated on the panels of
:mod:`klgame.engine.cousins` (p's, q's and m's components and crossings);
total variation is exact, from the crossings of p and q and normal CDFs.
tests/engine/test_cousin_fit.py checks each against central differences.
"""

from __future__ import annotations

import math

import numpy as np

from klgame.engine.cousins import crossings, hellinger
from klgame.engine.distributions import Continuous, Mixture
from klgame.engine.divergence import _grid, _log_mixture

__all__ = ["cousin_gradient"]


def cousin_gradient(
    target: Continuous, guess: Mixture, criterion: str
) -> tuple[np.ndarray, np.ndarray]:
    """dD/dmean_j, dD/dvariance_j of a cousin for a Gaussian-mixture guess.

    Jensen–Shannon:  dJS/dθ = ½∫ ∂θq · log(q/m), m = (p + q)/2 (the terms in
                     ∂θm cancel: ∫(p + q)/(2m) ∂θq = ∫∂θq = 0);
    Hellinger:       dH/dθ = −¼∫ √(pq) ∂θ log q / H, from H² = 1 − ∫√(pq);
    total variation: dTV/dθ = ½ Σ_regions ±∂θ q([a, b]) between the crossings
                     of p and q (their moving ends add nothing: p = q there),
                     each component's mass a difference of normal CDFs.
    """
    pm = target.as_mixture()
    means, variances = guess.means, guess.variances
    if criterion == "total-variation":
        cuts = np.array([-math.inf, *crossings(pm, guess), math.inf])
        inner = cuts[1:-1]
        mids = np.concatenate(
            [inner[:1] - 1.0, 0.5 * (inner[1:] + inner[:-1]), inner[-1:] + 1.0]
            if inner.size
            else [np.array([float(pm.means[0])])]
        )
        signs = np.sign(_log_mixture(guess, mids) - _log_mixture(pm, mids))
        stds = np.sqrt(variances)
        with np.errstate(invalid="ignore"):
            z = (cuts[:, None] - means[None, :]) / stds[None, :]
        phi = np.where(np.isfinite(z), np.exp(-0.5 * np.where(np.isfinite(z), z, 0.0) ** 2), 0.0)
        phi /= math.sqrt(2.0 * math.pi)
        zphi = np.where(np.isfinite(z), np.where(np.isfinite(z), z, 0.0) * phi, 0.0)
        weights = np.asarray(guess.weights, dtype=float)
        # d/dμ of w·[Φ(z_b) − Φ(z_a)] = w·(φ(z_a) − φ(z_b))/σ; d/dv = w·(z_a·φ_a − z_b·φ_b)/(2v).
        d_mean_regions = weights * (phi[:-1] - phi[1:]) / stds
        d_var_regions = weights * (zphi[:-1] - zphi[1:]) / (2.0 * variances)
        return 0.5 * signs @ d_mean_regions, 0.5 * signs @ d_var_regions
    mm = Mixture(
        pm.components + guess.components,
        [0.5 * w for w in pm.weights] + [0.5 * w for w in guess.weights],
    )
    nodes, weights = _grid(pm, guess, mm)
    p_log = _log_mixture(pm, nodes)
    q_log = _log_mixture(guess, nodes)
    dev = nodes[:, None] - means[None, :]
    comp_log = -0.5 * dev**2 / variances + guess.log_norms
    resp = np.exp(comp_log - q_log[:, None])
    d_mean = resp * dev / variances  # ∂ log q / ∂ mean_j
    d_var = resp * (0.5 * dev**2 / variances**2 - 0.5 / variances)
    if criterion == "jensen-shannon":
        m_log = np.logaddexp(p_log, q_log) - math.log(2.0)
        lead = 0.5 * np.exp(q_log) * (q_log - m_log)
    else:
        distance = hellinger(target, guess)
        if distance <= 0.0:
            return np.zeros(len(means)), np.zeros(len(means))
        lead = -0.25 * np.exp(0.5 * (p_log + q_log)) / distance
    return (weights * lead) @ d_mean, (weights * lead) @ d_var
