"""``klgame class open|list|close|report``: running a class, and its report.

A class is a short code and a base seed in the score store (SQLite, or the
PostgreSQL database every host shares). Players join with ``klgame --class
CODE`` (or ``KLGAME_CLASS``, or from the title screen); every member gets the
same target at each level (:mod:`klgame.core.boards`). The report lists
each member's best attempt at each level on the class's board, their answers
to the levels' questions, and per level the share of players whose best
attempt ended at a local optimum that is not the global one.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from klgame.core.attempts import Attempt
from klgame.core.boards import new_class_code, new_class_seed, normalize_code
from klgame.errors import KlgameError
from klgame.format import json_number, number, stars
from klgame.store import StoreUnavailable, open_store
from klgame.store.paths import player_name
from klgame.store.sql import ClassInfo, SqlStore
from klgame.text import sanitize, sanitize_name

#: Columns of ``klgame class report --csv`` and ``klgame scores --csv``, in order.
CSV_COLUMNS = (
    "player",
    "level",
    "attempts",
    "stars",
    "points",
    "divergence",
    "best",
    "excess",
    "moves",
    "hints",
    "seconds",
    "answer",
    "answer_correct",
    "optimum",
    "board",
    "finished_at",
)


def _store() -> SqlStore:
    try:
        return open_store()
    except StoreUnavailable as error:
        raise KlgameError(str(error)) from None


def _code(text: str) -> str:
    code = normalize_code(text)
    if not code:
        raise KlgameError(f"{sanitize(text, max_len=20)!r} is not a class code (e.g. K7QMX)")
    return code


def cmd_class(args: argparse.Namespace) -> int:
    action = args.class_action
    with _store() as store:
        if action == "open":
            return _open(store, args)
        if action == "list":
            return _list(store)
        if action == "close":
            code = _code(args.code)
            if not store.close_class(code):
                raise KlgameError(f"there is no open class {code}")
            print(f"Class {code} is closed; its scores and report stay.")
            return 0
        if action == "report":
            return _report(store, args)
    raise KlgameError(f"unknown class action {action!r}")  # argparse prevents this


def _open(store: SqlStore, args: argparse.Namespace) -> int:
    title = sanitize(getattr(args, "title", None) or "", max_len=80)
    teacher = player_name(getattr(args, "player", None))
    wanted = getattr(args, "code", None)
    for _ in range(20):
        code = _code(wanted) if wanted else new_class_code()
        info = store.open_class(code, title, new_class_seed(), teacher)
        if info is not None:
            break
        if wanted:
            raise KlgameError(f"class code {code} is taken; choose another or leave --code out")
    else:
        raise KlgameError("could not find a free class code; try again")
    print(f"Class {info.code} is open{f' ({title})' if title else ''}.")
    print(f"Players join with:  klgame --class {info.code}")
    print(f"The report:         klgame class report {info.code}")
    return 0


def _list(store: SqlStore) -> int:
    classes = store.classes()
    if not classes:
        print("No classes yet ('klgame class open' opens one).")
        return 0
    for info in classes:
        members = len(store.members(info.code))
        state = "open" if info.is_open else "closed"
        title = f"  {sanitize(info.title)}" if info.title else ""
        print(f"{info.code}  {state:6}  {members:3} players  {info.opened_at[:10]}{title}")
    return 0


# --- the report ---------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One player's best attempt at one level, and how many attempts they made."""

    best: Attempt
    attempts: int


@dataclass(frozen=True)
class LevelSummary:
    level_id: str
    players: int
    non_global: int  # best attempt ended at a local, not the global, optimum
    known: int  # players whose optimum is known
    answered: int
    correct: int

    @property
    def non_global_share(self) -> float | None:
        return self.non_global / self.known if self.known else None


def report_rows(attempts: Sequence[Attempt]) -> list[Row]:
    """Each (player, level)'s best attempt (most points, least excess, earliest),
    ordered by level, then best first."""
    groups: dict[tuple[str, str], list[Attempt]] = {}
    for attempt in attempts:
        groups.setdefault((attempt.level_id, attempt.player), []).append(attempt)
    rows = []
    for group in groups.values():
        best = min(group, key=lambda a: (-a.points, a.excess, a.finished_at))
        rows.append(Row(best, len(group)))
    rows.sort(key=lambda r: (r.best.level_id, -r.best.points, r.best.excess, r.best.player))
    return rows


