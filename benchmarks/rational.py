"""The rational activation against its peer (rational-activations 0.2.0, PyTorch) and gelu.

Forward+backward of one rational activation of degrees (5, 4) with one set of
coefficients (a layer's), on n float32 elements: jaxact's ``rational`` (jitted
``value_and_grad`` of the sum with respect to x and the 10 coefficients), the peer's
version "B" on the CPU (``Rational(version="B", cuda=False)``: forward, then ``backward``
of the sum, gradients for x and the coefficients), and jaxact's gelu (with respect to
x). Samples are interleaved (the three one after the other, in rotating order) so that
all see the same load; the table gives median ms per call and the ratios, measured in one
run. A second table compares the peer's shipped starting coefficients (its fits of
version B, degrees (5, 4)) with jaxact's least-squares fits, by their error against the
activation on [−3, 3].

Usage::

    python benchmarks/rational.py            # 2^22 elements, 11 samples
    python benchmarks/rational.py --quick    # 2^20 elements, 5 samples
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

import jaxact as ja

PEER_NAMES = {"leaky_relu": "leaky_relu", "relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid",
              "gelu": "gelu", "silu": "swish"}  # fmt: skip


def jaxact_programs(n: int):
    x = 3.0 * jax.random.normal(jax.random.key(0), (n,), jnp.float32)
    rec = ja.get("rational:gelu")
    c = {k: jnp.float32(v) for k, v in rec.defaults.items()}
    rat = jax.jit(jax.value_and_grad(lambda x, c: jnp.sum(rec.fn(x, **c)), argnums=(0, 1)))
    gelu = jax.jit(jax.value_and_grad(lambda x: jnp.sum(ja.gelu(x))))
    return {
        "jaxact rational": lambda: jax.block_until_ready(rat(x, c)),
        "jaxact gelu": lambda: jax.block_until_ready(gelu(x)),
    }


def peer_program(n: int):
    # This file is itself named rational.py: the peer's package `rational` must not
    # resolve to it.
    here = pathlib.Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != here]
    try:
        import torch
        from rational.torch import Rational
    except ImportError:
        return None
    mod = Rational("gelu", degrees=(5, 4), cuda=False, version="B")
    coeffs = list(ja.rational_init("gelu").values())
    mod.numerator = torch.nn.Parameter(torch.tensor(coeffs[:6], dtype=torch.float32))
    mod.denominator = torch.nn.Parameter(torch.tensor(coeffs[6:], dtype=torch.float32))
    x = (3.0 * torch.randn(n, generator=torch.Generator().manual_seed(0))).requires_grad_()

    def run():
        x.grad = mod.numerator.grad = mod.denominator.grad = None
        mod(x).sum().backward()

    return run


def timed(f, batch: int) -> float:
    t = time.perf_counter()
    for _ in range(batch):
        f()
    return 1e3 * (time.perf_counter() - t) / batch


def speed(n: int, repeats: int) -> dict[str, float]:
    progs = jaxact_programs(n)
    peer = peer_program(n)
    if peer is not None:
        progs["rational-activations (torch, B)"] = peer
    for f in progs.values():
        f()  # compile, warm
    names = list(progs)
    samples: dict[str, list[float]] = {k: [] for k in names}
    for i in range(repeats):
        for k in names[i % len(names) :] + names[: i % len(names)]:
            samples[k].append(timed(progs[k], 3))
    return {k: statistics.median(v) for k, v in samples.items()}


def starts() -> list[tuple[str, float, float, float, float]]:
    """Per activation: RMS and worst error on [−3, 3] of the peer's start and of ours."""
    try:
        from rational.utils.get_weights import get_parameters
    except ImportError:
        return []
    x = np.linspace(-3, 3, 2001)
    rows = []
    with jax.enable_x64(True):
        for ours, theirs in PEER_NAMES.items():
            num, den = get_parameters("B", (5, 4), theirs)
            peer = ja.rational_activation(coefficients=[*num, *den])
            g = np.asarray(ja.get(ours).fn(x))
            et = np.asarray(peer.fn(x)) - g
            eo = np.asarray(ja.get(f"rational:{ours}").fn(x)) - g
            rows.append((ours, *(float(np.sqrt(np.mean(e**2))) for e in (et, eo)),
                         *(float(np.max(np.abs(e))) for e in (et, eo))))  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="2^20 elements, 5 samples")
    args = ap.parse_args(argv)
    n = 2**20 if args.quick else 2**22
    ms = speed(n, 5 if args.quick else 11)
    base = ms["jaxact rational"]
    print(f"forward+backward, {n} float32 elements, median ms per call (ratio to jaxact rational)")
    print("| program | ms | ratio |\n|---|---|---|")
    for k, v in ms.items():
        print(f"| {k} | {v:.2f} | {v / base:.2f} |")
    rows = starts()
    if rows:
        print("\nstarting coefficients, error against the activation on [-3, 3]")
        print(
            "| activation | peer RMS | jaxact RMS | peer max | jaxact max |\n|---|---|---|---|---|"
        )
        for r in rows:
            print(f"| {r[0]} | {r[1]:.2e} | {r[2]:.2e} | {r[3]:.2e} | {r[4]:.2e} |")
    load = os.getloadavg()[0]
    print(f"\n{os.cpu_count()} cores, load average {load:.1f}; jax {jax.__version__}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
