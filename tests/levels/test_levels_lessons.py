"""The two-peak levels' lessons: one target seen both ways, layouts that vary
with the seed, and the level-format fields that say so (``target: {same_as:
ID}``, reveal parts with conditions and placeholders) with their errors."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from level_helpers import BUILTIN_DIR, VALID_LEVEL, write_level

from klgame.cli.levels import solve_report
from klgame.core import actions as A
from klgame.core.lesson import outcome, shape_of
from klgame.core.rules import apply, new_game
from klgame.engine import Gaussian, Mixture, kl
from klgame.levels import LevelError, best_fit, load_catalog, load_directory, load_level
from klgame.levels.texts import RevealPart, fill, problems, reveal_text

SEEDS = range(1, 41)


@pytest.fixture(scope="module")
def reverse():
    return load_catalog().get("two-peaks-reverse")


@pytest.fixture(scope="module")
def forward():
    return load_catalog().get("two-peaks-forward")


# --- one target, both directions ---------------------------------------------------


def test_level_3_names_the_target_of_level_2(reverse, forward):
    assert forward.target_from == "two-peaks-reverse"
    assert reverse.target_from is None
    assert forward.target == reverse.target  # one recipe, so one target per seed


@pytest.mark.parametrize("seed", [0, 1, 2, 7, 99, 2024, 2**31 - 1])
def test_solve_reports_the_same_target_for_both_levels(reverse, forward, seed):
    ours, theirs = solve_report(forward, seed), solve_report(reverse, seed)
    assert ours["target"] == theirs["target"]
    assert ours["direction"] == "forward" and theirs["direction"] == "reverse"


def test_klgame_solve_on_the_command_line_reports_the_same_target():
    def target(level: str, seed: int) -> dict:
        out = subprocess.run(
            [sys.executable, "-m", "klgame", "solve", level, "--seed", str(seed), "--json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return json.loads(out)["target"]

    for seed in (3, 11):
        assert target("two-peaks-forward", seed) == target("two-peaks-reverse", seed)


def test_a_change_of_the_shared_target_changes_both_levels(tmp_path: Path):
    for name in ("two-peaks-reverse.yaml", "two-peaks-forward.yaml"):
        (tmp_path / name).write_bytes((BUILTIN_DIR / name).read_bytes())
    before = {level.id: level.content_hash for level in load_directory(tmp_path)[0]}
    path = tmp_path / "two-peaks-reverse.yaml"
    path.write_text(path.read_text().replace("[1.5, 6]", "[2, 6]"))
    levels, errors = load_directory(tmp_path)
    assert errors == []
    after = {level.id: level.content_hash for level in levels}
    assert after["two-peaks-reverse"] != before["two-peaks-reverse"]
    assert after["two-peaks-forward"] != before["two-peaks-forward"]
    forward = next(level for level in levels if level.id == "two-peaks-forward")
    assert forward.target.params == next(lv for lv in levels if lv.id != forward.id).target.params


# --- two-peak layouts that vary with the seed --------------------------------------


def _layout(level, seed):
    target = level.target.draw(seed)
    assert isinstance(target, Mixture)
    solution = best_fit(level, target)
    return target, solution


def test_layouts_vary_over_seeds_1_to_40(reverse):
    """Heavier peak on each side in at least a fifth of the seeds; the spread
    optimum in 10-50% of them, found by the real solver."""
    left = right = spread = 0
    for seed in SEEDS:
        target, solution = _layout(reverse, seed)
        (w1, w2), (a, b) = target.weights, target.components
        assert 0.25 <= w1 <= 0.75 and a.mean < b.mean
        left += w1 > w2
        right += w2 > w1
        shape = shape_of(solution.values, target, reverse.models[0])
        assert shape in ("spread", "heavier-peak")
        spread += shape == "spread"
        # checked against the divergences of the two single-peak answers,
        # evaluated directly: a spread optimum beats both, a one-peak one
        # is no worse than its own peak
        on_a, on_b = (
            kl(Gaussian(a.mean, a.variance), target),
            kl(Gaussian(b.mean, b.variance), target),
        )
        if shape == "spread":
            assert solution.divergence < min(on_a, on_b) - 0.01
            low, high = a.mean, b.mean
            assert (
                low + math.sqrt(a.variance) < solution.values["mean"] < high - math.sqrt(b.variance)
            )
        else:
            heavy = a if w1 > w2 else b
            assert abs(solution.values["mean"] - heavy.mean) < math.sqrt(heavy.variance)
            assert solution.divergence <= min(on_a, on_b) + 1e-9
    assert left >= 8 and right >= 8
    assert 4 <= spread <= 20, spread


def test_the_texts_hold_for_every_seed(reverse, forward):
    """Exactly one of level 2's texts about the best fit's shape shows, and it
    says where the best fit is; level 3 says how the reverse answer looks."""
    for seed in SEEDS:
        state = apply(new_game(reverse, seed), A.Reveal())
        facts = outcome(state).facts
        text = reveal_text(reverse.texts, facts, {})
        said = [
            shape
            for shape, shown in (
                ("heavier-peak", "the heavier one," in text),
                ("spread", "the valley between them is not empty" in text),
                ("lighter-peak", "far apart" in text and "the heavier one," not in text),
            )
            if shown
        ]
        assert said == [facts["fit"]], (seed, facts)
        theirs = apply(new_game(forward, seed), A.Reveal())
        facts3 = outcome(theirs, reverse).facts
        assert facts3["fit"] == "spread" and facts3["other_fit"] == facts["fit"]
        text3 = reveal_text(forward.texts, facts3, {})
        assert ("even the KL(q‖p) answer spreads" in text3) == (facts["fit"] == "spread")


# --- the format: same_as ---------------------------------------------------------------


SHARED = VALID_LEVEL.replace("id: tiny", "id: {id}").replace(
    "target:\n  family: gaussian\n  mean: {{random: [-1, 1]}}\n  variance: 2",
    "target: {{same_as: {other}}}",
)


def shared(level_id: str, other: str, extra: str = "") -> str:
    text = VALID_LEVEL.replace("id: tiny", f"id: {level_id}")
    start = text.index("target:")
    end = text.index("guess:")
    return text[:start] + f"target: {{same_as: {other}{extra}}}\n" + text[end:]


def test_same_as_takes_the_target_of_a_level_in_the_directory(tmp_path: Path):
    write_level(tmp_path, "tiny.yaml")
    write_level(tmp_path, "copy.yaml", shared("copy", "tiny"))
    levels, errors = load_directory(tmp_path)
    assert errors == []
    by_id = {level.id: level for level in levels}
    assert by_id["copy"].target == by_id["tiny"].target
    assert by_id["copy"].target_from == "tiny"
    assert load_level(tmp_path / "copy.yaml").target == by_id["tiny"].target  # alone, too


def test_same_as_a_built_in_level(tmp_path: Path):
    path = write_level(tmp_path, "mine.yaml", shared("mine", "gaussian"))
    assert load_level(path).target == load_catalog().get("gaussian").target


def test_same_as_an_unknown_level_names_the_line(tmp_path: Path):
    path = write_level(tmp_path, "lost.yaml", shared("lost", "two-peaks-revers"))
    with pytest.raises(LevelError) as caught:
        load_level(path)
    line = 1 + path.read_text().splitlines().index("target: {same_as: two-peaks-revers}")
    (message,) = caught.value.messages
    assert message.startswith(f"{path}:{line}:")
    assert "target.same_as: no level 'two-peaks-revers'" in message
    assert "did you mean 'two-peaks-reverse'?" in message


def test_same_as_cycles_are_errors_in_every_file_of_the_cycle(tmp_path: Path):
    write_level(tmp_path, "a.yaml", shared("a", "b"))
    write_level(tmp_path, "b.yaml", shared("b", "c"))
    write_level(tmp_path, "c.yaml", shared("c", "a"))
    write_level(tmp_path, "d.yaml", shared("d", "d"))
    levels, errors = load_directory(tmp_path)
    assert levels == []
    assert len(errors) == 4
    for name, cycle in (("a", "a → b → c → a"), ("b", "b → c → a → b"), ("c", "c → a → b → c")):
        (message,) = [e for e in errors if e.startswith(str(tmp_path / f"{name}.yaml"))]
        assert f"target.same_as: the targets name each other in a cycle: {cycle}" in message
        assert message.split(":")[1] == "6"  # the line of same_as
    (message,) = [e for e in errors if "d.yaml" in e]
    assert "cannot share its own target" in message


def test_same_as_family_must_match(tmp_path: Path):
    write_level(tmp_path, "tiny.yaml")
    path = write_level(tmp_path, "wrong.yaml", shared("wrong", "tiny", ", family: mixture"))
    with pytest.raises(LevelError) as caught:
        load_level(path)
    (message,) = caught.value.messages
    assert (
        ":6:" in message
        and "target.family: the target of 'tiny' is a gaussian, not a mixture" in message
    )


def test_same_as_a_discrete_target_with_a_continuous_guess(tmp_path: Path):
    path = write_level(tmp_path, "odd.yaml", shared("odd", "dog-or-panda"))
    with pytest.raises(LevelError) as caught:
        load_level(path)
    assert any(
        "guess.family: a gaussian guess cannot be compared with a discrete" in m
        for m in caught.value.messages
    )


def test_same_as_a_broken_level(tmp_path: Path):
    write_level(tmp_path, "broken.yaml", VALID_LEVEL.replace("variance: 2", "variance: -2"))
    path = write_level(tmp_path, "copy.yaml", shared("copy", "tiny"))
    with pytest.raises(LevelError) as caught:
        load_level(path)
    assert "level 'tiny'" in caught.value.messages[0] and "has errors" in caught.value.messages[0]


# --- the format: reveal parts and placeholders -----------------------------------------


PARTS = VALID_LEVEL.replace(
    "reveal: Well done.",
    """reveal:
  - |
    Your divergence is {D} {units}; the best is {D*}.
  - when: {d_star: reached}
    text: Spot on, at mean {best.mean}.
  - when: {optimum: local, fit: one-peak}
    text: |
      A low point at {found}.
