"""The level model as the rules and the screens use it, and the format's defaults."""

from __future__ import annotations

import math

import pytest
from level_helpers import VALID_LEVEL

from klgame.engine import CategoricalFamily, Gaussian, GaussianFamily, Mixture, MixtureFamily
from klgame.levels import (
    DEFAULT_METERS,
    DEFAULT_STARS,
    Level,
    LevelError,
    Meter,
    View,
    load_level_text,
)


def load(text: str) -> Level:
    return load_level_text(text, source="test.yaml")


def test_defaults_of_a_minimal_level():
    level = load(VALID_LEVEL)
    assert level.order == 100
    assert level.show == ("reverse",)
    assert level.units == "nats"
    assert level.view == View()
    assert level.meters == DEFAULT_METERS == (Meter("Divergence", 25.0), Meter("Fine tuning", 1.0))
    assert level.stars == DEFAULT_STARS
    assert level.source is None
    assert not level.is_discrete
    (model,) = level.models
    assert (model.id, model.title) == ("gaussian", "Gaussian")
    assert isinstance(model.family, GaussianFamily)
    mean, variance = model.params
    assert (mean.name, mean.label, mean.start, mean.min, mean.max, mean.step, mean.big_step) == (
        "mean",
        "Mean",
        0.0,
        -10.0,
        10.0,
        0.1,
        1.0,
    )
    assert (variance.label, variance.start, variance.min, variance.max) == (
        "Variance",
        5.0,
        0.1,
        20.0,
    )
    assert not mean.fixed and not variance.fixed


def test_guess_model_methods():
    text = VALID_LEVEL.replace(
        "  family: gaussian\ndirection",
        "  family: gaussian\n  params:\n    mean: {fixed: 1.5, label: Centre}\n"
        "    variance: {start: 3, min: 0.5, max: 8, step: 0.5}\ndirection",
    )
    model = load(text).models[0]
    assert model.start_values() == {"mean": 1.5, "variance": 3.0}
    assert model.fixed_values() == {"mean": 1.5}
    assert model.bounds() == {"variance": (0.5, 8.0)}
    assert [spec.name for spec in model.free_params()] == ["variance"]
    centre = model.param("mean")
    assert centre.fixed and centre.label == "Centre" and centre.min == centre.max == 1.5
    assert model.param("variance").big_step == 5.0
    assert model.param("variance").clamp(100.0) == 8.0
    # fixed parameters keep their value whatever the caller passes
    assert model.build({"mean": -4.0, "variance": 2.0}) == Gaussian(1.5, 2.0)


def test_bare_number_fixes_a_parameter():
    text = VALID_LEVEL.replace(
        "  family: gaussian\ndirection", "  family: gaussian\n  params:\n    mean: 0\ndirection"
    )
    model = load(text).models[0]
    assert model.fixed_values() == {"mean": 0.0}
    assert list(model.bounds()) == ["variance"]


def test_default_start_moves_inside_author_bounds():
    text = VALID_LEVEL.replace(
        "  family: gaussian\ndirection",
        "  family: gaussian\n  params:\n    variance: {min: 6, max: 9}\ndirection",
    )
    assert load(text).models[0].param("variance").start == 6.0


def test_mixture_defaults_spread_the_means():
    text = VALID_LEVEL.replace(
        "  family: gaussian\ndirection",
        "  family: mixture\n  components: 3\n  weights: [1, 2, 1]\ndirection",
    )
    model = load(text).models[0]
    assert isinstance(model.family, MixtureFamily) and model.family.weights == (1.0, 2.0, 1.0)
    starts = model.start_values()
    assert [starts[f"mean{i}"] for i in (1, 2, 3)] == [-5.0, 0.0, 5.0]
    assert [model.param(f"mean{i}").label for i in (1, 2, 3)] == ["Mean 1", "Mean 2", "Mean 3"]
    assert model.param("variance2").label == "Variance 2"
    assert model.title == "3-component mixture"


def test_categorical_target_and_guess():
    text = """\
id: pets
title: Pets
lesson: Labels work.
intro: Go.
reveal: Done.
target:
  family: categorical
  support: [cat, dog, "no"]
  counts: [1, 2, {random: [1, 3]}]
guess:
  family: categorical
direction: forward
units: bits
view: {labels: [Cat, Dog, Nobody]}
"""
    level = load(text)
    assert level.is_discrete and level.units == "bits"
    assert level.view.labels == ("Cat", "Dog", "Nobody")
    target = level.target.draw(0)
    assert target.support == ("cat", "dog", "no")
    assert math.isclose(sum(target.probs), 1.0)
    model = level.models[0]
    assert isinstance(model.family, CategoricalFamily)
    assert [spec.name for spec in model.params] == ["cat", "dog"]
    assert [spec.label for spec in model.params] == ["Q(cat)", "Q(dog)"]
    assert model.start_values() == {"cat": 1 / 3, "dog": 1 / 3}
    assert level.in_units(math.log(2.0)) == pytest.approx(1.0)


def test_mixture_target_draws_and_normalises_weights():
    text = VALID_LEVEL.replace(
        "  family: gaussian\n  mean: {random: [-1, 1]}\n  variance: 2\n",
        "  family: mixture\n  weights: [1, 3]\n  means: [-2, {random: [1, 2]}]\n"
        "  variances: [1, 0.5]\n",
    )
    target = load(text).target.draw(5)
    assert isinstance(target, Mixture)
    assert target.weights == (0.25, 0.75)
    assert 1.0 <= target.components[1].mean < 2.0


def test_stars_for_excess():
    level = load(VALID_LEVEL.replace("direction: reverse", "direction: reverse\nstars: [0, 1, 2]"))
    assert [level.stars_for(x) for x in (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, math.inf, math.nan)] == [
        3,
        2,
        2,
        1,
        1,
        0,
        0,
        0,
    ]


def test_level_is_frozen_and_hashable():
    level = load(VALID_LEVEL)
    with pytest.raises(AttributeError):
        level.id = "other"  # type: ignore[misc]
    assert hash(level) == hash(load(VALID_LEVEL))


def test_content_hash_is_sha256_of_the_bytes():
    import hashlib

    level = load(VALID_LEVEL)
    assert level.content_hash == hashlib.sha256(VALID_LEVEL.encode()).hexdigest()
    assert load(VALID_LEVEL + "# a comment\n").content_hash != level.content_hash


@pytest.mark.parametrize("field", ["intro", "reveal", "title", "lesson", "id"])
def test_required_texts(field: str):
    lines = [line for line in VALID_LEVEL.splitlines() if not line.startswith(f"{field}:")]
    with pytest.raises(LevelError) as caught:
        load("\n".join(lines) + "\n")
    assert caught.value.messages == [f"test.yaml:1:1: {field}: required field is missing"]


def test_std_is_pointed_at_variance():
    text = VALID_LEVEL.replace("variance: 2", "std: 2")
    with pytest.raises(LevelError) as caught:
        load(text)
    assert caught.value.messages == [
        "test.yaml:7:3: target.variance: required field is missing",
        "test.yaml:9:3: target.std: unknown field (did you mean 'variance'? "
        "Note: the variance, not the standard deviation.)",
    ]
