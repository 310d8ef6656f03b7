"""Initialization and signal propagation: which initializer keeps which activation alive.

Claim (seed ``001``: exploding and vanishing gradients "are usually corrected by gradient
clipping and weight initialization techniques"; seed ``004``: ReLU's "values can become
very large"): the scale of the initial weights must match the activation, or the signal
shrinks or grows geometrically with depth. Mean-field theory predicts, for square layers
of width n and zero biases, pre-activation variance q_{l+1} = n·Var(w)·E[f(z)²] with
z ~ N(0, q_l): He (Var w = 2/n) keeps q constant for ReLU, Glorot/LeCun (1/n) halve it
per ReLU layer, and LeCun with SELU has the attracting fixed point (mean 0, variance 1)
— self-normalization.

Method: 30 hidden layers of width 128 (20 in quick mode), inputs 256 draws of N(0, I);
for each of 9 activations (6 in quick mode) × {Glorot, He, LeCun} (normal variants), 8
initializations, the mean and variance of pre-activations and activations per layer
(:func:`jaxact.layer_stats`). For SELU with LeCun, also inputs of standard deviation 0.5
and 2. (For square layers Glorot and LeCun have the same variance, 1/n; they differ
only where fan-in ≠ fan-out.)

The per-layer factor is exp(slope) of a least-squares fit of the seed-averaged log
pre-activation variance against depth (robust to the multiplicative finite-width noise
that makes the last/first ratio of a single network wander).

Pass criterion (theory's predictions, with room for finite width): the per-layer variance
factor is within [0.9, 1.1] for relu + He and identity + Glorot (theory: 1) and within
[0.4, 0.6] for relu + LeCun (theory: ½); SELU + LeCun ends with activation mean within
±0.1 and variance within [0.8, 1.25] from each input scale.
"""

from __future__ import annotations

import pathlib

import jax
import jax.numpy as jnp
import numpy as np

import jaxact as ja
from experiments._report import Check, Result, Table, check, color, fmt, pyplot, save, sources

TITLE = "Initialization and signal propagation"
CLAIM = (
    "The initial weight scale must match the activation, or the signal shrinks or grows "
    "geometrically with depth: He keeps ReLU's variance, Glorot/LeCun halve it per layer, "
    "and SELU with LeCun initialization normalizes itself to mean 0, variance 1."
)
SOURCE = sources("001", "004")
METHOD = (
    "30 hidden layers of width 128 (20 in quick mode), 256 inputs drawn from N(0, I); "
    "for 9 activations × {Glorot, He, LeCun} (normal), 8 initializations each, the "
    "variance of pre-activations and activations per layer (`jaxact.layer_stats`). SELU + "
    "LeCun also from inputs of standard deviation 0.5 and 2. For square layers Glorot and "
    "LeCun coincide (both 1/n)."
)
CRITERION = (
    "Per-layer factor of the pre-activation variance (exp of the slope of its seed-averaged "
    "log against depth): relu + He and identity + Glorot within [0.9, 1.1] (theory 1), relu "
    "+ LeCun within [0.4, 0.6] (theory ½). SELU + LeCun: final activation mean within ±0.1 "
    "and variance within [0.8, 1.25] from input standard deviations 0.5, 1 and 2."
)
ACTS = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu", "silu"]
QUICK_ACTS = ["identity", "sigmoid", "tanh", "relu", "selu", "gelu"]
INITS = {"Glorot": "glorot_normal", "He": "he_normal", "LeCun": "lecun_normal"}
WIDTH = 128
N = 256
SEEDS = 8


def _stats(act: str, init: str, depth: int, x: jax.Array) -> dict[str, np.ndarray]:
    """Layer statistics, (S, depth) each, over SEEDS initializations (eager: shapes repeat)."""
    keys = jnp.stack([jax.random.key(s) for s in range(SEEDS)])
    sizes = (WIDTH,) * (depth + 1) + (1,)

    def one(key):
        p = ja.init_mlp(key, sizes, activation=act, init=init)
        return ja.layer_stats(p, x, activation=act)

    return {k: np.asarray(v) for k, v in jax.vmap(one)(keys).items()}


def run(quick: bool, out: pathlib.Path) -> Result:
    """Propagate random inputs through deep random networks."""
    depth = 20 if quick else 30
    acts = QUICK_ACTS if quick else ACTS
    x = jax.random.normal(jax.random.key(2024), (N, WIDTH), jnp.float32)
    stats = {(a, i): _stats(a, init, depth, x) for a in acts for i, init in INITS.items()}
    selu = {s: _stats("selu", "lecun_normal", depth, s * x) for s in (0.5, 2.0)}
    selu[1.0] = stats["selu", "LeCun"]

    def factor(a, i):
        return _factor(stats[a, i], depth)

    checks = _judge(factor, selu)
    fig = _figure(stats, selu, depth, acts)
    path = save(fig, out, "signal_propagation.png")
    return Result(
        name="signal_propagation",
        title=TITLE,
        claim=CLAIM,
        source=SOURCE,
        method=METHOD,
        criterion=CRITERION,
        checks=checks,
        metrics={
            **{f"factor_{a}_{i}": factor(a, i) for a in acts for i in INITS},
            **{
                f"selu_final_var_input_std_{s:g}": float(selu[s]["act_var"].mean(axis=0)[-1])
                for s in selu
            },
        },
        tables=[_table(stats, factor, acts, depth)],
        figures=[path],
        finding=_finding(factor, selu, acts, depth),
        notes=[
            "Measured with He initialization: "
            + ", ".join(
                f"{a} ×{factor(a, 'He'):.2f} per layer" for a in ("gelu", "silu") if a in acts
            )
            + ". Near 0 GELU and SiLU behave like x/2 (slope ½), so a small signal keeps only "
            "2 × ¼ = ½ of its variance per layer under He's gain of 2; none of the three "
            "standard initializers is variance-preserving for them."
        ],
    )


