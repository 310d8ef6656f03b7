"""How the sweep engine's cost grows: model-steps/s along four axes.

The reference point is the 4-6-6-3 network on iris (150 x 4, 3 classes): 32 models
(seeds), hidden width 6, 2 hidden layers, full batch of 150 rows, Adam at learning rate
1e-2, float32, one activation (``--activation``, default tanh). Each axis varies one
quantity from the reference point while the others stay there:

* models per sweep (seeds): 1, 4, 16, 64, 256, 1024, 4096 (up to ``--max-models``; with
  ``--max-models`` of 10^5 or more, the powers of ten 1, 10, ..., up to it);
* width (2 hidden layers): 6, 16, 64, 256, 512;
* depth (hidden layers of width 6): 1, 2, 4, 8, 16;
* samples: iris full batch (150 rows), digits full batch (1,797 x 64, 10 classes) and
  digits with ``batch_size=150`` (rows drawn per model and step, without replacement).

Three contenders train the same models at every point, warm (compilation excluded), best
of ``--repeat`` calls, the contenders interleaved:

1. jaxact: ``ja.sweep(task, activations=[act], seeds=S, steps=T, width=W, depth=D,
   learning_rate=1e-2, log_every=T, progress=False)`` (and ``batch_size``, ``block``);
2. the plain vmapped program: ``jax.jit(jax.vmap(train_one))(keys)``, where
   ``train_one`` initialises one model and runs ``lax.scan`` over the steps with
   ``optax.adam`` and the softmax cross-entropy;
3. PyTorch batched over models (``torch.bmm``), when ``import torch`` works, with
   ``torch.set_num_threads(os.cpu_count())``.

Per point the table gives each contender's model-steps/s (one optimizer step of one
model), jaxact's ratio to the plain program and to PyTorch, and the share of this
machine's matmul FLOP rate (``matmul_flops(2048, 3)``, timed once per run) reached by
jaxact counting only the matmul FLOPs of the forward and backward passes
(``model_flops``). Steps per point start at ``--steps`` and shrink where a point is
expensive: the time per step of the previous point of the axis, scaled by the growth of
the work (models x rows x (multiply-adds + units)), predicts the next one, and the steps
are cut so that one call takes about ``--budget`` seconds (at least 10 steps); the table
states the steps of every point.

Usage::

    python benchmarks/cost_growth.py                       # every axis (several minutes)
    python benchmarks/cost_growth.py --quick               # a smoke run
    python benchmarks/cost_growth.py --axes models,width   # some axes
    python benchmarks/cost_growth.py --report results/cost_growth.md \\
        --figure results/cost_growth.png --json results/cost_growth.json
    python benchmarks/cost_growth.py --axes models --max-models 100000 --steps 100 \\
        --block 8192 --contenders jaxact,plain             # on an accelerator
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import itertools
import json
import math
import os
import shlex
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxact as ja
from jaxact.training import engine

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sweep import best_of, machine, matmul_flops, model_flops, torch_activation

LR = 1e-2
REFERENCE = {"models": 32, "width": 6, "depth": 2, "samples": "iris"}
SAMPLES = {
    "iris": ("iris", None),
    "digits": ("digits", None),
    "digits/150": ("digits", 150),
}
AXES = {
    "models": [1, 4, 16, 64, 256, 1024, 4096],
    "width": [6, 16, 64, 256, 512],
    "depth": [1, 2, 4, 8, 16],
    "samples": list(SAMPLES),
}
QUICK_AXES = {
    "models": [1, 16, 64],
    "width": [6, 64],
    "depth": [1, 4],
    "samples": list(SAMPLES),
}
CONTENDERS = ("jaxact", "jaxact1", "plain", "torch")
LABELS = {
    "jaxact": "jaxact",
    "jaxact1": "jaxact, one thread",
    "plain": "plain vmap",
    "torch": "PyTorch bmm",
}
ACTIVATIONS = ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu")
MIN_STEPS = 10


@dataclasses.dataclass(frozen=True)
class Point:
    """One configuration: the models, the architecture and the data.

    Attributes:
      axis: the axis the point belongs to (``"reference"`` for the reference point).
      value: the value of that axis.
      models: models (seeds) trained at once.
      width: width of every hidden layer.
      depth: number of hidden layers.
      samples: a key of ``SAMPLES``: the task and the batch size.
    """

    axis: str
    value: Any
    models: int
    width: int
    depth: int
    samples: str

    @property
    def task_name(self) -> str:
        """The name of the task for ``ja.load_task``."""
        return SAMPLES[self.samples][0]

    @property
    def batch_size(self) -> int | None:
        """Rows per step (``None``: full batch)."""
        return SAMPLES[self.samples][1]

    def same_config(self, other: Point) -> bool:
        """Whether ``other`` trains the same models on the same data."""
        return (self.models, self.width, self.depth, self.samples) == (
            other.models,
            other.width,
            other.depth,
            other.samples,
        )


def make_point(axis: str, value: Any) -> Point:
    """The reference point with ``axis`` set to ``value``.

    Args:
      axis: ``"models"``, ``"width"``, ``"depth"``, ``"samples"`` or ``"reference"``.
      value: the value of the axis (ignored for ``"reference"``).

    Returns:
      The point.
    """
    cfg = dict(REFERENCE)
    if axis != "reference":
        cfg[axis] = value
    return Point(axis, value, cfg["models"], cfg["width"], cfg["depth"], cfg["samples"])


def axis_values(axis: str, quick: bool, max_models: int) -> list[Any]:
    """The values of ``axis`` for this run.

    Args:
      axis: the axis name.
      quick: take the short lists of the smoke run.
      max_models: the largest number of models; from 10^5 on, the models axis is the
        powers of ten up to it.

    Returns:
      The values, in increasing cost.
    """
    if axis != "models":
        return list((QUICK_AXES if quick else AXES)[axis])
    if max_models >= 10**5 and not quick:
        return [10**k for k in range(int(math.log10(max_models) + 1e-9) + 1)]
    return [m for m in (QUICK_AXES if quick else AXES)["models"] if m <= max_models]


def layer_sizes(d: int, width: int, depth: int, classes: int) -> list[tuple[int, int]]:
    """The ``(in, out)`` pairs of the MLP ``d -> width x depth -> classes``."""
    dims = [d, *([width] * depth), classes]
    return list(itertools.pairwise(dims))


def work(models: int, rows: int, sizes: list[tuple[int, int]]) -> float:
    """A proxy of the cost of one step: models x rows x (multiply-adds + units)."""
    return float(models * rows * sum(i * o + o for i, o in sizes))


def pick_steps(base: int, budget: float, per_step: float | None) -> int:
    """The steps of a point: ``base``, cut so that a call takes about ``budget`` seconds.

    Args:
      base: the steps of a cheap point (``--steps``).
      budget: target seconds per call.
      per_step: the predicted seconds per step, or ``None`` (no prediction: ``base``).

    Returns:
      ``base`` or fewer steps, a multiple of 10 and at least ``min(10, base)``.
    """
    if per_step is None or per_step <= 0 or budget / per_step >= base:
        return base
    return min(base, max(MIN_STEPS, int(budget / per_step) // 10 * 10))


# --------------------------------------------------------------------------------------
# Contenders
# --------------------------------------------------------------------------------------


@contextlib.contextmanager
def cores(n: int | None) -> Iterator[None]:
    """The engine sees ``n`` cores inside the block (``None``: the machine's)."""
    real = engine.cores
    if n is not None:
        engine.cores = lambda: n
    try:
        yield
    finally:
        engine.cores = real


def jaxact_runner(
    task: Any, point: Point, act: str, steps: int, block: int | None, one_thread: bool = False
) -> Callable[[], dict[str, Any]]:
    """A call of ``ja.sweep`` training the point's models.

    Args:
      task: the task.
      point: the point.
      act: the hidden activation.
      steps: optimizer steps per model.
      block: runs per block (capped at the models), or ``None`` for the default.
      one_thread: run the blocks one after the other in the calling thread (the engine
        seen as having one core).

    Returns:
      A function that runs the sweep and returns its compile time, block and mean final
      loss.
    """
    kw: dict[str, Any] = dict(
        activations=[act],
        seeds=point.models,
        steps=steps,
        width=point.width,
        depth=point.depth,
        learning_rate=LR,
        log_every=steps,
        progress=False,
    )
    if point.batch_size is not None:
        kw["batch_size"] = point.batch_size
    if block is not None:
        kw["block"] = min(block, point.models)

    def run() -> dict[str, Any]:
        with cores(1 if one_thread else None):
            r = ja.sweep(task, **kw)
        return {
            "compile": r.timing["compile"],
            "block": r.config["block"],
            "final_loss": float(np.nanmean(r.loss[..., -1])),
        }

    return run


def plain_program(
    x: np.ndarray,
    y: np.ndarray,
    sizes: list[tuple[int, int]],
    act: str,
    steps: int,
    batch_size: int | None,
) -> Callable[[Any], Any]:
    """The jitted, vmapped training program a user would write by hand.

    ``train_one(key)`` initialises one MLP (normal weights scaled by ``1/sqrt(fan_in)``,
    zero biases) and runs ``lax.scan`` over ``steps`` Adam steps on the mean softmax
    cross-entropy; with ``batch_size``, each step draws its rows from the model's key
    (``jax.random.choice`` without replacement). Matmuls run at the highest precision,
    as jaxact's default.

    Args:
      x: inputs ``(n, d)``.
      y: integer labels ``(n,)``.
      sizes: the ``(in, out)`` pairs of the layers.
      act: the hidden activation's catalog name.
      steps: optimizer steps.
      batch_size: rows per step, or ``None`` for the full batch.

    Returns:
      ``jax.jit(jax.vmap(train_one))``: keys ``(S,)`` -> (final losses ``(S,)``,
      parameters).
    """
    xs = jnp.asarray(x)
    ys = jax.nn.one_hot(jnp.asarray(y), sizes[-1][1], dtype=jnp.float32)
    n = xs.shape[0]
    f = ja.get(act).fn
    opt = optax.adam(LR)
    hi = jax.lax.Precision.HIGHEST

    def init(key: Any) -> list[tuple[Any, Any]]:
        keys = jax.random.split(key, len(sizes))
        return [
            (jax.random.normal(k, (i, o), jnp.float32) / np.sqrt(i), jnp.zeros(o, jnp.float32))
            for k, (i, o) in zip(keys, sizes, strict=True)
        ]

    def loss(params: Any, xb: Any, yb: Any) -> Any:
        h = xb
        for w, b in params[:-1]:
            h = f(jnp.dot(h, w, precision=hi) + b)
        w, b = params[-1]
        return optax.softmax_cross_entropy(jnp.dot(h, w, precision=hi) + b, yb).mean()

    def train_one(key: Any) -> tuple[Any, Any]:
        k_init, k_data = jax.random.split(key)
        params = init(k_init)

        def step(carry: Any, t: Any) -> tuple[Any, Any]:
            params, state = carry
            if batch_size is None:
                xb, yb = xs, ys
            else:
                rows = jax.random.choice(
                    jax.random.fold_in(k_data, t), n, (batch_size,), replace=False
                )
                xb, yb = xs[rows], ys[rows]
            value, grads = jax.value_and_grad(loss)(params, xb, yb)
            updates, state = opt.update(grads, state, params)
            return (optax.apply_updates(params, updates), state), value

        (params, _), values = jax.lax.scan(
            step, (params, opt.init(params)), jnp.arange(steps, dtype=jnp.int32)
        )
        return values[-1], params

    return jax.jit(jax.vmap(train_one))


def plain_runner(
    x: np.ndarray, y: np.ndarray, sizes: list[tuple[int, int]], point: Point, act: str, steps: int
) -> Callable[[], dict[str, Any]]:
    """A call of the plain vmapped program on the point's models (compiled at the first)."""
    program = plain_program(x, y, sizes, act, steps, point.batch_size)
    keys = jax.random.split(jax.random.key(0), point.models)

    def run() -> dict[str, Any]:
        final, _ = jax.block_until_ready(program(keys))
        return {"final_loss": float(jnp.nanmean(final))}

    return run


def torch_available() -> bool:
    """Whether ``import torch`` works."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def torch_runner(
    x: np.ndarray,
    y: np.ndarray,
    sizes: list[tuple[int, int]],
    point: Point,
    act: str,
    steps: int,
) -> Callable[[], dict[str, Any]]:
    """A call of PyTorch training the point's models at once with batched weights.

    The weights of layer ``l`` are one tensor ``(S, in, out)``; the first layer
    broadcasts the shared inputs (``torch.matmul``) or multiplies each model's own rows
    (``torch.bmm``), the others use ``torch.bmm``. The loss is the sum over models of
    each model's mean cross-entropy, so each model gets its own gradient; Adam updates
    all of them. With a batch size, each model draws its own rows without replacement.

    Args:
      x: inputs ``(n, d)``.
      y: integer labels ``(n,)``.
      sizes: the ``(in, out)`` pairs of the layers.
      point: the point.
      act: the hidden activation's catalog name.
      steps: optimizer steps.

    Returns:
      A function that trains the models and returns their mean final loss.
    """
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(os.cpu_count() or 1)
    xt, yt = torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(y.astype(np.int64))
    n, s, b = xt.shape[0], point.models, point.batch_size
    rows = n if b is None else b
    f = torch_activation(act)
    yrep = yt.repeat(s)

    def run() -> dict[str, Any]:
        torch.manual_seed(0)
        ws = [(torch.randn(s, i, o) / math.sqrt(i)).requires_grad_() for i, o in sizes]
        bs = [torch.zeros(s, 1, o, requires_grad=True) for _, o in sizes]
        opt = torch.optim.Adam(ws + bs, lr=LR)
        value = torch.zeros(())
        for _ in range(steps):
            if b is None:
                z = torch.matmul(xt, ws[0]) + bs[0]
                yb = yrep
            else:
                idx = torch.rand(s, n).argsort(dim=1)[:, :b]
                z = torch.bmm(xt[idx], ws[0]) + bs[0]
                yb = yt[idx].reshape(-1)
            for wl, bl in zip(ws[1:], bs[1:], strict=True):
                z = torch.bmm(f(z), wl) + bl
            value = F.cross_entropy(z.reshape(s * rows, -1), yb, reduction="sum") / rows
            opt.zero_grad()
            value.backward()
            opt.step()
        return {"final_loss": float(value.detach()) / s}

    return run


# --------------------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------------------


def measure(
    point: Point,
    tasks: dict[str, Any],
    steps: int,
    args: argparse.Namespace,
    contenders: list[str],
    peak: float,
) -> dict[str, Any]:
    """Time every contender on ``point``: a first (cold) call each, then ``args.repeat``
    warm calls, interleaved; keep the best warm wall time.

    Args:
      point: the point.
      tasks: the loaded tasks by name.
      steps: optimizer steps per model.
      args: the command-line arguments (activation, repeat, block).
      contenders: the contenders to run.
      peak: the machine's matmul FLOP/s.

    Returns:
      The row of the point: its configuration, and per contender the cold and best warm
      wall times, model-steps/s and mean final loss; jaxact's ratios and FLOP share.
    """
    task = tasks[point.task_name]
    x, y, _, data_specs = ja.prepare_data(task)
    sizes = layer_sizes(x.shape[1], point.width, point.depth, data_specs[-1][1])
    rows = point.batch_size or x.shape[0]
    row: dict[str, Any] = {
        "axis": point.axis,
        "value": point.value,
        "models": point.models,
        "width": point.width,
        "depth": point.depth,
        "samples": point.samples,
        "rows": rows,
        "batch_size": point.batch_size,
        "steps": steps,
        "sizes": sizes,
        "flops_per_model_step": model_flops(sizes, rows),
    }
    runners = {}
    for name in contenders:
        if name == "jaxact":
            runners[name] = jaxact_runner(task, point, args.activation, steps, args.block)
        elif name == "jaxact1":
            runners[name] = jaxact_runner(task, point, args.activation, steps, args.block, True)
        elif name == "plain":
            runners[name] = plain_runner(x, y, sizes, point, args.activation, steps)
        else:
            runners[name] = torch_runner(x, y, sizes, point, args.activation, steps)
    model_steps = point.models * steps
    for name, run in runners.items():
        info: dict[str, Any] = {}
        wall, _ = best_of(lambda run=run, info=info: info.update(run()), 1)
        row[name] = {"cold_wall": wall, "warm_wall": math.inf, **info}
    for _ in range(args.repeat):
        for name, run in runners.items():
            info = {}
            wall, _ = best_of(lambda run=run, info=info: info.update(run()), 1)
            row[name]["warm_wall"] = min(row[name]["warm_wall"], wall)
            if "compile" in info:
                row[name]["warm_compile"] = max(row[name].get("warm_compile", 0.0), info["compile"])
    if row.get("jaxact", {}).get("warm_compile", 0.0) > 0:
        print(f"  warning: a warm jaxact call compiled again at {point}", flush=True)
    for name in runners:
        row[name]["model_steps_per_s"] = model_steps / row[name]["warm_wall"]
    if "jaxact" in row:
        ja_rate = row["jaxact"]["model_steps_per_s"]
        for other in ("jaxact1", "plain", "torch"):
            if other in row:
                row[f"jaxact_vs_{other}"] = ja_rate / row[other]["model_steps_per_s"]
        row["flop_share"] = ja_rate * row["flops_per_model_step"] / peak
    engine.clear_cache()
    return row


def describe(row: dict[str, Any], contenders: list[str]) -> str:
    """One progress line for a measured row."""
    rates = ", ".join(
        f"{LABELS[c]} {row[c]['model_steps_per_s']:,.0f}" for c in contenders if c in row
    )
    extra = ""
    if "jaxact" in row:
        extra = f", jaxact compile {row['jaxact']['compile']:.2f} s"
        extra += f", block {row['jaxact']['block']}"
        if "flop_share" in row:
            extra += f", {row['flop_share']:.2%} of matmul FLOP/s"
    where = "reference" if row["axis"] == "reference" else f"{row['axis']} = {row['value']}"
    return f"  {where}: {row['steps']} steps; model-steps/s: {rates}{extra}"


def point_label(row: dict[str, Any]) -> str:
    """The value of a row's axis as the table shows it."""
    if row["axis"] == "samples":
        name = SAMPLES[row["samples"]][0]
        if row["batch_size"] is None:
            return f"{name}, full batch"
        return f"{name}, batch {row['batch_size']}"
    if row["axis"] == "reference":
        return "reference"
    return f"{row['value']:,}" if isinstance(row["value"], int) else str(row["value"])


# --------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------


def report_lines(
    rows: list[dict[str, Any]],
    meta: dict[str, Any],
    contenders: list[str],
) -> list[str]:
    """The markdown report: the command line, the machine, one table per axis."""
    mach = meta["machine"]
    block = "the default" if meta["block"] is None else f"min({meta['block']}, models)"
    lines = [
        "# Cost growth of the sweep engine",
        "",
        f"`{meta['command']}`",
        "",
        f"Machine: {mach['cpu']}, {mach['cores']} cores, backend {mach['backend']} "
        f"({mach['devices']} device(s)), Python {mach['python']}, JAX {mach['jax']}, "
        f"PyTorch {mach['torch'] or 'not installed'}; load average at start "
        f"{', '.join(f'{v:.2f}' for v in mach['load_avg'])}, at the end "
        f"{', '.join(f'{v:.2f}' for v in meta['load_end'])}.",
        "",
        f"Matmul FLOP rate (2048 x 2048 float32, jit, best of 3): "
        f"{meta['matmul_flops'] / 1e9:,.1f} GFLOP/s.",
        "",
        f"Activation {meta['activation']}, Adam 1e-2, float32; reference point: "
        f"{REFERENCE['models']} models, width {REFERENCE['width']}, depth "
        f"{REFERENCE['depth']}, iris full batch. Warm model-steps/s, best of "
        f"{meta['repeat']} (interleaved); jaxact block: {block}.",
        "",
    ]
    if "torch" not in contenders:
        lines += ["PyTorch: not measured (not importable or not selected).", ""]
    names = [c for c in contenders if c != "jaxact"]
    axes = [a for a in ("reference", *AXES) if any(r["axis"] == a for r in rows)]
    for axis in axes:
        head = ["models" if axis == "reference" else axis, "steps", "rows/step", "block"]
        head += [f"{LABELS[c]} (model-steps/s)" for c in contenders]
        if "jaxact" in contenders:
            head += [f"jaxact / {LABELS[c]}" for c in names]
            head += ["share of matmul FLOP/s", "jaxact compile (s)"]
        lines += [f"## {axis}", "", "| " + " | ".join(head) + " |"]
        lines.append("|---|" + "---:|" * (len(head) - 1))
        for r in (r for r in rows if r["axis"] == axis):
            first = f"{r['models']:,}" if axis == "reference" else point_label(r)
            cells = [first, str(r["steps"]), f"{r['rows']:,}"]
            cells.append(str(r["jaxact"]["block"]) if "jaxact" in r else "")
            cells += [f"{r[c]['model_steps_per_s']:,.0f}" for c in contenders]
            if "jaxact" in contenders:
                cells += [f"{r[f'jaxact_vs_{c}']:.2f}x" for c in names]
                cells += [f"{r['flop_share']:.2%}", f"{r['jaxact']['compile']:.2f}"]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def write_outputs(
    args: argparse.Namespace,
    rows: list[dict[str, Any]],
    meta: dict[str, Any],
    contenders: list[str],
) -> None:
    """Write the report and the JSON file (when asked), with the rows so far."""
    meta = {**meta, "load_end": [round(v, 2) for v in os.getloadavg()]}
    if args.report:
        Path(args.report).parent.mkdir(parents=True, exist_ok=True)
        Path(args.report).write_text("\n".join(report_lines(rows, meta, contenders)) + "\n")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({**meta, "rows": rows}, indent=1, default=str))


