"""Any valid level plays: random level files (tests/levelgen.py), for each of
which ``validate`` passes, ``solve`` finishes within a CPU-time budget and
agrees with scipy, a random walk of actions replays, and the screens draw."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import math
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize, special, stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "ui"))

from levelgen import TITLE, levels
from ui_helpers import StoppedClock, screen_text

from klgame.cli.main import main
from klgame.cli.replay import play_through
from klgame.core import actions as A
from klgame.core.replay import Header, open_replay, write_replay
from klgame.core.rules import apply_all, new_game
from klgame.engine import (
    BinomialFamily,
    CategoricalFamily,
    Discrete,
    Distribution,
    divergence,
)
from klgame.levels import load_level_text
from klgame.levels.model import GuessModel, Level
from klgame.levels.solve import best_fit, fit_model

#: CPU seconds one level's D* may take (the goal is 2 s; the machine is shared)
SOLVE_CPU_LIMIT = 20.0

#: The same examples on every run (CI included): a level that shows a new
#: weakness is kept below as a named example, not met by chance on one run.
SETTINGS = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- an independent optimiser: scipy on a formula the test writes itself ------------


def _masses(dist: Distribution, support: Sequence[Any]) -> np.ndarray:
    assert isinstance(dist, Discrete)
    return np.array([dist.mass(value) for value in support], dtype=float)


def _discrete_objective(level: Level, model: GuessModel, target: Distribution):
    """KL by scipy's rel_entr over the union of supports, q built by the test."""
    family = model.family
    assert isinstance(target, Discrete)
    if isinstance(family, CategoricalFamily):
        values = list(dict.fromkeys([*target.support, *family.support]))
        p = _masses(target, values)
        fixed = model.fixed_values()
        names = [spec.name for spec in model.free_params()]

        def q_of(x: np.ndarray) -> np.ndarray | None:
            chosen = {**fixed, **dict(zip(names, x, strict=True))}
            shares = [chosen[str(v)] for v in family.support[:-1]]
            rest = 1.0 - math.fsum(shares)
            if rest < -1e-12:
                return None
            by_value = dict(zip(family.support, [*shares, max(rest, 0.0)], strict=True))
            return np.array([by_value.get(v, 0.0) for v in values])

    else:
        assert isinstance(family, BinomialFamily)
        values = list(dict.fromkeys([*target.support, *range(family.n + 1)]))
        p = _masses(target, values)
        ks = np.array([v if isinstance(v, int) else -1 for v in values])

        def q_of(x: np.ndarray) -> np.ndarray | None:
            theta = float(x[0]) if x.size else model.start_values()["p"]
            q = stats.binom.pmf(ks, family.n, theta)
            return np.where(ks >= 0, q, 0.0)

    def objective(x: np.ndarray) -> float:
        q = q_of(np.asarray(x, dtype=float))
        if q is None:
            return math.inf
        terms = special.rel_entr(p, q) if level.direction == "forward" else special.rel_entr(q, p)
        return float(np.sum(terms))

    return objective


def scipy_best(level: Level, model: GuessModel, target: Distribution, seed: int) -> float:
    """The smallest divergence scipy finds for ``model``, from several starts."""
    free = model.free_params()
    if isinstance(model.family, (CategoricalFamily, BinomialFamily)):
        objective = _discrete_objective(level, model, target)
    else:
        fixed = model.fixed_values()
        names = [spec.name for spec in free]

        def objective(x: np.ndarray) -> float:
            values = {**fixed, **{n: float(v) for n, v in zip(names, x, strict=True)}}
            return divergence(target, model.family.build(values), level.direction)

    if not free:
        return objective(np.array([]))
    bounds = [(spec.min, spec.max) for spec in free]
    rng = np.random.default_rng(seed)
    starts = [np.array([spec.start for spec in free])]
    starts.append(np.array([0.5 * (lo + hi) for lo, hi in bounds]))
    if len(free) <= 8:  # and a random one, where a start is cheap
        starts.append(np.array([rng.uniform(lo, hi) for lo, hi in bounds]))
    best = math.inf
    constraints: list[dict[str, Any]] = []
    if isinstance(model.family, CategoricalFamily):
        fixed_sum = math.fsum(model.fixed_values().values())
        constraints = [{"type": "ineq", "fun": lambda x: 1.0 - fixed_sum - np.sum(x)}]
    for x0 in starts:
        best = min(best, objective(x0))

        def safe(x: np.ndarray) -> float:
            value = objective(x)
            return value if math.isfinite(value) else 1e30

        if not math.isfinite(objective(x0)):
            continue
        method = "SLSQP" if constraints else "L-BFGS-B"
        result = optimize.minimize(
            safe,
            x0,
            method=method,
            bounds=bounds,
            constraints=constraints,
            options={"maxiter": 200},
        )
        x = np.clip(result.x, [lo for lo, _ in bounds], [hi for _, hi in bounds])
        best = min(best, objective(x))
    return best


# --- solve ----------------------------------------------------------------------


