# ruff: noqa
# The sweep engine of the first version, kept as it was to measure the current engine
# against it side by side (benchmarks/sweep.py). Not part of the library.
r"""Sweeps: train activations x hyperparameters x seeds in one compiled program.

:func:`sweep` trains one MLP per (activation, grid point, seed) on the same data and
returns a :class:`SweepResult`: loss and accuracy as arrays with dims ``(activation,
*grid axes, seed, log step)``, divergence flags, summaries across seeds with 95%
confidence intervals, and CSV / JSON / plot export.

How the work is laid out:

* **One program per sweep shape.** The runs of each activation form a group; every
  group is ``vmap``-ped over its runs, and all groups advance together inside one
  ``jit``, in a loop over the steps of a chunk; the loss and accuracy are recorded on
  the device at the logged steps, and only they leave it between chunks. A second
  sweep of the same shape reuses the compiled program (a cache of the last 8): it
  neither traces nor compiles. Grouping beats a vmapped ``lax.switch`` over the
  activations, which evaluates every branch for every run (measured 4x slower on CPU
  for the reference sweep; ``benchmarks/sweep.py``).
* **Same run, same result.** A run's key is ``jax.random.key(seed)`` and nothing
  else, its initial parameters are ``init_mlp(key, ...)`` and its steps are those of
  :func:`~jaxact.make_run`: an (activation, grid point, seed) run gives the same
  numbers bit for bit in every sweep of the same shape (and after a resume), and the
  same numbers to rounding in a sweep of another shape and in ``fit(jax.random.key(seed),
  ...)``: XLA compiles a batch of another size, or a single run, into kernels that
  may add in another order (a few units in the last place per step).
* **Devices.** The run axis is split over a 1-D mesh of the devices, padded to a
  multiple of the device count with copies of the first run (their results are
  dropped); the training program is partitioned along it by XLA (the runs never
  communicate) and the initialization runs per device under ``jax.shard_map``. The same
  code runs on CPU, GPU and TPU. On a CPU, :func:`use_cpu_devices` (or
  ``JAX_NUM_CPU_DEVICES=n`` in the environment) makes several virtual devices, so that
  the runs advance on several cores at once.
* **Multi-host.** In every process call ``jax.distributed.initialize(coordinator,
  num_processes, process_id)`` (on CPU first ``jax.config.update(
  "jax_cpu_collectives_implementation", "gloo")``), then the same ``sweep(...)``: the
  mesh spans every process's devices, each process trains its share of the runs, and
  every process gets the whole result. Only process 0 writes the checkpoint and draws
  the progress bar; the checkpoint must be on a file system that every process reads.
* **Long sweeps.** One progress bar (tqdm) for the whole sweep, updated between
  chunks. With ``checkpoint=path`` the state (parameters, optimizer state, metrics so
  far, and a fingerprint of the configuration) is written after every chunk, to a
  temporary file renamed over the old one, so a sweep killed at any moment resumes
  from its last chunk, to the same final numbers bit for bit.
* **Divergence.** A run whose loss or parameters become NaN or infinite is flagged in
  ``SweepResult.diverged``; runs never interact, so its neighbours are unchanged, and
  the summaries leave it out.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import itertools
import json
import math
import numbers
import os
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from jaxact import _validate
from jaxact.catalog import activations as _acts
from jaxact.nn import init as _init
from jaxact.nn import losses as _losses
from jaxact.nn import mlp as _mlp
from jaxact.training import train as _train

Array = jax.Array

__all__ = ["SweepResult", "sweep", "use_cpu_devices"]

_CHECKPOINT_FORMAT = 1
_MAX_SEED = 2**31 - 1
# XLA:CPU sends batched matmuls to a library (YNNPACK) that is slower than its own
# kernels at the sizes of a sweep (a 6 x 6 layer, 150 examples, one matrix per run):
# measured 2x per batched matmul and 1.7x per training step of the reference sweep, so
# the sweep's programs are compiled without it. The option is per program, not global.
_CPU_COMPILER_OPTIONS: dict[str, Any] = {"xla_cpu_experimental_ynn_fusion_type": ""}
# The initialization runs once: compiled with fewer LLVM passes, it compiles in half the
# time (its integer PRNG and its few float operations give the same bits).
_START_OPTIONS: dict[str, Any] = {"xla_backend_optimization_level": 1}


# --------------------------------------------------------------------------------------
# Devices
# --------------------------------------------------------------------------------------


def use_cpu_devices(n: int | None = None) -> None:
    """Split the host CPU into ``n`` virtual JAX devices (default: one per core).

    A sweep splits its runs over every device; on a CPU, several virtual devices let
    the runs advance on several cores at once, since one device executes the tiny
    operations of a small network on one core. The setting belongs to the process and
    must be made before JAX starts its backend, i.e. before the first JAX computation
    (``import jax`` and ``import jaxact`` are fine). The environment variable
    ``JAX_NUM_CPU_DEVICES=n`` does the same from outside the process.

    Args:
      n: number of CPU devices, ≥ 1. Default ``None``: ``os.cpu_count()``.

    Raises:
      RuntimeError: JAX's backend is already running (a computation has run).
      ValueError / TypeError: ``n`` is not a positive int.

    Examples:
      >>> import jaxact as ja
      >>> ja.use_cpu_devices(2)  # doctest: +SKIP
      >>> len(jax.devices("cpu"))  # doctest: +SKIP
      2
    """
    n = (os.cpu_count() or 1) if n is None else _validate.positive_int("n", n)
    try:
        jax.config.update("jax_num_cpu_devices", n)
    except RuntimeError as e:
        raise RuntimeError(
            f"`use_cpu_devices`: JAX's backend is already running with "
            f"{jax.local_device_count()} device(s); call use_cpu_devices({n}) before the "
            f"first JAX computation, or set JAX_NUM_CPU_DEVICES={n} in the environment"
        ) from e


def _check_devices(devices: Any) -> tuple[Any, ...]:
    if isinstance(devices, str):
        _validate.choice("devices", devices, ["auto"])
        return tuple(jax.devices())
    if isinstance(devices, numbers.Integral) and not isinstance(devices, bool):
        n = _validate.positive_int("devices", devices)
        avail = jax.devices()
        if n > len(avail):
            raise ValueError(
                f"`devices`: asked for {n} devices, but JAX sees {len(avail)} "
                f"({avail[0].platform}); on a CPU, see use_cpu_devices"
            )
        return tuple(avail[:n])
    if isinstance(devices, Sequence) and all(isinstance(d, jax.Device) for d in devices):
        if not devices:
            raise ValueError("`devices`: expected at least one device, got an empty list")
        if len(set(devices)) != len(devices):
            raise ValueError(f"`devices`: each device once, got {list(devices)}")
        return tuple(devices)
    raise TypeError(
        f"`devices`: expected 'auto', a number of devices or a list of jax.Device, "
        f"got {type(devices).__name__} {devices!r}"
    )


def _put(a: np.ndarray, sharding: NamedSharding) -> Array:
    """A global array from the host array ``a`` (every process holds all of ``a``)."""
    a = np.asarray(a)
    return jax.make_array_from_callback(a.shape, sharding, lambda idx: a[idx])


def _pad_rows(a: np.ndarray, pad: np.ndarray) -> np.ndarray:
    """``a`` with the rows ``a[pad]`` appended (the padding runs repeat real ones)."""
    return np.concatenate([a, a[pad]]) if pad.size else a


def _fetch(a: Array) -> np.ndarray:
    """A global array as one host array, in every process."""
    if a.is_fully_addressable:
        return np.asarray(a)
    from jax.experimental import multihost_utils

    return np.asarray(multihost_utils.process_allgather(a, tiled=True))


# --------------------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------------------


def _check_activations(activations: Any) -> list[_acts.Activation]:
    if isinstance(activations, (str, _acts.Activation)):
        raise TypeError(
            f"`activations`: expected a list of names, got a single {type(activations).__name__}"
            f" {getattr(activations, 'name', activations)!r}; write [{activations!r}]"
        )
    if not isinstance(activations, Sequence):
        raise TypeError(
            f"`activations`: expected a list of catalog names, got {type(activations).__name__}"
        )
    if len(activations) == 0:
        raise ValueError(
            "`activations`: expected at least one activation, got an empty list. Valid names: "
            + ", ".join(_acts.names())
        )
    recs = []
    for i, a in enumerate(activations):
        if not isinstance(a, (str, _acts.Activation)):
            raise TypeError(
                f"`activations[{i}]`: expected a catalog name or an Activation, got "
                f"{type(a).__name__} {a!r}"
            )
        try:
            recs.append(_acts.get(a))
        except ValueError as e:
            msg = str(e).removeprefix("`activation`: ")
            raise ValueError(f"`activations[{i}]`: {msg}") from None
    seen: dict[str, int] = {}
    for i, r in enumerate(recs):
        if r.name in seen:
            raise ValueError(
                f"`activations`: each activation once, got {r.name!r} at positions "
                f"{seen[r.name]} and {i} ({[getattr(a, 'name', a) for a in activations]})"
            )
        seen[r.name] = i
    return recs


def _check_seeds(seeds: Any) -> np.ndarray:
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        n = _validate.positive_int("seeds", seeds)
        return np.arange(n, dtype=np.int64)
    if isinstance(seeds, (str, bytes, Mapping)) or not isinstance(seeds, (Sequence, np.ndarray)):
        raise TypeError(
            f"`seeds`: expected a number of seeds (int) or a list of int seeds, got "
            f"{type(seeds).__name__} {seeds!r}"
        )
    bad = [s for s in seeds if isinstance(s, bool) or not isinstance(s, numbers.Integral)]
    if bad:
        raise TypeError(f"`seeds`: expected int seeds, got {type(bad[0]).__name__} {bad[0]!r}")
    a = np.asarray([int(s) for s in seeds], dtype=np.int64)
    if a.size == 0:
        raise ValueError("`seeds`: expected at least one seed, got an empty list")
    if a.min() < 0 or a.max() > _MAX_SEED:
        raise ValueError(
            f"`seeds`: expected seeds in [0, {_MAX_SEED}], got min {a.min()} and max {a.max()}"
        )
    if len(np.unique(a)) != a.size:
        vals, counts = np.unique(a, return_counts=True)
        raise ValueError(f"`seeds`: each seed once, got repeats of {vals[counts > 1].tolist()}")
    return a


def _check_grid(grid: Any, hp_names: Sequence[str] | None) -> dict[str, np.ndarray]:
    if grid is None:
        return {}
    if not isinstance(grid, Mapping):
        raise TypeError(
            "`grid`: expected a dict of hyperparameter name -> list of values, e.g. "
            f"{{'learning_rate': [1e-3, 1e-2]}}, got {type(grid).__name__}"
        )
    out: dict[str, np.ndarray] = {}
    for name, values in grid.items():
        if not isinstance(name, str):
            raise TypeError(f"`grid`: expected str names, got {type(name).__name__} {name!r}")
        if hp_names is None:
            raise ValueError(
                f"`grid`: the optimizer has no hyperparameters to sweep (got {name!r}); pass "
                "an optimizer name, or one built with optax.inject_hyperparams, e.g. "
                "optax.inject_hyperparams(optax.adam)(learning_rate=1e-2)"
            )
        if name not in hp_names:
            near = _validate.closest(name, hp_names)
            hint = f"; closest: {', '.join(near)}" if near else ""
            extra = (
                " (a named optimizer sweeps only its learning rate; for other hyperparameters "
                "pass optax.inject_hyperparams(optax.<name>)(learning_rate=...))"
                if list(hp_names) == ["learning_rate"]
                else ""
            )
            raise ValueError(
                f"`grid`: unknown hyperparameter {name!r}{hint}. Valid: "
                f"{', '.join(hp_names)}{extra}"
            )
        if isinstance(values, (str, bytes, Mapping)) or not isinstance(
            values, (Sequence, np.ndarray)
        ):
            raise TypeError(
                f"`grid[{name!r}]`: expected a list of numbers, got {type(values).__name__} "
                f"{values!r}"
            )
        vals = list(np.asarray(values).ravel()) if isinstance(values, np.ndarray) else values
        for v in vals:
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
                raise TypeError(
                    f"`grid[{name!r}]`: expected real numbers, got {type(v).__name__} {v!r}"
                )
        a = np.asarray([float(v) for v in vals], dtype=np.float64)
        if a.size == 0:
            raise ValueError(f"`grid[{name!r}]`: expected at least one value, got none")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"`grid[{name!r}]`: expected finite values, got {a.tolist()}")
        if name == "learning_rate" and np.any(a <= 0):
            raise ValueError(f"`grid['learning_rate']`: expected values > 0, got {a.tolist()}")
        if len(np.unique(a)) != a.size:
            raise ValueError(f"`grid[{name!r}]`: each value once, got {a.tolist()}")
        out[name] = a
    return out


def _check_bool(arg: str, v: Any) -> bool:
    if not isinstance(v, (bool, np.bool_)):
        raise TypeError(f"`{arg}`: expected True or False, got {type(v).__name__} {v!r}")
    return bool(v)


# --------------------------------------------------------------------------------------
# The runs
# --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Static:
    """Everything that shapes the compiled program (hashable: the program cache key)."""

    activations: tuple[str, ...]
    specs: tuple[tuple[int, int], ...]
    kind: str
    optimizer: Any  # ("name", name, lr | None, inject) or a GradientTransformation
    init: Any
    dtype: str
    hp_names: tuple[str, ...]
    devices: tuple[Any, ...]
    runs: int  # runs per group, padded to a multiple of the device count
    log_every: int
    chunk: int  # logging intervals per chunk
    x: tuple[tuple[int, ...], str]
    y: tuple[tuple[int, ...], str]


def _optimizer(spec: Any) -> optax.GradientTransformation:
    if isinstance(spec, tuple) and len(spec) == 4 and spec[0] == "name":
        _, name, lr, inject = spec
        return _train.make_optimizer(name, 1e-2 if lr is None else lr, inject=inject)
    return spec


def _run_fns(
    activation: str,
    specs: Sequence[tuple[int, int]],
    kind: str,
    tx: optax.GradientTransformation,
    init: Any,
    dt: Any,
    log_every: int,
    chunk: int,
) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """One run as two pure functions, ``start(seed, hp)`` and ``advance(carry, x, y, n)``.

    ``start`` initializes as :func:`~jaxact.make_run` does: ``init_mlp(jax.random.key(seed),
    ...)``, the optimizer state, the hyperparameters ``hp``. ``advance`` takes ``n`` ≤
    ``chunk * log_every`` full-batch steps of ``value_and_grad`` of the loss of
    ``mlp_apply`` and ``optimizer.update``, from a step that is a multiple of
    ``log_every``; at every ``log_every``-th step the loss and accuracy of that same
    evaluation are recorded (the metrics on the parameters before that step's update)
    in slot ``step // log_every``, and those of the parameters reached in slot ``chunk``.
    Chaining ``advance`` over the chunks of a run is the computation of ``make_run``'s
    ``run``.
    """
    loss_of_logits = _losses.loss_for(kind)

    def start(seed: Array, hp: Mapping[str, Array]) -> tuple[Any, Any]:
        params = _mlp.init_mlp(
            jax.random.key(seed), specs, activation=activation, init=init, dtype=dt
        )
        opt_state = _train._opt_init(tx, params)
        if hp:
            opt_state = _train._set_hyperparams(opt_state, hp)
        return params, opt_state

    def advance(
        carry: tuple[Any, Any], x: Array, y: Array, n: Array
    ) -> tuple[tuple[Any, Any], tuple[Array, Array, Array]]:
        def objective(p: Any) -> tuple[Array, Array]:
            logits = _mlp.mlp_apply(p, x, activation=activation)
            return loss_of_logits(logits, y), logits

        grad_fn = jax.value_and_grad(objective, has_aux=True)

        def step(k: Array, val: Any) -> Any:
            (params, opt_state), losses, accs = val
            (loss, logits), grads = grad_fn(params)
            # Record every log_every-th evaluation. Selects, not a lax.cond: on CPU a
            # branch in the loop body costs as much as the accuracy it would skip.
            i, keep = k // log_every, k % log_every == 0
            acc = _losses.accuracy(logits, y, kind)
            losses = losses.at[i].set(jnp.where(keep, loss, losses[i]))
            accs = accs.at[i].set(jnp.where(keep, acc, accs[i]))
            updates, opt_state = _train._opt_update(tx, grads, opt_state, params)
            return (optax.apply_updates(params, updates), opt_state), losses, accs

        nan = jnp.full((chunk + 1,), jnp.nan, dt)
        carry, losses, accs = jax.lax.fori_loop(0, n, step, (carry, nan, nan))
        # The metrics of the parameters reached, in the last slot (the sweep keeps them
        # after its last chunk): one forward pass per chunk.
        loss, logits = objective(carry[0])
        losses = losses.at[chunk].set(loss)
        accs = accs.at[chunk].set(_losses.accuracy(logits, y, kind))
        finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(v)) for v in jax.tree.leaves(carry[0])]))
        return carry, (losses, accs, finite)

    return start, advance


@dataclasses.dataclass
class _Programs:
    start: Any  # compiled (seeds, hp) -> carries (None: not compiled)
    advance: Any  # compiled (carries, x, y, n) -> carries, metrics (None: not compiled)
    carry_shapes: tuple[Any, ...]  # per group: (params, opt_state) of ShapeDtypeStructs
    trace: float
    compile: float


def _build(
    static: _Static, x: Array, y: Array, seeds: Array, hp: dict[str, Array], compile: bool = True
) -> _Programs:
    """Trace and compile the sweep's two programs: initialization, and one chunk.

    With ``compile=False`` only the initialization is traced, for the carries' shapes
    (a finished checkpoint needs nothing more).
    """
    mesh = Mesh(np.asarray(static.devices), ("runs",))
    tx = _optimizer(static.optimizer)
    dt = jnp.dtype(static.dtype)
    fns = [
        _run_fns(a, static.specs, static.kind, tx, static.init, dt, static.log_every, static.chunk)
        for a in static.activations
    ]
    runs, rep = P("runs"), P()

    # init_mlp(key, ...) depends on the activation only through its initializer and its
    # learnable parameters (their defaults): activations that agree on both start from
    # the same parameters, computed once.
    def init_class(name: str) -> Any:
        rec = _acts.get(name)
        how = static.init if static.init is not None else _init.default_init(rec)
        return how, rec.learnable, tuple(rec.defaults[p] for p in rec.learnable)

    classes = {init_class(a): i for i, a in reversed(list(enumerate(static.activations)))}

    def start_all(seeds: Array, hp: dict[str, Array]) -> tuple[Any, ...]:
        # A loop over each device's runs, not a vmap: it runs once, and compiles faster.
        first = {
            i: jax.lax.map(lambda a, f=fns[i][0]: f(*a), (seeds, hp)) for i in classes.values()
        }
        return tuple(first[classes[init_class(a)]] for a in static.activations)

    def advance_all(
        carries: tuple[Any, ...], x: Array, y: Array, n: Array
    ) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        outs = [
            jax.vmap(adv, in_axes=(0, None, None, None))(c, x, y, n)
            for (_, adv), c in zip(fns, carries, strict=True)
        ]
        return tuple(o[0] for o in outs), tuple(o[1] for o in outs)

    start_sm = jax.jit(
        jax.shard_map(start_all, mesh=mesh, in_specs=(runs, runs), out_specs=runs, check_vma=False)
    )
    # Training: the runs' axis is sharded and XLA partitions the vmapped program along
    # it (the runs never communicate). Measured: a shard_map here runs 2x slower on CPU.
    run_sh, rep_sh = NamedSharding(mesh, runs), NamedSharding(mesh, rep)
    advance_sm = jax.jit(
        advance_all,
        in_shardings=(run_sh, rep_sh, rep_sh, rep_sh),
        out_shardings=(run_sh, run_sh),
        donate_argnums=(0,),
    )
    cpu = static.devices[0].platform == "cpu"
    options = _CPU_COMPILER_OPTIONS if cpu else {}
    t0 = time.perf_counter()
    traced_start = start_sm.trace(seeds, hp)
    lowered_start = traced_start.lower()
    carries_shape = traced_start.out_info
    t1 = time.perf_counter()
    if not compile:
        return _Programs(None, None, carries_shape, trace=t1 - t0, compile=0.0)
    compiled_start = lowered_start.compile(
        compiler_options={**options, **_START_OPTIONS} if cpu else options
    )
    t2 = time.perf_counter()
    carries_spec = jax.tree.map(
        lambda s: jax.ShapeDtypeStruct(s.shape, s.dtype, sharding=run_sh), carries_shape
    )
    n = jax.ShapeDtypeStruct((), jnp.int32, sharding=rep_sh)
    lowered_adv = advance_sm.trace(carries_spec, x, y, n).lower()
    t3 = time.perf_counter()
    compiled_adv = lowered_adv.compile(compiler_options=options)
    t4 = time.perf_counter()
    return _Programs(
        compiled_start,
        compiled_adv,
        carries_shape,
        trace=(t1 - t0) + (t3 - t2),
        compile=(t2 - t1) + (t4 - t3),
    )


_PROGRAM_CACHE: dict[_Static, _Programs] = {}
_PROGRAM_CACHE_SIZE = 8


def _programs(
    static: _Static, x: Array, y: Array, seeds: Array, hp: dict[str, Array], compile: bool = True
) -> tuple[_Programs, bool]:
    """The compiled programs for ``static``, from the cache when there; and whether new."""
    if static in _PROGRAM_CACHE:
        progs = _PROGRAM_CACHE.pop(static)
        _PROGRAM_CACHE[static] = progs  # most recently used last
        return progs, False
    if not compile:
        return _build(static, x, y, seeds, hp, compile=False), True
    progs = _build(static, x, y, seeds, hp)
    _PROGRAM_CACHE[static] = progs
    while len(_PROGRAM_CACHE) > _PROGRAM_CACHE_SIZE:
        _PROGRAM_CACHE.pop(next(iter(_PROGRAM_CACHE)))
    return progs, True


# --------------------------------------------------------------------------------------
# Checkpoints
# --------------------------------------------------------------------------------------


def _describe_optimizer(spec: Any, tx: optax.GradientTransformation, params: Any) -> Any:
    if isinstance(spec, tuple) and spec and spec[0] == "name":
        return {"name": spec[1], "learning_rate": spec[2], "inject": spec[3]}
    zeros = jax.tree.map(lambda s: np.zeros(s.shape, s.dtype), params)
    state = _train._opt_init(tx, zeros)
    hp = getattr(state, "hyperparams", None)
    return {
        "custom": f"{getattr(tx.init, '__module__', '')}.{getattr(tx.init, '__qualname__', '')}",
        "state": str(jax.tree.structure(state)),
        "leaves": [[list(np.shape(v)), str(np.asarray(v).dtype)] for v in jax.tree.leaves(state)],
        "hyperparams": (
            {k: np.asarray(v).tolist() for k, v in hp.items()} if isinstance(hp, dict) else None
        ),
    }


def _fingerprint(config: Mapping[str, Any], x: np.ndarray, y: np.ndarray) -> tuple[str, str]:
    """The configuration as canonical JSON (with a hash of the data), and its SHA-256."""
    h = hashlib.sha256()
    for a in (x, y):
        h.update(f"{a.shape}{a.dtype}".encode())
        h.update(np.ascontiguousarray(a).tobytes())
    text = json.dumps({**config, "data": h.hexdigest()}, sort_keys=True, default=str)
    return text, hashlib.sha256(text.encode()).hexdigest()


def _write_atomic(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``arrays`` as an ``.npz`` to a temporary file, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_checkpoint(path: Path, config_text: str, fingerprint: str) -> dict[str, Any]:
    """The arrays of the checkpoint at ``path``, after checking that it is this sweep's."""
    import zipfile

    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"`checkpoint`: {str(path)!r} is not a sweep checkpoint ({e})") from e
    if "fingerprint" not in arrays or int(arrays.get("format", -1)) != _CHECKPOINT_FORMAT:
        raise ValueError(
            f"`checkpoint`: {str(path)!r} is not a sweep checkpoint of format "
            f"{_CHECKPOINT_FORMAT}; remove it or choose another path"
        )
    if str(arrays["fingerprint"]) != fingerprint:
        try:
            old = json.loads(str(arrays["config"]))
            new = json.loads(config_text)
            diff = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        except (KeyError, ValueError):
            diff = []
        what = f" (it differs in: {', '.join(diff)})" if diff else ""
        raise ValueError(
            f"`checkpoint`: {str(path)!r} holds a different sweep{what}; run the same sweep to "
            "resume it, or remove the file / choose another path to start afresh"
        )
    return arrays


def _check_checkpoint_leaves(
    path: Path, arrays: Mapping[str, np.ndarray], leaves: Sequence[Sequence[Any]]
) -> None:
    for g, group in enumerate(leaves):
        for j, s in enumerate(group):
            a = arrays.get(f"carry_{g}_{j}")
            if a is None or a.shape != tuple(s.shape) or a.dtype != s.dtype:
                raise ValueError(
                    f"`checkpoint`: {str(path)!r} does not match this sweep's state (leaf "
                    f"{g}/{j}); remove it or choose another path"
                )


# --------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------


def _t_quantile(n: int) -> float:
    """The 0.975 quantile of Student's t with n - 1 degrees of freedom."""
    from scipy import stats

    return float(stats.t.ppf(0.975, n - 1))


def _stats(v: np.ndarray) -> tuple[float, float, float]:
    """Mean, sample standard deviation and 95% CI half-width of the finite entries."""
    v = v[np.isfinite(v)]
    n = v.size
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(np.mean(v))
    if n == 1:
        return mean, math.nan, math.nan
    std = float(np.std(v, ddof=1))
    return mean, std, _t_quantile(n) * std / math.sqrt(n)


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return _jsonable(v.tolist())
    if isinstance(v, (list, tuple)):
        return [_jsonable(u) for u in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(u) for k, u in v.items()}
    if isinstance(v, (float, np.floating)):
        return float(v) if math.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


@dataclasses.dataclass(frozen=True, eq=False)
class SweepResult:
    """The result of :func:`sweep`: labelled metric arrays and their summaries.

    The metric arrays have dims :attr:`dims` = ``("activation", *grid names, "seed",
    "step")`` with coordinates :attr:`coords`; ``A`` activations, grid shape ``G``,
    ``S`` seeds, ``T`` logged steps.

    Attributes:
      activations: canonical names, length ``A``.
      grid: hyperparameter name -> values (float64 arrays), in sweep order.
      seeds: ``(S,)`` int seeds; run key = ``jax.random.key(seed)``.
      steps: ``(T,)`` logged step numbers (:func:`~jaxact.logged_steps`): metrics are
        taken on the parameters after that many updates.
      loss: ``(A, *G, S, T)`` training loss.
      accuracy: ``(A, *G, S, T)`` training accuracy (NaN for regression).
      diverged: ``(A, *G, S)`` bool: a logged loss or the final parameters are NaN or
        infinite.
      params: ``None``, or (with ``keep_params=True``) activation name -> final
        parameters, a pytree whose leaves have leading axes ``(*G, S)``.
      timing: seconds: ``"trace"`` and ``"compile"`` (0 when the compiled program came
        from the cache), ``"run"`` (initialization and training, host transfers
        included), ``"checkpoint"`` (writing checkpoints), ``"total"`` (the whole call).
      kind: the loss kind.
      sizes: the layer specs ``[(n_in, n_out), ...]``.
      config: the sweep's settings (optimizer, learning rate, devices, ...).
    """

    activations: list[str]
    grid: dict[str, np.ndarray]
    seeds: np.ndarray
    steps: np.ndarray
    loss: np.ndarray
    accuracy: np.ndarray
    diverged: np.ndarray
    params: dict[str, Any] | None
    timing: dict[str, float]
    kind: str
    sizes: list[tuple[int, int]]
    config: dict[str, Any]

    @property
    def dims(self) -> tuple[str, ...]:
        """The names of the axes of :attr:`loss` and :attr:`accuracy`."""
        return ("activation", *self.grid, "seed", "step")

    @property
    def coords(self) -> dict[str, Any]:
        """The coordinates along each of :attr:`dims`."""
        return {
            "activation": list(self.activations),
            **self.grid,
            "seed": self.seeds,
            "step": self.steps,
        }

    def _grid_points(self) -> list[tuple[tuple[int, ...], dict[str, float]]]:
        shape = tuple(len(v) for v in self.grid.values())
        return [
            (idx, {k: float(v[i]) for (k, v), i in zip(self.grid.items(), idx, strict=True)})
            for idx in np.ndindex(*shape)
        ]

    def summary(self) -> list[dict[str, Any]]:
        """Final loss and accuracy across seeds, per activation and grid point.

        For each activation and grid point, over the seeds that did not diverge: the
        mean, the sample standard deviation (ddof 1) and the half-width of the 95%
        confidence interval of the mean, :math:`t_{0.975,\\,n-1}\\, s / \\sqrt{n}`, of the
        loss and the accuracy at the last logged step (NaN when fewer than two seeds
        remain, and for the accuracy of a regression).

        Returns:
          A list of ``A * prod(G)`` dicts with keys ``"activation"``, the grid names,
          ``"seeds"``, ``"diverged"`` (count), ``"loss_mean"``, ``"loss_std"``,
          ``"loss_ci95"``, ``"accuracy_mean"``, ``"accuracy_std"``, ``"accuracy_ci95"``.

        Examples:
          >>> import jaxact as ja
          >>> res = ja.sweep(ja.load_task("xor"), activations=["relu", "tanh"], seeds=4,
          ...                steps=100, learning_rate=0.05, log_every=50, progress=False)
          >>> [(r["activation"], r["diverged"], r["accuracy_mean"]) for r in res.summary()]
          [('relu', 0, 0.875), ('tanh', 0, 1.0)]
        """
        rows = []
        for a, name in enumerate(self.activations):
            for idx, point in self._grid_points():
                ok = ~self.diverged[(a, *idx)]
                loss = self.loss[(a, *idx)][ok, -1]
                acc = self.accuracy[(a, *idx)][ok, -1]
                lm, ls, lc = _stats(loss)
                am, as_, ac = _stats(acc)
                rows.append(
                    {
                        "activation": name,
                        **point,
                        "seeds": int(self.seeds.size),
                        "diverged": int(np.sum(~ok)),
                        "loss_mean": lm,
                        "loss_std": ls,
                        "loss_ci95": lc,
                        "accuracy_mean": am,
                        "accuracy_std": as_,
                        "accuracy_ci95": ac,
                    }
                )
        return rows

    def to_csv(self, path: str | os.PathLike[str], *, table: str = "runs") -> None:
        """Write a CSV table.

        Args:
          path: the file to write.
          table: ``"runs"`` (default): one row per activation, grid point, seed and
            logged step, columns ``activation, <grid names>, seed, step, loss,
            accuracy, diverged``; ``"summary"``: the rows of :meth:`summary`.

        Examples:
          >>> import jaxact as ja
          >>> res = ja.sweep(ja.load_task("xor"), activations=["relu", "tanh"], seeds=4,
          ...                steps=100, learning_rate=0.05, log_every=50, progress=False)
          >>> import pathlib, tempfile
          >>> folder = pathlib.Path(tempfile.mkdtemp())
          >>> res.to_csv(folder / "runs.csv")
          >>> header, first, *rest = (folder / "runs.csv").read_text().splitlines()
          >>> header, len(rest) + 1  # 2 activations x 4 seeds x 3 logged steps
          ('activation,seed,step,loss,accuracy,diverged', 24)
          >>> first.split(",")[:3], round(float(first.split(",")[3]), 2)
          (['relu', '0', '0'], 0.71)
        """
        table = _validate.choice("table", table, ["runs", "summary"])
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            if table == "summary":
                rows = self.summary()
                w.writerow(list(rows[0]))
                w.writerows([list(r.values()) for r in rows])
                return
            w.writerow(["activation", *self.grid, "seed", "step", "loss", "accuracy", "diverged"])
            for a, name in enumerate(self.activations):
                for idx, point in self._grid_points():
                    loss = self.loss[(a, *idx)]
                    acc = self.accuracy[(a, *idx)]
                    div = self.diverged[(a, *idx)]
                    for s, seed in enumerate(self.seeds.tolist()):
                        for t, step in enumerate(self.steps.tolist()):
                            w.writerow(
                                [
                                    name,
                                    *point.values(),
                                    seed,
                                    step,
                                    repr(float(loss[s, t])),
                                    repr(float(acc[s, t])),
                                    int(div[s]),
                                ]
                            )

    def to_json(self, path: str | os.PathLike[str]) -> None:
        """Write the whole result as JSON (NaN and infinities as ``null``).

        Keys: ``dims``, ``coords``, ``loss``, ``accuracy``, ``diverged`` (nested lists
        in the order of ``dims``), ``summary``, ``timing``, ``kind``, ``sizes``,
        ``config``. Parameters are not written.

        Examples:
          >>> import jaxact as ja
          >>> res = ja.sweep(ja.load_task("xor"), activations=["relu", "tanh"], seeds=4,
          ...                steps=100, learning_rate=0.05, log_every=50, progress=False)
          >>> import pathlib, tempfile
          >>> folder = pathlib.Path(tempfile.mkdtemp())
          >>> import json
          >>> res.to_json(folder / "sweep.json")
          >>> doc = json.loads((folder / "sweep.json").read_text())
          >>> doc["dims"], len(doc["loss"][1][3])
          (['activation', 'seed', 'step'], 3)
        """
        doc = {
            "dims": list(self.dims),
            "coords": self.coords,
            "loss": self.loss,
            "accuracy": self.accuracy,
            "diverged": self.diverged,
            "summary": self.summary(),
            "timing": self.timing,
            "kind": self.kind,
            "sizes": [list(s) for s in self.sizes],
            "config": self.config,
        }
        with open(path, "w") as f:
            json.dump(_jsonable(doc), f, allow_nan=False)

    def plot(self, path: str | os.PathLike[str]) -> None:
        """Draw the learning curves: mean across seeds, with a 95% confidence band.

        One column per grid point; a row for the loss (log scale) and, for
        classification, a row for the accuracy. Diverged runs are left out.

        Args:
          path: the image file to write (format from the extension, e.g. ``.png``).

        Examples:
          >>> import jaxact as ja
          >>> res = ja.sweep(ja.load_task("xor"), activations=["relu", "tanh"], seeds=4,
          ...                steps=100, learning_rate=0.05, log_every=50, progress=False)
          >>> import pathlib, tempfile
          >>> folder = pathlib.Path(tempfile.mkdtemp())
          >>> res.plot(folder / "curves.png")
          >>> (folder / "curves.png").read_bytes()[:4]
          b'\\x89PNG'
        """
        try:
            from matplotlib.figure import Figure
        except ImportError as e:  # pragma: no cover - matplotlib is the "plot" extra
            raise ImportError("`plot`: needs matplotlib (pip install 'jaxact[plot]')") from e
        points = self._grid_points()
        metrics = ["loss"] if self.kind == "regression" else ["loss", "accuracy"]
        fig = Figure(figsize=(4.2 * len(points), 3.2 * len(metrics)), layout="constrained")
        axes = fig.subplots(len(metrics), len(points), squeeze=False)
        for j, (idx, point) in enumerate(points):
            for i, m in enumerate(metrics):
                ax = axes[i, j]
                data = getattr(self, m)
                for a, name in enumerate(self.activations):
                    ok = ~self.diverged[(a, *idx)]
                    v = data[(a, *idx)][ok]
                    if v.shape[0] == 0:
                        continue
                    mean = v.mean(axis=0)
                    n = v.shape[0]
                    half = (
                        _t_quantile(n) * v.std(axis=0, ddof=1) / math.sqrt(n)
                        if n > 1
                        else np.zeros_like(mean)
                    )
                    (line,) = ax.plot(self.steps, mean, label=name, lw=1.3)
                    ax.fill_between(
                        self.steps, mean - half, mean + half, color=line.get_color(), alpha=0.2
                    )
                if m == "loss" and np.all(data[np.isfinite(data)] > 0):
                    ax.set_yscale("log")
                ax.set_xlabel("step")
                ax.set_ylabel(m)
                label = ", ".join(f"{k}={v:g}" for k, v in point.items())
                ax.set_title(label or f"{m} (mean, 95% CI; {self.seeds.size} seeds)", fontsize=9)
                ax.grid(alpha=0.3)
        axes[0, 0].legend(fontsize=8)
        fig.savefig(path, dpi=110)


