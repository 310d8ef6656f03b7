"""Vanishing gradients: sigmoid's slope ≤ 1/4 shrinks the gradient at every layer.

Claim (seed ``001``): away from the centre of the S-curve the sigmoid's gradient is very
close to zero, which "may lead to vanishing gradients, since small gradients can slow
convergence considerably"; ReLU is the default for hidden layers.

Method:

1. At initialization (the standard initializer per activation: Glorot for sigmoid and
   tanh, He for relu), the error signal δ_l = ∂ℓ_n/∂z_l — the gradient of one example's
   loss with respect to layer l's pre-activations — at every layer of networks with 16
   hidden layers of width 32 on the standardized two-moons data (200 points), 16 seeds (8
   quick). δ_l has passed back through L − l activation layers; the per-layer factor is
   exp(slope) of a least-squares fit of the seed-averaged ln RMS‖δ_l‖ against that count.
   The δ_l come from zero "probes" added to each z_l (one backward pass for all
   examples); as a check of that instrument, the weight gradients rebuilt from them,
   a_{l−1}ᵀ δ_l / n, must equal :func:`jaxact.grad_norms`. (One deep network per seed,
   rather than one network per depth: the layers above the first l see the same thing.)
2. The bound behind it: back-propagation multiplies δ_{l+1} by W_{l+1}ᵀ and then by
   f′(z_l), so ‖δ_l‖ ≤ max|f′| · ‖W_{l+1}‖₂ · ‖δ_{l+1}‖, with max σ′ = 1/4. Checked at
   every example, hidden layer and seed of the sigmoid networks.
3. Training: 8 hidden layers of width 32, plain SGD (lr 0.1) on the same data, one vmapped
   sweep over the seeds for sigmoid, tanh and relu.

Pass criterion: (0) the probe gradients match ``grad_norms`` to 1e-4 (relative); (1)
sigmoid's per-layer factor < 0.5 (the gradient at least halves per
layer), tanh's and relu's > 0.8; (2) the bound holds (ratio ≤ 1/4 + 1e-5) at every
example, layer and seed; (3) "stalls" quantified against H, the loss of the best constant
prediction (the entropy of the labels, ln 2 for the balanced moons): the deep sigmoid
network's mean final loss is ≥ 0.99 H — it has learned nothing about its input — while
tanh's and relu's mean final loss + 95% CI ≤ 0.5 H (a diverged run counts as H).
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

TITLE = "Vanishing gradients with depth"
CLAIM = (
    "Sigmoid (and, when saturated, tanh) has tiny slopes away from its centre, so gradients "
    "vanish as they flow back through many layers and deep networks learn slowly; ReLU "
    "does not shrink them."
)
SOURCE = sources("001")
METHOD = (
    "(1) The error signal δ_l = ∂ℓ_n/∂z_l (per example) at every layer at initialization "
    "(Glorot for sigmoid and tanh, He for relu) of networks with 16 hidden layers of width "
    "32 on the standardized two moons; the per-layer factor is exp(slope) of a fit of "
    "ln RMS‖δ_l‖ against the number of activation layers δ_l has passed. (2) The bound "
    "‖δ_l‖ ≤ max|f′|·‖W_{l+1}‖₂·‖δ_{l+1}‖, with max σ′ = 1/4. (3) 8 hidden layers of width "
    "32 trained by plain SGD (lr 0.1), one vmapped sweep over the seeds."
)
CRITERION = (
    "(0) δ-probe weight gradients = jaxact.grad_norms to 1e-4. (1) Per-layer factor: sigmoid "
    "< 0.5, tanh and relu > 0.8. (2) ‖δ_l‖ / (‖W_{l+1}‖₂ "
    "‖δ_{l+1}‖) ≤ 1/4 (+1e-5) at every example, layer and seed for sigmoid. (3) 'Stalls', "
    "measured against H, the loss of the best constant prediction (the label entropy, ln 2 "
    "here): sigmoid's mean final loss ≥ 0.99 H (it has learned nothing about the input); "
    "tanh's and relu's mean final loss + 95% CI ≤ 0.5 H. Diverged runs count as H."
)
ACTS = ["sigmoid", "tanh", "relu"]
MAX_SLOPE = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0}
WIDTH = 32
DEPTH = 16
DEPTH_TRAIN = 8
LR = 0.1


def error_signals(params, x, y, activation: str, loss: str) -> list[jax.Array]:
    """Per-example error signals δ_l = ∂ℓ_n/∂z_l of every layer, by zero probes.

    The forward pass adds a zero array e_l of the shape of each pre-activation z_l
    (n, width); the gradient of the summed per-example loss with respect to e_l is δ_l for
    every example at once, one backward pass in all.

    Returns:
      One ``(n, n_out_l)`` array per layer, first layer first.
    """
    f = ja.get(activation).fn
    loss_of = ja.loss_for(loss)
    n = x.shape[0]

    def total(probes):
        a = x
        for i, (layer, e) in enumerate(zip(params, probes, strict=True)):
            z = a @ layer["w"] + layer["b"][None, :] + e
            a = f(z) if i < len(params) - 1 else z
        return loss_of(a, y) * n  # the mean loss times n: the sum over examples

    zeros = [jnp.zeros((n, layer["w"].shape[1]), x.dtype) for layer in params]
    return jax.grad(total)(zeros)


def _at_init(task, depth: int, seeds: int):
    """Gradients of ``depth``-hidden-layer networks at initialization.

    Returns:
      Four dicts keyed by activation: ``signal`` (S, L), the root mean square over
      examples of ‖δ_l‖; ``weights`` (S, L), ‖∂ℓ/∂W_l‖ of the mean loss from
      :func:`jaxact.grad_norms`; ``recomputed`` (S, L), the same norms rebuilt from the
      probes' δ_l as ‖a_{l−1}ᵀ δ_l‖ / n (a check of the instrument); ``ratios`` (S, L-1),
      per hidden layer l the largest over examples of ‖δ_l‖ / (‖W_{l+1}‖₂ ‖δ_{l+1}‖).
    """
    x, y = jnp.asarray(task.x), jnp.asarray(task.y)
    sizes = task.sizes((WIDTH,) * depth)
    n = x.shape[0]
    keys = jnp.stack([jax.random.key(s) for s in range(seeds)])
    out = ({}, {}, {}, {})
    for act in ACTS:
        f = ja.get(act).fn

        def one(key, act=act, f=f):
            p = ja.init_mlp(key, sizes, activation=act)
            d = error_signals(p, x, y, act, task.loss)
            dn = jnp.stack([jnp.linalg.norm(v, axis=1) for v in d], axis=1)  # (n, L)
            a, inputs = x, []
            for i, layer in enumerate(p):
                inputs.append(a)
                z = a @ layer["w"] + layer["b"][None, :]
                a = f(z) if i < len(p) - 1 else z
            rebuilt = jnp.stack(
                [jnp.linalg.norm(u.T @ v) / n for u, v in zip(inputs, d, strict=True)]
            )
            spec = jnp.stack([jnp.linalg.norm(layer["w"], ord=2) for layer in p[1:]])
            den = spec[None, :] * dn[:, 1:]
            ratios = jnp.max(jnp.where(den > 0, dn[:, :-1] / den, 0.0), axis=0)
            signal = jnp.sqrt(jnp.mean(jnp.square(dn), axis=0))
            weights = ja.grad_norms(p, x, y, activation=act, loss=task.loss)
            return signal, weights, rebuilt, ratios

        for o, r in zip(out, jax.vmap(one)(keys), strict=True):
            o[act] = np.asarray(r)
    return out


def run(quick: bool, out: pathlib.Path) -> Result:
    """Measure gradient norms layer by layer, check the 1/4 bound, train deep networks."""
    task = ja.load_task("moons", standardize=True)
    seeds = 8 if quick else 16
    steps = 400 if quick else 2500
    norms, weights, rebuilt, ratios = _at_init(task, DEPTH, seeds)
    instrument = max(float(np.max(np.abs(rebuilt[a] / weights[a] - 1.0))) for a in ACTS)
    n_layers = DEPTH + 1
    below = n_layers - np.arange(1, n_layers + 1)  # activation derivatives passed, per layer
    factors = {}
    for act in ACTS:
        slope = np.polyfit(below.astype(float), np.log(norms[act]).mean(axis=0), 1)[0]
        factors[act] = float(np.exp(slope))
    sw = _train(task, seeds, steps)
    loss = np.asarray(sw.loss)  # (A, S, T)
    diverged = np.asarray(sw.diverged)  # (A, S)
    # A diverged run did not train: it counts as no progress (ratio 1), not as missing.
    p1 = float(np.mean(task.y))
    h_const = -(p1 * np.log(p1) + (1 - p1) * np.log(1 - p1))  # best constant prediction
    rel = np.where(diverged, 1.0, loss[..., -1] / h_const)  # (A, S)
    checks = _judge(instrument, factors, ratios, rel, h_const)
    fig = _figure(below, norms, ratios, sw, loss, factors)
    path = save(fig, out, "vanishing_gradients.png")
    return Result(
        name="vanishing_gradients",
        title=TITLE,
        claim=CLAIM,
        source=SOURCE,
        method=METHOD,
        criterion=CRITERION,
        checks=checks,
        metrics={
            **{f"factor_{k}": v for k, v in factors.items()},
            "sigmoid_bound_ratio_max": float(ratios["sigmoid"].max()),
            **{f"final_loss_over_constant_{a}": float(rel[i].mean()) for i, a in enumerate(ACTS)},
        },
        tables=[
            _table(norms, ratios, factors, loss, diverged, seeds, steps),
            _layer_table(norms, weights, below),
        ],
        figures=[path],
        finding=_finding(norms, ratios, factors, loss, h_const),
    )


def _train(task: ja.Task, seeds: int, steps: int) -> ja.SweepResult:
    """Plain SGD on networks of :data:`DEPTH_TRAIN` hidden layers, each activation."""
    return ja.sweep(
        task,
        activations=ACTS,
        seeds=seeds,
        steps=steps,
        optimizer="sgd",
        learning_rate=LR,
        hidden=(WIDTH,) * DEPTH_TRAIN,
        log_every=max(steps // 100, 1),
        progress=False,
    )


def _judge(instrument, factors, ratios, rel, h_const) -> list[Check]:
    """The probe agrees with grad_norms; sigmoid shrinks the gradient within its 1/4
    bound and does not train deep; tanh and relu do."""
    checks = [
        check(
            "instrument: δ-probe weight gradients vs jaxact.grad_norms, max relative difference",
            instrument,
            "<=",
            1e-4,
        ),
        check("sigmoid: per-layer gradient factor", factors["sigmoid"], "<", 0.5),
        check("tanh: per-layer gradient factor", factors["tanh"], ">", 0.8),
        check("relu: per-layer gradient factor", factors["relu"], ">", 0.8),
        check(
            "sigmoid: largest ‖δ_l‖ / (‖W_{l+1}‖₂‖δ_{l+1}‖) over examples, layers, seeds",
            float(ratios["sigmoid"].max()),
            "<=",
            0.25 + 1e-5,
        ),
        check(
            f"sigmoid, {DEPTH_TRAIN} hidden layers, SGD: mean final loss / H (H = {fmt(h_const)})",
            float(rel[0].mean()),
            ">=",
            0.99,
            shown=pm(rel[0]),
        ),
    ]
    for i in (1, 2):
        m, h = ci95(rel[i])
        checks.append(
            check(
                f"{ACTS[i]}, {DEPTH_TRAIN} hidden layers, SGD: mean final loss / H + 95% CI",
                m + h,
                "<=",
                0.5,
                shown=pm(rel[i]),
            )
        )
    return checks


def _table(norms, ratios, factors, loss, diverged, seeds, steps) -> Table:
    """Gradients at initialization and deep training, per activation."""
    shrink = {a: norms[a][:, 0] / norms[a][:, -1] for a in ACTS}  # first / last layer
    rows = [
        [
            act,
            fmt(factors[act]),
            pm(norms[act][:, -1]),
            pm(norms[act][:, 0]),
            fmt(float(np.exp(np.mean(np.log(shrink[act]))))),
            fmt(float(ratios[act].max())),
            fmt(MAX_SLOPE[act]),
            pm(loss[a, :, 0]),
            pm(loss[a, :, -1]),
            f"{int(diverged[a].sum())}/{seeds}",
        ]
        for a, act in enumerate(ACTS)
    ]
    return Table(
        f"Gradients at initialization ({DEPTH} hidden layers of width {WIDTH}, "
        f"{seeds} seeds) and deep training ({DEPTH_TRAIN} hidden layers, SGD lr {LR}, "
        f"{steps} steps); mean ± 95% CI",
        [
            "activation",
            "per-layer factor",
            "RMS ‖δ‖, output layer",
            "RMS ‖δ₁‖, first layer",
            "first / output (geo. mean)",
            "max ‖δ_l‖/(‖W‖₂‖δ_{l+1}‖)",
            "max |f′|",
            "initial loss",
            "final loss",
            "diverged",
        ],
        rows,
        csv="vanishing_gradients.csv",
    )


def _layer_table(norms, weights, below) -> Table:
    """Per layer at initialization: error signal and weight-gradient norms."""
    return Table(
        "Per layer at initialization: RMS error signal ‖δ_l‖ and weight-gradient norm "
        "‖∂ℓ/∂W_l‖ (jaxact.grad_norms), geometric means over seeds",
        [
            "layer",
            "activation derivatives passed",
            *(f"‖δ‖ {a}" for a in ACTS),
            *(f"‖∂ℓ/∂W‖ {a}" for a in ACTS),
        ],
        [
            [
                l + 1,
                int(below[l]),
                *(float(np.exp(np.log(norms[a][:, l]).mean())) for a in ACTS),
                *(float(np.exp(np.log(weights[a][:, l]).mean())) for a in ACTS),
            ]
            for l in range(DEPTH + 1)
        ],
        csv="vanishing_gradients_layers.csv",
    )


def _finding(norms, ratios, factors, loss, h_const) -> str:
    shrink = {a: norms[a][:, 0] / norms[a][:, -1] for a in ACTS}  # first / last layer
    return (
        f"At initialization every sigmoid layer the gradient flows back through multiplies it "
        f"by about {factors['sigmoid']:.2f} (tanh {factors['tanh']:.2f}, relu "
        f"{factors['relu']:.2f}); across {DEPTH} sigmoid layers the first layer's gradient is "
        f"{fmt(float(np.exp(np.mean(np.log(shrink['sigmoid'])))), 2)} times the last layer's. "
        f"The cause is the slope: σ′ ≤ 1/4, and the measured per-layer shrink never exceeded "
        f"{float(ratios['sigmoid'].max()):.3f} × ‖W‖₂. Trained with plain SGD, sigmoid networks "
        f"with {DEPTH_TRAIN} hidden layers end at loss {fmt(float(loss[0, :, -1].mean()), 4)}, "
        f"the loss of a constant prediction ({fmt(h_const, 4)}): they have learned nothing "
        f"about the input. Tanh and relu networks of the same depth reach "
        f"{fmt(float(loss[1, :, -1].mean()), 2)} and {fmt(float(loss[2, :, -1].mean()), 2)}."
    )


def _figure(below, norms, ratios, sw, loss, factors):
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    ax = axes[0]
    for act in ACTS:
        band(
            ax,
            below,
            np.log10(norms[act]),
            label=f"{act} (×{factors[act]:.2f} per layer)",
            c=color(act),
            marker="o",
        )
    ax.set_xlabel("activation layers the gradient has passed (0 = output layer)")
    ax.set_ylabel("log₁₀ RMS ‖δ_l‖ at initialization")
    ax.set_title(f"Gradient per layer, {DEPTH} hidden layers")
    ax.legend()
    ax = axes[1]
    r = ratios["sigmoid"]
    layers = np.arange(1, r.shape[1] + 1)
    ax.plot(layers, r.T, color=color("sigmoid"), alpha=0.35, lw=0.8)
    ax.plot([], [], color=color("sigmoid"), label="sigmoid, one line per seed")
    ax.axhline(0.25, color="k", ls="--", lw=1, label="max σ′ = 1/4")
    ax.set_ylim(0, 0.3)
    ax.set_xlabel("hidden layer l")
    ax.set_ylabel("max over examples ‖δ_l‖ / (‖W_{l+1}‖₂ ‖δ_{l+1}‖)")
    ax.set_title("Sigmoid: each layer shrinks the signal by ≤ 1/4 · ‖W‖₂")
    ax.legend(loc="lower right")
    ax = axes[2]
    steps = np.asarray(sw.steps)
    for a, act in enumerate(ACTS):
        band(ax, steps, loss[a], label=act, c=color(act))
    ax.set_xlabel("step")
    ax.set_ylabel("training loss (mean, 95% CI)")
    ax.set_title(f"Training {DEPTH_TRAIN} hidden layers with plain SGD (lr {LR})")
    ax.legend()
    fig.tight_layout()
    return fig
