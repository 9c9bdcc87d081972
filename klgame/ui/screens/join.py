"""The title screen's "join a class": one line to type the teacher's code in."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from klgame.core.boards import CODE_LENGTH


class JoinClassScreen(ModalScreen[str]):
    """Dismissed with the code typed (Enter), or ``""`` (Esc)."""

    AUTO_FOCUS = "#join-input"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Back", tooltip="Back to the levels", id="join-back"),
    ]

    def __init__(self, note: str = "") -> None:
        super().__init__()
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(id="join"):
            yield Static(Content.styled("Join a class", "bold"), id="join-question")
            field = Input(
                placeholder="class code, e.g. K7QMX",
                max_length=CODE_LENGTH + 4,
                id="join-input",
                select_on_focus=False,
            )
            field.cursor_blink = False
            yield field
            note = self.note or "Everyone in the class plays the same targets. Enter to join."
            yield Static(Content.styled(note, "$text-warning" if self.note else ""), id="join-note")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss("")
