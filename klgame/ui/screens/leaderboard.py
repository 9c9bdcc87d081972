"""The live leaderboard: every player's best at one level, on the class's or
the day's board (or everyone's, in free play), updated when anyone scores.

No busy loop: four times a second the screen asks the store for its change
token -- SQLite's ``PRAGMA data_version`` (a counter in shared memory), or on
PostgreSQL the LISTEN/NOTIFY messages the server has already pushed -- and
reads the table again only when that token moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static

from klgame.core.attempts import Attempt
from klgame.core.boards import Board
from klgame.levels.catalog import Listed
from klgame.text import sanitize_name
from klgame.ui.format import stars

#: Seconds between checks of the store's change token.
CHECK_INTERVAL = 0.25

#: Rows shown (the player's own row is always shown, below if need be).
MAX_ROWS = 20

#: The key that opens the leaderboard (play and title screens).
LEADERBOARD_BINDING = Binding(
    "s",
    "leaderboard",
    "Scores",
    tooltip="The live leaderboard of this level",
    show=False,  # listed by ? (help), not in the footer
    id="leaderboard",
)


def open_leaderboard(screen: Screen[Any], level: Listed | None) -> None:
    """Push the leaderboard of ``level`` for the app's world (its board and player)."""
    world = getattr(screen.app, "world", None)
    if level is None or world is None:
        return
    if world.store is None:
        screen.notify(f"Scores are not saved: {world.store_problem}", severity="warning")
        return
    screen.app.push_screen(LeaderboardScreen(world.store, level, world.board, world.player))


def _excess(value: float, units: str) -> str:
    from klgame.format import number

    return f"{number(value)} {units}"


def board_lines(
    rows: Sequence[Attempt], player: str, units: str, limit: int = MAX_ROWS
) -> list[Content]:
    """The table's lines: place, player, stars, points, excess; the player's own row
    marked ``▶`` and bold (and shown even if it is below the first ``limit``)."""
    me = sanitize_name(player)
    width = max([len(sanitize_name(a.player)) for a in rows] + [6])
    header = Content.styled(
        f"   {'#':>3}  {'Player'.ljust(width)}  Stars  {'Points':>6}  Excess", "bold"
    )
    lines = [header]
    for place, attempt in enumerate(rows, 1):
        name = sanitize_name(attempt.player)
        if place > limit and name != me:
            continue
        own = name == me
        text = (
            f"{'▶' if own else ' '}  {place:>3}  {name.ljust(width)}  {stars(attempt.stars)}"
            f"  {attempt.points:>6}  {_excess(attempt.excess, units)}"
        )
        lines.append(Content.styled(text, "bold $text-accent" if own else ""))
    if not rows:
        lines.append(Content.styled("   No scores yet: be the first.", "dim"))
    return lines


class LeaderboardScreen(Screen[None]):
    """One level's leaderboard; Esc goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,s,q", "back", "Back", tooltip="Back to the game", id="leaderboard-back"),
    ]

    def __init__(self, store: Any, level: Listed, board: Board | None, player: str) -> None:
        super().__init__()
        self.store = store
        self.level = level
        self.board = board
        self.player = player
        self.token: object = None
        self.rows: list[Attempt] = []
        self.updates = 0  # how many times the table was read (for tests and benchmarks)
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        where = self.board.title if self.board is not None else "all players"
        with Vertical(id="leaderboard"):
            yield Static(
                Content.assemble(
                    ("Leaderboard", "bold $text-primary"),
                    "  ",
                    (self.level.title, "bold"),
                    " · ",
                    (where, "$text-accent"),
                ),
                id="leaderboard-heading",
            )
            yield Static("", id="leaderboard-table")
            yield Static(Content.styled("Updates when anyone scores.", "dim"), id="board-note")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_rows()
        self._timer = self.set_interval(CHECK_INTERVAL, self.check)

    def check(self) -> None:
        """Read the table again if anyone saved anything since the last look."""
        try:
            token = self.store.change_token()
        except Exception as error:  # the store failing must not stop the game
            self._note(f"Scores cannot be read now: {error}")
            return
        if token != self.token:
            self.refresh_rows(token)

    def refresh_rows(self, token: object = None) -> None:
        try:
            self.token = token if token is not None else self.store.change_token()
            key = self.board.key if self.board is not None else None
            self.rows = list(self.store.table(level_id=self.level.id, board=key))
        except Exception as error:
            self._note(f"Scores cannot be read now: {error}")
            return
        self.updates += 1
        lines = board_lines(self.rows, self.player, self.level.units)
        self.query_one("#leaderboard-table", Static).update(Content("\n").join(lines))

    def _note(self, text: str) -> None:
        self.query_one("#board-note", Static).update(Content.styled(text, "$text-warning"))

    def action_back(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self.dismiss()
