"""The two-mixture log density of continuous_pair equals the one-mixture path
(to an ulp of the sum: the floor at −40 and the order of the additions may
move the last bit)."""

from __future__ import annotations

import numpy as np
import pytest

from klgame.engine import Gaussian, Mixture
from klgame.engine.divergence import _grid, _log_mixture, _log_pair

HARSH_P = Mixture([Gaussian(-18, 0.01), Gaussian(0, 50), Gaussian(17, 0.02)], [0.45, 0.35, 0.2])
HARSH_Q = Mixture([Gaussian(-15, 0.05), Gaussian(3, 0.01), Gaussian(19, 40)], [0.3, 0.5, 0.2])


@pytest.mark.parametrize("seed", range(20))
def test_log_pair_is_log_mixture(seed: int):
    rng = np.random.default_rng(seed)

    def mixture(k: int) -> Mixture:
        parts = [
            Gaussian(float(rng.uniform(-20, 20)), float(np.exp(rng.uniform(-5, 4))))
            for _ in range(k)
        ]
        return Mixture(parts, list(rng.uniform(0.05, 1.0, k)))

    p, q = mixture(int(rng.integers(1, 9))), mixture(int(rng.integers(1, 9)))
    nodes, _ = _grid(p, q)
    got_p, got_q = _log_pair(p, q, nodes)
    np.testing.assert_allclose(got_p, _log_mixture(p, nodes), rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(got_q, _log_mixture(q, nodes), rtol=1e-15, atol=1e-15)


def test_the_floor_changes_nothing_on_a_wide_pair():
    """Half the shifted terms of the harsh pair are below −708: floored at −40
    they still add nothing to a sum of at least 1."""
    nodes, _ = _grid(HARSH_P, HARSH_Q)
    got_p, got_q = _log_pair(HARSH_P, HARSH_Q, nodes)
    assert np.array_equal(got_p, _log_mixture(HARSH_P, nodes))
    assert np.array_equal(got_q, _log_mixture(HARSH_Q, nodes))
