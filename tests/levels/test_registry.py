"""The family registry: every family registered once, every level resolved through it."""

from __future__ import annotations

import pytest

from klgame.engine import families, registry
from klgame.engine.families import Family
from klgame.levels import LevelError, load_catalog, load_level_text, schema


def _subclasses(cls: type) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub} | _subclasses(sub)
    return out


def test_every_guess_family_class_has_one_descriptor() -> None:
    by_type = {d.family_type: d for d in registry.descriptors() if d.family_type is not None}
    engine_families = {c for c in _subclasses(Family) if c.__module__.startswith("klgame.")}
    assert engine_families == set(by_type)
    for cls, described in by_type.items():
        assert cls.kind == described.name
        assert described.make is not None


def test_the_builtin_families_and_poisson_are_registered() -> None:
    assert set(registry.guess_names()) == {
        "gaussian",
        "mixture",
        "categorical",
        "binomial",
        "uniform",
        "poisson",
    }
    assert set(registry.target_names()) == {"gaussian", "mixture", "categorical", "binomial"}
    assert {d.name for d in registry.descriptors() if d.continuous} == {"gaussian", "mixture"}
    assert {d.name: d.drawing for d in registry.descriptors()} == {
        "gaussian": "curve",
        "mixture": "curve",
        "categorical": "bars",
        "binomial": "bars",
        "uniform": "bars",
        "poisson": "bars",
    }


def test_an_unknown_family_says_which_are_known() -> None:
    with pytest.raises(KeyError, match="known: gaussian"):
        registry.descriptor("weibull")


_COUNTS_LEVEL = """\
id: counts
title: Counts
lesson: Counts.
intro: Counts.
reveal: Counts.
target:
  family: categorical
  support: [0, 1, 2, 3]
  counts: [1, 4, 3, 2]
guess:
  - family: poisson
GUESS
direction: forward
"""


def test_the_schema_reads_its_family_names_and_fields_from_the_registry() -> None:
    assert registry.guess_names() == schema.GUESS_FAMILIES
    assert registry.target_names() == schema.TARGET_FAMILIES
    level = load_level_text(_COUNTS_LEVEL.replace("GUESS", "    params: {lambda: 2}"))
    (model,) = level.models
    assert type(model.family).__name__ == "PoissonFamily"
    assert model.param("lambda").fixed and model.param("lambda").start == 2.0
    # Its fields and parameters come from its descriptor: no n, no p.
    with pytest.raises(LevelError) as caught:
        load_level_text(_COUNTS_LEVEL.replace("GUESS", "    n: 10\n    params: {p: 0.5}"))
    text = str(caught.value)
    assert "guess[0].n" in text and "guess[0].params.p" in text
    # λ > 0: the descriptor's hard limit.
    with pytest.raises(LevelError, match=r"lambda.*> 0"):
        load_level_text(_COUNTS_LEVEL.replace("GUESS", "    params: {lambda: {min: 0}}"))


@pytest.mark.parametrize(
    ("family", "logs"),
    [
        (families.GaussianFamily(), {"variance"}),
        (families.MixtureFamily(3), {"variance1", "variance2", "variance3"}),
        (families.BinomialFamily(10), set()),
        (families.CategoricalFamily(("a", "b", "c")), set()),
        (families.UniformFamily((0, 1)), set()),
        (registry.descriptor("poisson").make({}), {"lambda"}),  # type: ignore[misc]
    ],
)
def test_positive_scales_move_in_log_coordinates(family: Family, logs: set[str]) -> None:
    defaults = registry.param_defaults(family)
    assert tuple(defaults) == family.param_names
    assert {n for n in family.param_names if registry.log_scaled(family, n, 0.1)} == logs
    # A lower bound of 0 keeps the value itself (its log is −∞).
    assert not any(registry.log_scaled(family, n, 0.0) for n in family.param_names)


def test_categorical_probabilities_are_simplex_coordinates() -> None:
    family = families.CategoricalFamily(("a", "b", "c"))
    assert {registry.coordinate(family, n) for n in family.param_names} == {"simplex"}
    assert family.sum_limit() == (("a", "b"), 1.0)


def test_every_builtin_level_resolves_its_families_through_the_registry() -> None:
    catalog = load_catalog()
    assert not catalog.errors
    seen = set()
    for level in catalog.levels:
        target = registry.descriptor(level.target.kind)
        assert target.is_target
        assert level.is_discrete == (not target.continuous)
        for model in level.models:
            described = registry.descriptor_of(model.family)
            assert type(model.family) is described.family_type
            assert [spec.name for spec in model.params] == list(model.family.param_names)
            # discrete guesses for discrete targets, densities for densities
            assert described.continuous == target.continuous
            seen.add(described.name)
    assert seen == set(registry.guess_names())  # every family is played somewhere


def test_a_poisson_only_level_scored_in_reverse_is_refused() -> None:
    text = _COUNTS_LEVEL.replace("GUESS", "").replace("direction: forward", "direction: reverse")
    with pytest.raises(LevelError, match=r"KL\(q‖p\) is ∞ for every allowed guess.*every whole"):
        load_level_text(text)


def test_a_poisson_for_labels_is_refused_forward() -> None:
    text = _COUNTS_LEVEL.replace("GUESS", "").replace("[0, 1, 2, 3]", "[0, 1, 2, dog]")
    with pytest.raises(LevelError, match="a Poisson has no value dog"):
        load_level_text(text)
