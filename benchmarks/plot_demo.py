"""A tiny Textual app with the game's plotting load, for benchmarking the plot widget.

A fixed target mixture p = 0.4·N(-3, 1) + 0.6·N(3, 1) and a Gaussian guess q
whose mean moves by ±0.1 with the left/right arrow keys; a one-line status
shows the mean and KL(p‖q). ``q`` quits.

    python benchmarks/plot_demo.py            # klgame.ui.plotting.CurvePlot
    python benchmarks/plot_demo.py --naive    # plotext's ANSI string, redrawn on every key

``--naive`` is what the textual-plotext package's ``PlotextPlot`` does (the game
used it once; it is no longer a dependency): plotext builds the whole plot as an
ANSI string on every repaint and Textual parses it back.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widget import Widget
from textual.widgets import Label

try:
    from klgame.ui.plotting import CurvePlot, Series
except ImportError:  # running from a checkout without installing the package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from klgame.ui.plotting import CurvePlot, Series

X_MIN, X_MAX = -8.0, 8.0
Y_MAX = 0.3
GUESS_SD = 1.5
STEP = 0.1
XS = np.linspace(X_MIN, X_MAX, 401)


def normal_pdf(xs: np.ndarray, mean: float, sd: float) -> np.ndarray:
    return np.exp(-0.5 * ((xs - mean) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))


TARGET = 0.4 * normal_pdf(XS, -3.0, 1.0) + 0.6 * normal_pdf(XS, 3.0, 1.0)


def kl_on_grid(p: np.ndarray, q: np.ndarray) -> float:
    dx = XS[1] - XS[0]
    mask = p > 0
    return float(np.sum(p[mask] * np.log(p[mask] / np.maximum(q[mask], 1e-300))) * dx)


class PlotDemo(App[None]):
    """The optimised widget: data in, the widget decides what to redraw."""

    CSS = """
    Screen { layout: vertical; }
    #plot { height: 1fr; }
    #status { height: 1; width: 1fr; padding: 0 1; background: $panel; }
    """
    BINDINGS = [  # noqa: RUF012 - Textual's own convention
        ("left", "nudge(-1)", "guess left"),
        ("right", "nudge(1)", "guess right"),
        ("q", "quit", "quit"),
    ]

    def __init__(self, mean: float = 0.0) -> None:
        super().__init__()
        self.start = mean
        self.steps = 0

    @property
    def mean(self) -> float:
        return self.start + self.steps * STEP

    def compose(self) -> ComposeResult:
        yield self.make_plot()
        yield Label(self.status_text(), id="status")

    def make_plot(self) -> Any:
        plot = CurvePlot(id="plot")
        plot.set_view(X_MIN, X_MAX, Y_MAX)
        plot.set_series(self.series())
        return plot

    def series(self) -> list[Series]:
        return [
            Series("target p", XS, TARGET, "target"),
            Series("guess q", XS, self.guess(), "guess"),
        ]

    def guess(self) -> np.ndarray:
        return normal_pdf(XS, self.mean, GUESS_SD)

    def status_text(self) -> str:
        kl = kl_on_grid(TARGET, self.guess())
        return f"mean {self.mean:.2f}   sd {GUESS_SD:.2f}   KL(p‖q) {kl:.3f}   ←/→ move · q quit"

    def action_nudge(self, direction: int) -> None:
        self.steps += direction
        self.redraw()
        self.query_one("#status", Label).update(self.status_text())

    def redraw(self) -> None:
        self.query_one("#plot", CurvePlot).set_series(self.series())


class AnsiPlot(Widget):
    """textual-plotext's way: the whole plot built by plotext, as ANSI, on every repaint."""

    DEFAULT_CSS = "AnsiPlot { width: 1fr; height: 1fr; }"

    def __init__(self, draw: Any, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.draw = draw

    def render(self) -> Text:
        import plotext as plt

        plt.clear_figure()
        plt.plotsize(self.size.width, self.size.height)
        plt.theme("clear")
        self.draw(plt)
        return Text.from_ansi(plt.build(), no_wrap=True)


class NaivePlotDemo(PlotDemo):
    """The same app with a plot rebuilt as an ANSI string on every key."""

    def make_plot(self) -> Any:
        return AnsiPlot(self._draw, id="plot")

    def _draw(self, plt: Any) -> None:
        plt.xlim(X_MIN, X_MAX)
        plt.ylim(0, Y_MAX)
        plt.plot(XS.tolist(), TARGET.tolist(), marker="braille", color="red", label="target p")
        plt.plot(
            XS.tolist(), self.guess().tolist(), marker="braille", color="blue", label="guess q"
        )

    def redraw(self) -> None:
        self.query_one("#plot", AnsiPlot).refresh()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--naive", action="store_true", help="plotext's ANSI string on every key (the 'before')"
    )
    parser.add_argument(
        "--mean", type=float, default=0.0, help="where the guess starts (default 0)"
    )
    args = parser.parse_args(argv)
    app = NaivePlotDemo(args.mean) if args.naive else PlotDemo(args.mean)
    app.run()


if __name__ == "__main__":
    main()
