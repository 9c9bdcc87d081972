"""The game driven through its keys with Textual's Pilot.

Each test is one short flow; long move lists belong in the rules tests,
where they run without a screen.
"""

from __future__ import annotations

import argparse
import gc
import math
import sqlite3
import weakref
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from ui_helpers import PLAYER, SEED, MakeApp, screen_text

from klgame.cli.main import main
from klgame.cli.replay import run_replay
from klgame.core import actions as A
from klgame.core.replay import read_replay
from klgame.errors import KlgameError
from klgame.ui.app import KLGame
from klgame.ui.format import bar
from klgame.ui.screens.dialogs import ConfirmScreen, HelpScreen, TooSmallScreen
from klgame.ui.screens.play import PlayScreen
from klgame.ui.screens.reveal import RevealScreen
from klgame.ui.screens.title import TitleScreen
from klgame.ui.widgets import MessageLine, Meters
from klgame.ui.world import World

SIZE = (100, 32)


def play_screen(app: KLGame) -> PlayScreen:
    screen = app.screen
    assert isinstance(screen, PlayScreen), f"expected the play screen, got {screen!r}"
    return screen


def rows(home: Path) -> list[tuple[str, str, int]]:
    with sqlite3.connect(home / "scores.sqlite3") as conn:
        return list(conn.execute("SELECT player, level_id, moves FROM attempts"))


async def test_title_to_level_to_score_to_next_level(make_app: MakeApp, home: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
        text = screen_text(app)
        assert "One Gaussian" in text and "reverse KL(q‖p)" in text and "not played" in text
        await pilot.press("enter")
        play = play_screen(app)
        assert play.level.id == "gaussian"
        start = play.player.state.current_values["mean"]
        await pilot.press("right", "right", "l", "down", "left")
        state = play.player.state
        assert state.current_values["mean"] == pytest.approx(start + 0.3)
        assert state.current_values["variance"] == pytest.approx(4.9)
        assert state.moves == 4
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, RevealScreen)
        text = screen_text(app)
        assert "points" in text and "D*" in text and "Score saved." in text
        assert rows(home) == [(PLAYER, "gaussian", 4)]
        await pilot.press("enter")
        await pilot.pause()
        assert play_screen(app).level.id == "two-peaks-reverse"
        await pilot.press("escape")  # no moves yet: straight back to the list
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
        assert "★" in screen_text(app)  # the saved result is on the list now


async def test_play_starts_on_the_level_and_shows_the_divergence(make_app: MakeApp) -> None:
    app = make_app(start_level="dog-or-panda")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        play = play_screen(app)
        text = screen_text(app)
        assert "Dog or panda?" in text
        assert "forward KL(p‖q) · bits" in text
        assert "∞ bits" in text  # the reverse divergence: no support for panda
        assert "nan" not in text
        assert "H(p,q) = H(p) + KL(p‖q)" in text
        assert "1.737" in text  # Q(dog) = 0.3 against a certain dog, in bits
        readout = play.readout
        assert readout is not None and readout.scoring.value == pytest.approx(1.737, abs=1e-3)


async def test_undo_and_redo(make_app: MakeApp) -> None:
    app = make_app(start_level="gaussian")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        play = play_screen(app)
        # nothing to undo: shown greyed (None), so the footer keeps its layout
        assert play.check_action("undo", ()) is None
        await pilot.press("u")  # does nothing
        assert play.player.state.current_values["mean"] == pytest.approx(0.0)
        assert not play.player.state.can_undo
        await pilot.press("right", "right")
        assert play.check_action("undo", ()) is True
        await pilot.press("u")
        assert play.player.state.current_values["mean"] == pytest.approx(0.1)
        await pilot.press("ctrl+z")
        assert play.player.state.current_values["mean"] == pytest.approx(0.0)
        assert play.check_action("undo", ()) is None
        await pilot.press("ctrl+y")
        assert play.player.state.current_values["mean"] == pytest.approx(0.1)


async def test_units_toggle(make_app: MakeApp) -> None:
    app = make_app(start_level="gaussian")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        play = play_screen(app)
        assert play.readout is not None
        nats = play.readout.scoring.value
        await pilot.press("b")
        assert play.readout.units == "bits"
        assert play.readout.scoring.value == pytest.approx(nats / math.log(2))
        assert "· bits" in screen_text(app)
        await pilot.press("b")
        assert play.readout.units == "nats"


async def test_fine_and_big_steps_and_model_switch(make_app: MakeApp) -> None:
    app = make_app(start_level="space-worms")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        play = play_screen(app)
        assert play.player.state.model.id == "uniform"
        await pilot.press("m")
        assert play.player.state.model.id == "binomial"
        await pilot.press("shift+right", "right_square_bracket", "right")
        assert play.player.state.current_values["p"] == pytest.approx(0.5 + 0.1 + 0.001 + 0.01)
        await pilot.press("left_square_bracket")
        assert play.player.state.current_values["p"] == pytest.approx(0.61)


