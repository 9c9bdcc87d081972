"""Write ``tests/data/slope_references.json``: the divergence's slope at the
extremes a level may hold, to 25 digits, computed with mpmath.

    python tests/data/make_slope_references.py            # about twenty seconds
    python tests/data/make_slope_references.py --check    # recompute, compare with the stored file

The cases are the pairs of ``tests/engine/test_slope_extremes.py`` (means
within ±1e6, variances from 1e-6 to 1e9: klgame/levels/limits.py). The
integrands are written here in mpmath, from the formulas, never by the
engine under test, on the panels of the KL reference generator
(``make_kl_references.py``: every component's mean ± multiples of its
standard deviation, graded around every point where two components of one
mixture swap dominance):

    forward:  dKL(p‖q)/dθ = −∫ p ∂θ log q
    reverse:  dKL(q‖p)/dθ =  ∫ q ∂θ log q · (log q − log p)

with ∂θ log q = (wⱼNⱼ/q)·∂θ log Nⱼ, ∂ log Nⱼ/∂mean = (x − m)/v and
∂ log Nⱼ/∂variance = ((x − m)²/v − 1)/(2v).

For every case and every mean and variance of q it stores the slope; for
the narrow-tail pair also KL(p‖q) and the quadrature's error estimate. The
inputs are stored beside the values, and the test compares them with its
own, so a changed case without a rerun fails.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import mpmath
from mpmath import mp, mpf

sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_kl_references as references

OUT = Path(__file__).resolve().with_name("slope_references.json")
DPS = 25

# A component is (weight, mean, variance); a mixture is a list of components.
Mix = list[tuple[float, float, float]]

#: A narrow target and a guess's narrow component at −1e6, the guess's wide
#: one 2e6 away: 10.4 from −1e6 that wide one takes over from the narrow
#: one's tail. The far-apart quadrature did not grade its panels there: KL
#: was 613702.74 (0.26% high) and the slope in variance 3 was −60016.
NARROW_TAIL_P: Mix = [
    (0.26155313613829384, -1e6, 4247746.651334588),
    (0.7384468638617062, -1e6, 1.0706281548663734e-4),
]
NARROW_TAIL_Q: Mix = [
    (0.6118692306122013, 1e6, 0.007056519381474831),
    (0.5668169884714713, 1e6, 852285.5346885694),
    (0.6518122101587929, -1e6, 2.2897259249369152e-05),
]
#: tests/levels/test_levels_robust.py's extremes: the fitter's end there
#: overflowed in exp and gave NaN slopes.
EDGES_P: Mix = [(0.5, 1e6, 1e-6), (0.5, -1e6, 1e9)]
EDGES_Q: Mix = [(1.0, 1e6, 1.0000000047074864e-06)]
#: A narrow target at 0, a guess 1e6 away on either side: log q − log p is
#: about 5e17 under the narrow component, whose true slope in variance is
#: 0.0025 (it was 7e10 before the slope subtracted its mean there).
SPLIT_P: Mix = [(1.0, 0.0, 1e-6)]
SPLIT_Q: Mix = [(0.5, -1e6, 1e9), (0.5, 1e6, 1e-6)]

#: (name, p, q, direction)
CASES: list[tuple[str, Mix, Mix, str]] = [
    ("narrow tail forward", NARROW_TAIL_P, NARROW_TAIL_Q, "forward"),
    ("narrow tail reverse", NARROW_TAIL_P, NARROW_TAIL_Q, "reverse"),
    ("schema edges reverse", EDGES_P, EDGES_Q, "reverse"),
    ("split guess reverse", SPLIT_P, SPLIT_Q, "reverse"),
]


def slope_mp(p: Mix, q: Mix, direction: str, j: int, which: str) -> mpf:
    """dD/dθ for θ the mean or variance of q's component j, by mpmath."""
    tp, tq = references._terms(p), references._terms(q)
    mean, half_precision, const = tq[j]  # (m, 1/(2v), log(w/√(2πv)))

    def integrand(x: mpf) -> mpf:
        lp = references._log_density(tp, x)
        lq = references._log_density(tq, x)
        share = mp.exp(const - half_precision * (x - mean) ** 2 - lq)
        dev = x - mean
        if which == "mean":
            d = 2 * half_precision * dev
        else:
            d = (2 * half_precision * dev**2 - 1) * half_precision
        if direction == "forward":
            return -mp.exp(lp) * share * d
        return mp.exp(lq) * share * d * (lq - lp)

    ahead, behind = (p, q) if direction == "forward" else (q, p)  # integrate over ahead's reach
    edges = references._edges(ahead, behind, references.STD_STEPS, references.BEND_STEPS, False)
    return mp.quad(integrand, edges)


def compute() -> dict:
    with mpmath.workdps(DPS):
        cases = []
        for name, p, q, direction in CASES:
            slopes = {
                f"{which}{j + 1}": mp.nstr(slope_mp(p, q, direction, j, which), DPS)
                for j in range(len(q))
                for which in ("mean", "variance")
            }
            cases.append({"name": name, "p": p, "q": q, "direction": direction, "slopes": slopes})
        kl, error = references.kl_mp(NARROW_TAIL_P, NARROW_TAIL_Q)
        narrow_tail_kl = {
            "p": NARROW_TAIL_P,
            "q": NARROW_TAIL_Q,
            "kl": mp.nstr(kl, DPS),
            "error": mp.nstr(error, 3),
        }
    return {
        "description": "dKL/dθ per mean and variance of q at extreme pairs, to 25 digits",
        "generator": "tests/data/make_slope_references.py",
        "dps": DPS,
        "cases": cases,
        "narrow_tail_kl": narrow_tail_kl,
    }


def _dump(document: dict) -> str:
    """JSON with one line per case."""
    head = {key: value for key, value in document.items() if key not in ("cases", "narrow_tail_kl")}
    lines = [json.dumps(head, ensure_ascii=False)[:-1] + ', "cases": [']
    cases = [json.dumps(case, ensure_ascii=False) for case in document["cases"]]
    lines += [f"  {case}," for case in cases[:-1]] + [f"  {cases[-1]}"]
    tail = json.dumps(document["narrow_tail_kl"], ensure_ascii=False)
    lines.append(f'], "narrow_tail_kl": {tail}}}')
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the stored file")
    args = parser.parse_args()
    started = time.monotonic()
    document = compute()
    assert json.loads(_dump(document)) == json.loads(json.dumps(document))
    print(f"computed in {time.monotonic() - started:.1f} s")
    if args.check:
        stored = json.loads(OUT.read_text())
        same = stored == json.loads(_dump(document))
        print("matches the stored file" if same else "differs from the stored file")
        return 0 if same else 1
    OUT.write_text(_dump(document))
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
