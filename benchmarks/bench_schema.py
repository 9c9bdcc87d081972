"""Time to check the built-in levels: the whole load, and the schema alone.

``load`` is :func:`klgame.levels.load_directory` on the built-in levels
(read, YAML pre-scan, compose, schema); ``schema`` is ``check_level`` on
their already composed node trees. With ``--baseline FILE`` (another
version of the schema, as one module: ``git show REV:klgame/levels/schema.py
> /tmp/old_schema.py``) the two run in turns in this one process, so that
they share the machine's load, and the ratio is printed.

Run: ``python benchmarks/bench_schema.py [--repeats 60] [--baseline FILE]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import yaml

from klgame.levels import loader


def _module(path: str) -> Any:
    spec = importlib.util.spec_from_file_location("baseline_schema", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["baseline_schema"] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=60)
    parser.add_argument("--baseline", help="another schema module to compare with")
    args = parser.parse_args(argv)
    checks: dict[str, Callable[..., Any]] = {"current": loader.check_level}
    if args.baseline:
        checks["baseline"] = _module(args.baseline).check_level
    directory = loader.builtin_levels_dir()
    files = loader.level_files(directory)
    trees = [(f.name, yaml.compose(f.read_text("utf-8"), Loader=loader._PARSER)) for f in files]
    lookup = loader._Levels([directory]).lookup
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.repeats):
        for name, check in checks.items():
            loader.check_level = check  # type: ignore[assignment]
            start = time.perf_counter()
            loader.load_directory(directory)
            times.setdefault(("load", name), []).append(time.perf_counter() - start)
            start = time.perf_counter()
            for source, tree in trees:
                check(tree, source, "", None, lookup)
            times.setdefault(("schema", name), []).append(time.perf_counter() - start)
    loader.check_level = checks["current"]  # type: ignore[assignment]
    print(f"{len(files)} built-in levels, {args.repeats} repeats (milliseconds)")
    for (what, name), values in times.items():
        median, low = statistics.median(values) * 1e3, min(values) * 1e3
        print(f"{what:7} {name:9} median {median:7.2f}  min {low:7.2f}")
    if args.baseline:
        for what in ("load", "schema"):
            ratio = statistics.median(times[(what, "current")]) / statistics.median(
                times[(what, "baseline")]
            )
            print(f"{what:7} current/baseline (medians): {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
