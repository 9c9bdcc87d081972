"""A hypothesis strategy for random valid level files, written from docs/levels.md.

Every family and option the format documents: targets (Gaussian, mixture,
categorical by probs or counts, binomial) with fixed numbers and random
ranges up to the limits of "What the game can show"; one to three guess
models (free, bounded, fixed and bare-number parameters, labels, steps,
custom supports, weights); directions, ``show``, units, ``view``, meters,
stars, ``hidden`` and ``order``.

The first guess model of every level can reach a finite divergence (a
Gaussian, or a categorical over the target's support with its default
bounds), so every generated level can be scored; the others are anything
valid, including models that can never score.
"""

from __future__ import annotations

import math
from typing import Any

import yaml
from hypothesis import strategies as st

TITLE = "Random level"
MAX_OUTCOMES = 50


def _nice(value: float) -> float:
    """Six significant digits: what an author writes."""
    return float(f"{value:.6g}")


def log_uniform(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(math.log10(low), math.log10(high)).map(lambda e: _nice(10.0**e))


# The numbers an author writes: mostly ordinary, sometimes at the limits.
means = st.one_of(
    st.floats(-10, 10).map(_nice),
    st.sampled_from([-1e6, 1e6, 0.0, 999999.5]),
    st.floats(-1e6, 1e6).map(_nice),
)
variances = st.one_of(
    st.floats(0.05, 20).map(_nice),
    st.sampled_from([1e-6, 1e9, 0.0004, 0.001, 10000.0]),
    log_uniform(1e-6, 1e9),
)


def maybe_random(
    values: st.SearchStrategy[float], low: float, high: float
) -> st.SearchStrategy[Any]:
    """A number, or ``{random: [a, b]}`` with low <= a < b <= high."""

    def ranged(pair: tuple[float, float]) -> Any:
        a, b = sorted(pair)
        if not a < b:
            return a
        return {"random": [a, b]}

    pairs = st.tuples(values, values).map(
        lambda p: (min(max(p[0], low), high), min(max(p[1], low), high))
    )
    return st.one_of(values, pairs.map(ranged))


@st.composite
def gaussian_target(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "family": "gaussian",
        "mean": draw(maybe_random(means, -1e6, 1e6)),
        "variance": draw(maybe_random(variances, 1e-6, 1e9)),
    }


@st.composite
def mixture_target(draw: st.DrawFn) -> dict[str, Any]:
    k = draw(st.integers(1, 4))
    out: dict[str, Any] = {
        "family": "mixture",
        "means": [draw(maybe_random(means, -1e6, 1e6)) for _ in range(k)],
        "variances": [draw(maybe_random(variances, 1e-6, 1e9)) for _ in range(k)],
    }
    if draw(st.booleans()):
        weights = [draw(maybe_random(st.floats(0, 10).map(_nice), 0, 10)) for _ in range(k)]
        weights[0] = draw(st.floats(0.1, 10).map(_nice))  # not all zero
        out["weights"] = weights
    return out


@st.composite
def support(draw: st.DrawFn, k: int) -> list[Any] | None:
    kind = draw(st.sampled_from(["default", "numbers", "labels"]))
    if kind == "default":
        return None
    if kind == "numbers":
        start = draw(st.integers(-5, 5))
        step = draw(st.sampled_from([1, 2, 0.5]))
        values = [start + step * i for i in range(k)]
        return [int(v) if float(v).is_integer() else v for v in values]
    words = ["dog", "panda", "yes", "no", "on", "red", "blue", "x", "y", "z"]
    return [words[i] if i < len(words) else f"v{i}" for i in range(k)]


@st.composite
def categorical_target(draw: st.DrawFn) -> dict[str, Any]:
    k = draw(st.one_of(st.integers(2, 8), st.integers(9, MAX_OUTCOMES)))
    out: dict[str, Any] = {"family": "categorical"}
    values = draw(support(k))
    if values is not None:
        out["support"] = values
    if draw(st.booleans()):
        masses = [draw(st.sampled_from([0, 0, 1, 2, 3, 5, 8, 13])) for _ in range(k)]
        masses[draw(st.integers(0, k - 1))] = 1
        total = sum(masses)
        probs = [m / total for m in masses]
        probs[-1] = 1.0 - math.fsum(probs[:-1])  # sums to 1 within 1e-15
        out["probs"] = [max(p, 0.0) for p in probs]
    else:
        counts = [
            draw(maybe_random(st.sampled_from([0, 1, 2, 5, 20, 1e6]), 0, 1e6)) for _ in range(k)
        ]
        # not 1e15 beside 1 until the fitter keeps masses of 1e-15 (the test named above)
        counts[draw(st.integers(0, k - 1))] = draw(st.sampled_from([1, 7, 1e9]))
        out["counts"] = counts
    return out


@st.composite
def binomial_target(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "family": "binomial",
        # masses no smaller than 1e-11: the fitter loses smaller ones (see
        # test_a_free_categorical_fits_a_target_with_tiny_masses)
        "n": draw(st.integers(1, 20)),
        "p": draw(
            st.one_of(
                st.sampled_from([0.0, 1.0]), maybe_random(st.floats(0.3, 0.7).map(_nice), 0.3, 0.7)
            )
        ),
    }


@st.composite
def knob(
    draw: st.DrawFn, values: st.SearchStrategy[float], low: float, high: float
) -> dict[str, Any] | float | None:
    """One parameter as the docs allow: left out, a bare number, fixed, or bounded."""
    kind = draw(st.sampled_from(["default", "bare", "fixed", "bounded", "bounded"]))
    if kind == "default":
        return None
    if kind == "bare":
        return draw(values)
    if kind == "fixed":
        out: dict[str, Any] = {"fixed": draw(values)}
        if draw(st.booleans()):
            out["label"] = "Fixed knob"
        return out
    a, b, c = sorted(draw(values) for _ in range(3))
    lo, start, hi = max(a, low), b, min(c, high)
    start = min(max(start, lo), hi)
    spread = max(1.0, abs(lo), abs(hi))
    step = _nice(max((hi - lo) / draw(st.sampled_from([10, 100, 1000])), 1e-9 * spread * 2))
    out = {"start": start, "min": lo, "max": hi, "step": step}
    if draw(st.booleans()):
        out["big_step"] = _nice(step * draw(st.sampled_from([1, 5, 10])) * 1.0000001)
    if draw(st.booleans()):
        out["label"] = draw(st.sampled_from(["Centre", "Width", "Knob ½"]))
    return out


def _params(entries: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in entries.items() if value is not None}


@st.composite
def gaussian_guess(draw: st.DrawFn, free: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"family": "gaussian"}
    if free:
        return out
    params = _params(
        {
            "mean": draw(knob(means, -1e6, 1e6)),
            "variance": draw(knob(variances, 1e-6, 1e9)),
        }
    )
    if params:
        out["params"] = params
    return out


@st.composite
def mixture_guess(draw: st.DrawFn) -> dict[str, Any]:
    k = draw(st.integers(1, 3))
    out: dict[str, Any] = {"family": "mixture", "components": k}
    if draw(st.booleans()):
        out["weights"] = [draw(st.sampled_from([1, 2, 0.5])) for _ in range(k)]
    entries: dict[str, Any] = {}
    for i in range(1, k + 1):
        entries[f"mean{i}"] = draw(knob(means, -1e6, 1e6))
        entries[f"variance{i}"] = draw(knob(variances, 1e-6, 1e9))
    params = _params(entries)
    if params:
        out["params"] = params
    return out


def _names(target: dict[str, Any]) -> list[Any]:
    if target["family"] == "binomial":
        return list(range(target["n"] + 1))
    masses = target.get("probs") or target.get("counts") or []
    return list(target.get("support") or range(len(masses)))


@st.composite
def categorical_guess(draw: st.DrawFn, target: dict[str, Any], free: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"family": "categorical"}
    values = _names(target)
    if not free and draw(st.booleans()) and len(values) > 2:
        values = values[: draw(st.integers(2, min(len(values), MAX_OUTCOMES)))]
        out["support"] = values
    if free:
        return out
    k = len(values)
    share = 1.0 / k
    entries: dict[str, Any] = {}
    for value in values[:-1]:
        kind = draw(st.sampled_from(["default", "default", "fixed", "bounded"]))
        if kind == "fixed":
            entries[str(value)] = {"fixed": _nice(draw(st.floats(0, share)))}
        elif kind == "bounded":
            lo = _nice(draw(st.floats(0, share)))
            hi = _nice(draw(st.floats(lo, 1)))
            entries[str(value)] = {"min": lo, "max": max(hi, lo), "start": lo}
    if entries:
        out["params"] = entries
    return out


@st.composite
def discrete_guess(draw: st.DrawFn, target: dict[str, Any]) -> dict[str, Any]:
    values = _names(target)
    options = ["categorical", "uniform"]
    numeric = all(isinstance(v, int) and not isinstance(v, bool) for v in values)
    if numeric and values[0] == 0:
        options.append("binomial")
    family = draw(st.sampled_from(options))
    if family == "categorical":
        return draw(categorical_guess(target, free=False))
    if family == "uniform":
        out: dict[str, Any] = {"family": "uniform"}
        if draw(st.booleans()) and 2 < len(values) <= MAX_OUTCOMES + 1:
            out["support"] = values[1:]
        return out
    n = len(values) - 1
    sizes = [n, max(1, n - 1), min(200, n + 1)]
    out = {"family": "binomial", "n": draw(st.sampled_from(sizes))}
    p = draw(knob(st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]), 0.0, 1.0))
    if p is not None:
        out["params"] = {"p": p}
    return out