def write_figure(path: str, rows: list[dict[str, Any]], contenders: list[str]) -> bool:
    """Four panels, one per axis: model-steps/s of each contender, log-log.

    Args:
      path: the PNG file.
      rows: the measured rows.
      contenders: the contenders measured.

    Returns:
      Whether the figure was written (``False`` when matplotlib is missing).
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no figure", flush=True)
        return False
    fig, axs = plt.subplots(1, 4, figsize=(16, 4), constrained_layout=True)
    for ax, axis in zip(axs, AXES, strict=True):
        sel = [r for r in rows if r["axis"] == axis]
        ax.set_title(axis)
        if not sel:
            ax.set_axis_off()
            continue
        if axis == "samples":
            xs = list(range(len(sel)))
            ax.set_xticks(xs, [point_label(r) for r in sel], fontsize=8)
        else:
            xs = [r["value"] for r in sel]
            ax.set_xscale("log")
            ax.set_xticks(xs, [f"{v:,}" for v in xs], fontsize=8)
            ax.minorticks_off()
        for c in contenders:
            ax.plot(xs, [r[c]["model_steps_per_s"] for r in sel], "o-", label=LABELS[c])
        ax.set_yscale("log")
        ax.set_xlabel(
            {"models": "models per sweep", "width": "hidden width", "depth": "hidden layers"}.get(
                axis, "data"
            )
        )
        ax.grid(True, which="both", alpha=0.3)
    axs[0].set_ylabel("model-steps/s (warm)")
    for ax in axs:
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
            break
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command-line arguments."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--activation", default="tanh", choices=ACTIVATIONS)
    p.add_argument("--axes", default=",".join(AXES), help="comma-separated: " + ",".join(AXES))
    p.add_argument("--steps", type=int, default=None, help="steps of cheap points (200)")
    p.add_argument("--repeat", type=int, default=2, help="warm calls per contender")
    p.add_argument("--max-models", type=int, default=4096)
    p.add_argument("--block", type=int, default=None, help="jaxact's block (runs per program)")
    p.add_argument(
        "--budget", type=float, default=1.0, help="target seconds per call (steps shrink)"
    )
    p.add_argument(
        "--contenders", default=",".join(CONTENDERS), help="comma-separated: jaxact,plain,torch"
    )
    p.add_argument("--quick", action="store_true", help="a few points per axis, 20 steps")
    p.add_argument("--report", help="write a markdown report here")
    p.add_argument("--figure", help="write a PNG figure here")
    p.add_argument("--json", help="write every row as JSON here")
    args = p.parse_args(argv)
    args.axes = [a.strip() for a in args.axes.split(",") if a.strip()]
    bad = [a for a in args.axes if a not in AXES]
    if bad:
        p.error(f"--axes: unknown {bad}; choose among {list(AXES)}")
    args.contenders = [c.strip() for c in args.contenders.split(",") if c.strip()]
    bad = [c for c in args.contenders if c not in CONTENDERS]
    if bad:
        p.error(f"--contenders: unknown {bad}; choose among {list(CONTENDERS)}")
    if args.steps is None:
        args.steps = 20 if args.quick else 200
    if args.steps < 1 or args.repeat < 1 or args.max_models < 1:
        p.error("--steps, --repeat and --max-models must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Measure every selected axis, print progress, write the requested outputs."""
    args = parse_args(argv)
    contenders = list(args.contenders)
    if "torch" in contenders and not torch_available():
        print("PyTorch is not importable: its column is skipped", flush=True)
        contenders.remove("torch")
    command = "python " + " ".join(shlex.quote(a) for a in [sys.argv[0], *sys.argv[1:]])
    mach = machine()
    print(f"machine: {mach}", flush=True)
    peak = matmul_flops(2048, 3)
    print(f"matmul FLOP rate (2048, best of 3): {peak / 1e9:,.1f} GFLOP/s", flush=True)
    meta = {
        "command": command,
        "machine": mach,
        "matmul_flops": peak,
        "activation": args.activation,
        "repeat": args.repeat,
        "block": args.block,
        "contenders": contenders,
    }
    tasks = {name: ja.load_task(name) for name in {"iris", "digits"}}

    def per_step(row: dict[str, Any]) -> float:
        return max(row[c]["warm_wall"] for c in contenders) / row["steps"]

    def row_work(row: dict[str, Any]) -> float:
        return work(row["models"], row["rows"], [tuple(s) for s in row["sizes"]])

    def point_work(point: Point) -> float:
        x, _, _, specs = ja.prepare_data(tasks[point.task_name])
        sizes = layer_sizes(x.shape[1], point.width, point.depth, specs[-1][1])
        return work(point.models, point.batch_size or x.shape[0], sizes)

    rows: list[dict[str, Any]] = []
    ref_point = make_point("reference", None)
    print(f"reference point ({args.steps} steps)", flush=True)
    ref = measure(ref_point, tasks, args.steps, args, contenders, peak)
    print(describe(ref, contenders), flush=True)
    rows.append(ref)
    write_outputs(args, rows, meta, contenders)
    for axis in args.axes:
        print(f"axis {axis}", flush=True)
        prev = ref
        for value in axis_values(axis, args.quick, args.max_models):
            point = make_point(axis, value)
            if point.same_config(ref_point) and ref["steps"] == args.steps:
                row = {**ref, "axis": axis, "value": value}
            else:
                guess = per_step(prev) * point_work(point) / row_work(prev)
                steps = pick_steps(args.steps, args.budget, guess)
                row = measure(point, tasks, steps, args, contenders, peak)
            print(describe(row, contenders), flush=True)
            rows.append(row)
            prev = row
            write_outputs(args, rows, meta, contenders)
    if args.report:
        print(f"wrote {args.report}", flush=True)
    if args.json:
        print(f"wrote {args.json}", flush=True)
    if args.figure and write_figure(args.figure, rows, contenders):
        print(f"wrote {args.figure}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
