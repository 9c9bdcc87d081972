"""The title's entries know their own height, and it is the one Textual finds."""

from __future__ import annotations

import pytest
from textual.content import Content

from klgame.levels import load_catalog
from klgame.ui.screens.title import level_prompt


@pytest.mark.parametrize("room", [20, 44, 74, 114, 194])
def test_an_entry_s_height_is_what_textual_wraps_it_to(room: int) -> None:
    levels = list(load_catalog())
    width = max(len(level.title) for level in levels)
    for number, level in enumerate(levels, 1):
        entry = level_prompt(level, number, width, None, room)
        plain = Content(entry.plain, list(entry.spans))  # Textual's own height
        for columns in range(max(4, room - 30), room + 8):
            for rules in ({}, {"text_wrap": "nowrap"}, {"line_pad": 1}):
                assert entry.get_height(rules, columns) == plain.get_height(rules, columns), (
                    level.id,
                    columns,
                    rules,
                )
