"""The pure rules: every action, applied through apply()."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from levelkit import TWO_PEAKS, gaussian_model, make_level

from klgame.core import actions as A
from klgame.core.rules import apply, apply_all, hint_for, new_game
from klgame.engine import Gaussian, divergence
from klgame.levels.loader import load_catalog


def values(state):
    return state.current_values


def test_new_game_starts_every_parameter_at_its_start(two_peaks_reverse):
    state = new_game(two_peaks_reverse, seed=3)
    assert values(state) == {"mean": 0.0, "variance": 5.0}
    assert state.selected_param.name == "mean"
    assert not state.revealed and state.moves == 0 and state.hints == 0


def test_nudge_sizes_move_the_selected_parameter(two_peaks_reverse):
    state = new_game(two_peaks_reverse, seed=1)
    state = apply(state, A.Nudge(sign=1, size="step"))
    assert values(state)["mean"] == pytest.approx(0.1)
    state = apply(state, A.Nudge(sign=1, size="big"))
    assert values(state)["mean"] == pytest.approx(1.1)
    state = apply(state, A.Nudge(sign=-1, size="fine"))
    assert values(state)["mean"] == pytest.approx(1.09)
    assert state.moves == 3


def test_nudges_clamp_to_bounds_and_say_so(two_peaks_reverse):
    state = new_game(two_peaks_reverse, seed=1)
    state = apply_all(state, [A.Nudge(sign=1, size="big")] * 15)
    assert values(state)["mean"] == 10.0
    assert "maximum" in state.message
    moves = state.moves
    state = apply(state, A.Nudge(sign=1))
    assert state.moves == moves  # nothing changed, so no move counted


def test_select_cycles_through_free_parameters(two_peaks_reverse):
    state = new_game(two_peaks_reverse, seed=1)
    assert apply(state, A.Select(delta=1)).selected_param.name == "variance"
    assert apply(state, A.Select(delta=-1)).selected_param.name == "variance"
    state = apply(apply(state, A.Select(delta=1)), A.Nudge(sign=-1, size="big"))
    assert values(state)["variance"] == pytest.approx(4.0)


def test_fixed_parameters_cannot_be_selected():
    model = gaussian_model()
    fixed_variance = model.params[1].__class__(
        "variance", "Variance", 1.0, 1.0, 1.0, 0.1, 1.0, fixed=True
    )
    level = make_level(
        Gaussian(0, 1),
        models=(
            model.__class__(
                id="g",
                title="Gaussian",
                family=model.family,
                params=(model.params[0], fixed_variance),
            ),
        ),
    )
    state = new_game(level, seed=0)
    assert [spec.name for spec in state.free_params] == ["mean"]
    assert apply(state, A.Select()).selected_param.name == "mean"


def test_undo_and_redo_walk_the_history(two_peaks_reverse):
    state = new_game(two_peaks_reverse, seed=1)
    state = apply_all(state, [A.Nudge(sign=1), A.Nudge(sign=1), A.Nudge(sign=1)])
    assert values(state)["mean"] == pytest.approx(0.3)
    state = apply_all(state, [A.Undo(), A.Undo()])
    assert values(state)["mean"] == pytest.approx(0.1)
    state = apply(state, A.Redo())
    assert values(state)["mean"] == pytest.approx(0.2)
    # A new change forgets what could be redone.
    state = apply(state, A.Nudge(sign=-1, size="big"))
    assert not state.can_redo
    assert "Nothing to redo" in apply(state, A.Redo()).message
    emptied = apply_all(state, [A.Undo()] * 10)
    assert values(emptied)["mean"] == 0.0
    assert "Nothing to undo" in emptied.message


def test_toggle_units_changes_display_only(two_peaks_reverse):
    state = new_game(two_peaks_reverse, seed=1)
    bits = apply(state, A.ToggleUnits())
    assert bits.units == "bits"
    nats = state.scoring_divergence()
    assert bits.in_units(nats) == pytest.approx(nats / math.log(2))
    assert apply(bits, A.ToggleUnits()).units == "nats"


def test_reveal_scores_against_the_global_optimum(two_peaks_reverse):
    state = new_game(two_peaks_reverse, seed=1)
    state = apply(state, A.Reveal(t=12.5))
    assert state.revealed
    assert state.solution.divergence == pytest.approx(0.50739, abs=1e-5)
    assert state.solution.values["mean"] == pytest.approx(2.988, abs=1e-3)
    d = divergence(TWO_PEAKS, Gaussian(0.0, 5.0), "reverse")
    assert state.score.divergence == pytest.approx(d)
    assert state.score.excess == pytest.approx(d - 0.50739, abs=1e-5)
    assert state.score.seconds == 12.5
    # Free play after reveal does not change the score.
    later = apply(state, A.Nudge(sign=1, size="big"))
    assert later.score == state.score


def test_restart_draws_from_the_next_seed_and_resets():
    class SeededTarget:
        kind, is_random = "random", True

        def draw(self, seed):
            return Gaussian(float(seed), 1.0)

    level = make_level(Gaussian(0, 1))
    level = replace(level, target=SeededTarget())
    state = apply_all(new_game(level, seed=4), [A.Nudge(), A.Reveal()])
    fresh = apply(state, A.Restart())
    assert fresh.seed == 5 and fresh.target == Gaussian(5.0, 1.0)
    assert not fresh.revealed and fresh.moves == 0 and fresh.attempt == 2
    assert not fresh.can_undo


def test_hint_points_downhill_and_costs(two_peaks_reverse):
    state = new_game(two_peaks_reverse, seed=1)
    name, sign, message = hint_for(state)
    assert name in ("mean", "variance") and sign in (1, -1)
    hinted = apply(state, A.Hint())
    assert hinted.hints == 1 and hinted.selected_param.name == name
    assert message in hinted.message
    moved = apply(hinted, A.Nudge(sign=sign))
    assert moved.scoring_divergence() < state.scoring_divergence()


def test_asking_again_for_the_advice_on_show_costs_nothing(two_peaks_reverse):
    state = apply(new_game(two_peaks_reverse, seed=1), A.Hint())
    again = apply_all(state, [A.Hint()] * 5)
    assert again.hints == 1 and again.message == state.message
    # after a move the next hint is new advice, and costs again
    _, sign, _ = hint_for(state)
    moved = apply(state, A.Nudge(sign=sign))
    assert apply(moved, A.Hint()).hints == 2


def test_a_hint_says_fine_steps_when_a_whole_step_overshoots():
    worms = load_catalog([]).get("space-worms")
    state = apply(new_game(worms, seed=1), A.SwitchModel())  # the binomial, p = 0.5
    for _ in range(4):
        state = apply(state, A.Nudge())
    assert state.current_values["p"] == pytest.approx(0.54)  # the best p is 0.544
    name, sign, message = hint_for(state)
    assert (name, sign) == ("p", 1)
    assert message == "Hint: move θ up in fine steps (])."
    assert apply(state, A.Nudge()).scoring_divergence() > state.scoring_divergence()
    finer = apply(state, A.Nudge(size="fine"))
    assert finer.scoring_divergence() < state.scoring_divergence()
    for _ in range(3):
        finer = apply(finer, A.Nudge(size="fine"))
    assert finer.current_values["p"] == pytest.approx(0.544)
    assert hint_for(finer)[0] is None  # no step of any size helps now
    assert "low point" in hint_for(finer)[2]


def test_the_integrand_before_the_reveal_is_paid_for_like_hints(two_peaks_reverse):
    state = new_game(two_peaks_reverse, seed=1)
    shown = apply(state, A.ToggleIntegrand())
    assert shown.integrand and shown.hints == 1 and "hint" in shown.message
    assert shown.moves == 0  # looking is not a move
    moved = apply_all(shown, [A.Nudge(), A.Nudge(sign=-1), A.Select(), A.Undo()])
    assert (moved.moves, moved.hints) == (3, 4)  # each move with it on is one more
    hidden = apply(moved, A.ToggleIntegrand())
    assert not hidden.integrand
    assert apply(hidden, A.Nudge()).hints == 4  # hidden again: moves are free
    scored = apply(apply(moved, A.Reveal()), A.ToggleIntegrand())
    assert scored.score is not None and scored.score.hints == 4


def test_the_integrand_after_the_reveal_is_free_and_a_new_attempt_hides_it(
    two_peaks_reverse,
):
    state = apply_all(new_game(two_peaks_reverse, seed=1), [A.Reveal(), A.ToggleIntegrand()])
    assert state.integrand and state.hints == 0
    assert apply(state, A.Nudge()).hints == 0  # free play
    fresh = apply(state, A.Restart())
    assert not fresh.integrand and fresh.hints == 0


def test_autopilot_waits_for_reveal(two_peaks_reverse):
    state = new_game(two_peaks_reverse, seed=1)
    after = apply(state, A.Autopilot())
    assert after.current_values == state.current_values
    assert "reveal" in after.message


@pytest.mark.parametrize(
    ("start_mean", "peak"),
    [(1.5, 3.0), (-1.5, -3.0)],
)
def test_autopilot_descends_to_the_nearest_peak(two_peaks_reverse, start_mean, peak):
    """Reverse KL is mode-seeking: the optimiser ends on whichever peak the
    player's own guess was closer to -- the local optima of the source text."""
    state = new_game(two_peaks_reverse, seed=1)
    steps = round(abs(start_mean) / 1.0)
    sign = 1 if start_mean > 0 else -1
    state = apply_all(state, [A.Nudge(sign=sign, size="big")] * steps)
    state = apply_all(state, [A.Nudge(sign=sign, size="step")] * 5)
    state = apply(state, A.Select())
    state = apply_all(state, [A.Nudge(sign=-1, size="big")] * 3)  # variance 2
    state = apply(state, A.Reveal())
    previous = state.scoring_divergence()
    for _ in range(60):
        state = apply(state, A.Autopilot())
        now = state.scoring_divergence()
        assert now <= previous + 1e-12
        previous = now
    assert state.current_values["mean"] == pytest.approx(peak, abs=0.1)


