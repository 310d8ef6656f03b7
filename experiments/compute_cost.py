"""Compute cost: forward + backward time per element of every activation, relative to ReLU.

Claim (seed ``001``, on tanh): "although not a major issue in modern computing,
exponentials are more expensive to compute than the other common alternatives" — the
exponential-based activations (sigmoid, tanh, ELU, GELU, SiLU, softplus, SELU) cost
more than ReLU.

Method: for every activation, one jitted function computes f(x) and the gradient
``vjp(1)`` (forward + backward) on 2^20 float32 elements; vector-valued ones act on rows
of 64. In each of 21 rounds (5 in quick mode) every activation is called 10 times in a
row, in an order that rotates from round to round, and every call is timed. Two
estimators of the cost relative to ReLU: the ratio of the best (minimum) times — noise
only ever adds time, so the minimum is the least disturbed — and the ratio of the median
times. For scale, a 256 → 256 dense layer producing the same number of values is timed
the same way. The experiment runs alone, after the others.

Pass criterion: for each of sigmoid, tanh, elu, selu, gelu, silu and softplus, both
ratios are > 1.1: slower than ReLU by more than 10% whether judged by the best or the
typical call. If the two estimators disagree, the claim is reported as not confirmed on
this machine rather than as true.
"""

from __future__ import annotations

import math
import pathlib
import time

import jax
import jax.numpy as jnp
import numpy as np

import jaxact as ja
from experiments._report import Check, Result, Table, check, pyplot, save, sources

TITLE = "Compute cost of each activation"
CLAIM = (
    "Exponentials cost more to compute than the alternatives: the exp-based activations "
    "(sigmoid, tanh, ELU, SELU, GELU, SiLU, softplus) are slower than ReLU, forward and "
    "backward."
)
SOURCE = sources("001")
METHOD = (
    "One jitted function per activation computes f(x) and its gradient (forward + backward) "
    "on 2^20 float32 elements; vector-valued ones act on rows of 64. In each of 21 rounds (5 "
    "in quick mode) every activation is called 10 times, in an order that rotates between "
    "rounds; every call is timed. Cost relative to ReLU by two estimators: the ratio of the "
    "best times and the ratio of the median times; a 256 → 256 dense layer for scale."
)
CRITERION = (
    "For each of sigmoid, tanh, elu, selu, gelu, silu and softplus, both the best-time ratio "
    "and the median-time ratio to ReLU are > 1.1."
)
EXP_BASED = ("sigmoid", "tanh", "elu", "selu", "gelu", "silu", "softplus")
MARGIN = 1.1
DENSE = "dense layer 256 → 256 (reference)"
DENSE_WIDTH = 256


def _fwd_bwd(rec: ja.Activation):
    def f(x):
        y, vjp = jax.vjp(rec.fn, x)
        (dx,) = vjp(jnp.ones_like(y))
        return y, dx

    return jax.jit(f)


def _dense_fwd_bwd():
    def f(x, w):
        y, vjp = jax.vjp(lambda a, b: a @ b, x, w)
        return y, *vjp(jnp.ones_like(y))

    return jax.jit(f)


def _call(f, a):
    return f(*a) if isinstance(a, tuple) else f(a)


N_ELEM = 2**20
"""Elements of the timed array."""
INNER = 10
"""Calls timed back to back in each round."""


def run(quick: bool, out: pathlib.Path) -> Result:
    """Time every activation's forward + backward and compare with ReLU."""
    rounds = 5 if quick else 21
    names = ja.names()
    fns, inputs = _design(names)
    t = _measure(fns, inputs, rounds)
    # Two estimators of each cost, relative to relu: the best time (noise only adds to a
    # time, so the minimum is closest to the true cost) and the median time.
    best = {n: float(t[n].min() / t["relu"].min()) for n in t}
    med = {n: float(np.median(t[n]) / np.median(t["relu"])) for n in t}
    checks = _judge(med, best)
    path = save(_figure(med, best, names, med[DENSE]), out, "compute_cost.png")
    exp_present = [n for n in EXP_BASED if n in med]
    cheapest = min(exp_present, key=med.get) if exp_present else "—"
    dearest = max(exp_present, key=med.get) if exp_present else "—"
    relu_ns = float(np.median(t["relu"]) / N_ELEM * 1e9)
    return Result(
        name="compute_cost",
        title=TITLE,
        claim=CLAIM,
        source=SOURCE,
        method=METHOD,
        criterion=CRITERION,
        checks=checks,
        metrics={
            "relu_ns_per_element": relu_ns,
            "dense_layer_ratio": med[DENSE],
            "exp_ratio_min": med.get(cheapest, math.nan),
            "exp_ratio_max": med.get(dearest, math.nan),
            **{f"ratio_{k}": v for k, v in med.items()},
        },
        tables=[_table(t, med, best, rounds)],
        figures=[path],
        finding=_finding(med, relu_ns, cheapest, dearest),
        notes=[
            "Times are per element of one large array, where an elementwise function is limited "
            "by memory traffic as much as by arithmetic. The dense-layer row is a reference, "
            f"not an activation: x W and its gradients for x of shape ({N_ELEM // DENSE_WIDTH}, "
            f"{DENSE_WIDTH}) and W of shape ({DENSE_WIDTH}, {DENSE_WIDTH})."
        ],
    )


