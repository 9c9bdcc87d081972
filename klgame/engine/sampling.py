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

``monte_carlo_cousin(p, q, n, seed, measure)`` estimates the symmetric
cousins the same way, each as an average the samples make unbiased:

- Jensen–Shannon, ½E_p[log p − log m] + ½E_q[log q − log m] with
  m = (p + q)/2, from ⌈n/2⌉ samples of p and as many of q, paired;
- total variation, E_p[max(0, 1 − q/p)] (= ½∫|p − q|, all of it where p > q);
- Hellinger, H = √(1 − B) with B = E_p[√(q/p)], the Bhattacharyya
  coefficient: B's mean is unbiased, H a smooth function of it, so its
  standard error is B's times |dH/dB| = 1/(2H).

None of them is ever ∞ (they are bounded), and none needs q to cover p.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from klgame.engine.distributions import Continuous, Discrete, Distribution

__all__ = ["Estimate", "log_density_at", "monte_carlo", "monte_carlo_cousin"]


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


def _draw(d: Distribution, n: int, seed: int) -> np.ndarray:
    xs = d.sample(n, seed=seed)
    if isinstance(d, Discrete):
        xs = np.asarray(
            [v.item() if hasattr(v, "item") else v for v in np.asarray(xs).tolist()],
            dtype=object,
        )
    return np.asarray(xs)


def _mean_of(terms: np.ndarray, samples: int) -> Estimate:
    """The mean of ``terms``, its standard error and its running mean."""
    k = len(terms)
    value = float(np.mean(terms))
    stderr = float(np.std(terms, ddof=1) / math.sqrt(k)) if k > 1 else math.inf
    running = np.cumsum(terms) / np.arange(1, k + 1)
    picks = np.unique(np.geomspace(1, k, min(k, 200)).astype(int)) - 1
    return Estimate(samples, value, stderr, tuple(float(v) for v in running[picks]))


def monte_carlo(p: Distribution, q: Distribution, n: int, seed: int) -> Estimate:
    """KL(p‖q) from ``n`` samples of p drawn with ``seed``."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n!r}")
    xs = _draw(p, n, seed)
    lp = log_density_at(p, xs)
    lq = log_density_at(q, xs)
    with np.errstate(invalid="ignore"):
        terms = np.where(lq == -math.inf, math.inf, lp - lq)
    if np.any(np.isinf(terms)):
        return Estimate(n, math.inf, math.inf, (math.inf,))
    return _mean_of(terms, n)


def monte_carlo_cousin(
    p: Distribution, q: Distribution, n: int, seed: int, measure: str
) -> Estimate:
    """Jensen–Shannon (nats), Hellinger or total variation of p and q from
    ``n`` seeded samples (of p; for Jensen–Shannon half of p, half of q)."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n!r}")
    if measure == "jensen-shannon":
        k = (n + 1) // 2
        xs, ys = _draw(p, k, seed), _draw(q, k, seed + 1)
        lp_x, lq_x = log_density_at(p, xs), log_density_at(q, xs)
        lp_y, lq_y = log_density_at(p, ys), log_density_at(q, ys)
        # log p − log m = log 2 − log(1 + q/p), finite at every sample of p
        with np.errstate(invalid="ignore"):
            from_p = math.log(2.0) - np.logaddexp(0.0, lq_x - lp_x)
            from_q = math.log(2.0) - np.logaddexp(0.0, lp_y - lq_y)
        return _mean_of(0.5 * (from_p + from_q), 2 * k)
    xs = _draw(p, n, seed)
    lp, lq = log_density_at(p, xs), log_density_at(q, xs)
    with np.errstate(over="ignore", invalid="ignore"):
        ratio = np.exp(lq - lp)  # q/p at samples of p (p > 0 there); 0 where q is
    if measure == "total-variation":
        return _mean_of(np.maximum(0.0, 1.0 - ratio), n)
    if measure != "hellinger":
        raise ValueError(f"no Monte Carlo estimate for {measure!r}")
    coefficient = _mean_of(np.sqrt(ratio), n)  # the Bhattacharyya coefficient B
    distance = math.sqrt(max(0.0, 1.0 - coefficient.value))
    spread = coefficient.stderr / (2.0 * distance) if distance > 0 else coefficient.stderr
    running = tuple(math.sqrt(max(0.0, 1.0 - b)) for b in coefficient.running)
    return Estimate(n, distance, min(spread, 1.0), running)
