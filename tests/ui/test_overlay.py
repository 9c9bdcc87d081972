"""The integrand overlay has its own scale: p and q keep their height."""

from __future__ import annotations

import re

import numpy as np
from ui_helpers import MakeApp, screen_text

from klgame.ui import figures
from klgame.ui.plot import CurvePlot
from klgame.ui.screens.play import PlayScreen


async def test_the_overlay_is_scaled_to_the_curves_not_the_curves_to_it(
    make_app: MakeApp,
) -> None:
    app = make_app(start_level="gaussian")
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        play = app.screen
        assert isinstance(play, PlayScreen)
        plot = play.query_one(CurvePlot)
        top_before = plot._y_limits()[1]
        await pilot.press("i")
        await pilot.pause()
        lo, top = plot._y_limits()
        assert top == top_before == play.level.view.y_max  # the curves keep their scale
        legend = screen_text(app).splitlines()[1]
        found = re.search(r"q·log\(q/p\) ×([0-9.e+-]+)", legend)
        assert found is not None
        scale = float(found.group(1))
        state = play.player.state
        xs = np.linspace(-12, 12, 2001)
        ys = figures.integrand(state.target, state.guess, "reverse", xs)
        # its peak drawn at 80 % of the plot's height (the legend's factor, 2 digits)
        assert abs(scale * ys.max() - 0.8 * top) <= 0.05 * top
        assert lo <= scale * ys.min() <= 0.0  # and its negative part on the plot too