def _design(names: list[str]) -> tuple[dict, dict]:
    """The compiled forward + backward of each activation and of the dense layer, and
    their inputs."""
    x = jax.random.normal(jax.random.key(0), (N_ELEM,), jnp.float32)
    xv = x.reshape(-1, 64)
    fns, inputs = {}, {}
    for n in names:
        rec = ja.get(n)
        fns[n] = _fwd_bwd(rec)
        inputs[n] = x if rec.kind == "elementwise" else xv
    # For scale: the dense layer that would produce these activations' inputs.
    fns[DENSE] = _dense_fwd_bwd()
    w = jax.random.normal(jax.random.key(1), (DENSE_WIDTH, DENSE_WIDTH), jnp.float32)
    inputs[DENSE] = (x.reshape(-1, DENSE_WIDTH), w)
    return fns, inputs


def _measure(fns: dict, inputs: dict, rounds: int) -> dict[str, np.ndarray]:
    """Each function's call times in seconds, ``rounds`` x ``INNER`` of them, the order of
    the functions rotating from round to round."""
    timed = list(fns)
    for n in timed:
        jax.block_until_ready(_call(fns[n], inputs[n]))  # compile and warm up

    samples = {n: [] for n in timed}
    for r in range(rounds):
        order = timed[r % len(timed) :] + timed[: r % len(timed)]
        for n in order:
            f, a = fns[n], inputs[n]
            for _ in range(INNER):
                t0 = time.perf_counter()
                jax.block_until_ready(_call(f, a))
                samples[n].append(time.perf_counter() - t0)
    return {n: np.asarray(v) for n, v in samples.items()}


def _judge(med: dict[str, float], best: dict[str, float]) -> list[Check]:
    """Each exponential-based activation costs more than relu, by both estimators."""
    checks = []
    for n in EXP_BASED:
        if n not in med:
            checks.append(check(f"{n} is in the catalog", 0, ">=", 1, shown="missing"))
            continue
        checks.append(check(f"{n}: median time / relu median time", med[n], ">", MARGIN))
        checks.append(check(f"{n}: best time / relu best time", best[n], ">", MARGIN))
    return checks


def _table(t: dict[str, np.ndarray], med: dict, best: dict, rounds: int) -> Table:
    """Time per element and the two ratios to relu, cheapest first."""
    q25, q75 = np.percentile(t["relu"], [25, 75])
    relu_spread = float((q75 - q25) / np.median(t["relu"]))
    rows = [
        [n, float(np.median(t[n]) / N_ELEM * 1e9), med[n], best[n], "yes" if n in EXP_BASED else ""]
        for n in sorted(t, key=med.get)
    ]
    return Table(
        f"Forward + backward time, {N_ELEM} float32 elements, {rounds} rounds × "
        f"{INNER} calls on {jax.devices()[0].platform}; relu's own interquartile range is "
        f"{100 * relu_spread:.0f}% of its median",
        [
            "activation",
            "ns / element (median)",
            "× relu (medians)",
            "× relu (best times)",
            "exp-based",
        ],
        rows,
        csv="compute_cost.csv",
    )


def _finding(med: dict, relu_ns: float, cheapest: str, dearest: str) -> str:
    dense = med[DENSE]
    extra = med.get(dearest, math.nan) - 1.0
    return (
        f"Forward + backward, ReLU takes {relu_ns:.2f} ns per float32 element here; the "
        f"exponential-based activations take {med.get(cheapest, math.nan):.1f}× ({cheapest}) "
        f"to {med.get(dearest, math.nan):.1f}× ({dearest}) as long. For scale, the "
        f"{DENSE_WIDTH} → {DENSE_WIDTH} dense layer that produces the same number of values "
        f"takes {dense:.0f}× ReLU's time, so even {dearest} adds about "
        f"{100 * extra / (dense + 1):.0f}% to such a layer's forward + backward time."
    )


def _figure(med, best, names, dense):
    plt = pyplot()
    order = sorted(names, key=med.get)
    fig, ax = plt.subplots(figsize=(7.5, 0.22 * len(order) + 1.2))
    y = np.arange(len(order))
    cols = ["#d62728" if n in EXP_BASED else "#7f7f7f" for n in order]
    ax.barh(y, [med[n] for n in order], color=cols, alpha=0.8, label="ratio of median times")
    ax.plot([best[n] for n in order], y, "k|", ms=9, mew=2, label="ratio of best times")
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_yticks(y, order, fontsize=8)
    ax.set_xlabel("forward + backward time relative to relu")
    ax.set_title("Compute cost per element (red: exponential-based, checked by the verdict)")
    ax.legend(loc="center right")
    ax.text(
        0.98,
        0.02,
        f"for scale: a 256 → 256 dense layer\nproducing as many values takes {dense:.0f}× relu",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=8.5,
    )
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig
