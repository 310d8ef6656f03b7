"""Layouts of a block of small networks on one core: which one XLA:CPU runs fastest.

One block of M models of the reference network (4-6-6-3 on iris's 150 x 4; the hidden
activation from the catalog, ``--activation``, tanh by default, or ``jnp.tanh``; softmax
cross-entropy, Adam 1e-2, float32), ``lax.scan`` over the steps, timed per step (warm,
best of 3), each layout compiled twice: with XLA's default options and with the options
of jaxact's training programs (``jaxact.compiler_options("cpu")``: no YNNPACK).

* ``rows (vmap)``: one run written for activations ``(rows, units)``, ``jax.vmap``-ped
  over the block: a batched matrix product per layer (jaxact's engine);
* ``units-major (vmap)``: the same with activations ``(units, rows)``, ``W^T a^T``;
* ``units-major unrolled (vmap)``: ``(units, rows)``, each layer an unrolled sum of
  ``n_in`` broadcast products;
* ``models last (lanes)``: no ``vmap``: weights ``(n_in, n_out, M)``, activations
  ``(rows, units, M)``, each layer an unrolled sum of broadcast products vectorized
  across the models, Adam on the stacked arrays.

Usage::

    python benchmarks/layouts.py                  # M = 32 and 256
    python benchmarks/layouts.py --models 32 --activation jnp.tanh
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxact as ja

SIZES = [(4, 6), (6, 6), (6, 3)]


def data() -> tuple[jax.Array, jax.Array]:
    """Iris's inputs ``(150, 4)`` and one-hot labels ``(150, 3)``."""
    x, y, _, _ = ja.prepare_data(ja.load_task("iris"))
    return jnp.asarray(x, jnp.float32), jax.nn.one_hot(jnp.asarray(y), 3)


def init(key: jax.Array) -> list[tuple[jax.Array, jax.Array]]:
    """One network's ``(w, b)`` per layer, He-normal weights."""
    ks = jax.random.split(key, len(SIZES))
    return [
        (jax.random.normal(k, (i, o)) * jnp.sqrt(2.0 / i), jnp.zeros(o))
        for k, (i, o) in zip(ks, SIZES, strict=True)
    ]


ACT: list[Callable[[jax.Array], jax.Array]] = [ja.get("tanh").fn]


def adam_losses(loss: Callable[[Any], jax.Array], params: Any, steps: int) -> jax.Array:
    """``steps`` Adam steps (learning rate 1e-2) on ``loss`` from ``params`` in one
    ``lax.scan``; the loss at each step."""
    opt = optax.adam(1e-2)

    def step(c: Any, _: None) -> tuple[Any, jax.Array]:
        ps, st = c
        value, g = jax.value_and_grad(loss)(ps)
        up, st = opt.update(g, st, ps)
        return (optax.apply_updates(ps, up), st), value

    return jax.lax.scan(step, (params, opt.init(params)), None, length=steps)[1]


def per_run(layer: Callable[..., jax.Array], units_major: bool) -> Callable[..., Any]:
    """A block trained as ``vmap`` of one run whose layers are ``layer``."""
    x, y1 = data()
    xin, yin = (x.T, y1.T) if units_major else (x, y1)
    axis = 0 if units_major else 1

    def loss(ps: Any) -> jax.Array:
        h = xin
        for w, b in ps[:-1]:
            h = ACT[0](layer(h, w, b))
        z = layer(h, *ps[-1])
        lse = jax.nn.logsumexp(z, axis=axis)
        return jnp.mean(lse - jnp.sum(z * yin, axis=axis))

    def train(keys: jax.Array, steps: int) -> jax.Array:
        return jax.vmap(lambda key: adam_losses(loss, init(key), steps))(keys)

    return train


def rows_layer(h: jax.Array, w: jax.Array, b: jax.Array) -> jax.Array:
    return h @ w + b


def units_layer(h: jax.Array, w: jax.Array, b: jax.Array) -> jax.Array:
    return w.T @ h + b[:, None]


def units_unrolled(h: jax.Array, w: jax.Array, b: jax.Array) -> jax.Array:
    out = w[0][:, None] * h[0][None, :]
    for i in range(1, w.shape[0]):
        out = out + w[i][:, None] * h[i][None, :]
    return out + b[:, None]


def models_last() -> Callable[..., Any]:
    """A block trained with the models in the last axis (no ``vmap``)."""
    x, y1 = data()

    def dense(h: jax.Array, w: jax.Array, b: jax.Array) -> jax.Array:  # (B, I, M), (I, J, M)
        out = h[:, 0, None, :] * w[None, 0]
        for i in range(1, w.shape[0]):
            out = out + h[:, i, None, :] * w[None, i]
        return out + b[None]

    def loss(ps: Any) -> jax.Array:
        w, b = ps[0]
        h = ACT[0](jnp.einsum("bi,ijm->bjm", x, w) + b[None])
        for w, b in ps[1:-1]:
            h = ACT[0](dense(h, w, b))
        z = dense(h, *ps[-1])  # (B, C, M)
        nll = jax.nn.logsumexp(z, axis=1) - jnp.einsum("bcm,bc->bm", z, y1)
        return nll.mean(0).sum()  # each model's mean loss, summed: its own gradient

    def train(keys: jax.Array, steps: int) -> jax.Array:
        ps = jax.tree.map(lambda a: jnp.moveaxis(a, 0, -1), jax.vmap(init)(keys))
        return adam_losses(loss, ps, steps)

    return train


LAYOUTS = {
    "rows (vmap), jaxact's": per_run(rows_layer, False),
    "units-major (vmap)": per_run(units_layer, True),
    "units-major unrolled (vmap)": per_run(units_unrolled, True),
    "models last (lanes)": models_last(),
}


def per_step(train: Callable[..., Any], models: int, steps: int, options: dict | None) -> float:
    """Seconds per step of a block of ``models`` (compiled with ``options``), best of 3."""
    keys = jax.random.split(jax.random.key(0), models)
    lowered = jax.jit(train, static_argnums=1).lower(keys, steps)
    program = lowered.compile(compiler_options=options) if options else lowered.compile()
    jax.block_until_ready(program(keys))
    best = np.inf
    for _ in range(3):
        t = time.perf_counter()
        jax.block_until_ready(program(keys))
        best = min(best, time.perf_counter() - t)
    return best / steps


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=int, nargs="+", default=[32, 256])
    ap.add_argument("--steps", type=int, default=None, help="default: 200 (50 above 64 models)")
    ap.add_argument("--activation", default="tanh", help="a catalog name, or jnp.tanh")
    args = ap.parse_args(argv)
    ACT[0] = jnp.tanh if args.activation == "jnp.tanh" else ja.get(args.activation).fn
    engine = ja.compiler_options("cpu")
    print(f"activation {args.activation}; jax {jax.__version__}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print("| layout | models | steps | µs per step, XLA defaults | µs per step, jaxact's options "
          "| µs per model-step, jaxact's options |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|")
    for m in args.models:
        steps = args.steps or (200 if m <= 64 else 50)
        for name, train in LAYOUTS.items():
            default = per_step(train, m, steps, None) * 1e6
            ours = per_step(train, m, steps, engine) * 1e6
            print(f"| {name} | {m} | {steps} | {default:,.0f} | {ours:,.0f} | {ours / m:.1f} |",
                  flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
