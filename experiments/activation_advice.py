"""The sources' practical advice on activations, put to the test on handwritten digits.

Claim (seed ``001``, its key takeaways): sigmoid only for the output of a binary
classifier; tanh mostly replaced by ReLU; ReLU the default for hidden layers. Behind the
first (seeds ``001``, ``004``): sigmoid's gradients vanish, so depth is where it fails
(seed ``004`` lists tanh as prone to vanishing gradients too).

Method: the bundled digits (1,797 images of 8×8 pixels, 10 classes; features in [0, 1])
split once by :func:`jaxact.split_task` (25% held out, stratified, seed 0: 1,348 train,
449 test). MLPs with 1, 2, 4 and 8 hidden layers of width 32 (quick: 1 and 8) and a
softmax output, hidden activation sigmoid, tanh, relu, leaky_relu, elu, gelu, silu or
identity (quick: sigmoid, tanh, relu, gelu, identity), trained full-batch with Adam (lr
1e-2) for 200 steps (quick: 150) from 8 seeds; one :func:`jaxact.training.sweep` per initializer
over every depth, in blocks of the 8 seeds, with the held-out metrics computed in the
sweep. Two initializations:
each activation's library default (:func:`jaxact.default_init`: He for the ReLU family,
Glorot for sigmoid, tanh and the identity) and Glorot for every activation (Keras's
default for every layer), which asks whether an answer is about the function or about
its initialization. Outcome: test accuracy of every trained network.

Comparisons: activation A is *worse* than B at a depth when the mean test accuracy of A
is lower by more than δ = 1 percentage point (4.5 of the 449 test images; below that,
a practitioner would not switch activations) and the 95% Welch CI of the difference of
the means over seeds excludes 0; *better* likewise; otherwise *on a par*. "The best" at
a depth is the activation with the highest mean there. Verdicts, per initialization:

* "sigmoid fails with depth": holds when sigmoid is worse than the best at the deepest
  depth and its shortfall behind the best grows from the shallowest to the deepest by
  more than δ (the 95% CI of that contrast of four means excluding 0); refined when it
  is worse at the deepest but the shortfall does not grow so (it is as bad shallow);
  fails when it is not worse at the deepest.
* "sigmoid not for hidden layers": holds when sigmoid is worse than the best at every
  depth; refined when at some; fails when at none.
* "tanh mostly replaced by ReLU": holds when relu is better than tanh at some depth and
  worse at none; fails when it is worse at some depth and better at none; refined
  otherwise (on a par everywhere, or mixed).
* "ReLU the default for hidden layers": holds when relu is worse than the best at no
  depth; refined when at some; fails when at every depth.

A verdict that needs a comparison whose CI could not be computed is "undecided".

Figure: heatmaps of mean test accuracy, activation × depth, one per initialization
(cells worse than the best at their depth marked); training-loss learning curves at the
shallowest and the deepest depth.

Pass criterion (of the experiment, not of the advice: a verdict of "fails" is a
finding): no run diverged; the best network is far above chance (mean test accuracy ≥
0.9; chance is 0.1); the measurement is precise enough for the margin — every "on a
par" comparison that a verdict rests on has a 95% CI half-width ≤ 2δ, so that it rules
out differences above 3 points (the failures the advice is about are larger: deep
sigmoid networks lose tens of points); and all 4 × 2 verdicts are decided. The margins
are chosen for stable verdicts: δ = 1 point is 4–5 test images, above the seed-to-seed
spread of one network's accuracy (a standard deviation of about 0.5–1 point).
"""

from __future__ import annotations

import dataclasses
import math
import pathlib

import numpy as np

import jaxact as ja
from experiments._report import (
    Check,
    Result,
    Table,
    band,
    check,
    color,
    fmt,
    pm,
    pyplot,
    save,
    sources,
)
from jaxact.training.stats import t_quantile