def test_replaying_the_same_actions_gives_the_same_state(two_peaks_reverse):
    moves = [
        A.Nudge(sign=1, size="big"),
        A.Select(),
        A.Nudge(sign=-1),
        A.Hint(),
        A.Undo(),
        A.Redo(),
        A.ToggleUnits(),
        A.Reveal(),
        A.Autopilot(),
        A.Restart(),
        A.Nudge(),
    ]
    first = apply_all(new_game(two_peaks_reverse, seed=9), moves)
    second = apply_all(new_game(two_peaks_reverse, seed=9), moves)
    assert first.current_values == second.current_values
    assert (first.seed, first.moves, first.hints, first.units) == (
        second.seed,
        second.moves,
        second.hints,
        second.units,
    )


def test_a_hint_far_from_the_target_says_big_steps():
    # q = N(m, 1) against p = N(5, 1): reverse KL = (m − 5)²/2, by hand. At m = 0:
    # 12.5; a step (m = 0.1) 12.005; a big step (m = 1) 8 nats: big steps first
    level = make_level(Gaussian(5, 1), models=(gaussian_model(variance=1.0),))
    state = new_game(level, seed=1)
    assert state.scoring_divergence() == pytest.approx(12.5)
    name, sign, message = hint_for(state)
    assert (name, sign) == ("mean", 1)
    assert message == "Hint: move Mean up in big steps (⇧→)."
    assert apply(state, A.Nudge(size="big")).scoring_divergence() == pytest.approx(8.0)
    # at m = 4.9 (0.005) a big step overshoots to 5.9 (0.405); a step reaches 0
    near = apply_all(state, [A.Nudge(size="big")] * 4 + [A.Nudge()] * 9)
    assert near.current_values["mean"] == pytest.approx(4.9)
    assert near.scoring_divergence() == pytest.approx(0.005)
    assert hint_for(near)[2] == "Hint: move Mean up (→)."


