"""Linear collapse: without a nonlinear activation, depth adds nothing.

Claim (seeds ``000``, ``002``, ``003``): "if you don't have an activation function, then no
matter how many layers your neural network has, all it's doing is just computing a
linear activation function" (000). Written out in 002: h3 = softmax(W3(W2(W1x + b1) + b2)
+ b3) = softmax((W3W2W1)x + (W3W2b1 + W3b2 + b3)) — a three-layer network with a softmax
on top is softmax regression; 003 adds the lines up: y = ax + b.

Method:

1. Affine collapse. For depths of 1 to 16 identity hidden layers (width 6, on iris's 4
   inputs, 3 outputs; 8 initializations each, random biases), multiply the layers out —
   W = W_1 W_2 … W_L, b = (…(b_1 W_2 + b_2) W_3 …) + b_L, in float64 — and compare
   jaxact's network (``mlp_apply``, in float32, and in float64 with the same weights) with
   x W + b on the 150 iris inputs; the same with the softmax on top.
2. Training. 1-8-8-8-1 networks with identity hidden layers, trained by plain full-batch
   gradient descent (lr 0.01) on seed 003's piecewise function over 16 seeds (8 quick),
   against the closed-form least-squares line (float64); tanh and relu networks of the
   same shape for contrast. Plain gradient descent is the method the theory speaks about
   (for deep linear networks every local minimum is global); Adam's normalized steps keep
   jumping around a minimum whose gradient vanishes.

Pass criterion: (1) the largest difference, relative to the largest output, is at most
4·L·w·ε (L layers, w = 6, ε the unit roundoff: rounding only) in both precisions, with and
without softmax; (2) every seed's final loss of the linear network is within 0.1% of the
least-squares loss (|ratio − 1| ≤ 1e-3; it cannot be below it), while the
tanh and relu networks' mean final loss is below the least-squares loss by more than
their 95% CI.
"""

from __future__ import annotations

import pathlib

import jax
import jax.numpy as jnp
import numpy as np

import jaxact as ja
from experiments._report import (
    Check,
    Result,
    Table,
    band,
    check,
    ci95,
    color,
    fmt,
    pm,
    pyplot,
    save,
    sources,
)

TITLE = "Linear collapse"
CLAIM = (
    "Without a nonlinear activation a deep network is one affine map: identity hidden "
    "layers compose to W = W_1⋯W_L and one bias b, with a softmax on top the network is "
    "softmax regression, and training a deep linear network can reach nothing better than "
    "the least-squares line."
)
SOURCE = sources("000", "002", "003")
METHOD = (
    "(1) Networks of 1–16 identity hidden layers (width 6, iris's 4 inputs, 3 outputs, 8 "
    "initializations each) are multiplied out into one (W, b) and compared with the "
    "network on the 150 iris inputs, in float32 and float64, with and without softmax. "
    "(2) 1-8-8-8-1 networks with identity hidden layers are trained by plain full-batch "
    "gradient descent (lr 0.01) on seed 003's piecewise function and compared with the "
    "closed-form least-squares line; tanh and relu networks of the same shape for contrast."
)
CRITERION = (
    "(1) max |network − collapsed map| / max |output| ≤ 4·L·w·ε (rounding only: L layers, "
    "w = 6, ε the unit roundoff) in float32 and float64, with and without softmax. "
    "(2) Every seed's final linear-network loss is within 0.1% of the least-squares "
    "loss (|ratio − 1| ≤ 1e-3); tanh's and relu's mean final loss + 95% CI < the "
    "least-squares loss."
)
DEPTHS = (1, 2, 4, 8, 16)
LR = 0.01
WIDTH = 6


def collapse(params: list[dict]) -> tuple[jax.Array, jax.Array]:
    """Multiply the affine layers of an identity network into one map ``x ↦ x W + b``.

    Args:
      params: MLP parameters (``w`` of shape ``(n_in, n_out)``, ``b`` of ``(n_out,)``).

    Returns:
      ``(W, b)`` of shapes ``(d, k)`` and ``(k,)``.
    """
    w, b = params[0]["w"], params[0]["b"]
    for layer in params[1:]:
        w = w @ layer["w"]
        b = b @ layer["w"] + layer["b"]
    return w, b


