"""The floor for any Textual game: a heading, one number a key changes, a footer.

numpy is imported as the game imports it, so what is left between this and
``klgame play`` is the game's own work. ``bench_tui.py --against`` runs it
side by side with the game, in the same run::

    python benchmarks/bench_tui.py --against "python benchmarks/bare_app.py" \\
        --against-regex 'mean (-?\\d+\\.\\d+)' --cmd "klgame play gaussian --seed 1" \\
        --frame-regex 'Mean\\s+(-?\\d+\\.\\d+)'
"""

from __future__ import annotations

import numpy  # noqa: F401  (the game needs it: so does the floor)
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static


class Bare(App[None]):
    BINDINGS = [  # noqa: RUF012
        Binding("right", "nudge(1)", "Up"),
        Binding("left", "nudge(-1)", "Down"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.mean = 0.0

    def compose(self) -> ComposeResult:
        yield Static("The floor  a bare Textual app", id="heading")
        yield Static("mean 0.00", id="number")
        yield Footer()

    def action_nudge(self, sign: int) -> None:
        self.mean = round(self.mean + 0.1 * sign, 10)
        self.query_one("#number", Static).update(f"mean {self.mean:.2f}")


if __name__ == "__main__":
    Bare().run()
