"""Helpers shared by the terminal game's tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App

from klgame.ui.app import KLGame

PLAYER = "tester"
SEED = 1


class StoppedClock:
    """A clock that only moves when told to, so times on screen are fixed."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


MakeApp = Callable[..., KLGame]


def screen_text(app: App[Any]) -> str:
    """The characters on screen, one line per row."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())