async def test_help_lists_the_keys_and_explains_kl(make_app: MakeApp) -> None:
    app = make_app(start_level="two-peaks-forward")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "← / h" in text and "Move the selected parameter up" in text
        assert "u / ^z" in text
        assert "mass-covering" in text
        await pilot.press("escape")
        assert isinstance(app.screen, PlayScreen)


async def test_autopilot_unlocks_after_the_reveal(make_app: MakeApp) -> None:
    app = make_app(start_level="gaussian")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        play = play_screen(app)
        assert play.check_action("autopilot", ()) is False
        await pilot.press("a")
        assert play.player.state.moves == 0  # hidden and off before the reveal
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("escape")  # keep playing
        assert app.screen is play
        assert play.check_action("autopilot", ()) is True
        before = play.player.state.scoring_divergence()
        await pilot.press("a", "a")
        assert play.player.state.scoring_divergence() < before
        assert "free play" in screen_text(app)


async def test_the_side_panel_follows_every_nudge_and_repaints_only_changes(
    make_app: MakeApp,
) -> None:
    app = make_app(start_level="gaussian")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        play = play_screen(app)
        meters, message = play.query_one(Meters), play.query_one(MessageLine)
        painted: Counter[str] = Counter()
        render = message.render

        def counted() -> Any:
            painted["message"] += 1
            return render()

        message.render = counted  # type: ignore[method-assign]
        # the meters repaint by rows (a LinesWidget): count the refreshes asked for
        refresh = meters.refresh

        def refreshed(*regions: Any, **kwargs: Any) -> Any:
            painted["meters"] += 1
            return refresh(*regions, **kwargs)

        meters.refresh = refreshed  # type: ignore[method-assign]
        for _ in range(6):
            await pilot.press("right")
            await pilot.pause()
            readout = play.readout
            assert readout is not None
            width = meters.content_region.width
            for meter in readout.meters:  # the bars on screen are the current ones
                filled, empty = bar(meter.fill, width)
                cells = list(filled + empty)
                for mark in meter.marks:  # the star thresholds on the fine meter
                    cells[min(width - 1, int(mark * width))] = "★"
                assert "".join(cells) in screen_text(app)
        assert painted["message"] == 0  # the same reminder: never repainted
        assert 0 < painted["meters"] <= 6
        await pilot.press("g")  # a hint is a new message
        await pilot.pause()
        assert painted["message"] == 1
        assert play.player.state.message and play.player.state.message in screen_text(app)


async def test_start_up_pause_of_the_garbage_collector_ends_after_the_first_frame(
    make_app: MakeApp,
) -> None:
    class Garbage:
        pass

    gc.disable()  # as ``klgame play`` does while it starts
    try:
        cycle = Garbage()
        cycle.me = cycle  # type: ignore[attr-defined]
        left = weakref.ref(cycle)
        del cycle  # garbage only the collector can free
        app = make_app(start_level="gaussian")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert gc.isenabled()
            assert gc.get_freeze_count() > 0  # what start-up made is out of later collections
            assert left() is None  # but its garbage was freed first, not frozen
    finally:
        gc.unfreeze()
        gc.enable()


def test_the_collector_runs_again_when_the_game_cannot_start(home: Path) -> None:
    assert main(["--player", PLAYER, "play", "no-such-level"]) == 1
    assert gc.isenabled()


