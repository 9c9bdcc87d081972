"""One attempt's state: :class:`GameState`, frozen, and :func:`new_game`.

Everything about an attempt at a level lives here: the target drawn from the
seed, the guess's parameter values (kept per model, so switching back
restores them), the selection, units, reveal, counts and the undo/redo
history. What is derived from a state (the guess, both divergences) is worked
out once per state. :mod:`klgame.core.rules` changes states, by actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from klgame.core.scoring import Score
from klgame.engine import Distribution, divergence
from klgame.engine.fitting import both_directions
from klgame.engine.measures import in_units as measure_in_units
from klgame.engine.sampling import Estimate
from klgame.levels.model import GuessModel, Level, ParamSpec
from klgame.levels.solve import Solution

Units = Literal["nats", "bits"]

# A persistent stack: (top, rest) pairs, so pushing is O(1) and states share
# their history instead of copying it on every nudge.
Stack = tuple[Any, Any] | None

#: Undo reaches back this many changes at least (at most twice as many), so
#: a long game or replay holds a bounded history.
UNDO_LIMIT = 1000


@dataclass(frozen=True)
class Snapshot:
    """The undoable part of a state: which model, and every parameter value."""

    model_index: int
    values: tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class GameState:
    level: Level
    seed: int
    target: Distribution
    model_index: int
    values: tuple[tuple[float, ...], ...]  # per model, per parameter (in spec order)
    selected: int  # index into the current model's free parameters
    units: Units
    revealed: bool = False
    moves: int = 0
    hints: int = 0
    integrand: bool = False  # where the divergence comes from is on show
    cousins: bool = False  # KL beside JS, Hellinger and TV is on show
    estimate: Estimate | None = None  # the last Monte Carlo estimate, of the scoring direction
    estimates: int = 0  # how many were drawn this attempt (each has its own seed)
    attempt: int = 1
    clock: float = 0.0  # seconds since the attempt began, from the last action
    undo_stack: Stack = None
    redo_stack: Stack = None
    undo_depth: int = 0  # entries on undo_stack
    solution: Solution | None = None  # worked out at reveal
    score: Score | None = None  # set at reveal; free play afterwards is not scored
    message: str = ""  # a line of feedback for the player
    answer: str | None = None  # the key answering the level's question, before the reveal

    # --- derived views ----------------------------------------------------

    @property
    def model(self) -> GuessModel:
        return self.level.models[self.model_index]

    @property
    def free_params(self) -> tuple[ParamSpec, ...]:
        return tuple(spec for spec in self.model.params if not spec.fixed)

    @property
    def selected_param(self) -> ParamSpec | None:
        free = self.free_params
        return free[self.selected] if free else None

    @property
    def current_values(self) -> dict[str, float]:
        return {
            spec.name: value
            for spec, value in zip(self.model.params, self.values[self.model_index], strict=True)
        }

    # A state never changes, so what is derived from it is worked out once:
    # the screen, the readout and the plot all ask for the guess on every key.
    @cached_property
    def guess(self) -> Distribution:
        return self.model.family.build(self.current_values)

    @cached_property
    def _both_directions(self) -> tuple[float, float]:
        return both_directions(self.target, self.guess)

    def divergences(self) -> dict[str, float]:
        """Both directions, in nats."""
        forward, reverse = self._both_directions
        return {"forward": forward, "reverse": reverse}

    def scoring_divergence(self) -> float:
        return divergence(self.target, self.guess, self.level.scoring)

    def in_units(self, nats: float) -> float:
        """A value of the scoring divergence in the units on screen (Hellinger
        and total variation have none)."""
        return measure_in_units(nats, self.units, self.level.scoring)

    @property
    def can_undo(self) -> bool:
        return self.undo_stack is not None

    @property
    def can_redo(self) -> bool:
        return self.redo_stack is not None


def new_game(level: Level, seed: int, attempt: int = 1) -> GameState:
    """A fresh attempt: the target drawn from ``seed``, every guess at its start."""
    values = tuple(
        tuple(model.start_values()[spec.name] for spec in model.params) for model in level.models
    )
    return GameState(
        level=level,
        seed=seed,
        target=level.target.draw(seed),
        model_index=0,
        values=values,
        selected=0,
        units=level.units,
        attempt=attempt,
        message=f"Attempt {attempt}: match the hidden target." if attempt > 1 else "",
    )
