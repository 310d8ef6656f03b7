"""Can a learned activation beat the catalog? Rational activations against the fixed ones.

Claim (beyond the sources; Molina, Schramowski & Kersting, ICLR 2020; Boullé, Nakatsukasa
& Townsend, NeurIPS 2020): a rational activation f = P/Q learned per layer, started as an
approximation of a known activation, matches or beats the activation it starts from.

Method: rational activations of degrees (5, 4) (safe PAU, coefficients per layer) started
from the least-squares fits to relu, gelu and tanh on [−3, 3]
(:func:`jaxact.rational_init`), against the three fixed activations they start from and
silu (the fixed activations whose best one is "the best fixed"), each with the
initializer of the activation it starts from (He for relu, gelu and silu; Glorot for
tanh). Two tasks where activations differ: digits (1,797 images 8×8, 10 classes; 25%
held out, stratified, seed 0) with 1 and 4 hidden layers of width 32 (quick: 1 of width
24 on a stratified 900-image subset), and the 4 × 4 checkerboard (600 points; 25% held
out) with 2 hidden layers of width 32 (quick: 24). Full-batch Adam, lr 1e-2, 200 steps on
digits and 400 on the checkerboard (quick: 100 and 200; the fixed activations are the
three starts, and only relu and rational:relu are timed), 8 seeds, one
:func:`jaxact.sweep` per task (block = the seeds), the held-out accuracy computed in the
sweep. Outcome: held-out accuracy of every network, and the forward+backward time of one
training step of each activation (median of 20 warm calls of the compiled step, digits,
1 hidden layer).

Comparisons: the learned activation *beats* (*loses to*) its start when its mean held-out
accuracy is higher (lower) by more than δ = 1 point and the 95% Welch CI of the
difference excludes 0; otherwise *on a par*. The same against the best fixed activation
of the setting (the highest mean). Verdict, per setting and overall: "pays" when some
rational beats the best fixed activation in some setting and none loses to it anywhere;
"does not pay" when none beats it; "mixed" otherwise.

Figure: the learned shapes (first hidden layer, every seed, digits with 1 hidden layer)
on [−4, 4] next to their starting fits and the activations they approximate; held-out
accuracy of every activation per setting with 95% CIs.

Pass criterion (of the experiment, not of the claim): no run diverged; every network
learned (the best mean held-out accuracy ≥ 0.9 on digits, ≥ 0.75 on the checkerboard);
the smallest denominator stayed ≥ 1 and every learned shape stayed finite on [−4, 4].
"""

from __future__ import annotations

import dataclasses
import pathlib
import time

import jax
import jax.numpy as jnp
import numpy as np

import jaxact as ja
from experiments._report import Result, Table, check, color, fmt, pyplot, save, sources
from experiments.activation_advice import contrast
from jaxact.training.stats import mean_std_ci

TITLE = "Learned rational activations against the catalog"
CLAIM = (
    "A rational activation P/Q learned per layer, started as an approximation of a known "
    "activation, matches or beats the activation it starts from (and the best fixed one)."
)
SOURCE = (
    sources("004")
    + " (where the sources end: PReLU, a learned slope); Molina, Schramowski & Kersting, "
    "'Padé activation units', ICLR 2020; Boullé, Nakatsukasa & Townsend, 'Rational neural "
    "networks', NeurIPS 2020"
)
METHOD = (
    "Rational (5, 4), coefficients per layer, started from the fits to relu, gelu, tanh on "
    "[−3, 3], against relu, gelu, tanh and silu; digits with 1 and 4 hidden layers of width "
    "32 (quick: 1 of width 24, 900 images) and the 4 × 4 checkerboard with 2 hidden "
    "layers; full-batch Adam lr 1e-2, 200 / 400 steps (quick 100 / 200; the three starts "
    "as the fixed ones, relu and rational:relu timed); 8 seeds; held-out "
    "accuracy (25% held out) with 95% CIs; time per training step."
)
CRITERION = (
    "No run diverged; best mean held-out accuracy ≥ 0.9 on digits and ≥ 0.75 on the "
    "checkerboard; min Q ≥ 1 and finite learned shapes. Whether learning pays is a finding."
)

STARTS = ("relu", "gelu", "tanh")
FIXED = ("relu", "gelu", "tanh", "silu")
RATIONAL = tuple(f"rational:{s}" for s in STARTS)
SEEDS = 8
LEARNING_RATE = 1e-2
MARGIN = 0.01
"""δ: the smallest difference of mean held-out accuracy that counts (1 point)."""


