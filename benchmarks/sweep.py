"""Throughput of the reference sweep (DESIGN.md, "Performance").

The reference sweep: the 4-6-6-3 network of seed 002 on iris (150 x 4, 3 classes),
full-batch Adam at learning rate 1e-2, float32, 7 activations (identity, sigmoid, tanh,
relu, leaky_relu, elu, gelu) x 32 seeds x 500 steps = 112,000 model-steps.

Measured in one process, on whatever JAX sees (``JAX_NUM_CPU_DEVICES`` unset: one CPU
device), against:

* a naive loop: ``jaxact.make_train_step`` (one jitted step) called from Python;
* a jitted per-run ``lax.scan``: ``jax.jit(jaxact.make_run(...))`` called once per run;
* PyTorch, when importable: a per-run loop (``nn.Sequential`` + ``torch.optim.Adam``),
  and a batched version over seeds with ``torch.bmm``;
* the two ways to put several activations in one program: groups (one vmapped group
  per activation, the engine's choice) and a vmapped ``lax.switch`` over activations;
* 1 vs N virtual CPU devices (each in a fresh process);
* 3 depths in one sweep (``depth=[1, 2, 4]``) against one sweep per depth;
* scaling in seeds (32 -> 1024) and width (6 -> 256).

Slow baselines are timed on a subset of the runs and extrapolated per model-step; the
output says which. Throughput is reported as model-steps/s (one optimizer step of one
model) and as a share of this machine's matmul FLOP/s, counting only the matmul FLOPs of
the forward and backward passes.

Usage::

    python benchmarks/sweep.py            # the full benchmark (a few minutes)
    python benchmarks/sweep.py --quick    # a short version
    python benchmarks/sweep.py --report results.md   # also write a markdown report
    python benchmarks/sweep.py --depth-grid  # only the depth-grid figures
    python benchmarks/sweep.py --padding     # only the default block against block=4
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxact as ja
from jaxact.training import engine

sys.path.insert(0, str(Path(__file__).resolve().parent))

ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu"]
SEEDS, STEPS, LR, LOG_EVERY = 32, 500, 1e-2, 10
TARGETS = {"warm_vs_naive": 40.0, "warm_vs_torch_bmm": 5.0, "cold_vs_naive": 15.0, "compile": 3.0}


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def best_of(fn: Any, repeat: int) -> tuple[float, float]:
    """The best wall time and the best process CPU time of ``repeat`` calls of ``fn``."""
    wall, cpu = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return min(wall), min(cpu)


def machine() -> dict[str, Any]:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {
        "cpu": model,
        "cores": os.cpu_count(),
        "load_avg": [round(v, 2) for v in os.getloadavg()],
        "python": platform.python_version(),
        "jax": jax.__version__,
        "backend": jax.default_backend(),
        "devices": len(jax.devices()),
    }
    try:
        import torch

        info["torch"] = torch.__version__
    except ImportError:
        info["torch"] = None
    return info


def matmul_flops(n: int, repeat: int) -> float:
    """FLOP/s of a large float32 matmul under jit (best of ``repeat``)."""
    a = jax.random.normal(jax.random.key(0), (n, n), jnp.float32)
    f = jax.jit(lambda a: a @ a)
    f(a).block_until_ready()
    wall, _ = best_of(lambda: f(a).block_until_ready(), repeat)
    return 2 * n**3 / wall


def model_flops(sizes: list[tuple[int, int]], n: int) -> int:
    """Matmul FLOPs of one forward + backward pass on ``n`` examples.

    Forward ``2 n Σ in·out``; backward: weight gradients ``2 n Σ in·out`` and input
    gradients of every layer but the first ``2 n Σ_{l≥2} in·out``.
    """
    mac = sum(i * o for i, o in sizes)
    return 2 * n * (2 * mac + mac - sizes[0][0] * sizes[0][1])


def reference_data() -> tuple[Any, np.ndarray, np.ndarray, str, list[tuple[int, int]]]:
    task = ja.load_task("iris")
    x, y, loss, specs = ja.prepare_data(task)
    return task, x, y, loss, specs


# --------------------------------------------------------------------------------------
# Contenders
# --------------------------------------------------------------------------------------


def bench_sweep(task: Any, seeds: int, steps: int, repeat: int, **kw: Any) -> dict[str, Any]:
    """jaxact.training.sweep: the first call (cold: trace + compile + run), then warm calls."""
    args = dict(
        activations=ACTIVATIONS,
        seeds=seeds,
        steps=steps,
        log_every=LOG_EVERY,
        learning_rate=LR,
        progress=False,
        **kw,
    )
    w, c = time.perf_counter(), time.process_time()
    cold = ja.sweep(task, **args)
    cold_wall, cold_cpu = time.perf_counter() - w, time.process_time() - c
    warm: list[dict[str, float]] = []

    def again() -> None:
        warm.append(ja.sweep(task, **args).timing)

    wall, cpu = best_of(again, repeat)
    assert all(t["compile"] == 0.0 for t in warm), "a warm sweep compiled again"
    return {
        "cold_wall": cold_wall,
        "cold_cpu": cold_cpu,
        "cold_timing": cold.timing,
        "warm_wall": wall,
        "warm_cpu": cpu,
        "model_steps": len(ACTIVATIONS) * seeds * steps,
        "final_loss": float(np.nanmean(cold.loss[..., -1])),
        "diverged": int(cold.diverged.sum()),
    }


DEPTHS, DEPTH_WIDTH = (1, 2, 4), 6


def bench_depth_grid(task: Any, seeds: int, steps: int, repeat: int) -> dict[str, Any]:
    """3 depths in one sweep (``depth=[1, 2, 4]``) against one sweep per depth.

    Cold: the engine's program cache emptied before each contender (both compile every
    program: one call compiles all of them at once, in threads; the separate calls a
    third each). Warm: best of ``repeat`` once everything is compiled.
    """
    args = dict(
        activations=ACTIVATIONS,
        seeds=seeds,
        steps=steps,
        log_every=LOG_EVERY,
        learning_rate=LR,
        progress=False,
        width=DEPTH_WIDTH,
    )

    def one() -> Any:
        return ja.sweep(task, depth=list(DEPTHS), **args)

    def separate() -> list[Any]:
        return [ja.sweep(task, depth=d, **args) for d in DEPTHS]

    out: dict[str, Any] = {"model_steps": len(ACTIVATIONS) * seeds * steps * len(DEPTHS)}
    for name, fn in (("separate", separate), ("one", one)):
        engine.clear_cache()
        w = time.perf_counter()
        res = fn()
        out[f"{name}_cold"] = time.perf_counter() - w
        out[f"{name}_result"] = res
    for name, fn in (("separate", separate), ("one", one)):
        out[f"{name}_warm"], _ = best_of(fn, repeat)
    grid, alone = out.pop("one_result"), out.pop("separate_result")
    out["bitwise"] = all(np.array_equal(grid.loss[:, i], r.loss) for i, r in enumerate(alone))
    return out


def report_depth_grid(out: Any, task: Any, steps: int, repeat: int) -> None:
    dg = bench_depth_grid(task, SEEDS, steps, repeat)
    n = dg["model_steps"]
    out(
        f"## Architectures in one sweep: depths {list(DEPTHS)} (width {DEPTH_WIDTH}) in one "
        f"call against one call per depth\n"
    )
    out(
        f"{len(ACTIVATIONS)} activations x {SEEDS} seeds x {steps} steps x {len(DEPTHS)} "
        f"depths = {n:,} model-steps on iris; the same runs bit for bit: "
        f"{'yes' if dg['bitwise'] else 'NO'}.\n"
    )
    out("| contender | cold wall (s) | cold model-steps/s | warm wall (s) | warm model-steps/s |")
    out("|---|---:|---:|---:|---:|")
    for name, label in (("one", "one call, depth=[1, 2, 4]"), ("separate", "3 calls")):
        c, w = dg[f"{name}_cold"], dg[f"{name}_warm"]
        out(f"| {label} | {c:.2f} | {n / c:,.0f} | {w:.3f} | {n / w:,.0f} |")
    out(
        f"\none call against 3: cold {dg['separate_cold'] / dg['one_cold']:.2f}x, warm "
        f"{dg['separate_warm'] / dg['one_warm']:.2f}x (ratios of wall times, same run)\n"
    )


def bench_naive(x: np.ndarray, y: np.ndarray, loss: str, specs: Any, steps: int) -> dict:
    """A Python loop over a jitted step; one seed per activation, compile excluded."""
    per_step = []
    batch = (jnp.asarray(x), jnp.asarray(y))
    for act in ACTIVATIONS:
        tx = optax.adam(LR)
        step = ja.make_train_step(ja.make_loss(loss, act), tx)
        params = ja.init_mlp(jax.random.key(0), specs, activation=act)
        state = tx.init(params)
        params, state, value = step(params, state, batch)  # compile
        value.block_until_ready()
        w = time.perf_counter()
        for _ in range(steps):
            params, state, value = step(params, state, batch)
        value.block_until_ready()
        per_step.append((time.perf_counter() - w) / steps)
    return {"per_model_step": float(np.mean(per_step)), "runs": len(ACTIVATIONS), "steps": steps}


def bench_scan(
    task: Any, loss: str, specs: Any, seeds: int, steps: int, options: dict | None = None
) -> dict[str, Any]:
    """jax.jit(make_run(...)) called once per run (compile excluded, reported apart)."""
    x, y = jnp.asarray(ja.prepare_data(task)[0]), jnp.asarray(ja.prepare_data(task)[1])
    total = compile_s = 0.0
    for act in ACTIVATIONS:
        run = jax.jit(
            ja.make_run(
                specs,
                activation=act,
                loss=loss,
                optimizer=optax.adam(LR),
                steps=steps,
                log_every=LOG_EVERY,
            )
        )
        w = time.perf_counter()
        compiled = run.lower(jax.random.key(0), x, y).compile(compiler_options=options or {})
        compile_s += time.perf_counter() - w
        jax.block_until_ready(compiled(jax.random.key(0), x, y))
        w = time.perf_counter()
        for s in range(seeds):
            out = compiled(jax.random.key(s), x, y)
        jax.block_until_ready(out)
        total += time.perf_counter() - w
    n = len(ACTIVATIONS) * seeds * steps
    return {"per_model_step": total / n, "runs": len(ACTIVATIONS) * seeds, "compile": compile_s}


def torch_activation(name: str) -> Any:
    import torch.nn.functional as F

    return {
        "identity": lambda z: z,
        "sigmoid": F.sigmoid,
        "tanh": F.tanh,
        "relu": F.relu,
        "leaky_relu": lambda z: F.leaky_relu(z, 0.01),
        "elu": F.elu,
        "gelu": F.gelu,  # exact (erf), as jaxact's default
    }[name]


def bench_torch_loop(x: np.ndarray, y: np.ndarray, specs: Any, steps: int) -> dict[str, Any]:
    """PyTorch, one model at a time; one seed per activation."""
    import torch
    import torch.nn.functional as F

    xt, yt = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))
    per_step = []
    for act in ACTIVATIONS:
        torch.manual_seed(0)
        f = torch_activation(act)
        layers = [torch.nn.Linear(i, o) for i, o in specs]

        def model(h: Any, layers: list = layers, f: Any = f) -> Any:
            for layer in layers[:-1]:
                h = f(layer(h))
            return layers[-1](h)

        opt = torch.optim.Adam([p for layer in layers for p in layer.parameters()], lr=LR)
        w = time.perf_counter()
        for _ in range(steps):
            opt.zero_grad()
            loss = F.cross_entropy(model(xt), yt)
            loss.backward()
            opt.step()
        per_step.append((time.perf_counter() - w) / steps)
    return {"per_model_step": float(np.mean(per_step)), "runs": len(ACTIVATIONS), "steps": steps}


def bench_torch_bmm(x: np.ndarray, y: np.ndarray, specs: Any, seeds: int, steps: int) -> dict:
    """PyTorch, all seeds of an activation at once: batched weights and torch.bmm."""
    import torch
    import torch.nn.functional as F

    xt, yt = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))
    n = xt.shape[0]
    yrep = yt.repeat(seeds)
    total = 0.0
    for act in ACTIVATIONS:
        torch.manual_seed(0)
        f = torch_activation(act)
        ws = [(torch.randn(seeds, i, o) / np.sqrt(i)).requires_grad_() for i, o in specs]
        bs = [torch.zeros(seeds, 1, o, requires_grad=True) for _, o in specs]
        opt = torch.optim.Adam(ws + bs, lr=LR)
        w = time.perf_counter()
        for _ in range(steps):
            opt.zero_grad()
            h = f(torch.matmul(xt, ws[0]) + bs[0])  # x is shared: (S, n, h1)
            for wl, bl in zip(ws[1:-1], bs[1:-1], strict=True):
                h = f(torch.bmm(h, wl) + bl)
            z = torch.bmm(h, ws[-1]) + bs[-1]
            # the sum over seeds of each seed's mean loss: each seed gets its own gradient
            loss = F.cross_entropy(z.reshape(seeds * n, -1), yrep, reduction="sum") / n
            loss.backward()
            opt.step()
        total += time.perf_counter() - w
    return {"per_model_step": total / (len(ACTIVATIONS) * seeds * steps)}


def bench_grouping_vs_switch(task: Any, loss: str, specs: Any, seeds: int, steps: int) -> dict:
    """Two one-program designs, both built from make_run and compiled alike:
    groups (a vmap per activation) and a vmapped lax.switch over the activations."""
    x, y = (jnp.asarray(a) for a in ja.prepare_data(task)[:2])
    fns = [ja.get(a).fn for a in ACTIVATIONS]

    def mk(act: Any) -> Any:
        return ja.make_run(
            specs,
            activation=act,
            loss=loss,
            optimizer=optax.adam(LR),
            steps=steps,
            log_every=LOG_EVERY,
        )

    runs = [mk(a) for a in ACTIVATIONS]
    keys = jax.vmap(jax.random.key)(jnp.arange(seeds))

    def grouped(keys: Any) -> Any:
        return [jax.vmap(r, in_axes=(0, None, None))(keys, x, y) for r in runs]

    def switched(keys: Any, idx: Any) -> Any:
        def one(key: Any, i: Any) -> Any:
            return mk(lambda z: jax.lax.switch(i, fns, z))(key, x, y)

        return jax.vmap(one)(keys, idx)

    all_keys = jnp.concatenate([keys] * len(ACTIVATIONS))
    idx = jnp.repeat(jnp.arange(len(ACTIVATIONS), dtype=jnp.int32), seeds)
    out = {}
    options = ja.compiler_options(jax.default_backend())
    for name, f, args in (("grouped", grouped, (keys,)), ("switch", switched, (all_keys, idx))):
        lowered = jax.jit(f).lower(*args)
        c = time.process_time()
        compiled = lowered.compile(compiler_options=options)
        compile_cpu = time.process_time() - c
        jax.block_until_ready(compiled(*args))
        wall, cpu = best_of(lambda c=compiled, a=args: jax.block_until_ready(c(*a)), 2)
        out[name] = {"compile_cpu": compile_cpu, "wall": wall, "cpu": cpu}
    out["model_steps"] = len(ACTIVATIONS) * seeds * steps
    return out


def bench_scaling(task: Any, sizes: list[tuple[int, tuple[int, ...]]], steps: int) -> list:
    """Warm time and memory of sweeps of several sizes (seeds, hidden widths)."""
    rows = []
    for seeds, hidden in sizes:
        kw = dict(
            activations=ACTIVATIONS,
            seeds=seeds,
            steps=steps,
            log_every=LOG_EVERY,
            learning_rate=LR,
            hidden=hidden,
            progress=False,
        )
        cold = ja.sweep(task, **kw)
        last = [v for _, what, v in engine.cached() if what != "start"][-1]
        mem = last.memory_analysis()
        wall, cpu = best_of(lambda kw=kw: ja.sweep(task, **kw), 2)
        specs = cold.sizes
        n = len(ACTIVATIONS) * seeds * steps
        rows.append(
            {
                "seeds": seeds,
                "hidden": list(hidden),
                "compile": cold.timing["compile"],
                "warm_wall": wall,
                "warm_cpu": cpu,
                "model_steps_per_s": n / wall,
                "flops_per_model_step": model_flops(specs, task.x.shape[0]),
                "program_bytes": int(
                    mem.argument_size_in_bytes + mem.output_size_in_bytes + mem.temp_size_in_bytes
                )
                if mem is not None
                else None,
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
        print(
            f"    seeds {seeds:5d}, hidden {hidden}: {n / wall:10,.0f} model-steps/s "
            f"(wall {wall:.2f} s, cpu {cpu:.2f} s), program memory "
            f"{rows[-1]['program_bytes'] / 2**20:.1f} MiB",
            flush=True,
        )
    return rows


def child_devices(n: int, steps: int, repeat: int) -> None:
    """In a fresh process: the reference sweep on ``n`` virtual CPU devices."""
    ja.use_cpu_devices(n)
    task = reference_data()[0]
    r = bench_sweep(task, SEEDS, steps, repeat)
    r["devices"] = len(jax.devices())
    print(json.dumps(r, default=float))


def child_cold(steps: int) -> None:
    """In a fresh process: one reference sweep, cold."""
    task = reference_data()[0]
    jnp.zeros(()).block_until_ready()
    w = time.perf_counter()
    r = ja.sweep(
        task,
        activations=ACTIVATIONS,
        seeds=SEEDS,
        steps=steps,
        log_every=LOG_EVERY,
        learning_rate=LR,
        progress=False,
    )
    print(json.dumps({"wall": time.perf_counter() - w, **r.timing}))


def bench_disk_cache(steps: int) -> list[dict]:
    """Two fresh processes sharing a JAX persistent compilation cache: the second one's
    cold sweep loads its programs from disk instead of compiling them."""
    import tempfile

    out = []
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k not in ("JAX_NUM_CPU_DEVICES", "XLA_FLAGS")}
        env.update(JAX_COMPILATION_CACHE_DIR=cache, JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0")
        for _ in range(2):
            p = subprocess.run(
                [sys.executable, __file__, "--child-cold", "--steps", str(steps)],
                capture_output=True,
                text=True,
                env=env,
                timeout=1200,
            )
            if p.returncode != 0:
                raise RuntimeError(f"cold child failed:\n{p.stderr[-3000:]}")
            out.append(json.loads(p.stdout.strip().splitlines()[-1]))
    return out


def bench_devices(counts: list[int], steps: int, repeat: int) -> dict[int, dict]:
    out = {}
    for n in counts:
        env = {k: v for k, v in os.environ.items() if k not in ("JAX_NUM_CPU_DEVICES", "XLA_FLAGS")}
        p = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child-devices",
                str(n),
                "--steps",
                str(steps),
                "--repeat",
                str(repeat),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=1200,
        )
        if p.returncode != 0:
            raise RuntimeError(f"devices={n} failed:\n{p.stderr[-3000:]}")
        out[n] = json.loads(p.stdout.strip().splitlines()[-1])
    return out


# --------------------------------------------------------------------------------------
# The engine's figures, side by side
# --------------------------------------------------------------------------------------


def bench_engines(task: Any, x: Any, y: Any, specs: Any, steps: int, repeat: int) -> dict:
    """Warm reference sweep: this engine and batched PyTorch, interleaved, best of
    ``repeat``; then a second in-process sweep with a fresh ``optax.adam(1e-2)`` and
    another seed list of the same block (``block=SEEDS``: no new program)."""
    args = dict(activations=ACTIVATIONS, seeds=SEEDS, steps=steps, log_every=LOG_EVERY,
                progress=False, block=SEEDS)  # fmt: skip
    out: dict[str, Any] = {}
    w = time.perf_counter()
    ja.sweep(task, optimizer=optax.adam(LR), **args)
    out["v2_cold"] = time.perf_counter() - w
    try:
        import torch
    except ImportError:
        torch = None
    best: dict[str, float] = {"v2": np.inf, "torch": np.inf}
    fresh = np.inf
    for r in range(repeat):
        tx = optax.adam(LR)
        ja.sweep(task, optimizer=tx, **args)  # warm: compiled above or by the last round
        w = time.perf_counter()
        ja.sweep(task, optimizer=tx, **args)
        best["v2"] = min(best["v2"], time.perf_counter() - w)
        # a second sweep: a fresh optax.adam(1e-2), other seeds
        w = time.perf_counter()
        ja.sweep(task, optimizer=optax.adam(LR), **{**args, "seeds": SEEDS - 8 - 4 * r})
        fresh = min(fresh, time.perf_counter() - w)
        if torch is not None:
            for threads in sorted({1, os.cpu_count() or 1}):
                torch.set_num_threads(threads)
                t = bench_torch_bmm(x, y, specs, SEEDS, steps)["per_model_step"]
                best["torch"] = min(best["torch"], t * len(ACTIVATIONS) * SEEDS * steps)
    out["warm"] = best
    out["v2_fresh_optimizer"] = fresh
    out["model_steps"] = len(ACTIVATIONS) * SEEDS * steps
    return out


def bench_padding(repeat: int) -> dict[str, float]:
    """The 4-seed digits sweep (3 activations x depths 1 and 4, width 32, 200 steps, held
    out data) with the default block and with ``block=4``, warm, interleaved, best of
    ``repeat``."""
    train, test = ja.split_task(ja.load_task("digits"), test_fraction=0.25, seed=0)
    kw = dict(activations=["relu", "tanh", "sigmoid"], seeds=4, steps=200, depth=[1, 4],
              width=32, test=test, progress=False)  # fmt: skip
    out: dict[str, Any] = {"default": np.inf, "block4": np.inf}
    runs = {"default": {}, "block4": {"block": 4}}
    for extra in runs.values():
        ja.sweep(train, **kw, **extra)  # compile
    for _ in range(repeat):
        for name, extra in runs.items():
            w = time.perf_counter()
            r = ja.sweep(train, **kw, **extra)
            out[name] = min(out[name], time.perf_counter() - w)
            out[f"{name}_block"] = r.config["block"]
    return out


def report_padding(out: Any, repeat: int) -> dict[str, float]:
    p = bench_padding(repeat)
    out("## Padding: the default block against `block=4` (side by side, one process)\n")
    out("`sweep(digits_train, activations=['relu', 'tanh', 'sigmoid'], seeds=4, steps=200, "
        f"depth=[1, 4], width=32, test=digits_test)`, warm, best of {repeat}.\n")  # fmt: skip
    out("| settings | block | warm wall (s) | / block=4 | target |")
    out("|---|---:|---:|---:|---|")
    out(f"| default | {p['default_block']} | {p['default']:.2f} | "
        f"{p['default'] / p['block4']:.2f}x | <= 1.25x |")  # fmt: skip
    out(f"| `block=4` | {p['block4_block']} | {p['block4']:.2f} | 1.00x | |")
    out("")
    return p


def bench_command(steps: int) -> dict[str, float]:
    """Wall time of ``jaxact sweep --task iris --activations relu,tanh --seeds 8 --steps 500
    --out D`` in new processes: the first ever (an empty compilation cache) and the next."""
    import tempfile

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JAX_", "XLA_"))}
        env["JAXACT_COMPILE_CACHE"] = str(Path(tmp) / "xla")
        for name in ("first", "second"):
            cmd = [sys.executable, "-m", "jaxact", "sweep", "--task", "iris", "--activations",
                   "relu,tanh", "--seeds", "8", "--steps", str(steps), "--out",
                   str(Path(tmp) / name), "--no-progress"]  # fmt: skip
            w = time.perf_counter()
            p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
            out[name] = time.perf_counter() - w
            if p.returncode != 0:
                raise RuntimeError(f"jaxact sweep failed:\n{p.stderr[-3000:]}")
            out[f"{name}_timing"] = p.stdout.strip().splitlines()[-2]
    return out


def report_engines(out: Any, task: Any, x: Any, y: Any, specs: Any, steps: int, repeat: int):
    eng = bench_engines(task, x, y, specs, steps, repeat)
    cmd = bench_command(steps)
    n = eng["model_steps"]
    w = eng["warm"]
    out("## This engine against PyTorch (side by side, one process)\n")
    out(f"Reference sweep, `optax.adam({LR})` objects, best of {repeat} interleaved rounds.\n")
    out("| contender | warm wall (s) | model-steps/s | this engine is |")
    out("|---|---:|---:|---:|")
    names = {"v2": "jaxact.training.sweep (this engine)",
             "torch": "PyTorch batched (bmm), best of 1 and all threads"}  # fmt: skip
    for k, label in names.items():
        if np.isfinite(w[k]):
            out(f"| {label} | {w[k]:.3f} | {n / w[k]:,.0f} | {w[k] / w['v2']:.2f}x |")
    out("")
    out("| figure | this engine | target |")
    out("|---|---:|---|")
    out(f"| cold (first call, compile included), s | {eng['v2_cold']:.2f} | |")
    ratio = eng["v2_fresh_optimizer"] / w["v2"]
    out(
        f"| second sweep, fresh `optax.adam({LR})`, other seeds, s | "
        f"{eng['v2_fresh_optimizer']:.2f} ({ratio:.2f}x warm) | <= 1.2x warm |"
    )
    if np.isfinite(w["torch"]):
        out(f"| warm vs PyTorch bmm | {w['torch'] / w['v2']:.2f}x | >= 5x |")
    out("")
    out(
        f"`jaxact sweep --task iris --activations relu,tanh --seeds 8 --steps {steps} --out D`,"
        " new processes, wall time (s):\n"
    )
    out("| invocation | wall (s) | target | the command's own timing line |")
    out("|---|---:|---:|---|")
    out(
        f"| first ever (empty compilation cache) | {cmd['first']:.2f} | <= 9 | "
        f"{cmd['first_timing']} |"
    )
    out(
        f"| second (new process, same cache) | {cmd['second']:.2f} | <= 4 | "
        f"{cmd['second_timing']} |"
    )
    out("")
    return eng, cmd


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a short version (fewer steps)")
    ap.add_argument("--report", metavar="PATH", help="also write a markdown report here")
    ap.add_argument("--child-devices", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--child-cold", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument(
        "--engines",
        action="store_true",
        help="only the side-by-side figures of the engines and the command (a few minutes)",
    )
    ap.add_argument(
        "--padding",
        action="store_true",
        help="only the padding figure: the 4-seed digits sweep, default block vs block=4",
    )
    ap.add_argument(
        "--depth-grid",
        action="store_true",
        help="only the depth-grid figures: 3 depths in one sweep against 3 sweeps",
    )
    ap.add_argument("--steps", type=int, default=STEPS, help=argparse.SUPPRESS)
    ap.add_argument("--repeat", type=int, default=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child_devices:
        child_devices(args.child_devices, args.steps, args.repeat)
        return 0
    if args.child_cold:
        child_cold(args.steps)
        return 0

    quick = args.quick
    steps = 100 if quick else STEPS
    repeat = 2 if quick else args.repeat
    cores = os.cpu_count() or 1
    jnp.zeros(()).block_until_ready()  # start the backend before timing anything
    info = machine()
    task, x, y, loss, specs = reference_data()
    flops_step = model_flops(specs, x.shape[0])
    lines: list[str] = []

    def out(s: str = "") -> None:
        print(s, flush=True)
        lines.append(s)

    cmd = "python benchmarks/sweep.py" + (" --quick" if quick else "")
    cmd += " --engines" if args.engines else ""
    cmd += " --depth-grid" if args.depth_grid else ""
    cmd += " --padding" if args.padding else ""
    out(f"# jaxact sweep benchmark{' (quick)' if quick else ''}\n")
    out(f"command: `{cmd}`  ")
    out(
        f"machine: {info['cpu']}, {info['cores']} cores, load average at start "
        f"{info['load_avg']} (other processes running); backend {info['backend']}, "
        f"{info['devices']} device(s); jax {info['jax']}, torch {info['torch']}  "
    )
    out(
        f"reference sweep: network {'-'.join(str(s[0]) for s in specs)}-{specs[-1][1]} on "
        f"{x.shape[0]} x {x.shape[1]} iris, Adam lr {LR}, float32, {len(ACTIVATIONS)} "
        f"activations x {SEEDS} seeds x {steps} steps = "
        f"{len(ACTIVATIONS) * SEEDS * steps:,} model-steps\n"
    )

    if args.depth_grid:
        report_depth_grid(out, task, steps, repeat)
        if args.report:
            Path(args.report).write_text("\n".join(lines) + "\n")
        return 0
    if args.padding:
        report_padding(out, repeat)
        if args.report:
            Path(args.report).write_text("\n".join(lines) + "\n")
        return 0
    if args.engines:
        report_engines(out, task, x, y, specs, steps, repeat)
        if args.report:
            Path(args.report).write_text("\n".join(lines) + "\n")
        return 0

    # jaxact.training.sweep first (so that "cold" is the first compile of this shape).
    sw = bench_sweep(task, SEEDS, steps, repeat)
    n_total = sw["model_steps"]
    mm = matmul_flops(1024 if quick else 2048, 5)
    warm_rate = n_total / sw["warm_wall"]
    cold_rate = n_total / sw["cold_wall"]
    t = sw["cold_timing"]

    # Baselines.
    naive = bench_naive(x, y, loss, specs, steps)
    scan = bench_scan(task, loss, specs, SEEDS if not quick else 4, steps)
    scan_opt = bench_scan(
        task, loss, specs, SEEDS if not quick else 4, steps, ja.compiler_options("cpu")
    )
    torch_rows: list[tuple[int, dict, dict]] = []
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        for threads in sorted({cores, 1}, reverse=True):
            torch.set_num_threads(threads)
            torch_rows.append(
                (
                    threads,
                    bench_torch_loop(x, y, specs, steps),
                    bench_torch_bmm(x, y, specs, SEEDS, steps),
                )
            )
    tb = max((r[2] for r in torch_rows), key=lambda r: -r["per_model_step"], default=None)
    rows = [
        ("jaxact.training.sweep, warm", warm_rate, f"all runs; best of {repeat}"),
        ("jaxact.training.sweep, cold (trace + compile + run)", cold_rate, "all runs, first call"),
        (
            "naive jitted step in a Python loop",
            1 / naive["per_model_step"],
            f"extrapolated: {naive['runs']} runs (1 seed per activation) x {steps} steps",
        ),
        (
            "jitted per-run scan (make_run)",
            1 / scan["per_model_step"],
            f"{scan['runs']} runs timed, compile excluded ({scan['compile']:.1f} s)",
        ),
        (
            "jitted per-run scan, compiled as the sweep is (no YNNPACK)",
            1 / scan_opt["per_model_step"],
            f"{scan_opt['runs']} runs timed, compile excluded",
        ),
    ]
    for threads, tl, tbt in torch_rows:
        rows.append(
            (
                f"PyTorch per-run loop, {threads} thread(s)",
                1 / tl["per_model_step"],
                f"extrapolated: {tl['runs']} runs (1 seed per activation) x {steps} steps",
            )
        )
        rows.append(
            (
                f"PyTorch batched over seeds (bmm), {threads} thread(s)",
                1 / tbt["per_model_step"],
                "all runs",
            )
        )
    out("## Throughput\n")
    out(
        "| contender | model-steps/s | jaxact.training.sweep warm is | share of matmul peak | how |"
    )
    out("|---|---:|---:|---:|---|")
    for name, rate, how in rows:
        share = rate * flops_step / mm
        out(f"| {name} | {rate:,.0f} | {warm_rate / rate:.1f}x | {share:.2%} | {how} |")
    out("")
    out(
        f"matmul peak: {mm / 1e9:.1f} GFLOP/s (float32 {1024 if quick else 2048}^2 matmul, "
        f"jit); {flops_step:,} matmul FLOPs per model-step (forward + backward).  "
    )
    out(
        f"sweep timing, cold: trace {t['trace']:.2f} s, compile {t['compile']:.2f} s, run "
        f"{t['run']:.2f} s, total {sw['cold_wall']:.2f} s (process CPU {sw['cold_cpu']:.2f} s); "
        f"warm: {sw['warm_wall']:.3f} s wall, {sw['warm_cpu']:.3f} s process CPU.  "
    )
    out(f"sanity: mean final loss {sw['final_loss']:.4f}, {sw['diverged']} diverged runs.\n")

    # Devices (before the targets, which use the fastest count).
    counts = sorted({1, cores, 2 * cores})
    out(f"## Virtual CPU devices ({cores} cores; each count in a fresh process)\n")
    dev = bench_devices(counts, steps, repeat)
    out("| devices | warm wall (s) | warm CPU (s) | model-steps/s | cold compile (s) |")
    out("|---:|---:|---:|---:|---:|")
    for n, d in dev.items():
        out(
            f"| {n} | {d['warm_wall']:.3f} | {d['warm_cpu']:.3f} | "
            f"{d['model_steps'] / d['warm_wall']:,.0f} | {d['cold_timing']['compile']:.2f} |"
        )
    out("")

    n_dev = max(dev, key=lambda n: dev[n]["model_steps"] / dev[n]["warm_wall"])
    dev_rate = dev[n_dev]["model_steps"] / dev[n_dev]["warm_wall"]

    targets = [
        ("warm vs naive loop", warm_rate * naive["per_model_step"], TARGETS["warm_vs_naive"], ">="),
        ("cold vs naive loop", cold_rate * naive["per_model_step"], TARGETS["cold_vs_naive"], ">="),
        ("compile (s)", t["compile"], TARGETS["compile"], "<="),
    ]
    if tb is not None:
        targets.insert(
            1,
            (
                "warm vs PyTorch bmm",
                warm_rate * tb["per_model_step"],
                TARGETS["warm_vs_torch_bmm"],
                ">=",
            ),
        )
    out("## Targets\n")
    out("| figure | measured | target | met |")
    out("|---|---:|---:|:-:|")
    if n_dev != 1:
        targets.insert(
            1,
            (
                f"warm vs naive loop, {n_dev} virtual CPU devices",
                dev_rate * naive["per_model_step"],
                TARGETS["warm_vs_naive"],
                ">=",
            ),
        )
        if tb is not None:
            targets.insert(
                3,
                (
                    f"warm vs PyTorch bmm, {n_dev} virtual CPU devices",
                    dev_rate * tb["per_model_step"],
                    TARGETS["warm_vs_torch_bmm"],
                    ">=",
                ),
            )
    for name, v, target, op in targets:
        ok = v >= target if op == ">=" else v <= target
        out(f"| {name} | {v:.2f} | {op} {target:g} | {'yes' if ok else 'no'} |")
    out("")

    disk = bench_disk_cache(steps)
    out("## Cold start with a persistent compilation cache\n")
    out(
        "Two fresh processes with the same `JAX_COMPILATION_CACHE_DIR` (JAX's on-disk cache, "
        "off by default): the second loads the compiled programs.\n"
    )
    out(
        "| process | trace (s) | compile or load (s) | run (s) | sweep call (s) "
        "| model-steps/s | vs naive |"
    )
    out("|---|---:|---:|---:|---:|---:|---:|")
    for i, d in enumerate(disk):
        rate = n_total / d["wall"]
        out(
            f"| {'first (compiles)' if i == 0 else 'second (loads)'} | {d['trace']:.2f} | "
            f"{d['compile']:.2f} | {d['run']:.2f} | {d['wall']:.2f} | {rate:,.0f} | "
            f"{rate * naive['per_model_step']:.1f}x |"
        )
    out("")

    # Grouping vs switch.
    gs = bench_grouping_vs_switch(task, loss, specs, SEEDS, steps)
    out("## One program for several activations: groups vs a vmapped lax.switch\n")
    out("| design | compile (CPU s) | run (wall s) | run (CPU s) | model-steps/s |")
    out("|---|---:|---:|---:|---:|")
    for name in ("grouped", "switch"):
        g = gs[name]
        out(
            f"| {name} | {g['compile_cpu']:.2f} | {g['wall']:.3f} | {g['cpu']:.3f} | "
            f"{gs['model_steps'] / g['wall']:,.0f} |"
        )
    faster = "grouped" if gs["grouped"]["cpu"] <= gs["switch"]["cpu"] else "switch"
    out(
        f"\nfaster: {faster} (the engine groups; a vmapped switch evaluates every branch "
        "for every run)\n"
    )

    report_depth_grid(out, task, steps, repeat)

    # Scaling.
    sc_steps = 50 if quick else 100
    seeds_list = [32, 128] if quick else [32, 128, 512, 1024]
    widths = [6, 32] if quick else [6, 32, 128, 256]
    out(f"## Scaling ({sc_steps} steps, {len(ACTIVATIONS)} activations, one device)\n")
    print("  seeds:", flush=True)
    sc = bench_scaling(task, [(s, (6, 6)) for s in seeds_list], sc_steps)
    print("  width:", flush=True)
    sc += bench_scaling(task, [(SEEDS, (w, w)) for w in widths if w != 6], sc_steps)
    out(
        "| seeds | hidden | model-steps/s | warm wall (s) | share of matmul peak | "
        "program memory (MiB) | max RSS (MiB) | compile (s) |"
    )
    out("|---:|---|---:|---:|---:|---:|---:|---:|")
    for r in sc:
        share = r["model_steps_per_s"] * r["flops_per_model_step"] / mm
        out(
            f"| {r['seeds']} | {r['hidden']} | {r['model_steps_per_s']:,.0f} | "
            f"{r['warm_wall']:.2f} | {share:.2%} | {r['program_bytes'] / 2**20:.1f} | "
            f"{r['max_rss_mb']:.0f} | {r['compile']:.2f} |"
        )
    out("")
    if args.report:
        Path(args.report).write_text("\n".join(lines) + "\n")
        print(f"wrote {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