def test_steps_from_a_start_off_the_grid_land_on_round_values():
    """Three states starts at one third each; the steps are 0.01 and 0.1.
    The first press lands on the step grid (0.34, not 0.3433), and every
    later one moves a whole step along it."""
    level = load_catalog([]).get("three-states")
    state = new_game(level, seed=1)
    assert values(state)["0"] == pytest.approx(1 / 3, abs=1e-12)
    up = apply(state, A.Nudge(sign=1, size="step"))
    assert values(up)["0"] == 0.34
    # on the grid, a fine step then a step keep the fine offset
    tuned = apply(up, A.Nudge(sign=1, size="fine"))
    assert values(apply(tuned, A.Nudge(sign=1, size="step")))["0"] == 0.351
    assert values(apply(up, A.Nudge(sign=1, size="step")))["0"] == 0.35
    assert values(apply(state, A.Nudge(sign=-1, size="step")))["0"] == 0.32
    assert values(apply(state, A.Nudge(sign=1, size="big")))["0"] == 0.43
    assert values(apply(state, A.Nudge(sign=1, size="step", times=5)))["0"] == 0.38
    # fine steps keep to the grid of a tenth of a step
    assert values(apply(state, A.Nudge(sign=1, size="fine")))["0"] == 0.334
    assert values(apply(up, A.Nudge(sign=-1, size="fine")))["0"] == 0.339


