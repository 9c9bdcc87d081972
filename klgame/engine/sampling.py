"""KL estimated from samples: what variational inference can do when only the
unnormalised log p and samples of q are at hand.

``monte_carlo(p, q, n, seed)`` estimates KL(p‖q) = E_p[log p − log q] as the
mean of log p(x) − log q(x) over n seeded samples x of p, with its standard
error (the samples' standard deviation over √n) and the running mean after
each sample. Reverse KL(q‖p) is ``monte_carlo(q, p, ...)``: it needs samples of
the guess q (which we choose, so can always draw) and log p at those points --
the variational-inference case. Forward KL needs samples of the target p,
which is exactly what is missing when p is only known up to its density.

A sample where log q = −∞ (q is zero where p is not) makes the estimate ∞:
the exact KL is ∞ then too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from klgame.engine.distributions import Continuous, Discrete, Distribution

__all__ = ["Estimate", "log_density_at", "monte_carlo"]


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo estimate of KL(p‖q) in nats."""

    n: int
    value: float
    stderr: float
    running: tuple[float, ...]  # the mean after 1, 2, ... n samples (at most 200 points)


def log_density_at(d: Distribution, xs: np.ndarray) -> np.ndarray:
    """log d at each sample: a density, or a log mass (−∞ off the support)."""
    if isinstance(d, Continuous):
        return np.asarray(d.log_density(np.asarray(xs, dtype=float)), dtype=float)
    assert isinstance(d, Discrete)
    return d.log_masses(xs.tolist())


def monte_carlo(p: Distribution, q: Distribution, n: int, seed: int) -> Estimate:
    """KL(p‖q) from ``n`` samples of p drawn with ``seed``."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n!r}")
    xs = p.sample(n, seed=seed)
    if isinstance(p, Discrete):
        xs = np.asarray(
            [v.item() if hasattr(v, "item") else v for v in np.asarray(xs).tolist()],
            dtype=object,
        )
    lp = log_density_at(p, xs)
    lq = log_density_at(q, xs)
    with np.errstate(invalid="ignore"):
        terms = np.where(lq == -math.inf, math.inf, lp - lq)
    if np.any(np.isinf(terms)):
        return Estimate(n, math.inf, math.inf, (math.inf,))
    value = float(np.mean(terms))
    stderr = float(np.std(terms, ddof=1) / math.sqrt(n)) if n > 1 else math.inf
    running = np.cumsum(terms) / np.arange(1, n + 1)
    picks = np.unique(np.geomspace(1, n, min(n, 200)).astype(int)) - 1
    return Estimate(n, value, stderr, tuple(float(v) for v in running[picks]))
