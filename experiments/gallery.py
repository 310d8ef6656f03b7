"""Gallery: every activation and its derivative, hand-written and autodiff overlaid.

Claim (seeds ``001`` and ``004``, which draw sigmoid, tanh, ReLU, Leaky ReLU and softmax
with their slopes): each activation has the shape and the slope the texts describe, and
the slope jaxact uses in training — the hand-written f′ — is the derivative of f.

Method: for every activation in ``jaxact.names()``, evaluate f, the hand-written f′
(``Activation.derivative``) and ``jax.grad`` of the plain reference formula
(``Activation.reference``, no custom rule) on 1201 points of [−6, 6] in float64.
Vector-valued activations are drawn along one coordinate: softmax-like ones on
``[x, 0]`` (first output, direction ``[1, 0]``), GLU on ``[x, x]`` (direction
``[1, 1]``). Kinks from each card are marked with the hand value chosen there.

Pass criterion: away from the kinks listed on the cards (where autodiff of a formula is
not a reference), |hand − autodiff| ≤ 1e-9 · max(1, |autodiff|) at every point, for every
activation. The full derivative check (tails, kinks, second derivatives, float32) is
``python -m jaxact.check.gradcheck``.
"""

from __future__ import annotations

import math
import pathlib

import jax
import jax.numpy as jnp
import numpy as np

import jaxact as ja
from experiments._report import Result, Table, check, pyplot, save, sources

TITLE = "Gallery of activations and their derivatives"
CLAIM = (
    "Each activation has the shape and slope the texts describe (sigmoid squashes to "
    "(0, 1) with slope ≤ 1/4, tanh to (−1, 1), ReLU is 0 then x, Leaky ReLU keeps a "
    "small slope for x < 0 ...), and the hand-written derivative jaxact trains with is the "
    "derivative of f."
)
SOURCE = sources("001", "004")
METHOD = (
    "For every activation in `jaxact.names()`: f, the hand-written f′ and `jax.grad` of the "
    "plain reference formula on 1201 points of [−6, 6] in float64, overlaid in one figure. "
    "Vector-valued activations are drawn along one input coordinate (softmax-like ones on "
    "`[x, 0]`, first output; GLU on `[x, x]`)."
)
CRITERION = (
    "Away from the kinks listed on each activation's card, |hand − autodiff| ≤ 1e-9 · "
    "max(1, |autodiff|) at every point, for every activation."
)
TOL = 1e-9


def _slice(rec: ja.Activation, x: jax.Array):
    """f, hand f′ and autodiff f′ of ``rec`` along one coordinate, at the points ``x``."""
    if rec.kind == "elementwise":
        f = rec.fn(x)
        hand = rec.derivative(x)
        auto = jax.vmap(jax.grad(lambda t: rec.reference(t)))(x)
        return f, hand, auto
    zero = jnp.zeros_like(x)
    if rec.name == "glu":
        xs, vs = jnp.stack([x, x], -1), jnp.stack([zero + 1, zero + 1], -1)
    else:
        xs, vs = jnp.stack([x, zero], -1), jnp.stack([zero + 1, zero], -1)
    f = rec.fn(xs)[..., 0]
    hand = rec.derivative(xs, vs)[..., 0]
    auto = jax.jvp(lambda t: rec.reference(t), (xs,), (vs,))[1][..., 0]
    return f, hand, auto


def run(quick: bool, out: pathlib.Path) -> Result:
    """Draw the gallery and compare hand and autodiff derivatives (``quick`` changes nothing)."""
    del quick  # the gallery is cheap
    names = ja.names()
    curves, worst = _measure(names)
    path = save(_figure(curves), out, "gallery.png")
    worst_all = max(worst) if worst else math.nan
    worst_name = names[int(np.nanargmax(worst))] if worst else "—"
    checks = [
        check(
            f"largest |hand − autodiff| / max(1, |f′|) over {len(names)} activations "
            f"(at {worst_name})",
            worst_all,
            "<=",
            TOL,
        ),
        check("activations drawn", len(names), ">=", 1),
    ]
    finding = (
        f"All {len(names)} activations are drawn with their derivatives; the hand-written "
        f"derivative matches autodiff of the plain formula to {worst_all:.1e} (relative) away "
        "from kinks. Bounded, saturating ones (sigmoid, tanh) have slopes that vanish in both "
        "tails; ReLU's slope is exactly 0 for x < 0; Leaky ReLU, ELU and friends keep a "
        "non-zero slope there."
    )
    return Result(
        name="gallery",
        title=TITLE,
        claim=CLAIM,
        source=SOURCE,
        method=METHOD,
        criterion=CRITERION,
        checks=checks,
        metrics={"max_rel_error": worst_all, "n_activations": len(names)},
        tables=[_table(curves, worst)],
        figures=[path],
        finding=finding,
    )


