"""Level files of a valid size that would exhaust the loader: refused early,
their problems capped, a broken file not checked again on every hosted start,
and the host's log bounded. Through the real ``klgame`` (subprocesses, and
``strace`` to see which files a start opens)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hosting_harness import klgame_env

from klgame.hosting.hosted import LEVEL_PROBLEMS_FILE, MAX_LOGGED_PROBLEMS, report_level_problems
from klgame.levels.errors import LevelError
from klgame.levels.loader import MAX_BYTES, MAX_ENTRIES, MAX_VALUES, load_level_text
from klgame.levels.schema.nodes import MAX_PROBLEMS

LEVEL = (Path(__file__).parents[2] / "levels" / "gaussian.yaml").read_text()
CROWDED = "".join(f"k{i}: {i}\n" for i in range(60_000))


def _hosted_levels(home: Path, levels: Path, *trace: str) -> subprocess.CompletedProcess[str]:
    env = klgame_env(home, levels)
    return subprocess.run(
        [*trace, sys.executable, "-m", "klgame", "--hosted", "levels"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_a_mapping_of_60000_keys_is_refused_at_its_first_extra_entry(tmp_path: Path) -> None:
    assert len(CROWDED.encode()) < MAX_BYTES  # a valid size
    levels = tmp_path / "levels"
    levels.mkdir()
    (levels / "mk.yaml").write_text(CROWDED)
    done = _hosted_levels(tmp_path / "home", levels)
    assert done.returncode == 0, done.stderr
    written = tmp_path / "home" / LEVEL_PROBLEMS_FILE
    assert written.stat().st_mode & 0o777 == 0o600  # the host's, like the data directory
    log = written.read_text().splitlines()
    line = MAX_ENTRIES + 1  # the first key too many, at the start of its line
    assert log == [
        f"{levels / 'mk.yaml'}:{line}:1: a mapping of more than {MAX_ENTRIES} entries: "
        "a level needs far fewer"
    ]


def test_a_long_list_in_a_field_is_refused_with_its_field() -> None:
    text = LEVEL + "stars: [" + ", ".join(["0.1"] * (MAX_ENTRIES + 1)) + "]\n"
    with pytest.raises(LevelError) as error:
        load_level_text(text, "long.yaml")
    (message,) = error.value.messages
    assert message.startswith(f"long.yaml:{LEVEL.count(chr(10)) + 1}:")
    assert message.endswith(
        f"stars: a list of more than {MAX_ENTRIES} entries: a level needs far fewer"
    )


def test_the_problems_of_a_file_are_capped_with_a_count_of_the_rest() -> None:
    unknown = 450  # fewer than MAX_ENTRIES, each one unknown field
    text = LEVEL + "".join(f"extra{i}: {i}\n" for i in range(unknown))
    with pytest.raises(LevelError) as error:
        load_level_text(text, "many.yaml")
    messages = error.value.messages
    assert len(messages) == MAX_PROBLEMS + 1
    first = LEVEL.count("\n") + 1
    for i, message in enumerate(messages[:-1]):
        assert message.startswith(f"many.yaml:{first + i}:1: extra{i}: unknown field"), message
    assert messages[-1] == f"many.yaml: … and {unknown - MAX_PROBLEMS} more problems"


def _opened(trace: Path, name: str) -> bool:
    return any(name in line and "openat" in line for line in trace.read_text().splitlines())


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
def test_a_broken_file_is_not_checked_again_while_it_is_unchanged(tmp_path: Path) -> None:
    levels = tmp_path / "levels"
    levels.mkdir()
    broken = levels / "broken.yaml"
    broken.write_text(LEVEL.replace("title:", "titel:"))
    home = tmp_path / "home"
    runs = []
    for attempt in range(3):
        if attempt == 2:
            broken.write_text(LEVEL.replace("title:", "tittle:"))  # changed: checked again
        trace = tmp_path / f"trace{attempt}"
        done = _hosted_levels(
            home, levels, "strace", "-f", "-qq", "-e", "trace=openat", "-o", str(trace)
        )
        assert done.returncode == 0, done.stderr
        log = (home / LEVEL_PROBLEMS_FILE).read_text()
        runs.append((_opened(trace, "broken.yaml"), log))
    assert runs[0][0] and not runs[1][0] and runs[2][0]
    assert "titel: unknown field (did you mean 'title'?)" in runs[0][1]
    assert runs[1][1] == runs[0][1]  # the same problems, from the cache
    assert "tittle: unknown field" in runs[2][1] and "titel" not in runs[2][1]


def test_the_host_s_log_of_problems_is_bounded(tmp_path: Path) -> None:
    problems = [f"levels/f{i}.yaml:1:1: id: required field is missing" for i in range(5000)]
    report_level_problems(tmp_path, problems)
    lines = (tmp_path / LEVEL_PROBLEMS_FILE).read_text().splitlines()
    assert lines[:MAX_LOGGED_PROBLEMS] == problems[:MAX_LOGGED_PROBLEMS]
    assert lines[MAX_LOGGED_PROBLEMS:] == [f"… and {5000 - MAX_LOGGED_PROBLEMS} more problems"]


def test_a_file_of_more_values_than_a_level_needs_is_refused() -> None:
    # 400 mappings of 150 entries each: no mapping too long, 120,801 values in all
    text = "".join(f"k{i}:\n" + "".join(f"  s{j}: {j}\n" for j in range(150)) for i in range(400))
    assert len(text.encode()) < MAX_BYTES
    with pytest.raises(LevelError) as error:
        load_level_text(text, "nest.yaml")
    # the top mapping, then 302 values per block (key, mapping, 150 pairs): the
    # 5001st is the value of s82 in block 16, on line 16 * 151 + 1 + 82 + 1
    assert error.value.messages == [
        f"nest.yaml:2500:8: more than {MAX_VALUES} values in one file: a level needs a few hundred"
    ]


def test_a_tampered_row_of_problems_is_dropped_and_the_file_checked_again(
    tmp_path: Path,
) -> None:
    import json

    from klgame.levels.cache import CACHE_DIR
    from klgame.levels.directory import index_directory

    levels = tmp_path / "levels"
    levels.mkdir()
    (levels / "broken.yaml").write_text(LEVEL.replace("title:", "titel:"))
    home = tmp_path / "home"
    _, first = index_directory(levels, cache_dir=home)
    assert any("titel: unknown field" in line for line in first)
    (index,) = (home / CACHE_DIR).glob("*.json")
    data = json.loads(index.read_text())
    for bad in (["forged"] * 101, [7], "forged", ["x" * 5000]):
        data["broken"]["broken.yaml"][4] = bad
        index.write_text(json.dumps(data))
        _, again = index_directory(levels, cache_dir=home)
        assert again == first
        data = json.loads(index.read_text())  # rewritten with the true problems
        assert data["broken"]["broken.yaml"][4] == first


def test_validate_counts_the_problems_left_unlisted(tmp_path: Path) -> None:
    unknown = 450
    (tmp_path / "many.yaml").write_text(LEVEL + "".join(f"extra{i}: {i}\n" for i in range(unknown)))
    done = subprocess.run(
        [sys.executable, "-m", "klgame", "validate", str(tmp_path / "many.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
        env={"KLGAME_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == MAX_PROBLEMS + 2
    assert lines[-2].endswith(f"… and {unknown - MAX_PROBLEMS} more problems")
    assert lines[-1] == f"{unknown} errors; 0 valid level(s)"
