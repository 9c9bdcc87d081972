"""The Jensen–Shannon level: its D* against an independent scipy optimisation.

JS(p, q) = ½∫p·log(2p/(p + q)) + ½∫q·log(2q/(p + q)) is integrated here by
scipy's adaptive ``quad`` (the integrand from scipy.stats densities, split at
the peaks), and minimised over the mean and log-variance by Nelder–Mead
from several starts: none of the engine's quadrature, gradients or search.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from level_helpers import ROOT
from scipy import integrate, optimize, stats

from klgame.cli.main import main
from klgame.levels.loader import load_catalog

CATALOG = load_catalog([])
LEVEL = CATALOG.get("two-peaks-js")


def js_reference(weights, means, variances, mean: float, variance: float) -> float:
    sds = np.sqrt(np.asarray(variances, dtype=float))
    pieces = [(w, m, float(s)) for w, m, s in zip(weights, means, sds, strict=True)]
    q_sd = math.sqrt(variance)

    def normal(x: float, m: float, s: float) -> float:  # the density, written out
        z = (x - m) / s
        return math.exp(-0.5 * z * z) / (s * math.sqrt(2.0 * math.pi))

    def p(x: float) -> float:
        return sum(w * normal(x, m, s) for w, m, s in pieces)

    def q(x: float) -> float:
        return normal(x, mean, q_sd)

    def term(x: float) -> float:
        a, b = p(x), q(x)
        m = 0.5 * (a + b)
        return 0.5 * (
            (a * math.log(a / m) if a > 0 else 0.0) + (b * math.log(b / m) if b > 0 else 0.0)
        )

    spread = 12.0 * max(float(sds.max()), math.sqrt(variance))
    lo = min(min(means), mean) - spread
    hi = max(max(means), mean) + spread
    cuts = sorted({lo, *means, mean, hi})
    total = 0.0
    for a, b in itertools.pairwise(cuts):
        value, _ = integrate.quad(term, a, b, epsabs=1e-13, epsrel=1e-12, limit=200)
        total += value
    return total


def reference_fit(weights, means, variances, bounds) -> tuple[float, float, float]:
    (m_lo, m_hi), (v_lo, v_hi) = bounds

    def cost(u: np.ndarray) -> float:
        mean, log_v = float(u[0]), float(u[1])
        if not (m_lo <= mean <= m_hi and math.log(v_lo) <= log_v <= math.log(v_hi)):
            return 10.0  # above ln 2: outside the bounds loses
        return js_reference(weights, means, variances, mean, math.exp(log_v))

    mix_mean = float(np.dot(weights, means))
    mix_var = float(np.dot(weights, np.asarray(variances) + (np.asarray(means) - mix_mean) ** 2))
    starts = [*zip(means, variances, strict=True), (mix_mean, mix_var), (0.0, 1.0)]
    best = None
    for mean, variance in starts:
        found = optimize.minimize(
            cost,
            [mean, math.log(variance)],
            method="Nelder-Mead",
            options={"xatol": 1e-7, "fatol": 1e-12, "maxiter": 4000},
        )
        if best is None or found.fun < best.fun:
            best = found
    assert best is not None
    return float(best.x[0]), math.exp(float(best.x[1])), float(best.fun)


def solve_report(capsys: pytest.CaptureFixture[str], seed: int) -> dict:
    assert main(["solve", "two-peaks-js", "--seed", str(seed), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_level_is_scored_by_jensen_shannon_after_the_two_kl_levels():
    assert LEVEL.divergence == "jensen-shannon" and LEVEL.scoring == "jensen-shannon"
    ids = CATALOG.ids()
    assert ids.index("two-peaks-js") == ids.index("two-peaks-forward") + 1
    assert LEVEL.target_from == "two-peaks-reverse"


# 7: close peaks (the best curve spreads); 1: far apart (it sits on the heavier peak).
@pytest.mark.parametrize("seed", [7, 1, 2024])
def test_solve_matches_an_independent_scipy_optimisation(capsys, seed: int):
    report = solve_report(capsys, seed)
    assert report["measure"] == "jensen-shannon" and report["units"] == "nats"
    target = LEVEL.target.draw(seed).as_mixture()
    weights, means, variances = (
        list(target.weights),
        target.means.tolist(),
        target.variances.tolist(),
    )
    model = LEVEL.models[0]
    bounds = [(model.param("mean").min, model.param("mean").max)]
    bounds.append((model.param("variance").min, model.param("variance").max))
    mean, variance, d_star = reference_fit(weights, means, variances, bounds)
    best = report["best"]
    assert best["divergence"] == pytest.approx(d_star, rel=1e-7)
    assert best["values"]["mean"] == pytest.approx(mean, abs=1e-4)
    assert best["values"]["variance"] == pytest.approx(variance, rel=1e-4)
    # JS is bounded by ln 2 nats at every low point
    for optimum in report["models"][0]["optima"]:
        assert 0.0 <= optimum["divergence"] <= math.log(2.0)


def test_the_golden_replay_scores_the_reference_js():
    expected = json.loads((ROOT / "tests/replays/two-peaks-js.expected.json").read_text())
    target = LEVEL.target.draw(expected["seed"]).as_mixture()
    guess = expected["guess"]
    reference = js_reference(
        list(target.weights),
        target.means.tolist(),
        target.variances.tolist(),
        guess["mean"],
        guess["variance"],
    )
    assert expected["divergence"] == pytest.approx(reference, rel=1e-9)


def test_the_written_out_density_is_scipy_s():
    """The reference's own normal density agrees with scipy.stats."""
    got = js_reference([1.0], [0.0], [1.0], 1.0, 2.0)
    x = np.linspace(-30, 30, 600_001)
    a, b = stats.norm.pdf(x, 0, 1), stats.norm.pdf(x, 1, math.sqrt(2.0))
    m = 0.5 * (a + b)
    integrand = 0.5 * (a * np.log(a / m) + b * np.log(b / m))
    assert got == pytest.approx(float(integrate.simpson(integrand, x=x)), rel=1e-9)
