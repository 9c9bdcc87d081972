"""How fast the KL engine answers, and how it compares with general-purpose tools.

Measured (median and p95 of many timed calls, after a warm-up):

* both directions of KL for a 3-vs-3 mixture pair with ``continuous_pair``
  (goal ≤ 150 µs median), for a finale-like pair and for a harsh wide-spread
  pair, each with a freshly built guess per call (what one key press costs)
  and with the same two objects reused (cached per-object arrays warm);
* Gaussian–Gaussian ``kl`` (goal ≤ 5 µs);
* the full reverse fit of one Gaussian to 0.4·N(−3,1) + 0.6·N(3,1)
  (goal ≤ 30 ms), with the first fit in the process timed apart;
* side by side, for the same mixture pairs and both directions:
  ``scipy.integrate.quad`` at tight tolerance (epsabs=1e-13, epsrel=1e-12,
  limit=200) on the same integrand written with numpy and logsumexp -- over
  (−∞, ∞) as one would first write it, and over a finite range with the
  component means as breakpoints -- and the fastest reasonable ``quad``: a
  lean scalar integrand in plain floats on the finite range with the means as
  breakpoints, and ``quad_vec`` with a numpy integrand giving both directions
  at once -- and seeded Monte Carlo with 10⁵ samples:
  their times, their ratio to the engine, and their errors against the
  mpmath references in ``tests/data/kl_references.json``;
* ``python -c "import klgame.engine"`` in a fresh interpreter (goal ≤ 150 ms):
  the median wall time of several runs, the same minus a bare interpreter's
  start-up, and the engine's own cumulative figure from ``-X importtime``.

    python benchmarks/bench_engine.py            # about half a minute
    python benchmarks/bench_engine.py --json     # machine-readable
    python benchmarks/bench_engine.py --quick    # fewer repeats, for a smoke test
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCES = ROOT / "tests" / "data" / "kl_references.json"
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

# Timed before anything else imports it (the engine must not import scipy).
_started = time.perf_counter()
import klgame.engine as engine  # noqa: E402

ENGINE_IMPORT_IN_PROCESS = time.perf_counter() - _started
import numpy as np  # noqa: E402

PAIRS = {
    "finale": "finale-like three vs three",
    "harsh": "harsh wide spread three vs three",
}
GAME_BOUNDS = {"mean": (-20.0, 20.0), "variance": (0.01, 50.0)}


# --- timing --------------------------------------------------------------------------


def measure(call: Callable[[], object], repeats: int, batch: int = 1, warmup: int = 5) -> dict:
    """Per-call seconds: median and p95 over ``repeats`` samples of ``batch`` calls each."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(batch):
            call()
        samples.append((time.perf_counter() - start) / batch)
    samples.sort()
    return {
        "median_s": statistics.median(samples),
        "p95_s": samples[min(len(samples) - 1, math.ceil(0.95 * len(samples)) - 1)],
        "min_s": samples[0],
        "samples": repeats,
        "calls_per_sample": batch,
    }


