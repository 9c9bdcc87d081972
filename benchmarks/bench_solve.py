"""D* for any valid level: time and memory of the best-fit search.

Every built-in level and a set of generated ones at the limits the schema
allows (categorical guesses over 7, 10, 16 and 50 outcomes, some with zero
masses, some with bounds and fixed entries, in both directions; binomial,
Poisson and uniform guesses against Binomial(200, p); mixture targets of 8
components against Gaussian and 8-component mixture guesses, also with
means over ±1e6 and variances from 1e-6 to 1e9 on the widest bounds
allowed; 8 models in one level, also 8 of 8 components each) is solved in a
fresh process, as ``klgame solve`` would: load the level, draw its target,
``best_fit``. Per level it reports the best fit's wall and CPU time and the
process's peak memory (ru_maxrss), next to a baseline process that does the
same but the fit (its ratio to the baseline is what the fit adds). Goal:
every level ≤ 2 s and ≤ 200 MB.

    python benchmarks/bench_solve.py              # a few minutes
    python benchmarks/bench_solve.py --json       # machine-readable
    python benchmarks/bench_solve.py --only mixture8 --against /tmp/old
        # also each level with the klgame package in /tmp/old (say, from
        # `git archive main klgame | tar -x -C /tmp/old`), alternately:
        # before and after in one run, under the same load
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


def _extreme_target(k: int) -> str:
    """k components over the whole range the schema allows: means from
    −1e6 to 1e6, variances from 1e-6 to 1e9 (klgame/levels/limits.py)."""
    means = [round(-1e6 + 2e6 * i / (k - 1), 1) for i in range(k)]
    variances = [float(f"{10.0 ** (-6 + 15 * i / (k - 1)):.3g}") for i in range(k)]
    variances = variances[::2] + variances[1::2]  # narrow beside wide
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


def _mixture8_extreme(direction: str) -> str:
    """The largest mixture guess, every knob over the widest bounds allowed."""
    params = "".join(
        f"    mean{i}: {{min: -1e6, max: 1e6, step: 1000}}\n"
        f"    variance{i}: {{min: 1e-6, max: 1e9, step: 1}}\n"
        for i in range(1, 9)
    )
    return (
        HEADER.format(id=f"mixture8-extreme-{direction}", direction=direction)
        + _extreme_target(8)
        + f"guess:\n  family: mixture\n  components: 8\n  params:\n{params}"
    )


def _eight_mixture8_models(direction: str) -> str:
    models = []
    for i in range(1, 9):
        weights = [1 + ((i + j) % 4) for j in range(8)]
        models.append(
            f"  - id: m{i}\n    title: Model {i}\n    family: mixture\n    components: 8\n"
            f"    weights: {weights}\n"
        )
    return (
        HEADER.format(id=f"eight-mixture8-models-{direction}", direction=direction)
        + _mixture_target(8)
        + "guess:\n"
        + "".join(models)
    )


def _binomial_200(direction: str) -> str:
    return HEADER.format(id=f"binomial-200-{direction}", direction=direction) + textwrap.dedent(
        """\
        target:
          family: binomial
          n: 200
          p: {random: [0.05, 0.95]}
        guess:
          - family: binomial
            n: 200
          - family: poisson
            params:
              lambda: {min: 1e-6, max: 1e6, step: 1}
          - family: uniform
        """
    )


def _categorical_50_bounded(direction: str) -> str:
    counts = [((7 * i) % 11) + 1 for i in range(50)]
    params = "".join(
        f"    '{i}': {{min: 0.001, max: 0.05}}\n" if i % 3 == 0 else f"    '{i}': 0.01\n"
        for i in range(0, 49, 2)
    )
    return (
        HEADER.format(id=f"categorical-50-bounded-{direction}", direction=direction)
        + textwrap.dedent(
            f"""\
        target:
          family: categorical
          counts: {counts}
        guess:
          family: categorical
          params:
        """
        )
        + params
    )


def generated() -> dict[str, str]:
    files = {}
    for k in (7, 10, 16, 50):
        for direction in ("forward", "reverse"):
            files[f"categorical-{k}-{direction}"] = _categorical(k, direction, zeros=1 + k // 10)
    for direction in ("forward", "reverse"):
        files[f"categorical-50-bounded-{direction}"] = _categorical_50_bounded(direction)
        files[f"binomial-200-{direction}"] = _binomial_200(direction)
    for direction in ("forward", "reverse"):
        files[f"gaussian-vs-8-{direction}"] = _gaussian_vs_8(direction)
        files[f"mixture8-vs-8-{direction}"] = _mixture8_vs_8(direction)
        files[f"mixture8-extreme-{direction}"] = _mixture8_extreme(direction)
        files[f"eight-mixture8-models-{direction}"] = _eight_mixture8_models(direction)
    files["eight-models-reverse"] = _eight_models()
    return files


def run_child(
    directory: Path, level_id: str, seed: int, mode: str, code: Path | None = None
) -> dict:
    """One fresh process; ``code``: a checkout whose ``klgame`` it imports instead."""
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(directory), level_id, str(seed), mode],
        capture_output=True,
        text=True,
        cwd=ROOT if code is None else code,
        env=env,
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
    parser.add_argument("--only", default="", help="only the levels whose id contains this")
    parser.add_argument(
        "--against",
        type=Path,
        help="a directory holding another version's klgame package: each level is also "
        "solved with it, alternately, and the ratio of CPU times reported",
    )
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        made = Path(tmp)
        for level_id, text in generated().items():
            (made / f"{level_id}.yaml").write_text(text, encoding="utf-8")
        cases = [(BUILTIN, p.stem) for p in sorted(BUILTIN.glob("*.yaml"))]
        cases += [(made, level_id) for level_id in generated()]
        cases = [(d, level_id) for d, level_id in cases if args.only in level_id]
        baseline = run_child(BUILTIN, "gaussian", args.seed, "load")
        for index, (directory, level_id) in enumerate(cases):
            other = None
            if args.against is not None and index % 2:  # alternate which runs first
                other = run_child(directory, level_id, args.seed, "fit", args.against)
            measured = run_child(directory, level_id, args.seed, "fit")
            if args.against is not None and other is None:
                other = run_child(directory, level_id, args.seed, "fit", args.against)
            measured["level"] = level_id
            measured["peak_ratio_to_baseline"] = measured["peak_bytes"] / baseline["peak_bytes"]
            if other is not None:
                measured["against"] = other
                measured["cpu_ratio_to_against"] = measured["cpu_s"] / max(other["cpu_s"], 1e-9)
            rows.append(measured)
    result = {
        "command": "python " + " ".join(["benchmarks/bench_solve.py", *(argv or sys.argv[1:])]),
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
    against = " against: D*, CPU, CPU ratio" if args.against else ""
    print(
        f"{'level':<30} {'D* (nats)':>12} {'wall':>9} {'CPU':>9} {'peak':>10} {'× base':>7}"
        + against
    )
    for r in rows:
        line = (
            f"{r['level']:<30} {r['d_star']:>12.6g} {r['wall_s']:>8.3f}s {r['cpu_s']:>8.3f}s "
            f"{r['peak_bytes'] / 2**20:>7.1f}MiB {r['peak_ratio_to_baseline']:>7.2f}"
        )
        if "against" in r:
            o = r["against"]
            line += f"  {o['d_star']:>12.6g} {o['cpu_s']:>8.3f}s {r['cpu_ratio_to_against']:>6.2f}"
        print(line)
    print(
        f"worst: {result['worst_wall_s']:.3f} s, {result['worst_peak_bytes'] / 2**20:.1f} MiB "
        "(goal ≤ 2 s and ≤ 200 MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