@pytest.mark.parametrize("start", [0.0, 1 / 3, 0.04999, 0.05, 0.05001, -2.71828])
@pytest.mark.parametrize("sign", [1, -1])
def test_a_step_from_off_the_grid_lands_on_it_and_on_the_grid_moves_one_step(start, sign):
    level = make_level(TWO_PEAKS, "reverse")
    state = new_game(level, seed=1)
    table = list(state.values)
    table[state.model_index] = (start, 5.0)
    state = replace(state, values=tuple(table))
    moved = values(apply(state, A.Nudge(sign=sign, size="step")))["mean"]
    if start * 100 == pytest.approx(round(start * 100), abs=1e-9):  # on the fine grid
        assert moved == pytest.approx(start + 0.1 * sign, abs=1e-12)
    else:
        assert 0.05 - 1e-12 <= (moved - start) * sign <= 0.15 + 1e-12
        assert moved * 10 == pytest.approx(round(moved * 10), abs=1e-9)


def test_a_probability_cut_back_to_fit_leaves_the_rest_exactly_zero():
    """Three states: Q(0) to 0.36, then Q(1) up in big steps until the sum
    stops it at 0.64. Q(2) is then 0 exactly, so KL(P‖Q) is ∞ (P(2) = 0.16),
    not the 5.447 nats a leftover 1e-16 would give."""
    level = load_catalog([]).get("three-states")
    state = new_game(level, seed=1)
    moves = [A.Nudge(sign=1)] * 3 + [A.Select()] + [A.Nudge(sign=1, size="big")] * 9
    state = apply_all(state, moves)
    assert values(state) == {"0": 0.36, "1": 0.64}
    assert state.guess.probs[2] == 0.0
    assert state.divergences()["forward"] == math.inf


def test_the_rest_is_never_a_leftover_of_binary_sums():
    """A random walk over three states' knobs: the last outcome's mass is
    never a leftover of binary sums (0 exactly when the others fill it)."""
    import random

    level = load_catalog([]).get("three-states")
    state = new_game(level, seed=1)
    rng = random.Random(5)
    for _ in range(400):
        choice = rng.random()
        if choice < 0.2:
            action: A.Action = A.Select()
        else:
            action = A.Nudge(sign=rng.choice([1, -1]), size=rng.choice(["step", "big", "fine"]))
        state = apply(state, action)
        rest = state.guess.probs[2]
        assert rest == 0.0 or rest >= 1e-10, (values(state), rest)
