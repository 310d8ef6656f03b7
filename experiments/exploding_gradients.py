"""Unbounded activations and exploding gradients: clipping and initialization.

Claim (seed ``001``, on ReLU): "there is no limit on the possible gradient on the right
side of the graph. If the gradient values are too high, this can lead to exploding
gradients. This is usually corrected by gradient clipping and weight initialization
techniques."

Method: a relu network with 10 hidden layers of width 32 regresses sin x on 64 points of
[−π, π] (MSE) with plain full-batch SGD, lr 1e-3, in three settings, each a vmapped sweep
over 16 seeds (8 quick): (a) a too-large initialization, twice He's standard deviation
(each layer then doubles the signal: ×2¹⁰ at the output); (b) the same initialization,
with ``optax.clip_by_global_norm(1.0)`` before SGD; (c) He initialization, no clipping.
(a) and (b) are one sweep over the clipping threshold (1e30 for (a): above every finite
gradient norm, so the gradient passes unchanged). Gradient norms at initialization from
:func:`jaxact.grad_norms`.

Pass criterion: the first-layer gradient at the large initialization is ≥ 100× He's
(mean over seeds); (a) diverges (NaN/inf) in ≥ 75% of seeds; (b) diverges in none and
every seed ends below 1% of its initial loss; (c) diverges in none and every seed ends
below 10% of its initial loss.
"""

from __future__ import annotations

import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxact as ja
from experiments._report import Check, Result, Table, band, check, fmt, pm, pyplot, save, sources

TITLE = "Exploding gradients, clipping and initialization"
CLAIM = (
    "ReLU is unbounded, so with too large weights the signal and the gradient grow at every "
    "layer and training blows up; gradient clipping and a proper weight initialization are "
    "the fixes."
)
SOURCE = sources("001")
METHOD = (
    "Relu network, 10 hidden layers of width 32, regressing sin x on 64 points of [−π, π] "
    "with plain full-batch SGD (lr 1e-3): (a) weights drawn at twice He's standard "
    "deviation; (b) the same, with `optax.clip_by_global_norm(1.0)` chained before SGD; "
    "(c) He initialization. Each a vmapped sweep over the seeds."
)
CRITERION = (
    "First-layer gradient at the large initialization ≥ 100× He's; (a) diverges (NaN/inf) "
    "in ≥ 75% of seeds; (b) in none, and every seed ends below 1% of its initial loss; (c) "
    "in none, and every seed ends below 10% of its initial loss."
)
HIDDEN = (32,) * 10
LR = 1e-3
SCALE = 2.0
NO_CLIP = 1e30


def clipped_sgd(learning_rate: float, max_norm: float) -> optax.GradientTransformation:
    """SGD after ``optax.clip_by_global_norm(max_norm)``."""
    return optax.chain(optax.clip_by_global_norm(max_norm), optax.sgd(learning_rate))


def large_init(key: jax.Array, shape, dtype=jnp.float32) -> jax.Array:
    """He normal, times two: every relu layer then doubles the signal instead of keeping it."""
    return SCALE * ja.he_normal(key, shape, dtype)


NAMES = ["large init, SGD", "large init, clipped SGD", "He init, SGD"]
"""The three settings: (a), (b), (c)."""


def run(quick: bool, out: pathlib.Path) -> Result:
    """Train the deep relu network in the three settings."""
    task = ja.load_task("sin")
    seeds = 8 if quick else 16
    steps = 1000 if quick else 3000
    names = NAMES
    loss, diverged, steps_logged = _train(task, seeds, steps)
    grads = _gradients_at_init(task, seeds)
    g_ratio = float(grads["large"][:, 0].mean() / grads["He"][:, 0].mean())
    checks = _judge(loss, diverged, g_ratio)
    path = save(_figure(steps_logged, loss, grads), out, "exploding_gradients.png")
    return Result(
        name="exploding_gradients",
        title=TITLE,
        claim=CLAIM,
        source=SOURCE,
        method=METHOD,
        criterion=CRITERION,
        checks=checks,
        metrics={
            "grad_ratio_large_over_he": g_ratio,
            **{f"diverged_{n}": int(diverged[n].sum()) for n in names},
            **{f"final_loss_{n}": _finite_mean(loss[n][:, -1]) for n in names},
        },
        tables=_tables(loss, diverged, grads, steps, seeds),
        figures=[path],
        finding=_finding(loss, diverged, g_ratio, seeds),
        notes=[
            "Clipping bounds each step, so training cannot blow up, but it does not change "
            "the network the optimizer starts from: in the same number of steps the clipped "
            "run is still orders of magnitude above the well-initialized one."
        ],
    )