TITLE = "The sources' advice on activations, on handwritten digits"
CLAIM = (
    "Sigmoid belongs only in the output layer of a binary classifier (its gradients vanish, "
    "so depth is where it fails); tanh is mostly replaced by ReLU; ReLU is the default for "
    "hidden layers."
)
SOURCE = sources("001", "004")
METHOD = (
    "Digits (1,348 train / 449 test, stratified), MLPs of width 32 with 1, 2, 4, 8 hidden "
    "layers (quick: 1, 8), 8 hidden activations (quick: 5), softmax output, full-batch Adam "
    "(lr 1e-2, 200 steps; quick 150), 8 seeds, one vmapped sweep per initializer over the "
    "depths; each activation's default initializer and Glorot for all; test accuracy per "
    "network; A is worse than B when its mean is lower by > 1 point and the 95% CI of the "
    "difference excludes 0."
)
CRITERION = (
    "No run diverged; the best mean test accuracy ≥ 0.9 (chance 0.1); every 'on a par' "
    "comparison behind a verdict has a 95% CI half-width ≤ 2 points; all 4 × 2 verdicts "
    "decided. The verdicts on the advice themselves (holds / refined / fails) are findings, "
    "not pass conditions."
)

ACTS = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu", "identity"]
QUICK_ACTS = ["sigmoid", "tanh", "relu", "gelu", "identity"]
WIDTH = 32
DEPTHS = (1, 2, 4, 8)
QUICK_DEPTHS = (1, 8)
SEEDS = 8
STEPS = 200
QUICK_STEPS = 150
LEARNING_RATE = 1e-2
TEST_FRACTION = 0.25
MARGIN = 0.01
"""δ: the smallest difference of mean test accuracy that counts (1 point, 4.5 images)."""
SHARED_INIT = "glorot_normal"
INITS = ("default", SHARED_INIT)
CLAIMS = (
    "sigmoid fails with depth",
    "sigmoid not for hidden layers",
    "tanh mostly replaced by ReLU",
    "ReLU the default for hidden layers",
)


@dataclasses.dataclass
class Trained:
    """The runs of one initializer over every depth: the sweep and the test accuracies.

    Attributes:
      sweep: the :class:`jaxact.SweepResult`, dims (activation, depth, seed, step), with
        the training and the held-out loss and accuracy by step.
      depths: the depths, in the order of the sweep's ``depth`` axis.
    """

    sweep: ja.SweepResult
    depths: tuple[int, ...]

    def test_accuracy(self, activation: str, depth: int) -> np.ndarray:
        """``(S,)`` test accuracy of the final networks of one activation and depth."""
        a = self.sweep.activations.index(activation)
        return np.asarray(self.sweep.test_accuracy[a, self.depths.index(depth), :, -1])

    def loss(self, activation: str, depth: int) -> np.ndarray:
        """``(S, T)`` training loss curves of one activation and depth."""
        a = self.sweep.activations.index(activation)
        return np.asarray(self.sweep.loss[a, self.depths.index(depth)])


