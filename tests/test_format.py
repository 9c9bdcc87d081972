"""One way to write a number, stars and ∞, for the screens, the commands and JSON."""

from __future__ import annotations

import json
import math

import pytest

from klgame.engine.units import LN2, in_units
from klgame.format import json_number, number, stars
from klgame.ui import format as screen_format


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (math.inf, "∞"),
        (-math.inf, "-∞"),
        (math.nan, "—"),
        (0.0, "0.0000"),
        (-0.0, "0.0000"),
        (-1e-12, "0.0000"),  # no "-0.0000"
        (-0.00005001, "-0.0001"),
        (0.13667971, "0.1367"),
        (1.23456, "1.2346"),
        (1e6, "1000000.0000"),
    ],
)
def test_number(value: float, shown: str) -> None:
    assert number(value) == shown


def test_number_digits() -> None:
    assert number(2 / 3, 2) == "0.67" and number(-0.004, 2) == "0.00"


@pytest.mark.parametrize(
    ("count", "shown"), [(0, "☆☆☆"), (1, "★☆☆"), (2, "★★☆"), (3, "★★★"), (-1, "☆☆☆"), (7, "★★★")]
)
def test_stars(count: int, shown: str) -> None:
    assert stars(count) == shown


def test_json_has_one_infinity_null() -> None:
    assert json_number(0.5) == 0.5 and json_number(0.0) == 0.0
    assert json_number(math.inf) is None and json_number(math.nan) is None
    assert json.dumps([json_number(math.inf)], allow_nan=False) == "[null]"


def test_bits_are_nats_over_ln2() -> None:
    assert pytest.approx(0.6931471805599453, rel=1e-16) == LN2
    assert in_units(LN2, "bits") == pytest.approx(1.0, rel=1e-15)
    assert in_units(1.0, "nats") == 1.0
    assert in_units(math.inf, "bits") == math.inf
    with pytest.raises(ValueError, match="units"):
        in_units(1.0, "nat")


def test_the_screens_use_the_same_helpers() -> None:
    assert screen_format.number is number and screen_format.stars is stars
