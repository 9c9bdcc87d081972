"""The corpus of broken level files: each gives exactly the messages in its ``.expected`` file."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from level_helpers import BROKEN_DIR, VALID_LEVEL, write_level

from klgame.cli.levels import cmd_validate
from klgame.levels import LevelError, load_directory, load_level, load_level_text
from klgame.levels.loader import MAX_BYTES

BROKEN = sorted(path.name for path in BROKEN_DIR.glob("*.yaml"))


def expected_lines(name: str) -> list[str]:
    text = (BROKEN_DIR / name).with_suffix(".expected").read_text(encoding="utf-8")
    return text.splitlines()


def test_the_corpus_is_big_and_paired():
    assert len(BROKEN) >= 25
    for name in BROKEN:
        assert (BROKEN_DIR / name).with_suffix(".expected").is_file(), name


@pytest.mark.parametrize("name", BROKEN)
def test_broken_file_gives_exactly_the_expected_errors(name: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(BROKEN_DIR)  # messages then start with the bare file name
    with pytest.raises(LevelError) as caught:
        load_level(name)
    assert caught.value.messages == expected_lines(name)
    assert str(caught.value) == "\n".join(expected_lines(name))
    assert caught.value.source == name


@pytest.mark.parametrize("name", BROKEN)
def test_validate_reports_the_same_lines(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.chdir(BROKEN_DIR)
    assert cmd_validate(argparse.Namespace(paths=[name])) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines[:-1] == expected_lines(name)
    assert "error" in lines[-1]


def test_a_file_with_several_errors_reports_them_all():
    lines = expected_lines("several_errors.yaml")
    assert len(lines) == 6
    assert [line.split(": ")[1] for line in lines] == [
        "target.mean.random",
        "target.variance",
        "guess.params.mean.start",
        "guess.params.varience",
        "show",
        "stars",
    ]


def test_every_message_names_a_place():
    for name in BROKEN:
        for line in expected_lines(name):
            assert line.startswith(name + ":"), line


def test_text_and_file_give_the_same_messages(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(BROKEN_DIR)
    name = "several_errors.yaml"
    with pytest.raises(LevelError) as caught:
        load_level_text((BROKEN_DIR / name).read_text(encoding="utf-8"), source=name)
    assert caught.value.messages == expected_lines(name)


def test_oversized_file_is_refused_unread(tmp_path: Path):
    path = tmp_path / "huge.yaml"
    path.write_text(VALID_LEVEL + "#" + "x" * MAX_BYTES + "\n", encoding="utf-8")
    with pytest.raises(LevelError) as caught:
        load_level(path)
    assert caught.value.messages == [f"{path}: file is larger than 1 MB"]
    with pytest.raises(LevelError) as caught:
        load_level_text(path.read_text(encoding="utf-8"), source="huge.yaml")
    assert caught.value.messages == ["huge.yaml: file is larger than 1 MB"]


def test_duplicate_ids_in_one_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    write_level(tmp_path, "a.yaml")
    write_level(tmp_path, "b.yaml")
    levels, errors = load_directory(tmp_path)
    assert [level.id for level in levels] == ["tiny"]
    assert errors == [f"{tmp_path / 'b.yaml'}: id: 'tiny' is already used by {tmp_path / 'a.yaml'}"]
    assert cmd_validate(argparse.Namespace(paths=[str(tmp_path)])) == 1
    assert errors[0] in capsys.readouterr().err


def test_missing_file(tmp_path: Path):
    with pytest.raises(LevelError) as caught:
        load_level(tmp_path / "nope.yaml")
    assert caught.value.messages == [f"{tmp_path / 'nope.yaml'}: no such file"]
