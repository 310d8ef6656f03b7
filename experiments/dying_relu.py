"""Dying ReLU: units that never fire get no gradient; leaky variants keep them alive.

Claim (seeds ``001`` and ``004``): ReLU's gradient is zero for every negative input, so
"half of the neurons may contribute little to training" (001) and "the gradient can tend
to 0 so the weights are not updated: the dying ReLU problem" (004); Leaky ReLU tries to
solve it, and PReLU learns the leak (004).

Method:

1. Training: 2-32-32-32-1 networks on the standardized two moons, full-batch Adam for
   1000 steps (400 quick) at learning rates 1e-3, 1e-2 and 1e-1, with relu, leaky_relu,
   prelu and elu hidden units; one vmapped sweep over activations × learning rates × 16
   seeds (8 quick). After training, per hidden layer: the fraction of **dead** units
   (derivative 0 on every training example, :func:`jaxact.dead_fraction`) and of
   **silent** units (pre-activation ≤ 0 on every example: a dead unit for relu, a unit
   still passing a gradient for the others).
2. Born dead: networks of width 2, 3, 4 and 8 with up to 30 hidden relu layers (He
   initialization, zero biases) on the same inputs, 1000 initializations each. A network
   is born dead when some hidden layer has every unit dead: its output is then constant
   and no gradient reaches the layers below. (For a network of depth D, only its first D
   layers matter, so one 30-layer network per initialization gives every depth.)

Pass criterion: (1) relu's mean dead fraction at lr 1e-1 exceeds that at lr 1e-3, with the
95% CI of the paired difference above 0; leaky_relu, prelu and elu have no dead unit in
any layer, seed or learning rate; (2) for width 2 and for width 3 the born-dead fraction
at depth 30 exceeds the one at depth 2 by more than 0.3 (binomial standard error at 1000
draws ≤ 0.016; 500 in quick mode, ≤ 0.023).
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
    check,
    ci95,
    color,
    fmt,
    pm,
    pyplot,
    save,
    sources,
)

TITLE = "Dying ReLU and its fixes"
CLAIM = (
    "A ReLU unit whose input is negative on every example passes no gradient and stops "
    "learning; large learning rates kill units, narrow deep ReLU networks can be dead from "
    "the start, and Leaky ReLU, PReLU and ELU keep their units alive."
)
SOURCE = sources("001", "004")
METHOD = (
    "(1) 2-32-32-32-1 networks on the standardized two moons, Adam at learning rates 1e-3, "
    "1e-2, 1e-1, relu / leaky_relu / prelu / elu, one vmapped sweep over activations × "
    "learning rates × seeds; after training, per hidden layer the fraction of dead units "
    "(derivative 0 on every example) and of silent units (pre-activation ≤ 0 on every "
    "example). (2) Born dead: relu networks of width 2, 3, 4, 8 and up to 30 hidden "
    "layers (He initialization), 1000 initializations each; a network is born dead when "
    "some hidden layer is entirely dead, so that its output is constant."
)
CRITERION = (
    "(1) Relu's dead fraction at lr 1e-1 exceeds that at lr 1e-3 (95% CI of the paired "
    "difference above 0); leaky_relu, prelu and elu have no dead unit anywhere. (2) For "
    "widths 2 and 3, the born-dead fraction at depth 30 exceeds that at depth 2 by > 0.3."
)
ACTS = ["relu", "leaky_relu", "prelu", "elu"]
LRS = [1e-3, 1e-2, 1e-1]
HIDDEN = (32, 32, 32)


def silent_fraction(params, x, activation) -> jax.Array:
    """Per hidden layer, the fraction of units whose pre-activation is ≤ 0 on every example.

    The pre-activation of hidden layer l is the output of the network cut after layer l.
    """
    out = []
    for layer in range(len(params) - 1):
        z = ja.mlp_apply(params[: layer + 1], x, activation=activation)
        out.append(jnp.mean(jnp.all(z <= 0, axis=0).astype(z.dtype)))
    return jnp.stack(out)


def born_dead(widths, depth: int, n: int, x: jax.Array) -> dict[int, np.ndarray]:
    """Fraction of ``n`` initializations born dead at each depth 1..``depth``, per width."""
    keys = jnp.stack([jax.random.key(s) for s in range(n)])
    res = {}
    for w in widths:
        sizes = (x.shape[1], *([w] * depth), 1)

        def dead(key, sizes=sizes):
            p = ja.init_mlp(key, sizes, activation="relu")
            return ja.dead_fraction(p, x, activation="relu")

        d = np.asarray(jax.vmap(dead)(keys))  # (n, depth); eager: one compile per primitive
        res[w] = (np.cumsum(d >= 1.0, axis=1) > 0).mean(axis=0)
    return res


def run(quick: bool, out: pathlib.Path) -> Result:
    """Train with large learning rates, then count networks born dead."""
    task = ja.load_task("moons", standardize=True)
    seeds = 8 if quick else 16
    steps = 400 if quick else 1000
    widths = (2, 3) if quick else (2, 3, 4, 8)
    n_init = 500 if quick else 1000
    depth = 30
    x = jnp.asarray(task.x)
    sw = _train(task, seeds, steps)
    dead, silent, dead_init = _diagnose(sw, task)
    bd = born_dead(widths, depth, n_init, x)
    relu_all = dead["relu"].mean(axis=-1)  # (G, S): all hidden units
    checks = _judge(dead, relu_all, bd, depth)
    path = save(_figure(dead, silent, bd, depth), out, "dying_relu.png")
    bd_rows = [[d, *(float(bd[w][d - 1]) for w in widths)] for d in (1, 2, 3, 5, 10, 15, 20, 30)]
    return Result(
        name="dying_relu",
        title=TITLE,
        claim=CLAIM,
        source=SOURCE,
        method=METHOD,
        criterion=CRITERION,
        checks=checks,
        metrics={
            "relu_dead_at_init": float(dead_init.mean()),
            **{f"relu_dead_lr_{lr:g}": float(relu_all[g].mean()) for g, lr in enumerate(LRS)},
            **{f"{a}_dead_max": float(dead[a].max()) for a in ACTS[1:]},
            **{f"born_dead_w{w}_d{depth}": float(bd[w][-1]) for w in widths},
        },
        tables=[
            _training_table(sw, dead, silent, steps, seeds),
            Table(
                f"Fraction of relu networks born dead ({n_init} He initializations, zero biases)",
                ["hidden layers", *(f"width {w}" for w in widths)],
                bd_rows,
                csv="dying_relu_born_dead.csv",
            ),
        ],
        figures=[path],
        finding=_finding(relu_all, dead_init, bd, depth),
    )


def _train(task: ja.Task, seeds: int, steps: int) -> ja.SweepResult:
    """One sweep over activations x learning rates x seeds, keeping the trained parameters."""
    return ja.sweep(
        task,
        activations=ACTS,
        seeds=seeds,
        steps=steps,
        optimizer="adam",
        grid={"learning_rate": LRS},
        hidden=HIDDEN,
        log_every=max(steps // 20, 1),
        progress=False,
        keep_params=True,
    )


def _diagnose(sw: ja.SweepResult, task: ja.Task):
    """Dead and silent fractions per activation, shape (G, S, L-1), and relu's dead
    fraction at initialization, shape (S,)."""
    x = jnp.asarray(task.x)

    def diagnose(params):
        """Dead and silent fractions of every run, one program for all activations."""
        res = {}
        for a in ACTS:

            def per_run(q, a=a):
                return ja.dead_fraction(q, x, activation=a), silent_fraction(q, x, a)

            res[a] = jax.vmap(jax.vmap(per_run))(params[a])  # leaves with leading (G, S)
        return res

    def at_init(keys):
        """Relu's dead fraction at initialization: the same networks before any step."""
        sizes = task.sizes(HIDDEN)
        return jax.vmap(
            lambda k: ja.dead_fraction(
                ja.init_mlp(k, sizes, activation="relu"), x, activation="relu"
            )
        )(keys)

    diag = jax.jit(diagnose)(sw.params)
    keys = jnp.stack([jax.random.key(int(s)) for s in sw.seeds])
    dead_init = np.asarray(jax.jit(at_init)(keys)).mean(axis=-1)  # (S,)
    dead = {a: np.asarray(v[0]) for a, v in diag.items()}  # (G, S, L-1)
    silent = {a: np.asarray(v[1]) for a, v in diag.items()}
    return dead, silent, dead_init