@dataclasses.dataclass(frozen=True)
class Setting:
    """One task and architecture: what is trained, for how long."""

    task: str
    depth: int
    width: int
    steps: int
    subset: int | None = None  # digits: a stratified subset of this many images

    @property
    def label(self) -> str:
        return f"{self.task}, {self.depth} × {self.width}"


def design(quick: bool) -> list[Setting]:
    """The settings of the run (quick: smaller nets and fewer steps)."""
    if quick:
        return [
            Setting("digits", 1, 24, 100, subset=900),
            Setting("checkerboard", 2, 24, 200),
        ]
    return [
        Setting("digits", 1, 32, 200),
        Setting("digits", 4, 32, 200),
        Setting("checkerboard", 2, 32, 400),
    ]


def _data(setting: Setting) -> tuple[ja.Task, ja.Task]:
    task = ja.load_task(setting.task)
    if setting.subset is not None:
        task, _ = ja.split_task(task, test_fraction=1 - setting.subset / len(task.y), seed=1)
    return ja.split_task(task, test_fraction=0.25, seed=0)


def _init_of(name: str) -> str:
    return ja.default_init(name)


def fixed(quick: bool) -> tuple[str, ...]:
    """The fixed activations (quick: the three starts only)."""
    return STARTS if quick else FIXED


def measure(setting: Setting, fixed_acts: tuple[str, ...]) -> dict[str, ja.SweepResult]:
    """Train every activation of one setting, one sweep per initializer, seeds in a block.

    Returns:
      activation name -> the sweep that trained it (dims activation, seed, step).
    """
    train, test = _data(setting)
    by_init: dict[str, list[str]] = {}
    for a in (*fixed_acts, *RATIONAL):
        by_init.setdefault(_init_of(a), []).append(a)
    out = {}
    for init, acts in by_init.items():
        sw = ja.sweep(
            train,
            activations=acts,
            seeds=SEEDS,
            steps=setting.steps,
            optimizer="adam",
            learning_rate=LEARNING_RATE,
            depth=[setting.depth],
            width=setting.width,
            test=test,
            init=init,
            log_every=setting.steps,
            progress=False,
            block=SEEDS,
            keep_params=True,
        )
        out.update({a: sw for a in acts})
    return out


def test_accuracy(sweeps: dict[str, ja.SweepResult], name: str) -> np.ndarray:
    """``(S,)`` held-out accuracy of the final networks of one activation."""
    sw = sweeps[name]
    return np.asarray(sw.test_accuracy[sw.activations.index(name)]).reshape(SEEDS, -1)[:, -1]


def step_times(setting: Setting, names: tuple[str, ...]) -> dict[str, float]:
    """Median seconds of one compiled forward+backward pass per activation: 20 rounds,
    the activations in rotating order within each, so that all see the same load."""
    train, _ = _data(setting)
    x, y = jnp.asarray(train.x), jnp.asarray(train.y)
    sizes = (x.shape[1], *([setting.width] * setting.depth), int(train.n_classes))
    steps = {}
    for name in names:
        params = ja.init_mlp(jax.random.key(0), sizes, activation=name)
        grad = jax.jit(jax.grad(ja.make_loss("softmax", name)))
        jax.block_until_ready(grad(params, (x, y)))
        steps[name] = (grad, params)
    ts: dict[str, list[float]] = {n: [] for n in names}
    for r in range(20):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            grad, params = steps[name]
            t0 = time.perf_counter()
            jax.block_until_ready(grad(params, (x, y)))
            ts[name].append(time.perf_counter() - t0)
    return {n: float(np.median(v)) for n, v in ts.items()}


# --------------------------------------------------------------------------------------
# Judging
# --------------------------------------------------------------------------------------


def compare(a: np.ndarray, b: np.ndarray) -> tuple[float, float, str]:
    """mean(a) − mean(b), its 95% Welch CI half-width, and beats / loses to / on a par."""
    d, hw = contrast([a, b], [1.0, -1.0])
    if d - hw > 0 and d > MARGIN:
        return d, hw, "beats"
    if d + hw < 0 and d < -MARGIN:
        return d, hw, "loses to"
    return d, hw, "on a par"


