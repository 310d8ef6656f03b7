"""Seed 002's network on iris and on its 4-row flower table.

Claim (seed ``002``): the asker's Keras network — Dense(6, relu) → Dense(6, relu) →
Dense(3, softmax) — with an activation in every layer; the answer runs it on iris (4
features, 3 species) and explains that the output activation turns scores into a
classification (sigmoid for yes/no, softmax for classes) while the hidden activations add
the nonlinearity. It also points out a mistake in the question's code: ``input_dim=3`` on
the second layer, whose input is the first layer's 6 outputs — "the Keras model you wrote
is invalid and will produce an error".

Method:

1. Iris: 4-6-6-3 networks (softmax output, softmax cross-entropy) with identity,
   sigmoid, tanh, relu, leaky_relu, elu and gelu hidden units (quick mode: identity,
   sigmoid and relu), full-batch Adam (lr 1e-2,
   1000 steps; 500 quick) on a stratified 105/45 train/test split (drawn with
   ``jax.random.key(0)``), one vmapped sweep over 16 seeds (8 quick); test accuracy of
   every trained network.
2. The flower table (4 rows, integer features, yes/no): 3-6-6-1 networks with a sigmoid
   output and binary cross-entropy, same activations and seeds. The two output layers
   agree where they overlap: a 2-unit softmax over logits (z₀, z₁) is σ(z₁ − z₀),
   checked with ``mlp_apply(..., output="softmax")`` against ``output="sigmoid"`` on a
   network whose last layer computes z₁ − z₀.
3. The Keras mistake, written as jaxact layer sizes: ``[(3, 6), (3, 6), (6, 3)]``.

Pass criterion: on iris the seed's relu network has mean test accuracy ≥ 0.9; on the
flower table every activation's mean accuracy over seeds is ≥ 0.9; the softmax/sigmoid
identity holds to 1e-6; the mistaken sizes raise ``ValueError`` (not an XLA error) whose
message names layer 1, its 3 inputs and the 6 outputs of layer 0.

Why the table criterion is on the mean over seeds: some relu seeds stop at 3 of 4 rows.
With the raw integer features (up to 9) a few relu units die early and the rest cannot
separate the last row. That is the dying-ReLU failure of experiment 6, not a property of
the output layer this part is about; the seeds that miss are listed with their dead units.
"""

from __future__ import annotations

import dataclasses
import pathlib

import jax
import jax.numpy as jnp
import numpy as np

import jaxact as ja
from experiments._report import Check, Result, Table, check, color, fmt, pm, pyplot, save, sources

TITLE = "Seed 002's network on iris and on the flower table"
CLAIM = (
    "Seed 002's Keras network, Dense(6, relu) → Dense(6, relu) → Dense(3, softmax), learns "
    "iris; the output activation matches the task (softmax with cross-entropy for classes, "
    "sigmoid with binary cross-entropy for yes/no), and a layer declared with input_dim=3 "
    "after a 6-unit layer is an error."
)
SOURCE = sources("002")
METHOD = (
    "4-6-6-3 networks (softmax output) with 7 hidden activations on a stratified 105/45 "
    "iris split, Adam (lr 1e-2), one vmapped sweep over the seeds, test accuracy per "
    "network; 3-6-6-1 networks (sigmoid output, binary cross-entropy) on the 4-row flower "
    "table; the identity softmax(z₀, z₁)₁ = σ(z₁ − z₀) through `mlp_apply`; the Keras "
    "mistake as layer sizes `[(3, 6), (3, 6), (6, 3)]`."
)
CRITERION = (
    "Iris: the relu network's mean test accuracy ≥ 0.9. Flower table: every activation's "
    "mean accuracy over seeds ≥ 0.9 (the mean, not every seed: see the note). "
    "Softmax/sigmoid identity to 1e-6. The mistaken sizes raise ValueError naming layer 1, "
    "its 3 inputs and the 6 outputs of layer 0."
)
ACTS = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu"]
QUICK_ACTS = ["identity", "sigmoid", "relu"]
KERAS_MISTAKE = [(3, 6), (3, 6), (6, 3)]


