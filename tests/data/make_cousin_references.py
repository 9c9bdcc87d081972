"""Write ``tests/data/cousin_references.json``: Jensen–Shannon, Hellinger and total
variation to 18 digits, computed with mpmath.

    python tests/data/make_cousin_references.py            # about ten minutes on two cores
    python tests/data/make_cousin_references.py --check    # recompute, compare with the stored file

The pairs are taken from ``make_kl_references.py``: its named Gaussian-mixture
pairs and the first four of each of its random regimes, and its discrete pairs
with underflowing or structurally zero masses, plus a few ordinary discrete
ones. The integrands are written here in mpmath, from the
definitions, never by the engine under test:

* JS = ½∫p·log(2p/(p + q)) + ½∫q·log(2q/(p + q)), in nats;
* H = √(1 − BC) with BC = ∫√(p·q) (for discrete pairs as ½Σ(√p − √q)², the
  same for masses that sum to 1, but stored float masses do so only within
  ~1e-16);
* TV = ½∫|p − q|: the points where p = q are bracketed by sign changes of
  log p − log q on a dense set of points and refined by ``mp.findroot``, and
  |p − q| is integrated panel by panel between them (where it is smooth).

Panels follow the KL generator's (every component's mean ± multiples of its
std, graded around crossings of components), over every component's mean ±
15 std since the integrands are symmetric, and also around crossings of a component
of p with one of q (log(p + q) bends there). Each value is computed twice, on
the coarse panels and on the finer ones (every panel halved);
each with a 24-point Gauss–Legendre rule per panel; the stored error is their
difference. Discrete values are exact sums over the union of supports, at 40
and 80 digits; their error is the difference.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from multiprocessing import Pool
from pathlib import Path

from mpmath import mp, mpf
from mpmath.calculus.quadrature import GaussLegendre

sys.path.insert(0, str(Path(__file__).resolve().parent))

import itertools

from make_kl_references import (
    BEND_STEPS,
    BEND_STEPS_FINE,
    STD_STEPS,
    STD_STEPS_FINE,
    Mix,
    _as_json,
    _binomial,
    _categorical,
    _edges,
    _log_density,
    _log_masses,
    _terms,
    all_cases,
    discrete_cases,
)

DPS = 20
DIGITS = 18
REACH = 15  # std: beyond it every density is below e^-112, far under any kept digit
OUT = Path(__file__).resolve().with_name("cousin_references.json")
KEYS = ("js", "hellinger", "tv")


def _panels(p: Mix, q: Mix, fine: bool) -> list[mpf]:
    std_steps = STD_STEPS_FINE if fine else STD_STEPS
    bend_steps = BEND_STEPS_FINE if fine else BEND_STEPS
    both = [(w / 2, m, v) for w, m, v in p] + [(w / 2, m, v) for w, m, v in q]
    points = set(_edges(p, q, std_steps, bend_steps, halve=False))
    points |= set(_edges(q, p, std_steps, bend_steps, halve=False))
    # p + q's own crossings, between a component of p and one of q.
    points |= set(_edges(both, both, std_steps, bend_steps, halve=False))
    lo = min(mpf(m) - REACH * mp.sqrt(v) for _, m, v in both)
    hi = max(mpf(m) + REACH * mp.sqrt(v) for _, m, v in both)
    edges = sorted(x for x in points | {lo, hi} if lo <= x <= hi)
    if fine:
        edges = sorted(edges + [(a + b) / 2 for a, b in itertools.pairwise(edges)])
    return edges


def _roots(tp, tq, edges: list[mpf]) -> list[mpf]:
    """Where log p = log q, bracketed on 4 points per panel."""
    xs = []
    for a, b in itertools.pairwise(edges):
        xs.extend(a + (b - a) * k / 4 for k in range(4))
    xs.append(edges[-1])

    def gap(x):
        return _log_density(tp, x) - _log_density(tq, x)

    values = [gap(x) for x in xs]
    found = []
    for i in range(len(xs) - 1):
        if values[i] == 0:
            found.append(xs[i])
        elif values[i] * values[i + 1] < 0:
            found.append(mp.findroot(gap, (xs[i], xs[i + 1]), solver="anderson"))
    return found


def _quad(f, edges: list[mpf]) -> mpf:
    """∫f over the panels: a 24-point Gauss–Legendre rule on each (mpmath's nodes)."""
    rule = GaussLegendre(mp).calc_nodes(4, mp.prec)
    total = []
    for a, b in itertools.pairwise(edges):
        half, mid = (b - a) / 2, (b + a) / 2
        total.extend(w * half * f(mid + half * x) for x, w in rule)
    return mp.fsum(total)


def cousins_mp(p: Mix, q: Mix, fine: bool) -> dict[str, mpf]:
    """JS (nats), H and TV for one panel set."""
    tp, tq = _terms(p), _terms(q)
    edges = _panels(p, q, fine)

    def js(x):
        lp, lq = _log_density(tp, x), _log_density(tq, x)
        lm = mp.log((mp.exp(lp) + mp.exp(lq)) / 2)
        return (mp.exp(lp) * (lp - lm) + mp.exp(lq) * (lq - lm)) / 2

    def bc(x):
        return mp.exp((_log_density(tp, x) + _log_density(tq, x)) / 2)

    def half_gap(x):
        return abs(mp.exp(_log_density(tp, x)) - mp.exp(_log_density(tq, x))) / 2

    tv_edges = sorted(set(edges) | set(_roots(tp, tq, edges)))
    return {
        "js": _quad(js, edges),
        "hellinger": mp.sqrt(max(1 - _quad(bc, edges), mpf(0))),
        "tv": _quad(half_gap, tv_edges),
    }


def _text(value: mpf, digits: int = DIGITS) -> str:
    return mp.nstr(value, digits, min_fixed=-1, max_fixed=-1)


def cases() -> list[tuple[str, Mix, Mix]]:
    """The KL generator's named pairs, and the first few of each of its random regimes."""
    chosen, seen = [], {}
    for name, p, q in all_cases():
        regime = name.split(" (")[0].rstrip("0123456789 ") if name.startswith("random") else name
        seen[regime] = seen.get(regime, 0) + 1
        if seen[regime] <= 4:
            chosen.append((name, p, q))
    return chosen


def _compute(case: tuple[str, Mix, Mix]) -> dict:
    mp.dps = DPS
    name, p, q = case
    coarse = cousins_mp(p, q, fine=False)
    fine = cousins_mp(p, q, fine=True)
    out = {"name": name, "p": _as_json(p), "q": _as_json(q)}
    for key in KEYS:
        err = abs(coarse[key] - fine[key])
        out[key] = _text(coarse[key])
        out[f"err_{key}"] = _text(err, 3)
    return out


# --- discrete --------------------------------------------------------------------


def more_discrete_cases() -> list[tuple[str, dict, dict]]:
    return [
        (
            "dog or panda",
            _categorical([0.7, 0.3], ["dog", "panda"]),
            _categorical([0.5, 0.5], ["dog", "panda"]),
        ),
        ("three states", _categorical([0.2, 0.5, 0.3]), _categorical([0.3, 0.3, 0.4])),
        ("disjoint supports", _categorical([0.5, 0.5], [0, 1]), _categorical([0.25, 0.75], [2, 3])),
        (
            "teeth vs Binomial(10, 0.57)",
            _categorical([0.02, 0.03, 0.05, 0.05, 0.1, 0.15, 0.2, 0.15, 0.1, 0.1, 0.05]),
            _binomial(10, 0.57),
        ),
        (
            "near identical categoricals",
            _categorical([0.2, 0.5, 0.3]),
            _categorical([0.2 + 1e-6, 0.5 - 1e-6, 0.3]),
        ),
    ]


def _discrete_values(p: dict, q: dict) -> dict[str, mpf]:
    lp, lq = _log_masses(p), _log_masses(q)
    values = set(lp) | set(lq)
    zero = mpf(0)
    pm = {v: mp.exp(lp[v]) if v in lp else zero for v in values}
    qm = {v: mp.exp(lq[v]) if v in lq else zero for v in values}
    js = []
    for v in values:
        m = (pm[v] + qm[v]) / 2
        for mass in (pm[v], qm[v]):
            if mass > 0:
                js.append(mass * mp.log(mass / m) / 2)
    # ½Σ(√p − √q)², which is 1 − Σ√(pq) when both sum to 1: stored float masses
    # sum to 1 only within ~1e-16, and 1 − BC would count that as divergence.
    h2 = mp.fsum((mp.sqrt(pm[v]) - mp.sqrt(qm[v])) ** 2 for v in values) / 2
    return {
        "js": mp.fsum(js),
        "hellinger": mp.sqrt(max(h2, zero)),
        "tv": mp.fsum(abs(pm[v] - qm[v]) for v in values) / 2,
    }


def compute_discrete() -> list[dict]:
    out = []
    for name, p, q in discrete_cases() + more_discrete_cases():
        with mp.workdps(80):
            check = _discrete_values(p, q)
        with mp.workdps(40):
            values = _discrete_values(p, q)
        row: dict = {"name": name, "p": p, "q": q}
        for key in KEYS:
            err = abs(values[key] - check[key])
            row[key] = _text(values[key])
            row[f"err_{key}"] = _text(err, 3)
        out.append(row)
    return out


def _dump(document: dict) -> str:
    """JSON with one line per case: small diffs when cases are added."""
    lines = [json.dumps({k: v for k, v in document.items() if not k.endswith("cases")})[:-1]]
    for key in ("cases", "discrete_cases"):
        rows = [json.dumps(row, ensure_ascii=False) for row in document[key]]
        lines.append(f', "{key}": [')
        lines += [f"  {row}," for row in rows[:-1]] + [f"  {rows[-1]}", "]"]
    return "\n".join(lines) + "}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the stored file")
    parser.add_argument("--processes", type=int, default=None)
    parser.add_argument("--only", type=int, default=None, help="the first N pairs only")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--discrete-only", action="store_true", help="recompute the discrete pairs, keep the rest"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.discrete_only:
        results = json.loads(OUT.read_text(encoding="utf-8"))["cases"]
    else:
        with Pool(args.processes or os.cpu_count() or 1) as pool:
            results = pool.map(_compute, cases()[: args.only], chunksize=1)
    discrete = compute_discrete()
    worst = mpf(0)
    for row in results + discrete:
        for key in KEYS:
            value, err = mpf(row[key]), mpf(row[f"err_{key}"])
            worst = max(worst, err / value if value > 0 else err)
        shown = "  ".join(f"{key} {mp.nstr(mpf(row[key]), 10)}" for key in KEYS)
        print(f"{row['name']:<48} {shown}")
    print(f"{len(results)} + {len(discrete)} pairs in {time.perf_counter() - started:.1f} s")
    print(f"worst relative error estimate {mp.nstr(worst, 3)}")
    document = {
        "description": (
            "Jensen-Shannon (nats), Hellinger distance and total variation distance "
            f"for Gaussian mixtures and discrete pairs, to {DIGITS} digits"
        ),
        "generator": "tests/data/make_cousin_references.py",
        "dps": DPS,
        "cases": results,
        "discrete_cases": discrete,
    }
    if args.check:
        stored = json.loads(OUT.read_text(encoding="utf-8"))
        old = {row["name"]: row for row in stored["cases"] + stored["discrete_cases"]}
        bad = 0
        for row in results + discrete:
            for key in KEYS:
                allowed = 2 * max(mpf(row[f"err_{key}"]), mpf(10) ** -DIGITS * mpf(row[key]))
                before = old.get(row["name"])
                if before is None or abs(mpf(before[key]) - mpf(row[key])) > allowed:
                    bad += 1
                    print(f"DIFFERS: {row['name']} {key}")
        print("matches the stored file" if not bad else f"{bad} values differ")
        return 1 if bad else 0
    args.out.write_text(_dump(document), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
