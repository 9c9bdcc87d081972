"""``klgame scores``."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import pytest

from klgame.cli.main import main
from klgame.cli.scores import cmd_scores
from klgame.store import open_store


def _scores(level: str | None = None, player: str | None = None) -> int:
    return cmd_scores(argparse.Namespace(level=level, player=player))


def test_no_scores_yet(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _scores() == 0
    assert capsys.readouterr().out == "No scores yet.\n"
    assert _scores("gauss-1") == 0
    assert capsys.readouterr().out.startswith("No scores yet")


def test_a_table_of_best_results(
    home: Path, make_attempt, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_store() as store:
        store.record(make_attempt(points=100, stars=1))
        store.record(make_attempt(points=812, stars=2, divergence=0.1234567, excess=0.0734567))
        store.record(
            make_attempt(
                player="bob",
                level_id="zoo",
                points=0,
                stars=0,
                divergence=math.inf,
                excess=math.inf,
                moves=3,
                hints=4,
            )
        )
    assert _scores() == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == [
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
    ]
    assert len(lines) == 3
    ada, bob = lines[1].split(), lines[2].split()
    assert ada == [
        "gauss-1",
        "ada",
        "★★☆",
        "812",
        "0.1235",
        "0.0500",
        "0.0735",
        "?",  # not a level this catalog knows
        "12",
        "1",
        "2024-05-01",
        ada[-1],
    ]
    assert bob[:10] == ["zoo", "bob", "☆☆☆", "0", "∞", "0.0500", "∞", "?", "3", "4"]
    assert "inf" not in out and "nan" not in out


def test_one_level_and_one_player(
    home: Path, make_attempt, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_store() as store:
        store.record(make_attempt(level_id="a", player="ada"))
        store.record(make_attempt(level_id="b", player="ada"))
        store.record(make_attempt(level_id="b", player="bob"))
    assert _scores(level="b") == 0
    rows = [line.split()[:2] for line in capsys.readouterr().out.splitlines()[1:]]
    assert sorted(rows) == [["b", "ada"], ["b", "bob"]]
    assert _scores(player="bob") == 0
    rows = [line.split()[:2] for line in capsys.readouterr().out.splitlines()[1:]]
    assert rows == [["b", "bob"]]


def test_stored_control_characters_never_reach_the_terminal(
    home: Path, make_attempt, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_store() as store:
        store.record(make_attempt(player="\x1b[2Jmallory", level_id="l\x1b]0;x\x07"))
    assert _scores() == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "[2Jmallory" in out


@pytest.mark.sqlite_only
def test_unavailable_scores_say_why_on_stderr(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home.mkdir()
    (home / "scores.sqlite3").write_text("this is not a database\n" * 100)
    assert _scores() == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert str(home / "scores.sqlite3") in captured.err
    assert "not a klgame score database" in captured.err
    assert "Traceback" not in captured.err


def test_through_the_command_line(
    home: Path, make_attempt, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_store() as store:
        store.record(make_attempt(player="ada", level_id="one"))
        store.record(make_attempt(player="bob", level_id="one"))
        store.record(make_attempt(player="bob", level_id="two"))
    assert main(["--player", "bob", "scores", "one"]) == 0
    rows = [line.split()[:2] for line in capsys.readouterr().out.splitlines()[1:]]
    assert rows == [["one", "bob"]]
    assert main(["scores"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4


def test_scores_as_json_write_infinity_as_null(
    home: Path, make_attempt, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scores", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    with open_store() as store:
        store.record(make_attempt(level_id="gaussian", points=812, stars=2))
        store.record(
            make_attempt(player="bob", level_id="zoo", divergence=math.inf, excess=math.inf)
        )
    assert main(["scores", "--json"]) == 0
    out = capsys.readouterr().out
    assert "Infinity" not in out and "inf" not in out and "NaN" not in out
    ada, bob = sorted(json.loads(out), key=lambda row: row["player"])
    assert ada["level"] == "gaussian" and ada["units"] == "nats"
    assert (ada["stars"], ada["points"], ada["moves"], ada["hints"]) == (2, 812, 12, 1)
    assert (ada["divergence"], ada["best"], ada["excess"]) == (0.25, 0.05, 0.2)
    assert bob["units"] is None  # not a level this catalog knows
    assert bob["divergence"] is None and bob["excess"] is None and bob["best"] == 0.05


#: Ways to write "alice" that look like it (or are it, once normalised).
ALICE_LOOKALIKES = [
    "alice",
    "alice\u200b",  # zero width space
    "\u2066alice\u2069",  # isolate
    "\uff41\uff4c\uff49\uff43\uff45",  # full-width
    "al\u200dice",  # zero width joiner
]


def test_one_row_per_visible_name(
    home: Path, make_attempt, child_env: dict[str, str], tmp_path: Path
) -> None:
    """Saved under any look-alike of a name, the scores show as that name, once."""
    import subprocess
    import sys

    with open_store() as store:
        for points, name in enumerate(ALICE_LOOKALIKES):
            store.record(make_attempt(player=name, points=100 + points))
        store.record(make_attempt(player="\u202eecila", points=50))  # shown as typed: ecila
        store.record(make_attempt(player="e\u0301mile", points=60))
        store.record(make_attempt(player="\u00e9mile", points=70))
    done = subprocess.run(
        [sys.executable, "-m", "klgame", "scores"],
        capture_output=True,
        text=True,
        env=child_env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    rows = [line.split()[1] for line in done.stdout.splitlines()[1:] if line.strip()]
    rows = [row for row in rows if not set(row) <= {"-"}]  # the rule under the header
    assert sorted(rows) == ["alice", "ecila", "\u00e9mile"]
    assert "alice" in done.stdout and "104" in done.stdout  # alice's best of five
    for char in "\u200b\u200d\u2066\u2069\u202e\u0301\uff41":
        assert char not in done.stdout