@SETTINGS
@given(text=levels, seed=st.integers(0, 2**31 - 1))
def test_a_random_level_validates_and_solves_like_scipy(text: str, seed: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.yaml"
        path.write_text(text, encoding="utf-8")
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(["validate", str(path)])
        assert status == 0, err.getvalue()
    level = load_level_text(text, "random.yaml")
    target = level.target.draw(seed)
    start = time.process_time()
    solution = best_fit(level, target)
    assert time.process_time() - start <= SOLVE_CPU_LIMIT
    assert math.isfinite(solution.divergence) and solution.divergence >= 0.0
    for model in level.models:
        mine = fit_model(level, model, target)
        theirs = scipy_best(level, model, target, seed)
        # never worse than scipy from its starts (it may be better: scipy
        # stops in local optima the fitter's structure or starts avoid)
        tolerance = 1e-6 * (1.0 + abs(theirs)) if math.isfinite(theirs) else 0.0
        assert mine.divergence <= theirs + tolerance, (model.id, mine.divergence, theirs)
        # the values it reports are allowed and give the divergence it reports
        for spec in model.free_params():
            assert spec.min <= mine.values[spec.name] <= spec.max
        again = divergence(target, model.build(mine.values), level.direction)
        assert again == pytest.approx(mine.divergence, rel=1e-9, abs=1e-12)


# --- a random walk, replayed -------------------------------------------------------

walk_actions = st.lists(
    st.one_of(
        st.builds(
            A.Nudge, sign=st.sampled_from([1, -1]), size=st.sampled_from(["step", "big", "fine"])
        ),
        st.builds(A.Select, delta=st.sampled_from([1, -1])),
        st.builds(A.SwitchModel, delta=st.sampled_from([1, -1])),
        st.just(A.Undo()),
        st.just(A.Redo()),
        st.just(A.ToggleUnits()),
        st.just(A.Hint()),
        st.just(A.ToggleIntegrand()),
    ),
    max_size=40,
)


def timed(actions: Sequence[A.Action]) -> list[A.Action]:
    return [dataclasses.replace(a, t=0.25 * i) for i, a in enumerate(actions)]


#: Found by the generator: a target with peaks a million apart and a
#: three-component guess beside a Gaussian one. Its first descent ended on a
#: plateau (variance1 = 1.5, where component 1 is nowhere the widest and D
#: does not depend on it) and then spent the whole search budget on steps
#: of rounding size, 2e-5 (relative) above the optimum.
FAR_MIXTURE = """\
id: far-mixture
title: Far mixture
lesson: Anything the format allows.
intro: A level made at random.
reveal: That was the target.
target:
  family: mixture
  means: [4.71743e-92, -1000000.0, -696733.0]
  variances: [0.05, 1.5, 13.5157]
  weights: [0.25, 5.18892, 4.0096]
guess:
- family: gaussian
  id: m0
- family: mixture
  components: 3
  weights: [1, 1, 1]
  params:
    mean2: 6.49248e-49
    mean3: -7.3258
    variance3: {start: 1.0, min: 1.0, max: 15.0711, step: 0.140711, big_step: 0.703555}
  id: m1
  title: Model 1
direction: forward
"""


def test_far_apart_mixture_fits_as_well_as_scipy() -> None:
    level = load_level_text(FAR_MIXTURE, "far-mixture.yaml")
    target = level.target.draw(1546)
    model = level.models[1]
    result = fit_model(level, model, target)
    mine = result.divergence
    theirs = scipy_best(level, model, target, 1546)
    assert mine <= theirs + 1e-6 * (1.0 + abs(theirs))
    # By hand: the far peaks' log q is set by the widest component nearest
    # them, the free one at its lowest mean and highest variance.
    assert (result.values["mean1"], result.values["variance1"]) == (-10.0, 20.0)
    assert mine == pytest.approx(_forward_by_quad(target, model.build(result.values)), rel=1e-9)


def _forward_by_quad(p: Any, q: Any) -> float:
    """KL(p‖q) for Gaussian mixtures by scipy's quad, one target component at
    a time over its mean ± 40 standard deviations, densities in logs."""

    def log_density(m: Any, x: float) -> float:
        return float(
            special.logsumexp(
                [stats.norm.logpdf(x, c.mean, math.sqrt(c.variance)) for c in m.components],
                b=list(m.weights),
            )
        )

    total = 0.0
    for part, weight in zip(p.components, p.weights, strict=True):
        sd = math.sqrt(part.variance)

        def integrand(x: float, part: Any = part, sd: float = sd) -> float:
            return math.exp(stats.norm.logpdf(x, part.mean, sd)) * (
                log_density(p, x) - log_density(q, x)
            )

        value, _ = integrate.quad(
            integrand, part.mean - 40 * sd, part.mean + 40 * sd, points=[part.mean], limit=200
        )
        total += weight * value
    return total


@SETTINGS
@given(text=levels, seed=st.integers(0, 2**31 - 1), before=walk_actions, after=walk_actions)
def test_a_random_walk_and_reveal_replays(
    text: str, seed: int, before: list[A.Action], after: list[A.Action]
) -> None:
    level = load_level_text(text, "random.yaml")
    actions = timed([*before, A.Reveal(), *after])
    direct = apply_all(new_game(level, seed), actions)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "walk.jsonl"
        write_replay(path, Header(level.id, level.content_hash, seed), actions)
        with open_replay(path) as (header, stream):
            outcome = play_through(header, stream, level)
    assert outcome.final.values == direct.values and outcome.final.moves == direct.moves
    assert outcome.revealed is not None
    score = outcome.score
    scored = outcome.revealed
    d = divergence(scored.target, scored.guess, level.direction)
    assert score.divergence == pytest.approx(level.in_units(d), rel=1e-12)
    # nobody beats the best possible
    assert score.divergence >= score.best - 1e-9 * (1.0 + abs(score.best))
    assert score.stars == level.stars_for(score.excess)
    assert all(math.isfinite(v) for v in outcome.final.current_values.values())


# --- the screens ------------------------------------------------------------------


def app_for(text: str, folder: Path, seed: int) -> Any:
    from klgame.levels.loader import load_catalog
    from klgame.ui.app import KLGame
    from klgame.ui.world import World

    (folder / "random.yaml").write_text(text, encoding="utf-8")
    catalog = load_catalog([folder])
    level = load_level_text(text, "random.yaml")
    return KLGame(World(catalog, player="t", seed=seed, clock=StoppedClock()), start_level=level.id)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=levels, seed=st.integers(0, 1000))
