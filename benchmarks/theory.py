"""Warm and cold time of a 100 × 100 (σ_w², σ_b²) mean-field phase diagram.

For tanh (quadrature: every Gaussian expectation integrated numerically) and relu (the
arc-cosine closed forms), one call of ``jaxact.phase_diagram`` over σ_w² in [0.1, 5] and
σ_b² in [0, 1], 100 values each, float64: q*, χ₁, ξ_q and ξ_c (ordered phase) at the
10⁴ points, and the edge of chaos (the critical σ_w² for each of the 100 σ_b², by
bisection). Cold includes compilation; warm is the best of ``--repeat`` further calls.

Usage::

    python benchmarks/theory.py [--n 100] [--repeat 3] [--markdown out.md]
"""

from __future__ import annotations

import argparse
import time

import jax
import numpy as np

import jaxact as ja

jax.config.update("jax_enable_x64", True)


def measure(act: str, n: int, repeat: int) -> tuple[float, float]:
    sw, sb = np.linspace(0.1, 5.0, n), np.linspace(0.0, 1.0, n)

    def once() -> float:
        t = time.perf_counter()
        pd = ja.phase_diagram(act, sw, sb)
        jax.block_until_ready(pd)
        return time.perf_counter() - t

    cold = once()
    warm = min(once() for _ in range(repeat))
    return cold, warm


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100, help="values per axis (default 100)")
    p.add_argument("--repeat", type=int, default=3, help="warm calls, best taken (default 3)")
    p.add_argument("--markdown", help="also write the table to this file")
    args = p.parse_args()
    rows = []
    for act in ("tanh", "relu"):
        cold, warm = measure(act, args.n, args.repeat)
        per = warm / args.n**2 * 1e6
        rows.append(f"| {act} | {args.n} × {args.n} | {cold:.2f} | {warm:.2f} | {per:.0f} |")
    table = "\n".join(
        [
            "| activation | grid | cold s | warm s | warm µs per point |",
            "|---|---|---|---|---|",
            *rows,
        ]
    )
    print(table)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
