"""What an attempt found, checked against independent computations: the low
points of a two-peak fit (scipy), the reveal's local-optimum message on a
replay that ends on the lighter peak, the sum behind a discrete divergence
(by hand), and the level where forward KL is infinite."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import mpmath
import numpy as np
import pytest
from scipy import integrate, optimize

from klgame.cli.replay import play_through, result_json, run_replay
from klgame.core import actions as A
from klgame.core.lesson import discrete_terms, outcome
from klgame.core.replay import Header, read_replay, write_replay
from klgame.core.rules import apply, hint_for, new_game
from klgame.core.scoring import points_for
from klgame.engine import Mixture, kl
from klgame.levels.loader import load_catalog
from klgame.levels.texts import reveal_text

REPLAYS = Path(__file__).resolve().parent.parent / "replays"
CATALOG = load_catalog([])
#: A seed whose two peaks are far apart: the lighter (weight 0.44) on the left.
FAR_SEED = 3


def reverse_kl_reference(target: Mixture, mean: float, variance: float) -> float:
    """KL(q‖p) for q = N(mean, variance) by scipy quadrature, from the formulas."""
    sd = math.sqrt(variance)

    def p(x: float) -> float:
        return sum(
            w
            * math.exp(-((x - c.mean) ** 2) / (2 * c.variance))
            / math.sqrt(2 * math.pi * c.variance)
            for w, c in zip(target.weights, target.components, strict=True)
        )

    def integrand(x: float) -> float:
        log_q = -((x - mean) ** 2) / (2 * variance) - 0.5 * math.log(2 * math.pi * variance)
        return math.exp(log_q) * (log_q - math.log(max(p(x), 1e-300)))

    value, _ = integrate.quad(integrand, mean - 12 * sd, mean + 12 * sd, limit=200)
    return value


def local_minimum(target: Mixture, start: tuple[float, float]) -> tuple[float, float, float]:
    """A local minimum of KL(q‖p) over (mean, log variance), found by scipy."""
    result = optimize.minimize(
        lambda u: reverse_kl_reference(target, u[0], math.exp(u[1])),
        [start[0], math.log(start[1])],
        method="Nelder-Mead",
        options={"xatol": 1e-6, "fatol": 1e-10, "maxiter": 2000},
    )
    return float(result.x[0]), math.exp(float(result.x[1])), float(result.fun)


# --- the low points of a two-peak fit ------------------------------------------------


def solve_json(level: str, seed: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "klgame", "solve", level, "--seed", str(seed), "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


def test_solve_json_lists_one_low_point_per_far_peak_under_reverse_kl():
    report = solve_json("two-peaks-reverse", FAR_SEED)
    optima = report["models"][0]["optima"]
    assert len(optima) == 2
    assert optima[0]["divergence"] < optima[1]["divergence"]
    assert optima[0]["values"] == pytest.approx(report["best"]["values"])
    target = CATALOG.get("two-peaks-reverse").target.draw(FAR_SEED)
    assert isinstance(target, Mixture)
    (w1, w2), parts = target.weights, target.components
    heavy, light = (parts[0], parts[1]) if w1 > w2 else (parts[1], parts[0])
    for optimum, peak in zip(optima, (heavy, light), strict=True):
        mean, variance = optimum["values"]["mean"], optimum["values"]["variance"]
        assert mean == pytest.approx(peak.mean, abs=0.05)
        # the same low point, found independently from the peak itself
        ref_mean, ref_variance, ref_value = local_minimum(target, (peak.mean, peak.variance))
        assert mean == pytest.approx(ref_mean, abs=1e-3)
        assert variance == pytest.approx(ref_variance, rel=1e-3)
        assert optimum["divergence"] == pytest.approx(ref_value, abs=1e-6)


def test_solve_json_lists_one_low_point_under_forward_kl():
    report = solve_json("two-peaks-forward", FAR_SEED)
    (optimum,) = report["models"][0]["optima"]
    target = CATALOG.get("two-peaks-forward").target.draw(FAR_SEED)
    # moment matching, from the mixture's formulas
    weights = np.array(target.weights)
    means = np.array([c.mean for c in target.components])
    variances = np.array([c.variance for c in target.components])
    mean = float(weights @ means)
    variance = float(weights @ (variances + means**2)) - mean**2
    assert optimum["values"]["mean"] == pytest.approx(mean, abs=1e-9)
    assert optimum["values"]["variance"] == pytest.approx(variance, abs=1e-9)
    assert report["target_from"] == "two-peaks-reverse"


# --- a replay that ends on the lighter peak ----------------------------------------------


def lighter_peak_replay(tmp_path: Path) -> Path:
    """From the start (mean 0, variance 1) onto the left, lighter peak of seed 3
    (mean -2.39, variance 0.59): shift+← twice, ← four times, then the variance."""
    level = CATALOG.get("two-peaks-reverse")
    actions: list[A.Action] = []
    t = 0.0

    def press(action: A.Action) -> None:
        nonlocal t
        t += 0.5
        actions.append(action.at(t))

    for _ in range(2):
        press(A.Nudge(sign=-1, size="big"))
    for _ in range(4):
        press(A.Nudge(sign=-1, size="step"))
    press(A.Select(delta=1))
    for _ in range(4):
        press(A.Nudge(sign=-1, size="step"))
    press(A.Reveal())
    path = tmp_path / "lighter.jsonl"
    write_replay(path, Header(level.id, level.content_hash, FAR_SEED), actions)
    return path


def test_the_reveal_says_a_replay_ended_on_the_lighter_peak(tmp_path: Path):
    level = CATALOG.get("two-peaks-reverse")
    state, score, revealed = run_replay(read_replay(lighter_peak_replay(tmp_path)), level)
    assert revealed and state.current_values == pytest.approx({"mean": -2.4, "variance": 0.6})
    found = outcome(state)
    assert found.facts["optimum"] == "local"
    assert found.facts["found"] == "lighter-peak" and found.facts["fit"] == "heavier-peak"
    target = state.target
    assert isinstance(target, Mixture)
    light_mean = min(c.mean for c in target.components)
    _, _, low = local_minimum(target, (light_mean, 0.6))
    (heavy,) = [c for w, c in zip(target.weights, target.components, strict=True) if w > 0.5]
    _, _, lowest = local_minimum(target, (heavy.mean, heavy.variance))
    from klgame.ui.lesson_views import reveal_text as shown_text

    text = " ".join(shown_text(state, found).split())
    assert (
        f"You found a low point ({low:.4f} nats) on the lighter peak; "
        f"the lowest is {lowest:.4f} nats, on the other one." in text
    )
    assert score.best == pytest.approx(lowest, abs=1e-6)
    # the attempt near the heavier peak is told something else
    near = new_game(level, FAR_SEED)
    for _ in range(3):  # mean 0 → 3: downhill from there runs to the heavier peak, at 4.12
        near = apply(near, A.Nudge(sign=1, size="big"))
    near = apply(near, A.Reveal())
    assert outcome(near).facts["optimum"] == "global"
    assert "lighter peak" not in reveal_text(level.texts, outcome(near).facts, {})


# --- the sum behind a discrete number ----------------------------------------------------


def hand_terms(p: list[float], q: list[float]) -> list[float]:
    """p·ln(p/q) by the documented conventions: 0 where p = 0, ∞ where q = 0 < p."""
    out = []
    for a, b in zip(p, q, strict=True):
        if a == 0:
            out.append(0.0)
        elif b == 0:
            out.append(math.inf)
        else:
            out.append(float(mpmath.mpf(a) * mpmath.log(mpmath.mpf(a) / mpmath.mpf(b))))
    return out


@pytest.mark.parametrize(
    "level_id", ["dog-or-panda", "space-worms", "three-states", "never-say-never"]
)
def test_the_terms_sum_to_the_shown_divergences(level_id: str):
    level = CATALOG.get(level_id)
    rng = np.random.default_rng(5)
    for model in level.models:
        for trial in range(4):
            values = model.start_values()
            if trial and model.free_params():
                for spec in model.free_params():
                    values[spec.name] = float(rng.uniform(spec.min, spec.max))
                values = model.family.project(values)
            guess = model.build(values)
            target = level.target.draw(0)
            rows = discrete_terms(target, guess)
            p, q = [r.p for r in rows], [r.q for r in rows]
            assert [r.forward for r in rows] == pytest.approx(hand_terms(p, q), rel=1e-12)
            assert [r.reverse for r in rows] == pytest.approx(hand_terms(q, p), rel=1e-12)
            for column, shown in (("forward", kl(target, guess)), ("reverse", kl(guess, target))):
                total = math.fsum(getattr(r, column) for r in rows)
                if math.isinf(shown):
                    assert math.isinf(total)
                else:
                    assert total == pytest.approx(shown, rel=1e-9, abs=1e-12)


def test_the_lecture_numbers_term_by_term():
    """binomial(2, 0.4) = (0.36, 0.48, 0.16) against the uniform: 0.0853 and 0.0975 nats."""
    level = CATALOG.get("three-states")
    state = new_game(level, 0)
    rows = discrete_terms(state.target, state.guess)
    assert [r.p for r in rows] == pytest.approx([0.36, 0.48, 0.16])
    third = 1 / 3
    assert [r.forward for r in rows] == pytest.approx(
        [
            0.36 * math.log(0.36 / third),
            0.48 * math.log(0.48 / third),
            0.16 * math.log(0.16 / third),
        ]
    )
    assert math.fsum(r.forward for r in rows) == pytest.approx(0.0853, abs=5e-5)
    assert math.fsum(r.reverse for r in rows) == pytest.approx(0.0975, abs=5e-5)


def test_the_table_shows_the_terms_and_marks_infinity():
    from klgame.ui.lesson_views import discrete_table

    level = CATALOG.get("dog-or-panda")
    text = discrete_table(new_game(level, 0)).plain
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line.strip()}
    # P = (1, 0), Q = (0.3, 0.7), in bits: log2(1/0.3) = 1.737; 0.3·log2(0.3) = -0.5211
    assert rows["dog"] == ["1.000", "0.300", "1.7370", "-0.5211"]
    assert rows["panda"] == ["0.000", "0.700", "0.0000", "∞"]
    assert rows["total"] == ["1.7370", "∞"]
    assert all(len(line) <= 34 for line in text.splitlines())


def test_eleven_outcomes_are_all_shown():
    from klgame.ui.lesson_views import discrete_table

    state = new_game(CATALOG.get("space-worms"), 0)
    lines = [line for line in discrete_table(state).plain.splitlines() if line.strip()]
    outcome_rows = [line for line in lines if line.split()[0] in {str(v) for v in range(11)}]
    assert len(outcome_rows) == 11
    assert not [line for line in lines if line.startswith("+")]
    assert all(len(line) <= 34 for line in lines)


def test_many_outcomes_are_summed_up_in_one_row(monkeypatch: pytest.MonkeyPatch):
    from klgame.ui import lesson_views

    monkeypatch.setattr(lesson_views, "MAX_ROWS", 8)  # more outcomes than a table shows
    level = CATALOG.get("space-worms")
    state = new_game(level, 0)
    lines = [line for line in lesson_views.discrete_table(state).plain.splitlines() if line.strip()]
    outcome_rows = [line for line in lines if line.split()[0] in {str(v) for v in range(11)}]
    assert len(outcome_rows) == 8 - 1
    (rest,) = [line for line in lines if line.startswith("+4")]
    shown = {line.split()[0] for line in outcome_rows}
    others = [r for r in discrete_terms(state.target, state.guess) if r.label not in shown]
    assert float(rest.split()[1]) == pytest.approx(math.fsum(r.forward for r in others), abs=1e-4)
    assert all(len(line) <= 34 for line in lines)


# --- forward KL is infinite: never say never ---------------------------------------------


def test_never_say_never_starts_infinite_both_ways_for_two_reasons():
    level = CATALOG.get("never-say-never")
    state = new_game(level, 0)
    assert state.target.support == ("rain", "snow", "cloud", "sun")
    assert [r.q for r in discrete_terms(state.target, state.guess)] == pytest.approx(
        [0.0, 0.1, 0.3, 0.6]
    )
    rows = {r.label: r for r in discrete_terms(state.target, state.guess)}
    assert math.isinf(rows["rain"].forward) and rows["rain"].reverse == 0.0  # q = 0 < p
    assert math.isinf(rows["snow"].reverse) and rows["snow"].forward == 0.0  # p = 0 < q
    divs = state.divergences()
    assert math.isinf(divs["forward"]) and math.isinf(divs["reverse"])
    # the hint points at the outcome whose term is infinite
    name, sign, message = hint_for(state)
    assert (name, sign) == ("rain", 1) and "Q(rain) is 0" in message
    state = apply(state, A.Nudge(sign=1, size="big"))  # Q(rain) 0.1: forward comes back
    divs = state.divergences()
    assert divs["forward"] == pytest.approx(0.6 * math.log(0.6 / 0.5))  # by hand
    assert math.isinf(divs["reverse"])  # still snow where it never snows
    state = apply(apply(state, A.Select(delta=1)), A.Nudge(sign=-1, size="big"))  # snow to 0
    assert state.divergences() == pytest.approx({"forward": 0.0, "reverse": 0.0})


def test_never_say_never_golden_replay_checked_by_hand():
    level = CATALOG.get("never-say-never")
    replay = read_replay(REPLAYS / "never-say-never.jsonl")
    expected = json.loads((REPLAYS / "never-say-never.expected.json").read_text())
    assert result_json(play_through(replay.header, replay.actions, level)) == expected
    # the forecast ends on the truth, so both sums are 0 term by term
    q = [expected["guess"]["rain"], expected["guess"]["snow"], expected["guess"]["cloud"]]
    q.append(1 - sum(q))
    assert q == pytest.approx([0.1, 0.0, 0.3, 0.6])
    assert expected["divergence"] == pytest.approx(math.fsum(hand_terms([0.1, 0, 0.3, 0.6], q)))
    assert expected["best"] == 0.0 and expected["stars"] == 3
    # docs/scoring.md: 1000·exp(-excess/s2) + max(0, 200 - 2·moves) - 100·hints
    assert expected["points"] == round(1000 * math.exp(0.0)) + (200 - 2 * expected["moves"]) - 100
    assert expected["points"] == points_for(0.0, level.stars[1], expected["moves"], 1)
    # on the way, the first nudges of Q(rain) made the forward divergence finite
    first = apply(apply(new_game(level, replay.header.seed), replay.actions[0]), replay.actions[1])
    assert math.isinf(new_game(level, 0).scoring_divergence())
    assert first.scoring_divergence() == pytest.approx(
        math.fsum(hand_terms([0.1, 0, 0.3, 0.6], [0.01, 0.1, 0.3, 0.59]))
    )


def test_never_say_never_solve_output():
    report = solve_json("never-say-never", 0)
    (model,) = report["models"]
    assert model["start"]["divergence"] is None  # ∞: JSON has no infinity
    assert model["values"] == pytest.approx({"rain": 0.1, "snow": 0.0, "cloud": 0.3})
    assert model["forward"] == pytest.approx(0.0, abs=1e-12)
    assert model["reverse"] == pytest.approx(0.0, abs=1e-12)
    text = subprocess.run(
        [sys.executable, "-m", "klgame", "solve", "never-say-never"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "at the start: forward = ∞ nats" in text


@pytest.mark.parametrize("name", ["two-peaks-reverse", "two-peaks-forward"])
def test_two_peak_golden_results_checked_by_quadrature(name: str):
    """The golden files of the two-peak levels against scipy: D at the final
    guess, and D* no higher than an independent local search finds."""
    expected = json.loads((REPLAYS / f"{name}.expected.json").read_text())
    level = CATALOG.get(name)
    target = level.target.draw(expected["seed"])
    assert isinstance(target, Mixture)
    mean, variance = expected["guess"]["mean"], expected["guess"]["variance"]
    if level.direction == "reverse":
        assert expected["divergence"] == pytest.approx(
            reverse_kl_reference(target, mean, variance), rel=1e-7
        )
        refs = [local_minimum(target, (c.mean, c.variance))[2] for c in target.components]
        assert expected["best"] == pytest.approx(min(refs), abs=1e-6)
    else:
        # forward: the moment-matching Gaussian, and its divergence by quadrature
        def forward_kl(m: float, v: float) -> float:
            def integrand(x: float) -> float:
                px = float(np.asarray(target.density(np.array([x])))[0])
                log_q = -((x - m) ** 2) / (2 * v) - 0.5 * math.log(2 * math.pi * v)
                return px * (math.log(px) - log_q) if px > 0 else 0.0

            return integrate.quad(
                integrand, -30, 30, limit=400, points=[c.mean for c in target.components]
            )[0]

        assert expected["divergence"] == pytest.approx(forward_kl(mean, variance), rel=1e-7)
        assert expected["best"] == pytest.approx(forward_kl(target.mean, target.variance), rel=1e-7)


def test_solve_json_scores_both_answers_both_ways_on_the_shared_target():
    report = solve_json("two-peaks-forward", FAR_SEED)
    mine, theirs = report["answers"]
    assert (mine["level"], theirs["level"]) == ("two-peaks-forward", "two-peaks-reverse")
    target = CATALOG.get("two-peaks-forward").target.draw(FAR_SEED)
    assert isinstance(target, Mixture)
    # each answer is the best in its own direction, and worse in the other
    assert mine["forward"] < theirs["forward"] and theirs["reverse"] < mine["reverse"]
    # the reverse answer, and its reverse divergence, found independently by scipy
    heavy = max(zip(target.weights, target.components, strict=True))[1]
    ref_mean, _, ref_value = local_minimum(target, (heavy.mean, heavy.variance))
    assert theirs["values"]["mean"] == pytest.approx(ref_mean, abs=1e-3)
    assert theirs["reverse"] == pytest.approx(ref_value, abs=1e-6)
    # the forward answer scored the other way round, by quadrature
    values = mine["values"]
    assert mine["reverse"] == pytest.approx(
        reverse_kl_reference(target, values["mean"], values["variance"]), rel=1e-7
    )


def test_the_autopilot_from_infinity_takes_the_hint_s_step():
    # at Q(rain) = 0 the forward KL is ∞ and has no slope: the autopilot moves
    # the knob at fault one step up, as the hint says, and then goes downhill
    level = CATALOG.get("never-say-never")
    state = apply(new_game(level, 5), A.Reveal())
    assert math.isinf(state.scoring_divergence())
    moved = apply(state, A.Autopilot())
    assert moved.current_values["rain"] == pytest.approx(0.01)  # one step of 0.01
    assert moved.message == "Autopilot: one step downhill."
    assert math.isfinite(moved.scoring_divergence())
    for _ in range(40):
        moved = apply(moved, A.Autopilot())
    assert moved.scoring_divergence() < 0.01