def train_and_test(
    train: ja.Task,
    test: ja.Task,
    acts: list[str],
    depths: tuple[int, ...],
    init: str | None,
    steps: int,
) -> Trained:
    """Train ``acts`` x depths x seeds in one sweep, with the held-out metrics on device."""
    sw = ja.sweep(
        train,
        activations=acts,
        seeds=SEEDS,
        steps=steps,
        optimizer="adam",
        learning_rate=LEARNING_RATE,
        depth=list(depths),
        width=WIDTH,
        test=test,
        init=init,
        log_every=max(steps // 30, 1),
        progress=False,
        block=SEEDS,
    )
    return Trained(sw, tuple(depths))


# --------------------------------------------------------------------------------------
# Comparisons and verdicts
# --------------------------------------------------------------------------------------


def contrast(groups: list[np.ndarray], signs: list[float]) -> tuple[float, float]:
    """A signed sum of group means, ``Σ sᵢ mean(gᵢ)``, and the half-width of its 95% CI.

    The groups are independent (different activations or depths); the CI is Welch's,
    with the Welch-Satterthwaite degrees of freedom.
    """
    gs = [np.asarray(g, np.float64) for g in groups]
    value = float(sum(s * g.mean() for s, g in zip(signs, gs, strict=True)))
    v = [s * s * g.var(ddof=1) / g.size for s, g in zip(signs, gs, strict=True)]
    se2 = float(sum(v))
    if not math.isfinite(se2):
        return value, math.nan
    if se2 == 0:
        return value, 0.0
    dof = se2**2 / sum(vi**2 / (g.size - 1) for vi, g in zip(v, gs, strict=True) if vi > 0)
    return value, float(t_quantile(0.975, dof)) * math.sqrt(se2)


@dataclasses.dataclass(frozen=True)
class Comparison:
    """A difference of mean test accuracy, its 95% CI half-width and what it says.

    Attributes:
      value: the difference (or contrast) of means.
      half_width: the half-width of its 95% CI.
      outcome: ``"worse"`` / ``"better"`` (by more than :data:`MARGIN`, CI excluding 0),
        ``"on a par"``, or ``"undecided"`` when the CI cannot be computed.
    """

    value: float
    half_width: float
    outcome: str


def judge(value: float, half_width: float) -> Comparison:
    """The outcome of a difference against the margin :data:`MARGIN`."""
    if not (math.isfinite(value) and math.isfinite(half_width)):
        return Comparison(value, half_width, "undecided")
    if value < -MARGIN and value + half_width < 0:
        return Comparison(value, half_width, "worse")
    if value > MARGIN and value - half_width > 0:
        return Comparison(value, half_width, "better")
    return Comparison(value, half_width, "on a par")


def compare(a: np.ndarray, b: np.ndarray) -> Comparison:
    """``a`` against ``b``: mean of ``a`` minus mean of ``b``, judged."""
    return judge(*contrast([a, b], [1.0, -1.0]))


def best(acc: dict[str, np.ndarray]) -> str:
    """The activation with the highest mean test accuracy (NaN means rank last)."""

    def mean(a: str) -> float:
        m = float(np.mean(acc[a]))
        return m if math.isfinite(m) else -math.inf

    return max(acc, key=mean)


@dataclasses.dataclass(frozen=True)
class Verdict:
    """A claim's verdict, the reason in words, and the comparisons it rests on."""

    verdict: str
    reason: str
    comparisons: tuple[Comparison, ...]


def verdicts(by_depth: dict[int, dict[str, np.ndarray]]) -> dict[str, Verdict]:
    """The verdict of each claim in :data:`CLAIMS`, from the test accuracies by depth.

    Args:
      by_depth: depth -> activation -> ``(S,)`` test accuracy per seed.
    """
    depths = sorted(by_depth)
    lo, hi = depths[0], depths[-1]

    def vs_best(a: str, d: int) -> Comparison:
        acc = by_depth[d]
        return compare(acc[a], acc[best(acc)])

    def listed(table: dict[int, Comparison]) -> str:
        return ", ".join(
            f"{d}: {c.outcome} ({100 * c.value:+.1f} ± {100 * c.half_width:.1f})"
            for d, c in table.items()
        )

    def decided(v: str, cs: list[Comparison]) -> str:
        return "undecided" if any(c.outcome == "undecided" for c in cs) else v

    sig = {d: vs_best("sigmoid", d) for d in depths}
    relu = {d: vs_best("relu", d) for d in depths}
    rt = {d: compare(by_depth[d]["relu"], by_depth[d]["tanh"]) for d in depths}
    # Sigmoid's shortfall behind the best grows with depth: (best − sigmoid) at the
    # deepest minus (best − sigmoid) at the shallowest.
    b_lo, b_hi = best(by_depth[lo]), best(by_depth[hi])
    growth = judge(
        *contrast(
            [
                by_depth[hi][b_hi],
                by_depth[hi]["sigmoid"],
                by_depth[lo][b_lo],
                by_depth[lo]["sigmoid"],
            ],
            [1.0, -1.0, -1.0, 1.0],
        )
    )
    out: dict[str, Verdict] = {}
    cs = [sig[hi], growth]
    if sig[hi].outcome != "worse":
        v = "fails"
    elif growth.outcome == "better":
        v = "holds"
    else:
        v = "refined"
    out[CLAIMS[0]] = Verdict(
        decided(v, cs),
        f"sigmoid against the best at {hi} layers: {sig[hi].outcome} "
        f"({100 * sig[hi].value:+.1f} ± {100 * sig[hi].half_width:.1f} points); its shortfall "
        f"grows from {lo} to {hi} layers by {100 * growth.value:.1f} ± "
        f"{100 * growth.half_width:.1f} points",
        tuple(cs),
    )
    worse = [d for d in depths if sig[d].outcome == "worse"]
    v = "holds" if len(worse) == len(depths) else "refined" if worse else "fails"
    out[CLAIMS[1]] = Verdict(
        decided(v, list(sig.values())),
        f"sigmoid against the best, by depth: {listed(sig)}",
        tuple(sig.values()),
    )
    better = any(c.outcome == "better" for c in rt.values())
    worse_rt = any(c.outcome == "worse" for c in rt.values())
    v = "holds" if better and not worse_rt else "fails" if worse_rt and not better else "refined"
    out[CLAIMS[2]] = Verdict(
        decided(v, list(rt.values())),
        f"relu against tanh, by depth: {listed(rt)}",
        tuple(rt.values()),
    )
    n_worse = sum(c.outcome == "worse" for c in relu.values())
    v = "holds" if n_worse == 0 else "fails" if n_worse == len(depths) else "refined"
    out[CLAIMS[3]] = Verdict(
        decided(v, list(relu.values())),
        f"relu against the best ({', '.join(f'{d}: {best(by_depth[d])}' for d in depths)}), "
        f"by depth: {listed(relu)}",
        tuple(relu.values()),
    )
    return out


# --------------------------------------------------------------------------------------
# The experiment
# --------------------------------------------------------------------------------------


def run(quick: bool, out: pathlib.Path) -> Result:
    """Train every activation x depth x seed under both initializations; judge the advice."""
    acts, depths, steps, train, test = _design(quick)
    by, curve, other, diverged = _measure(train, test, acts, depths, steps)
    verdict = {i: verdicts(by[i]) for i in INITS}
    checks = _judge(by, verdict, depths, diverged)
    path = save(_figure(by, curve, acts, depths, steps), out, "activation_advice.png")
    metrics = {
        **{
            f"test_accuracy_{i}_{a}_depth{d}": float(np.mean(by[i][d][a]))
            for i in INITS
            for d in depths
            for a in acts
        },
        **{f"verdict_{i}_{c}": verdict[i][c].verdict for i in INITS for c in CLAIMS},
    }
    return Result(
        name="activation_advice",
        title=TITLE,
        claim=CLAIM,
        source=SOURCE,
        method=METHOD,
        criterion=CRITERION,
        checks=checks,
        metrics=metrics,
        tables=_tables(by, verdict, curve, acts, other, depths, steps),
        figures=[path],
        finding=_finding(by, verdict, acts, depths),
        notes=_notes(by, curve, depths, steps),
    )


def _design(quick: bool) -> tuple[list[str], tuple[int, ...], int, ja.Task, ja.Task]:
    """The activations, depths, step count and the digits' train/test split."""
    depths = QUICK_DEPTHS if quick else DEPTHS
    steps = QUICK_STEPS if quick else STEPS
    acts = QUICK_ACTS if quick else ACTS
    train, test = ja.split_task(ja.load_task("digits"), test_fraction=TEST_FRACTION, seed=0)
    return acts, depths, steps, train, test


def _measure(train, test, acts, depths, steps):
    """Test accuracies ``by[init][depth][activation]`` (one per seed), the learning curves
    ``curve(init, depth, activation)``, the activations whose default is not the shared
    initializer, and the count of diverged runs."""
    # Activations whose default initializer is the shared one give the same runs under
    # both: they are trained once.
    same = [a for a in acts if ja.default_init(a) == SHARED_INIT]
    other = [a for a in acts if a not in same]
    runs = {
        "default": train_and_test(train, test, acts, depths, None, steps),
        SHARED_INIT: train_and_test(train, test, other, depths, SHARED_INIT, steps),
    }

    def acc(init: str, d: int, a: str) -> np.ndarray:
        key = "default" if init == "default" or a in same else init
        return runs[key].test_accuracy(a, d)

    def curve(init: str, d: int, a: str) -> tuple[np.ndarray, np.ndarray]:
        key = "default" if init == "default" or a in same else init
        return np.asarray(runs[key].sweep.steps), runs[key].loss(a, d)

    by = {i: {d: {a: acc(i, d, a) for a in acts} for d in depths} for i in INITS}
    diverged = sum(int(np.sum(t.sweep.diverged)) for t in runs.values())
    return by, curve, other, diverged


def _judge(by, verdict, depths, diverged) -> list[Check]:
    """The checks of the measurement itself: no divergence, learning, tight CIs, decided."""
    best_mean = max(float(np.mean(v)) for i in INITS for d in depths for v in by[i][d].values())
    # The "on a par" outcomes are only as good as their CIs: each must rule out a
    # difference of more than δ + 2δ = 3 points.
    par = [
        (i, c, cmp.half_width)
        for i in INITS
        for c in CLAIMS
        for cmp in verdict[i][c].comparisons
        if cmp.outcome == "on a par"
    ]
    widest = max(par, key=lambda p: p[2] if math.isfinite(p[2]) else math.inf, default=None)
    decided = sum(
        verdict[i][c].verdict in ("holds", "refined", "fails") for i in INITS for c in CLAIMS
    )
    return [
        check("runs that diverged", float(diverged), "==", 0.0, shown=str(diverged)),
        check("best mean test accuracy (chance 0.1)", best_mean, ">=", 0.9),
        check(
            "widest 95% CI half-width of an 'on a par' difference"
            + (f" ({widest[1]}, init {widest[0]})" if widest else " (none)"),
            widest[2] if widest else 0.0,
            "<=",
            2 * MARGIN,
        ),
        check(
            "verdicts decided (4 claims × 2 initializations)",
            float(decided),
            "==",
            float(len(CLAIMS) * len(INITS)),
            shown=str(decided),
        ),
    ]


def _tables(by, verdict, curve, acts, other, depths, steps) -> list[Table]:
    """The verdicts, what the shared initializer changes, the accuracy grid, every cell."""
    # What the shared initializer does to each activation it changes (Glorot − default).
    init_effect = {
        (a, d): compare(by[SHARED_INIT][d][a], by["default"][d][a]) for a in other for d in depths
    }
    moved = [
        f"{a} at {d} ({100 * c.value:+.1f} ± {100 * c.half_width:.1f})"
        for (a, d), c in init_effect.items()
        if c.outcome != "on a par"
    ]

    def about(c: str) -> str:
        if verdict["default"][c].verdict == verdict[SHARED_INIT][c].verdict:
            return "the function: the same verdict under both"
        if moved:
            return "the initialization: the verdict changes, and " + ", ".join(moved) + " moved"
        return (
            "the function: no activation's accuracy moves by more than δ with the "
            "initializer; the verdict changes on a comparison at the margin"
        )

    verdict_rows = [
        [
            c,
            verdict["default"][c].verdict,
            verdict[SHARED_INIT][c].verdict,
            about(c),
            verdict["default"][c].reason,
            verdict[SHARED_INIT][c].reason,
        ]
        for c in CLAIMS
    ]
    effect_rows = [
        [
            a,
            *(
                f"{c.outcome} ({100 * c.value:+.1f} ± {100 * c.half_width:.1f})"
                for c in (init_effect[a, d] for d in depths)
            ),
        ]
        for a in other
    ]
    grid_rows = [[a, *(pm(by["default"][d][a]) for d in depths)] for a in acts]
    return [
        Table(
            "Verdicts on the sources' advice (comparisons of mean test accuracy over "
            f"{SEEDS} seeds: worse/better = a difference > {100 * MARGIN:g} point with "
            "the 95% CI excluding 0)",
            [
                "advice",
                "default init",
                "Glorot for all",
                "the answer is about",
                "why (default init; differences in points, ± 95% CI)",
                "why (Glorot for all)",
            ],
            verdict_rows,
        ),
        Table(
            f"What {SHARED_INIT} for all does to the activations whose default it is not: "
            "test accuracy under it against the default, in points (± 95% CI), by depth",
            ["activation", *(f"{d} layer{'s' if d > 1 else ''}" for d in depths)],
            effect_rows,
        ),
        Table(
            f"Test accuracy (mean ± 95% CI over {SEEDS} seeds), default initializer, "
            f"width {WIDTH}, hidden layers:",
            ["activation", *(str(d) for d in depths)],
            grid_rows,
        ),
        _cells(by, curve, acts, depths, steps),
    ]


def _cells(by, curve, acts, depths, steps) -> Table:
    """Every cell: test accuracy and final training loss, by init x activation x depth."""
    rows = []
    for i in INITS:
        for a in acts:
            for d in depths:
                v = by[i][d][a]
                t = curve(i, d, a)[1][:, -1]
                rows.append(
                    [
                        i if i != "default" else f"default ({ja.default_init(a)})",
                        a,
                        d,
                        pm(v),
                        fmt(float(v.min())),
                        pm(t),
                    ]
                )
    return Table(
        f"Every cell: test accuracy (mean ± 95% CI, worst seed) and final training "
        f"loss, Adam {LEARNING_RATE:g}, {steps} steps",
        ["init", "activation", "depth", "test acc.", "worst", "train loss"],
        rows,
        csv="activation_advice.csv",
    )


def _finding(by, verdict, acts, depths) -> str:
    """The finding in one paragraph: accuracies at the shallowest and deepest depth."""
    dl, dh = depths[0], depths[-1]
    d0 = by["default"]
    lo_means = [100 * float(np.mean(d0[dl][a])) for a in acts]
    return (
        f"On digits every activation reaches {min(lo_means):.1f}–{max(lo_means):.1f}% test "
        f"accuracy with {dl} hidden layer{'s' if dl > 1 else ''}, the identity (a linear "
        f"model) {100 * np.mean(d0[dl]['identity']):.1f}%. At {dh} layers sigmoid gets "
        f"{100 * np.mean(d0[dh]['sigmoid']):.1f}% (Glorot, its default), relu "
        f"{100 * np.mean(d0[dh]['relu']):.1f}%, tanh {100 * np.mean(d0[dh]['tanh']):.1f}%, "
        f"the best ({best(d0[dh])}) {100 * np.mean(d0[dh][best(d0[dh])]):.1f}%. Verdicts "
        "(default init / Glorot for all): "
        + "; ".join(
            f"{c}: {verdict['default'][c].verdict} / {verdict[SHARED_INIT][c].verdict}"
            for c in CLAIMS
        )
        + "."
    )


def _notes(by, curve, depths, steps) -> list[str]:
    """Where relu falls behind deep down, and what the setting leaves open."""
    dh = depths[-1]
    d0 = by["default"]
    # Where relu tests worse than tanh deep down: does it fit the training set worse too?
    loss_hi = {a: float(np.mean(curve("default", dh, a)[1][:, -1])) for a in ("relu", "tanh")}
    deep_note = (
        f"At {dh} layers (default init) relu's final training loss is {fmt(loss_hi['relu'])} "
        f"against tanh's {fmt(loss_hi['tanh'])}, and its test accuracy "
        f"{100 * np.mean(d0[dh]['relu']):.1f}% against {100 * np.mean(d0[dh]['tanh']):.1f}%"
        + (
            ": relu fits the training images at least as well and generalizes worse — the "
            "gap is in generalization, not optimization."
            if loss_hi["relu"] <= loss_hi["tanh"]
            else "."
        )
    )
    return [
        deep_note,
        "The sigmoid, tanh and identity runs are the same under both initializations "
        f"(their default is {SHARED_INIT}): they are trained once and shown in both.",
        f"Training is full-batch Adam for a fixed budget ({steps} steps). Adam rescales "
        "each weight's update by its own gradient history, which partly undoes vanishing "
        "gradients (experiment vanishing_gradients trains with plain SGD, where an "
        "8-layer sigmoid network does not learn at all). A deep sigmoid network that "
        "fails here may learn with many more steps: its learning curve shows how far it "
        "got.",
        f"Seed 004 lists tanh as prone to vanishing gradients too; at {dh} layers tanh "
        f"gets {100 * np.mean(d0[dh]['tanh']):.1f}% against sigmoid's "
        f"{100 * np.mean(d0[dh]['sigmoid']):.1f}% (both Glorot). Sigmoid's slope is at "
        "most 1/4 and its output is not centred at 0; tanh's slope reaches 1 at 0.",
        "One data set, one width and one optimizer: the verdicts are about this setting. "
        "The first clause of the advice (sigmoid for a binary output) is about output "
        "layers, tested in iris_network; here the output is a 10-way softmax.",
    ]


def _figure(by, curve, acts, depths, steps):
    from matplotlib.colors import LogNorm

    plt = pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(12, 9.2))
    err_lo = 0.02
    norm = LogNorm(vmin=err_lo, vmax=1.0)
    for ax, init in zip(axes[0], INITS, strict=True):
        err = np.array([[1 - float(np.mean(by[init][d][a])) for d in depths] for a in acts])
        im = ax.imshow(np.clip(err, err_lo, 1.0), cmap="magma_r", norm=norm, aspect="auto")
        for r, a in enumerate(acts):
            for c, d in enumerate(depths):
                v = 100 * float(np.mean(by[init][d][a]))
                acc = by[init][d]
                down = compare(acc[a], acc[best(acc)]).outcome == "worse"
                ax.text(
                    c,
                    r,
                    f"{v:.1f}{' ↓' if down else ''}",
                    ha="center",
                    va="center",
                    fontsize=8.5,
                    color="white" if err[r, c] > 0.15 else "black",
                )
        ax.set_xticks(range(len(depths)), [str(d) for d in depths])
        ax.set_yticks(range(len(acts)), acts)
        ax.set_xlabel(f"hidden layers (width {WIDTH})")
        ax.grid(False)
        title = "default initializer per activation" if init == "default" else f"{init} for all"
        ax.set_title(
            f"Test accuracy % (mean of {SEEDS} seeds), {title}\n"
            f"↓: worse than the best at that depth (> {100 * MARGIN:g} point, 95% CI)"
        )
        cb = fig.colorbar(im, ax=ax, shrink=0.85)
        cb.set_label("test error (log scale)")
    for ax, d in zip(axes[1], (depths[0], depths[-1]), strict=True):
        for a in acts:
            x, loss = curve("default", d, a)
            band(ax, x, loss, label=a, c=color(a))
            if a in ("relu", "leaky_relu", "elu", "gelu", "silu"):
                x, loss = curve(SHARED_INIT, d, a)
                ax.plot(x, np.nanmean(loss, axis=0), ls="--", lw=0.9, color=color(a))
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("training loss (mean, 95% CI)")
        ax.set_title(
            f"Learning curves, {d} hidden layer{'s' if d > 1 else ''} "
            f"(dashed: {SHARED_INIT} where it differs)"
        )
    axes[1][0].legend(ncol=2)
    fig.tight_layout()
    return fig