def _judge(dead, relu_all, bd, depth) -> list[Check]:
    """Relu dies more at a large learning rate, the others never; narrow deep relu
    networks are born dead."""
    diff = relu_all[-1] - relu_all[0]
    m, h = ci95(diff)
    checks = [
        check(
            "relu: dead fraction at lr 1e-1 − at lr 1e-3, lower end of 95% CI",
            m - h,
            ">",
            0,
            shown=f"{pm(diff)} (lower end {fmt(m - h)})",
        )
    ]
    for a in ACTS[1:]:
        checks.append(
            check(
                f"{a}: largest dead fraction, any layer, seed or lr", float(dead[a].max()), "==", 0
            )
        )
    for w in (2, 3):
        if w in bd:
            checks.append(
                check(
                    f"width {w}: born-dead fraction, depth {depth} − depth 2",
                    float(bd[w][-1] - bd[w][1]),
                    ">",
                    0.3,
                )
            )
    return checks


def _training_table(sw, dead, silent, steps, seeds) -> Table:
    """Dead and silent fractions, final loss and accuracy, by activation and learning rate."""
    loss = np.asarray(sw.loss)[..., -1]  # (A, G, S)
    acc = np.asarray(sw.accuracy)[..., -1]
    rows = []
    for i, a in enumerate(ACTS):
        for g, lr in enumerate(LRS):
            rows.append(
                [
                    a,
                    fmt(lr),
                    pm(dead[a][g].mean(axis=-1)),
                    " / ".join(fmt(float(v)) for v in dead[a][g].mean(axis=0)),
                    pm(silent[a][g].mean(axis=-1)),
                    pm(loss[i, g]),
                    pm(acc[i, g]),
                ]
            )
    return Table(
        f"After training ({steps} Adam steps, {seeds} seeds, mean ± 95% CI): dead and "
        "silent fractions over all hidden units, dead per layer (1 / 2 / 3), final "
        "loss and accuracy",
        ["activation", "lr", "dead", "dead per layer", "silent", "loss", "accuracy"],
        rows,
        csv="dying_relu_training.csv",
    )