def _measure(names: list[str]) -> tuple[dict, list[float]]:
    """Each activation's curves ``(x, f, hand f′, autodiff f′, record)`` on [−6, 6] in
    float64, and its largest relative hand-vs-autodiff difference away from kinks."""
    worst = []
    curves = {}
    with jax.enable_x64(True):
        x = jnp.linspace(-6.0, 6.0, 1201, dtype=jnp.float64)
        recs = [ja.get(n) for n in names]
        # One compiled program for the whole catalog: one compile instead of one per entry.
        every = jax.jit(lambda t: [_slice(rec, t) for rec in recs])(x)
        for n, rec, values in zip(names, recs, every, strict=True):
            f, hand, auto = (np.asarray(a, dtype=np.float64) for a in values)
            xs = np.asarray(x)
            keep = np.isfinite(auto) & np.isfinite(hand)
            for k in rec.card.kinks:
                keep &= np.abs(xs - k.x) > 1e-9
            err = np.abs(hand - auto) / np.maximum(1.0, np.abs(auto))
            worst.append(float(np.max(err[keep])) if keep.any() else math.nan)
            curves[n] = (xs, f, hand, auto, rec)
    return curves, worst


def _table(curves: dict, worst: list[float]) -> Table:
    """The property cards, and the largest difference per activation."""
    rows = []
    for (n, (_, _, _, _, rec)), e in zip(curves.items(), worst, strict=True):
        card = rec.card
        rows.append(
            [
                n,
                rec.kind,
                f"[{_num(card.range[0])}, {_num(card.range[1])}]",
                card.zero_centred,
                card.monotonic,
                card.saturating,
                _num(card.max_slope),
                ", ".join(f"{_num(k.x)}: f′={_num(k.d1)}" for k in card.kinks) or "—",
                e,
            ]
        )
    return Table(
        "The property cards, and the largest hand-vs-autodiff difference per activation",
        [
            "activation",
            "kind",
            "range",
            "f(0)=0",
            "monotonic",
            "saturates",
            "max |f′|",
            "kinks",
            "max rel. diff",
        ],
        rows,
        csv="gallery.csv",
    )


def _num(v: float) -> str:
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    return f"{v:.4g}"


def _figure(curves):
    plt = pyplot()
    n = len(curves)
    cols = 6
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.2 * rows), squeeze=False)
    for ax, (name, (x, f, hand, auto, rec)) in zip(axes.flat, curves.items(), strict=False):
        ax.axhline(0, color="0.6", lw=0.6)
        ax.axvline(0, color="0.6", lw=0.6)
        ax.plot(x, f, color="black", lw=1.6, label="f")
        ax.plot(x, hand, color="#d62728", lw=2.4, alpha=0.55, label="f′ hand-written")
        ax.plot(x, auto, color="#1f77b4", lw=1.0, ls=(0, (3, 2)), label="f′ autodiff")
        for k in rec.card.kinks:
            if -6 <= k.x <= 6:
                ax.plot([k.x], [k.d1], "o", color="#d62728", ms=3.5, zorder=5)
        lo = np.nanmin(np.concatenate([f, hand]))
        hi = np.nanmax(np.concatenate([f, hand]))
        lo, hi = max(lo, -4.0), min(hi, 6.5)
        pad = 0.08 * max(hi - lo, 1.0)
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_xlim(-6, 6)
        label = name if rec.kind == "elementwise" else f"{name} (vector, 1-D slice)"
        ax.set_title(label, fontsize=9.5)
        ax.tick_params(labelsize=7.5)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    top = 1 - 0.62 / fig.get_figheight()  # room for the title and the legend, in inches
    fig.legend(
        handles,
        labels,
        loc="upper center",
        ncol=3,
        fontsize=10,
        bbox_to_anchor=(0.5, top + 0.36 / fig.get_figheight()),
    )
    fig.suptitle(
        "Every activation f (black), its hand-written derivative (red) and autodiff of the "
        "plain formula (blue dashes); dots: the value chosen at a kink",
        y=1 - 0.1 / fig.get_figheight(),
        fontsize=11,
    )
    fig.tight_layout(rect=(0, 0, 1, top))
    return fig
