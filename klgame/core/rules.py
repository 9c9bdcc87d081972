"""The game's rules: ``state = apply(state, action)``, pure and deterministic.

A :class:`~klgame.core.state.GameState` (re-exported here) holds everything
about one attempt at a level. The terminal UI and headless replays both
drive it only through :func:`apply`; nothing here reads a clock, a file or a
terminal.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from klgame.core import actions as A
from klgame.core.scoring import score_attempt
from klgame.core.state import UNDO_LIMIT, GameState, Snapshot, Stack, Units, new_game
from klgame.engine import Discrete, Distribution, divergence, gradient
from klgame.engine.measures import NAME, has_units
from klgame.engine.registry import log_scaled
from klgame.engine.sampling import monte_carlo, monte_carlo_cousin
from klgame.levels.model import Level
from klgame.levels.solve import Solution, best_fit

__all__ = [
    "UNDO_LIMIT",
    "GameState",
    "Snapshot",
    "Stack",
    "Units",
    "answer_correct",
    "answer_question",
    "apply",
    "apply_all",
    "autopilot_step",
    "estimate_drawn",
    "estimate_seed",
    "hint_for",
    "new_game",
    "solve",
]


def solve(level: Level, target: Distribution) -> Solution:
    """D* and the fit that reaches it (cached per level and target)."""
    return best_fit(level, target)


# --- applying actions -------------------------------------------------------


def apply(state: GameState, action: A.Action) -> GameState:
    """The state after ``action``. Unavailable actions leave it unchanged
    (with a message saying why), so a replay never fails half-way."""
    handler = _HANDLERS[type(action)]
    new = handler(state, action)
    if new.moves > state.moves and new.integrand and not state.revealed:
        # the integrand gives the target away: each move made with it on
        # show before the reveal is a hint
        new = replace(new, hints=new.hints + new.moves - state.moves)
    if new.estimate is not None and (
        new.values is not state.values or new.model_index != state.model_index
    ):
        new = replace(new, estimate=None)  # it was of the guess before this action
    return new if new.clock == action.t else replace(new, clock=max(new.clock, action.t))


def apply_all(state: GameState, actions: Iterable[A.Action]) -> GameState:
    for action in actions:
        state = apply(state, action)
    return state


def _snapshot(state: GameState) -> Snapshot:
    return Snapshot(state.model_index, state.values)


def _pushed(state: GameState) -> dict[str, Any]:
    """The undo fields with ``state`` pushed: past 2 × UNDO_LIMIT entries the
    oldest are dropped down to UNDO_LIMIT (amortised O(1) a push)."""
    stack: Stack = (_snapshot(state), state.undo_stack)
    depth = state.undo_depth + 1
    if depth > 2 * UNDO_LIMIT:
        kept = []
        node = stack
        for _ in range(UNDO_LIMIT):
            assert node is not None
            kept.append(node[0])
            node = node[1]
        stack = None
        for snap in reversed(kept):
            stack = (snap, stack)
        depth = UNDO_LIMIT
    return {"undo_stack": stack, "undo_depth": depth}


def _with_values(state: GameState, values: dict[str, float], message: str = "") -> GameState:
    """Record an undoable change of the current model's values."""
    model = state.model
    row = tuple(values[spec.name] for spec in model.params)
    if row == state.values[state.model_index]:
        return replace(state, message=message)
    table = list(state.values)
    table[state.model_index] = row
    return replace(
        state,
        values=tuple(table),
        moves=state.moves + 1,
        **_pushed(state),
        redo_stack=None,
        message=message,
    )


def _select(state: GameState, action: A.Select) -> GameState:
    count = len(state.free_params)
    if count == 0:
        return replace(state, message="This model has nothing to tune.")
    return replace(state, selected=(state.selected + action.delta) % count, message="")


def _clean(value: float) -> float:
    # Steps like 0.1 drift in binary; keep values on a tidy grid.
    return round(value, 10)


