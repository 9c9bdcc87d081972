"""The play screen: one level, one :class:`~klgame.core.session.Session`.

Keys become actions (``klgame.core.actions``), the session applies them, and
the new state flows down to the widgets through two reactives: ``state`` and
its ``readout`` (the numbers, worked out once per action).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar, Protocol

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static

from klgame.core import actions as A
from klgame.core.rules import GameState
from klgame.levels.model import Level
from klgame.levels.solve import best_fit
from klgame.ui.compositor import CroppedCompositor
from klgame.ui.cousins import CousinsPanel
from klgame.ui.estimate import EstimatePanel
from klgame.ui.footer import KeyFooter
from klgame.ui.format import DIRECTION_SYMBOL, direction_label, reflow, units_label
from klgame.ui.keys import PLAY_KEYS
from klgame.ui.messages import ParamPicked, ParamSet, ParamWheel, PlayLevel
from klgame.ui.readout import Readout, read
from klgame.ui.screens.leaderboard import LEADERBOARD_BINDING, open_leaderboard
from klgame.ui.screens.question import QuestionScreen
from klgame.ui.screens.text import ScrollsText
from klgame.ui.steering import Accelerator, snap
from klgame.ui.views import DistributionView
from klgame.ui.widgets import (
    DivergencePanel,
    IdentityPanel,
    MessageLine,
    Meters,
    ParamPanel,
)

#: Actions that change the game (the screen's actions are named as the game's
#: own); all of them are off while watching a replay.
GAME_ACTIONS = frozenset(A.ACTION_TYPES)


class Player(Protocol):
    """What the screen needs from a session (a :class:`Session`, or a replay)."""

    level: Level
    state: GameState
    saved: str
    personal_best: bool

    def act(self, action: A.Action) -> GameState: ...

    def close(self) -> None: ...


class PlayScreen(ScrollsText, Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [*PLAY_KEYS, LEADERBOARD_BINDING]
    TEXT_BOX = "intro"
    AUTO_FOCUS = None

    # the screen itself draws nothing: only the widgets bound to these repaint
    state: reactive[GameState | None] = reactive(
        None, always_update=True, init=False, repaint=False
    )
    readout: reactive[Readout | None] = reactive(
        None, always_update=True, init=False, repaint=False
    )

    def __init__(self, player: Player, *, watching: bool = False) -> None:
        super().__init__(classes="-discrete" if player.level.is_discrete else "-continuous")
        self._compositor = CroppedCompositor()  # a nudge renders only what it changes
        self.player = player
        self.level = player.level
        self.watching = watching
        self._availability: tuple[Any, ...] = ()
        self._heading: Content | None = None
        self._heading_inputs: tuple[object, ...] | None = None
        self._accelerator = Accelerator()
        self.now: Callable[[], float] = time.monotonic
        """When key events arrive (only to tell a held key's repeats)."""
        self._drag_moved = False
        self._lesson: str | None = None  # the reveal's lesson, as last shown

    # --- layout ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="heading", markup=False)
        with Horizontal(id="body"):
            yield DistributionView(self.level, id="figure").data_bind(PlayScreen.state)
            with Vertical(id="side"):
                # the big number stays put; what is below scrolls on small screens
                yield DivergencePanel(id="divergence").data_bind(PlayScreen.readout)
                with VerticalScroll(id="knobs", can_focus=False):
                    yield Meters(id="meters").data_bind(PlayScreen.readout)
                    yield ParamPanel(id="params").data_bind(PlayScreen.state)
                    if self.level.is_discrete:
                        yield IdentityPanel(id="identity").data_bind(PlayScreen.readout)
                    yield CousinsPanel(id="cousins").data_bind(PlayScreen.state)
                    yield EstimatePanel(id="estimate").data_bind(PlayScreen.state)
        message = MessageLine(id="message")
        message.watching = self.watching
        yield message.data_bind(PlayScreen.state)
        with VerticalScroll(id="intro", can_focus=False):
            yield Static(Content(reflow(self.level.intro)), id="intro-text")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._show(self.player.state)
        # After the first frame: the fit's thread would otherwise compete with it.
        self.call_after_refresh(self._prefetch_best_fit)

    def on_unmount(self) -> None:
        self.player.close()

    def on_resize(self) -> None:
        # a new size lays the side panel out again: bring the selected knob back
        self.call_after_refresh(self.query_one(ParamPanel).keep_selected_in_view)
        self._update_heading(self.player.state)

    # --- the state -------------------------------------------------------------------

    @property
    def attempt_in_progress(self) -> bool:
        """A player who quits now would lose moves that are not scored yet."""
        state = self.player.state
        return not self.watching and not state.revealed and state.moves > 0

    def act(self, action: A.Action) -> GameState:
        """Apply one action and show the result (the one path every key takes)."""
        before = self.player.state
        state = self.player.act(action)
        self._show(state)
        if state.attempt != before.attempt:
            self._prefetch_best_fit()
        if state.revealed and not before.revealed and not self.watching:
            self.show_score()
        return state

    def _show(self, state: GameState) -> None:
        self.state = state
        self.readout = read(state)
        self._update_heading(state)
        availability = (
            state.revealed,
            state.can_undo,
            state.can_redo,
            len(state.free_params) > 1,
        )
        if availability != self._availability:
            self._availability = availability
            self.refresh_bindings()

    def _update_heading(self, state: GameState) -> None:
        # what the heading shows changes on a new target, units, the reveal or
        # a resize, not on a nudge: a key press only compares this tuple
        board = getattr(getattr(self.app, "world", None), "board", None)
        inputs = (
            state.seed,
            state.attempt,
            state.units,
            state.revealed,
            self.size.width,
            getattr(board, "label", None),
        )
        if inputs == self._heading_inputs:
            return
        self._heading_inputs = inputs
        heading = self._fit_heading(state)
        if heading != self._heading:
            self._heading = heading
            self.query_one("#heading", Static).update(heading, layout=False)

    def _fit_heading(self, state: GameState) -> Content:
        """The heading at its fullest that fits the screen: narrower, the
        direction is its symbol alone, then the attempt number and the units
        go, then the title is cut; the seed stays (a player reports a target
        by it)."""
        level = self.level
        board = getattr(getattr(self.app, "world", None), "board", None)
        width = self.size.width - 2 if self.size.width else 10**6  # its padding; before layout: all
        units = units_label(state.units, level.scoring)
        tail: list[str | tuple[str, str]] = []
        if self.watching:
            tail.append((" · replay", "bold $text-warning"))
        elif state.revealed:
            tail.append((" · free play", "bold $text-success"))
        heading = Content()
        for short, attempt, show_units, title in (
            (False, True, True, level.title),
            (True, True, True, level.title),
            (True, False, True, level.title),
            (True, False, False, level.title),
            (True, False, False, level.title[: max(6, len(level.title) - 12)] + "…"),
        ):
            parts: list[str | tuple[str, str]] = [(title, "bold"), "  "]
            if board is not None and not self.watching:
                parts += [(board.label, "bold $text-accent"), "  "]
            direction = DIRECTION_SYMBOL[level.scoring] if short else direction_label(level.scoring)
            parts += [(direction, "$text-secondary")]
            if show_units:
                parts.append(f" · {units}")
            parts.append(f" · seed {state.seed}")
            if attempt and state.attempt > 1:
                parts.append(f" · attempt {state.attempt}")
            heading = Content.assemble(*parts, *tail)
            if heading.cell_length <= width:
                break
        return heading

    def _prefetch_best_fit(self) -> None:
        """Work out D* in the background, so the reveal is instant (the solver
        caches it per target)."""
        level, target = self.level, self.player.state.target
        self.run_worker(
            lambda: best_fit(level, target), thread=True, group="best-fit", exclusive=True
        )

    def show_score(self) -> None:
        from klgame.ui.screens.reveal import RevealScreen

        state = self.player.state
        next_level = self.app.next_level_after(self.level.id)  # type: ignore[attr-defined]
        best = self.app.world.bests().get(self.level.id)  # type: ignore[attr-defined]
        reveal = RevealScreen(
            state,
            other=self._shared_level(),
            saved=self.player.saved,
            personal_best=self.player.personal_best,
            best_points=getattr(best, "points", None),
            next_title=next_level.title if next_level is not None else None,
            watching=self.watching,
        )
        self._lesson = reveal.lesson_text()  # for the whole text (t) in free play
        self.app.push_screen(reveal, self._after_score)

    def _shared_level(self) -> Level | None:
        """The level whose target this one shares, if the catalog has it."""
        other = self.level.target_from
        catalog = getattr(getattr(self.app, "world", None), "catalog", None)
        if other is None or catalog is None or other not in catalog:
            return None
        return catalog.get(other)

    def _after_score(self, choice: str | None) -> None:
        if choice == "again":
            self.act(A.Restart())
        elif choice in ("landscape", "cousins", "estimate"):  # v, c, e on the reveal
            getattr(self, f"action_{choice}")()
        elif choice == "next":
            following = self.app.next_level_after(self.level.id)  # type: ignore[attr-defined]
            self.post_message(PlayLevel(following.id if following is not None else None))

    # --- what the keys do ---------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in GAME_ACTIONS and self.watching:
            return False
        state = self.player.state
        if action == "autopilot":
            return state.revealed
        if action == "undo":  # shown from the start, greyed: the footer keeps its place
            return state.can_undo or None
        if action == "redo":
            return state.can_redo
        if action == "select":
            return len(state.free_params) > 1
        if action == "switch_model":
            return len(self.level.models) > 1
        return True

    def revealed_text(self) -> bool:
        return self.player.state.revealed

    def lesson_text(self) -> str | None:
        return self._lesson if self.player.state.revealed else None

    def action_nudge(self, sign: int, size: A.NudgeSize) -> None:
        # a held key repeats: each repeat moves further (big steps are big enough)
        times = 1 if size == "big" else self._accelerator.times((sign, size), self.now())
        self.act(A.Nudge(sign=sign, size=size, times=times))

    def action_select(self, delta: int) -> None:
        self.act(A.Select(delta=delta))

    def action_switch_model(self) -> None:
        self.act(A.SwitchModel())

    def action_reveal(self) -> None:
        state = self.player.state
        if state.revealed:
            self.show_score()
            return
        question = state.level.question
        if question is not None and state.answer is None and not self.watching:
            self.app.push_screen(QuestionScreen(question), self._answered)
            return
        self.act(A.Reveal())

    def action_answer(self, choice: str = "") -> None:
        """Answer the level's question (r asks it; this is the game action's key hook)."""
        if choice:
            self.act(A.Answer(choice=choice))

    def _answered(self, choice: str | None) -> None:
        """The question's answer, then the reveal (Esc: neither)."""
        if choice:
            self.act(A.Answer(choice=choice))
            self.act(A.Reveal())

    def action_restart(self) -> None:
        # a new target abandons the attempt: the same question as leaving
        self.app.leave(self, lambda: self.act(A.Restart()))  # type: ignore[attr-defined]

    def action_undo(self) -> None:
        self.act(A.Undo())

    def action_redo(self) -> None:
        self.act(A.Redo())

    def action_toggle_units(self) -> None:
        self.act(A.ToggleUnits())

    def action_hint(self) -> None:
        self.act(A.Hint())

    def action_autopilot(self) -> None:
        self.act(A.Autopilot())

    def action_integrand(self) -> None:
        self.act(A.ToggleIntegrand())

    def action_cousins(self) -> None:
        self.act(A.ToggleCousins())

    def action_estimate(self) -> None:
        """10, 100, 1,000, 10,000 samples, then hidden."""
        found = self.player.state.estimate
        sizes = A.ESTIMATE_SIZES
        n = sizes[0] if found is None else dict(zip(sizes, (*sizes[1:], 0), strict=True))[found.n]
        self.act(A.Estimate(n=n))

    def action_landscape(self) -> None:
        from klgame.ui.screens.landscape import LandscapeScreen

        before = self.player.state
        state = self.act(A.Landscape())
        if state.free_params and (state.revealed or state.hints > before.hints):
            self.app.push_screen(LandscapeScreen(self.player.state, self._path()))

    def _path(self) -> list[dict[str, float]]:
        """The guesses of this model so far, oldest first (from the undo history)."""
        state = self.player.state
        path = [state.current_values]
        stack = state.undo_stack
        while stack is not None:
            top, stack = stack
            if top.model_index == state.model_index:
                row = top.values[state.model_index]
                path.append({spec.name: v for spec, v in zip(state.model.params, row, strict=True)})
        return path[::-1]

    def action_leaderboard(self) -> None:
        open_leaderboard(self, self.level)

    def action_back(self) -> None:
        """Esc closes an open view first (estimates, then the cousins), as it
        closes every other panel; only then does it leave the level."""
        state = self.player.state
        if state.estimate is not None and not self.watching:
            self.act(A.Estimate(n=0))
        elif state.cousins and not self.watching:
            self.act(A.ToggleCousins())
        else:
            self.app.leave(self, PlayLevel(None))  # type: ignore[attr-defined]

    def action_set(self, param: str, value: float) -> None:
        self.act(A.Set(param=param, value=value))

    def on_param_set(self, message: ParamSet) -> None:
        free = self.player.state.free_params
        if self.watching or not 0 <= message.index < len(free):
            return
        # a drag is one move: its later values continue it, once it moved at all
        continues = message.continues and self._drag_moved
        before = self.player.state.moves
        action = A.Set(param=free[message.index].name, value=message.value, continues=continues)
        state = self.act(action)
        if not continues:
            self._drag_moved = state.moves > before

    def on_param_wheel(self, message: ParamWheel) -> None:
        state = self.player.state
        free = state.free_params
        if self.watching or not 0 <= message.index < len(free):
            return
        spec = free[message.index]
        value = snap(spec, state.current_values[spec.name] + message.sign * spec.step)
        self.act(A.Set(param=spec.name, value=value))

    def on_param_picked(self, message: ParamPicked) -> None:
        count = len(self.player.state.free_params)
        steps = (message.index - self.player.state.selected) % count if count else 0
        for _ in range(steps):
            self.act(A.Select(delta=1))
