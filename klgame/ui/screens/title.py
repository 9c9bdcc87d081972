"""The title: every level with its lesson, direction, units and your best."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.css.styles import RulesMap
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from klgame.levels.catalog import Listed
from klgame.ui.footer import KeyFooter
from klgame.ui.format import DIRECTION_SYMBOL, direction_label, stars, units_label
from klgame.ui.keys import TITLE_KEYS
from klgame.ui.messages import PlayLevel
from klgame.ui.screens.join import JoinClassScreen
from klgame.ui.screens.leaderboard import LEADERBOARD_BINDING, open_leaderboard

TAGLINE = "Match a hidden distribution by feel, guided by the KL divergence."


#: Columns of the result at the end of a row: "★★☆  1092 pts" (or "not played").
_RESULT = 13
#: Indent of the lines below a level's title.
_INDENT = "      "


def level_prompt(
    level: Listed, number: int, width: int, best: object | None, room: int = 200
) -> Content:
    """A level's entry: number, title, direction, units and best result; then
    the lesson, wrapped. ``width`` is the longest title's, ``room`` the columns
    there are: narrower, the direction is its symbol alone, then the details go
    to a line of their own, so nothing wraps mid-field."""
    head = f"{number:>2}. {level.title}".ljust(width + 4)
    result: Content
    if best is None:
        result = Content.styled("not played", "dim")
    else:
        result = Content.assemble(
            (stars(getattr(best, "stars", 0)), "$text-warning"),
            f" {getattr(best, 'points', 0):>5} pts",
        )
    scoring = level.scoring  # a Level's, or a cached Heading's (a hosted list)
    units = f" {units_label(level.units, scoring).replace('no units', '-'):<5} "
    full = direction_label(scoring).ljust(16)
    short = DIRECTION_SYMBOL[scoring].ljust(8)
    parts: list[str | tuple[str, str] | Content]
    if len(head) + 2 + len(full) + len(units) + _RESULT <= room:
        parts = [(head, "bold"), "  ", (full, "$text-secondary"), units, result]
    elif len(head) + 2 + len(short) + len(units) + _RESULT <= room:
        parts = [(head, "bold"), "  ", (short, "$text-secondary"), units, result]
    else:
        shown = full if len(_INDENT) + len(full) + len(units) + _RESULT <= room else short
        parts = [(head.rstrip(), "bold"), "\n", _INDENT, (shown, "$text-secondary"), units, result]
    lesson = textwrap.wrap(level.lesson, max(20, room - len(_INDENT))) or [""]
    for line in lesson:
        parts += ["\n", _INDENT, (line, "dim")]
    return LaidOut(Content.assemble(*parts))


class LaidOut(Content):
    """Content already cut into lines: at a width they all fit in, its height
    is its number of lines. (Content would wrap it again to find out, and an
    option list asks the height of every entry: up to 200 in a hosted list.)"""

    def __init__(self, content: Content) -> None:
        super().__init__(content.plain, list(content.spans), strip_control_codes=False)
        lines = content.plain.split("\n")
        self._line_count = len(lines)
        self._widest = max(map(cell_len, lines))

    def get_height(self, rules: RulesMap, width: int) -> int:
        if width >= self._widest and not rules.get("line_pad", 0):
            return self._line_count
        return super().get_height(rules, width)


class LevelList(OptionList, can_focus=False):
    """The levels. The screen's keys move the highlight, so the list works
    whether or not the terminal reports focus (browsers may not)."""


class TitleScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        *TITLE_KEYS,
        # the title's own keys are in its footer: nowhere else says they exist
        replace(LEADERBOARD_BINDING, show=True),
        Binding(
            "d",
            "daily",
            "Daily",
            tooltip="The daily challenge: today's targets, the same for everyone",
            id="daily",
        ),
        Binding(
            "c",
            "join_class",
            "Class",
            tooltip="Join a class by its code",
            id="join-class",
        ),
    ]
    AUTO_FOCUS = None

    def __init__(
        self,
        levels: Sequence[Listed],
        *,
        player: str,
        bests: Mapping[str, object],
        notes: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.levels = list(levels)
        self.player = player
        self.bests = dict(bests)
        self.notes = list(notes)
        self._laid_out_for = 0

    def compose(self) -> ComposeResult:
        yield Static(
            Content.assemble(
                ("klgame", "bold $text-primary"),
                "  ",
                TAGLINE,
            ),
            id="title-heading",
        )
        yield Static(Content.assemble("Player: ", (self.player, "bold")), id="title-player")
        yield LevelList(*self._options(), id="levels")
        notes = Content("\n").join(Content.styled(note, "$text-warning") for note in self.notes)
        yield Static(notes, id="title-notes", classes="" if self.notes else "-empty")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#levels", OptionList).highlighted = 0
        self._show_board()

    def _room(self) -> int:
        """Columns for an entry: the screen less the list's padding, the
        options' padding and a scrollbar."""
        return max(20, self.app.size.width - 6)

    def _options(self) -> list[Option]:
        width = max((len(level.title) for level in self.levels), default=10)
        self._laid_out_for = room = self._room()
        return [
            Option(level_prompt(level, i, width, self.bests.get(level.id), room), id=level.id)
            for i, level in enumerate(self.levels, 1)
        ]

    def on_resize(self) -> None:
        if self._room() != self._laid_out_for:
            self.update_bests(self.bests)

    def update_bests(self, bests: Mapping[str, object]) -> None:
        """Show fresh results (after playing), keeping the highlighted level."""
        self.bests = dict(bests)
        option_list = self.query_one("#levels", OptionList)
        highlighted = option_list.highlighted
        option_list.clear_options()
        option_list.add_options(self._options())
        option_list.highlighted = highlighted

    def show_player(self, player: str, bests: Mapping[str, object]) -> None:
        """Play as ``player`` from now on (named after the title was built)."""
        self.player = player
        self._show_board()
        self.update_bests(bests)

    def highlight(self, level_id: str) -> None:
        option_list = self.query_one("#levels", OptionList)
        ids = [level.id for level in self.levels]
        if level_id in ids:
            option_list.highlighted = ids.index(level_id)

    def action_move(self, delta: int) -> None:
        option_list = self.query_one("#levels", OptionList)
        if delta < 0:
            option_list.action_cursor_up()
        else:
            option_list.action_cursor_down()

    def action_leaderboard(self) -> None:
        highlighted = self.query_one("#levels", OptionList).highlighted
        if highlighted is not None and 0 <= highlighted < len(self.levels):
            open_leaderboard(self, self.levels[highlighted])

    def _world(self) -> Any:
        return getattr(self.app, "world", None)

    def _show_board(self) -> None:
        world = self._world()
        board = getattr(world, "board", None)
        parts: list[str | tuple[str, str]] = ["Player: ", (self.player, "bold")]
        if board is not None:
            parts += ["  ·  ", (board.title, "bold $text-accent")]
        self.query_one("#title-player", Static).update(Content.assemble(*parts))

    def action_daily(self) -> None:
        world = self._world()
        if world is None:
            return
        board = world.play_daily()
        self._show_board()
        self.notify(f"Playing the {board.title}: every level's target is the day's.")

    def action_join_class(self, note: str = "") -> None:
        world = self._world()
        if world is None:
            return

        def joined(code: str | None) -> None:
            if not code:
                return
            problem = world.play_class(code)
            if problem:
                self.action_join_class(problem)  # ask again, saying why
                return
            self._show_board()
            self.notify(f"Joined {world.board.title}: everyone gets the same targets.")

        self.app.push_screen(JoinClassScreen(note), joined)

    def action_play(self) -> None:
        self.query_one("#levels", OptionList).action_select()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_id is not None:
            self.post_message(PlayLevel(event.option_id))
