"""The game's own directories and small files: private, and written whole."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from klgame.files import private_dir, write_private


def test_every_directory_made_is_0700_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        made = private_dir(tmp_path / "a" / "b" / "c")
    finally:
        os.umask(old)
    for directory in (tmp_path / "a", tmp_path / "a" / "b", made):
        assert directory.stat().st_mode & 0o777 == 0o700, directory


def test_a_private_file_is_replaced_whole_and_is_0600(tmp_path: Path) -> None:
    path = tmp_path / "names"
    path.write_text("old\n")
    path.chmod(0o644)
    write_private(path, "new\n")
    assert path.read_text() == "new\n"
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["names"]  # no temporary file left


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "names"
    path.write_text("old\n")
    with pytest.raises(UnicodeEncodeError):
        write_private(path, "new \udc80\n", encoding="ascii")  # cannot be encoded
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["names"]
