"""The reference sweep against the plain vmapped program and batched PyTorch, one run.

The reference sweep: the 4-6-6-3 network on iris (150 x 4, 3 classes), full-batch Adam
at learning rate 1e-2, float32, 7 activations (identity, sigmoid, tanh, relu,
leaky_relu, elu, gelu) x S seeds, for S = 32 (500 steps) and S = 256 (100 steps).
Contenders, warm (compilation excluded), interleaved, best of ``--repeat``:

* ``jaxact.sweep`` with its defaults (a chunk's blocks in worker threads, one per core);
* the same with the engine seen as having one core (blocks one after the other);
* the plain program a user writes: ``jax.jit(jax.vmap(train_one))`` with a ``lax.scan``
  over the steps, one program per activation, called one after the other
  (``cost_growth.plain_program``);
* PyTorch with batched weights and ``torch.bmm`` (``cost_growth.torch_runner``), with
  all cores and with one thread, when ``import torch`` works.

Usage::

    python benchmarks/reference.py                 # S = 32 and 256, best of 3
    python benchmarks/reference.py --seeds 32 --repeat 5 --report out.md
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import jaxact as ja

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cost_growth import (
    ACTIVATIONS,
    LR,
    Point,
    cores,
    plain_runner,
    torch_available,
    torch_runner,
)
from sweep import machine

STEPS = {32: 500, 256: 100}


def runners(seeds: int, steps: int) -> dict[str, Any]:
    """Name -> a call that trains the whole reference sweep once."""
    task = ja.load_task("iris")
    x, y, _, sizes = ja.prepare_data(task)
    point = Point("models", seeds, seeds, 6, 2, "iris")
    kw = dict(activations=list(ACTIVATIONS), seeds=seeds, steps=steps, learning_rate=LR,
              log_every=10, progress=False)  # fmt: skip

    def jaxact(threads: bool) -> Any:
        def run() -> None:
            with cores(None if threads else 1):
                ja.sweep(task, **kw)

        return run

    plain = [plain_runner(x, y, sizes, point, a, steps) for a in ACTIVATIONS]
    out: dict[str, Any] = {
        "jaxact": jaxact(True),
        "jaxact, one thread": jaxact(False),
        "plain vmapped program": lambda: [p() for p in plain],
    }
    if torch_available():
        import torch

        batched = [torch_runner(x, y, sizes, point, a, steps) for a in ACTIVATIONS]
        for threads in sorted({1, os.cpu_count() or 1}, reverse=True):

            def run(threads: int = threads) -> None:
                torch.set_num_threads(threads)
                for b in batched:
                    b()

            out[f"PyTorch bmm, {threads} thread(s)"] = run
    return out


def measure(seeds: int, steps: int, repeat: int) -> dict[str, float]:
    """Best warm wall time of each contender (a first call of each compiles)."""
    calls = runners(seeds, steps)
    for run in calls.values():
        run()
    best = dict.fromkeys(calls, np.inf)
    for _ in range(repeat):
        for name, run in calls.items():
            t = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - t)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[32, 256], choices=sorted(STEPS))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--report", help="also write the markdown here")
    args = ap.parse_args(argv)
    lines = [
        "command: `" + " ".join(["python benchmarks/reference.py", *sys.argv[1:]]) + "`",
        "machine: {cpu}, {cores} cores, load average at start {load_avg}; jax {jax}, "
        "backend {backend}, {devices} device(s); torch {torch}".format(**machine()),
        "",
    ]
    for seeds in args.seeds:
        steps = STEPS[seeds]
        best = measure(seeds, steps, args.repeat)
        n = len(ACTIVATIONS) * seeds * steps
        lines += [
            f"7 activations x {seeds} seeds x {steps} steps = {n:,} model-steps, warm, best of "
            f"{args.repeat} interleaved rounds; load average at the end "
            f"{', '.join(f'{v:.1f}' for v in os.getloadavg())}",
            "",
            "| contender | warm wall (s) | model-steps/s | jaxact is |",
            "|---|---:|---:|---:|",
        ]
        for name, wall in best.items():
            ratio = wall / best["jaxact"]
            lines.append(f"| {name} | {wall:.3f} | {n / wall:,.0f} | {ratio:.2f}x |")
        lines.append("")
        print("\n".join(lines[-(len(best) + 5) :]), flush=True)
    if args.report:
        Path(args.report).write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
