"""Levels with extreme but legal numbers: refused with the range, or they play.

Also: which targets stay hidden, which levels can never be scored, and
``--levels`` on either side of the command.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from level_helpers import VALID_LEVEL, write_level

from klgame.cli.main import main
from klgame.engine import divergence
from klgame.levels import LevelError, load_level_text
from klgame.levels.solve import best_fit


def level(text: str, **changes: str) -> str:
    """``VALID_LEVEL`` with top-level sections replaced (``target='...'``)."""
    lines = VALID_LEVEL.splitlines()
    kept: list[str] = []
    skipping = False
    for line in lines:
        key = line.split(":", 1)[0]
        if not line.startswith(" ") and key in changes:
            skipping = True
            continue
        if skipping and line.startswith(" "):
            continue
        skipping = False
        kept.append(line)
    return "\n".join([*kept, text, *changes.values()]) + "\n"


def problems(text: str) -> list[str]:
    with pytest.raises(LevelError) as caught:
        load_level_text(text, "t.yaml")
    return caught.value.messages


# --- what the game can show -----------------------------------------------------


@pytest.mark.parametrize(
    ("target", "field", "allowed", "got"),
    [
        ("{family: gaussian, mean: 1e308, variance: 1}", "target.mean", "[-1e6, 1e6]", "1e308"),
        (
            "{family: gaussian, mean: 0, variance: 1e300}",
            "target.variance",
            "[1e-6, 1e9]",
            "1e300",
        ),
        (
            "{family: gaussian, mean: 0, variance: 1e-17}",
            "target.variance",
            "[1e-6, 1e9]",
            "1e-17",
        ),
        (
            "{family: gaussian, mean: {random: [-1e200, 1e200]}, variance: 1}",
            "target.mean",
            "[-1e6, 1e6]",
            "the random range is [-1e200, 1e200]",
        ),
        (
            "{family: mixture, means: [-1e200, 1e200], variances: [1, 1]}",
            "target.means[0]",
            "[-1e6, 1e6]",
            "-1e200",
        ),
    ],
)
def test_numbers_the_game_cannot_show_are_refused_with_the_range(
    target: str, field: str, allowed: str, got: str
) -> None:
    messages = problems(level("", target=f"target: {target}"))
    assert any(
        f": {field}: must lie in {allowed}" in message and message.endswith(got)
        for message in messages
    ), messages
    assert all(message.startswith("t.yaml:") for message in messages)


@pytest.mark.parametrize(
    ("target", "field"),
    [
        ("{family: gaussian, mean: 1e308, variance: 1}", "target.mean"),
        ("{family: gaussian, mean: 0, variance: 1e300}", "target.variance"),
    ],
)
def test_solve_names_a_number_the_game_cannot_show(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str, field: str
) -> None:
    # Both made `solve` report "internal error" (exit 70).
    path = write_level(tmp_path, "t.yaml", level("", target=f"target: {target}"))
    assert main(["solve", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:" in err and f": {field}: must lie in [" in err
    assert "internal error" not in err and "Traceback" not in err


def test_counts_too_large_to_add_up_are_refused() -> None:
    target = "target: {family: categorical, counts: [1e308, 1e308, 1]}"
    messages = problems(level("", target=target, guess="guess: {family: categorical}"))
    assert len(messages) == 2
    assert all("must lie in [0, 1e15]" in m and m.endswith("got 1e308") for m in messages)


def test_the_extremes_allowed_play_with_finite_divergences() -> None:
    # a target at the edge of what shows, against a guess at the far edge
    text = level(
        "",
        target="target: {family: mixture, means: [1e6, -1e6], variances: [1e-6, 1e9]}",
        guess="guess: {family: gaussian, params: {mean: {min: -1e6, max: 1e6}, "
        "variance: {min: 1e-6, max: 1e9}}}",
    )
    loaded = load_level_text(text, "t.yaml")
    target = loaded.target.draw(0)
    solution = best_fit(loaded, target)
    assert math.isfinite(solution.divergence) and solution.divergence >= 0
    start = loaded.models[0].build(loaded.models[0].start_values())
    assert math.isfinite(divergence(target, start, "reverse"))


# --- hidden targets ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "hidden_line", "hidden"),
    [
        ("target: {family: gaussian, mean: 1, variance: 2}", "", True),  # fixed, continuous
        ("target: {family: gaussian, mean: 1, variance: 2}", "hidden: false", False),
        ("target: {family: categorical, counts: [3, 5, 2]}", "", False),  # data, like the worms
        ("target: {family: categorical, counts: [{random: [1, 4]}, 5]}", "", True),
        ("target: {family: categorical, counts: [3, 5, 2]}", "hidden: true", True),
    ],
)
def test_which_targets_are_hidden(target: str, hidden_line: str, hidden: bool) -> None:
    guess = "guess: {family: uniform}" if "categorical" in target else "guess: {family: gaussian}"
    loaded = load_level_text(level(hidden_line, target=target, guess=guess), "t.yaml")
    assert loaded.hidden is hidden


def test_hidden_must_be_true_or_false() -> None:
    assert problems(level("hidden: maybe")) == [
        "t.yaml:13:9: hidden: must be true or false, got text"
    ]


def test_the_builtin_levels_hide_what_they_should(catalog_levels: dict[str, bool]) -> None:
    assert catalog_levels == {
        "gaussian": True,
        "two-peaks-reverse": True,
        "two-peaks-forward": True,
        "two-peaks-js": True,
        "finale": True,
        "space-worms": False,  # counts to look at
        "dog-or-panda": False,
        "three-states": False,
        "never-say-never": False,
    }


@pytest.fixture
def catalog_levels() -> dict[str, bool]:
    from klgame.levels.loader import load_catalog

    return {level.id: level.hidden for level in load_catalog().levels}


# --- never scored -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "guess", "direction", "scorable"),
    [
        # forward: q must cover every value p gives a chance
        (
            "{family: categorical, probs: [0.5, 0.5, 0]}",
            "{family: uniform, support: [0, 2]}",
            "forward",
            False,
        ),
        (
            "{family: categorical, probs: [0.5, 0.5, 0]}",
            "{family: uniform, support: [0, 1, 2]}",
            "forward",
            True,
        ),
        # reverse: q must leave out every value p gives no chance
        (
            "{family: categorical, probs: [0.5, 0.5, 0]}",
            "{family: uniform, support: [0, 1, 2]}",
            "reverse",
            False,
        ),
        (
            "{family: categorical, probs: [0.5, 0.5, 0]}",
            "{family: categorical, params: {'0': {max: 0.3}, '1': {max: 0.5}}}",
            "reverse",
            False,
        ),
        (
            "{family: categorical, probs: [0.5, 0.5, 0]}",
            "{family: categorical, params: {'0': {min: 0.5}, '1': {max: 0.5}}}",
            "reverse",
            True,
        ),
        (
            "{family: categorical, probs: [0.5, 0.5, 0]}",
            "{family: categorical, params: {'1': {fixed: 0}}}",
            "forward",
            False,
        ),
        # a random count is positive for almost every seed
        (
            "{family: categorical, counts: [{random: [0, 1]}, 1, 0]}",
            "{family: uniform, support: [0, 1]}",
            "reverse",
            True,
        ),
        (
            "{family: binomial, n: 3, p: 1}",
            "{family: binomial, n: 3, params: {p: {max: 0.9}}}",
            "reverse",
            False,
        ),
        ("{family: binomial, n: 3, p: 1}", "{family: binomial, n: 3}", "reverse", True),
        ("{family: binomial, n: 3, p: 0.5}", "{family: binomial, n: 2}", "forward", False),
    ],
)
def test_a_level_no_guess_can_score_is_refused(
    target: str, guess: str, direction: str, scorable: bool
) -> None:
    text = level(
        "", target=f"target: {target}", guess=f"guess: {guess}", direction=f"direction: {direction}"
    )
    if scorable:
        loaded = load_level_text(text, "t.yaml")
        assert math.isfinite(best_fit(loaded, loaded.target.draw(1)).divergence)
    else:
        messages = problems(text)
        assert len(messages) == 1 and "the level can never be scored" in messages[0]


# --- --levels on either side ------------------------------------------------------


def test_levels_option_before_or_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_level(tmp_path / "a", "mine.yaml", VALID_LEVEL.replace("id: tiny", "id: mine"))
    write_level(tmp_path / "b", "other.yaml", VALID_LEVEL.replace("id: tiny", "id: other"))
    assert main(["solve", "mine", "--levels", str(tmp_path / "a")]) == 0
    assert capsys.readouterr().out.startswith("mine: Tiny")
    assert (
        main(["--levels", str(tmp_path / "a"), "solve", "other", "--levels", str(tmp_path / "b")])
        == 0
    )
    assert capsys.readouterr().out.startswith("other: Tiny")
    assert main(["levels", "--levels", str(tmp_path / "a"), "--levels", str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert "mine" in out and "other" in out
