"""``klgame solve --landscape``: the grid's shape, its values against the scalar
divergence, ∞ and units as elsewhere in ``solve --json``."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from level_helpers import BUILTIN_IDS
from test_levels_commands import INFINITE_REVERSE, run

from klgame.engine import Gaussian, Mixture, divergence
from klgame.levels.loader import load_catalog


def _report(capsys, *argv: str) -> dict:
    code, out, err = run(capsys, "solve", *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def test_two_peak_landscape_matches_the_scalar_divergence(capsys):
    report = _report(capsys, "two-peaks-reverse", "--seed", "3", "--landscape", "mean,variance")
    grid = report["landscape"]
    assert (grid["x"], grid["y"], grid["model"]) == ("mean", "variance", "gaussian")
    assert len(grid["x_values"]) == 60 and len(grid["y_values"]) == 30
    assert len(grid["divergence"]) == 30 and all(len(row) == 60 for row in grid["divergence"])
    # The axes span the parameters' bounds; the variance one is geometric.
    level = load_catalog([]).get("two-peaks-reverse")
    spec = level.models[0].param("variance")
    assert grid["y_values"][0] == pytest.approx(spec.min) and grid["y_values"][-1] == pytest.approx(
        spec.max
    )
    ratios = np.diff(np.log(grid["y_values"]))
    assert np.allclose(ratios, ratios[0])
    # Every cell against the scalar engine, on the target solve --json prints.
    parts = report["target"]["components"]
    target = Mixture(
        [Gaussian(c["mean"], c["variance"]) for c in parts], [c["weight"] for c in parts]
    )
    for i in (0, 7, 29):
        for j in (0, 13, 31, 59):
            mean, variance = grid["x_values"][j], grid["y_values"][i]
            want = divergence(target, Gaussian(mean, variance), "reverse")
            assert grid["divergence"][i][j] == pytest.approx(want, rel=1e-12)


def test_default_pair_units_and_held_values(capsys):
    report = _report(capsys, "finale", "--seed", "2", "--landscape")
    grid = report["landscape"]
    model = next(m for m in report["models"] if m["id"] == grid["model"])
    assert (grid["x"], grid["y"]) == tuple(model["free"][:2])
    # The other parameters are held at the model's best fit.
    held = {k: v for k, v in model["values"].items() if k not in (grid["x"], grid["y"])}
    assert grid["held"] == pytest.approx(held)
    assert report["units"] in ("nats", "bits")


def test_bits_and_one_parameter(capsys):
    catalog = load_catalog([])
    bits = next(level for level in catalog.levels if level.units == "bits")
    grid = _report(capsys, bits.id, "--seed", "4", "--landscape")["landscape"]
    model = bits.model(grid["model"])
    target = bits.target.draw(4)
    x, y = grid["x"], grid["y"]
    for i in range(0, len(grid["divergence"]), 7):
        for j in range(0, len(grid["x_values"]), 11):
            values = dict(grid["held"]) | {x: grid["x_values"][j]}
            if y is not None:
                values[y] = grid["y_values"][i]
            try:
                guess = model.build(values)
            except ValueError:
                assert grid["divergence"][i][j] is None
                continue
            nats = divergence(target, guess, bits.direction)
            want = None if math.isinf(nats) else pytest.approx(nats / math.log(2), rel=1e-12)
            assert grid["divergence"][i][j] == want
    one = next(
        level for level in catalog.levels if any(len(m.free_params()) == 1 for m in level.models)
    )
    model = next(m for m in one.models if m.free_params())
    x = model.free_params()[0].name
    grid = _report(capsys, one.id, "--landscape", x)["landscape"]
    assert grid["y"] is None and grid["y_values"] == [] and len(grid["divergence"]) == 1


def test_infinity_is_written_as_elsewhere(tmp_path, capsys):
    path = tmp_path / "never.yaml"
    path.write_text(
        INFINITE_REVERSE.replace("family: uniform", "family: categorical"), encoding="utf-8"
    )
    code, out, err = run(capsys, "solve", str(path), "--json", "--landscape")
    assert code == 0, err
    grid = json.loads(out)["landscape"]
    cells = [v for row in grid["divergence"] for v in row]
    assert all(isinstance(v, float) or v is None for v in cells)
    # Q(dog) = 0 leaves p's only outcome uncovered: forward KL is ∞ there.
    assert grid["x_values"][0] == 0.0 and grid["divergence"][0][0] is None
    assert not any(isinstance(v, float) and math.isnan(v) for v in cells)


@pytest.mark.parametrize("level_id", BUILTIN_IDS)
def test_text_grid_for_every_level(level_id, capsys):
    code, out, err = run(capsys, "solve", level_id, "--landscape")
    if code != 0:
        assert "no free parameters" in err
        return
    assert "landscape of" in out and "local minimum" in out
    assert "nan" not in out.lower().replace("nats", "")


def test_bad_pairs_are_named(capsys):
    code, _, err = run(capsys, "solve", "gaussian", "--landscape", "mean,wobble")
    assert code != 0 and "'wobble' is not a free parameter" in err and "mean, variance" in err
    code, _, err = run(capsys, "solve", "gaussian", "--landscape", "mean,mean")
    assert code != 0 and "must differ" in err
