"""The ``divergence`` field: a level scored by KL or by one of its cousins."""

from __future__ import annotations

import math

import pytest
from level_helpers import VALID_LEVEL

from klgame.levels import Level, LevelError, load_level_text


def load(text: str) -> Level:
    return load_level_text(text, source="test.yaml")


def with_divergence(value: str, extra: str = "") -> str:
    return VALID_LEVEL + f"divergence: {value}\n" + extra


def messages(text: str) -> list[str]:
    with pytest.raises(LevelError) as caught:
        load(text)
    return caught.value.messages


def test_kl_is_the_default_and_follows_the_direction():
    level = load(VALID_LEVEL)
    assert level.divergence == "kl"
    assert level.scoring == "reverse"
    forward = load(VALID_LEVEL.replace("direction: reverse", "direction: forward"))
    assert forward.scoring == "forward"
    assert load(with_divergence("kl")).scoring == "reverse"


@pytest.mark.parametrize("value", ["jensen-shannon", "hellinger", "total-variation"])
def test_a_cousin_is_its_own_criterion(value: str):
    level = load(with_divergence(value))
    assert level.divergence == value
    assert level.scoring == value
    assert level.direction == "reverse"  # kept: it says which way the texts talk


def test_jensen_shannon_has_units_the_distances_none():
    js_bits = load(with_divergence("jensen-shannon", "units: bits\n"))
    assert js_bits.in_units(math.log(2.0)) == pytest.approx(1.0, rel=1e-15)
    for value in ("hellinger", "total-variation"):
        assert load(with_divergence(value)).in_units(0.25) == 0.25


# VALID_LEVEL has 12 lines: the field added is on line 13, column 13.
@pytest.mark.parametrize(
    ("written", "suggestion"),
    [
        ("js", "jensen-shannon"),
        ("jensen_shannon", "jensen-shannon"),
        ("jenson-shannon", "jensen-shannon"),
        ("tv", "total-variation"),
        ("total_variation", "total-variation"),
        ("helinger", "hellinger"),
        ("kullback-leibler", "kl"),
    ],
)
def test_an_unknown_divergence_is_pointed_at_the_right_one(written: str, suggestion: str):
    assert messages(with_divergence(written)) == [
        f"test.yaml:13:13: divergence: unknown value '{written}' (did you mean '{suggestion}'?)"
    ]


def test_an_unrelated_word_lists_the_choices():
    assert messages(with_divergence("wasserstein")) == [
        "test.yaml:13:13: divergence: unknown value 'wasserstein' (expected one of: "
        "kl, jensen-shannon, hellinger, total-variation)"
    ]


def test_a_number_is_not_a_divergence():
    assert messages(with_divergence("2")) == [
        "test.yaml:13:13: divergence: must be one of kl, jensen-shannon, hellinger, "
        "total-variation; got a whole number"
    ]


@pytest.mark.parametrize("value", ["hellinger", "total-variation"])
def test_units_with_a_unitless_divergence_is_refused(value: str):
    assert messages(with_divergence(value, "units: bits\n")) == [
        f"test.yaml:14:8: units: {value} has no units (a number in [0, 1]): leave 'units' out"
    ]


def test_every_problem_is_reported_at_once():
    text = with_divergence("js", "units: bitz\n")
    assert messages(text) == [
        "test.yaml:13:13: divergence: unknown value 'js' (did you mean 'jensen-shannon'?)",
        "test.yaml:14:8: units: unknown value 'bitz' (did you mean 'bits'?)",
    ]


@pytest.mark.parametrize("value", ["jensen-shannon", "hellinger", "total-variation"])
def test_the_rules_score_by_the_cousin(value: str):
    from klgame.core import actions as A
    from klgame.core.rules import apply, new_game
    from klgame.engine import hellinger, jensen_shannon, total_variation

    measure = {
        "jensen-shannon": jensen_shannon,
        "hellinger": hellinger,
        "total-variation": total_variation,
    }[value]
    level = load(with_divergence(value))
    state = apply(new_game(level, 3), A.Reveal())
    assert state.score is not None
    assert state.score.divergence == pytest.approx(measure(state.target, state.guess), rel=1e-12)
    # the family holds the target (a Gaussian): the best fit matches it
    assert state.score.best == pytest.approx(0.0, abs=1e-6)
    assert state.score.units == ("nats" if value == "jensen-shannon" else "")
    assert 0.0 <= state.score.divergence <= (math.log(2.0) if value == "jensen-shannon" else 1.0)
