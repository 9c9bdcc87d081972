"""SVG snapshots of the main screens at a fixed size, seed, player and clock.

Regenerate with ``pytest tests/ui/test_snapshots.py --snapshot-update`` and
look at the SVGs before committing them.
"""

from __future__ import annotations

from ui_helpers import MakeApp

SIZE = (100, 32)


def test_title(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=SIZE)


def test_play_gaussian(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app = make_app(start_level="gaussian")
    assert snap_compare(app, press=["right"] * 5 + ["down", "left", "_"], terminal_size=SIZE)


def test_reveal_gaussian(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app = make_app(start_level="gaussian")
    assert snap_compare(app, press=["right"] * 5 + ["r", "_", "_"], terminal_size=SIZE)


def test_reveal_space_worms_sweep(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app = make_app(start_level="space-worms")
    assert snap_compare(app, press=["m", "right", "right", "r", "_", "_"], terminal_size=SIZE)


SMALL, LARGE = (80, 24), (120, 40)


def test_play_finale_80x24(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app = make_app(start_level="finale")
    assert snap_compare(app, press=["right", "down", "down", "_"], terminal_size=SMALL)


def test_reveal_finale_80x24(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app = make_app(start_level="finale")
    assert snap_compare(app, press=["right", "r", "_", "_"], terminal_size=SMALL)


def test_play_three_states_120x40(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app = make_app(start_level="three-states")
    assert snap_compare(app, press=["right", "right", "_"], terminal_size=LARGE)


def test_reveal_space_worms_120x40(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app = make_app(start_level="space-worms")
    assert snap_compare(app, press=["m", "right", "r", "_", "_"], terminal_size=LARGE)
