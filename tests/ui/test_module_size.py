"""No module of the terminal UI grows past 600 lines (the house rule)."""

from __future__ import annotations

from pathlib import Path

import pytest

LIMIT = 600
UI = Path(__file__).resolve().parents[2] / "klgame" / "ui"
MODULES = sorted(UI.rglob("*.py"))


def test_the_ui_modules_are_found() -> None:
    # the adapter is the one module that imports plotext: it must exist and be counted
    names = {path.relative_to(UI).as_posix() for path in MODULES}
    assert {"app.py", "plotting/plotext_adapter.py", "plotting/curves.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(UI).as_posix())
def test_no_ui_module_is_over_600_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= LIMIT, f"{path.relative_to(UI)} has {lines} lines (at most {LIMIT})"
