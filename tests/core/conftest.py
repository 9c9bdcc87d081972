"""Fixtures for the rules tests (the level builders live in levelkit.py)."""

from __future__ import annotations

import pytest
from levelkit import TWO_PEAKS, make_level

from klgame.levels.model import Level


@pytest.fixture
def two_peaks_reverse() -> Level:
    return make_level(TWO_PEAKS, "reverse")


@pytest.fixture
def two_peaks_forward() -> Level:
    return make_level(TWO_PEAKS, "forward")