# --------------------------------------------------------------------------------------
# sweep
# --------------------------------------------------------------------------------------


def sweep(
    data: Any,
    *,
    activations: Sequence[str | _acts.Activation],
    seeds: int | Sequence[int],
    steps: int,
    optimizer: str | optax.GradientTransformation = "adam",
    learning_rate: float = 1e-2,
    hidden: Sequence[int] = (6, 6),
    sizes: Sequence[int] | Sequence[tuple[int, int]] | None = None,
    grid: Mapping[str, Sequence[float]] | None = None,
    loss: str | None = None,
    init: str | Callable[..., Array] | None = None,
    log_every: int = 10,
    devices: str | int | Sequence[Any] = "auto",
    checkpoint: str | os.PathLike[str] | None = None,
    progress: bool = True,
    keep_params: bool = False,
    dtype: Any = jnp.float32,
    chunk_steps: int | None = None,
) -> SweepResult:
    r"""Train every (activation, grid point, seed) combination in one compiled program.

    Run :math:`r = (a, g, s)` trains the MLP of :func:`~jaxact.fit` with hidden
    activation :math:`a`, optimizer hyperparameters :math:`g` and initial parameters
    ``init_mlp(jax.random.key(s), ...)`` for ``steps`` full-batch steps; its loss and
    accuracy are logged at :func:`~jaxact.logged_steps` ``(steps, log_every)``. A run
    depends on its own (a, g, s) only: it gives the same numbers in any sweep and as
    ``fit(jax.random.key(s), data, activation=a, ...)`` (up to the last bits of
    floating point, where XLA compiles a batched and a single run differently).

    Runs are grouped by activation, ``vmap``-ped within a group, and advanced together
    in one ``jit``-compiled loop over chunks of steps, their run axis split over
    ``devices`` (see the module docstring for multi-host use). A second call of the same
    shape reuses the compiled program.

    Args:
      data: a :class:`~jaxact.Task` or an ``(x, y)`` pair (see
        :func:`~jaxact.prepare_data`).
      activations: catalog names (or records) of the hidden activations, each once;
        learnable ones (``"prelu"``, ``"swish_beta"``) learn their parameters per unit.
      seeds: a number ``n`` of seeds (``0 .. n-1``) or a list of distinct ints in
        [0, 2**31 - 1].
      steps: optimizer steps per run, ≥ 1.
      optimizer: an optimizer name for :func:`~jaxact.make_optimizer` (``"adam"``,
        ``"sgd"``, ...) with ``learning_rate``, or an optax ``GradientTransformation``.
        Default ``"adam"``.
      learning_rate: the learning rate of a named optimizer. Default 1e-2.
      hidden: hidden widths, used when ``sizes`` is ``None``. Default ``(6, 6)``.
      sizes: layer widths ``(d, ..., k)``. Default ``None``: ``(d, *hidden, out)``.
      grid: optimizer hyperparameters to sweep, name -> list of floats, e.g.
        ``{"learning_rate": [1e-3, 1e-2, 1e-1]}``; several names sweep their product.
        A named optimizer sweeps ``"learning_rate"``; an optimizer built with
        :func:`optax.inject_hyperparams` (``optax.inject_hyperparams(optax.adam)(
        learning_rate=1e-2)``) sweeps any of its numeric hyperparameters (``"b1"``,
        ``"eps"``, ...). Default ``None``: no grid axes.
      loss: ``"softmax"``, ``"binary"`` or ``"regression"``. Default: the task's kind, or
        inferred from ``y``.
      init: initializer name or callable. Default: each activation's
        :func:`~jaxact.default_init`.
      log_every: logging period in steps. Default 10.
      devices: ``"auto"`` (every device JAX sees, across processes), a number of
        devices (the first ones), or a list of ``jax.Device``. Default ``"auto"``.
      checkpoint: a file path. If the file holds this sweep's checkpoint, the sweep
        resumes from it (a finished sweep returns at once); it is (re)written after
        every chunk. A checkpoint of a different sweep raises ``ValueError``.
        Default ``None``: no checkpoint.
      progress: draw a progress bar (tqdm, on stderr). Default ``True``.
      keep_params: return the final parameters in ``SweepResult.params``. Default
        ``False``.
      dtype: floating dtype of the parameters and the computation. Default float32.
      chunk_steps: steps per chunk (progress and checkpoint granularity), a multiple of
        ``log_every``. Default ``None``: about a tenth of ``steps``.

    Returns:
      A :class:`SweepResult`.

    Raises:
      ValueError: an empty or repeated activation, an unknown name (closest names
        suggested), ``seeds`` / ``steps`` / ``log_every`` < 1, repeated or negative
        seeds, an unknown or empty grid axis, a checkpoint of another sweep, and every
        data error of :func:`~jaxact.prepare_data` — all before anything compiles.
      TypeError: arguments of the wrong type (e.g. grid values that are not numbers).

    Examples:
      >>> import jaxact as ja
      >>> res = ja.sweep(ja.load_task("xor"), activations=["relu", "tanh"], seeds=4,
      ...                steps=100, learning_rate=0.05, log_every=50, progress=False)
      >>> res.dims, res.loss.shape, res.steps.tolist()
      (('activation', 'seed', 'step'), (2, 4, 3), [0, 50, 100])
      >>> bool(res.diverged.any())
      False

    References:
      C. Lu et al., "Discovered Policy Optimisation" (purejaxrl: a vmapped, scanned,
      jitted training loop), NeurIPS 2022. JAX, "Distributed arrays and automatic
      parallelization" and ``jax.shard_map``.
    """
    t_begin = time.perf_counter()
    recs = _check_activations(activations)
    seed_list = _check_seeds(seeds)
    steps = _validate.positive_int("steps", steps)
    log_every = _validate.positive_int("log_every", log_every)
    if chunk_steps is not None:
        chunk_steps = _validate.positive_int("chunk_steps", chunk_steps)
        if chunk_steps % log_every:
            raise ValueError(
                f"`chunk_steps`: expected a multiple of `log_every` ({log_every}), got "
                f"{chunk_steps}"
            )
    progress = _check_bool("progress", progress)
    keep_params = _check_bool("keep_params", keep_params)
    devs = _check_devices(devices)
    if checkpoint is not None and not isinstance(checkpoint, (str, os.PathLike)):
        raise TypeError(
            f"`checkpoint`: expected a file path or None, got {type(checkpoint).__name__}"
        )
    ckpt = None if checkpoint is None else Path(checkpoint)
    if ckpt is not None and ckpt.is_dir():
        raise ValueError(f"`checkpoint`: expected a file path, got the folder {str(ckpt)!r}")
    try:
        dt = jnp.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"`dtype`: expected a floating dtype, got {dtype!r}") from e
    if not jnp.issubdtype(dt, jnp.floating):
        raise TypeError(f"`dtype`: expected a floating dtype, got {dt}")
    if init is not None:
        _init.initializer(init)
    x, y, kind, specs = _train.prepare_data(data, sizes=sizes, hidden=hidden, loss=loss, dtype=dt)

    if isinstance(optimizer, str):
        name = _validate.choice("optimizer", optimizer.strip().lower(), _train.OPTIMIZERS)
        lr = _validate.positive_float("learning_rate", learning_rate)
        inject = bool(grid)
        opt_spec: Any = ("name", name, None if inject else lr, inject)
    else:
        opt_spec = _train._check_optimizer(optimizer)
        lr = None
    tx = _optimizer(opt_spec)
    params0 = jax.eval_shape(
        lambda k: _mlp.init_mlp(k, specs, activation=recs[0], init=init, dtype=dt),
        jax.random.key(0),
    )
    state0 = jax.eval_shape(lambda p: _train._opt_init(tx, p), params0)
    hp0 = getattr(state0, "hyperparams", None)
    hp_names = tuple(hp0) if isinstance(hp0, dict) else None
    if isinstance(opt_spec, tuple) and not grid:
        hp_names = ("learning_rate",)
    grid_np = _check_grid(grid, hp_names)

    # The runs of one activation: grid points (C order) x seeds, padded to the devices.
    shape = tuple(len(v) for v in grid_np.values())
    n_points = math.prod(shape)
    n_seeds = seed_list.size
    n_real = n_points * n_seeds
    n_dev = len(devs)
    n_runs = -(-n_real // n_dev) * n_dev
    pad = np.zeros(n_runs - n_real, dtype=np.int64)
    run_seeds = np.concatenate([np.tile(seed_list, n_points), seed_list[pad]]).astype(np.int32)
    points = np.asarray(list(itertools.product(*grid_np.values())), dtype=np.float64)
    run_hp = {
        k: np.concatenate([np.repeat(points[:, i], n_seeds), points[pad, i]]).astype(hp0[k].dtype)
        for i, k in enumerate(grid_np)
    }

    n_int = -(-steps // log_every)  # logging intervals
    logged = _train.logged_steps(steps, log_every)
    n_log = logged.size
    chunk = (chunk_steps // log_every) if chunk_steps else max(1, -(-n_int // 10))
    chunk = min(chunk, n_int)

    mesh = Mesh(np.asarray(devs), ("runs",))
    rep = NamedSharding(mesh, P())
    run_sh = NamedSharding(mesh, P("runs"))
    x_g, y_g = _put(x, rep), _put(y, rep)
    seeds_g = _put(run_seeds, run_sh)
    hp_g = {k: _put(v, run_sh) for k, v in run_hp.items()}
    static = _Static(
        activations=tuple(r.name for r in recs),
        specs=tuple(tuple(s) for s in specs),
        kind=kind,
        optimizer=opt_spec,
        init=init,
        dtype=str(dt),
        hp_names=tuple(grid_np),
        devices=devs,
        runs=n_runs,
        log_every=log_every,
        chunk=chunk,
        x=(x.shape, str(x.dtype)),
        y=(y.shape, str(y.dtype)),
    )
    names = [r.name for r in recs]
    init_name = init if isinstance(init, str) or init is None else getattr(init, "__qualname__", "")
    config = {
        "activations": names,
        "seeds": seed_list.tolist(),
        "steps": steps,
        "log_every": log_every,
        "grid": {k: v.tolist() for k, v in grid_np.items()},
        "optimizer": _describe_optimizer(opt_spec, tx, params0),
        "sizes": [list(s) for s in specs],
        "kind": kind,
        "init": init_name,
        "dtype": str(dt),
    }
    config_text, fingerprint = _fingerprint(config, x, y)
    saved = None
    if ckpt is not None and ckpt.exists():
        saved = _read_checkpoint(ckpt, config_text, fingerprint)

    finished = saved is not None and int(saved["done"]) == steps
    progs, new = _programs(static, x_g, y_g, seeds_g, hp_g, compile=not finished)
    timing = {
        "trace": progs.trace if new else 0.0,
        "compile": progs.compile if new else 0.0,
        "run": 0.0,
        "checkpoint": 0.0,
    }

    n_act = len(recs)
    leaf_specs = [
        [jax.ShapeDtypeStruct((n_real, *s.shape[1:]), s.dtype) for s in jax.tree.leaves(c)]
        for c in progs.carry_shapes
    ]
    is_main = jax.process_index() == 0

    t_run = time.perf_counter()
    if saved is not None:
        _check_checkpoint_leaves(ckpt, saved, leaf_specs)
        done = int(saved["done"])
        loss_h, acc_h, fin_h = saved["loss"], saved["accuracy"], saved["finite"]
        carries = tuple(
            jax.tree.unflatten(
                jax.tree.structure(c),
                [_put(_pad_rows(saved[f"carry_{g}_{j}"], pad), run_sh) for j in range(len(leaves))],
            )
            for g, (c, leaves) in enumerate(zip(progs.carry_shapes, leaf_specs, strict=True))
        )
    else:
        done = 0
        loss_h = np.full((n_act, n_real, n_log), np.nan, dtype=dt)
        acc_h = np.full((n_act, n_real, n_log), np.nan, dtype=dt)
        fin_h = np.ones((n_act, n_real), dtype=bool)
        carries = progs.start(seeds_g, hp_g)

    bar = None
    if progress and is_main:
        from tqdm import tqdm

        bar = tqdm(
            total=steps,
            initial=done,
            unit="step",
            desc=f"sweep {n_act}x{n_points * n_seeds} runs",
            file=sys.stderr,
            dynamic_ncols=True,
        )
    try:
        while done < steps:
            n = min(chunk * log_every, steps - done)
            first, count = done // log_every, -(-n // log_every)
            carries, out = progs.advance(carries, x_g, y_g, _put(np.int32(n), rep))
            for g, (losses, accs, finite) in enumerate(out):
                losses, accs = _fetch(losses)[:n_real], _fetch(accs)[:n_real]
                loss_h[g, :, first : first + count] = losses[:, :count]
                acc_h[g, :, first : first + count] = accs[:, :count]
                if done + n == steps:
                    loss_h[g, :, -1] = losses[:, chunk]
                    acc_h[g, :, -1] = accs[:, chunk]
                    fin_h[g] = _fetch(finite)[:n_real]
            done += n
            if ckpt is not None:
                t_ck = time.perf_counter()
                leaves = [[_fetch(v)[:n_real] for v in jax.tree.leaves(c)] for c in carries]
                if is_main:
                    arrays = {
                        "format": np.asarray(_CHECKPOINT_FORMAT),
                        "fingerprint": np.asarray(fingerprint),
                        "config": np.asarray(config_text),
                        "done": np.asarray(done),
                        "loss": loss_h,
                        "accuracy": acc_h,
                        "finite": fin_h,
                    }
                    for g, group in enumerate(leaves):
                        for j, v in enumerate(group):
                            arrays[f"carry_{g}_{j}"] = v
                    _write_atomic(ckpt, arrays)
                timing["checkpoint"] += time.perf_counter() - t_ck
            if bar is not None:
                bar.update(n)
        params_out = None
        if keep_params:
            params_out = {}
            for name, c in zip(names, carries, strict=True):
                params_out[name] = jax.tree.map(
                    lambda v: _fetch(v)[:n_real].reshape(*shape, n_seeds, *v.shape[1:]), c[0]
                )
    finally:
        if bar is not None:
            bar.close()
    timing["run"] = time.perf_counter() - t_run - timing["checkpoint"]
    timing["total"] = time.perf_counter() - t_begin

    diverged = ~fin_h | np.any(~np.isfinite(loss_h), axis=-1)
    return SweepResult(
        activations=names,
        grid=grid_np,
        seeds=seed_list,
        steps=logged,
        loss=loss_h.reshape(n_act, *shape, n_seeds, n_log),
        accuracy=acc_h.reshape(n_act, *shape, n_seeds, n_log),
        diverged=diverged.reshape(n_act, *shape, n_seeds),
        params=params_out,
        timing=timing,
        kind=kind,
        sizes=list(specs),
        config={
            **{k: v for k, v in config.items() if k not in ("activations", "seeds", "grid")},
            "learning_rate": lr,
            "devices": [str(d) for d in devs],
            "chunk_steps": chunk * log_every,
        },
    )