def _projected(state: GameState, values: dict[str, float], changed: str) -> dict[str, float]:
    """``values`` under the family's constraints (probabilities that sum to at
    most 1), on the same tidy grid: a probability cut back to fit, 0.64 less
    the sum's binary excess, would be 0.6399999999999999 and leave the last
    outcome 1e-16 -- a finite KL where the screen shows 0.000 and ∞ is due."""
    projected = state.model.family.project(values, changed)
    return {
        name: _clean(value) if value != values[name] and math.isfinite(value) else value
        for name, value in projected.items()
    }


def _on_grid(value: float, move: float, grid: float, fine: float) -> float:
    """``value`` moved by ``move``. A value off the grid of fine steps (a start
    of one third, say) lands on a multiple of ``grid`` (the knob's step, or
    the fine step for a fine nudge), so it reaches round values at the first
    press instead of drifting beside them (0.3433, 0.3533, ...); a value on
    that grid moves by exactly ``move``, keeping the player's fine tuning."""
    moved = value + move
    ratio = value / fine
    if not math.isfinite(moved / grid) or abs(ratio - round(ratio)) < 1e-6:
        return _clean(moved)
    return _clean(round(moved / grid) * grid)


def _nudge(state: GameState, action: A.Nudge) -> GameState:
    spec = state.selected_param
    if spec is None:
        return replace(state, message="This model has nothing to tune: press m to switch model.")
    size = {"step": spec.step, "big": spec.big_step, "fine": spec.step / 10.0}[action.size]
    values = state.current_values
    fine = spec.step / 10.0
    grid = fine if action.size == "fine" else spec.step
    wanted = _on_grid(values[spec.name], action.sign * size * action.times, grid, fine)
    clamped = min(max(wanted, spec.min), spec.max)
    values[spec.name] = clamped
    values = _projected(state, values, spec.name)
    message = ""
    if values[spec.name] != wanted:
        edge = "maximum" if action.sign > 0 else "minimum"
        message = f"{spec.label} is at its {edge}."
    return _with_values(state, values, message)


def _set(state: GameState, action: A.Set) -> GameState:
    free = state.free_params
    index = next((i for i, spec in enumerate(free) if spec.name == action.param), None)
    if index is None:
        return replace(state, message=f"{state.model.title} has no knob {action.param!r}.")
    spec = free[index]
    selected = replace(state, selected=index)
    values = state.current_values
    values[spec.name] = min(max(_clean(action.value), spec.min), spec.max)
    values = _projected(state, values, spec.name)
    if not action.continues:
        return _with_values(selected, values)
    # a later value of the same drag: the drag's first value made the move
    table = list(state.values)
    table[state.model_index] = tuple(values[p.name] for p in state.model.params)
    return replace(selected, values=tuple(table), redo_stack=None, message="")


def _switch_model(state: GameState, action: A.SwitchModel) -> GameState:
    count = len(state.level.models)
    if count < 2:
        return replace(state, message="This level has one model.")
    index = (state.model_index + action.delta) % count
    return replace(
        state,
        model_index=index,
        selected=0,
        moves=state.moves + 1,
        **_pushed(state),
        redo_stack=None,
        message=f"Model: {state.level.models[index].title}",
    )


def _reveal(state: GameState, action: A.Reveal) -> GameState:
    if state.revealed:
        return replace(state, message="Already revealed: press n for a new target.")
    solution = state.solution or solve(state.level, state.target)
    score = score_attempt(
        level=state.level,
        divergence=state.scoring_divergence(),
        best=solution.divergence,
        moves=state.moves,
        hints=state.hints,
        seconds=action.t,
    )
    return replace(state, revealed=True, solution=solution, score=score, message="")


def answer_question(state: GameState, action: A.Answer) -> GameState:
    """Note the answer to the level's question; only before the reveal, and
    only one of its choices (it may be changed until the reveal)."""
    question = state.level.question
    if question is None:
        return replace(state, message="This level asks no question.")
    if state.revealed:
        return replace(state, message="Answers are given before the reveal.")
    if action.choice not in question.keys:
        return replace(state, message=f"No answer {action.choice!r}: {', '.join(question.keys)}.")
    return replace(state, answer=action.choice, message=f"Your prediction: {action.choice}.")


