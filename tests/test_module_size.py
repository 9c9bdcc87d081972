"""No module of the package grows past 600 lines (the house rule)."""

from __future__ import annotations

from pathlib import Path

import pytest

LIMIT = 600
PACKAGE = Path(__file__).resolve().parents[1] / "klgame"
MODULES = sorted(PACKAGE.rglob("*.py"))


def test_the_modules_are_found() -> None:
    # the largest modules of each layer must exist and be counted
    names = {path.relative_to(PACKAGE).as_posix() for path in MODULES}
    assert {
        "ui/app.py",
        "ui/plotting/plotext_adapter.py",
        "core/rules.py",
        "engine/fitting.py",
        "levels/loader.py",
    } <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_module_is_over_600_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= LIMIT, f"{path.relative_to(PACKAGE)} has {lines} lines (at most {LIMIT})"