def split(task: ja.Task, n_test_per_class: int, key: jax.Array) -> tuple[ja.Task, ja.Task]:
    """A stratified train/test split: ``n_test_per_class`` examples of each class held out."""
    test = []
    for c in range(task.n_classes):
        idx = np.flatnonzero(task.y == c)
        perm = np.asarray(jax.random.permutation(jax.random.fold_in(key, c), idx.size))
        test.extend(idx[perm[:n_test_per_class]].tolist())
    mask = np.zeros(task.y.shape[0], bool)
    mask[test] = True
    train = dataclasses.replace(task, x=task.x[~mask], y=task.y[~mask])
    held = dataclasses.replace(task, x=task.x[mask], y=task.y[mask])
    return train, held


def _keras_mistake() -> tuple[str, str]:
    """The error jaxact raises for the seed's layer sizes: (exception type, message)."""
    try:
        ja.init_mlp(jax.random.key(0), KERAS_MISTAKE, activation="relu")
    except Exception as e:  # the type is what is checked
        return type(e).__name__, str(e)
    return "no error", ""


def run(quick: bool, out: pathlib.Path) -> Result:
    """Train the seed's network on iris and on the flower table."""
    seeds = 8 if quick else 16
    steps = 500 if quick else 1000
    acts = QUICK_ACTS if quick else ACTS
    # The seed's network, trained the same way on both data sets.
    setting = dict(
        activations=acts,
        seeds=seeds,
        steps=steps,
        optimizer="adam",
        learning_rate=1e-2,
        hidden=(6, 6),
        log_every=max(steps // 50, 1),
        progress=False,
        keep_params=True,
    )
    sw, train, test, test_acc = _iris(setting)
    fl, fl_acc, misses = _flowers(setting)
    ident = _softmax_against_sigmoid()
    err_type, err_msg = _keras_mistake()
    checks = _judge(test_acc, fl_acc, ident, err_type, err_msg, acts)
    path = save(_figure(sw, test_acc, fl, acts), out, "iris_network.png")
    train_loss = np.asarray(sw.loss)[..., -1]
    return Result(
        name="iris_network",
        title=TITLE,
        claim=CLAIM,
        source=SOURCE,
        method=METHOD,
        criterion=CRITERION,
        checks=checks,
        metrics={
            **{f"iris_test_accuracy_{a}": float(test_acc[a].mean()) for a in acts},
            "flowers_min_accuracy": float(fl_acc.min()),
            "softmax_sigmoid_identity": ident,
            "keras_mistake_error": err_type,
        },
        tables=_tables(sw, fl, test_acc, train, test, err_type, err_msg, setting),
        figures=[path],
        finding=_finding(test_acc, fl_acc, misses, err_type, len(test.y), seeds),
        notes=[
            "The table criterion is on the mean over seeds, not on every seed of every "
            "activation fitting all 4 rows. Seeds that miss: "
            + ("; ".join(misses) or "none")
            + ". The relu seeds that miss end with dead hidden units (experiment 6), helped "
            "by the raw integer features (up to 9) and their large pre-activations; that is an "
            "optimization failure, not a property of the output layer and loss this part is "
            "about, so the criterion is on the mean over seeds.",
            "Features are used as given (centimetres; integers for the table), as in the "
            "seed's Keras code. The identity row is softmax regression (experiment 1): on "
            "iris it is already a strong model, which is why the activations differ little "
            f"here (relu's train loss {fmt(float(train_loss[acts.index('relu')].mean()))}).",
        ],
    )


def _iris(setting: dict):
    """Train on iris's training flowers; the sweep, the split and each activation's test
    accuracies ``(S,)``."""
    acts = setting["activations"]
    train, test = split(ja.load_task("iris"), 15, jax.random.key(0))
    sw = ja.sweep(train, **setting)
    xt, yt = jnp.asarray(test.x), jnp.asarray(test.y)

    def test_accuracy(params):
        """Held-out accuracy of every trained network, one program for all activations."""
        return {
            a: jax.vmap(
                lambda p, a=a: ja.accuracy(ja.mlp_apply(p, xt, activation=a), yt, "softmax")
            )(params[a])
            for a in acts
        }

    test_acc = {a: np.asarray(v) for a, v in jax.jit(test_accuracy)(sw.params).items()}  # (S,)
    return sw, train, test, test_acc


def _flowers(setting: dict):
    """Train on the flower table; the sweep, final accuracies ``(A, S)`` and the runs that
    miss a row, in words."""
    acts = setting["activations"]
    flowers = ja.load_task("flowers")
    fl = ja.sweep(flowers, **setting)
    fl_acc = np.asarray(fl.accuracy)[..., -1]
    misses = []
    for i, a in enumerate(acts):
        for s in np.flatnonzero(fl_acc[i] < 1.0):
            p = jax.tree.map(lambda v, s=s: v[s], fl.params[a])
            d = (
                np.asarray(ja.dead_fraction(p, flowers.x, activation=a))
                if a != "identity"
                else None
            )
            dead = (
                ""
                if d is None
                else f", dead units per layer {' / '.join(fmt(float(v)) for v in d)}"
            )
            misses.append(f"{a} seed {int(fl.seeds[s])}: {100 * fl_acc[i, s]:.0f}%{dead}")
    return fl, fl_acc, misses


def _softmax_against_sigmoid() -> float:
    """max |softmax(z0, z1)_1 − sigmoid(z1 − z0)| through mlp_apply's output layers."""
    p2 = ja.init_mlp(jax.random.key(1), (3, 6, 6, 2), activation="relu")
    w, b = p2[-1]["w"], p2[-1]["b"]
    pdiff = [*p2[:-1], {"w": w[:, 1:] - w[:, :1], "b": b[1:] - b[:1]}]
    fx = jnp.asarray(ja.load_task("flowers").x, jnp.float32)
    soft = ja.mlp_apply(p2, fx, activation="relu", output="softmax")[:, 1]
    sig = ja.mlp_apply(pdiff, fx, activation="relu", output="sigmoid")[:, 0]
    return float(jnp.max(jnp.abs(soft - sig)))


def _judge(test_acc, fl_acc, ident, err_type, err_msg, acts) -> list[Check]:
    """Both data sets learned; softmax of two is a sigmoid; the Keras mistake caught."""
    names_ok = all(s in err_msg for s in ("layer 1", "3 inputs", "6 outputs"))
    return [
        check(
            "iris, relu (the seed's network): mean test accuracy",
            float(test_acc["relu"].mean()),
            ">=",
            0.9,
            shown=pm(test_acc["relu"]),
        ),
        check(
            "flower table: lowest mean accuracy over seeds, across activations "
            f"({acts[int(np.argmin(fl_acc.mean(axis=1)))]})",
            float(fl_acc.mean(axis=1).min()),
            ">=",
            0.9,
        ),
        check("max |softmax(z₀, z₁)₁ − σ(z₁ − z₀)|", ident, "<=", 1e-6),
        check(
            "Keras mistake raises ValueError",
            float(err_type == "ValueError"),
            "==",
            1.0,
            shown=err_type,
        ),
        check(
            "the message names layer 1, its 3 inputs and layer 0's 6 outputs",
            float(names_ok),
            "==",
            1.0,
            shown="yes" if names_ok else "no",
        ),
    ]


def _tables(sw, fl, test_acc, train, test, err_type, err_msg, setting) -> list[Table]:
    """Losses and accuracies per activation on both data sets; the Keras mistake."""
    acts, steps, seeds = setting["activations"], setting["steps"], setting["seeds"]
    train_acc = np.asarray(sw.accuracy)[..., -1]  # (A, S)
    train_loss = np.asarray(sw.loss)[..., -1]
    fl_acc = np.asarray(fl.accuracy)[..., -1]
    fl_loss = np.asarray(fl.loss)[..., -1]
    rows = [
        [
            a,
            pm(train_loss[i]),
            pm(train_acc[i]),
            pm(test_acc[a]),
            fmt(float(test_acc[a].min())),
            pm(fl_acc[i]),
            pm(fl_loss[i]),
        ]
        for i, a in enumerate(acts)
    ]
    return [
        Table(
            f"Iris (4-6-6-3, softmax, {len(train.y)} train / {len(test.y)} test) and the "
            f"flower table (3-6-6-1, sigmoid); Adam 1e-2, {steps} steps, mean ± 95% CI "
            f"over {seeds} seeds",
            [
                "hidden",
                "iris train loss",
                "iris train acc.",
                "iris test acc.",
                "worst test acc.",
                "table acc.",
                "table loss",
            ],
            rows,
            csv="iris_network.csv",
        ),
        Table(
            "Seed 002's Keras mistake in jaxact: "
            "`ja.init_mlp(key, [(3, 6), (3, 6), (6, 3)], activation='relu')`",
            ["raises", "message"],
            [[err_type, err_msg]],
        ),
    ]


def _finding(test_acc, fl_acc, misses, err_type, n_test, seeds) -> str:
    means = {a: float(test_acc[a].mean()) for a in test_acc}
    lo, hi = min(means.values()), max(means.values())
    return (
        f"The seed's 4-6-6-3 relu network classifies held-out iris flowers with "
        f"{100 * means['relu']:.1f}% accuracy on average ({seeds} seeds, {n_test} test "
        f"flowers; every activation tried: {100 * lo:.1f}–{100 * hi:.1f}%), and a network "
        f"without hidden activations — softmax regression — gets {100 * means['identity']:.1f}%"
        ": iris is almost linearly separable, so here the softmax output does most of the work. "
        "The 4-row table is separable by a "
        f"line, and the networks fit it ({int(np.sum(fl_acc >= 1))}/{fl_acc.size} runs; "
        f"the misses: {'; '.join(misses) or 'none'}). jaxact "
        f"rejects the question's input_dim=3 layer with a {err_type} before any computation."
    )


def _figure(sw, test_acc, fl, acts):
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.9), gridspec_kw={"width_ratios": [1.3, 1, 1]})
    ax = axes[0]
    steps = np.asarray(sw.steps)
    loss = np.asarray(sw.loss)
    from experiments._report import band

    for i, a in enumerate(acts):
        band(ax, steps, loss[i], label=a, c=color(a))
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("iris training loss (mean, 95% CI)")
    ax.set_title("Iris, 4-6-6-3 (seed 002's network)")
    ax.legend(ncol=2)
    ax = axes[1]
    data = [test_acc[a] for a in acts]
    ax.boxplot(data, widths=0.6)
    for i, d in enumerate(data, 1):
        ax.scatter(
            np.full(len(d), i), d, s=10, color=color(acts[i - 1]) or "k", alpha=0.6, zorder=3
        )
    ax.set_xticks(range(1, len(acts) + 1), acts, rotation=30, fontsize=8)
    ax.set_ylabel("held-out accuracy")
    ax.set_title("Iris test accuracy, one point per seed")
    ax = axes[2]
    fl_loss = np.asarray(fl.loss)
    for i, a in enumerate(acts):
        band(ax, np.asarray(fl.steps), fl_loss[i], label=a, c=color(a))
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("binary cross-entropy")
    ax.set_title("Flower table (4 rows), 3-6-6-1, sigmoid output")
    fig.tight_layout()
    return fig