def summaries(rows: Sequence[Row]) -> list[LevelSummary]:
    by_level: dict[str, list[Attempt]] = {}
    for row in rows:
        by_level.setdefault(row.best.level_id, []).append(row.best)
    result = []
    for level_id, bests in sorted(by_level.items()):
        known = [a for a in bests if a.optimum is not None]
        answered = [a for a in bests if a.answer_correct is not None]
        result.append(
            LevelSummary(
                level_id,
                players=len(bests),
                non_global=sum(1 for a in known if a.optimum != 0),
                known=len(known),
                answered=len(answered),
                correct=sum(1 for a in answered if a.answer_correct),
            )
        )
    return result


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "inf" if math.isinf(value) else repr(value)
    return str(value)


def to_csv(rows: Sequence[Row]) -> str:
    """One line per (player, level): the best attempt's fields (``inf`` for ∞;
    empty for not known)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        a = row.best
        writer.writerow(
            _csv_value(value)
            for value in (
                sanitize_name(a.player),
                sanitize(a.level_id),
                row.attempts,
                a.stars,
                a.points,
                a.divergence,
                a.best,
                a.excess,
                a.moves,
                a.hints,
                a.seconds,
                a.answer,
                a.answer_correct,
                a.optimum,
                a.board,
                a.finished_at,
            )
        )
    return out.getvalue()


def _row_json(row: Row) -> dict[str, Any]:
    a = row.best
    return {
        "player": sanitize_name(a.player),
        "level": sanitize(a.level_id),
        "attempts": row.attempts,
        "stars": a.stars,
        "points": a.points,
        "divergence": json_number(a.divergence),
        "best": json_number(a.best),
        "excess": json_number(a.excess),
        "moves": a.moves,
        "hints": a.hints,
        "seconds": json_number(a.seconds),
        "answer": a.answer,
        "answer_correct": a.answer_correct,
        "optimum": a.optimum,
        "board": a.board,
        "finished_at": a.finished_at,
    }


def report_json(info: ClassInfo | None, members: Sequence[str], rows: Sequence[Row]) -> str:
    levels = [
        {
            "level": s.level_id,
            "players": s.players,
            "non_global_optimum": s.non_global,
            "optimum_known": s.known,
            "non_global_share": s.non_global_share,
            "answered": s.answered,
            "correct": s.correct,
        }
        for s in summaries(rows)
    ]
    document: dict[str, Any] = {
        "members": [sanitize_name(m) for m in members],
        "levels": levels,
        "rows": [_row_json(row) for row in rows],
    }
    if info is not None:
        document = {
            "class": {
                "code": info.code,
                "title": sanitize(info.title),
                "opened_by": sanitize_name(info.opened_by),
                "opened_at": info.opened_at,
                "closed_at": info.closed_at,
            },
            **document,
        }
    return json.dumps(document, indent=2, ensure_ascii=False)


def report_text(info: ClassInfo, members: Sequence[str], rows: Sequence[Row]) -> str:
    title = f" · {sanitize(info.title)}" if info.title else ""
    state = "open" if info.is_open else "closed"
    lines = [f"Class {info.code}{title} ({state}; {len(members)} players joined)", ""]
    played = {row.best.player for row in rows}
    idle = [m for m in members if m not in played]
    for summary in summaries(rows):
        share = summary.non_global_share
        shown = "?" if share is None else f"{share:.0%}"
        answers = (
            f", {summary.correct}/{summary.answered} answered right" if summary.answered else ""
        )
        lines.append(
            f"{summary.level_id}: {summary.players} played, {shown} ended at a local "
            f"(not the global) optimum{answers}"
        )
        for row in (r for r in rows if r.best.level_id == summary.level_id):
            a = row.best
            answer = (
                ""
                if a.answer is None
                else f"  answer {a.answer}" + (" ✓" if a.answer_correct else " ✗")
            )
            where = {None: "", 0: "  global"}.get(a.optimum, "  local")
            lines.append(
                f"  {sanitize_name(a.player):20} {stars(a.stars)} {a.points:5} pts"
                f"  excess {number(a.excess)}  ×{row.attempts}{where}{answer}"
            )
        lines.append("")
    if idle:
        lines.append("Joined, not played yet: " + ", ".join(sanitize_name(m) for m in idle))
    if not rows:
        lines.append("No attempts in this class yet.")
    return "\n".join(lines).rstrip()


def _report(store: SqlStore, args: argparse.Namespace) -> int:
    code = _code(args.code)
    info = store.get_class(code)
    if info is None:
        raise KlgameError(f"there is no class {code}")
    rows = report_rows(store.attempts(board=f"class:{code}"))
    members = store.members(code)
    if getattr(args, "csv", False):
        sys.stdout.write(to_csv(rows))
    elif getattr(args, "json", False):
        print(report_json(info, members, rows))
    else:
        print(report_text(info, members, rows))
    return 0
