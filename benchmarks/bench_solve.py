"""D* for any valid level: time and memory of the best-fit search.

Every built-in level and a set of generated ones at the limits the schema
allows (categorical guesses over 7, 10, 16 and 50 outcomes, some with zero
masses, in both directions; mixture targets of 8 components against
Gaussian and 8-component mixture guesses; 8 models in one level) is solved
in a fresh process, as ``klgame solve`` would: load the level, draw its
target, ``best_fit``. Per level it reports the best fit's wall and CPU time
and the process's peak memory (ru_maxrss), next to a baseline process that
does the same but the fit (its ratio to the baseline is what the fit adds).
Goal: every level ≤ 2 s and ≤ 200 MB.

    python benchmarks/bench_solve.py            # about a minute
    python benchmarks/bench_solve.py --json     # machine-readable
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILTIN = ROOT / "levels"

#: Run in each child: load, draw, (fit), then print timings as JSON.
CHILD = """
import json, resource, sys, time
from pathlib import Path
from klgame.levels import best_fit, load_catalog
levels = {l.id: l for l in load_catalog([Path(sys.argv[1])]).levels}
level = levels[sys.argv[2]]
target = level.target.draw(int(sys.argv[3]))
wall, cpu = time.perf_counter(), time.process_time()
d_star = None
if sys.argv[4] == "fit":
    d_star = best_fit(level, target).divergence
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"wall_s": wall, "cpu_s": cpu, "peak_bytes": peak, "d_star": d_star}))
"""

HEADER = """\
id: {id}
title: {id}
lesson: Generated for the benchmark.
intro: Match the hidden distribution.
reveal: Done.
direction: {direction}
stars: [0.01, 0.1, 1.0]
"""


def _categorical(k: int, direction: str, zeros: int) -> str:
    counts = [((7 * i) % 11) + 1 for i in range(k)]
    for i in range(zeros):
        counts[(3 * i + 1) % k] = 0
    return HEADER.format(id=f"categorical-{k}-{direction}", direction=direction) + textwrap.dedent(
        f"""\
        target:
          family: categorical
          counts: {counts}
        guess:
          family: categorical
        """
    )


def _mixture_target(k: int) -> str:
    means = [round(-14 + 28 * i / (k - 1), 3) for i in range(k)]
    variances = [round(0.3 + 0.4 * (i % 4), 3) for i in range(k)]
    weights = [1 + (i % 3) for i in range(k)]
    return textwrap.dedent(
        f"""\
        target:
          family: mixture
          weights: {weights}
          means: {means}
          variances: {variances}
        """
    )


def _gaussian_vs_8(direction: str) -> str:
    return (
        HEADER.format(id=f"gaussian-vs-8-{direction}", direction=direction)
        + _mixture_target(8)
        + "guess:\n  family: gaussian\n  params:\n    mean: {min: -20, max: 20}\n"
    )


def _mixture8_vs_8(direction: str) -> str:
    params = "".join(
        f"    mean{i}: {{min: -20, max: 20}}\n    variance{i}: {{min: 0.05, max: 30}}\n"
        for i in range(1, 9)
    )
    return (
        HEADER.format(id=f"mixture8-vs-8-{direction}", direction=direction)
        + _mixture_target(8)
        + f"guess:\n  family: mixture\n  components: 8\n  params:\n{params}"
    )


def _eight_models() -> str:
    models = []
    for i in range(1, 9):
        models.append(
            f"  - id: m{i}\n    title: Model {i}\n    family: mixture\n    components: {i}\n"
        )
    return (
        HEADER.format(id="eight-models-reverse", direction="reverse")
        + _mixture_target(8)
        + "guess:\n"
        + "".join(models)
    )


def generated() -> dict[str, str]:
    files = {}
    for k in (7, 10, 16, 50):
        for direction in ("forward", "reverse"):
            files[f"categorical-{k}-{direction}"] = _categorical(k, direction, zeros=1 + k // 10)
    for direction in ("forward", "reverse"):
        files[f"gaussian-vs-8-{direction}"] = _gaussian_vs_8(direction)
        files[f"mixture8-vs-8-{direction}"] = _mixture8_vs_8(direction)
    files["eight-models-reverse"] = _eight_models()
    return files


def run_child(directory: Path, level_id: str, seed: int, mode: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(directory), level_id, str(seed), mode],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{level_id}: {out.stderr.strip().splitlines()[-1]}")
    return json.loads(out.stdout)


def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--seed", type=int, default=3, help="the seed of every target")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        made = Path(tmp)
        for level_id, text in generated().items():
            (made / f"{level_id}.yaml").write_text(text, encoding="utf-8")
        cases = [(BUILTIN, p.stem) for p in sorted(BUILTIN.glob("*.yaml"))]
        cases += [(made, level_id) for level_id in generated()]
        baseline = run_child(BUILTIN, "gaussian", args.seed, "load")
        for directory, level_id in cases:
            measured = run_child(directory, level_id, args.seed, "fit")
            measured["level"] = level_id
            measured["peak_ratio_to_baseline"] = measured["peak_bytes"] / baseline["peak_bytes"]
            rows.append(measured)
    result = {
        "command": "python benchmarks/bench_solve.py",
        "machine": machine(),
        "baseline_peak_bytes": baseline["peak_bytes"],
        "levels": rows,
        "worst_wall_s": max(r["wall_s"] for r in rows),
        "worst_peak_bytes": max(r["peak_bytes"] for r in rows),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    m = result["machine"]
    print(f"machine: {m['nproc']} × {m['cpu']}, Python {m['python']}, load {m['load_average']}")
    print(f"baseline process (load + draw, no fit): peak {baseline['peak_bytes'] / 2**20:.1f} MiB")
    print(f"{'level':<28} {'D* (nats)':>12} {'wall':>9} {'CPU':>9} {'peak':>10} {'× base':>7}")
    for r in rows:
        print(
            f"{r['level']:<28} {r['d_star']:>12.6g} {r['wall_s']:>8.3f}s {r['cpu_s']:>8.3f}s "
            f"{r['peak_bytes'] / 2**20:>7.1f}MiB {r['peak_ratio_to_baseline']:>7.2f}"
        )
    print(
        f"worst: {result['worst_wall_s']:.3f} s, {result['worst_peak_bytes'] / 2**20:.1f} MiB "
        "(goal ≤ 2 s and ≤ 200 MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
