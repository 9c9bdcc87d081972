"""``klgame class report`` and ``klgame scores --csv/--json``, checked against the
attempts that produced them, on both stores."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest

from klgame.cli.main import main
from klgame.store import open_store


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


@pytest.fixture
def a_class(home: Path, make_attempt) -> list:
    """Class K7QMX: ann and bob played, cy joined only; one free-play attempt."""
    board = "class:K7QMX"
    attempts = [
        # ann, two-peaks: a poor first try at the other peak, then the global one
        make_attempt(player="ann", level_id="two-peaks", points=120, stars=1, excess=0.9,
                     optimum=1, answer="a", answer_correct=True, board=board),
        make_attempt(player="ann", level_id="two-peaks", points=900, stars=3, excess=0.001,
                     optimum=0, answer="a", answer_correct=True, board=board,
                     finished_at="2024-05-01T12:05:00Z"),
        # bob, two-peaks: stuck at the local optimum; a wrong answer
        make_attempt(player="bob", level_id="two-peaks", points=300, stars=1, excess=0.4,
                     optimum=1, answer="b", answer_correct=False, board=board),
        # bob, gaussian: infinite divergence
        make_attempt(player="bob", level_id="gaussian", points=0, stars=0,
                     divergence=math.inf, excess=math.inf, optimum=None, board=board),
        # free play, not in the class
        make_attempt(player="ann", level_id="two-peaks", points=999, stars=3, excess=0.0),
    ]  # fmt: skip
    with open_store() as store:
        assert store.open_class("K7QMX", "Stats 1", 99, "teacher") is not None
        for name in ("ann", "bob", "cy"):
            store.join_class("K7QMX", name)
        for attempt in attempts:
            store.record(attempt)
    return attempts


def test_the_csv_report_is_each_players_best_on_the_class_board(
    a_class: list, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = list(csv.DictReader(io.StringIO(_run(capsys, "class", "report", "K7QMX", "--csv"))))
    got = [
        (r["level"], r["player"], r["attempts"], r["stars"], r["points"], r["excess"],
         r["answer"], r["answer_correct"], r["optimum"], r["board"])
        for r in rows
    ]  # fmt: skip
    assert got == [
        ("gaussian", "bob", "1", "0", "0", "inf", "", "", "", "class:K7QMX"),
        ("two-peaks", "ann", "2", "3", "900", "0.001", "a", "yes", "0", "class:K7QMX"),
        ("two-peaks", "bob", "1", "1", "300", "0.4", "b", "no", "1", "class:K7QMX"),
    ]
    assert float(rows[0]["excess"]) == math.inf  # readable back as a number


def test_the_json_report_counts_local_optima_and_answers(
    a_class: list, capsys: pytest.CaptureFixture[str]
) -> None:
    report = json.loads(_run(capsys, "class", "report", "k7qmx", "--json"))
    assert report["class"]["code"] == "K7QMX"
    assert report["members"] == ["ann", "bob", "cy"]
    levels = {entry["level"]: entry for entry in report["levels"]}
    # two-peaks: ann's best ended at the global optimum, bob's at a local one: 1 of 2
    assert levels["two-peaks"]["non_global_share"] == 0.5
    assert (levels["two-peaks"]["answered"], levels["two-peaks"]["correct"]) == (2, 1)
    assert levels["gaussian"]["non_global_share"] is None  # not known
    infinite = next(r for r in report["rows"] if r["level"] == "gaussian")
    assert infinite["excess"] is None and infinite["divergence"] is None  # JSON has no ∞


def test_the_text_report(a_class: list, capsys: pytest.CaptureFixture[str]) -> None:
    text = _run(capsys, "class", "report", "K7QMX")
    assert text.startswith("Class K7QMX · Stats 1 (open; 3 players joined)")
    assert "two-peaks: 2 played, 50% ended at a local (not the global) optimum" in text
    assert "1/2 answered right" in text
    assert "Joined, not played yet: cy" in text


def test_scores_csv_keeps_each_board_apart(
    a_class: list, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = list(csv.DictReader(io.StringIO(_run(capsys, "scores", "--csv"))))
    assert [(r["level"], r["player"], r["board"], r["points"]) for r in rows] == [
        ("gaussian", "bob", "class:K7QMX", "0"),
        ("two-peaks", "ann", "", "999"),
        ("two-peaks", "ann", "class:K7QMX", "900"),
        ("two-peaks", "bob", "class:K7QMX", "300"),
    ]


def test_class_open_list_close(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _run(capsys, "class", "open", "--title", "Stats\x1b[31m 2")
    code = out.split()[1]
    assert out.startswith(f"Class {code} is open (Stats[31m 2).")  # no ESC reaches the screen
    listed = _run(capsys, "class", "list")
    assert listed.startswith(f"{code}  open      0 players")
    assert _run(capsys, "class", "close", code).startswith(f"Class {code} is closed")
    assert main(["class", "close", code]) == 1
    assert f"there is no open class {code}" in capsys.readouterr().err
    assert main(["--class", code, "play", "gaussian"]) == 1
    assert f"class {code} is closed" in capsys.readouterr().err
