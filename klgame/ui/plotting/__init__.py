"""Plot widgets for curves and bars: plotext rasterises, the widget composes.

plotext does the plotting (axes, ticks, line rasterisation into braille or
block characters), but the widgets never ask it for an ANSI string. Instead:

* the axes frame and every series are built as separate plotext layers, each
  cached until its data, the view or the size changes, so a key press that
  moves the guess re-rasterises only the guess;
* the layers are composed into a grid of characters and the widget hands
  Textual ready-made :class:`~textual.strip.Strip` objects (no ANSI parsing);
* only the rows that changed are refreshed (Textual rewrites such a row from
  the widget's left edge up to the last changed cell), and blank cells join the
  neighbouring run of text so a row needs few escape sequences: a nudge costs
  a few kilobytes on the wire instead of the whole plot;
* a braille line (the guess) is rasterised by :mod:`.braille` in numpy,
  the same cells as plotext draws, about ten times faster;
* updates are coalesced: a burst of ``set_series`` calls draws only the
  latest state, once.

Colours come from the running Textual theme and follow theme changes. Every
role also has its own marker, so the curves stay distinguishable when colour
is off (``NO_COLOR``).

The modules: :mod:`.series` (what is drawn, and how each role looks),
:mod:`.ticks` (round numbers for axes), :mod:`.sampling` (which points of a
curve are drawn), :mod:`.layers` (the shared widget machinery),
:mod:`.curves` and :mod:`.bars` (the two widgets), :mod:`.braille` (the
braille line in numpy), and
:mod:`.plotext_adapter`, the only module that imports plotext.
"""

from klgame.ui.plotting.bars import BarPlot
from klgame.ui.plotting.curves import CurvePlot
from klgame.ui.plotting.series import ROLES, Role, Series
from klgame.ui.plotting.ticks import nice_ticks

__all__ = ["ROLES", "BarPlot", "CurvePlot", "Role", "Series", "nice_ticks"]
