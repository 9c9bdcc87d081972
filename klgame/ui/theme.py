"""The game's one registered theme. Curve colours come from its variables:
the target p is ``error`` (red), the guess q ``primary`` (blue), the best fit
muted; forward KL is shown in red and reverse KL in blue, as in the lessons."""

from __future__ import annotations

from textual.theme import Theme

KLGAME_THEME = Theme(
    name="klgame",
    primary="#4C9BE8",
    secondary="#C9A0F0",
    accent="#F0B44C",
    warning="#F0B44C",
    error="#E8555A",
    success="#5CC98A",
    foreground="#E2E4E9",
    background="#14161B",
    surface="#1C1F26",
    panel="#262A33",
    dark=True,
)
