"""Worst error in ulps per activation: jaxact, jax.nn and PyTorch side by side.

Every elementwise activation, f and f′, float64 and float32, on the ulp audit's grid
(``jaxact.check.oracles.audit_grid``: both signs of every binade from the smallest subnormal
to the largest finite value, dense in [−64, 64]) against the shipped mpmath truths.
The error unit is ulp(t), or the smallest normal number for subnormal truths (XLA
flushes those to zero); at a subnormal x a result right for x or for ±0 counts as right
(XLA reads subnormal inputs as ±0), and at a kink f′ is held to the card's value (the
minimum-norm subgradient; a library with another policy shows a large number there).
The card's budget exceptions are *not* applied, so a zero of f′ (where every
library's ulp error grows without bound) shows as a large number in every column; in
parentheses, where it differs, the worst outside the x-ranges of the card's stated
exceptions (near a zero of f′, the flush-to-zero tails ...), the same points for every
library.
jax.nn's f′ is ``jax.grad`` of jax.nn's function (no hand rule); PyTorch's is
autograd. "-" where the library has no such function. The jaxact column counts its
hand f′; ``jax.grad(jaxact.f)`` returns the same values (the checker's modes group).

Usage::

    python benchmarks/ulp_table.py [--markdown out.md]

PyTorch is optional: without it its columns are "-".
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

import jaxact as ja
from jaxact.check import oracles, ulp_audit

jax.config.update("jax_enable_x64", True)

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - optional peer
    torch = None


def _jax_nn(rec: ja.Activation) -> Callable | None:
    if rec.jax_nn is None or rec.name == "swish_beta":
        return None
    f = getattr(jax.nn, rec.jax_nn)
    kw = dict(rec.jax_nn_kwargs)
    if rec.name == "leaky_relu":
        kw["negative_slope"] = 0.01
    return lambda x: f(x, **kw)


def _torch(rec: ja.Activation) -> Callable | None:
    if torch is None or rec.torch is None:
        return None
    name = rec.name
    table: dict[str, Callable] = {
        "gelu": lambda x: F.gelu(x, approximate="none"),
        "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
        "prelu": lambda x: F.prelu(x, torch.tensor([0.25], dtype=x.dtype)),
        "rrelu": lambda x: F.rrelu(x, 1.0 / 8.0, 1.0 / 3.0, training=False),
        "threshold": lambda x: F.threshold(x, 1.0, 0.0),
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
    }
    if name in table:
        return table[name]
    return getattr(F, rec.torch, None)


def _eval_jax(f: Callable, x: np.ndarray, dt: str) -> tuple[np.ndarray, np.ndarray]:
    xj = jnp.asarray(x, dt)
    with np.errstate(all="ignore"):
        v = np.asarray(f(xj), np.float64)
        d = np.asarray(jax.vmap(jax.grad(f))(xj), np.float64)
    return v, d


def _eval_torch(f: Callable, x: np.ndarray, dt: str) -> tuple[np.ndarray, np.ndarray]:
    t = torch.tensor(x.astype(dt), requires_grad=True)
    y = f(t)
    y.sum().backward()
    return y.detach().double().numpy(), t.grad.double().numpy()


def _outside_ranges(rec: ja.Activation, q: str, dt: str, x: np.ndarray) -> np.ndarray:
    """Points outside every x-range of the card's exceptions for this quantity/dtype."""
    keep = np.ones(x.size, bool)
    for b in rec.card.ulp_budgets:
        if b.quantity == q and b.dtype == dt and b.within is not None:
            keep &= ~((x >= b.within[0]) & (x <= b.within[1]))
    return keep


def worst(rec: ja.Activation, dt: str, impl: str) -> list[tuple[float, float]]:
    """[(worst ulps, worst ulps outside the card's ranges) for f, for f′] of one
    implementation, or NaNs if it has no such function."""
    refs = oracles.load_references()
    x = refs[f"x/{dt}"]
    if impl == "jaxact":
        with jax.enable_x64(True):
            f = np.asarray(rec.fn(jnp.asarray(x, dt)), np.float64)
            d = np.asarray(rec.derivative(jnp.asarray(x, dt)), np.float64)
    elif impl == "jax.nn":
        fn = _jax_nn(rec)
        if fn is None:
            return [(float("nan"), float("nan"))] * 2
        f, d = _eval_jax(fn, x, dt)
    else:
        fn = _torch(rec)
        if fn is None:
            return [(float("nan"), float("nan"))] * 2
        f, d = _eval_torch(fn, x, dt)
    out = []
    for q, v in (("f", f), ("f'", d)):
        hi = refs[f"{rec.name}/{dt}/{q}/hi"].astype(np.float64)
        lo = refs[f"{rec.name}/{dt}/{q}/lo"]
        with np.errstate(all="ignore"):
            err = ulp_audit.point_errors(rec, q, dt, x, v, hi, lo)
        keep = _outside_ranges(rec, q, dt, x)
        out.append((float(np.max(err)), float(np.max(np.where(keep, err, 0.0)))))
    return out


def _one(v: float) -> str:
    if v != v:
        return "-"
    if v == float("inf"):
        return "inf"
    return f"{v:.3g}"


def _fmt(pair: tuple[float, float]) -> str:
    raw, outside = pair
    if raw != raw:
        return "-"
    return _one(raw) if raw == outside else f"{_one(raw)} ({_one(outside)})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--markdown", default=None, help="also write the table to this file")
    args = ap.parse_args(argv)
    impls = ("jaxact", "jax.nn", "torch")
    head = "| activation | dtype | " + " | ".join(f"{i} f | {i} f′" for i in impls) + " |"
    lines = [head, "|" + "---|" * (2 + 2 * len(impls))]
    for name in ja.names():
        rec = ja.get(name)
        if rec.kind != "elementwise":
            continue
        for dt in ("float64", "float32"):
            cells = []
            for impl in impls:
                f, d = worst(rec, dt, impl)
                cells += [_fmt(f), _fmt(d)]
            lines.append(f"| {name} | {dt} | " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    info = f"torch {torch.__version__}" if torch is not None else "torch not installed"
    out = f"{table}\n\njax {jax.__version__}, {info}, backend {jax.default_backend()}"
    print(out)
    if args.markdown:
        with open(args.markdown, "w") as fh:
            fh.write(out + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
