"""The landscape view and the cousins panel, driven by keys with Pilot, at 80×24
and 120×40; and the rules behind them (recorded actions, a hint's price)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from ui_helpers import MakeApp, screen_text

from klgame.core import actions as A
from klgame.core import rules
from klgame.engine import hellinger, jensen_shannon, kl, total_variation
from klgame.levels.loader import load_catalog
from klgame.ui.format import number
from klgame.ui.screens.landscape import LandscapeScreen
from klgame.ui.screens.play import PlayScreen
from klgame.ui.screens.reveal import RevealScreen

SIZES = [(80, 24), (120, 40)]


def _play(app) -> PlayScreen:
    screen = app.screen
    assert isinstance(screen, PlayScreen)
    return screen


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
async def test_cousins_panel_shows_every_divergence(make_app: MakeApp, size) -> None:
    app = make_app(start_level="two-peaks-reverse")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert "KL and its cousins" not in screen_text(app)
        await pilot.press("right", "c")
        await pilot.pause()
        play = _play(app)
        state = play.player.state
        assert state.cousins and state.hints == 0  # free: it hides nothing KL shows
        panel = play.query_one("#cousins")
        panel.scroll_visible(animate=False)
        await pilot.pause()
        text = str(panel.render())
        p, q = state.target, state.guess
        for value in (kl(p, q), kl(q, p), jensen_shannon(p, q), hellinger(p, q)):
            assert number(value) in text
        assert number(total_variation(p, q)) in text
        assert "scores this level" in text and "ln 2" in text
        rows = {line.split()[0]: line.split() for line in text.splitlines()[2:7]}
        assert rows["KL(q‖p)"][-1] == "◀" and rows["KL(q‖p)"][-2] == "no"  # not symmetric
        assert rows["JS"][-1] == "yes" and rows["TV"][-2:] == ["1", "yes"]
        await pilot.press("c")
        assert not play.player.state.cousins


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
async def test_landscape_before_the_reveal_costs_a_hint(make_app: MakeApp, size) -> None:
    app = make_app(start_level="two-peaks-reverse")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("right", "right", "v")
        await pilot.pause()
        assert isinstance(app.screen, LandscapeScreen)
        text = screen_text(app)
        # the knobs by their labels, as the side panel names them
        assert "Landscape of KL(q‖p) (nats) over Mean × Variance" in text
        for mark in ("X", "★", "•"):
            assert mark in text
        assert "x / y" not in text  # with two knobs both are on show: nothing to change
        assert ("blank ∞" in text) == (not np.isfinite(app.screen.found_grid).all())
        assert "(log axis)" in text and "nan" not in text
        await pilot.press("escape")
        await pilot.pause()
        play = _play(app)
        assert play.player.state.hints == 1


async def test_landscape_axes_change_for_the_finale(make_app: MakeApp) -> None:
    app = make_app(start_level="finale")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("v")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LandscapeScreen)
        assert (screen.x, screen.y) == ("mean1", "variance1")
        await pilot.press("y")
        await pilot.pause()
        assert screen.y == "mean2"
        await pilot.press("x")
        await pilot.pause()
        assert screen.x == "variance1"
        assert "over Variance 1 × Mean 2; the rest held at your guess" in screen_text(app)
        assert "x / y: change the knobs" in screen_text(app)


async def test_one_knob_landscape_is_a_curve(make_app: MakeApp) -> None:
    app = make_app(start_level="space-worms")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("m", "v")
        await pilot.pause()
        assert isinstance(app.screen, LandscapeScreen)
        text = screen_text(app)
        model = app.screen.state.model
        label = model.params[0].label
        assert f"over {label}" in text and "X" in text
        assert f"over {model.params[0].name}" not in text or label == model.params[0].name
        assert "lowest" not in text  # a curve has no shades to explain


def test_the_actions_are_recorded_and_replayed() -> None:
    level = load_catalog([]).get("two-peaks-reverse")
    state = rules.new_game(level, 3)
    after = rules.apply_all(state, [A.Landscape(), A.ToggleCousins()])
    assert after.hints == 1 and after.cousins
    for action in (A.Landscape(t=1.5), A.ToggleCousins(t=2.0)):
        assert A.action_from_json(action.to_json()) == action
    revealed = rules.apply(state, A.Reveal())
    assert rules.apply(revealed, A.Landscape()).hints == revealed.hints
    uniform = load_catalog([]).get("dog-or-panda")
    assert not math.isnan(rules.new_game(uniform, 1).scoring_divergence())


def test_snapshot_landscape_80x24(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app = make_app(start_level="two-peaks-reverse")
    assert snap_compare(app, press=["right", "v", "_"], terminal_size=(80, 24))


def test_snapshot_landscape_120x40(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app = make_app(start_level="finale")
    assert snap_compare(app, press=["v", "_"], terminal_size=(120, 40))


def test_snapshot_cousins_120x40(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app = make_app(start_level="gaussian")
    assert snap_compare(app, press=["right", "c", "_"], terminal_size=(120, 40))


def test_estimates_are_seeded_actions_that_replay() -> None:
    level = load_catalog([]).get("two-peaks-reverse")
    state = rules.new_game(level, 3)
    first = rules.apply(state, A.Estimate(n=1000))
    again = rules.apply(state, A.Estimate(n=1000))
    assert first.estimate == again.estimate and first.estimate is not None
    second = rules.apply(first, A.Estimate(n=1000))
    assert second.estimate != first.estimate  # a fresh seed for each estimate
    exact = first.scoring_divergence()
    assert abs(first.estimate.value - exact) <= 5 * first.estimate.stderr
    assert A.action_from_json(A.Estimate(n=100, t=1.0).to_json()) == A.Estimate(n=100, t=1.0)
    with pytest.raises(A.ActionError, match="n must be one of"):
        A.action_from_json({"action": "estimate", "n": 7})
    moved = rules.apply(first, A.Nudge(sign=1))
    assert moved.estimate is None  # it was of the guess before the move
    assert rules.apply(first, A.Estimate(n=0)).estimate is None


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
async def test_estimate_panel_grows_n_and_shows_the_error(make_app: MakeApp, size) -> None:
    app = make_app(start_level="two-peaks-reverse")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        play = _play(app)
        assert play.player.state.estimate is not None and play.player.state.estimate.n == 10
        await pilot.press("e", "e")
        await pilot.pause()
        state = play.player.state
        assert state.estimate is not None and state.estimate.n == 1000
        text = str(play.query_one("#estimate").render())
        assert "N = 1,000 samples of q:" in text
        assert number(state.estimate.value) in text and number(state.estimate.stderr) in text
        assert "variational inference" in text
        await pilot.press("e", "e")
        assert play.player.state.estimate is None


@pytest.mark.parametrize("n", [10, 1000, 10000])
def test_a_level_scored_by_a_cousin_estimates_that_cousin(n: int) -> None:
    """Two peaks, JS: the estimate is of JS (within its error of the exact
    value), from samples of both, and its lines fit the 80×24 side column."""
    from klgame.ui.estimate import estimate_text

    level = load_catalog([]).get("two-peaks-js")
    state = rules.apply(rules.new_game(level, 3), A.Nudge(sign=1, size="big"))
    found = rules.apply(state, A.Estimate(n=n))
    exact = jensen_shannon(state.target, state.guess)
    assert found.estimate is not None and found.estimate.n == n
    assert abs(found.estimate.value - exact) <= 5 * found.estimate.stderr
    text = estimate_text(found)
    assert text.splitlines()[0] == "Monte Carlo JS(p, q),"
    assert "half p, half q" in text and f"exact {exact:.4f} nats" in text
    assert all(len(line) <= 31 for line in text.splitlines()), text
    assert "samples of p and q" in found.message


def test_an_infinite_estimate_says_why() -> None:
    """Dog or panda with Q(dog) = 0: every sample of p that is a dog has q = 0,
    so the estimate is ∞, said in words, not "∞ ± ∞"."""
    from klgame.ui.estimate import estimate_text

    level = load_catalog([]).get("dog-or-panda")
    state = rules.apply_all(
        rules.new_game(level, 1), [A.Nudge(sign=-1, size="big")] * 11 + [A.Estimate(n=100)]
    )
    assert state.current_values["dog"] == 0.0
    text = estimate_text(state)
    assert "∞: a sample of p has q = 0" in text and "± ∞" not in text
    assert "exact ∞ bits" in text


async def test_esc_closes_the_estimate_then_the_cousins_then_asks(make_app: MakeApp) -> None:
    from klgame.ui.screens.dialogs import ConfirmScreen

    app = make_app(start_level="gaussian")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("right", "c", "e")
        await pilot.pause()
        play = app.screen
        assert isinstance(play, PlayScreen)
        assert play.player.state.estimate is not None and play.player.state.cousins
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is play and play.player.state.estimate is None
        assert play.player.state.cousins
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is play and not play.player.state.cousins
        await pilot.press("escape")  # a move was made: leaving asks first
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)


@pytest.mark.parametrize(
    ("key", "opened"), [("v", "landscape"), ("c", "cousins"), ("e", "estimate")]
)
async def test_the_views_open_from_the_reveal_screen(make_app: MakeApp, key: str, opened: str):
    app = make_app(start_level="gaussian")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("right", "r")
        await pilot.pause()
        assert isinstance(app.screen, RevealScreen)
        hints = app.screen.game.hints
        await pilot.press(key)  # the reveal closes into free play with the view open
        await pilot.pause()
        if opened == "landscape":
            assert isinstance(app.screen, LandscapeScreen)
            await pilot.press("escape")
            await pilot.pause()
        play = _play(app)
        state = play.player.state
        assert state.revealed and state.hints == hints  # free after the reveal
        if opened == "cousins":
            assert state.cousins
        elif opened == "estimate":
            assert state.estimate is not None and state.estimate.n == 10


@pytest.mark.parametrize("level_id", ["dog-or-panda", "gaussian", "two-peaks-js"])
def test_the_running_estimate_labels_the_row_of_the_exact_value(level_id: str) -> None:
    from rich.text import Text

    from klgame.ui.estimate import running_plot

    state = rules.apply(rules.new_game(load_catalog([]).get(level_id), 3), A.Estimate(n=1000))
    exact = state.in_units(
        state.divergences()[state.level.direction]
        if state.level.divergence == "kl"
        else state.scoring_divergence()
    )
    lines = Text.from_ansi(running_plot(state)).plain.splitlines()
    labelled = [line for line in lines if line.lstrip().startswith(number(exact))]
    assert len(labelled) == 1, lines  # one y label, the exact value's
    row = lines.index(labelled[0])
    assert "-" in labelled[0] or "⠤" in labelled[0]  # its dashes are on that row
    assert row == len(lines) // 2  # the middle row: estimates either side have room
    if level_id == "dog-or-panda":  # every sample the same: the estimate is exact
        assert all(not set(line[7:-1]) - {" "} for line in lines[1:-1] if line is not lines[row])
