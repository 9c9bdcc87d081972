"""``klgame levels``, ``klgame validate`` and ``klgame solve``, through the real CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from level_helpers import BUILTIN_DIR, BUILTIN_IDS, VALID_LEVEL, write_level

from klgame.cli.main import main
from klgame.store import Attempt, open_store

# q spreads over both labels, p rules one out: KL(q‖p) is infinite at every q.
INFINITE_REVERSE = """\
id: never-ends
title: Never ends
lesson: One direction never ends.
intro: Go.
reveal: Done.
target:
  family: categorical
  support: [dog, panda]
  probs: [1, 0]
guess:
  family: uniform
direction: forward
show: [forward, reverse]
units: bits
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- levels -------------------------------------------------------------------------------


def test_levels_lists_every_level(capsys: pytest.CaptureFixture[str]):
    code, out, err = run(capsys, "levels")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["Id", "Title", "Scored", "by", "Units", "Best"]
    assert [line.split()[0] for line in lines[1:]] == list(BUILTIN_IDS)
    assert "two-peaks-reverse  Two peaks, one guess" in out
    assert "reverse KL(q‖p)" in out and "forward KL(p‖q)" in out
    dog = next(line for line in lines if line.startswith("dog-or-panda"))
    assert "bits" in dog and dog.rstrip().endswith("—")


def test_levels_shows_the_best_result(capsys: pytest.CaptureFixture[str]):
    with open_store() as store:
        store.record(
            Attempt(
                player="ada",
                level_id="space-worms",
                level_hash="x",
                seed=1,
                divergence=0.2,
                best=0.1367,
                excess=0.0633,
                stars=2,
                points=640,
                moves=12,
                hints=0,
                seconds=30.0,
            )
        )
    code, out, _ = run(capsys, "--player", "ada", "levels")
    assert code == 0
    worms = next(line for line in out.splitlines() if line.startswith("space-worms"))
    assert worms.endswith("★★☆ 640 pts")
    code, out, _ = run(capsys, "--player", "grace", "levels")
    assert "★" not in out


def test_levels_works_without_a_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("KLGAME_HOME", str(blocker / "home"))
    code, out, _ = run(capsys, "levels")
    assert code == 0 and "gaussian" in out


def test_levels_reports_broken_and_shadowing_user_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    write_level(tmp_path, "mine.yaml", VALID_LEVEL.replace("id: tiny", "id: finale"))
    write_level(tmp_path, "bad.yaml", "id: [")
    code, out, err = run(capsys, "--levels", str(tmp_path), "levels")
    assert code == 0
    assert "warning: " in err and "replaces the built-in level" in err
    assert f"error: {tmp_path / 'bad.yaml'}:" in err
    assert "finale" in out and "Tiny" in out


# --- validate -----------------------------------------------------------------------------


def test_validate_the_builtins(capsys: pytest.CaptureFixture[str]):
    assert run(capsys, "validate", str(BUILTIN_DIR)) == (0, f"ok: {len(BUILTIN_IDS)} levels\n", "")


