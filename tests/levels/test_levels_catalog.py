"""Finding levels: built-ins, user directories, shadowing, broken files, unknown ids."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from level_helpers import BUILTIN_IDS, VALID_LEVEL, write_level

from klgame.errors import KlgameError
from klgame.levels import level_dirs, load_catalog

GAUSSIAN_COPY = VALID_LEVEL.replace("id: tiny", "id: gaussian").replace("Tiny", "My Gaussian")


def test_level_dirs_flag_first_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("KLGAME_LEVELS", os.pathsep.join([str(tmp_path / "e1"), "", "~/e2"]))
    assert level_dirs([str(tmp_path / "f1"), str(tmp_path / "f2")]) == [
        tmp_path / "f1",
        tmp_path / "f2",
        tmp_path / "e1",
        Path("~/e2").expanduser(),
    ]
    monkeypatch.delenv("KLGAME_LEVELS")
    assert level_dirs([]) == []


def test_user_levels_join_the_builtins_in_order(tmp_path: Path):
    write_level(tmp_path, "early.yaml", VALID_LEVEL.replace("id: tiny", "id: early\norder: 0"))
    write_level(tmp_path, "late.yml", VALID_LEVEL)  # default order 100
    catalog = load_catalog([str(tmp_path)])
    assert catalog.ids() == ("early", *BUILTIN_IDS, "tiny")
    assert catalog.errors == () and catalog.warnings == ()
    assert "tiny" in catalog and len(catalog) == len(BUILTIN_IDS) + 2
    assert catalog.next_after(BUILTIN_IDS[-1]) is catalog.get("tiny")
    assert catalog.next_after("tiny") is None


def test_environment_directories_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    write_level(tmp_path, "tiny.yaml")
    monkeypatch.setenv("KLGAME_LEVELS", str(tmp_path))
    assert "tiny" in load_catalog()


def test_a_user_level_shadows_a_builtin_with_a_warning(tmp_path: Path):
    path = write_level(tmp_path, "mine.yaml", GAUSSIAN_COPY)
    catalog = load_catalog([str(tmp_path)])
    level = catalog.get("gaussian")
    assert level.source == str(path) and level.title == "My Gaussian"
    assert catalog.warnings == (f"{path}: level 'gaussian' replaces the built-in level",)
    assert catalog.ids().count("gaussian") == 1
    assert catalog.ids()[-1] == "gaussian"  # order 100: after the built-ins


def test_between_user_directories_the_first_wins(tmp_path: Path):
    first = write_level(tmp_path / "one", "a.yaml")
    second = write_level(tmp_path / "two", "b.yaml", VALID_LEVEL.replace("Tiny", "Other"))
    catalog = load_catalog([str(tmp_path / "one"), str(tmp_path / "two")])
    assert catalog.get("tiny").source == str(first)
    assert catalog.warnings == (f"{second}: level 'tiny' is ignored: {first} has the same id",)


def test_broken_user_files_are_reported_and_the_rest_load(tmp_path: Path):
    write_level(tmp_path, "good.yaml")
    broken = write_level(tmp_path, "broken.yaml", VALID_LEVEL.replace("variance: 2", "variance: 0"))
    write_level(tmp_path, "notes.txt", "not a level")
    catalog = load_catalog([str(tmp_path), str(tmp_path / "missing")])
    assert "tiny" in catalog
    assert catalog.errors == (
        f"{broken}:9:13: target.variance: must be > 0, got 0",
        f"{tmp_path / 'missing'}: no such directory",
    )


def test_hidden_files_are_skipped(tmp_path: Path):
    write_level(tmp_path, ".tiny.yaml")
    assert "tiny" not in load_catalog([str(tmp_path)])


def test_unknown_id_suggests_a_close_one():
    catalog = load_catalog()
    with pytest.raises(KlgameError) as caught:
        catalog.get("two-peak-reverse")
    assert str(caught.value) == (
        "unknown level 'two-peak-reverse' (did you mean 'two-peaks-reverse'?); "
        "'klgame levels' lists them"
    )
    with pytest.raises(KlgameError, match="unknown level 'zzz'; "):
        catalog.get("zzz")