def _finding(relu_all, dead_init, bd, depth) -> str:
    return (
        f"Trained with Adam at lr 1e-1, {100 * float(relu_all[-1].mean()):.0f}% of relu units "
        f"end up dead (at lr 1e-3: {100 * float(relu_all[0].mean()):.0f}%; at initialization, "
        f"before any step: {100 * float(dead_init.mean()):.0f}%); leaky_relu, prelu and elu "
        "have none — their silent units still pass a gradient. Narrow deep relu networks can "
        "be dead before training: at width 2, "
        f"{100 * float(bd[2][1]):.0f}% of depth-2 and {100 * float(bd[2][-1]):.0f}% of "
        f"depth-{depth} networks compute a constant"
        + (f" (width 8: {100 * float(bd[8][-1]):.0f}% at depth {depth})." if 8 in bd else ".")
    )


def _figure(dead, silent, bd, depth):
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(16, 4))
    x = np.arange(len(LRS))
    wbar = 0.2
    for k, (ax, data, what) in enumerate(((axes[0], dead, "dead"), (axes[1], silent, "silent"))):
        for i, a in enumerate(ACTS):
            v = data[a].mean(axis=-1)  # (G, S)
            mean = v.mean(axis=1)
            hw = np.array([ci95(v[g])[1] for g in range(len(LRS))])
            ax.bar(
                x + (i - 1.5) * wbar,
                mean,
                wbar,
                yerr=np.nan_to_num(hw),
                color=color(a),
                label=a,
                capsize=2,
            )
        ax.set_xticks(x, [f"lr {lr:g}" for lr in LRS])
        ax.set_ylabel(f"fraction of hidden units {what}")
        ax.set_ylim(0, max(0.05, ax.get_ylim()[1]))
        ax.set_title(
            "Dead units (no gradient) after training"
            if k == 0
            else "Silent units (input ≤ 0 on every example)"
        )
        ax.legend()
    ax = axes[2]
    d = np.arange(1, depth + 1)
    for w, frac in bd.items():
        ax.plot(d, frac, marker=".", label=f"width {w}")
    ax.set_xlabel("hidden layers")
    ax.set_ylabel("fraction born dead")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("Relu networks dead at initialization")
    ax.legend()
    fig.tight_layout()
    return fig
