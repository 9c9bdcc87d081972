"""The footer: the keys that matter first, built once per screen and restyled in place."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey, FooterLabel, KeyGroup

#: The footer's first keys, whatever the screen: help lists every other key,
#: and quit must never be cut off (nano's footer starts the same way).
FOOTER_FIRST = ("help", "quit")


class KeyFooter(Footer):
    """The footer, keys that matter first: help and quit, then the screen's
    keys in the order of its bindings, so a narrow screen cuts off the least
    used ones. On narrow screens the command palette's key gives way first
    (the help lists it), and the keys close up.

    Textual's footer lays its keys out in the order of the binding chain (the
    screen's, then the app's): this is its ``compose`` with that one change.
    """

    _width = 0
    _laid_out: tuple[object, ...] | None = None  # the keys of the last compose
    _pending = False  # a recompose is on its way

    def on_resize(self) -> None:
        palette = self.size.width >= 100
        compact = self.size.width < 80  # one space between keys, not two
        changed = (palette, compact) != (self.show_command_palette, self.compact)
        if changed or self.size.width != self._width:
            self._width = self.size.width
            self.show_command_palette, self.compact = palette, compact
            self._recompose_soon()  # neither reactive recomposes

    def _recompose_soon(self) -> None:
        # Mounting a screen changes its bindings several times: one rebuild
        # after them all, not one each (the footer's keys take ~2 ms apiece).
        if not self._pending:
            self._pending = True
            self.call_after_refresh(self.recompose)

    async def recompose(self) -> None:
        self._pending = False
        await super().recompose()
        self.call_after_refresh(self._drop_cut_keys)

    def _drop_cut_keys(self) -> None:
        """Hide the keys the width cuts off, so none shows half its name
        ("PgDn Tex"); the help lists them all."""
        right = self.content_region.right
        cut = False
        for child in self.children:
            cut = cut or child.region.right > right
            if cut and child.display:
                child.display = False

    def _compact(self, key: FooterKey) -> FooterKey:
        # set, not data-bound as Textual's footer does: a change of ``compact``
        # recomposes anyway, and this compose may then run from another
        # screen's handler (a new attempt laid out under the reveal). Set
        # without its watcher, which would restyle the key before it is mounted.
        key.set_reactive(FooterKey.compact, self.compact)
        key.set_class(self.compact, "-compact", update=False)
        return key

    @staticmethod
    def _shown(active: dict[str, ActiveBinding]) -> list[tuple[Binding, bool, str]]:
        """The keys the footer shows, in its order, and whether each is enabled."""
        shown = [(b.binding, b.enabled, b.tooltip) for b in active.values() if b.binding.show]
        first = {name: rank for rank, name in enumerate(FOOTER_FIRST)}
        shown.sort(key=lambda item: first.get(item[0].id or "", len(first)))
        return shown

    @staticmethod
    def _layout(shown: list[tuple[Binding, bool, str]]) -> tuple[object, ...]:
        return tuple((b.key, b.key_display, b.description, b.action, tip) for b, _, tip in shown)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not (screen.app.app_focus and self.is_attached and screen is self.screen):
            return
        shown = self._shown(screen.active_bindings)
        if self._pending or self._laid_out is None or self._layout(shown) != self._laid_out:
            self._recompose_soon()
            return
        # A key that only turns on or off (undo after the first move) is
        # restyled in place: building the footer again takes about 20 ms.
        enabled = {(b.key, b.action): on for b, on, _ in shown}
        for key in self.query(FooterKey):
            off = not enabled.get((key.key, key.action), not key._disabled)
            if off != key._disabled:
                key._disabled = off  # Textual's FooterKey keeps it there
                key.set_class(off, "-disabled")

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        active = self.screen.active_bindings
        shown = self._shown(active)
        self._laid_out = self._layout(shown)
        by_action: dict[str, list[tuple[Binding, bool, str]]] = {}
        for binding, enabled, tooltip in shown:
            by_action.setdefault(binding.action, []).append((binding, enabled, tooltip))
        self.styles.grid_size_columns = len(by_action)
        for group, runs in groupby(by_action.values(), lambda run: run[0][0].group):
            actions = list(runs)
            if group is not None and len(actions) > 1:
                with KeyGroup(classes="-compact" if group.compact else ""):
                    for binding, enabled, tooltip in (run[0] for run in actions):
                        yield self._compact(
                            FooterKey(
                                binding.key,
                                self.app.get_key_display(binding),
                                "",
                                binding.action,
                                disabled=not enabled,
                                tooltip=tooltip or binding.description,
                                classes="-grouped",
                            )
                        )
                yield FooterLabel(group.description)
                continue
            for binding, enabled, tooltip in (run[0] for run in actions):
                yield self._compact(
                    FooterKey(
                        binding.key,
                        self.app.get_key_display(binding),
                        binding.description,
                        binding.action,
                        disabled=not enabled,
                        tooltip=tooltip,
                    )
                )
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            palette = active.get(self.app.COMMAND_PALETTE_BINDING)
            if palette is not None:
                yield FooterKey(
                    palette.binding.key,
                    self.app.get_key_display(palette.binding),
                    palette.binding.description,
                    palette.binding.action,
                    classes="-command-palette",
                    disabled=not palette.enabled,
                    tooltip=palette.binding.tooltip or palette.binding.description,
                )