def answer_correct(state: GameState) -> bool | None:
    """Whether the question was answered right; ``None`` if not asked or not answered.
    Scored apart from the fit: the points are the fit's alone."""
    question = state.level.question
    if question is None or state.answer is None:
        return None
    return state.answer == question.answer


def _restart(state: GameState, action: A.Restart) -> GameState:
    fresh = new_game(state.level, state.seed + 1, attempt=state.attempt + 1)
    return replace(fresh, units=state.units, clock=0.0)


def _undo(state: GameState, action: A.Undo) -> GameState:
    if state.undo_stack is None:
        return replace(state, message="Nothing to undo.")
    top, rest = state.undo_stack
    undo = {"undo_stack": rest, "undo_depth": max(0, state.undo_depth - 1)}
    return _restore(state, top, undo, redo_stack=(_snapshot(state), state.redo_stack))


def _redo(state: GameState, action: A.Redo) -> GameState:
    if state.redo_stack is None:
        return replace(state, message="Nothing to redo.")
    top, rest = state.redo_stack
    return _restore(state, top, _pushed(state), redo_stack=rest)


def _restore(
    state: GameState, snap: Snapshot, undo: dict[str, Any], redo_stack: Stack
) -> GameState:
    selected = state.selected if snap.model_index == state.model_index else 0
    return replace(
        state,
        model_index=snap.model_index,
        values=snap.values,
        selected=selected,
        moves=state.moves + 1,
        **undo,
        redo_stack=redo_stack,
        message="",
    )


def _toggle_units(state: GameState, action: A.ToggleUnits) -> GameState:
    units: Units = "nats" if state.units == "bits" else "bits"
    message = f"Showing divergences in {units}."
    if not has_units(state.level.scoring):  # Hellinger, total variation
        message = f"Showing KL in {units}; {NAME[state.level.divergence]} has no units."
    return replace(state, units=units, message=message)


# --- hints and the autopilot -------------------------------------------------


def _slopes(state: GameState) -> dict[str, float]:
    """Expected change of the scoring divergence (nats) per step of each free
    param (the divergence must be finite)."""
    grads = gradient(state.target, state.model.family, state.current_values, state.level.scoring)
    return {spec.name: grads.get(spec.name, 0.0) * spec.step for spec in state.free_params}


def hint_for(state: GameState) -> tuple[str | None, int, str]:
    """(parameter name, direction ±1, message): the most downhill move."""
    free = state.free_params
    if not free:
        others = [m.title for i, m in enumerate(state.level.models) if i != state.model_index]
        tip = f" Try another model ({', '.join(others)}): press m." if others else ""
        return None, 0, f"Nothing to tune in {state.model.title}.{tip}"
    here = state.scoring_divergence()
    if not math.isfinite(here):
        pointed = _infinite_term_hint(state)
        if pointed is not None:
            return pointed
        return (
            None,
            0,
            (
                "The divergence is ∞: your guess gives zero probability where the target has some. "
                "Spread your guess out."
            ),
        )
    slopes = _slopes(state)
    values = state.current_values
    best_name, best_gain, best_sign = None, 0.0, 0
    for spec in free:
        slope = slopes[spec.name]
        sign = -1 if slope > 0 else 1
        at_edge = values[spec.name] <= spec.min if sign < 0 else values[spec.name] >= spec.max
        if not at_edge and abs(slope) > best_gain:
            best_name, best_gain, best_sign = spec.name, abs(slope), sign
    if best_name is None or best_gain < 1e-6:
        return (
            None,
            0,
            "You are at a low point: no single step helps. Reveal, or explore elsewhere.",
        )
    label = next(spec.label for spec in free if spec.name == best_name)
    # the step that goes furthest downhill: far from the target a big step
    # (a hint of single steps would take dozens of presses), near it a step,
    # at the last a fine one
    step = _after_nudge(state, best_name, best_sign, "step")
    big = _after_nudge(state, best_name, best_sign, "big")
    if big is not None and big < here and (step is None or big < step):
        way, key = ("up", "⇧→") if best_sign > 0 else ("down", "⇧←")
        return best_name, best_sign, f"Hint: move {label} {way} in big steps ({key})."
    if step is not None and step < here:
        arrow = "up (→)" if best_sign > 0 else "down (←)"
        return best_name, best_sign, f"Hint: move {label} {arrow}."
    if _step_lowers(state, here, best_name, best_sign, "fine"):
        way, key = ("up", "]") if best_sign > 0 else ("down", "[")
        return best_name, best_sign, f"Hint: move {label} {way} in fine steps ({key})."
    return None, 0, "You are at a low point for these steps: reveal, or explore elsewhere."


