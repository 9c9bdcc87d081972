"""The big number's rows, made from the glyphs, are the rows Digits renders."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Digits

from klgame.ui.widgets import BigNumber


class Host(App[None]):
    CSS = """
    BigNumber { width: auto; height: 3; color: red; }
    #wide { width: 20; }
    #centred { width: 21; text-align: center; }
    #right { width: 19; text-align: right; }
    """

    def compose(self) -> ComposeResult:
        yield BigNumber("0.1234", id="auto")
        yield BigNumber("0.1234", id="wide")
        yield BigNumber("0.1234", id="centred")
        yield BigNumber("0.1234", id="right")


@pytest.mark.parametrize("value", ["0.1234", "12.345", "999999", "-", "0.0000"])
async def test_the_rows_are_those_digits_renders(value: str) -> None:
    app = Host()
    async with app.run_test(size=(60, 20)) as pilot:
        numbers = list(app.query(BigNumber))
        for number in numbers:
            number.update(value)
        await pilot.pause()
        for number in numbers:
            ours = [number.render_line(y) for y in range(3)]
            number.refresh()  # so that Digits renders afresh
            theirs = [Digits.render_line(number, y) for y in range(3)]
            assert ours == theirs, number.id
            assert "".join(s.text for s in ours).strip()  # something is drawn
