"""``klgame scores [LEVEL]``: the best saved result of each player at each level."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime

from klgame.format import json_number, number, stars
from klgame.store.errors import StoreUnavailable
from klgame.store.paths import scores_db_path
from klgame.store.scores import Attempt, database_url, try_open_store
from klgame.text import sanitize, sanitize_name

_HEADERS = (
    "Level",
    "Player",
    "Stars",
    "Points",
    "D",
    "D*",
    "Excess",
    "Units",
    "Moves",
    "Hints",
    "Date",
)
_RIGHT = {"Points", "D", "D*", "Excess", "Moves", "Hints"}


def format_date(finished_at: str) -> str:
    """The local date and minute of an ISO-8601 time, or the text as saved."""
    try:
        moment = datetime.fromisoformat(finished_at)
    except ValueError:
        return sanitize(finished_at)
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


def _cells(attempt: Attempt, units: Mapping[str, str]) -> tuple[str, ...]:
    return (
        sanitize(attempt.level_id),
        sanitize_name(attempt.player),
        stars(attempt.stars),
        str(attempt.points),
        number(attempt.divergence),
        number(attempt.best),
        number(attempt.excess),
        units.get(attempt.level_id, "?"),
        str(attempt.moves),
        str(attempt.hints),
        format_date(attempt.finished_at),
    )


def format_table(attempts: Sequence[Attempt], units: Mapping[str, str] | None = None) -> str:
    """A plain-text table, one attempt a line, under a header line. ``units``
    maps level ids to the units their divergences were saved in ("?" if the
    level is not known here)."""
    known = units or {}
    rows = [_HEADERS, *(_cells(attempt, known) for attempt in attempts)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(_HEADERS))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(width) if header in _RIGHT else cell.ljust(width)
            for cell, width, header in zip(row, widths, _HEADERS, strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def cmd_scores(args: argparse.Namespace) -> int:
    """Print the best results, of one level if ``args.level`` is set, of one
    player if ``args.player`` is set. Exit status 1 if the scores cannot be read."""
    level: str | None = getattr(args, "level", None)
    player: str | None = getattr(args, "player", None)
    # Only read: the scores show even where the database cannot be written
    # (a read-only mount, an immutable file, another account's data).
    if database_url() is None:
        try:
            exists = scores_db_path().exists()
        except StoreUnavailable as error:
            print(f"klgame: scores not read: {error}", file=sys.stderr)
            return 1
    else:
        exists = True  # a PostgreSQL database: opening it says whether it answers
    attempts: list[Attempt] = []
    if exists:
        store, reason = try_open_store(readonly=True)
        if store is None:
            print(f"klgame: {reason}", file=sys.stderr)
            return 1
        with store:
            if getattr(args, "csv", False):
                return _export_csv(store, args)
            try:
                if store.has_attempts_table():
                    attempts = store.table(
                        level_id=level,
                        player=sanitize_name(player) if player is not None else None,
                    )
            except StoreUnavailable as error:  # damage found only when reading
                print(f"klgame: {error}", file=sys.stderr)
                return 1
    elif getattr(args, "csv", False):
        from klgame.cli.classes import to_csv

        print(to_csv([]), end="")
        return 0
    units = level_units(getattr(args, "level_dirs", []))
    if getattr(args, "json", False):
        rows = [attempt_json(attempt, units) for attempt in attempts]
        print(json.dumps(rows, ensure_ascii=False, indent=2, allow_nan=False))
        return 0
    if not attempts:
        print("No scores yet." if level is None else f"No scores yet for {sanitize(level)}.")
        return 0
    print(format_table(attempts, units))
    return 0


def attempt_json(attempt: Attempt, units: Mapping[str, str]) -> dict[str, object]:
    """One row of ``klgame scores --json``; ∞ is ``null`` (see docs/replays.md)."""
    return {
        "level": sanitize(attempt.level_id),
        "player": sanitize_name(attempt.player),
        "stars": attempt.stars,
        "points": attempt.points,
        "divergence": json_number(attempt.divergence),
        "best": json_number(attempt.best),
        "excess": json_number(attempt.excess),
        "units": units.get(attempt.level_id),
        "moves": attempt.moves,
        "hints": attempt.hints,
        "seconds": json_number(attempt.seconds),
        "finished_at": attempt.finished_at,
        "seed": attempt.seed,
    }


def level_units(level_dirs: Sequence[str]) -> dict[str, str]:
    """Each known level's units; scores are saved in them. Never fails."""
    try:
        from klgame.levels.loader import load_catalog

        return {level.id: level.units for level in load_catalog(list(level_dirs))}
    except Exception:  # a broken level directory must not hide the scores
        return {}


def _export_csv(store: object, args: argparse.Namespace) -> int:
    """``klgame scores --csv``: every player's best at every level, on every
    board (free play, classes, daily challenges), as the class report's rows."""
    from klgame.cli.classes import report_rows, to_csv

    try:
        everything = store.attempts()  # type: ignore[attr-defined]
    except StoreUnavailable as error:
        print(f"klgame: {error}", file=sys.stderr)
        return 1
    level: str | None = getattr(args, "level", None)
    player: str | None = getattr(args, "player", None)
    chosen = [
        a
        for a in everything
        if (level is None or a.level_id == level)
        and (player is None or a.player == sanitize_name(player))
    ]
    # One row per player, level and board: a class's best is not hidden by free play.
    rows = [
        row
        for board in sorted({a.board or "" for a in chosen})
        for row in report_rows([a for a in chosen if (a.board or "") == board])
    ]
    rows.sort(key=lambda r: (r.best.level_id, r.best.board or "", -r.best.points, r.best.player))
    sys.stdout.write(to_csv(rows))
    return 0
