"""The built-in levels: they load, and their best fits teach what they claim."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from level_helpers import BUILTIN_DIR, BUILTIN_IDS

from klgame.engine import Continuous, Gaussian, Mixture, both_directions, divergence, kl
from klgame.levels import Level, best_fit, builtin_levels_dir, load_catalog, load_level
from klgame.levels.solve import _solve

SEEDS = range(6)


@pytest.fixture(scope="module")
def levels() -> dict[str, Level]:
    return {level.id: level for level in load_catalog().levels}


def test_builtin_dir_holds_the_checkout_levels():
    """From a checkout or an installed copy, the built-ins are levels/ as committed."""
    found = builtin_levels_dir()
    ours = sorted(path.name for path in BUILTIN_DIR.glob("*.yaml"))
    assert sorted(path.name for path in found.glob("*.yaml")) == ours
    for name in ours:
        assert (found / name).read_bytes() == (BUILTIN_DIR / name).read_bytes()


def test_the_nine_levels_in_order(levels: dict[str, Level]):
    catalog = load_catalog()
    assert catalog.ids() == BUILTIN_IDS
    assert [level.order for level in catalog.levels] == list(range(1, 10))
    assert catalog.errors == () and catalog.warnings == ()


@pytest.mark.parametrize("level_id", BUILTIN_IDS)
def test_each_file_loads_and_is_complete(level_id: str):
    level = load_level(BUILTIN_DIR / f"{level_id}.yaml")
    assert level.id == level_id
    assert level.title and level.lesson and "\n" not in level.lesson
    assert len(level.intro) > 100 and len(level.reveal) > 100
    assert level.direction in level.show
    assert level.models
    assert level.stars[0] <= level.stars[1] <= level.stars[2]
    assert level.source == str(BUILTIN_DIR / f"{level_id}.yaml")
    assert len(level.content_hash) == 64
    for model in level.models:  # every starting guess can be built and scored
        guess = model.build(model.start_values())
        start = divergence(level.target.draw(0), guess, level.direction)
        assert start > 0.0


@pytest.mark.parametrize("level_id", BUILTIN_IDS)
def test_best_fit_is_not_beaten_by_the_start(levels: dict[str, Level], level_id: str):
    level = levels[level_id]
    for seed in (0, 1):
        target = level.target.draw(seed)
        solution = best_fit(level, target)
        for model in level.models:
            start = divergence(target, model.build(model.start_values()), level.direction)
            assert solution.divergence <= start + 1e-12
            fitted = solution.for_model(model.id)
            for spec in model.free_params():  # within the bounds the player has
                assert spec.min <= fitted.values[spec.name] <= spec.max


# --- each level's lesson ---------------------------------------------------------------


def test_gaussian_exact_match_is_possible(levels: dict[str, Level]):
    level = levels["gaussian"]
    assert level.target.is_random
    assert level.meters[0].limit == 25.0 and level.meters[1].limit == 1.0
    model = level.models[0]
    assert model.start_values() == {"mean": 0.0, "variance": 5.0}
    # the random ranges lie inside the guess bounds
    for name, value in level.target.random_params():
        spec = model.param(name)
        assert spec.min <= value.low and value.high <= spec.max
    for seed in SEEDS:
        target = level.target.draw(seed)
        solution = best_fit(level, target)
        assert solution.divergence == pytest.approx(0.0, abs=1e-9)
        assert solution.fit.values["mean"] == pytest.approx(target.mean, abs=1e-4)


def test_two_peaks_reverse_covers_one_peak_when_they_are_far_apart(levels: dict[str, Level]):
    """Far apart (8 widths or more), the best fit sits on the heavier peak, with
    about its variance, and D* is close to log(1/weight); the layouts of
    tests/levels/test_levels_lessons.py cover the rest."""
    level = levels["two-peaks-reverse"]
    assert level.direction == "reverse"
    far = 0
    for seed in range(1, 41):
        target = level.target.draw(seed)
        assert isinstance(target, Mixture)
        (w1, w2), (a, b) = target.weights, target.components
        if abs(b.mean - a.mean) < 8 * math.sqrt(max(a.variance, b.variance)):
            continue
        far += 1
        heavy = a if w1 > w2 else b
        solution = best_fit(level, target)
        mean, variance = solution.fit.values["mean"], solution.fit.values["variance"]
        assert mean == pytest.approx(heavy.mean, abs=0.1)
        assert variance == pytest.approx(heavy.variance, rel=0.1)
        assert solution.divergence == pytest.approx(math.log(1 / max(w1, w2)), abs=0.01)
        # a Gaussian spread over both peaks does much worse in this direction
        blur = Gaussian(target.mean, target.variance)
        assert kl(blur, target) > solution.divergence + 0.3
        if far >= 3:
            break
    assert far >= 3


def test_two_peaks_forward_is_moment_matching(levels: dict[str, Level]):
    level = levels["two-peaks-forward"]
    assert level.direction == "forward"
    reverse = levels["two-peaks-reverse"]
    for seed in SEEDS:
        target = level.target.draw(seed)
        assert target == reverse.target.draw(seed)  # the same peaks, seed by seed
        solution = best_fit(level, target)
        assert solution.fit.values["mean"] == pytest.approx(target.mean, abs=1e-9)
        assert solution.fit.values["variance"] == pytest.approx(target.variance, abs=1e-9)
        # in between the peaks, wider than either
        assert isinstance(target, Mixture)
        low, high = sorted(part.mean for part in target.components)
        assert low < solution.fit.values["mean"] < high
        widest = max(part.variance for part in target.components)
        assert solution.fit.values["variance"] > widest + 1.0


def test_finale_exact_match(levels: dict[str, Level]):
    level = levels["finale"]
    assert level.show == ("forward", "reverse")
    model = level.models[0]
    assert [model.start_values()[f"mean{i}"] for i in (1, 2, 3)] == [-5.0, 0.0, 5.0]
    assert all(model.start_values()[f"variance{i}"] == 5.0 for i in (1, 2, 3))
    for name, value in level.target.random_params():
        spec = model.param(name)
        assert spec.min <= value.low and value.high <= spec.max
    for seed in SEEDS:
        target = level.target.draw(seed)
        assert isinstance(target, Mixture) and len(target.components) == 3
        assert target.weights == pytest.approx((1 / 3, 1 / 3, 1 / 3))
        solution = best_fit(level, target)
        assert solution.fit.forward == pytest.approx(0.0, abs=1e-9)
        assert solution.fit.reverse == pytest.approx(0.0, abs=1e-9)


def test_space_worms_uniform_beats_binomial_and_poisson_beats_both(levels: dict[str, Level]):
    level = levels["space-worms"]
    assert [model.id for model in level.models] == ["uniform", "binomial", "poisson"]
    assert not level.target.is_random
    target = level.target.draw(1)
    assert list(target.probs) == pytest.approx(
        np.array([2, 3, 5, 14, 16, 15, 12, 8, 10, 8, 7]) / 100
    )
    solution = best_fit(level, target)
    # scipy.stats: Σ p log(p / poisson.pmf(k, 5.44)) = 0.0901808291458654
    assert solution.model_id == "poisson"
    assert solution.values["lambda"] == pytest.approx(5.44, rel=1e-12)  # the mean count
    assert solution.divergence == pytest.approx(0.0901808291458654, rel=1e-9)
    assert solution.fit.reverse == math.inf  # the data has no worm with 11 teeth
    assert solution.for_model("uniform").divergence == pytest.approx(0.1367, abs=5e-5)
    binomial = solution.for_model("binomial")
    assert binomial.values["p"] == pytest.approx(0.544, abs=1e-4)
    assert binomial.divergence == pytest.approx(0.4273, abs=5e-5)
    spec = level.model("binomial").param("p")
    assert (spec.start, spec.min, spec.max, spec.step) == (0.5, 0.0, 1.0, 0.01)
    rate = level.model("poisson").param("lambda")
    assert (rate.start, rate.min, rate.max, rate.step, rate.big_step) == (1, 0.1, 20, 0.1, 1)


def test_dog_or_panda_in_bits(levels: dict[str, Level]):
    level = levels["dog-or-panda"]
    assert level.units == "bits" and level.show == ("forward", "reverse")
    model = level.models[0]
    assert model.start_values() == {"dog": 0.3}
    assert model.param("dog").label == "Q(dog)"
    target = level.target.draw(0)

    def bits(dog: float) -> tuple[float, float]:
        forward, reverse = both_directions(target, model.build({"dog": dog}))
        return level.in_units(forward), level.in_units(reverse)

    assert bits(0.3)[0] == pytest.approx(1.737, abs=5e-4)
    assert bits(0.9)[0] == pytest.approx(0.152, abs=5e-4)
    assert bits(0.3)[1] == math.inf  # Q puts mass on "panda", which P rules out
    solution = best_fit(level, target)
    assert solution.fit.values == {"dog": 1.0}
    assert solution.divergence == 0.0
    assert solution.fit.reverse == 0.0


def test_three_states_starts_uniform(levels: dict[str, Level]):
    level = levels["three-states"]
    target = level.target.draw(0)
    assert list(target.probs) == pytest.approx([0.36, 0.48, 0.16])
    model = level.models[0]
    start = model.build(model.start_values())
    assert list(start.probs) == pytest.approx([1 / 3] * 3, abs=1e-15)
    forward, reverse = both_directions(target, start)
    assert forward == pytest.approx(0.0853, abs=5e-5)
    assert reverse == pytest.approx(0.0975, abs=5e-5)
    solution = best_fit(level, target)
    assert solution.divergence == pytest.approx(0.0, abs=1e-9)
    assert solution.fit.values["0"] == pytest.approx(0.36, abs=1e-6)
    assert solution.fit.values["1"] == pytest.approx(0.48, abs=1e-6)


# --- seeds and speed ------------------------------------------------------------------


@pytest.mark.parametrize("level_id", BUILTIN_IDS)
def test_same_seed_same_target(levels: dict[str, Level], level_id: str):
    spec = levels[level_id].target
    assert spec.draw(7) == spec.draw(7)
    if spec.is_random:
        assert spec.draw(7) != spec.draw(8)


def test_draw_order_is_the_documented_one(levels: dict[str, Level]):
    """finale: means left to right, then variances, one uniform draw each."""
    spec = levels["finale"].target
    rng = np.random.default_rng(42)
    ranges = dict(spec.random_params())
    expected = {name: rng.uniform(r.low, r.high) for name, r in spec.random_params()}
    assert [name for name, _ in spec.random_params()] == [
        "mean1",
        "mean2",
        "mean3",
        "variance1",
        "variance2",
        "variance3",
    ]
    target = spec.draw(42)
    assert isinstance(target, Continuous) and isinstance(target, Mixture)
    for i, part in enumerate(target.components, 1):
        assert part.mean == expected[f"mean{i}"]
        assert part.variance == expected[f"variance{i}"]
        assert ranges[f"mean{i}"].low <= part.mean < ranges[f"mean{i}"].high


@pytest.mark.parametrize("level_id", BUILTIN_IDS)
def test_best_fit_is_fast_enough(levels: dict[str, Level], level_id: str):
    level = levels[level_id]
    best_fit(level, level.target.draw(99))  # warm up: imports
    slowest = 0.0
    for seed in (1, 2, 3):
        target = level.target.draw(seed)
        started = time.process_time()  # CPU time: steady when other tests share the CPUs
        _solve.__wrapped__(level, target)  # uncached
        slowest = max(slowest, time.process_time() - started)
    assert slowest < 1.0  # at most about 0.2 s on a laptop


def test_best_fit_is_cached(levels: dict[str, Level]):
    level = levels["space-worms"]
    target = level.target.draw(3)
    first = best_fit(level, target)
    started = time.perf_counter()
    again = best_fit(level, target)
    assert time.perf_counter() - started < 0.01
    assert again == first and again.fit.values is not first.fit.values
