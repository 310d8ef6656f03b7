"""Speed of every activation against its jax.nn counterpart, measured in one run.

For each catalog entry: the jitted forward ``f(x)`` and forward+grad
``value_and_grad(sum ∘ f)(x)`` on 2^22 float32 elements (vector kinds: 4096 rows of
1024). Each sample times a batch of back-to-back calls (at least ~40 ms in all) and
divides by the batch size; ``--repeats`` samples are taken after warm-up, interleaved
with the same samples of the jax.nn counterpart (same defaults) so that both see the
same machine load: the two samples of a pair run back to back, in alternating order.
The table gives the median wall time per call and their ratio (ours / counterpart),
and, because a shared machine makes wall time noisy, the ratio of the smallest CPU
times per call (``time.process_time``: all threads of this process, time spent
descheduled excluded). Activations without a jax.nn counterpart are timed against
``jax.nn.relu``; their ratio is a cost relative to relu, not a comparison.

Usage::

    python benchmarks/activations.py            # full run (11 pairs, 2^22 elements)
    python benchmarks/activations.py --quick    # 3 repeats, 2^20 elements
    python benchmarks/activations.py --names gelu silu --markdown out.md
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable

import jax
import jax.numpy as jnp

import jaxact as ja


def counterpart(rec: ja.Activation) -> tuple[str, Callable]:
    """The jax.nn function computing the same thing with the same defaults, or relu."""
    if rec.jax_nn is None:
        return "(relu)", jax.nn.relu
    f = getattr(jax.nn, rec.jax_nn)
    kw = dict(rec.jax_nn_kwargs)
    label = rec.jax_nn + "".join(f"({k}={v})" for k, v in kw.items())
    return label, (lambda x, **k: f(x, **kw, **k)) if kw else f


def programs(f: Callable) -> tuple[Callable, Callable]:
    fwd = jax.jit(f)
    fwd_grad = jax.jit(jax.value_and_grad(lambda x: jnp.sum(f(x))))
    return fwd, fwd_grad


def timed(f: Callable, x: jax.Array, batch: int = 1) -> tuple[float, float]:
    """(wall ms, CPU ms) per call, over ``batch`` back-to-back calls."""
    t, c = time.perf_counter(), time.process_time()
    for _ in range(batch):
        out = f(x)
    jax.block_until_ready(out)
    return 1e3 * (time.perf_counter() - t) / batch, 1e3 * (time.process_time() - c) / batch


def bench(name: str, n: int, repeats: int, key: jax.Array, dtype: str = "float32") -> dict:
    rec = ja.get(name)
    label, ref = counterpart(rec)
    if rec.kind == "vector":
        x = 3.0 * jax.random.normal(key, (n // 1024, 1024), dtype)
        ref_x = x if rec.jax_nn is not None else x.reshape(-1)
    else:
        x = 3.0 * jax.random.normal(key, (n,), dtype)
        ref_x = x
    ours, theirs = programs(rec.fn), programs(ref)
    out = {"name": name, "jax_nn": label}
    for mode, a, b in (("fwd", ours[0], theirs[0]), ("grad", ours[1], theirs[1])):
        timed(a, x), timed(b, ref_x)  # compile
        one = max(min(timed(a, x)[0], timed(b, ref_x)[0]) for _ in range(2))
        batch = max(1, math.ceil(40.0 / max(one, 1e-3)))
        ta, tb = [], []
        for i in range(repeats):  # interleaved pairs, alternating order
            if i % 2:
                tb.append(timed(b, ref_x, batch))
                ta.append(timed(a, x, batch))
            else:
                ta.append(timed(a, x, batch))
                tb.append(timed(b, ref_x, batch))
        ma, mb = (statistics.median(w for w, _ in t) for t in (ta, tb))
        ca, cb = (min(c for _, c in t) for t in (ta, tb))
        out[mode] = (ma, mb, ma / mb, ca / cb)
    return out


def table(rows: list[dict]) -> str:
    head = (
        "| activation | jax.nn counterpart | fwd ours ms | fwd jax.nn ms | fwd ratio "
        "| fwd+grad ours ms | fwd+grad jax.nn ms | fwd+grad ratio "
        "| fwd ratio (min CPU) | fwd+grad ratio (min CPU) |"
    )
    lines = [head, "|" + "---|" * 10]
    for r in rows:
        (a, b, q, u), (c, d, s, v) = r["fwd"], r["grad"]
        lines.append(
            f"| {r['name']} | {r['jax_nn']} | {a:.2f} | {b:.2f} | {q:.2f} "
            f"| {c:.2f} | {d:.2f} | {s:.2f} | {u:.2f} | {v:.2f} |"
        )
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{cpu}, {os.cpu_count()} cores, load average {load:.1f} at the end; "
        f"jax {jax.__version__}, backend {jax.default_backend()}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 repeats on 2^20 elements")
    ap.add_argument("--repeats", type=int, default=None, help="timed pairs (default 11)")
    ap.add_argument("--log2n", type=int, default=None, help="log2 of the element count")
    ap.add_argument("--names", nargs="*", default=None, help="activations (default: all)")
    ap.add_argument("--markdown", default=None, help="also write the table to this file")
    ap.add_argument(
        "--dtype", default="float32", choices=["float32", "float64"], help="input dtype"
    )
    args = ap.parse_args(argv)
    if args.dtype == "float64":
        jax.config.update("jax_enable_x64", True)
    repeats = args.repeats or (3 if args.quick else 11)
    n = 2 ** (args.log2n or (20 if args.quick else 22))
    names = [ja.get(k).name for k in args.names] if args.names else ja.names()
    key = jax.random.key(0)
    bench("relu", n, 3, key)  # settle the process (thread pool, allocator) before timing
    rows = []
    for i, name in enumerate(names):
        rows.append(bench(name, n, repeats, jax.random.fold_in(key, i), args.dtype))
        r = rows[-1]
        print(
            f"{name:15s} fwd {r['fwd'][2]:5.2f} ({r['fwd'][3]:5.2f})  "
            f"fwd+grad {r['grad'][2]:5.2f} ({r['grad'][3]:5.2f})",
            file=sys.stderr,
            flush=True,
        )
    out = table(rows)
    info = (
        f"{args.dtype}, {n} elements; ms = median over {repeats} interleaved samples of the "
        f"wall time per call (each sample a batch of calls of >= 40 ms); ratio = ours / "
        f"counterpart; min CPU = ratio of the smallest CPU time per call; {machine()}"
    )
    print(out)
    print()
    print(info)
    if args.markdown:
        with open(args.markdown, "w") as fh:
            fh.write(out + "\n\n" + info + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