def judge(
    acc: dict[str, dict[str, np.ndarray]], fixed_acts: tuple[str, ...]
) -> tuple[dict[str, str], list[list[str]]]:
    """Per setting and overall: does learning the shape pay? And the rows of the table."""
    verdicts, rows = {}, []
    for label, by in acc.items():
        best = max(fixed_acts, key=lambda a: float(np.mean(by[a])))
        outcomes = []
        for s, r in zip(STARTS, RATIONAL, strict=True):
            d0, h0, o0 = compare(by[r], by[s])
            d1, h1, o1 = compare(by[r], by[best])
            outcomes.append(o1)
            rows.append(
                [
                    label,
                    r,
                    f"{100 * np.mean(by[r]):.1f}",
                    f"{o0} {s} ({100 * d0:+.1f} ± {100 * h0:.1f})",
                    f"{o1} {best} ({100 * d1:+.1f} ± {100 * h1:.1f})",
                ]
            )
        verdicts[label] = _verdict(outcomes)
    verdicts["overall"] = _verdict([o for v in verdicts.values() for o in _as_outcomes(v)])
    return verdicts, rows


def _verdict(outcomes: list[str]) -> str:
    if "beats" in outcomes and "loses to" not in outcomes:
        return "pays"
    if "beats" not in outcomes:
        return "does not pay"
    return "mixed"


def _as_outcomes(v: str) -> list[str]:
    return {"pays": ["beats"], "does not pay": ["on a par"], "mixed": ["beats", "loses to"]}[v]


# --------------------------------------------------------------------------------------
# Run and draw
# --------------------------------------------------------------------------------------


def run(quick: bool, out: pathlib.Path) -> Result:
    settings = design(quick)
    fx = fixed(quick)
    sweeps = {s.label: measure(s, fx) for s in settings}
    acc = {lab: {a: test_accuracy(sw, a) for a in (*fx, *RATIONAL)} for lab, sw in sweeps.items()}
    verdicts, rows = judge(acc, fx)
    timed_names = ("relu", "rational:relu") if quick else (*fx, *RATIONAL)
    times = step_times(settings[0], timed_names)
    shapes = learned_shapes(sweeps[settings[0].label])
    path = save(draw(shapes, acc), out, "rational_activations.png")
    return Result(
        name="rational_activations",
        title=TITLE,
        claim=CLAIM,
        source=SOURCE,
        method=METHOD,
        criterion=CRITERION,
        checks=_checks(settings, sweeps, acc, shapes, fx),
        metrics={
            **{
                f"test_accuracy_{lab}_{a}": float(np.mean(by[a]))
                for lab, by in acc.items()
                for a in by
            },
            **{f"step_seconds_{a}": t for a, t in times.items()},
            **{f"verdict_{lab}": v for lab, v in verdicts.items()},
        },
        tables=_tables(acc, rows, times, fx),
        figures=[path],
        finding=_finding(verdicts, times),
        notes=[
            "The fits are least squares on [−3, 3]: outside it the rational grows like x "
            "(m − n = 1), with the slope a₅/|b₄| (gelu's fit: −x/2 beyond the roots of its "
            "denominator at ±4.44). A pre-activation beyond ±3 sees a different function than "
            "the one the fit approximates.",
            "One optimizer, one learning rate and a fixed step budget for every activation, "
            "the coefficients trained with the weights; per-unit coefficients "
            "(`rational:relu:unit`) and other degrees are not measured here.",
        ],
    )


def _checks(settings, sweeps, acc, shapes, fx) -> list:
    """No run diverged, the best held-out accuracy per setting, and the learned shapes sane."""
    unique = {id(sw): sw for by in sweeps.values() for sw in by.values()}
    diverged = sum(int(np.sum(np.asarray(sw.diverged))) for sw in unique.values())
    min_q = min(float(np.min(q)) for _, q, _ in shapes.values())
    finite = all(bool(np.all(np.isfinite(f))) for f, _, _ in shapes.values())
    best = {lab: max(float(np.mean(by[a])) for a in fx + RATIONAL) for lab, by in acc.items()}
    checks = [check("runs diverged", diverged, "==", 0)]
    for s in settings:
        floor = 0.9 if s.task == "digits" else 0.75
        checks.append(check(f"best held-out accuracy, {s.label}", best[s.label], ">=", floor))
    checks.append(check("smallest Q of a learned shape on [-4, 4]", min_q, ">=", 1.0))
    checks.append(check("learned shapes finite on [-4, 4]", float(finite), "==", 1.0))
    return checks


def _finding(verdicts: dict, times: dict) -> str:
    """Whether learning the shape pays, and the time of a step against the fixed start."""
    pairs = [(s, r) for s, r in zip(STARTS, RATIONAL, strict=True) if r in times]
    ratio = float(np.mean([times[r] / times[s] for s, r in pairs]))
    return (
        f"Does learning the shape pay on these tasks? Overall: {verdicts['overall']} ("
        + "; ".join(f"{lab}: {v}" for lab, v in verdicts.items() if lab != "overall")
        + f"). A training step with a rational activation takes {ratio:.1f}× the time of the "
        "fixed activation it starts from (forward+backward, digits, 1 hidden layer)."
    )


