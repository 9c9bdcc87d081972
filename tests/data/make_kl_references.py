"""Write ``tests/data/kl_references.json``: KL divergences to 30+ digits, computed with mpmath.

    python tests/data/make_kl_references.py            # about a minute on two cores
    python tests/data/make_kl_references.py --check    # recompute, compare with the stored file

Every case is a pair (p, q) of Gaussian mixtures with one to three components
(a one-component "mixture" is a plain Gaussian). For both directions the
integral ∫ p·log(p/q) dx is computed at ``mp.dps = 40`` from an integrand
written here in mpmath -- log-densities by log-sum-exp -- and never by the
engine under test.

Where the integrand is hard, and how the panels follow it:

* every component's mean ± k·std for k up to 40 (beyond 40 std of p's widest
  reach p is below e^-800, far under any digit that is kept);
* every point where two components of one mixture cross: there log-sum-exp
  bends over a width 1/|slope| (its complex singularities sit π/|slope| off the
  real axis), so the panels are graded geometrically around each crossing. The
  crossings are the roots of a quadratic, solved in mpmath.

The reference's own error is estimated by computing each value twice: on the
panels above, and on a finer set (every panel halved, more multiples of std and
of the bend width), both with mpmath's Gauss-Legendre rule at rising degree
until it settles. The stored error is the larger of their difference and the
two quadrature error estimates. ``--tanh-sinh`` does the first run with the
tanh-sinh rule instead: an independent method, about twice as slow (it agrees
with the default to ~1e-35). One-Gaussian pairs are also checked against the
closed form.

Cases are seeded, so a rerun writes the same file. Inputs are stored as plain
floats (the weights already normalised in double precision; mpmath uses
exactly these floats), values as decimal strings with 32 significant digits.

The file also holds discrete pairs (``discrete_cases``: categoricals and
binomials) where a mass is too small for a float -- Binomial(5, 1e-70) puts
about 1e-350 on k = 5 -- or exactly zero by construction (p = 0 or 1, a zero
entry, a value outside a support). For both directions it stores KL, the
cross-entropy and both entropies, as exact sums over the union of supports in
mpmath: binomial log masses as log C(n, k) + k·log p + (n − k)·log1p(−p) with
the exact integer C(n, k), categorical masses exactly the stored floats (not
renormalised: the engine uses them as given). A value is ``"inf"`` where p has
mass and q a structural zero. Each sum is done at 40 and at 80 digits; the
stored ``rel_err`` is the largest relative difference between the two.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import sys
import time
from multiprocessing import Pool
from pathlib import Path

from mpmath import mp, mpf

mp.dps = 40

SEED = 20240617
OUT = Path(__file__).resolve().with_name("kl_references.json")
DIGITS = 32

# Multiples of a component's std used as panel edges (both signs).
STD_STEPS = (0, 0.5, 1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40)
STD_STEPS_FINE = (*STD_STEPS, 0.25, 0.75, 1.25, 2.5, 3.5, 7, 9, 11, 14, 17, 35)
# Multiples of a crossing's bend width used as panel edges (both signs).
BEND_STEPS = (0, 0.25, 1, 4, 16, 64, 256, 1024)
BEND_STEPS_FINE = (*BEND_STEPS, 0.5, 2, 8, 32, 128, 512, 4096)
REACH = 40  # integrate KL(p‖q) over p's components' mean ± 40 std

# A component is (weight, mean, variance); a mixture is a list of components.
Component = tuple[float, float, float]
Mix = list[Component]


# --- the integrand, in mpmath ----------------------------------------------


def _terms(mix: Mix) -> list[tuple[mpf, mpf, mpf]]:
    """(mean, 1/(2·variance), log(weight/√(2π·variance))) per component."""
    total = mp.fsum(mpf(w) for w, _, _ in mix)
    out = []
    for w, m, v in mix:
        v = mpf(v)
        out.append((mpf(m), 1 / (2 * v), mp.log(mpf(w) / total) - mp.log(2 * mp.pi * v) / 2))
    return out


def _log_density(terms: list[tuple[mpf, mpf, mpf]], x: mpf) -> mpf:
    logs = [c - h * (x - m) ** 2 for m, h, c in terms]
    if len(logs) == 1:
        return logs[0]
    top = max(logs)
    return top + mp.log(mp.fsum(mp.exp(s - top) for s in logs))


def _crossings(mix: Mix) -> list[tuple[mpf, mpf]]:
    """(x, bend width) where two components of ``mix`` have equal weighted density."""
    terms = _terms(mix)
    found = []
    for i in range(len(terms)):
        for j in range(i + 1, len(terms)):
            (mi, hi, ci), (mj, hj, cj) = terms[i], terms[j]
            # log wᵢNᵢ − log wⱼNⱼ = qa·x² + qb·x + qc
            qa = hj - hi
            qb = 2 * (hi * mi - hj * mj)
            qc = (ci - hi * mi**2) - (cj - hj * mj**2)
            if qa == 0:
                roots = [-qc / qb] if qb != 0 else []
            else:
                disc = qb**2 - 4 * qa * qc
                if disc < 0:
                    continue
                root = mp.sqrt(disc)
                roots = [(-qb + root) / (2 * qa), (-qb - root) / (2 * qa)]
            for x in roots:
                slope = abs(2 * qa * x + qb)
                if slope > 0:
                    found.append((x, 1 / slope))
    return found


def _edges(p: Mix, q: Mix, std_steps, bend_steps, halve: bool) -> list[mpf]:
    lo = min(mpf(m) - REACH * mp.sqrt(v) for _, m, v in p)
    hi = max(mpf(m) + REACH * mp.sqrt(v) for _, m, v in p)
    points = {lo, hi}
    for _, m, v in p + q:
        s = mp.sqrt(v)
        for k in std_steps:
            points.update((mpf(m) + k * s, mpf(m) - k * s))
    for mix in (p, q):
        for x, width in _crossings(mix):
            for k in bend_steps:
                points.update((x + k * width, x - k * width))
    edges = sorted(x for x in points if lo <= x <= hi)
    if halve:
        edges = sorted(edges + [(a + b) / 2 for a, b in itertools.pairwise(edges)])
    return edges


def kl_mp(p: Mix, q: Mix, method: str = "gauss-legendre") -> tuple[mpf, mpf]:
    """KL(p‖q) in nats and an estimate of its absolute error."""
    tp, tq = _terms(p), _terms(q)

    def integrand(x):
        lp = _log_density(tp, x)
        return mp.exp(lp) * (lp - _log_density(tq, x))

    coarse = _edges(p, q, STD_STEPS, BEND_STEPS, halve=False)
    fine = _edges(p, q, STD_STEPS_FINE, BEND_STEPS_FINE, halve=True)
    a, err_a = mp.quad(integrand, coarse, method=method, error=True)
    b, err_b = mp.quad(integrand, fine, method="gauss-legendre", error=True)
    return a, max(abs(a - b), err_a, err_b)


def kl_gaussian_mp(p: Component, q: Component) -> mpf:
    """The closed form, for one-Gaussian pairs."""
    _, m1, v1 = (mpf(t) for t in p)
    _, m2, v2 = (mpf(t) for t in q)
    return (v1 / v2 - 1 - mp.log(v1 / v2) + (m1 - m2) ** 2 / v2) / 2


# --- the cases ---------------------------------------------------------------


def _mix(*components: tuple[float, float, float]) -> Mix:
    """Normalise weights in double precision, as plain floats."""
    total = math.fsum(w for w, _, _ in components)
    return [(w / total, float(m), float(v)) for w, m, v in components]


def _log_uniform(rng: random.Random, lo: float, hi: float) -> float:
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def _weights(rng: random.Random, k: int) -> list[float]:
    if k == 1:
        return [1.0]
    while True:
        raw = [rng.uniform(0.05, 1.0) for _ in range(k)]
        if max(raw) - min(raw) > 0.1:  # unequal on purpose
            return raw


def _random_mix(rng, k, mean_range, var_range) -> Mix:
    return _mix(
        *((w, rng.uniform(*mean_range), _log_uniform(rng, *var_range)) for w in _weights(rng, k))
    )


def _nudge(rng: random.Random, mix: Mix, scale: float) -> Mix:
    """A copy of ``mix`` moved by about ``scale`` (relative): a near-identical pair."""
    return _mix(
        *(
            (
                w * (1 + scale * rng.uniform(-1, 1)),
                m + scale * math.sqrt(v) * rng.uniform(-1, 1),
                v * (1 + scale * rng.uniform(-1, 1)),
            )
            for w, m, v in mix
        )
    )


TWO_PEAK = _mix((0.4, -3, 1), (0.6, 3, 1))


def named_cases() -> list[tuple[str, Mix, Mix]]:
    return [
        ("narrow inside wide vs N(0,1)", _mix((0.6, 0, 0.01), (0.4, 0, 50)), _mix((1, 0, 1))),
        ("two-peak vs N(0,1)", TWO_PEAK, _mix((1, 0, 1))),
        ("two-peak vs N(3,1)", TWO_PEAK, _mix((1, 3, 1))),
        ("two-peak vs N(-3,1)", TWO_PEAK, _mix((1, -3, 1))),
        ("two-peak vs moments N(0.6,9.64)", TWO_PEAK, _mix((1, 0.6, 9.64))),
        ("two-peak vs reverse optimum", TWO_PEAK, _mix((1, 2.9877, 1.0377))),
        ("two-peak vs N(0.47,2)", TWO_PEAK, _mix((1, 0.47, 2.0))),
        ("far apart narrow", _mix((1, -20, 0.01)), _mix((1, 20, 0.01))),
        ("far apart unequal widths", _mix((1, -18, 1)), _mix((1, 18, 0.2))),
        (
            "far apart mixtures",
            _mix((0.3, -19, 0.05), (0.7, -15, 0.2)),
            _mix((0.5, 16, 0.1), (0.5, 19, 0.02)),
        ),
        (
            "far apart three vs three",
            _mix((0.2, -20, 0.01), (0.5, -12, 0.3), (0.3, -6, 0.05)),
            _mix((0.6, 8, 0.02), (0.1, 14, 0.4), (0.3, 20, 0.01)),
        ),
        ("near identical Gaussians", _mix((1, 0, 1)), _mix((1, 3e-4, 1 + 2e-4))),
        (
            "near identical two-peak",
            TWO_PEAK,
            _mix((0.4003, -3 + 3e-4, 1), (0.5997, 3, 1 - 2e-4)),
        ),
        (
            "near identical narrow three",
            _mix((0.2, -1, 0.01), (0.5, 0, 0.02), (0.3, 1.2, 0.015)),
            _mix((0.2, -1 + 1e-5, 0.01), (0.5, 0, 0.02 * (1 + 1e-4)), (0.3, 1.2, 0.015)),
        ),
        (
            "narrow pair vs wide",
            _mix((0.7, -0.3, 0.01), (0.3, 0.3, 0.01)),
            _mix((1, 0, 50)),
        ),
        (
            "finale-like three vs three",
            _mix((0.5, -4, 1), (0.3, 1, 0.5), (0.2, 5, 2)),
            _mix((0.4, -3.5, 1.2), (0.4, 0.5, 0.8), (0.2, 4, 3)),
        ),
        (
            "harsh wide spread three vs three",
            _mix((0.45, -18, 0.01), (0.35, 0, 50), (0.2, 17, 0.02)),
            _mix((0.3, -15, 0.05), (0.5, 3, 0.01), (0.2, 19, 40)),
        ),
    ]


def random_cases(seed: int = SEED) -> list[tuple[str, Mix, Mix]]:
    rng = random.Random(seed)
    cases = []
    regimes = [
        # (label, how many, mean range, variance range)
        ("broad", 16, (-20, 20), (0.01, 50)),
        ("overlapping", 16, (-4, 4), (0.1, 10)),
        ("narrow", 8, (-2, 2), (0.01, 0.1)),
    ]
    for label, count, means, variances in regimes:
        for i in range(count):
            kp, kq = rng.randint(1, 3), rng.randint(1, 3)
            p = _random_mix(rng, kp, means, variances)
            q = _random_mix(rng, kq, means, variances)
            cases.append((f"random {label} {i + 1} ({kp} vs {kq})", p, q))
    for i in range(8):
        k = rng.randint(1, 3)
        p = _random_mix(rng, k, (-6, 6), (0.05, 20))
        scale = rng.choice((1e-4, 3e-4, 1e-3))
        name = f"random near identical {i + 1} ({k}, scale {scale:g})"
        cases.append((name, p, _nudge(rng, p, scale)))
    return cases


def all_cases() -> list[tuple[str, Mix, Mix]]:
    return named_cases() + random_cases()


# --- discrete pairs ------------------------------------------------------------

# A discrete distribution as stored: {"family": "categorical", "probs": [...],
# "support": [...]} or {"family": "binomial", "n": n, "p": p}.
Spec = dict

DISCRETE_CHECK_DPS = 80


def _categorical(probs: list[float], support: list | None = None) -> Spec:
    values = list(range(len(probs))) if support is None else list(support)
    return {"family": "categorical", "probs": [float(x) for x in probs], "support": values}


def _binomial(n: int, p: float) -> Spec:
    return {"family": "binomial", "n": n, "p": float(p)}


def discrete_cases() -> list[tuple[str, Spec, Spec]]:
    spread = _categorical([0.1, 0.15, 0.2, 0.25, 0.2, 0.1])
    uniform6 = _categorical([1 / 6] * 6)  # as Categorical.uniform(6) stores it
    near_one = 1 - 2.0**-40
    return [
        ("spread over 0..5 vs Binomial(5, 1e-70)", spread, _binomial(5, 1e-70)),
        ("Binomial(5, 1e-70) vs uniform over 0..5", _binomial(5, 1e-70), uniform6),
        ("Binomial(20, 1e-30) vs Binomial(20, 2e-30)", _binomial(20, 1e-30), _binomial(20, 2e-30)),
        ("Binomial(60, 1e-300) vs Binomial(60, 0.5)", _binomial(60, 1e-300), _binomial(60, 0.5)),
        (
            "Binomial(60, 1 - 2^-40) vs Binomial(60, 0.5)",
            _binomial(60, near_one),
            _binomial(60, 0.5),
        ),
        (
            "Binomial(5, 1e-70) vs categorical over 0..7",
            _binomial(5, 1e-70),
            _categorical([0.05, 0.1, 0.15, 0.2, 0.2, 0.15, 0.1, 0.05]),
        ),
        # Structural zeros: these stay infinite one way.
        ("uniform over 0..5 vs Binomial(5, 0)", uniform6, _binomial(5, 0.0)),
        ("Binomial(5, 1e-70) vs Binomial(5, 0)", _binomial(5, 1e-70), _binomial(5, 0.0)),
        ("Binomial(5, 1) vs Binomial(5, 1 - 2^-40)", _binomial(5, 1.0), _binomial(5, near_one)),
        (
            "categorical vs one with a zero entry",
            _categorical([0.5, 0.3, 0.2]),
            _categorical([0.6, 0.0, 0.4]),
        ),
    ]


def _log_masses(spec: Spec) -> dict:
    """Support value -> log mass (mpf), for the values with nonzero mass only."""
    if spec["family"] == "categorical":
        pairs = zip(spec["support"], spec["probs"], strict=True)
        return {value: mp.log(mpf(x)) for value, x in pairs if x > 0.0}
    n, p = spec["n"], mpf(spec["p"])
    if p == 0:
        return {0: mpf(0)}
    if p == 1:
        return {n: mpf(0)}
    log_p, log_q = mp.log(p), mp.log1p(-p)
    return {k: mp.log(math.comb(n, k)) + k * log_p + (n - k) * log_q for k in range(n + 1)}


def _entropy_mp(lp: dict) -> mpf:
    return -mp.fsum(mp.exp(x) * x for x in lp.values())


def _cross_entropy_mp(lp: dict, lq: dict) -> mpf | None:
    """H(p, q), or None for ∞ (q is structurally zero where p has mass)."""
    if any(value not in lq for value in lp):
        return None
    return -mp.fsum(mp.exp(x) * lq[value] for value, x in lp.items())


def _kl_discrete_mp(lp: dict, lq: dict) -> mpf | None:
    if any(value not in lq for value in lp):
        return None
    return mp.fsum(mp.exp(x) * (x - lq[value]) for value, x in lp.items())


def _discrete_values(p: Spec, q: Spec) -> dict[str, mpf | None]:
    lp, lq = _log_masses(p), _log_masses(q)
    return {
        "kl_pq": _kl_discrete_mp(lp, lq),
        "kl_qp": _kl_discrete_mp(lq, lp),
        "h_pq": _cross_entropy_mp(lp, lq),
        "h_qp": _cross_entropy_mp(lq, lp),
        "h_p": _entropy_mp(lp),
        "h_q": _entropy_mp(lq),
    }


def _text(value: mpf | None, digits: int = DIGITS) -> str:
    return "inf" if value is None else mp.nstr(value, digits, min_fixed=-1, max_fixed=-1)


def compute_discrete() -> list[dict]:
    out = []
    for name, p, q in discrete_cases():
        with mp.workdps(DISCRETE_CHECK_DPS):
            check = _discrete_values(p, q)
        with mp.workdps(40):
            values = _discrete_values(p, q)
            err = mpf(0)
            for key, value in values.items():
                other = check[key]
                if value is None or other is None or other == 0:
                    assert value == other, (name, key)  # ∞ and exact zeros agree exactly
                else:
                    err = max(err, abs(value - other) / abs(other))
            out.append(
                {"name": name, "p": p, "q": q}
                | {key: _text(value) for key, value in values.items()}
                | {"rel_err": _text(err, 3)}
            )
    return out


# --- running -----------------------------------------------------------------


def _as_json(mix: Mix) -> dict[str, list[float]]:
    return {
        "weights": [c[0] for c in mix],
        "means": [c[1] for c in mix],
        "variances": [c[2] for c in mix],
    }


def _compute(job: tuple[tuple[str, Mix, Mix], str]) -> dict:
    mp.dps = 40
    (name, p, q), method = job
    forward, err_forward = kl_mp(p, q, method)
    reverse, err_reverse = kl_mp(q, p, method)
    out = {
        "name": name,
        "p": _as_json(p),
        "q": _as_json(q),
        "kl_pq": mp.nstr(forward, DIGITS, min_fixed=-1, max_fixed=-1),
        "kl_qp": mp.nstr(reverse, DIGITS, min_fixed=-1, max_fixed=-1),
        "err_pq": mp.nstr(err_forward, 3, min_fixed=-1, max_fixed=-1),
        "err_qp": mp.nstr(err_reverse, 3, min_fixed=-1, max_fixed=-1),
    }
    if len(p) == 1 and len(q) == 1:
        closed = (kl_gaussian_mp(p[0], q[0]), kl_gaussian_mp(q[0], p[0]))
        gap = max(abs(closed[0] - forward), abs(closed[1] - reverse))
        out["closed_form_gap"] = mp.nstr(gap, 3, min_fixed=-1, max_fixed=-1)
    return out


def compute_all(processes: int | None = None, method: str = "gauss-legendre") -> list[dict]:
    jobs = [(case, method) for case in all_cases()]
    with Pool(processes or os.cpu_count() or 1) as pool:
        return pool.map(_compute, jobs, chunksize=1)


_DISCRETE_KEYS = ("discrete_description", "discrete_dps", "discrete_cases")


def _dump(document: dict) -> str:
    """JSON with one line per case: small diffs when cases are added."""
    head = {
        key: value
        for key, value in document.items()
        if key != "cases" and key not in _DISCRETE_KEYS
    }
    lines = [json.dumps(head, ensure_ascii=False)[:-1] + ', "cases": [']
    cases = [json.dumps(case, ensure_ascii=False) for case in document["cases"]]
    lines += [f"  {case}," for case in cases[:-1]] + [f"  {cases[-1]}"]
    if "discrete_cases" in document:
        middle = {key: document[key] for key in _DISCRETE_KEYS[:-1]}
        lines.append("], " + json.dumps(middle, ensure_ascii=False)[1:-1] + ', "discrete_cases": [')
        cases = [json.dumps(case, ensure_ascii=False) for case in document["discrete_cases"]]
        lines += [f"  {case}," for case in cases[:-1]] + [f"  {cases[-1]}"]
    lines.append("]}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the stored file")
    parser.add_argument("--processes", type=int, default=None)
    parser.add_argument(
        "--tanh-sinh", action="store_true", help="first run by tanh-sinh (independent, slower)"
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    results = compute_all(args.processes, "tanh-sinh" if args.tanh_sinh else "gauss-legendre")
    elapsed = time.perf_counter() - started

    worst = mpf(0)
    for r in results:
        for key in ("pq", "qp"):
            value, err = mpf(r[f"kl_{key}"]), mpf(r[f"err_{key}"])
            worst = max(worst, err / value if value > 0 else err)
        closed = f"  closed-form gap {r['closed_form_gap']}" if "closed_form_gap" in r else ""
        print(
            f"{r['name']:<48} {mp.nstr(mpf(r['kl_pq']), 12):>18} {mp.nstr(mpf(r['kl_qp']), 12):>18}"
            f"  err {r['err_pq']}, {r['err_qp']}{closed}"
        )
    print(f"{len(results)} pairs in {elapsed:.1f} s")
    print(f"worst relative error estimate {mp.nstr(worst, 3)}")

    discrete = compute_discrete()
    for r in discrete:
        shown = "  ".join(
            f"{key} {r[key] if r[key] == 'inf' else mp.nstr(mpf(r[key]), 8)}"
            for key in ("kl_pq", "kl_qp", "h_pq", "h_p")
        )
        print(f"{r['name']:<48} {shown}  relative error {r['rel_err']}")
    print(f"{len(discrete)} discrete pairs")

    document = {
        "description": "KL(p‖q) and KL(q‖p) in nats for Gaussian mixtures, to 32 digits",
        "generator": "tests/data/make_kl_references.py",
        "dps": mp.dps,
        "seed": SEED,
        "cases": results,
        "discrete_description": (
            "KL, cross-entropy (h_pq = H(p, q)) and entropy in nats for discrete pairs "
            "with underflowing or structurally zero masses, to 32 digits; 'inf' where "
            "q is structurally zero where p has mass"
        ),
        "discrete_dps": [40, DISCRETE_CHECK_DPS],
        "discrete_cases": discrete,
    }
    if args.check:
        stored = {case["name"]: case for case in json.loads(OUT.read_text())["cases"]}
        bad = 0
        for r in results:
            old = stored.get(r["name"])
            for key in ("pq", "qp"):
                allowed = 2 * max(mpf(r[f"err_{key}"]), mpf(10) ** -DIGITS * mpf(r[f"kl_{key}"]))
                if old is None or abs(mpf(old[f"kl_{key}"]) - mpf(r[f"kl_{key}"])) > allowed:
                    bad += 1
                    print(f"DIFFERS: {r['name']} KL_{key}")
        stored_discrete = {
            case["name"]: case for case in json.loads(OUT.read_text()).get("discrete_cases", [])
        }
        for r in discrete:
            old = stored_discrete.get(r["name"])
            if old != r:
                bad += 1
                print(f"DIFFERS: {r['name']}")
        print("matches the stored file" if not bad else f"{bad} values differ from the stored file")
        return 1 if bad else 0
    OUT.write_text(_dump(document))
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