def _infinite_term_hint(state: GameState) -> tuple[str, int, str] | None:
    """For a discrete guess whose scored divergence is ∞: the knob of an
    outcome whose term is ∞, and the way that makes it finite. Forward KL(p‖q)
    is ∞ where q = 0 < p (raise q there); reverse KL(q‖p) where p = 0 < q
    (lower q there)."""
    target, guess = state.target, state.guess
    if not isinstance(target, Discrete) or not isinstance(guess, Discrete):
        return None
    forward = state.level.direction == "forward"
    values = state.current_values
    for spec in state.free_params:
        outcome = next((v for v in guess.support if str(v) == spec.name), None)
        if outcome is None:
            continue
        p, q = target.mass(outcome), guess.mass(outcome)
        if forward and p > 0.0 and q <= 0.0 and values[spec.name] < spec.max:
            label = spec.label
            return spec.name, 1, f"Hint: {label} is 0 where the target is not: move it up (→)."
        if not forward and q > 0.0 and p <= 0.0 and values[spec.name] > spec.min:
            label = spec.label
            return spec.name, -1, f"Hint: the target is 0 where {label} is not: move it down (←)."
    return None


def _after_nudge(state: GameState, name: str, sign: int, size: A.NudgeSize) -> float | None:
    """The scoring divergence after one nudge of ``name``; None if it cannot move."""
    chosen = replace(state, selected=[spec.name for spec in state.free_params].index(name))
    moved = _nudge(chosen, A.Nudge(sign=sign, size=size))
    return moved.scoring_divergence() if moved.values != state.values else None


def _step_lowers(state: GameState, here: float, name: str, sign: int, size: A.NudgeSize) -> bool:
    """Whether one nudge of ``name`` lowers the scoring divergence from
    ``here`` (a whole step can overshoot a minimum that the slope points to)."""
    after = _after_nudge(state, name, sign, size)
    return after is not None and after < here


def _hint(state: GameState, action: A.Hint) -> GameState:
    name, _, message = hint_for(state)
    # a hint costs once: asking again for the advice on show costs nothing
    again = message == state.message
    hints = state.hints + (0 if state.revealed or again else 1)
    selected = state.selected
    if name is not None:
        selected = [spec.name for spec in state.free_params].index(name)
    return replace(state, hints=hints, selected=selected, message=message)


def autopilot_step(state: GameState) -> dict[str, float] | None:
    """One gradient step downhill (in mean / log-variance coordinates), with a
    backtracking line search so the divergence always goes down. From ∞ (a
    discrete guess with a zero where it must not have one), one step of the
    knob at fault."""
    free = state.free_params
    if not free:
        return None
    here = state.scoring_divergence()
    if not math.isfinite(here):
        # no slope to follow at ∞: the knob of an infinite term, one step the
        # way that makes it finite (the hint's advice)
        pointed = _infinite_term_hint(state)
        if pointed is None:
            return None
        name, sign, _ = pointed
        chosen = replace(state, selected=[spec.name for spec in free].index(name))
        moved = _nudge(chosen, A.Nudge(sign=sign))
        return moved.current_values if moved.values != state.values else None
    values = state.current_values
    grads = gradient(state.target, state.model.family, values, state.level.scoring)
    family = state.model.family
    logs = {s.name for s in free if log_scaled(family, s.name, s.min)}
    # Direction in working coordinates: d/d(log v) = v · d/dv.
    direction = {
        s.name: -grads.get(s.name, 0.0) * (values[s.name] if s.name in logs else 1.0) for s in free
    }
    norm = math.sqrt(sum(d * d for d in direction.values()))
    if norm < 1e-9:
        return None
    step = min(1.0, 1.0 / norm) * 2.0
    for _ in range(30):
        trial = dict(values)
        for s in free:
            move = step * direction[s.name]
            value = values[s.name] * math.exp(move) if s.name in logs else values[s.name] + move
            trial[s.name] = min(max(_clean(value), s.min), s.max)
        trial = state.model.family.project(trial)
        try:
            there = divergence(state.target, state.model.family.build(trial), state.level.scoring)
        except ValueError:
            there = math.inf
        if there < here - 1e-12:
            return trial
        step /= 2.0
    return None