""",
)


def test_reveal_parts_load(tmp_path: Path):
    level = load_level(write_level(tmp_path, "parts.yaml", PARTS))
    assert level.texts == (
        RevealPart("Your divergence is {D} {units}; the best is {D*}."),
        RevealPart("Spot on, at mean {best.mean}.", (("d_star", "reached"),)),
        RevealPart("A low point at {found}.", (("optimum", "local"), ("fit", "one-peak"))),
    )
    assert level.reveal == "Your divergence is {D} {units}; the best is {D*}."


def test_unknown_placeholders_are_errors_at_their_own_line(tmp_path: Path):
    text = PARTS.replace("is {D} {units}", "is {D} {unit}").replace(
        "at {found}.", "at {found}.\n      Moved {found.men} and {x{"
    )
    path = write_level(tmp_path, "bad.yaml", text)
    with pytest.raises(LevelError) as caught:
        load_level(path)
    lines = path.read_text().splitlines()
    first = 1 + next(i for i, line in enumerate(lines) if "{unit}" in line)
    second = 1 + next(i for i, line in enumerate(lines) if "{found.men}" in line)
    column = 1 + lines[first - 1].index("{unit}")
    messages = caught.value.messages
    assert messages[0].startswith(
        f"{path}:{first}:{column}: reveal[0]: unknown placeholder {{unit}}"
    )
    assert any(
        m.startswith(f"{path}:{second}:") and "unknown placeholder {found.men}" in m
        for m in messages
    )
    assert any(m.startswith(f"{path}:{second}:") and "a lone brace" in m for m in messages)


def test_unknown_conditions_are_errors(tmp_path: Path):
    text = PARTS.replace("{d_star: reached}", "{d_star: reachd}").replace(
        "{optimum: local, fit: one-peak}", "{optimum: local, peak: one}"
    )
    path = write_level(tmp_path, "bad.yaml", text)
    with pytest.raises(LevelError) as caught:
        load_level(path)
    messages = caught.value.messages
    assert any(
        "reveal[1].when.d_star: unknown value 'reachd' (did you mean 'reached'?)" in m
        for m in messages
    )
    assert any("reveal[2].when.peak: unknown field" in m for m in messages)
    other = PARTS.replace("{d_star: reached}", "{other_fit: spread}")
    with pytest.raises(LevelError) as caught:
        load_level(write_level(tmp_path, "bad.yaml", other))
    assert "only a level with target: {same_as: ID} has another fit" in caught.value.messages[0]


def test_placeholders_are_plain_text():
    assert fill("{{D}} is {D} [bold]{units}[/bold]", {"D": "0.5", "units": "nats"}) == (
        "{D} is 0.5 [bold]nats[/bold]"
    )
    assert problems("{D} {D*} {excess} {lowest} {found} {optima} {best.mean}", ["mean"]) == []
    assert next(m for _, m in problems("{best.p}", ["mean"])).startswith("unknown placeholder")
    assert [o for o, _ in problems("ab {", [])] == [3]


def test_reveal_text_keeps_the_parts_whose_conditions_all_hold():
    parts = (
        RevealPart("always"),
        RevealPart("one", (("fit", "one-peak"),)),
        RevealPart("heavy and local", (("fit", "heavier-peak"), ("optimum", "local"))),
        RevealPart("spread", (("fit", "spread"),)),
    )
    assert reveal_text(parts, {"fit": "heavier-peak", "optimum": "global"}, {}) == "always\n\none"
    assert reveal_text(parts, {"fit": "heavier-peak", "optimum": "local"}, {}) == (
        "always\n\none\n\nheavy and local"
    )
    assert reveal_text(parts, {}, {}) == "always"