def _softmax64(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _collapse_errors(x: np.ndarray) -> dict[str, dict[int, dict[str, float]]]:
    """Per precision and depth, the largest relative difference over 8 networks.

    The networks are jaxact's (``init_mlp`` weights, random biases, ``mlp_apply``) in
    float32 and, with the same weights, in float64; the reference is the collapsed map
    x W + b computed in float64 NumPy. A network of depth d is the first hidden layers of
    one deepest network per seed, with its input and output layers.
    """
    seeds, deepest = 8, max(DEPTHS)
    sizes = (4, *([WIDTH] * deepest), 3)
    keys = jnp.stack([jax.random.key(s) for s in range(seeds)])

    def init(key):
        k_w, k_b = jax.random.split(key)
        p = ja.init_mlp(k_w, sizes, activation="identity")
        # Non-zero biases, so that the bias formula is tested too.
        kb = jax.random.split(k_b, len(p))
        return [
            {**lay, "b": jax.random.normal(k, lay["b"].shape)} for lay, k in zip(p, kb, strict=True)
        ]

    stacked = jax.vmap(init)(keys)  # leaves with a leading seed axis
    x64 = np.asarray(x, np.float64)

    def networks(q, xs):
        """Every depth's network output, plain and softmax, in one program per precision."""
        res = {}
        for d in DEPTHS:
            sub = [q[0], *q[1:d], q[-1]]
            res[d] = tuple(
                jax.vmap(lambda p, o=o: ja.mlp_apply(p, xs, activation="identity", output=o))(sub)
                for o in (None, "softmax")
            )
        return res

    out = {}
    for prec, dt in (("float32", np.float32), ("float64", np.float64)):
        with jax.enable_x64(prec == "float64"):
            q = jax.tree.map(lambda a, dt=dt: jnp.asarray(np.asarray(a, dt)), stacked)
            res = jax.jit(networks)(q, jnp.asarray(x64.astype(dt)))
            out[prec] = {d: [np.asarray(v, np.float64) for v in r] for d, r in res.items()}
    errs: dict[str, dict[int, dict[str, float]]] = {"float32": {}, "float64": {}}
    for depth in DEPTHS:
        p64 = jax.tree.map(
            lambda a: np.asarray(a, np.float64), [stacked[0], *stacked[1:depth], stacked[-1]]
        )
        ref = np.stack([_affine(jax.tree.map(lambda a, s=s: a[s], p64), x64) for s in range(seeds)])
        pref = _softmax64(ref)
        for prec in errs:
            plain, soft = out[prec][depth]
            scale = np.max(np.abs(ref), axis=(1, 2), keepdims=True)
            errs[prec][depth] = {
                "plain": float(np.max(np.abs(plain - ref) / scale)),
                "softmax": float(
                    np.max(np.abs(soft - pref) / np.max(pref, axis=(1, 2), keepdims=True))
                ),
            }
    return errs


def _affine(params, x: np.ndarray) -> np.ndarray:
    w, b = collapse(params)
    return x @ w + b[None, :]


ACTS = ["identity", "tanh", "relu"]
"""The trained networks' hidden activations: the linear one first."""


def run(quick: bool, out: pathlib.Path) -> Result:
    """Measure the collapse and train deep linear networks (fewer steps when ``quick``)."""
    iris = ja.load_task("iris", standardize=True)
    errs = _collapse_errors(iris.x)
    e32, e64 = errs["float32"], errs["float64"]
    # Training: deep linear vs least squares.
    task = ja.load_task("piecewise")
    steps = 1500 if quick else 4000
    seeds = 8 if quick else 16
    acts = ACTS
    coef, ls_loss = _least_squares(task)
    sw = _train(task, steps, seeds)
    loss = np.asarray(sw.loss)  # (A, S, T)
    final = loss[..., -1]
    ratio = final[0] / ls_loss
    checks = [*_judge_collapse(e32, e64), *_judge_training(final, ratio, ls_loss, seeds)]
    fig = _figure(task, sw, acts, loss, ls_loss, coef, e32, e64)
    path = save(fig, out, "linear_collapse.png")
    return Result(
        name="linear_collapse",
        title=TITLE,
        claim=CLAIM,
        source=SOURCE,
        method=METHOD,
        criterion=CRITERION,
        checks=checks,
        metrics={
            "max_rel_diff_float32": max(e["plain"] for e in e32.values()),
            "max_rel_diff_float64": max(e["plain"] for e in e64.values()),
            "least_squares_loss": ls_loss,
            "linear_loss_ratio_min": float(ratio.min()),
            "linear_loss_ratio_max": float(ratio.max()),
            **{f"final_loss_{n}": float(np.mean(final[i])) for i, n in enumerate(acts)},
        },
        tables=_tables(e32, e64, final, ls_loss, steps, seeds),
        figures=[path],
        finding=_finding(e32, e64, final, ratio, ls_loss),
    )


def _least_squares(task: ja.Task) -> tuple[np.ndarray, float]:
    """The least-squares line's coefficients (slope, intercept) and its MSE, in float64."""
    x64 = task.x.astype(np.float64)
    y64 = task.y.astype(np.float64)
    a = np.concatenate([x64, np.ones_like(x64)], axis=1)
    coef, *_ = np.linalg.lstsq(a, y64, rcond=None)
    return coef, float(np.mean((a @ coef - y64) ** 2))


def _train(task: ja.Task, steps: int, seeds: int) -> ja.SweepResult:
    """Gradient descent on 1-8-8-8-1 networks of each activation in :data:`ACTS`."""
    return ja.sweep(
        task,
        activations=ACTS,
        seeds=seeds,
        steps=steps,
        optimizer="sgd",
        learning_rate=LR,
        hidden=(8, 8, 8),
        log_every=max(steps // 100, 1),
        progress=False,
        keep_params=True,
    )


def _judge_collapse(e32: dict, e64: dict) -> list[Check]:
    """Each depth's network equals its collapsed affine map to rounding (the shallowest,
    the deepest and any depth over the bound are listed)."""
    checks = []
    for depth in DEPTHS:
        n_layers = depth + 1
        for prec, errs, eps in (
            ("float32", e32, float(jnp.finfo(jnp.float32).eps) / 2),
            ("float64", e64, float(np.finfo(np.float64).eps) / 2),
        ):
            bound = 4 * n_layers * WIDTH * eps
            for kind in ("plain", "softmax"):
                if depth in (1, DEPTHS[-1]) or errs[depth][kind] > bound:
                    label = "x W + b" if kind == "plain" else "softmax(x W + b)"
                    checks.append(
                        check(
                            f"{depth} hidden layers = {label}, {prec} (rel. difference)",
                            errs[depth][kind],
                            "<=",
                            bound,
                        )
                    )
    return checks


def _judge_training(final, ratio, ls_loss, seeds) -> list[Check]:
    """The linear network stops at least squares; the nonlinear ones go below it."""
    gap = ratio - 1.0
    checks = [
        check(
            f"linear net: largest |final loss / least squares − 1| over {seeds} seeds",
            float(np.max(np.abs(gap))),
            "<=",
            1e-3,
        )
    ]
    for i, n in enumerate(ACTS[1:], 1):
        m, h = ci95(final[i])
        checks.append(
            check(
                f"{n} net: mean final loss + 95% CI (least squares {fmt(ls_loss)})",
                m + h,
                "<",
                ls_loss,
                shown=pm(final[i]),
            )
        )
    return checks


def _tables(e32, e64, final, ls_loss, steps, seeds) -> list[Table]:
    """The collapse's differences by depth; the final losses against least squares."""
    rows = [
        [d, d + 1, e32[d]["plain"], e32[d]["softmax"], e64[d]["plain"], e64[d]["softmax"]]
        for d in DEPTHS
    ]
    train_rows = [
        [n, pm(final[i]), fmt(float(np.mean(final[i]) / ls_loss))] for i, n in enumerate(ACTS)
    ]
    train_rows.insert(0, ["least-squares line (closed form)", fmt(ls_loss), "1"])
    return [
        Table(
            "Largest relative difference between the network and its collapsed affine "
            "map (8 initializations per depth, 150 iris inputs)",
            [
                "hidden layers",
                "affine layers L",
                "float32",
                "float32, softmax",
                "float64",
                "float64, softmax",
            ],
            rows,
            csv="linear_collapse_affine.csv",
        ),
        Table(
            f"Final training loss (MSE) on the piecewise function, 1-8-8-8-1, gradient descent "
            f"lr {LR}, "
            f"{steps} steps, mean ± 95% CI over {seeds} seeds",
            ["model", "final MSE", "× least squares"],
            train_rows,
            csv="linear_collapse_training.csv",
        ),
    ]


def _finding(e32, e64, final, ratio, ls_loss) -> str:
    gap = ratio - 1.0
    return (
        f"Stacking up to {DEPTHS[-1]} linear layers gives exactly one affine map: the network "
        f"and the multiplied-out W, b differ by {fmt(max(e['plain'] for e in e32.values()))} "
        f"(float32) and {fmt(max(e['plain'] for e in e64.values()))} (float64) — rounding — "
        "and with a softmax on top it is softmax regression. Trained on seed 003's "
        f"piecewise function, every deep linear network ends at the least-squares line's "
        f"loss ({fmt(ls_loss)}; largest relative gap {fmt(float(np.max(np.abs(gap))), 2)}); "
        "tanh and relu networks of the same shape reach "
        f"{fmt(float(np.mean(final[1])))} and {fmt(float(np.mean(final[2])))}."
    )


def _figure(task, sw, acts, loss, ls_loss, coef, e32, e64):
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    ax = axes[0]
    d = np.asarray(DEPTHS) + 1
    ax.semilogy(d, [e32[k]["plain"] for k in DEPTHS], "o-", label="float32", c="#1f77b4")
    ax.semilogy(d, [e64[k]["plain"] for k in DEPTHS], "s-", label="float64", c="#ff7f0e")
    ax.semilogy(
        d, [4 * k * WIDTH * np.finfo(np.float32).eps / 2 for k in d], "--", c="#1f77b4", lw=0.8
    )
    ax.semilogy(
        d,
        [4 * k * WIDTH * np.finfo(np.float64).eps / 2 for k in d],
        "--",
        c="#ff7f0e",
        lw=0.8,
        label="rounding bound",
    )
    ax.set_xlabel("affine layers L")
    ax.set_ylabel("max |net − xW − b| / max |out|")
    ax.set_title("(1) A linear network is one affine map")
    ax.legend()

    ax = axes[1]
    steps = np.asarray(sw.steps)
    for i, n in enumerate(acts):
        band(ax, steps, loss[i], label=n, c=color(n))
    ax.axhline(ls_loss, color="k", ls="--", lw=1, label="least-squares line")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("MSE (mean, 95% CI)")
    ax.set_title("(2) Training on the piecewise function")
    ax.legend()

    ax = axes[2]
    x = task.x[:, 0]
    ax.plot(x, task.y[:, 0], "k.", ms=3, label="target (seed 003)")
    ax.plot(x, coef[0, 0] * x + coef[1, 0], "--", c="k", lw=1, label="least-squares line")
    if sw.params is not None:
        for n in acts:
            p = jax.tree.map(lambda a: a[0], sw.params[n])
            ax.plot(x, np.asarray(ja.mlp_apply(p, task.x, activation=n))[:, 0], c=color(n), label=n)
    ax.set_title("Fits (seed 0)")
    ax.set_xlabel("x")
    ax.legend()
    fig.tight_layout()
    return fig
