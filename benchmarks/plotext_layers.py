"""One plotext version rasterising prepared curve layers: the child of
``bench_plot_path.py --plotext6``, run once per version and round.

    python benchmarks/plotext_layers.py FRAMES.npz --engine 5|6

Needs only numpy and plotext (5 through klgame's adapter, 6 through its
public API: ``figure.build()`` and the matrix it returns), so it runs in a
separate environment holding plotext 6. Prints JSON: the import time of
plotext, the CPU per frame (``time.process_time``), and the first frame's
non-blank cells for comparing the two drawings.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import sys
import time
from pathlib import Path

import numpy as np


def plotext5_layers() -> tuple[float, object]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    start = time.perf_counter()
    import plotext  # what the adapter imports, timed alone
    import plotext._figure
    import plotext._matrix
    import plotext._utility  # noqa: F401

    imported = time.perf_counter() - start
    from klgame.ui.plotting.plotext_adapter import Canvas, Trace

    canvas = Canvas()

    def layer(cols: int, rows: int, lims: tuple, xs: np.ndarray, ys: np.ndarray) -> list[str]:
        return canvas.layer(cols, rows, lims, [Trace(xs, ys, "braille")])

    return imported, layer


def plotext6_layers() -> tuple[float, object]:
    start = time.perf_counter()
    import plotext  # what the adapter imports, timed alone

    imported = time.perf_counter() - start
    plotext.terminal.limit(False, False)
    figure = plotext.figure

    def layer(cols: int, rows: int, lims: tuple, xs: np.ndarray, ys: np.ndarray) -> list[str]:
        figure.clear()
        figure.plot_size(cols, rows)
        figure.axes(False)
        figure.ruler("both", "both").ticks([])
        figure.ruler(0).lim(lims[0], lims[1])
        figure.ruler(1).lim(lims[2], lims[3])
        figure.ruler("both", "both").alignment(lim="edge")
        figure.draw(figure.signal(xs.tolist(), ys.tolist(), marker="braille").lines())
        return figure.build().string(colorless=True).split("\n")[:rows]

    return imported, layer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("frames", type=Path)
    parser.add_argument("--engine", choices=("5", "6"), required=True)
    parser.add_argument("--show", action="store_true", help="print the first frame to stderr")
    args = parser.parse_args()
    data = np.load(args.frames)
    cols, rows = (int(v) for v in data["size"])
    lims = tuple(float(v) for v in data["lims"])
    frames = [(data[f"x{i}"], data[f"y{i}"]) for i in range(int(data["count"]))]
    imported, layer = (plotext5_layers if args.engine == "5" else plotext6_layers)()
    for xs, ys in frames[:20]:  # warm up
        layer(cols, rows, lims, xs, ys)  # type: ignore[operator]
    start = time.process_time()
    for xs, ys in frames:
        layer(cols, rows, lims, xs, ys)  # type: ignore[operator]
    per_frame = (time.process_time() - start) / len(frames)
    first = layer(cols, rows, lims, *frames[0])  # type: ignore[operator]
    cells = [[r, c, ch] for r, row in enumerate(first) for c, ch in enumerate(row) if ch != " "]
    if args.show:
        print("\n".join(first), file=sys.stderr)
    version = importlib.metadata.version("plotext")
    print(
        json.dumps(
            {"import_s": imported, "cpu_s_per_frame": per_frame, "cells": cells, "plotext": version}
        )
    )


if __name__ == "__main__":
    main()
