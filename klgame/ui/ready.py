"""Rows a widget has already made, handed to the compositor as they are.

A widget's ``render_lines`` goes through Textual's styles cache, which puts
each row of content inside the widget's padding, border and outline, applies
its tint, opacity and text opacity, and the app's line filters. For a widget
with none of those, that is a copy of each row with the filters applied. The
plot, the panels of lines and the big number make their rows themselves, and
a nudge changes a dozen of them: :func:`ready_lines` gives the same strips
without the copy (``tests/ui/test_ready.py`` compares it with
``Widget.render_lines``), and returns ``None`` when the styles do add
something, for the caller to take Textual's way.
"""

from __future__ import annotations

from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget


def ready_lines(widget: Widget, crop: Region) -> list[Strip] | None:
    """``widget.render_lines(crop)`` straight from ``widget.render_line``, or
    ``None`` if the widget's styles change its rows."""
    styles = widget.styles
    if (
        widget.BLANK
        or widget._border_title is not None
        or widget._border_subtitle is not None
        or any(styles.gutter)
        or any(kind for kind, _ in styles.outline)
        or styles.tint.a
        or styles.text_opacity != 1.0
        or (styles.has_rule("hatch") and styles.hatch != "none")
        or widget.opacity != 1.0
    ):
        return None
    if widget.auto_links:
        hover = widget.hover_style
        if hover._link_id and hover._meta and "@click" in hover.meta:
            return None  # links styled on hover: Textual's way
    cache = widget._styles_cache
    width = widget.region.width
    if width != cache._width or cache._cache or cache._dirty_lines:
        # what the cache holds would go stale: it starts again if ever used
        cache.clear()
        cache._width = width
    base_background, background = widget.background_colors
    inner = cache.get_inner_outer(base_background, background)[0].rich_style
    filters = widget.get_line_filters()
    render_line = widget.render_line
    strips = []
    for y in crop.line_range:
        strip = render_line(y).adjust_cell_length(width, inner)
        for line_filter in filters:
            strip = strip.apply_filter(line_filter, background)
        strips.append(strip)
    x1, x2 = crop.column_span
    if (x1, x2) != (0, width):
        strips = [strip.crop(x1, x2) for strip in strips]
    return strips