@st.composite
def level_dicts(draw: st.DrawFn, number: int = 0) -> dict[str, Any]:
    """One valid level, as the mapping its YAML file holds."""
    target = draw(
        st.one_of(gaussian_target(), mixture_target(), categorical_target(), binomial_target())
    )
    discrete = target["family"] in ("categorical", "binomial")
    if discrete:
        models = [draw(categorical_guess(target, free=True))]
        models += draw(st.lists(discrete_guess(target), max_size=2))
    else:
        models = [draw(gaussian_guess(free=draw(st.booleans())))]
        models += draw(st.lists(st.one_of(gaussian_guess(), mixture_guess()), max_size=2))
    if len(models) > 1:
        for index, model in enumerate(models):
            model["id"] = f"m{index}"
            if draw(st.booleans()):
                model["title"] = f"Model {index}"
    direction = draw(st.sampled_from(["forward", "reverse"]))
    level: dict[str, Any] = {
        "id": f"random-{number}",
        "title": TITLE,
        "lesson": "Anything the format allows.",
        "intro": "A level made at random.\n\nTry the knobs.",
        "reveal": "That was the target.",
        "target": target,
        "guess": models[0] if len(models) == 1 and draw(st.booleans()) else models,
        "direction": direction,
    }
    if draw(st.booleans()):
        other = "reverse" if direction == "forward" else "forward"
        level["show"] = draw(st.sampled_from([[direction], [direction, other], [other, direction]]))
    if draw(st.booleans()):
        level["units"] = draw(st.sampled_from(["nats", "bits"]))
    if draw(st.booleans()):
        view: dict[str, Any] = {}
        if discrete:
            if draw(st.booleans()) and len(_names(target)) <= MAX_OUTCOMES:
                view["labels"] = [f"L{i}" for i in range(len(_names(target)))]
        else:
            a, b = sorted(draw(st.floats(-1e7, 1e7).map(_nice)) for _ in range(2))
            if b - a >= 1e-6 * max(1.0, abs(a), abs(b)):
                view["x_min"], view["x_max"] = a, b
        if draw(st.booleans()):
            view["y_max"] = draw(st.sampled_from([0.05, 0.45, 1.0, 400.0, 1e6]))
        level["view"] = view or None
    if draw(st.booleans()):
        level["meters"] = [
            {"label": f"Meter {i}", "limit": draw(st.sampled_from([0.01, 1.0, 25.0, 1e9]))}
            for i in range(draw(st.integers(0, 4)))
        ]
    if draw(st.booleans()):
        level["stars"] = sorted(draw(st.sampled_from([0.0, 0.01, 0.1, 0.5, 3.0])) for _ in range(3))
    if draw(st.booleans()):
        level["hidden"] = draw(st.booleans())
    if draw(st.booleans()):
        level["order"] = draw(st.integers(-1000, 1000))
    return level


def level_text(level: dict[str, Any]) -> str:
    return yaml.safe_dump(level, sort_keys=False, allow_unicode=True)


levels = level_dicts().map(level_text)
