"""The level's text: scrolled in place by the page keys, or read whole.

The play screen shows the intro and the reveal the lesson in a few rows at
the bottom; the page keys (which no play key uses) scroll them, and ``t``
opens the level's whole text in a window of its own, at any moment.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static

from klgame.levels.model import Level
from klgame.ui.format import reflow
from klgame.ui.keys import READ_KEYS


class ScrollsText:
    """For a screen with the level's text in the ``VerticalScroll`` ``#{TEXT_BOX}``."""

    TEXT_BOX = ""
    level: Level

    def text_box(self) -> VerticalScroll:
        assert isinstance(self, Screen)
        return self.query_one(f"#{self.TEXT_BOX}", VerticalScroll)

    def action_scroll_text(self, pages: int) -> None:
        box = self.text_box()
        if pages >= 99:
            box.scroll_end(animate=False, immediate=True)
        elif pages <= -99:
            box.scroll_home(animate=False, immediate=True)
        else:
            box.scroll_to(y=box.scroll_y + pages * max(1, box.size.height - 1), animate=False)

    def action_open_text(self) -> None:
        assert isinstance(self, Screen)
        revealed = self.revealed_text()
        lesson = self.lesson_text() if revealed else None
        self.app.push_screen(ReadScreen(self.level, revealed=revealed, lesson=lesson))

    def revealed_text(self) -> bool:
        """Whether the lesson may be shown too (only after the reveal)."""
        return False

    def lesson_text(self) -> str | None:
        """The lesson as this attempt's reveal shows it (``None``: the level's
        ``reveal`` as written)."""
        return None


class ReadScreen(ModalScreen[None]):
    """The level's intro, and after the reveal its lesson, whole and scrollable."""

    BINDINGS = READ_KEYS

    def __init__(self, level: Level, *, revealed: bool, lesson: str | None = None) -> None:
        super().__init__()
        self.level = level
        self.revealed = revealed
        self.lesson = level.reveal if lesson is None else lesson

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="read"):
            yield Static(Content.styled(self.level.title, "bold underline"))
            yield Static(Content(reflow(self.level.intro)), id="read-intro")
            if self.revealed:
                yield Static(Content.styled("After the reveal", "bold underline"))
                yield Static(Content(reflow(self.lesson)), id="read-lesson")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#read", VerticalScroll).focus()  # arrows and page keys scroll it

    def action_close(self) -> None:
        self.dismiss(None)
