"""A small bounded minimiser: projected BFGS with a backtracking line search.

The game fits at most a handful of parameters inside a box (and, for a
categorical guess, under "the probabilities sum to at most 1"). scipy's
optimisers would do, but importing ``scipy.optimize`` costs ~40 MB of memory
in every game process -- on a host serving a whole class that is the
difference between fitting in the memory budget or not. This is ~80 lines of
numpy instead, and it is tested against the fits the game needs (see
tests/engine/test_fitting.py).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]
Projection = Callable[[np.ndarray], np.ndarray]


def minimize_box(
    objective: Objective,
    x0: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    project: Projection | None = None,
    max_iter: int = 300,
    tolerance: float = 1e-11,
) -> tuple[np.ndarray, float]:
    """Minimise ``objective`` (value and gradient) over ``lower <= x <= upper``.

    ``project`` maps a point of the box onto the feasible set when there is
    more to it than the box. Returns the best point found and its value.
    """

    def feasible(x: np.ndarray) -> np.ndarray:
        x = np.clip(x, lower, upper)
        return project(x) if project is not None else x

    x = feasible(np.asarray(x0, dtype=float))
    f, g = objective(x)
    n = x.size
    inverse = np.eye(n)  # approximate inverse Hessian
    span = np.maximum(upper - lower, 1e-12)
    for _ in range(max_iter):
        # Variables held at a bound by the gradient stay put this step.
        held = ((x <= lower) & (g > 0)) | ((x >= upper) & (g < 0))
        free_g = np.where(held, 0.0, g)
        # Also relative to f itself: f = 1e10 is known to about 1e-6, and a
        # slope that gains less than 1e-13·|f| across the box is rounding,
        # not a way down (descents chased it for all their steps).
        if np.max(np.abs(free_g) * np.minimum(span, 1.0)) < max(tolerance, 1e-13 * abs(f)):
            break
        step = -inverse @ free_g
        step[held] = 0.0
        if step @ free_g >= 0.0:  # not downhill: start the curvature again
            inverse = np.eye(n)
            step = -free_g
        # Never try to cross more than the whole box in one step.
        largest = np.max(np.abs(step) / span)
        if largest > 1.0:
            step /= largest
        t, accepted = 1.0, False
        for _ in range(60):
            trial = feasible(x + t * step)
            f_trial, g_trial = objective(trial)
            if f_trial <= f + 1e-4 * (g @ (trial - x)):
                accepted = True
                break
            t *= 0.5
        if not accepted:
            break
        s, y = trial - x, g_trial - g
        improvement = f - f_trial
        x, f, g = trial, f_trial, g_trial
        sy = s @ y
        if sy > 1e-16 * max(1.0, float(np.sqrt((s @ s) * (y @ y)))):
            rho = 1.0 / sy
            eye = np.eye(n)
            inverse = (eye - rho * np.outer(s, y)) @ inverse @ (eye - rho * np.outer(y, s))
            inverse += rho * np.outer(s, s)
        if improvement <= tolerance * 1e-3 * max(1.0, abs(f)) and np.max(np.abs(s)) < 1e-12:
            break
    return x, f
