"""The player's keys from keys.toml: used by the game, the footer and the help;
an unknown id, a clash or bad TOML named, every problem at once."""

from __future__ import annotations

from pathlib import Path

from ui_helpers import MakeApp, screen_text

from klgame.ui.keymap import config_dir, read_keymap
from klgame.ui.screens.dialogs import HelpScreen
from klgame.ui.screens.play import PlayScreen


def write(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "keys.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_is_no_keymap_and_no_problem(home: Path) -> None:
    assert config_dir() == home
    keymap = read_keymap()
    assert keymap.keys == {} and keymap.problems == ()


def test_every_problem_is_named_at_once_and_the_file_is_not_used(home: Path) -> None:
    path = write(
        home,
        '[keys]\nnudge-upp = "d"\nreveal = "q"\nhint = 3\n[colours]\nx = 1\n',
    )
    keymap = read_keymap()
    assert keymap.keys == {}
    assert keymap.problems == (
        f"{path}: unknown section or setting 'colours' (expected [keys])",
        f'{path}: keys.hint must be keys in quotes, like "right,d"',
        f"{path}: unknown binding id 'nudge-upp' (did you mean 'nudge-up'?)",
        f"{path}: 'q' is bound to both quit and reveal on the play screen",
    )


def test_a_key_taken_by_another_action_on_the_same_screen_is_a_clash(home: Path) -> None:
    write(home, '[keys]\nhint = "r"\n')  # r reveals on the play screen
    (problem,) = read_keymap().problems
    assert "'r' is bound to both hint and reveal on the play screen" in problem
    write(home, '[keys]\nhint = "r"\nreveal = "f9"\n')  # moving reveal away: no clash
    assert read_keymap().problems == ()


def test_bad_toml_names_its_line(home: Path) -> None:
    path = write(home, '[keys]\nnudge-up = "d"\nnudge-down = \n')
    (problem,) = read_keymap().problems
    assert problem.startswith(f"{path}: not valid TOML") and "line 3" in problem


async def test_the_players_keys_play_and_show(make_app: MakeApp, home: Path) -> None:
    write(home, '[keys]\nnudge-up = "d,right"\nnudge-down = "s"\nhelp = "f1"\n')
    keymap = read_keymap()
    assert keymap.problems == ()
    app = make_app(start_level="gaussian", keymap=keymap)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        play = app.screen
        assert isinstance(play, PlayScreen)
        start = play.player.state.current_values["mean"]
        await pilot.press("d", "d", "s", "left")  # left is no longer a nudge
        assert play.player.state.current_values["mean"] == start + 0.1
        footer = screen_text(app).splitlines()[-1]
        assert "sd Nudge" in footer and "f1 Help" in footer  # the player's keys
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "d / →" in text and "Move the selected parameter up" in text


async def test_a_keymap_with_problems_is_reported_on_screen(make_app: MakeApp, home: Path) -> None:
    write(home, '[keys]\nnudge-upp = "d"\n')
    app = make_app(start_level="gaussian", keymap=read_keymap())
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause(0.3)
        text = screen_text(app)
        assert "Your keys are not used" in text and "nudge-upp" in text
        play = app.screen
        assert isinstance(play, PlayScreen)
        start = play.player.state.current_values["mean"]
        await pilot.press("right")  # the game's own keys still work
        assert play.player.state.current_values["mean"] == start + 0.1
