"""``klgame levels``, ``klgame validate`` and ``klgame solve``.

Plain text on stdout, problems on stderr; infinite divergences print as ``∞``
(in JSON as ``null``, see :func:`klgame.format.json_number`), never ``inf`` or
``nan``.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from klgame.engine import Binomial, Discrete, Distribution, Gaussian, Mixture, divergence
from klgame.engine.measures import FORMULA, PHRASE, has_units, unit_suffix, units_phrase
from klgame.errors import KlgameError
from klgame.format import json_number, number, stars
from klgame.levels import landscape as landscapes
from klgame.levels.catalog import Listed
from klgame.levels.errors import LevelError, escape_unsafe
from klgame.levels.landscape import Landscape
from klgame.levels.loader import (
    LEVEL_SUFFIXES,
    Catalog,
    level_files,
    load_catalog,
    load_directory,
    load_level,
)
from klgame.levels.model import Level
from klgame.levels.solve import best_fit

if TYPE_CHECKING:
    from klgame.store import Attempt

#: How each direction is named on screen.
DIRECTION_NAMES = {"forward": "forward KL(p‖q)", "reverse": "reverse KL(q‖p)"}


def _in_units(level: Level) -> str:
    """``in nats`` or ``in bits``; ``(no units)`` for Hellinger and total variation."""
    return units_phrase(level.units, level.scoring).replace("no units", "(no units)")


def _criterion_word(level: Level) -> str:
    """``forward`` or ``reverse`` for KL, else the cousin's formula (``JS(p, q)``)."""
    return level.direction if level.divergence == "kl" else FORMULA[level.scoring]


def load_levels(args: argparse.Namespace) -> Catalog:
    """The levels to offer. In hosted mode, levels already checked come from
    the cache in the data directory (a connection's start does not grow with
    the number of level files), and the problems of level files go to the
    host, not the player (:func:`klgame.hosting.hosted.players_catalog`)."""
    dirs = list(getattr(args, "level_dirs", None) or [])
    if not getattr(args, "hosted", False):
        return load_catalog(dirs)
    from klgame.hosting.hosted import players_catalog
    from klgame.store import StoreUnavailable
    from klgame.store.paths import data_dir

    try:
        home: Path | None = data_dir()
    except StoreUnavailable:
        home = None
    # A hosted game keeps its list of levels for its whole life: thousands of
    # headings from the index, none of them garbage. Read with the collector
    # off, then frozen, so no collection walks them again (about 15 % of a
    # warm start with 10,000 level files, docs/performance.md). Files read
    # and checked anew leave cycles behind: those are collected first.
    collecting = gc.isenabled()
    gc.disable()
    try:
        catalog = players_catalog(load_catalog(dirs, cache_dir=home), home)
        if sum(isinstance(entry, Level) for entry in catalog.entries) > _FEW_DECODED:
            gc.collect()
        gc.freeze()
    finally:
        if collecting:
            gc.enable()
    return catalog


#: More levels decoded than this at a start (a cold cache) is worth a collection.
_FEW_DECODED = 50


def _print_problems(catalog: Catalog) -> None:
    for message in catalog.warnings:
        print(f"warning: {message}", file=sys.stderr)
    for message in catalog.errors:
        print(f"error: {message}", file=sys.stderr)


# --- klgame levels -----------------------------------------------------------------


def _best_results(player: str | None) -> dict[str, Attempt]:
    """The player's best attempt per level id; empty if the scores cannot be read."""
    try:
        from klgame.store import player_name, try_open_store

        store, _reason = try_open_store()
        if store is None:
            return {}
        with store:
            return store.bests(player_name(player))
    except Exception:  # the list of levels must show even without scores
        return {}


def _best_cell(attempt: Attempt | None) -> str:
    if attempt is None:
        return "—"
    return f"{stars(attempt.stars)} {attempt.points} pts"