def _tables(acc: dict, rows: list, times: dict, fx) -> list:
    """The verdict table and the accuracy-and-time table."""
    acc_rows = [
        [
            lab,
            a,
            _pm(by[a]),
            f"{1e3 * times[a]:.2f}" if a in times else "—",
            f"{times[a] / times[a.split(':')[-1]]:.2f}" if a in times else "—",
        ]
        for lab, by in acc.items()
        for a in (*fx, *RATIONAL)
    ]
    return [
        Table(
            f"Learned against fixed (held-out accuracy, {SEEDS} seeds; beats / loses to: "
            f"a difference > {100 * MARGIN:g} point with the 95% CI excluding 0; points "
            "± 95% CI)",
            ["setting", "rational", "accuracy %", "against its start", "against the best fixed"],
            rows,
        ),
        Table(
            "Held-out accuracy (mean ± 95% CI) and the time of one training step (ms; ratio "
            "to the fixed activation of the same start)",
            ["setting", "activation", "accuracy", "step ms", "× start"],
            acc_rows,
            csv="rational_activations.csv",
        ),
    ]


def _pm(v: np.ndarray) -> str:
    m, _, hw = mean_std_ci(v)
    return f"{fmt(m)} ± {fmt(hw)}"


def learned_shapes(
    sweeps: dict[str, ja.SweepResult],
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per rational: f of the first hidden layer of every seed on [−4, 4] ``(S, 401)``, its
    denominator there, and the starting fit ``(401,)``."""
    x = np.linspace(-4, 4, 401)
    out = {}
    for r in RATIONAL:
        params = sweeps[r].params[r]
        act = (
            params[0]["act"]
            if isinstance(params, list) and isinstance(params[0], dict)
            else params[0][0]["act"]
        )
        rec = ja.get(r)
        coef = {k: np.asarray(v).reshape(SEEDS, -1)[:, 0] for k, v in act.items()}
        with jax.enable_x64(True):
            f = np.stack(
                [
                    np.asarray(rec.fn(x, **{k: float(c[s]) for k, c in coef.items()}))
                    for s in range(SEEDS)
                ]
            )
            q = np.stack(
                [
                    np.asarray(
                        ja.rational_denominator(x, **{k: float(c[s]) for k, c in coef.items()})
                    )
                    for s in range(SEEDS)
                ]
            )
            start = np.asarray(rec.fn(x))
        out[r] = (f, q, start)
    return out


def draw(shapes: dict, acc: dict):
    """Learned shapes next to their starts (top); accuracy per setting (bottom)."""
    plt = pyplot()
    fig, axes = plt.subplots(2, 3, figsize=(13, 8))
    x = np.linspace(-4, 4, 401)
    for ax, s, r in zip(axes[0], STARTS, RATIONAL, strict=True):
        f, _, start = shapes[r]
        with jax.enable_x64(True):
            ax.plot(x, np.asarray(ja.get(s).fn(x)), color="black", lw=1.2, ls="--", label=s)
        ax.plot(x, start, color="grey", lw=2.5, alpha=0.6, label=f"{r} at start")
        for i, fi in enumerate(f):
            ax.plot(
                x,
                fi,
                color=color(s) or "C0",
                lw=0.8,
                alpha=0.7,
                label="learned (8 seeds)" if i == 0 else None,
            )
        ax.axvspan(-4, -3, color="0.92")
        ax.axvspan(3, 4, color="0.92")
        ax.set_title(f"{r}: first hidden layer after training")
        ax.set_xlabel("x (shaded: outside the fitted [−3, 3])")
        ax.legend(fontsize=8)
    names = tuple(next(iter(acc.values())))
    for ax in axes[1][len(acc) :]:
        ax.axis("off")
    for ax, (lab, by) in zip(axes[1], acc.items(), strict=False):
        m = [100 * mean_std_ci(by[a])[0] for a in names]
        hw = [100 * mean_std_ci(by[a])[2] for a in names]
        cs = [color(a.split(":")[-1]) or "C0" for a in names]
        bars = ax.bar(range(len(names)), m, yerr=hw, color=cs)
        for bar, a in zip(bars, names, strict=True):
            if a.startswith("rational"):
                bar.set_hatch("//")
        ax.set_xticks(range(len(names)), [a.replace("rational:", "r:") for a in names], rotation=30)
        lo = min(m) - max(hw) - 2
        ax.set_ylim(max(lo, 0), 100)
        ax.set_ylabel("held-out accuracy % (95% CI)")
        ax.set_title(lab)
    fig.tight_layout()
    return fig
