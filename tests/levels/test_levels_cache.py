"""The cache of checked levels (hosted mode): the same levels, fewer reads, never a bypass."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest

from klgame import __version__
from klgame.errors import KlgameError
from klgame.levels import loader
from klgame.levels.cache import CACHE_DIR, LevelCache, decode_level, encode_level
from klgame.levels.catalog import Heading
from klgame.levels.loader import builtin_levels_dir, index_directory, load_directory
from klgame.levels.model import Level

LEVELS_DIR = Path(__file__).parents[2] / "levels"


def _level_text(level_id: str, title: str = "A title") -> str:
    lines = []
    for line in (LEVELS_DIR / "gaussian.yaml").read_text().splitlines():
        if line.startswith("id:"):
            line = f"id: {level_id}"
        elif line.startswith("title:"):
            line = f"title: {title}"
        lines.append(line)
    return "\n".join(lines) + "\n"


@pytest.fixture
def levels(tmp_path: Path) -> Path:
    directory = tmp_path / "levels"
    directory.mkdir()
    for name in ("one", "two", "three"):
        (directory / f"{name}.yaml").write_text(_level_text(name))
    return directory


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The level files actually read (by the loader's one reading function)."""
    seen: list[str] = []
    real = loader.read_level_file

    def counting(name: str, *args: object, **kwargs: object) -> bytes:
        seen.append(Path(name).name)
        return real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "read_level_file", counting)
    return seen


def test_every_built_in_level_survives_the_round_trip() -> None:
    found, errors = load_directory(builtin_levels_dir())
    assert found and not errors
    for level in found:
        data = json.loads(json.dumps(encode_level(level)))  # plain JSON data
        assert decode_level(data) == level


def test_a_second_start_reads_no_unchanged_file(
    levels: Path, tmp_path: Path, reads: list[str]
) -> None:
    home = tmp_path / "home"
    first, errors = load_directory(levels, cache_dir=home)
    assert not errors and sorted(reads) == ["one.yaml", "three.yaml", "two.yaml"]
    reads.clear()
    second, errors = load_directory(levels, cache_dir=home)
    assert not errors and reads == []
    assert second == first
    index = _cache_file(home)
    entries = list(_entries(home).iterdir())
    assert len(entries) == 3 and _entries(home).stat().st_mode & 0o077 == 0
    assert all(path.stat().st_mode & 0o077 == 0 for path in [index, *entries])


