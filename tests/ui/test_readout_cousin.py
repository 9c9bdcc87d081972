"""A level scored by a cousin of KL: the big number, its units and the meters
follow it; the KLs are still shown beside it, in the units on screen."""

from __future__ import annotations

import math

import pytest

from klgame.core import actions as A
from klgame.core.rules import apply, new_game
from klgame.engine import hellinger, jensen_shannon, kl, total_variation
from klgame.levels import load_level_text
from klgame.ui.format import direction_label, units_label
from klgame.ui.readout import read

LEVEL = """\
id: tiny
title: Tiny
lesson: A level with nothing special.
intro: Match the hidden curve.
reveal: Well done.
target:
  family: gaussian
  mean: {random: [-1, 1]}
  variance: 2
guess:
  family: gaussian
direction: reverse
"""

MEASURES = {
    "jensen-shannon": jensen_shannon,
    "hellinger": hellinger,
    "total-variation": total_variation,
}


def state_of(divergence: str):
    text = LEVEL + f"divergence: {divergence}\nshow: [reverse, forward]\n"
    return apply(new_game(load_level_text(text, source="t.yaml"), 5), A.Nudge(sign=1))


@pytest.mark.parametrize("name", ["hellinger", "total-variation"])
def test_a_unitless_cousin_shows_no_units_in_either_unit_setting(name: str):
    for state in (state_of(name), apply(state_of(name), A.ToggleUnits())):
        readout = read(state)
        first, *kls = readout.readings
        assert first.direction == name and first.scoring and first.units == ""
        assert first.value == MEASURES[name](state.target, state.guess)
        assert [r.direction for r in kls] == ["reverse", "forward"]
        assert not any(r.scoring for r in kls)
        scale = 1.0 if state.units == "nats" else 1.0 / math.log(2.0)
        assert kls[0].value == pytest.approx(kl(state.guess, state.target) * scale, rel=1e-12)
        assert all(r.units == state.units for r in kls)
        for meter in readout.meters:
            assert meter.units == "" and meter.measures in ("H", "TV")
        assert units_label(state.units, state.level.scoring) == "no units"


def test_jensen_shannon_follows_the_units_toggle():
    nats = state_of("jensen-shannon")
    bits = apply(nats, A.ToggleUnits())
    value = jensen_shannon(nats.target, nats.guess)
    assert read(nats).readings[0].value == value and read(nats).readings[0].units == "nats"
    assert read(bits).readings[0].value == pytest.approx(value / math.log(2.0), rel=1e-12)
    assert read(bits).readings[0].units == "bits"
    assert read(bits).meters[0].measures == "JS" and read(bits).meters[0].units == "bits"


def test_labels_name_the_cousin():
    assert direction_label("jensen-shannon") == "Jensen–Shannon"
    assert direction_label("hellinger") == "Hellinger H"
    assert direction_label("reverse") == "reverse KL(q‖p)"


def test_toggling_units_says_the_cousin_has_none():
    toggled = apply(state_of("hellinger"), A.ToggleUnits())
    assert toggled.message == "Showing KL in bits; the Hellinger distance has no units."
    js = apply(state_of("jensen-shannon"), A.ToggleUnits())
    assert js.message == "Showing divergences in bits."