def test_validate_files_and_directories(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    one = write_level(tmp_path / "a", "one.yaml")
    assert run(capsys, "validate", str(one)) == (0, "ok: 1 level\n", "")
    write_level(tmp_path / "a", "two.yml", VALID_LEVEL.replace("id: tiny", "id: two"))
    assert run(capsys, "validate", str(tmp_path / "a"), str(one))[:2] == (0, "ok: 3 levels\n")


def test_validate_lists_every_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    write_level(tmp_path / "d", "good.yaml")
    bad = write_level(tmp_path / "d", "bad.yaml", VALID_LEVEL.replace("variance: 2", "variance: x"))
    (tmp_path / "empty").mkdir()
    code, out, err = run(
        capsys, "validate", str(tmp_path / "d"), str(tmp_path / "empty"), str(tmp_path / "nope")
    )
    assert code == 1 and out == ""
    assert err.splitlines() == [
        f"{bad}:9:13: target.variance: must be a number, got text 'x'",
        f"{tmp_path / 'empty'}: no level files (*.yaml, *.yml) in this directory",
        f"{tmp_path / 'nope'}: no such file or directory",
        "3 errors; 1 valid level(s)",
    ]


# --- solve --------------------------------------------------------------------------------


#: A number as ``klgame solve`` prints it: four decimals, ∞, or a whole count (n).
SHOWN_NUMBER = re.compile(r"-?\d+\.\d{4}|∞|\d+")


@pytest.mark.parametrize("level_id", BUILTIN_IDS)
def test_solve_each_builtin(level_id: str, capsys: pytest.CaptureFixture[str]):
    code, out, err = run(capsys, "solve", level_id, "--seed", "1")
    assert code == 0 and err == ""
    assert out.startswith(f"{level_id}: ")
    # Every number shown is four decimals or ∞: never inf, nan, 1e-05 or a repr.
    shown = re.findall(r"(?:=|:) (\S+?)(?=[ ,)]|$)", out, flags=re.MULTILINE)
    numbers = [
        token
        for token in shown
        if token[0].isdigit() or token[0] in "-+∞" or token.lower().startswith(("inf", "nan"))
    ]
    assert numbers and all(SHOWN_NUMBER.fullmatch(token) for token in numbers), numbers
    # D* is the least of the models' best divergences in the scoring direction,
    # and no model's start is better than D*.
    direction = "forward KL(p‖q)" if "scored by forward" in out else "reverse KL(q‖p)"
    if "scored by Jensen–Shannon" in out:
        direction = "JS(p, q)"
    per_model = [
        float(value.replace("∞", "inf"))
        for value in re.findall(re.escape(direction) + r" = (\S+) ", out)
    ]
    (d_star,) = re.findall(r"^D\* = (\S+) ", out, flags=re.MULTILINE)
    assert per_model and float(d_star.replace("∞", "inf")) == pytest.approx(min(per_model))
    starts = [
        float(v.replace("∞", "inf"))
        for v in re.findall(r"at the start: (?:\w+|JS\(p, q\)) = (\S+) ", out)
    ]
    assert all(start >= float(d_star) - 5e-5 for start in starts)


def test_solve_space_worms_names_the_winner(capsys: pytest.CaptureFixture[str]):
    _, out, _ = run(capsys, "solve", "space-worms")
    assert "model binomial (Binomial(10, θ)): best at p = 0.5440" in out
    assert "forward KL(p‖q) = 0.4273 nats" in out
    assert "model uniform (Uniform): no parameters\n  forward KL(p‖q) = 0.1367 nats" in out
    assert "model poisson (Poisson(λ)): best at lambda = 5.4400" in out
    assert "reverse KL(q‖p) = ∞ nats" in out
    assert out.rstrip().endswith("D* = 0.0902 nats: model poisson, lambda = 5.4400")


def test_solve_json(capsys: pytest.CaptureFixture[str]):
    code, out, _ = run(capsys, "solve", "two-peaks-forward", "--seed", "1", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["level"] == "two-peaks-forward" and report["seed"] == 1
    assert report["direction"] == "forward" and report["units"] == "nats"
    target = report["target"]
    assert target["family"] == "mixture" and len(target["components"]) == 2
    assert list(target["params"]) == [
        "weight1",
        "weight2",
        "mean1",
        "mean2",
        "variance1",
        "variance2",
    ]
    (model,) = report["models"]
    mean = sum(c["weight"] * c["mean"] for c in target["components"])
    assert model["values"]["mean"] == pytest.approx(mean)
    assert report["best"]["model"] == "gaussian"
    assert report["best"]["divergence"] == model["divergence"] == model["forward"]
    assert model["start"]["values"] == {"mean": 0.0, "variance": 1.0}


def test_solve_by_path_and_infinity(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    path = write_level(tmp_path, "inf.yaml", INFINITE_REVERSE)
    code, out, _ = run(capsys, "solve", str(path))
    assert code == 0
    assert "forward KL(p‖q) = 1.0000 bits, reverse KL(q‖p) = ∞ bits" in out
    assert "inf" not in out
    _, out, _ = run(capsys, "solve", str(path), "--json")
    report = json.loads(out)
    assert report["models"][0]["reverse"] is None  # JSON has no ∞: null (docs/replays.md)
    assert report["models"][0]["forward"] == pytest.approx(1.0)


def test_solve_a_user_level_by_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    write_level(tmp_path, "tiny.yaml")
    code, out, _ = run(capsys, "--levels", str(tmp_path), "solve", "tiny", "--seed", "3")
    assert code == 0 and out.startswith("tiny: Tiny\ntarget (seed 3): Gaussian")


def test_solve_unknown_level(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    code, out, err = run(capsys, "solve", "gausian")
    assert code == 1 and out == ""
    assert err == (
        "klgame: unknown level 'gausian' (did you mean 'gaussian'?); 'klgame levels' lists them\n"
    )
    write_level(tmp_path, "oops.yaml", VALID_LEVEL.replace("id: tiny", "id: oops\nunits: nat"))
    code, _, err = run(capsys, "--levels", str(tmp_path), "solve", "oops")
    assert code == 1
    assert "level files with errors:" in err
    assert "units: unknown value 'nat' (did you mean 'nats'?)" in err


def test_solve_broken_file_by_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    path = write_level(tmp_path, "bad.yaml", VALID_LEVEL.replace("reverse", "sideways"))
    code, _, err = run(capsys, "solve", str(path))
    assert code == 1
    assert err.startswith(f"klgame: {path}:12:12: direction: unknown value 'sideways'")
