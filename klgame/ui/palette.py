"""The command palette's game commands: jump to a level, run any key's
action (read from the same binding tables as the footer), switch theme."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.actions import parse
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from klgame.ui.keys import keys_label
from klgame.ui.messages import PlayLevel

Command = tuple[str, str, Callable[[], object]]


class GameCommands(Provider):
    def _commands(self) -> Iterator[Command]:
        app = self.app
        screen = self.screen
        seen: set[str] = set()
        for binding in getattr(screen, "BINDINGS", ()):
            if not hasattr(binding, "action") or binding.action in seen:
                continue
            seen.add(binding.action)
            _, name, params = parse(binding.action)
            if screen.check_action(name, params) is not True:
                continue
            keymap = getattr(getattr(app, "keymap", None), "keys", None)
            help_text = f"{keys_label(binding, keymap)}  {binding.tooltip}"
            yield binding.description, help_text, partial(screen.run_action, binding.action)
        world = getattr(app, "world", None)
        for level in world.catalog if world is not None else ():
            yield (
                f"Play: {level.title}",
                level.lesson,
                partial(self._play, level.id),
            )
        for theme in sorted(app.available_themes):
            yield (
                f"Theme: {theme}",
                "Recolour the game and its plots",
                partial(setattr, app, "theme", theme),
            )

    def _play(self, level_id: str) -> None:
        """Jump to a level; like every way out of an attempt, it asks first."""
        app = self.app
        leave = getattr(app, "leave", None)
        if leave is None:
            app.post_message(PlayLevel(level_id))
            return
        leave(app.playing(), PlayLevel(level_id))  # type: ignore[attr-defined]

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(Content(title), callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