async def test_quit_asks_during_an_attempt(make_app: MakeApp) -> None:
    app = make_app(start_level="gaussian")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("right", "q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert isinstance(app.screen, PlayScreen)
        await pilot.press("escape")  # leaving the level asks too
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    assert app.return_code == 0
    assert not app.is_running


async def test_quit_without_moves_does_not_ask(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
    assert not app.is_running


async def test_too_small_terminal_and_back(make_app: MakeApp) -> None:
    app = make_app(start_level="gaussian")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        assert "need 60×20, have 40×12" in screen_text(app)
        await pilot.press("right")  # keys do not reach the hidden game
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        play = play_screen(app)
        assert play.player.state.moves == 0
        assert "One Gaussian" in screen_text(app)


async def test_command_palette_jumps_to_a_level(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"three states")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert play_screen(app).level.id == "three-states"


async def test_theme_switch_keeps_the_game(make_app: MakeApp) -> None:
    app = make_app(start_level="finale")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        before = app.screen._compositor.render_strips()
        app.theme = "nord"
        await pilot.pause()
        after = app.screen._compositor.render_strips()
        assert [s.text for s in before] == [s.text for s in after]
        assert [s._segments for s in before] != [s._segments for s in after]  # recoloured


async def test_the_ui_and_a_headless_replay_agree(make_app: MakeApp, tmp_path: Path) -> None:
    record = tmp_path / "attempt.jsonl"
    keys = ["m", "right", "i", "right", "shift+right", "i", "left_square_bracket", "g", "u"]
    keys += ["ctrl+y", "i"]
    app = make_app(start_level="space-worms", record_path=record)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        play = play_screen(app)
        await pilot.press(*keys, "b", "r")
        await pilot.pause()
        shown = play.player.state
    replay = read_replay(record)
    assert replay.header.seed == SEED and replay.header.level == "space-worms"
    assert [type(a) for a in replay.actions][-1] is A.Reveal
    state, score, revealed = run_replay(replay, app.world.catalog.get("space-worms"))
    assert revealed
    assert state.model.id == shown.model.id
    assert state.current_values == shown.current_values
    assert state.units == shown.units
    assert state.integrand == shown.integrand is True
    assert score == shown.score
    # g; i twice; two moves while the integrand showed
    assert score is not None and score.hints == 5


async def test_watching_a_replay_reaches_the_headless_result(
    make_app: MakeApp, tmp_path: Path
) -> None:
    record = tmp_path / "attempt.jsonl"
    app = make_app(start_level="gaussian", record_path=record)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("right", "right", "down", "left", "r")
        await pilot.pause()
    replay = read_replay(record)
    level = app.world.catalog.get("gaussian")
    expected, score, _ = run_replay(replay, level)

    from klgame.ui.screens.watch import WatchScreen

    watcher = KLGame(
        World(app.world.catalog, player=PLAYER),
        first_screen=lambda _app: WatchScreen(replay, level, 1000.0),
    )
    async with watcher.run_test(size=SIZE) as pilot:
        watch = watcher.screen_stack[0]
        assert isinstance(watch, WatchScreen)
        for _ in range(50):
            await pilot.pause(0.05)
            if watch.finished:
                break
        await pilot.pause()
        assert watch.finished
        assert watch.player.state.current_values == expected.current_values
        assert watch.player.state.score == score
        assert isinstance(watcher.screen, RevealScreen)  # the score, then it stays
        assert watch.check_action("nudge", (1, "step")) is False


def test_unknown_level_is_a_klgame_error_before_the_app(home: Path) -> None:
    from klgame.cli.game import run_play

    args = argparse.Namespace(
        level="no-such-level", level_dirs=[], player=None, hosted=False, seed=None, record=None
    )
    with pytest.raises(KlgameError, match="unknown level"):
        run_play(args)


def test_unwritable_record_file_is_a_klgame_error(home: Path, tmp_path: Path) -> None:
    from klgame.cli.game import run_play

    args = argparse.Namespace(
        level="gaussian",
        level_dirs=[],
        player=None,
        hosted=False,
        seed=1,
        record=str(tmp_path / "missing-dir" / "x.jsonl"),
    )
    with pytest.raises(KlgameError, match="cannot write the replay file"):
        run_play(args)


def test_hosted_mode_takes_no_paths(catalog: object, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="hosted"):
        world = World(catalog, player="x", record_path=tmp_path / "r.jsonl")  # type: ignore[arg-type]
        KLGame(world, hosted=True)


async def test_the_title_says_why_scores_are_not_saved(make_app: MakeApp) -> None:
    app = make_app(store=None, store_problem="the disk is read-only", replays_dir=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "Scores are not saved: the disk is read-only" in screen_text(app)
        await pilot.press("enter", "right", "r")
        await pilot.pause()
        text = screen_text(app)
        assert "Score not saved: the disk is" in text and "read-only" in text


async def test_level_text_is_shown_as_written_never_as_markup(
    make_app: MakeApp, catalog: object
) -> None:
    import dataclasses

    from klgame.levels.loader import Catalog

    assert isinstance(catalog, Catalog)
    tricky = dataclasses.replace(
        catalog.get("gaussian"),
        id="tricky",
        title="[b]Bold[/b] $primary",
        lesson="[red]not red[/red]",
        intro="[link=x]no link[/link]",
        order=99,
    )
    app = make_app(start_level="tricky")
    app.world.catalog = Catalog((*catalog.levels, tricky))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "[b]Bold[/b] $primary" in text and "[link=x]no link[/link]" in text
        await pilot.press("escape")
        await pilot.pause()
        assert "[red]not red[/red]" in screen_text(app)


async def test_levels_from_extra_directories_are_listed(make_app: MakeApp, tmp_path: Path) -> None:
    from klgame.levels.loader import builtin_levels_dir, load_catalog

    extra = tmp_path / "my-levels"
    extra.mkdir()
    text = (builtin_levels_dir() / "gaussian.yaml").read_text(encoding="utf-8")
    text = text.replace("id: gaussian", "id: my-bell").replace(
        "title: One Gaussian", "title: My bell"
    )
    (extra / "my-bell.yaml").write_text(text, encoding="utf-8")
    app = make_app()
    app.world.catalog = load_catalog([str(extra)])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "My bell" in screen_text(app)
