"""Asked once on a shared host: the name the player's scores are saved under."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from klgame.text import MAX_NAME_LENGTH, sanitize_name

QUESTION = "What should we call you?"


class NameScreen(Screen[str]):
    """A question and one line to type in; Enter dismisses it with the name.

    Every printable key goes into the name (``q`` included), so leaving is on
    Esc and Ctrl+Q.
    """

    AUTO_FOCUS = "#name-input"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Quit", tooltip="Quit klgame", id="name-quit"),
        Binding("ctrl+q", "leave", "Quit", show=False, priority=True, id="name-quit-ctrl"),
    ]

    def __init__(self, problem: str | None = None) -> None:
        super().__init__()
        self.problem = problem  # why the previous answer was refused

    def compose(self) -> ComposeResult:
        with Vertical(id="name"):
            yield Static(Content.styled(QUESTION, "bold"), id="name-question")
            field = Input(
                placeholder="your name",
                max_length=MAX_NAME_LENGTH,
                id="name-input",
                select_on_focus=False,
            )
            field.cursor_blink = False  # a steady cursor: no timer while waiting
            yield field
            note = Content("Your scores are saved under this name. Enter to go on.")
            if self.problem:
                note = Content.styled(self.problem, "$text-warning")
            yield Static(note, id="name-note")
        yield Footer()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = sanitize_name(event.value)
        if name:
            self.dismiss(name)
        else:
            self.query_one("#name-note", Static).update(
                Content.styled("Type a name first, then Enter.", "$text-warning")
            )

    def action_leave(self) -> None:
        self.app.exit()