def _train(task: ja.Task, seeds: int, steps: int):
    """The loss curves ``(S, T)`` and diverged seeds ``(S,)`` of each setting, and the
    logged steps."""
    # (a) and (b) differ only in the clipping threshold: one sweep with a grid over it.
    # NO_CLIP is above any finite float32 gradient norm these runs reach, so clip_by_global_norm
    # returns the gradient unchanged: (a) is exactly plain SGD.
    clipped = optax.inject_hyperparams(clipped_sgd)(learning_rate=LR, max_norm=1.0)
    big = ja.sweep(
        task,
        activations=["relu"],
        seeds=seeds,
        steps=steps,
        optimizer=clipped,
        grid={"max_norm": [NO_CLIP, 1.0]},
        hidden=HIDDEN,
        init=large_init,
        log_every=max(steps // 100, 1),
        progress=False,
    )
    he = ja.sweep(
        task,
        activations=["relu"],
        seeds=seeds,
        steps=steps,
        optimizer="sgd",
        learning_rate=LR,
        hidden=HIDDEN,
        init="he_normal",
        log_every=max(steps // 100, 1),
        progress=False,
    )
    raw = [
        (np.asarray(big.loss)[0, 0], np.asarray(big.diverged)[0, 0]),
        (np.asarray(big.loss)[0, 1], np.asarray(big.diverged)[0, 1]),
        (np.asarray(he.loss)[0], np.asarray(he.diverged)[0]),
    ]
    loss = {n: v[0] for n, v in zip(NAMES, raw, strict=True)}  # (S, T) each
    diverged = {n: v[1] | ~np.isfinite(v[0][:, -1]) for n, v in zip(NAMES, raw, strict=True)}
    return loss, diverged, np.asarray(he.steps)


def _gradients_at_init(task: ja.Task, seeds: int) -> dict[str, np.ndarray]:
    """Per-layer gradient norms ``(S, L)`` at both initializations."""
    x, y = jnp.asarray(task.x), jnp.asarray(task.y)
    sizes = task.sizes(HIDDEN)
    keys = jnp.stack([jax.random.key(s) for s in range(seeds)])

    def norms(key):
        """Per-layer gradient norms at both initializations (the same weights up to ×2)."""
        p = ja.init_mlp(key, sizes, activation="relu", init="he_normal")
        big = [{**lay, "w": SCALE * lay["w"]} for lay in p]
        return {
            name: ja.grad_norms(q, x, y, activation="relu", loss="regression")
            for name, q in (("large", big), ("He", p))
        }

    return {k: np.asarray(v) for k, v in jax.jit(jax.vmap(norms))(keys).items()}  # (S, L)


def _judge(loss, diverged, g_ratio) -> list[Check]:
    """The large init explodes and diverges; clipping and He init both train."""
    names = NAMES
    rel = {n: loss[n][:, -1] / loss[n][:, 0] for n in names}
    return [
        check("first-layer gradient at init: large / He (mean over seeds)", g_ratio, ">=", 100),
        check(
            "(a) large init, SGD: fraction of seeds diverged",
            float(diverged[names[0]].mean()),
            ">=",
            0.75,
        ),
        check("(b) large init, clipped: seeds diverged", int(diverged[names[1]].sum()), "==", 0),
        check(
            "(b) large init, clipped: worst seed's final / initial loss",
            float(np.nanmax(rel[names[1]])),
            "<",
            0.01,
        ),
        check("(c) He init: seeds diverged", int(diverged[names[2]].sum()), "==", 0),
        check(
            "(c) He init: worst seed's final / initial loss",
            float(np.nanmax(rel[names[2]])),
            "<",
            0.1,
        ),
    ]


def _tables(loss, diverged, grads, steps, seeds) -> list[Table]:
    """Divergence and losses per setting; gradient norm per layer at initialization."""
    rows = []
    for n in NAMES:
        fin = loss[n][:, -1]
        rows.append(
            [
                n,
                f"{int(diverged[n].sum())}/{seeds}",
                pm(loss[n][:, 0]),
                pm(fin[np.isfinite(fin)]) if np.isfinite(fin).any() else "NaN",
            ]
        )
    return [
        Table(
            f"Relu, 10 hidden layers, SGD lr {LR}, {steps} steps, {seeds} seeds (mean ± 95% "
            "CI of the finite values)",
            ["setting", "diverged", "initial loss", "final loss"],
            rows,
            csv="exploding_gradients.csv",
        ),
        Table(
            "Gradient norm per layer at initialization (geometric mean over seeds)",
            ["layer", "large init", "He init"],
            [
                [
                    i + 1,
                    float(np.exp(np.log(grads["large"][:, i]).mean())),
                    float(np.exp(np.log(grads["He"][:, i]).mean())),
                ]
                for i in range(grads["He"].shape[1])
            ],
            csv="exploding_gradients_layers.csv",
        ),
    ]


def _finding(loss, diverged, g_ratio, seeds) -> str:
    names = NAMES
    return (
        f"With weights twice too large, every layer of a 10-layer relu network doubles the "
        f"signal on the way forward and the error on the way back: the first-layer gradient is "
        f"{fmt(g_ratio)}× that of He initialization (relu is positively homogeneous, so "
        f"doubling all 11 weight matrices predicts about 2^21 ≈ {fmt(2.0**21)} when the outputs "
        f"dwarf the targets), and plain SGD diverges in "
        f"{int(diverged[names[0]].sum())}/{seeds} seeds. Clipping the global gradient norm "
        f"to 1 stops the blow-up (loss from {fmt(float(np.mean(loss[names[1]][:, 0])))} to "
        f"{fmt(float(np.mean(loss[names[1]][:, -1])))}), but the network still starts far "
        f"off; He initialization removes the cause, reaching "
        f"{fmt(float(np.mean(loss[names[2]][:, -1])))}."
    )


def _finite_mean(v: np.ndarray) -> float:
    v = v[np.isfinite(v)]
    return float(v.mean()) if v.size else float("nan")


def _figure(steps, loss, grads):
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    ax = axes[0]
    layers = np.arange(1, grads["He"].shape[1] + 1)
    for name, c in (("large", "#d62728"), ("He", "#2ca02c")):
        band(ax, layers, np.log10(grads[name]), label=f"{name} init", c=c, marker="o")
    ax.set_xlabel("layer")
    ax.set_ylabel("log₁₀ ‖∂ℓ/∂W_l‖ at initialization")
    ax.set_title("Gradient per layer at initialization")
    ax.legend()
    ax = axes[1]
    colors = ["#d62728", "#ff7f0e", "#2ca02c"]
    for (name, v), c in zip(loss.items(), colors, strict=True):
        finite = np.where(np.isfinite(v), v, np.nan)
        band(ax, steps, np.log10(finite), label=name, c=c, marker="o" if c == colors[0] else None)
        dead = np.isnan(finite).any(axis=0)
        if dead.any():
            first = int(np.argmax(dead))
            ax.axvline(steps[first], color=c, ls=":", lw=1)
            ax.annotate("NaN from here", (steps[first], ax.get_ylim()[1]), color=c, fontsize=8)
    ax.set_xlabel("step")
    ax.set_ylabel("log₁₀ training MSE (mean, 95% CI)")
    ax.set_title("Training a 10-layer relu network with SGD")
    ax.legend()
    fig.tight_layout()
    return fig