def format_levels(levels: Sequence[Listed], bests: dict[str, Attempt]) -> str:
    """The table printed by ``klgame levels``."""
    headers = ("Id", "Title", "Scored by", "Units", "Best")
    rows = [headers]
    for level in levels:
        scoring = level.scoring  # a Level's, or a cached Heading's
        rows.append(
            (
                level.id,
                level.title,
                PHRASE[scoring],
                level.units if has_units(scoring) else "none",
                _best_cell(bests.get(level.id)),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(headers))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def cmd_levels(args: argparse.Namespace) -> int:
    """List the levels in play order, with the player's best result at each."""
    catalog = load_levels(args)
    _print_problems(catalog)
    bests = _best_results(getattr(args, "player", None))
    print(format_levels(catalog.entries, bests))
    return 0


# --- klgame validate -------------------------------------------------------------


def validate_paths(paths: Sequence[str]) -> tuple[int, list[str]]:
    """(number of valid levels, every error) for level files and directories."""
    count = 0
    errors: list[str] = []
    for name in paths:
        path = Path(name)
        shown = escape_unsafe(name, 500)
        if path.is_dir():
            try:
                has_files = bool(level_files(path))
            except OSError as error:
                errors.append(f"{shown}: cannot read: {error.strerror or error}")
                continue
            if not has_files:
                suffixes = ", ".join(f"*{s}" for s in LEVEL_SUFFIXES)
                errors.append(f"{shown}: no level files ({suffixes}) in this directory")
                continue
            levels, problems = load_directory(path)
            count += len(levels)
            errors.extend(problems)
        elif path.exists():
            try:
                load_level(path)
            except LevelError as error:
                errors.extend(error.messages)
            else:
                count += 1
        else:
            errors.append(f"{shown}: no such file or directory")
    return count, errors


_MORE = re.compile(r": … and (\d+) more problems?\Z")


def _problems_in(message: str) -> int:
    """How many problems a message stands for: a file's last line, ``… and N
    more problems``, for N (a file reports at most 50 one by one)."""
    more = _MORE.search(message)
    return int(more.group(1)) if more else 1


def cmd_validate(args: argparse.Namespace) -> int:
    """Check level files; exit 1 listing every error if any file is broken."""
    count, errors = validate_paths(args.paths)
    for message in errors:
        print(message, file=sys.stderr)
    if errors:
        total = sum(_problems_in(message) for message in errors)
        noun = "error" if total == 1 else "errors"
        print(f"{total} {noun}; {count} valid level(s)", file=sys.stderr)
        return 1
    print(f"ok: {count} level{'' if count == 1 else 's'}")
    return 0


# --- klgame solve ----------------------------------------------------------------


def resolve_level(name: str, extra_dirs: Sequence[str] = ()) -> Level:
    """A level by id (from the catalog) or by the path of its file."""
    path = Path(name)
    if name.endswith(LEVEL_SUFFIXES) or "/" in name or "\\" in name or path.is_file():
        return load_level(path)
    catalog = load_catalog(extra_dirs)
    try:
        return catalog.get(name)
    except KlgameError as error:
        if catalog.errors:  # the level asked for may be one of the broken files
            details = "\n".join(catalog.errors)
            raise KlgameError(f"{error}\nlevel files with errors:\n{details}") from None
        raise


def _target_info(level: Level, seed: int, target: Distribution) -> dict[str, Any]:
    info: dict[str, Any] = {"family": level.target.kind, "random": level.target.is_random}
    info["params"] = level.target.values(seed)
    if isinstance(target, Discrete):
        info["support"] = list(target.support)
        info["probs"] = [float(p) for p in target.probs]
    if isinstance(target, Mixture):
        info["components"] = [
            {"weight": w, "mean": c.mean, "variance": c.variance}
            for w, c in zip(target.weights, target.components, strict=True)
        ]
    return info


def describe_target(target: Distribution) -> list[str]:
    """The drawn target in a few lines of text."""
    if isinstance(target, Gaussian):
        return [f"Gaussian: mean {number(target.mean)}, variance {number(target.variance)}"]
    if isinstance(target, Mixture):
        lines = [f"mixture of {len(target.components)} Gaussians:"]
        for weight, part in zip(target.weights, target.components, strict=True):
            lines.append(
                f"  weight {number(weight)}: mean {number(part.mean)}, "
                f"variance {number(part.variance)}"
            )
        return lines
    if isinstance(target, Discrete):
        kind = "categorical"
        if isinstance(target, Binomial):
            kind = f"binomial, n = {target.n}, p = {number(target.p)}"
        cells = [
            f"{value}: {number(float(p))}"
            for value, p in zip(target.support, target.probs, strict=True)
        ]
        return [kind, "  " + ", ".join(cells)]
    return [repr(target)]


def _values_text(values: dict[str, float]) -> str:
    if not values:
        return "no parameters"
    return ", ".join(f"{name} = {number(value)}" for name, value in values.items())


def _start_divergence(level: Level, model_id: str, target: Distribution) -> float:
    """The scoring divergence of a model's starting guess, in the level's units."""
    model = level.model(model_id)
    guess = model.build(model.start_values())
    return level.in_units(divergence(target, guess, level.scoring))


def solve_report(level: Level, seed: int, other: Level | None = None) -> dict[str, Any]:
    """What ``klgame solve --json`` prints (divergences in the level's units).

    ``other`` is the level whose target this one shares: when it scores the
    other direction, ``answers`` lists both levels' best answers scored both ways.
    """
    target = level.target.draw(seed)
    solution = best_fit(level, target)
    models = []
    for model in level.models:
        result = solution.for_model(model.id)
        models.append(
            {
                "id": model.id,
                "title": model.title,
                "values": dict(result.values),
                "free": [spec.name for spec in model.free_params()],
                "divergence": json_number(level.in_units(result.divergence)),
                "forward": json_number(level.in_units(result.forward)),
                "reverse": json_number(level.in_units(result.reverse)),
                "start": {
                    "values": model.start_values(),
                    "divergence": json_number(_start_divergence(level, model.id, target)),
                },
                "optima": [
                    {
                        "values": dict(optimum.values),
                        "divergence": json_number(level.in_units(optimum.divergence)),
                    }
                    for optimum in result.optima
                ],
            }
        )
    report: dict[str, Any] = {
        "level": level.id,
        "title": level.title,
        "source": level.source,
        "content_hash": level.content_hash,
        "seed": seed,
        "direction": level.direction,
        "measure": level.divergence,
        "units": level.units if has_units(level.scoring) else "",
        "target": _target_info(level, seed, target),
        "models": models,
        "best": {
            "model": solution.model_id,
            "values": dict(solution.fit.values),
            "divergence": json_number(level.in_units(solution.divergence)),
        },
    }
    if level.target_from is not None:
        report["target_from"] = level.target_from
    if other is not None and other.direction != level.direction:
        report["answers"] = _answers(level, other, target)
    return report


def _answers(level: Level, other: Level, target: Distribution) -> list[dict[str, Any]]:
    """Both levels' best answers for one target, each scored both ways."""
    out = []
    for owner in (level, other):
        solution = best_fit(owner, target)
        out.append(
            {
                "level": owner.id,
                "direction": owner.direction,
                "model": solution.model_id,
                "values": dict(solution.values),
                "forward": json_number(level.in_units(solution.fit.forward)),
                "reverse": json_number(level.in_units(solution.fit.reverse)),
            }
        )
    return out


def shared_level(level: Level, extra_dirs: Sequence[str] = ()) -> Level | None:
    """The level whose target ``level`` shares, found as the loader found it."""
    if level.target_from is None:
        return None
    if level.source is not None:
        levels, _ = load_directory(Path(level.source).parent)
        for candidate in levels:
            if candidate.id == level.target_from:
                return candidate
    catalog = load_catalog(extra_dirs)
    return catalog.get(level.target_from) if level.target_from in catalog else None


def format_solve(level: Level, seed: int) -> str:
    """What ``klgame solve`` prints."""
    target = level.target.draw(seed)
    solution = best_fit(level, target)
    units = level.units
    suffix = unit_suffix(units, level.scoring)
    lines = [f"{level.id}: {level.title}"]
    drawn = f"seed {seed}" if level.target.is_random else "not random"
    if level.target_from is not None:
        drawn += f", the target of {level.target_from}"
    lines.append(f"target ({drawn}): " + "\n".join(describe_target(target)))
    lines.append(f"scored by {PHRASE[level.scoring]}, {units_phrase(units, level.scoring)}")
    lines.append("")
    for model in level.models:
        result = solution.for_model(model.id)
        best = f"best at {_values_text(result.values)}" if result.values else "no parameters"
        lines.append(f"model {model.id} ({model.title}): {best}")
        if level.divergence != "kl":
            value = number(level.in_units(result.divergence))
            lines.append(f"  {FORMULA[level.scoring]} = {value}{suffix}")
        lines.append(
            f"  forward KL(p‖q) = {number(level.in_units(result.forward))} {units}, "
            f"reverse KL(q‖p) = {number(level.in_units(result.reverse))} {units}"
        )
        if model.free_params():
            start = _start_divergence(level, model.id, target)
            excess = start - level.in_units(solution.divergence)
            lines.append(
                f"  at the start: {_criterion_word(level)} = {number(start)}{suffix} "
                f"(excess {number(excess)})"
            )
        if len(result.optima) > 1:
            lines.append(f"  {len(result.optima)} low points, the lowest first:")
            for optimum in result.optima:
                lines.append(
                    f"    {number(level.in_units(optimum.divergence))}{suffix} at "
                    f"{_values_text(optimum.values)}"
                )
    lines.append("")
    d_star = number(level.in_units(solution.divergence))
    lines.append(
        f"D* = {d_star}{suffix}: model {solution.model_id}, {_values_text(solution.fit.values)}"
    )
    return "\n".join(lines)


def _landscape_for(level: Level, seed: int, pair: str) -> Landscape:
    """The landscape ``--landscape P1,P2`` asks for: the first model's, the other
    parameters held at that model's best fit."""
    target = level.target.draw(seed)
    model = next((m for m in level.models if m.free_params()), level.models[0])
    names = [name.strip() for name in pair.split(",") if name.strip()]
    try:
        if not names:
            x, y = landscapes.default_pair(model)
        elif len(names) > 2:
            raise ValueError(f"--landscape takes one or two parameters, got {len(names)}")
        else:
            x, y = names[0], (names[1] if len(names) > 1 else None)
        held = best_fit(level, target).for_model(model.id).values
        return landscapes.compute(level, model, target, held, x, y)
    except ValueError as error:
        raise KlgameError(f"--landscape: {error}") from None


def landscape_json(level: Level, found: Landscape) -> dict[str, Any]:
    """The ``landscape`` object of ``solve --json`` (divergences in level units)."""
    return {
        "model": found.model_id,
        "x": found.x,
        "y": found.y,
        "x_values": list(found.x_values),
        "y_values": list(found.y_values),
        "held": dict(found.held),
        "divergence": [[json_number(level.in_units(v)) for v in row] for row in found.divergence],
    }


def format_landscape(level: Level, found: Landscape) -> str:
    """The grid as text: a shaded map (one character a cell), then the numbers."""
    values = [[level.in_units(float(v)) for v in row] for row in found.divergence]
    finite = [v for row in values for v in row if math.isfinite(v)]
    low, high = (min(finite), max(finite)) if finite else (math.inf, math.inf)
    y_name = found.y or ""
    darkest, lightest = landscapes.SHADES[0], landscapes.SHADES[-2]
    held = ", ".join(f"{n} = {number(v)}" for n, v in found.held.items()) or "nothing"
    lines = [
        f"landscape of {PHRASE[level.scoring]} {_in_units(level)}, model "
        f"{found.model_id}: x = {found.x}"
        + (f", y = {y_name}" if found.y else "")
        + f"; held: {held}",
        f"shade by rank: '{darkest}' lowest ninth ({number(low)} at the least) to "
        f"'{lightest}' highest ({number(high)} at the most); 'o' a local minimum "
        "of the grid; blank ∞",
    ]
    labels = [number(y, 3) for y in found.y_values] or [""]
    width = max(len(label) for label in labels)
    shaded = landscapes.shade_rows(np.asarray(values, dtype=float))
    for label, row in reversed(list(zip(labels, shaded, strict=True))):
        lines.append(f"{label:>{width}} |" + row)
    lines.append(" " * width + " +" + "-" * len(found.x_values))
    lines.append(
        " " * (width + 2) + f"{found.x}: {number(found.x_values[0], 3)} .. "
        f"{number(found.x_values[-1], 3)}"
    )
    lines.append("")
    header = [f"{y_name}/{found.x}"] + [number(x, 3) for x in found.x_values]
    lines.append("\t".join(header))
    for label, numbers in zip(labels, values, strict=True):
        lines.append("\t".join([label] + [number(v, 4) for v in numbers]))
    return "\n".join(lines)


def cmd_solve(args: argparse.Namespace) -> int:
    """Print a level's target for a seed and the best fit of each of its models."""
    level = resolve_level(args.level, getattr(args, "level_dirs", None) or [])
    seed = getattr(args, "seed", None)
    seed = 0 if seed is None else seed
    if seed < 0:
        raise KlgameError(f"--seed must be >= 0, got {seed}")
    pair = getattr(args, "landscape", None)
    found = _landscape_for(level, seed, pair) if pair is not None else None
    if getattr(args, "json", False):
        other = shared_level(level, getattr(args, "level_dirs", None) or [])
        report = solve_report(level, seed, other)
        if found is not None:
            report["landscape"] = landscape_json(level, found)
        print(json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        print(format_solve(level, seed))
        if found is not None:
            print()
            print(format_landscape(level, found))
    return 0