def test_a_random_level_draws_its_play_and_reveal_screens(
    text: str, seed: int, size: tuple[int, int]
) -> None:
    asyncio.run(play_and_reveal(text, seed, size))


async def play_and_reveal(text: str, seed: int, size: tuple[int, int]) -> None:
    from klgame.ui.screens.play import PlayScreen
    from klgame.ui.screens.reveal import RevealScreen

    level = load_level_text(text, "random.yaml")
    with tempfile.TemporaryDirectory() as folder:
        app = app_for(text, Path(folder), seed)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, PlayScreen)
            shown = screen_text(app)
            assert TITLE in shown and "KL(" in shown
            await pilot.press("right", "down", "left")
            await pilot.press("r")
            await pilot.pause()
            assert isinstance(app.screen, RevealScreen)
            shown = screen_text(app)
            assert TITLE in shown and "D*" in shown
            assert "nan" not in shown.lower().split()
    assert level.title == TITLE


# --- what the generator found ----------------------------------------------------


@pytest.mark.parametrize(("n", "p"), [(9, 0.01), (60, 0.37), (200, 0.01)])
def test_a_free_categorical_fits_a_target_with_tiny_masses(n: int, p: float) -> None:
    from klgame.engine import Binomial, CategoricalFamily, fit

    target = Binomial(n, p)
    family = CategoricalFamily(tuple(range(n + 1)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division by a mass that is 0 in floats
        result = fit(target, family, "forward", {name: (0.0, 1.0) for name in family.param_names})
    # q = p is allowed (every share in [0, 1]) and KL(p‖p) = 0; the last
    # outcome's mass (p^n, 1e-18 to 1e-400) takes what the others leave, so
    # it can differ from p's by a rounding of 1 (1.1e-16), no more.
    assert result.divergence == pytest.approx(0.0, abs=1e-15)
    q = result.guess.probs
    expected = stats.binom.pmf(np.arange(n + 1), n, p)
    normal = expected[:-1] >= 1e-300  # the rest are below a float, as are q's
    np.testing.assert_allclose(q[:-1][normal], expected[:-1][normal], rtol=1e-12, atol=0.0)
    assert np.all((q[:-1][~normal] > 0.0) & (q[:-1][~normal] < 1e-299))
    assert 0.0 < q[-1] <= expected[-1] + 2.3e-16


_STUCK_KNOB = """\
id: random-0
title: Random level
lesson: Anything the format allows.
intro: A level made at random.
reveal: That was the target.
target:
  family: binomial
  n: 2
  p: 0.0
guess:
- family: categorical
  id: m0
- family: binomial
  n: 2
  params:
    p:
      start: 0.0
      min: 0.0
      max: 0.0
      step: 2.0e-09
  id: m1
direction: forward
"""


def test_a_knob_whose_min_is_its_max_is_not_swept() -> None:
    # m1's one knob cannot move and m0 has two: no model has exactly one knob
    # that moves, so the reveal has no sweep (it drew one over [0, 0], and
    # the plot refused that range)
    from klgame.core.state import new_game
    from klgame.levels.loader import load_level_text
    from klgame.ui.figures import sweep

    level = load_level_text(_STUCK_KNOB, "random.yaml")
    assert [len(model.free_params()) for model in level.models] == [2, 1]
    assert sweep(level, new_game(level, seed=0).target) is None


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_the_level_with_a_stuck_knob_draws_its_play_and_reveal_screens(
    size: tuple[int, int],
) -> None:
    asyncio.run(play_and_reveal(_STUCK_KNOB, 0, size))