def _toggle_integrand(state: GameState, action: A.ToggleIntegrand) -> GameState:
    if state.integrand:
        return replace(state, integrand=False, message="")
    if state.revealed:
        return replace(state, integrand=True, message="Showing where the divergence comes from.")
    return replace(
        state,
        integrand=True,
        hints=state.hints + 1,
        message="Where the divergence comes from: a hint, and one per move while shown.",
    )


def _autopilot(state: GameState, action: A.Autopilot) -> GameState:
    if not state.revealed:
        return replace(state, message="The autopilot unlocks after you reveal the target (r).")
    trial = autopilot_step(state)
    if trial is None:
        return replace(state, message="Autopilot: at a low point — no step goes further down.")
    return _with_values(state, trial, "Autopilot: one step downhill.")


def _toggle_cousins(state: GameState, action: A.ToggleCousins) -> GameState:
    return replace(state, cousins=not state.cousins, message="")


def _landscape(state: GameState, action: A.Landscape) -> GameState:
    if not state.free_params:
        return replace(state, message="This guess has no knobs: there is no landscape to see.")
    if state.revealed:
        return replace(state, message="The landscape of the divergence over two knobs.")
    return replace(
        state,
        hints=state.hints + 1,
        message="The landscape shows where the low ground is: it counts as a hint.",
    )


def estimate_seed(state: GameState) -> int:
    """A seed of its own for each estimate: replays draw the same samples."""
    return (state.seed * 1_000 + state.attempt) * 1_000 + state.estimates


def _estimate(state: GameState, action: A.Estimate) -> GameState:
    if action.n == 0:
        return replace(state, estimate=None, message="")
    seed = estimate_seed(state)
    if state.level.divergence != "kl":  # a cousin scores the level: estimate it
        found = monte_carlo_cousin(state.target, state.guess, action.n, seed, state.level.scoring)
        drawn = estimate_drawn(state)
    # Reverse KL(q‖p) averages over samples of the guess q, forward over samples of p.
    elif state.level.direction == "reverse":
        found, drawn = monte_carlo(state.guess, state.target, action.n, seed), "q"
    else:
        found, drawn = monte_carlo(state.target, state.guess, action.n, seed), "p"
    return replace(
        state,
        estimate=found,
        estimates=state.estimates + 1,
        message=f"Estimated from {found.n:,} samples of {drawn}.",
    )


def estimate_drawn(state: GameState) -> str:
    """Whose samples the level's estimate averages over."""
    if state.level.scoring == "jensen-shannon":
        return "p and q, half each"
    if state.level.divergence != "kl":
        return "p"
    return "q" if state.level.direction == "reverse" else "p"


_HANDLERS: dict[type[A.Action], Callable[[GameState, Any], GameState]] = {
    A.Select: _select,
    A.Nudge: _nudge,
    A.Set: _set,
    A.SwitchModel: _switch_model,
    A.Reveal: _reveal,
    A.Restart: _restart,
    A.Undo: _undo,
    A.Redo: _redo,
    A.ToggleUnits: _toggle_units,
    A.Hint: _hint,
    A.ToggleIntegrand: _toggle_integrand,
    A.Autopilot: _autopilot,
    A.Answer: answer_question,
    A.ToggleCousins: _toggle_cousins,
    A.Landscape: _landscape,
    A.Estimate: _estimate,
}
