"""The plot widgets render real Textual output: legend, markers, small sizes, bursts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip

from klgame.ui.plotting import BarPlot, CurvePlot, Series, nice_ticks
from klgame.ui.plotting.curves import line
from klgame.ui.plotting.layers import Geometry
from klgame.ui.plotting.sampling import prepare
from klgame.ui.plotting.series import LOOKS

XS = np.linspace(-8.0, 8.0, 401)
BRAILLE = {chr(c) for c in range(0x2801, 0x2900)}
QUADRANTS = set("▖▗▘▙▚▛▜▝▞▟▀▄▌▐█")


def normal(mean: float, sd: float = 1.0) -> np.ndarray:
    return np.exp(-0.5 * ((XS - mean) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))


def target() -> Series:
    return Series("target p", XS, 0.4 * normal(-3) + 0.6 * normal(3), "target")


def guess(mean: float = 0.0, name: str = "guess q") -> Series:
    return Series(name, XS, normal(mean, 1.5), "guess")


class CurveApp(App[None]):
    def __init__(self, series: list[Series]) -> None:
        super().__init__()
        self.initial = series

    def compose(self) -> ComposeResult:
        plot = CurvePlot()
        plot.set_view(-8, 8, 0.3)
        plot.set_series(self.initial)
        yield plot


def screen_lines(plot: CurvePlot | BarPlot) -> list[Strip]:
    """What Textual would put on screen for the widget (filters such as NO_COLOR included)."""
    width, height = plot.size
    return plot.render_lines(Region(0, 0, width, height))


def screen_text(plot: CurvePlot | BarPlot) -> str:
    return "\n".join(strip.text for strip in screen_lines(plot))


def glyphs_of(plot: CurvePlot | BarPlot) -> set[str]:
    return set(screen_text(plot)) - {" ", "\n"}


async def test_renders_curves_axes_and_legend() -> None:
    app = CurveApp([target(), guess()])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        plot = app.query_one(CurvePlot)
        text = screen_text(plot)
        lines = text.splitlines()
        assert "target p" in lines[0] and "guess q" in lines[0]  # legend row
        assert "0.30┤" in text and "-8" in text and "8" in lines[-1]  # axes and ticks
        assert glyphs_of(plot) & BRAILLE  # guess
        assert glyphs_of(plot) & QUADRANTS  # target


async def test_each_role_has_its_own_marker() -> None:
    app = CurveApp([guess()])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        plot = app.query_one(CurvePlot)
        guess_only = glyphs_of(plot)
        plot.set_series([target()])
        await pilot.pause()
        target_only = glyphs_of(plot)
    axes = set("0123456789.-┤│└┬─ ") | set("targetpguessq")
    assert (guess_only - axes) <= BRAILLE
    assert (target_only - axes) <= QUADRANTS


async def test_no_colour_mode_keeps_curves_apart_by_marker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = CurveApp([target(), guess()])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.no_color
        plot = app.query_one(CurvePlot)
        colours = set()
        for strip in screen_lines(plot):
            for segment in strip:
                if segment.style and segment.style.color and segment.style.color.triplet:
                    colours.add(tuple(segment.style.color.triplet))
        assert colours and all(r == g == b for r, g, b in colours)  # no hue left
        glyphs = glyphs_of(plot)
        assert glyphs & BRAILLE and glyphs & QUADRANTS


async def test_recolours_on_theme_change() -> None:
    app = CurveApp([target(), guess()])
    async with app.run_test(size=(100, 30)) as pilot:
        app.theme = "textual-dark"
        await pilot.pause()
        plot = app.query_one(CurvePlot)

        def guess_colour() -> object:
            for strip in screen_lines(plot):
                for segment in strip:
                    if set(segment.text) & BRAILLE and segment.style:
                        return segment.style.color
            raise AssertionError("no guess on screen")

        before = guess_colour()
        app.theme = "nord"
        await pilot.pause()
        assert guess_colour() != before


def _shown_when_too_small(width: int, height: int) -> list[str]:
    """Below 16×5 cells: the note on the first line, as much of it as fits, else blank."""
    note = "enlarge the terminal to see the plot"
    first = (note if len(note) <= width else "too small")[:width]
    return [first.ljust(width)] + [" " * width] * (height - 1)


@pytest.mark.parametrize("size", [(1, 1), (8, 3), (15, 24), (80, 4), (20, 5), (30, 8), (80, 24)])
async def test_small_sizes_draw_the_note_or_the_curves(size: tuple[int, int]) -> None:
    app = CurveApp([target(), guess()])
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        plot = app.query_one(CurvePlot)
        plot.set_series([target(), guess(1.0)])
        await pilot.pause()
        width, height = plot.size
        assert (width, height) == size
        lines = screen_text(plot).split("\n")
        assert len(lines) == height and all(len(line) == width for line in lines)
        if width < 16 or height < 5:
            assert lines == _shown_when_too_small(width, height)
        else:
            drawn = set("".join(lines))
            assert drawn & (BRAILLE | QUADRANTS), "no curve drawn"
            assert "too small" not in "".join(lines) and "enlarge" not in "".join(lines)
            legend = "target p" in lines[0] and "guess q" in lines[0]
            assert legend == (height >= 7)
        await pilot.resize_terminal(3, 2)
        await pilot.pause()
        assert screen_text(plot).split("\n") == ["too", "   "]


async def test_a_burst_of_updates_draws_once_with_the_latest_state() -> None:
    app = CurveApp([target(), guess()])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        plot = app.query_one(CurvePlot)
        frames, rasterised = plot.frames_built, plot.layers_rasterised
        for i in range(50):
            plot.set_series([target(), guess(i * 0.1, name=f"guess #{i}")])
        await pilot.pause()
        assert plot.frames_built - frames <= 2
        assert plot.layers_rasterised - rasterised <= 2  # the target layer is cached
        legend = screen_text(plot).splitlines()[0]
        assert "guess #49" in legend and "guess #10" not in legend


async def test_going_back_reuses_the_cached_layer() -> None:
    app = CurveApp([target(), guess(0.0)])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        plot = app.query_one(CurvePlot)
        first = screen_text(plot)
        plot.set_series([target(), guess(0.5)])
        await pilot.pause()
        rasterised = plot.layers_rasterised
        plot.set_series([target(), guess(0.0)])
        await pilot.pause()
        assert plot.layers_rasterised == rasterised
        assert screen_text(plot) == first


async def test_auto_y_axis_only_grows() -> None:
    app = CurveApp([])
    async with app.run_test(size=(100, 30)) as pilot:
        plot = app.query_one(CurvePlot)
        plot.set_view(-8, 8)  # y_max=None: fit the data
        plot.set_series([guess(0.0)])
        await pilot.pause()
        tall = screen_text(plot)
        plot.set_series([Series("flat", XS, normal(0, 4.0), "guess")])
        await pilot.pause()
        assert "0.30┤" in tall and "0.30┤" in screen_text(plot)


class BarApp(App[None]):
    def compose(self) -> ComposeResult:
        yield BarPlot()

    def on_mount(self) -> None:
        p = np.array([1, 2, 4, 7, 10, 12, 10, 7, 4, 2, 1], float)
        q = np.full(11, 1 / 11)
        self.query_one(BarPlot).set_bars(
            [str(i) for i in range(11)],
            [("target p", "target", p / p.sum()), ("guess q", "guess", q)],
        )


async def test_bars_side_by_side_with_labels_and_legend() -> None:
    app = BarApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        plot = app.query_one(BarPlot)
        lines = screen_text(plot).splitlines()
        assert "target p" in lines[0] and "guess q" in lines[0]
        assert lines[-1].split() == [str(i) for i in range(11)]
        bottom = lines[-3]  # the row at y = 0: every bar shows
        assert bottom.count("██ ▒▒") == 11  # equally wide, target next to guess
        plot.set_bars(["dog", "panda"], [("p", "target", [0.7, 0.3]), ("q", "guess", [0.5, 0.5])])
        await pilot.pause()
        assert screen_text(plot).splitlines()[-1].split() == ["dog", "panda"]
        # contributions to KL can be negative: the axis then reaches below 0
        plot.set_view(None)
        plot.set_bars(["a", "b"], [("terms", "integrand", [0.3, -0.1])])
        await pilot.pause()
        lines = screen_text(plot).splitlines()
        zero = next(i for i, line in enumerate(lines) if line.startswith("0.0┤"))
        assert "░" in lines[zero - 1] and "░" in lines[zero + 1]  # above and below 0


def test_series_validates_and_freezes_data() -> None:
    s = Series("q", (0, 1, 2), [0.1, 0.2, 0.3], "guess")
    assert isinstance(s.xs, np.ndarray) and not s.xs.flags.writeable
    with pytest.raises(ValueError):
        Series("q", [0, 1], [0.1], "guess")
    with pytest.raises(ValueError):
        Series("q", [0], [0], "nonsense")  # type: ignore[arg-type]


def test_nice_ticks() -> None:
    assert nice_ticks(-8, 8, 9) == (
        [-8, -6, -4, -2, 0, 2, 4, 6, 8],
        ["-8", "-6", "-4", "-2", "0", "2", "4", "6", "8"],
    )
    ticks, labels = nice_ticks(0, 0.3, 4)
    assert labels == ["0.0", "0.1", "0.2", "0.3"] and ticks[-1] == 0.3
    assert nice_ticks(1, 1, 5) == ([], [])


# --- the flat tails of a curve ------------------------------------------------------


@st.composite
def curves(draw: st.DrawFn) -> tuple[Series, Geometry]:
    """A curve like the game draws (densities, integrands, partly off view) and
    a canvas to draw it on."""
    cols = draw(st.integers(16, 160))
    rows = draw(st.integers(4, 50))
    x_lo = draw(st.floats(-20, 5))
    x_hi = x_lo + draw(st.floats(0.5, 30))
    y_lo = draw(st.sampled_from([0.0, 0.0, -0.2]))
    y_hi = draw(st.floats(0.05, 2.0))
    start = x_lo + draw(st.floats(-5, 0.5 * (x_hi - x_lo)))
    stop = max(start + 0.1, x_hi + draw(st.floats(-0.5 * (x_hi - x_lo), 5)))
    xs = np.linspace(start, stop, draw(st.integers(8, 400)))
    ys = np.zeros_like(xs)
    for _ in range(draw(st.integers(0, 3))):
        mean = draw(st.floats(x_lo - 3, x_hi + 3))
        sd = draw(st.floats(0.05, 5))
        ys += draw(st.floats(0.1, 1)) * np.exp(-0.5 * ((xs - mean) / sd) ** 2) / sd
    ys += draw(st.sampled_from([0.0, 0.0, 1e-3, 0.3, -0.05]))
    role = draw(st.sampled_from(["guess", "target", "best", "integrand"]))
    geometry = Geometry(
        width=cols + 6, height=rows + 2, top=1, cols=cols, rows=rows, lims=(x_lo, x_hi, y_lo, y_hi)
    )
    return Series("s", xs, ys, role), geometry


@settings(max_examples=300, deadline=None)
@given(curves())
def test_a_curve_split_at_its_flat_tails_is_the_curve_drawn_whole(
    case: tuple[Series, Geometry],
) -> None:
    series, geometry = case
    plot = CurvePlot()
    xs, ys = prepare(series, geometry)
    marker = LOOKS[series.role].curve_marker
    whole = plot._rasterise(line(xs, ys, marker), geometry)
    assert sorted(plot._curve_cells(series, geometry)) == sorted(whole)


def test_the_flat_tails_of_a_narrow_guess_come_from_one_cached_line() -> None:
    plot = CurvePlot()
    geometry = Geometry(width=120, height=36, top=1, cols=115, rows=33, lims=(-10, 10, 0, 0.5))
    xs = np.linspace(-10, 10, 116)
    for mean in (-2.0, 0.0, 2.0):
        narrow = Series("q", xs, np.exp(-0.5 * ((xs - mean) / 0.8) ** 2) / 2, "guess")
        plot._curve_cells(narrow, geometry)
    # three curves: three moving parts, and the one flat line they share
    assert plot.layers_rasterised == 3 + 1
    assert len(plot._flat_lines) == 1


async def test_a_narrow_legend_closes_up_before_it_drops_a_curve() -> None:
    """p, the best fit and q in 21 columns (the reveal's plot at 60×20): one
    glyph of each sample, two spaces between, and all three named."""
    best = Series("best", XS, normal(2.5, 1.2), "best")
    app = CurveApp(
        [Series("p", XS, target().ys, "target"), best, Series("q", XS, normal(0, 1.5), "guess")]
    )
    async with app.run_test(size=(21, 14)) as pilot:
        await pilot.pause()
        legend = screen_text(app.query_one(CurvePlot)).splitlines()[0]
        assert " p  " in legend and " best  " in legend and legend.rstrip().endswith(" q"), legend
    async with CurveApp([target(), guess()]).run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        wide = screen_text(pilot.app.query_one(CurvePlot)).splitlines()[0]
        assert "target p   " in wide  # room enough: the full samples, three spaces apart
