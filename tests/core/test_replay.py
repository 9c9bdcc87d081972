"""Replay files: round trips, and every error a person can make, by line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from klgame.cli.main import main
from klgame.core import actions as A
from klgame.core.replay import Header, ReplayError, parse_lines, read_replay, write_replay
from klgame.levels.loader import load_catalog


@pytest.fixture
def level():
    return load_catalog([]).get("gaussian")


def header_line(lvl, **changes) -> str:
    data = Header(lvl.id, lvl.content_hash, seed=3).to_json() | changes
    return json.dumps(data) + "\n"


def test_every_action_round_trips_through_json():
    for cls in A.ACTION_TYPES.values():
        action = A.Set(t=1.5, param="mean", value=0.5) if cls is A.Set else cls(t=1.5)
        assert A.action_from_json(json.loads(json.dumps(action.to_json()))) == action
    nudge = A.Nudge(sign=-1, size="fine", t=0.25)
    assert A.action_from_json(nudge.to_json()) == nudge


def test_version_2_writes_set_and_times_and_version_1_files_still_replay(tmp_path, level):
    actions = [
        A.Nudge(t=0.1, times=5),
        A.Set(t=0.2, param="variance", value=2.5),
        A.Set(t=0.3, param="variance", value=2.7, continues=True),
        A.Nudge(t=0.4),
    ]
    path = tmp_path / "a.jsonl"
    write_replay(path, Header(level.id, level.content_hash, 3), actions)
    lines = path.read_text().splitlines()
    assert json.loads(lines[0])["version"] == 2
    assert json.loads(lines[4]) == {"t": 0.4, "action": "nudge", "sign": 1, "size": "step"}
    assert json.loads(lines[2]) == {"t": 0.2, "action": "set", "param": "variance", "value": 2.5}
    assert read_replay(path).actions == tuple(actions)
    old = [header_line(level, version=1), '{"t": 0.5, "action": "nudge", "size": "big"}\n']
    assert parse_lines(old, "old.jsonl").actions == (A.Nudge(t=0.5, size="big"),)


def test_write_then_read(tmp_path, level):
    actions = [A.Nudge(t=0.1), A.Select(t=0.2), A.Reveal(t=0.3)]
    path = tmp_path / "a.jsonl"
    write_replay(path, Header(level.id, level.content_hash, 3), actions)
    replay = read_replay(path)
    assert replay.header.seed == 3 and replay.actions == tuple(actions)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            [
                '{"format": "klgame-replay", "version": 3, "level": "x", '
                '"level_hash": "", "seed": 1}'
            ],
            "x.jsonl:1: unknown replay format version 3 (this klgame 0.1.0 reads versions 1, 2)",
        ),
        (["V1", '{"action": "set", "param": "mean", "value": 1}'], "x.jsonl:2: set with these"),
        (["V1", '{"action": "nudge", "times": 3}'], "x.jsonl:2: nudge with these fields needs"),
        (["HEADER", '{"action": "nudge", "times": 0}'], "x.jsonl:2: nudge: times must be"),
        (["HEADER", '{"action": "nudge", "times": 2.5}'], "x.jsonl:2: nudge: times must be"),
        (["HEADER", '{"action": "set", "value": 1}'], "x.jsonl:2: set: param must be"),
        (["HEADER", '{"action": "set", "param": "mean"}'], "x.jsonl:2: set: value must be"),
        (
            ["HEADER", '{"action": "set", "param": "mean", "value": 1e999}'],
            "x.jsonl:2: set: value must be a finite number",
        ),
        (["{}"], "x.jsonl:1: not a klgame replay"),
        ([], "x.jsonl: empty file"),
        (["HEADER", '{"action": "nudge"}', "{oops"], "x.jsonl:3: not valid JSON"),
        (["HEADER", '{"action": "jump"}'], "x.jsonl:2: unknown action 'jump'"),
        (
            ["HEADER", "", '{"action": "nudge", "size": "huge"}'],
            "x.jsonl:3: nudge: size must be one of step, big, fine, got 'huge'",
        ),
        (["HEADER", '{"action": "nudge", "sign": 2}'], "x.jsonl:2: nudge: sign must be 1"),
        (["HEADER", '{"action": "select", "t": -1}'], "x.jsonl:2: select: t must be"),
        (["HEADER", '{"action": "reveal", "extra": 1}'], "x.jsonl:2: reveal: unknown field"),
        (["HEADER", "[1, 2]"], "x.jsonl:2: expected an object"),
        (["HEADER", '{"action": "nudge", "t": NaN}'], "x.jsonl:2: not valid JSON"),
    ],
)
def test_malformed_lines_name_their_line(level, lines, expected):
    text = [
        header_line(level)
        if line == "HEADER"
        else header_line(level, version=1)
        if line == "V1"
        else line + "\n"
        for line in lines
    ]
    with pytest.raises(ReplayError) as caught:
        parse_lines(text, "x.jsonl")
    assert str(caught.value).startswith(expected)
    assert caught.value.exit_code == 2


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "klgame", *args], capture_output=True, text=True)


def test_replay_command_prints_the_result(tmp_path, level):
    path = tmp_path / "a.jsonl"
    write_replay(
        path,
        Header(level.id, level.content_hash, 3),
        [A.Nudge(sign=1, size="big", t=0.5), A.Reveal(t=1.0)],
    )
    run = run_cli("replay", str(path), "--json")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["level"] == "gaussian" and result["revealed"] is True
    assert result["moves"] == 1 and result["guess"]["mean"] == pytest.approx(1.0)
    assert result["divergence"] >= result["best"] >= 0.0
    text = run_cli("replay", str(path))
    assert "D* =" in text.stdout and "nats" in text.stdout


def test_changed_level_is_refused_unless_forced(tmp_path, level):
    path = tmp_path / "a.jsonl"
    write_replay(path, Header(level.id, "not-the-hash", 3), [A.Nudge(t=0.5)])
    run = run_cli("replay", str(path))
    assert run.returncode == 2
    assert "has changed since this replay was recorded" in run.stderr
    assert "Traceback" not in run.stderr
    forced = run_cli("replay", str(path), "--force")
    assert forced.returncode == 0 and "warning:" in forced.stderr


def test_unknown_level_and_missing_file_exit_2(tmp_path, level, capsys):
    path = tmp_path / "a.jsonl"
    path.write_text(header_line(level, level="no-such-level"))
    assert main(["replay", str(path)]) == 2
    assert "level not found" in capsys.readouterr().err
    assert main(["replay", str(tmp_path / "missing.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_corrupt_line_is_named_by_the_cli(tmp_path, level, capsys):
    path = tmp_path / "a.jsonl"
    path.write_text(header_line(level) + '{"action": "nudge"}\n\x00garbage\n')
    assert main(["replay", str(path)]) == 2
    assert f"{path}:3:" in capsys.readouterr().err
