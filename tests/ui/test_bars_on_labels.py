"""Every bar stands on its label, at every width: read off the screen itself."""

from __future__ import annotations

import numpy as np
import pytest
from textual.geometry import Region
from ui_helpers import MakeApp

from klgame.ui import figures
from klgame.ui.plotting import BarPlot
from klgame.ui.screens.play import PlayScreen

DISCRETE = ["space-worms", "dog-or-panda", "three-states"]
MARKERS = {"target": "█", "guess": "▒"}


def plot_rows(plot: BarPlot) -> list[str]:
    width, height = plot.size
    return [strip.text for strip in plot.render_lines(Region(0, 0, width, height))]


def runs(row: str, char: str) -> list[tuple[int, int]]:
    """(first, last) columns of each run of ``char`` in ``row``."""
    found, start = [], None
    for col, c in enumerate(row + " "):
        if c == char and start is None:
            start = col
        elif c != char and start is not None:
            found.append((start, col - 1))
            start = None
    return found


def label_centres(label_row: str, labels: list[str], ticks: list[int]) -> list[float]:
    """The middle column of each label's text, looked up left to right."""
    centres, at = [], 0
    for label in labels:
        col = label_row.index(label, at)
        centres.append(col + (len(label) - 1) / 2)
        at = col + len(label)
    return centres


@pytest.mark.parametrize("width", [80, 100, 120, 200])
@pytest.mark.parametrize("level_id", DISCRETE)
async def test_each_bar_group_is_centred_on_its_tick_and_label(
    make_app: MakeApp, level_id: str, width: int
) -> None:
    app = make_app(start_level=level_id)
    async with app.run_test(size=(width, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlayScreen)
        state = screen.player.state
        plot = screen.query_one(BarPlot)
        rows = plot_rows(plot)
        axis = next(i for i, row in enumerate(rows) if "└" in row)
        ticks = [col for col, c in enumerate(rows[axis]) if c == "┬"]
        labels = figures.labels(state.level, state.target)  # type: ignore[arg-type]
        assert len(ticks) == len(labels)
        centres = label_centres(rows[axis + 1], labels, ticks)
        for tick, centre in zip(ticks, centres, strict=True):
            assert abs(tick - centre) <= 1, (tick, centre)  # the text sits under its tick

        bars = rows[1:axis]  # below the legend, above the axis
        support = state.target.support  # type: ignore[attr-defined]
        masses = {
            "target": figures.masses(state.target, support),
            "guess": figures.masses(state.guess, support),
        }
        spans: dict[int, list[tuple[int, int]]] = {i: [] for i in range(len(labels))}
        for role, marker in MARKERS.items():
            # the bar's columns over every row, one run per bar
            columns = "".join(
                marker if any(r[c] == marker for r in bars) else " " for c in range(plot.size.width)
            )
            found = runs(columns, marker)
            # each bar is nearest to the tick of the outcome whose mass it shows
            nearest = [
                min(range(len(ticks)), key=lambda i: abs(ticks[i] - (a + b) / 2)) for a, b in found
            ]
            shown = [i for i, m in enumerate(masses[role]) if m > 1e-9]
            assert nearest == shown, (role, nearest, shown)
            for label, span in zip(nearest, found, strict=True):
                spans[label].append(span)
            # the tallest bar stands over the outcome with the largest mass
            heights = [sum(r[a] == marker for r in bars) for a, _ in found]
            tallest = shown[int(np.argmax(heights))]
            assert masses[role][tallest] == pytest.approx(masses[role].max(), rel=0.1), role
        widths = {b - a + 1 for found in spans.values() for a, b in found}
        assert len(widths) == 1, widths  # every bar equally wide
        for label, found in spans.items():
            if len(found) < len(MARKERS):
                continue  # a bar of height 0 is not drawn: its group's middle is unknown
            first, last = min(a for a, _ in found), max(b for _, b in found)
            middle = (first + last) / 2
            if width >= 100:  # room for an odd number of columns: one middle column
                assert (last - first) % 2 == 0, (labels[label], first, last)
            if (last - first) % 2 == 0:  # an odd number of columns has a middle column
                assert ticks[label] == middle, (labels[label], first, last, ticks[label])
            else:
                assert abs(ticks[label] - middle) == 0.5, (labels[label], first, last)
