"""Predict before you reveal: the level's question, answered with a letter key."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from klgame.levels.model import Question


class QuestionScreen(ModalScreen[str]):
    """Dismissed with the key of the chosen answer, or ``""`` (Esc: not now)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Not yet", tooltip="Back to the guess", id="question-back"),
    ]

    def __init__(self, question: Question) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        lines = [
            Content.styled("Predict before you reveal", "bold $text-primary"),
            Content(""),
            Content.styled(self.question.ask, "bold"),
            Content(""),
            *(
                Content.assemble((f"  {key}", "bold $text-accent"), f"  {text}")
                for key, text in self.question.choices
            ),
            Content(""),
            Content.styled(
                f"Press {', '.join(self.question.keys)} to answer and reveal; Esc to go back.",
                "dim",
            ),
        ]
        with Vertical(id="question"):
            yield Static(Content("\n").join(lines), id="question-text")

    def on_key(self, event: events.Key) -> None:
        if event.character is not None and event.character.lower() in self.question.keys:
            event.stop()
            self.dismiss(event.character.lower())

    def action_cancel(self) -> None:
        self.dismiss("")