def subprocess_times(code: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return times


def importtime_cumulative(module: str, runs: int) -> list[float]:
    """The module's cumulative import time (s) as reported by ``-X importtime``."""
    found = []
    pattern = re.compile(rf"^import time:\s+\d+\s+\|\s+(\d+)\s+\|\s*{re.escape(module)}$")
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {module}"],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        for line in out.stderr.splitlines():
            match = pattern.match(line.strip())
            if match:
                found.append(int(match.group(1)) * 1e-6)
    return found


# --- the pairs and their references ------------------------------------------------------


def load_references() -> dict[str, dict]:
    cases = json.loads(REFERENCES.read_text(encoding="utf-8"))["cases"]
    return {case["name"]: case for case in cases}


def build(spec: dict) -> engine.Mixture:
    parts = [engine.Gaussian(m, v) for m, v in zip(spec["means"], spec["variances"], strict=True)]
    return engine.Mixture(parts, spec["weights"])


def relative_error(value: float, reference: str) -> float:
    if not math.isfinite(value):
        return math.inf
    return float(abs(Fraction(value) - Fraction(reference)) / Fraction(reference))


def numpy_log_density(spec: dict):
    """log p(x) for a scalar or an array, with scipy's logsumexp: the usual way to write it."""
    from scipy.special import logsumexp

    w = np.asarray(spec["weights"], dtype=float)
    m = np.asarray(spec["means"], dtype=float)
    v = np.asarray(spec["variances"], dtype=float)
    const = np.log(w) - 0.5 * np.log(2 * np.pi * v)

    def log_density(x):
        x = np.asarray(x, dtype=float)
        logs = const[:, None] - 0.5 * (x.reshape(1, -1) - m[:, None]) ** 2 / v[:, None]
        out = logsumexp(logs, axis=0)
        return out.reshape(x.shape)

    return log_density


def scipy_quad_pair(p: dict, q: dict, finite: bool) -> tuple[float, float]:
    from scipy.integrate import quad

    log_p, log_q = numpy_log_density(p), numpy_log_density(q)

    def one(log_a, log_b, spec_a):
        def integrand(x: float) -> float:
            la = float(log_a(x))
            return math.exp(la) * (la - float(log_b(x)))

        options = {"epsabs": 1e-13, "epsrel": 1e-12, "limit": 200}
        if not finite:
            return quad(integrand, -math.inf, math.inf, **options)[0]
        stds = [math.sqrt(v) for v in spec_a["variances"]]
        lo = min(m - 40 * s for m, s in zip(spec_a["means"], stds, strict=True))
        hi = max(m + 40 * s for m, s in zip(spec_a["means"], stds, strict=True))
        points = sorted(set(p["means"]) | set(q["means"]))
        return quad(integrand, lo, hi, points=points, **options)[0]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # IntegrationWarning is part of what we report
        return one(log_p, log_q, p), one(log_q, log_p, q)


def _lean_terms(spec: dict) -> list[tuple[float, float, float]]:
    """(mean, 1/(2·variance), log(weight/√(2π·variance))) per component, as floats."""
    return [
        (m, 0.5 / v, math.log(w) - 0.5 * math.log(2 * math.pi * v))
        for w, m, v in zip(spec["weights"], spec["means"], spec["variances"], strict=True)
    ]


def _finite_range(p: dict, q: dict) -> tuple[float, float, list[float]]:
    """Mean ± 40 std of every component of both, and the means as breakpoints."""
    ends = [
        (m - 40 * math.sqrt(v), m + 40 * math.sqrt(v))
        for spec in (p, q)
        for m, v in zip(spec["means"], spec["variances"], strict=True)
    ]
    points = sorted(set(p["means"]) | set(q["means"]))
    return min(lo for lo, _ in ends), max(hi for _, hi in ends), points


def scipy_quad_lean(p: dict, q: dict) -> tuple[float, float]:
    """The fastest reasonable ``quad``: a scalar integrand in plain floats (no numpy
    per call), log-sum-exp by hand, a finite range, the component means as points."""
    from scipy.integrate import quad

    tp, tq = _lean_terms(p), _lean_terms(q)

    def log_density(terms, x: float) -> float:
        logs = [c - h * (x - m) * (x - m) for m, h, c in terms]
        top = max(logs)
        return top + math.log(math.fsum(math.exp(v - top) for v in logs))

    def forward(x: float) -> float:
        lp = log_density(tp, x)
        return math.exp(lp) * (lp - log_density(tq, x))

    def reverse(x: float) -> float:
        lq = log_density(tq, x)
        return math.exp(lq) * (lq - log_density(tp, x))

    lo, hi, points = _finite_range(p, q)
    options = {"epsabs": 1e-13, "epsrel": 1e-12, "limit": 200, "points": points}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quad(forward, lo, hi, **options)[0], quad(reverse, lo, hi, **options)[0]


def scipy_quad_vec(p: dict, q: dict) -> tuple[float, float]:
    """``quad_vec`` with a numpy integrand giving both directions at once, on the
    same finite range cut at the component means."""
    from scipy.integrate import quad_vec

    log_p, log_q = numpy_log_density(p), numpy_log_density(q)

    def both(x: float) -> np.ndarray:
        lp, lq = float(log_p(x)), float(log_q(x))
        return np.array([math.exp(lp) * (lp - lq), math.exp(lq) * (lq - lp)])

    lo, hi, points = _finite_range(p, q)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value, _ = quad_vec(both, lo, hi, epsabs=1e-13, epsrel=1e-12, points=points, limit=200)
    return float(value[0]), float(value[1])


def monte_carlo_pair(p: dict, q: dict, n: int = 100_000, seed: int = 1) -> tuple[float, float]:
    log_p, log_q = numpy_log_density(p), numpy_log_density(q)
    xp = build(p).sample(n, seed=seed)
    xq = build(q).sample(n, seed=seed + 1)
    return float(np.mean(log_p(xp) - log_q(xp))), float(np.mean(log_q(xq) - log_p(xq)))


# --- the benchmarks ---------------------------------------------------------------------


def bench_pairs(references: dict, repeats: int) -> dict:
    out = {}
    for key, name in PAIRS.items():
        case = references[name]
        p_spec, q_spec = case["p"], case["q"]
        target, guess = build(p_spec), build(q_spec)
        forward, reverse = engine.continuous_pair(target, guess)
        fresh = measure(lambda: engine.continuous_pair(target, build(q_spec)), repeats)  # noqa: B023
        reused = measure(lambda: engine.continuous_pair(target, guess), repeats)  # noqa: B023
        build_only = measure(lambda: build(q_spec), repeats)  # noqa: B023

        quad_inf = scipy_quad_pair(p_spec, q_spec, finite=False)
        quad_fin = scipy_quad_pair(p_spec, q_spec, finite=True)
        quad_lean = scipy_quad_lean(p_spec, q_spec)
        quad_vector = scipy_quad_vec(p_spec, q_spec)
        mc = monte_carlo_pair(p_spec, q_spec)
        slow = 3 if repeats < 500 else 7  # these take 0.1-2 s a call
        t_quad_inf = measure(lambda: scipy_quad_pair(p_spec, q_spec, False), slow, warmup=1)  # noqa: B023
        t_quad_fin = measure(lambda: scipy_quad_pair(p_spec, q_spec, True), slow, warmup=1)  # noqa: B023
        t_quad_lean = measure(lambda: scipy_quad_lean(p_spec, q_spec), slow * 3, warmup=1)  # noqa: B023
        t_quad_vec = measure(lambda: scipy_quad_vec(p_spec, q_spec), slow, warmup=1)  # noqa: B023
        t_mc = measure(lambda: monte_carlo_pair(p_spec, q_spec), slow, warmup=1)  # noqa: B023

        def errors(pair: tuple[float, float]) -> dict:
            return {
                "forward": relative_error(pair[0], case["kl_pq"]),  # noqa: B023
                "reverse": relative_error(pair[1], case["kl_qp"]),  # noqa: B023
            }

        engine_median = fresh["median_s"]
        out[key] = {
            "reference": name,
            "kl_forward": float(case["kl_pq"]),
            "kl_reverse": float(case["kl_qp"]),
            "engine": {
                "fresh_guess": fresh,
                "same_objects": reused,
                "building_the_guess": build_only,
                "relative_error": errors((forward, reverse)),
            },
            "scipy_quad_infinite": {
                "time": t_quad_inf,
                "ratio_to_engine": t_quad_inf["median_s"] / engine_median,
                "relative_error": errors(quad_inf),
            },
            "scipy_quad_finite_with_points": {
                "time": t_quad_fin,
                "ratio_to_engine": t_quad_fin["median_s"] / engine_median,
                "relative_error": errors(quad_fin),
            },
            "scipy_quad_lean_with_points": {
                "time": t_quad_lean,
                "ratio_to_engine": t_quad_lean["median_s"] / engine_median,
                "relative_error": errors(quad_lean),
            },
            "scipy_quad_vec_with_points": {
                "time": t_quad_vec,
                "ratio_to_engine": t_quad_vec["median_s"] / engine_median,
                "relative_error": errors(quad_vector),
            },
            "monte_carlo_1e5": {
                "time": t_mc,
                "ratio_to_engine": t_mc["median_s"] / engine_median,
                "relative_error": errors(mc),
            },
        }
    return out


def bench_gaussian(repeats: int) -> dict:
    p, q = engine.Gaussian(0.3, 1.7), engine.Gaussian(-1.2, 0.6)
    return {
        "kl": measure(lambda: engine.kl(p, q), repeats, batch=100),
        "kl_bits": measure(lambda: engine.kl(p, q, units="bits"), repeats, batch=100),
        "build_and_kl": measure(
            lambda: engine.kl(engine.Gaussian(0.3, 1.7), engine.Gaussian(-1.2, 0.6)),
            repeats,
            batch=100,
        ),
    }


def bench_fit(repeats: int) -> dict:
    target = engine.Mixture([engine.Gaussian(-3, 1), engine.Gaussian(3, 1)], [0.4, 0.6])
    family = engine.GaussianFamily()
    start = time.perf_counter()
    best = engine.fit(target, family, "reverse", GAME_BOUNDS)
    first = time.perf_counter() - start
    timing = measure(lambda: engine.fit(target, family, "reverse", GAME_BOUNDS), repeats, warmup=2)
    return {
        "first_fit_s": first,
        "fit": timing,
        "result": {**best.values, "kl": best.divergence},
    }


def bench_import(runs: int) -> dict:
    engine_runs = subprocess_times("import klgame.engine", runs)
    bare_runs = subprocess_times("pass", runs)
    numpy_runs = subprocess_times("import numpy", runs)
    cumulative = importtime_cumulative("klgame.engine", runs)
    median_engine, median_bare = statistics.median(engine_runs), statistics.median(bare_runs)
    return {
        "runs": runs,
        "python_c_import_median_s": median_engine,
        "bare_interpreter_median_s": median_bare,
        "import_minus_bare_s": median_engine - median_bare,
        "python_c_import_numpy_median_s": statistics.median(numpy_runs),
        "importtime_cumulative_median_s": statistics.median(cumulative) if cumulative else None,
        "in_process_first_import_s": ENGINE_IMPORT_IN_PROCESS,
    }


def machine() -> dict:
    import scipy

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
        "implementation": platform.python_implementation(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "platform": platform.platform(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


# --- output --------------------------------------------------------------------------------


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f} µs"


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f} ms"


def report(result: dict) -> str:
    lines = []
    m = result["machine"]
    lines.append(
        f"machine: {m['nproc']} × {m['cpu']}, Python {m['python']}, numpy {m['numpy']}, "
        f"scipy {m['scipy']} (load average {m['load_average']})"
    )
    for key, pair in result["pairs"].items():
        e = pair["engine"]
        lines.append(
            f"\n{key} pair ({pair['reference']}): KL {pair['kl_forward']:.6g} / "
            f"{pair['kl_reverse']:.6g} nats"
        )
        lines.append(
            f"  continuous_pair, fresh guess   median {us(e['fresh_guess']['median_s'])}, "
            f"p95 {us(e['fresh_guess']['p95_s'])}   (goal ≤ 150 µs)"
        )
        lines.append(
            f"  continuous_pair, same objects  median {us(e['same_objects']['median_s'])}, "
            f"p95 {us(e['same_objects']['p95_s'])}"
        )
        lines.append(
            f"  building the guess alone       median {us(e['building_the_guess']['median_s'])}"
        )
        err = e["relative_error"]
        lines.append(
            f"  engine relative error          {err['forward']:.1e} / {err['reverse']:.1e}"
        )
        for name, label in (
            ("scipy_quad_infinite", "scipy quad (−∞, ∞)"),
            ("scipy_quad_finite_with_points", "scipy quad, finite + points"),
            ("scipy_quad_lean_with_points", "scipy quad, lean float integrand"),
            ("scipy_quad_vec_with_points", "scipy quad_vec, numpy integrand"),
            ("monte_carlo_1e5", "Monte Carlo 10⁵"),
        ):
            other = pair[name]
            err = other["relative_error"]
            lines.append(
                f"  {label:<32} median {ms(other['time']['median_s'])} "
                f"({other['ratio_to_engine']:,.0f}× the engine), relative error "
                f"{err['forward']:.1e} / {err['reverse']:.1e}"
            )
    g = result["gaussian"]
    lines.append(
        f"\nGaussian–Gaussian kl: median {us(g['kl']['median_s'])}, p95 {us(g['kl']['p95_s'])} "
        f"(goal ≤ 5 µs); in bits {us(g['kl_bits']['median_s'])}; "
        f"building both and kl {us(g['build_and_kl']['median_s'])}"
    )
    f = result["fit"]
    lines.append(
        f"reverse fit of the two-peak target: median {ms(f['fit']['median_s'])}, "
        f"p95 {ms(f['fit']['p95_s'])} (goal ≤ 30 ms); the first fit in the process "
        f"{ms(f['first_fit_s'])}; result "
        f"mean {f['result']['mean']:.4f}, variance {f['result']['variance']:.4f}, "
        f"KL {f['result']['kl']:.6f}"
    )
    i = result["import"]
    cumulative = i["importtime_cumulative_median_s"]
    lines.append(
        f"python -c 'import klgame.engine': median {ms(i['python_c_import_median_s'])} "
        f"(goal ≤ 150 ms); minus bare start-up ({ms(i['bare_interpreter_median_s'])}): "
        f"{ms(i['import_minus_bare_s'])}; -X importtime cumulative "
        f"{ms(cumulative) if cumulative is not None else '?'}; "
        f"'import numpy' alone {ms(i['python_c_import_numpy_median_s'])}  ({i['runs']} runs each)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke test)")
    parser.add_argument("--repeats", type=int, default=None, help="timed samples per figure")
    args = parser.parse_args(argv)
    repeats = args.repeats or (50 if args.quick else 2000)
    references = load_references()
    result = {
        "command": "python benchmarks/bench_engine.py" + (" --quick" if args.quick else ""),
        "machine": machine(),
        # The fit first: its first call in the process is timed on its own.
        "fit": bench_fit(max(5, repeats // 100)),
        "pairs": bench_pairs(references, repeats),
        "gaussian": bench_gaussian(max(20, repeats // 10)),
        "import": bench_import(5 if args.quick else 15),
    }
    print(json.dumps(result, indent=2) if args.json else report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
