"""The klgame application: collaborators in, first screen out.

Everything the game touches outside itself (levels, the score store, the
player's name, seeds, a replay to record) is handed in, so tests build the
app directly with a temporary store and a fixed seed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App
from textual.message import Message
from textual.screen import Screen

from klgame.core.session import Session
from klgame.levels.loader import Catalog
from klgame.levels.model import Level
from klgame.ui.keys import APP_KEYS
from klgame.ui.messages import PlayLevel
from klgame.ui.palette import GameCommands
from klgame.ui.screens.dialogs import ConfirmScreen, HelpScreen, TooSmallScreen
from klgame.ui.screens.play import PlayScreen
from klgame.ui.screens.title import TitleScreen
from klgame.ui.theme import KLGAME_THEME

#: Below this the game shows a notice instead of its screens.
MIN_SIZE = (60, 20)


class KLGame(App[int]):
    CSS_PATH = "klgame.tcss"
    TITLE = "klgame"
    BINDINGS = APP_KEYS
    COMMANDS = App.COMMANDS | {GameCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (80, "-normal"), (110, "-wide")]  # noqa: RUF012
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]  # noqa: RUF012

    def __init__(
        self,
        catalog: Catalog,
        *,
        player: str,
        store: object | None = None,
        store_problem: str | None = None,
        seed: int | None = None,
        start_level: str | None = None,
        record_path: Path | None = None,
        replays_dir: Path | None = None,
        first_screen: Callable[[KLGame], Screen[None]] | None = None,
        hosted: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if hosted and (record_path is not None or first_screen is not None):
            raise ValueError("hosted mode takes no paths from the player")
        super().__init__()
        self.catalog = catalog
        self.player = player
        self.store = store
        self.store_problem = store_problem
        self.seed = seed
        self.start_level = start_level
        self.record_path = record_path
        self.replays_dir = replays_dir
        self.first_screen = first_screen
        self.hosted = hosted
        self.clock = clock
        self.register_theme(KLGAME_THEME)
        self.theme = KLGAME_THEME.name

    # --- screens ---------------------------------------------------------------------

    def get_default_screen(self) -> Screen[None]:
        if self.first_screen is not None:
            return self.first_screen(self)
        return TitleScreen(
            list(self.catalog), player=self.player, bests=self.bests(), notes=self.notes()
        )

    def on_mount(self) -> None:
        if self.start_level is not None:
            self.post_message(PlayLevel(self.start_level))
        else:
            self.check_size(*self.size)

    def new_session(self, level: Level) -> Session:
        seed = self.seed if self.seed is not None else random.randrange(2**31)
        record, self.record_path = self.record_path, None  # records the first level only
        return Session(
            level,
            seed,
            self.player,
            store=self.store,
            store_problem=self.store_problem,
            record_path=record,
            replays_dir=self.replays_dir,
            clock=self.clock,
        )

    def on_play_level(self, message: PlayLevel) -> None:
        """Go to a level, or back to the level list (``None``)."""
        base = self.screen_stack[0]
        while len(self.screen_stack) > 1:
            self.pop_screen()
        if message.level_id is None:
            if isinstance(base, TitleScreen):
                base.update_bests(self.bests())
            else:
                self.exit()  # watching a replay: there is no list to go back to
        else:
            level = self.catalog.get(message.level_id)
            play = PlayScreen(self.new_session(level))
            if isinstance(base, TitleScreen):
                base.highlight(level.id)
                self.push_screen(play)
            else:
                self.switch_screen(play)
        self.check_size(*self.size)

    def next_level_after(self, level_id: str) -> Level | None:
        return self.catalog.next_after(level_id)

    def bests(self) -> dict[str, object]:
        if self.store is None:
            return {}
        try:
            return dict(self.store.bests(self.player))  # type: ignore[attr-defined]
        except Exception:  # a store that fails now still lets the game go on
            return {}

    def notes(self) -> list[str]:
        notes = [f"Scores are not saved: {self.store_problem}"] if self.store is None else []
        return notes + list(self.catalog.warnings) + list(self.catalog.errors)

    # --- leaving ------------------------------------------------------------------------

    def leave(self, screen: Screen[Any], then: Message | None) -> None:
        """Leave ``screen`` (post ``then``, or quit if ``None``), asking first if
        that would abandon an attempt under way."""

        def go() -> None:
            if then is None:
                self.exit()
            else:
                self.post_message(then)

        if not getattr(screen, "attempt_in_progress", False):
            go()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                go()

        question = "Quit klgame?" if then is None else "Leave this level?"
        self.push_screen(
            ConfirmScreen(f"{question} This attempt is not scored until you reveal (r).", "leave"),
            answered,
        )

    async def action_quit(self) -> None:
        if isinstance(self.screen, ConfirmScreen):
            self.exit()  # q on the question itself: yes
            return
        playing = next((s for s in self.screen_stack if isinstance(s, PlayScreen)), None)
        self.leave(playing or self.screen, None)

    def action_help(self) -> None:
        screen = self.screen
        if isinstance(screen, HelpScreen | TooSmallScreen):
            return
        tables = [getattr(screen, "BINDINGS", []), self.BINDINGS]
        self.push_screen(HelpScreen(tables, getattr(screen, "level", None)))

    # --- size ---------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.check_size(event.size.width, event.size.height)

    def check_size(self, width: int, height: int) -> None:
        small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        notice = self.screen if isinstance(self.screen, TooSmallScreen) else None
        if small:
            if notice is None:
                self.push_screen(TooSmallScreen(MIN_SIZE, (width, height)))
            else:
                notice.show_size(width, height)
        elif notice is not None:
            self.pop_screen()