def _factor(stats: dict[str, np.ndarray], depth: int) -> float:
    """Per-layer factor: exp(slope) of the seed-averaged log variance against depth."""
    logv = np.log(stats["pre_var"]).mean(axis=0)
    return float(np.exp(np.polyfit(np.arange(depth, dtype=float), logv, 1)[0]))


def _judge(factor, selu) -> list[Check]:
    """The variance factors of relu and identity under their initializers; SELU's fixed
    point from three input scales."""
    checks = []
    for a, i, lo, hi in (
        ("relu", "He", 0.9, 1.1),
        ("identity", "Glorot", 0.9, 1.1),
        ("relu", "LeCun", 0.4, 0.6),
    ):
        f = factor(a, i)
        checks.append(check(f"{a} + {i}: per-layer variance factor", f, ">=", lo))
        checks.append(check(f"{a} + {i}: per-layer variance factor", f, "<=", hi))
    for s in (0.5, 1.0, 2.0):
        m = float(selu[s]["act_mean"].mean(axis=0)[-1])
        v = float(selu[s]["act_var"].mean(axis=0)[-1])
        checks.append(check(f"selu + LeCun, input std {s:g}: |final mean|", abs(m), "<=", 0.1))
        checks.append(check(f"selu + LeCun, input std {s:g}: final variance", v, ">=", 0.8))
        checks.append(check(f"selu + LeCun, input std {s:g}: final variance", v, "<=", 1.25))
    return checks


def _table(stats, factor, acts, depth) -> Table:
    """Final variance and per-layer factor per activation and initializer."""
    rows = []
    for a in acts:
        default = {v: k for k, v in INITS.items()}.get(ja.default_init(a), ja.default_init(a))
        rows.append(
            [
                a,
                default,
                *(float(stats[a, i]["act_var"].mean(axis=0)[-1]) for i in INITS),
                *(factor(a, i) for i in INITS),
            ]
        )
    return Table(
        f"Activation variance after {depth} layers (mean over {SEEDS} initializations), "
        f"and the per-layer factor of the pre-activation variance (width {WIDTH})",
        [
            "activation",
            "jaxact default",
            *(f"Var a, {i}" for i in INITS),
            *(f"factor/layer, {i}" for i in INITS),
        ],
        rows,
        csv="signal_propagation.csv",
    )


def _finding(factor, selu, acts, depth) -> str:
    final_var = ", ".join(fmt(float(selu[s]["act_var"].mean(axis=0)[-1])) for s in (0.5, 1.0, 2.0))
    return (
        f"Through {depth} random layers the variance of the signal is multiplied at every "
        f"layer by a factor set by the weight scale and the activation: relu keeps its "
        f"variance with He initialization (×{factor('relu', 'He'):.3f} per layer) and loses "
        f"half of it per layer with Glorot/LeCun (×{factor('relu', 'LeCun'):.3f}); SELU with "
        "LeCun pulls inputs of standard deviation 0.5, 1 and 2 to mean ≈ 0, variance ≈ 1 "
        f"(final variance {final_var})."
        + (
            f" GELU keeps shrinking even with He initialization (×{factor('gelu', 'He'):.2f} "
            "per layer)."
            if "gelu" in acts
            else ""
        )
    )


def _figure(stats, selu, depth, acts):
    plt = pyplot()
    panels = len(acts) + 1
    cols = 4 if panels <= 8 else 5
    rows = -(-panels // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.5 * cols, 3.3 * rows), squeeze=False)
    layers = np.arange(1, depth + 1)
    styles = {"Glorot": ("-", "#1f77b4"), "He": ("--", "#d62728"), "LeCun": (":", "#2ca02c")}
    for ax, a in zip(axes.flat, acts, strict=False):
        for i, (ls, c) in styles.items():
            v = stats[a, i]["pre_var"].mean(axis=0)
            ax.plot(layers, v, ls=ls, color=c, lw=1.8 if i != "LeCun" else 2.2, label=i)
        ax.set_yscale("log")
        ax.set_title(a + (" (default: " + ja.default_init(a).split("_")[0] + ")"))
        ax.axhline(1.0, color="0.5", lw=0.6)
    for ax in axes[:, 0]:
        ax.set_ylabel("pre-activation variance")
    axes[0, 0].legend(title="init (Glorot = LeCun here)")
    for ax in list(axes.flat)[len(acts) + 1 :]:
        ax.axis("off")
    ax = axes.flat[len(acts)]
    for s, sel in sorted(selu.items()):
        ax.plot(
            layers, sel["act_var"].mean(axis=0), color=color("selu"), lw=1.5, alpha=0.4 + 0.2 * s
        )
        ax.plot(layers, sel["act_mean"].mean(axis=0), color="k", lw=1, alpha=0.4 + 0.2 * s)
        ax.annotate(f"std {s:g}", (1, float(sel["act_var"].mean(axis=0)[0])), fontsize=7.5)
    ax.axhline(1.0, color=color("selu"), ls="--", lw=0.8)
    ax.axhline(0.0, color="k", ls="--", lw=0.8)
    ax.set_title("SELU + LeCun, 3 input scales")
    ax.plot([], [], color=color("selu"), label="variance")
    ax.plot([], [], color="k", label="mean")
    ax.legend(loc="center right")
    for ax in list(axes.flat)[:panels]:
        ax.set_xlabel("layer")
    fig.suptitle(f"Signal through {depth} random layers of width {WIDTH}", y=1.0)
    fig.tight_layout()
    return fig
