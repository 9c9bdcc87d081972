"""Small screens: help, a yes/no question, and the too-small-terminal notice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static

from klgame.levels.model import Level
from klgame.ui.format import (
    DIRECTION_NATURE,
    DIRECTION_SYMBOL,
    direction_label,
    reflow,
    units_label,
)
from klgame.ui.keys import CLOSE_KEYS, CONFIRM_KEYS, keys_label

KL_EXPLAINED = (
    "KL(p‖q), the Kullback–Leibler divergence of p from q, is\n"
    "\n"
    "    KL(p‖q) = Σ p(x) · log( p(x) / q(x) )\n"
    "    (an integral, ∫ … dx, for densities)\n"
    "\n"
    "the average, over outcomes drawn from p, of how much more surprising each one is "
    "under q than under p: the information lost when q stands in for p.\n"
    "\n"
    "• KL(p‖q) ≥ 0, and it is 0 exactly when q = p.\n"
    "• It is not symmetric: KL(p‖q) and KL(q‖p) usually differ, so it is not a distance. "
    "Which distribution comes first matters.\n"
    "• It is ∞ when q gives probability 0 to something p says can happen.\n"
    "• Units: with the natural logarithm it is in nats, with log₂ in bits (1 nat = 1/ln 2"
    " ≈ 1.443 bits).\n"
    "• Cross-entropy: H(p, q) = H(p) + KL(p‖q). Coding p's outcomes with a code built for"
    " q costs p's own entropy plus the divergence.\n"
    "\n"
    "Forward KL(p‖q) is mass-covering: it averages over p, so q is punished wherever p "
    "has mass and q has little. A single bell curve q spreads out to cover every peak of "
    "p.\n"
    "\n"
    "Reverse KL(q‖p) is mode-seeking: it averages over q, so q is punished for putting "
    "mass where p has little. A single bell curve q settles on one peak of p and ignores "
    "the others.\n"
    "\n"
    "Estimating from samples (e): KL(p‖q) is an average over p, so it can be estimated by"
    " drawing x from p and averaging log p(x) − log q(x); KL(q‖p) by drawing from q. "
    "Reverse KL needs only samples of q — which we choose, so can always draw — and log p"
    " at them, even log p known only up to a constant (which shifts the estimate but not "
    "where it is lowest). Forward KL needs samples of p itself, the very thing that is "
    "hard to get when p is a posterior known only through its density. That is why "
    "variational inference fits q by minimising KL(q‖p): it is the direction we can "
    "estimate. When p is only data (samples, no formula), it is the other way round: "
    "the average of −log q(x) over the data is KL(p‖q) plus p's entropy, a constant, so "
    "KL(p‖q) can be minimised (that is maximum likelihood) though not itself computed, "
    "and KL(q‖p) cannot be estimated at all: it needs log p. "
    "The error shrinks like 1/√N: a hundred times the samples, a tenth the "
    "standard error. On a level scored by a cousin, e estimates that cousin: total "
    "variation and Hellinger as averages over samples of p (of 1 − q/p where it is "
    "positive, and of √(q/p)), Jensen–Shannon from samples of p and of q, half each; "
    "each needs both densities at the samples.\n"
    "\n"
    "Cousins (c): Jensen–Shannon, Hellinger and total variation are symmetric and bounded"
    " (JS ≤ ln 2 nats, H ≤ 1, TV ≤ 1), finite even where KL is ∞."
)


def keys_rows(
    tables: Sequence[Sequence[BindingType]], keymap: Mapping[str, str] | None = None
) -> list[tuple[str, str]]:
    """(keys, what they do) per action, in table order; keys of one action joined."""
    rows: dict[str, tuple[str, str]] = {}
    for table in tables:
        for binding in table:
            if not isinstance(binding, Binding):
                continue
            keys = keys_label(binding, keymap)
            if binding.action in rows:
                keys = f"{rows[binding.action][0]} / {keys}"
            rows[binding.action] = (keys, binding.tooltip or binding.description)
    return list(rows.values())


def level_direction(level: Level) -> Content:
    scoring = level.scoring
    if level.divergence == "kl":
        name = f"{scoring} {DIRECTION_SYMBOL[scoring]}"
    else:
        name = f"{direction_label(scoring)} {DIRECTION_SYMBOL[scoring]}"
    units = units_label(level.units, scoring)
    return Content.assemble(
        ("This level: ", "bold"),
        (level.title, "bold"),
        " is scored by ",
        (name, "bold $text-secondary"),
        f" ({DIRECTION_NATURE[scoring]}), " + (f"in {units}" if units != "no units" else units),
        ".\n",
        (level.lesson, "italic"),
    )


class HelpScreen(ModalScreen[None]):
    """The keys (from the same tables as the footer) and what KL is."""

    BINDINGS = CLOSE_KEYS

    def __init__(
        self,
        tables: Sequence[Sequence[BindingType]],
        level: Level | None = None,
        keymap: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.tables = tables
        self.level = level
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            if self.level is not None:
                yield Static(level_direction(self.level), id="help-level")
            yield Static(Content.styled("Keys", "bold underline"))
            with Grid(id="help-keys"):
                for keys, text in keys_rows(self.tables, self.keymap):
                    yield Static(Content(keys), classes="help-key")
                    yield Static(Content(text), classes="help-text")
            if self.level is not None:
                yield Static(Content(reflow(self.level.intro)), id="help-intro")
            yield Static(Content.styled("KL divergence", "bold underline"))
            yield Static(Content(KL_EXPLAINED), id="help-kl")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; ``purpose`` tells the app what is being confirmed."""

    BINDINGS = CONFIRM_KEYS

    def __init__(self, question: str, purpose: str) -> None:
        super().__init__()
        self.question = question
        self.purpose = purpose

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(Content(self.question), id="confirm-question")
            yield Static(
                Content.assemble(
                    ("y", "bold $text-accent"), " yes   ", ("n", "bold $text-accent"), " no"
                ),
                id="confirm-keys",
            )

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


#: Below this the game shows a notice instead of its screens.
MIN_SIZE = (60, 20)


class TooSmallScreen(Screen[None]):
    """Shown instead of the game while the terminal is below the minimum size."""

    AUTO_FOCUS = None

    def __init__(self, need: tuple[int, int], have: tuple[int, int]) -> None:
        super().__init__()
        self.need = need
        self.have = have

    def compose(self) -> ComposeResult:
        yield Static(self._message(), id="too-small")

    def _message(self) -> Content:
        (need_w, need_h), (width, height) = self.need, self.have
        return Content(
            f"Terminal too small\n(need {need_w}×{need_h}, have {width}×{height})\n\n"
            "Enlarge the window to play.\nq quits."
        )

    def show_size(self, width: int, height: int) -> None:
        self.have = (width, height)
        if self.is_mounted:
            self.query_one("#too-small", Static).update(self._message())


def fit_to_size(app: App[Any], width: int, height: int) -> None:
    """Cover the game with the notice while the terminal is too small, and
    take the notice away as soon as it is big enough again."""
    small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
    notice = app.screen if isinstance(app.screen, TooSmallScreen) else None
    if small and notice is None:
        app.push_screen(TooSmallScreen(MIN_SIZE, (width, height)))
    elif small and notice is not None:
        notice.show_size(width, height)
    elif notice is not None:
        app.pop_screen()