def test_a_start_decodes_no_level_until_it_is_played(
    levels: Path, tmp_path: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    expected, _ = load_directory(levels)
    index_directory(levels, cache_dir=home)
    reads.clear()
    opened: list[str] = []
    real_level = LevelCache.level

    def counting(self: LevelCache, digest: str) -> object:
        opened.append(digest)
        return real_level(self, digest)

    monkeypatch.setattr(LevelCache, "level", counting)
    entries, errors = index_directory(levels, cache_dir=home)
    assert not errors and reads == [] and opened == []
    assert all(isinstance(entry, Heading) for entry in entries)
    shown = [(e.id, e.title, e.lesson, e.order, e.direction, e.units) for e in entries]
    assert shown == [(e.id, e.title, e.lesson, e.order, e.direction, e.units) for e in expected]
    assert [entry.source for entry in entries] == [level.source for level in expected]
    two = entries[2]
    assert two.id == "two" and isinstance(two, Heading)
    assert two.load() == expected[2]  # from its cache entry: no file read
    assert reads == [] and len(opened) == 1


def test_a_listed_level_whose_entry_is_gone_is_checked_again_when_played(
    levels: Path, tmp_path: Path, reads: list[str]
) -> None:
    home = tmp_path / "home"
    expected, _ = load_directory(levels)
    index_directory(levels, cache_dir=home)
    for entry in _entries(home).iterdir():
        entry.unlink()
    reads.clear()
    entries, _ = index_directory(levels, cache_dir=home)
    assert reads == []
    assert entries[0].load() == expected[0] and reads == ["one.yaml"]


def test_a_listed_level_broken_meanwhile_is_not_played(levels: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    index_directory(levels, cache_dir=home)
    entries, _ = index_directory(levels, cache_dir=home)
    for entry in _entries(home).iterdir():
        entry.unlink()
    (levels / "one.yaml").write_text("id: one\ntitle: [broken\n")
    with pytest.raises(KlgameError, match="level 'one' changed or broke since the list"):
        entries[0].load()


def test_a_changed_file_is_checked_again(levels: Path, tmp_path: Path, reads: list[str]) -> None:
    home = tmp_path / "home"
    load_directory(levels, cache_dir=home)
    (levels / "two.yaml").write_text(_level_text("two").replace("variance:", "varience:", 1))
    reads.clear()
    found, errors = load_directory(levels, cache_dir=home)
    assert reads == ["two.yaml"]
    assert [level.id for level in found] == ["one", "three"]
    assert errors and "two.yaml" in errors[0] and "varience" in " ".join(errors)


def _cache_file(home: Path) -> Path:
    """The index of the one level directory cached in ``home``."""
    (path,) = (p for p in (home / CACHE_DIR).iterdir() if p.is_file())
    return path


def _entries(home: Path) -> Path:
    """The directory of its levels' entries."""
    (path,) = (p for p in (home / CACHE_DIR).iterdir() if p.is_dir())
    return path


def _set(column: str, value: object):  # type: ignore[no-untyped-def]
    """Tamper with one field of two.yaml's row in the index's columns."""

    def tamper(files: dict, index: int) -> None:
        files[column][index] = value

    return tamper


@pytest.mark.parametrize(
    "tamper",
    [
        _set("title", ["a", "list"]),
        _set("order", True),  # a bool is no order
        _set("units", "furlongs"),
        _set("direction", ["a", "list"]),
        _set("hash", "../../outside"),  # a path for a hash
        _set("hash", "0" * 63 + "g"),
        _set("hash", "A" * 64),  # hex, but not as written
        _set("hash", "0" * 62 + "  "),  # hex that bytes.fromhex takes, spaces and all
        _set("names", 5),  # the file's name
    ],
)
def test_a_tampered_row_of_the_index_is_ignored_and_its_file_checked(
    levels: Path, tmp_path: Path, reads: list[str], tamper
) -> None:
    home = tmp_path / "home"
    expected, _ = load_directory(levels)
    load_directory(levels, cache_dir=home)
    path = _cache_file(home)
    data = json.loads(path.read_text())
    tamper(data["files"], data["files"]["names"].index("two.yaml"))
    path.write_text(json.dumps(data))
    reads.clear()
    found, errors = index_directory(levels, cache_dir=home)
    assert not errors and reads == ["two.yaml"]
    assert [isinstance(f, Level) for f in found] == [False, False, True]  # one, three, two
    assert [f if isinstance(f, Level) else f.load() for f in found] == expected


@pytest.mark.parametrize(
    "tamper",
    [
        lambda files: files["title"].append("one too many"),
        lambda files: files.update(extra=["/etc/shadow"] * 3),
        lambda files: files.update(title="text"),
        lambda files: files.pop("lesson"),
    ],
)
def test_index_columns_out_of_shape_are_ignored_and_every_file_checked(
    levels: Path, tmp_path: Path, reads: list[str], tamper
) -> None:
    home = tmp_path / "home"
    expected, _ = load_directory(levels)
    load_directory(levels, cache_dir=home)
    path = _cache_file(home)
    data = json.loads(path.read_text())
    tamper(data["files"])
    path.write_text(json.dumps(data))
    reads.clear()
    found, errors = load_directory(levels, cache_dir=home)
    assert (
        not errors and found == expected and sorted(reads) == ["one.yaml", "three.yaml", "two.yaml"]
    )


@pytest.mark.parametrize(
    "content",
    [
        pickle.dumps({"format": 1}),
        json.dumps({"format": 2, "klgame": "0.0.0-other", "files": {}}).encode(),
        json.dumps({"format": 1, "klgame": __version__, "files": {}, "levels": {}}).encode(),
        b"[" * 100_000,
    ],
)
def test_a_cache_file_that_is_not_this_version_s_json_is_ignored(
    levels: Path, tmp_path: Path, reads: list[str], content: bytes
) -> None:
    home = tmp_path / "home"
    load_directory(levels, cache_dir=home)
    path = _cache_file(home)
    path.write_bytes(content)
    reads.clear()
    found, errors = load_directory(levels, cache_dir=home)
    assert len(found) == 3 and not errors and len(reads) == 3
    assert json.loads(path.read_text())["klgame"] == __version__  # rewritten


def test_a_cached_file_replaced_by_a_link_outside_is_refused(levels: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    load_directory(levels, cache_dir=home)
    outside = tmp_path / "secret.yaml"
    outside.write_text(_level_text("two", "Secret title"))
    (levels / "two.yaml").unlink()
    (levels / "two.yaml").symlink_to(outside)
    found, errors = load_directory(levels, cache_dir=home)
    assert [level.id for level in found] == ["one", "three"]
    assert errors == [
        f"{levels / 'two.yaml'}: refused: a link to a file outside the level directories"
    ]


def test_a_cache_that_cannot_be_written_leaves_nothing_behind(levels: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / CACHE_DIR).mkdir(parents=True)
    (home / CACHE_DIR / f".{LevelCache(home, levels).path.name}.{os.getpid()}.tmp").mkdir()
    found, errors = load_directory(levels, cache_dir=home)  # the temporary name is taken
    assert len(found) == 3 and not errors
    assert [p.name for p in (home / CACHE_DIR).iterdir() if not p.is_dir()] == []


def test_a_listed_level_scored_by_a_cousin_says_so_from_the_index(tmp_path: Path) -> None:
    """A hosted list comes from the index: a level scored by Jensen–Shannon
    must be listed as such, not by its direction, before it is decoded."""
    directory = tmp_path / "levels"
    directory.mkdir()
    (directory / "js.yaml").write_text(_level_text("js") + "divergence: jensen-shannon\n")
    home = tmp_path / "home"
    (first,), _ = index_directory(directory, cache_dir=home)
    (listed,), errors = index_directory(directory, cache_dir=home)
    assert not errors and isinstance(listed, Heading)
    assert listed.divergence == "jensen-shannon" and listed.scoring == "jensen-shannon"
    assert listed.scoring == first.scoring == listed.load().scoring

    from klgame.cli.levels import format_levels

    assert "Jensen" in format_levels([listed], {})


def _hosted_start(levels: Path, home: Path) -> dict[str, object]:
    """What a hosted start leaves of the collector, in a process of its own
    (freezing is for the whole process)."""
    import subprocess
    import sys

    code = (
        "import argparse, gc, json\n"
        "from klgame.cli.levels import load_levels\n"
        "from klgame.levels.catalog import Heading\n"
        f"args = argparse.Namespace(hosted=True, level_dirs=[{str(levels)!r}])\n"
        "catalog = load_levels(args)\n"
        "print(json.dumps({'enabled': gc.isenabled(), 'frozen': gc.get_freeze_count(),\n"
        "    'levels': len(catalog.entries),\n"
        "    'headings': sum(isinstance(e, Heading) for e in catalog.entries)}))\n"
    )
    env = {**os.environ, "KLGAME_HOME": str(home), "KLGAME_PLAYER": "ada"}
    env.pop("KLGAME_LEVELS", None)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.splitlines()[-1])


def test_a_hosted_start_freezes_its_list_and_collects_as_before(tmp_path: Path) -> None:
    directory = tmp_path / "levels"
    directory.mkdir()
    for index in range(60):  # more than a start leaves to the collector
        (directory / f"l{index}.yaml").write_text(_level_text(f"l{index}"))
    home = tmp_path / "home"
    cold = _hosted_start(directory, home)
    warm = _hosted_start(directory, home)
    builtin = len(load_directory(builtin_levels_dir())[0])
    for start in (cold, warm):
        assert start["enabled"] is True  # the game runs with the collector on
        assert isinstance(start["frozen"], int) and start["frozen"] > 1000
        assert start["levels"] == 60 + builtin
    assert cold["headings"] == 0 and warm["headings"] >= 60  # the second from the index


def test_the_index_lists_its_files_by_name_whatever_order_they_came_in(
    levels: Path, tmp_path: Path, reads: list[str]
) -> None:
    home = tmp_path / "home"
    load_directory(levels, cache_dir=home)
    (levels / "a-new-one.yaml").write_text(_level_text("new"))  # put last, sorts first
    load_directory(levels, cache_dir=home)
    names = json.loads(_cache_file(home).read_text())["files"]["names"]
    assert names == ["a-new-one.yaml", "one.yaml", "three.yaml", "two.yaml"]
    reads.clear()
    found, errors = index_directory(levels, cache_dir=home)
    assert not errors and not reads and all(isinstance(f, Heading) for f in found)
    assert [f.id for f in found] == ["new", "one", "three", "two"]
