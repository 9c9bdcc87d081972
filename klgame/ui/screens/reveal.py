"""The reveal: target, guess and best fit together, the score, and the lesson."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from klgame.core import actions as A
from klgame.core.lesson import Outcome, outcome
from klgame.core.rules import GameState
from klgame.levels.model import Level, ParamSpec
from klgame.ui import figures, lesson_views
from klgame.ui.footer import KeyFooter
from klgame.ui.format import direction_label, duration, number, param_value, reflow, stars
from klgame.ui.keys import REVEAL_KEYS
from klgame.ui.messages import PlayLevel
from klgame.ui.screens.text import ScrollsText
from klgame.ui.views import DistributionView, SweepView


class RevealScreen(ScrollsText, Screen[str]):
    """Dismissed with ``"next"``, ``"again"`` or ``"keep"`` (back to free play)."""

    BINDINGS = REVEAL_KEYS
    TEXT_BOX = "lesson"
    AUTO_FOCUS = None

    def __init__(
        self,
        state: GameState,
        *,
        saved: str,
        personal_best: bool,
        next_title: str | None,
        best_points: int | None = None,
        watching: bool = False,
        other: Level | None = None,
    ) -> None:
        super().__init__()
        self.game = state
        self.level = state.level  # for the help screen
        self.saved = saved
        self.personal_best = personal_best
        self.next_title = next_title
        self.best_points = best_points
        self.watching = watching
        self.sweep = figures.sweep(state.level, state.target)
        # the level whose target this one shares, and what the attempt found
        self.other = other
        self.outcome: Outcome = outcome(state, other)

    def compose(self) -> ComposeResult:
        level = self.game.level
        yield Static(
            Content.assemble((level.title, "bold"), ("  revealed", "bold $text-success")),
            id="heading",
        )
        with Horizontal(id="reveal-body"):
            with Vertical(id="reveal-figures"):
                yield DistributionView(level, id="reveal-figure")
                if self.sweep is not None:
                    yield self._sweep_view()
            with VerticalScroll(id="score", can_focus=False):
                yield Static(self._score_text(), id="score-text")
                for table in lesson_views.tables(self.game, self.other):
                    yield Static(table, classes="reveal-table")
        with VerticalScroll(id="lesson", can_focus=False):
            text = lesson_views.reveal_text(self.game, self.outcome)
            yield Static(Content(reflow(text)), id="lesson-text")
        yield KeyFooter()

    def on_mount(self) -> None:
        view = self.query_one("#reveal-figure", DistributionView)
        view.extras = lesson_views.ghosts(self.game, self.outcome, self.other)
        view.state = self.game

    def _sweep_view(self) -> SweepView:
        assert self.sweep is not None
        state, sweep = self.game, self.sweep
        mine = state.current_values.get(sweep.param) if state.model is sweep.model else None
        solution = state.solution
        best = None
        if solution is not None and solution.model_id == sweep.model.id:
            best = solution.values.get(sweep.param)
        else:
            from klgame.levels.solve import best_fit

            best = (
                best_fit(state.level, state.target)
                .for_model(sweep.model.id)
                .values.get(sweep.param)
            )
        return SweepView(sweep, mine, best, state.level.units, state.level.scoring, id="sweep")

    def _score_text(self) -> Content:
        state = self.game
        score = state.score
        level = state.level
        if score is None:  # not revealed: nothing to score
            return Content("No score yet.")
        units = score.units
        symbol = direction_label(level.scoring)
        lines: list[Content] = [
            Content.assemble(
                (stars(score.stars), "bold $text-warning"),
                "  ",
                (f"{score.points} points", "bold"),
            ),
            Content.assemble(("D  ", "bold"), f"{number(score.divergence)} {units}  yours"),
            Content.assemble(("D* ", "bold"), f"{number(score.best)} {units}  best possible"),
            Content.assemble(("excess ", "bold"), f"{number(score.excess)} {units}"),
            Content.styled(f"   scored by {symbol}", "dim"),
            Content(f"moves {score.moves} · hints {score.hints} · time {duration(score.seconds)}"),
        ]
        question = level.question
        if question is not None:
            lines.append(Content(""))
            if state.answer is None:
                lines.append(Content.styled(f"Not answered: {question.ask}", "dim"))
            else:
                right = state.answer == question.answer
                verdict = (
                    ("✓ right", "bold $text-success")
                    if right
                    else ("✗ not quite", "bold $text-warning")
                )
                lines.append(
                    Content.assemble(
                        ("Prediction ", "bold"),
                        f"{state.answer}: ",
                        verdict,
                    )
                )
                if not right:
                    lines.append(
                        Content(f"  answer: {question.answer}, {question.text_of(question.answer)}")
                    )
            if question.explain:
                lines.append(Content.styled(question.explain, "dim"))
        if self.personal_best and score.points > 0:
            lines.append(Content.styled("New personal best!", "bold $text-success"))
        elif self.best_points is not None and not self.watching:
            lines.append(Content(f"Your best here: {self.best_points} points"))
        if self.saved:
            lines.append(Content.styled(self.saved, "dim"))
        if not self.watching:
            following = self.next_title or "the level list"
            lines.append(Content.styled(f"⏎ next: {following}", "dim"))
        lines.append(Content(""))
        lines.extend(self._guess_and_best(state))
        return Content("\n").join(lines)

    def _guess_and_best(self, state: GameState) -> list[Content]:
        """The guess's knobs beside the best fit's: one table when they are the
        same model (short enough for 80×24), else one list after the other."""
        solution = state.solution
        if solution is None or solution.model_id != state.model.id:
            lines = [Content.styled(f"Your guess: {state.model.title}", "bold")]
            lines.extend(self._values(state.model.params, state.current_values))
            if solution is not None:
                model = state.level.model(solution.model_id)
                lines.append(Content.styled(f"Best fit: {model.title}", "bold"))
                lines.extend(self._values(model.params, solution.values))
            return lines
        free = [s for s in state.model.params if not s.fixed and s.name in solution.values]
        if not free:
            return [Content.styled(f"{state.model.title}: no knobs", "bold")]
        width = max(len(spec.label) for spec in free)
        lines = [
            Content.styled(state.model.title, "bold"),
            Content.styled(f"  {'':{width}} {'yours':>8} {'best':>8}", "dim"),
        ]
        mine, best = state.current_values, solution.values
        for spec in free:
            lines.append(
                Content(
                    f"  {spec.label:{width}} {param_value(mine[spec.name], spec.step):>8}"
                    f" {param_value(best[spec.name], spec.step):>8}"
                )
            )
        return lines

    @staticmethod
    def _values(params: tuple[ParamSpec, ...], values: dict[str, float]) -> list[Content]:
        free = [spec for spec in params if not spec.fixed and spec.name in values]
        if not free:
            return [Content.styled("  no knobs", "dim")]
        return [
            Content(f"  {spec.label} {param_value(values[spec.name], spec.step)}") for spec in free
        ]

    # --- keys -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (self.watching and action in ("next_level", "try_again", "open_view"))

    def revealed_text(self) -> bool:
        return True

    def action_scroll_score(self, rows: int) -> None:
        box = self.query_one("#score", VerticalScroll)
        box.scroll_to(y=box.scroll_y + rows, animate=False)

    def lesson_text(self) -> str | None:
        return lesson_views.reveal_text(self.game, self.outcome)

    def action_next_level(self) -> None:
        # straight to the next level: dismissing first would show the old
        # level's play screen for a frame before the new one replaces it
        following = self.app.next_level_after(self.level.id)  # type: ignore[attr-defined]
        self.post_message(PlayLevel(following.id if following is not None else None))

    async def action_try_again(self) -> None:
        # the new target is set up under this screen, and its footer laid out,
        # before the play screen shows again: no frame of the old attempt's keys
        play = self.app.playing()  # type: ignore[attr-defined]
        if play is None:
            self.dismiss("again")
            return
        play.act(A.Restart())
        await play.query_one(KeyFooter).recompose()
        self.dismiss(None)

    def action_keep_playing(self) -> None:
        self.dismiss("keep")

    def action_open_view(self, view: str) -> None:
        """Free play, with the landscape, the cousins or an estimate open."""
        self.dismiss(view)
