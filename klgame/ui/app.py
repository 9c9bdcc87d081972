"""The klgame application: collaborators in, first screen out.

Everything the game touches outside itself comes in as a :class:`World`, so
tests build the app directly with a temporary store and a fixed seed. The app
only navigates: which screen is showing, and leaving it safely.
"""

from __future__ import annotations

import gc
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from textual import events
from textual.app import App, SystemCommand
from textual.message import Message
from textual.reactive import Reactive
from textual.screen import Screen
from textual.theme import Theme

from klgame.errors import KlgameError
from klgame.levels.model import Level
from klgame.ui.keymap import Keymap
from klgame.ui.keys import APP_KEYS
from klgame.ui.messages import PlayLevel
from klgame.ui.palette import GameCommands
from klgame.ui.screens.dialogs import ConfirmScreen, HelpScreen, TooSmallScreen, fit_to_size
from klgame.ui.screens.name import NameScreen
from klgame.ui.screens.play import PlayScreen
from klgame.ui.screens.title import TitleScreen
from klgame.ui.theme import KLGAME_THEME
from klgame.ui.world import World


class KLGame(App[int]):
    CSS_PATH = "klgame.tcss"
    TITLE = "klgame"
    BINDINGS = APP_KEYS
    COMMANDS = App.COMMANDS | {GameCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (80, "-normal"), (110, "-wide")]  # noqa: RUF012
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]  # noqa: RUF012

    # The game's theme is the default rather than set in __init__: setting it
    # there would parse all the CSS a second time before the first frame.
    theme: Reactive[str] = Reactive(KLGAME_THEME.name)

    def __init__(
        self,
        world: World,
        *,
        start_level: str | None = None,
        first_screen: Callable[[KLGame], Screen[None]] | None = None,
        hosted: bool = False,
        keymap: Keymap | None = None,
    ) -> None:
        if hosted and (world.record_path is not None or first_screen is not None):
            raise ValueError("hosted mode takes no paths from the player")
        super().__init__()
        self.world = world
        self.start_level = start_level
        self.first_screen = first_screen
        self.hosted = hosted
        self.keymap = keymap or Keymap()
        """The player's keys (``keys.toml``), used only if it has no problems."""
        if self.keymap.keys:
            self.set_keymap(self.keymap.keys)
        self.register_theme(KLGAME_THEME)  # listed with the others in the palette

    #: The traceback of an unexpected error that ended the game, else ``None``:
    #: the command line writes it to a crash log instead of the player's screen.
    crash_report: str | None = None

    def _handle_exception(self, error: Exception) -> None:
        """An unexpected error ends the game, as in Textual, but its traceback is
        kept for the crash log instead of being printed over the terminal."""
        if self.crash_report is None:
            self.crash_report = "".join(traceback.format_exception(error))
        super()._handle_exception(error)
        self._exit_renderables.clear()

    def get_theme(self, theme_name: str) -> Theme | None:
        # known from the start: App.__init__ styles the app before it can be registered
        if theme_name == KLGAME_THEME.name:
            return KLGAME_THEME
        return super().get_theme(theme_name)

    def get_default_screen(self) -> Screen[None]:
        if self.first_screen is not None:
            return self.first_screen(self)
        world = self.world
        return TitleScreen(
            world.listed(), player=world.player, bests=world.bests(), notes=world.notes()
        )

    def on_mount(self) -> None:
        self.call_after_refresh(self._started)
        if self.world.needs_name:
            self.push_screen(NameScreen(), self._named)  # asked once, before anything else
            fit_to_size(self, *self.size)
        elif self.start_level is not None:
            self.post_message(PlayLevel(self.start_level))
        else:
            fit_to_size(self, *self.size)

    def _started(self) -> None:
        """After the first frame: if start-up paused the garbage collector
        (``klgame.cli``), clear start-up's garbage once, set what is left aside
        for good (later collections need not walk it: shorter pauses while
        playing) and resume collecting."""
        for problem in self.keymap.problems:  # the keymap is not used: say why
            self.notify(problem, title="Your keys are not used", severity="error", timeout=30)
        if not gc.isenabled():
            gc.collect()
            gc.freeze()
            gc.enable()

    def _named(self, name: str | None) -> None:
        """The name is in: remember it, show it, then the level asked for."""
        if not self.world.name_player(name or ""):
            self.push_screen(NameScreen(problem=self.world.name_problem), self._named)
            return
        base = self.screen_stack[0]
        if isinstance(base, TitleScreen):
            base.show_player(self.world.player, self.world.bests())
        if self.start_level is not None:
            self.post_message(PlayLevel(self.start_level))
        else:
            fit_to_size(self, *self.size)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # On the name question every key types the name; Esc and Ctrl+Q leave.
        asking = isinstance(self.screen, NameScreen)
        return not (asking and action in ("quit", "help", "command_palette"))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if self.hosted and command.title == "Screenshot":
                continue  # it writes a file where the game runs: not on a shared host
            yield command

    def on_resize(self, event: events.Resize) -> None:
        fit_to_size(self, event.size.width, event.size.height)

    def on_play_level(self, message: PlayLevel) -> None:
        """Go to a level, or back to the level list (``None``)."""
        if self.world.needs_name:
            return  # nothing is played before the player has a name
        base = self.screen_stack[0]
        while len(self.screen_stack) > 1:
            self.pop_screen()
        if message.level_id is None:
            if isinstance(base, TitleScreen):
                base.update_bests(self.world.bests())
            else:
                self.exit()  # watching a replay: there is no list to go back to
        else:
            try:
                level = self.world.catalog.get(message.level_id)
            except KlgameError as error:  # a level file changed or broke meanwhile
                self.notify(str(error), severity="error")
                return
            play = PlayScreen(self.world.new_session(level))
            if isinstance(base, TitleScreen):
                base.highlight(level.id)
                self.push_screen(play)
            else:
                self.switch_screen(play)
        fit_to_size(self, *self.size)

    def next_level_after(self, level_id: str) -> Level | None:
        return self.world.catalog.next_after(level_id)

    #: The one question every way out of an attempt with moves asks.
    LEAVE_QUESTION = "Abandon this attempt? It is not scored until you reveal (r)."
    QUIT_QUESTION = "Quit klgame and abandon this attempt? It is not scored until you reveal (r)."

    def leave(
        self, screen: Screen[Any] | None, then: Message | Callable[[], object] | None
    ) -> None:
        """Leave the attempt on ``screen``: post ``then`` (a message), call it,
        or quit if ``None``, asking first if that would abandon moves not yet
        scored. Quitting, Esc, ``n`` and a jump from the palette all come here."""

        def go(yes: bool | None = True) -> None:
            if not yes:
                return
            if then is None:
                self.exit()
            elif isinstance(then, Message):
                self.post_message(then)
            else:
                then()

        if not getattr(screen, "attempt_in_progress", False):
            go()
            return
        # the same question every way out, saying so when the way out is quitting
        question = self.QUIT_QUESTION if then is None else self.LEAVE_QUESTION
        self.push_screen(ConfirmScreen(question, "leave"), go)

    def playing(self) -> PlayScreen | None:
        """The play screen under whatever is showing, if a level is being played."""
        return next((s for s in self.screen_stack if isinstance(s, PlayScreen)), None)

    async def action_quit(self) -> None:
        if isinstance(self.screen, ConfirmScreen):
            self.exit()  # q on the question itself: yes
            return
        self.leave(self.playing() or self.screen, None)

    def action_help(self) -> None:
        screen = self.screen
        if not isinstance(screen, HelpScreen | TooSmallScreen):
            tables = [getattr(screen, "BINDINGS", []), self.BINDINGS]
            level = getattr(screen, "level", None)
            self.push_screen(HelpScreen(tables, level, self.keymap.keys))
