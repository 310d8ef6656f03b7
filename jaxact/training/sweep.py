r"""Sweeps: train activations x architectures x hyperparameters x seeds, the same bits.

:func:`sweep` trains one MLP per (activation, architecture, grid point, seed) on the
same data and returns a :class:`~jaxact.SweepResult`: loss and accuracy (and held-out
loss and accuracy) as arrays with dims ``(activation, *grid axes, seed, log step)``,
divergence flags, summaries across seeds with 95% confidence intervals, CSV / JSON /
plot export, and :meth:`~jaxact.SweepResult.replay` of any one run.

The work is laid out by the engine (:mod:`jaxact.training.engine`): the runs of each activation
and architecture are trained in blocks of a fixed number of runs per device, by one
compiled program per (activation, architecture) and chunk length, the run axis spread
over a mesh of devices. :func:`sweep`
only arranges the runs, checkpoints and reports.

* **Architectures and held-out data.** ``grid={"hidden": [...]}`` or ``depth`` /
  ``width`` lists sweep the hidden layers: every (activation, architecture) is trained
  by programs of its own, on an axis of the result right after ``"activation"``.
  ``test=`` held-out data are evaluated inside the chunk at the logged steps.
* **Same run, same bits.** A run's key is ``jax.random.key(seed)`` and nothing else,
  its steps are those of :func:`~jaxact.make_chunk`, and every device runs the same
  per-device program: on one backend, an (activation, grid point, seed) run gives the
  same numbers bit for bit whatever else is in the sweep (other seeds, their order,
  other activations, other grid points), on any number of devices and processes,
  after a resume on another device count, and alone (:func:`~jaxact.fit`,
  :meth:`~jaxact.SweepResult.replay`). What can change the numbers is in the
  checkpoint's fingerprint: the block size, the platform, the matmul precision, and
  the settings.
* **Compiled once.** Programs are kept by what they compute
  (:class:`~jaxact.training.engine.ProgramKey`): a second sweep with an equal
  optimizer (a new ``optax.adam(1e-2)``), another learning rate or grid values, another
  number or list of seeds, or some of the activations already compiled, compiles
  nothing. Before compiling, the sweep says how many programs it compiles.
* **Devices.** ``devices="auto"`` uses every device JAX sees (across processes); on a
  CPU, :func:`use_cpu_devices` (or ``JAX_NUM_CPU_DEVICES=n``) makes several virtual
  devices so that the runs advance on several cores. The blocks of every activation are
  dealt to the devices in turn; a sweep with fewer blocks than devices uses fewer
  devices (one process only).
* **Multi-host.** In every process call ``jax.distributed.initialize(coordinator,
  num_processes, process_id)`` (on CPU first ``jax.config.update(
  "jax_cpu_collectives_implementation", "gloo")``), then the same ``sweep(...)``: the
  mesh spans the processes' devices (``devices=N``: N in all, N / processes from each),
  each process trains its share of the runs, and every process gets the whole result.
  The processes check that they run the same sweep and resume from the same checkpoint
  before any step; only process 0 writes the checkpoint and draws the progress bar; the
  checkpoint must be on a file system that every process reads.
* **Long sweeps.** One progress bar (tqdm) for the whole sweep, updated between
  chunks. With ``checkpoint=path`` the state is written after every chunk
  (:mod:`jaxact.training.checkpoint`), so a sweep killed at any moment resumes from its last
  chunk, to the same final numbers bit for bit.
* **Divergence.** A run whose loss or parameters become non-finite, or whose loss
  explodes (:data:`~jaxact.training.results.EXPLOSION_FACTOR`), is flagged; runs never
  interact, so its neighbours are unchanged, and the summaries leave it out.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import numbers
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxact import _validate
from jaxact.catalog import activations as _acts
from jaxact.nn import init as _init, mlp as _mlp
from jaxact.training import checkpoint as _ckpt, engine as _engine, train as _train
from jaxact.training.results import SweepResult, flag_diverged

Array = jax.Array

__all__ = ["SweepResult", "sweep", "use_cpu_devices"]

_MAX_SEED = 2**31 - 1


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
        procs = jax.process_count()
        if procs == 1:
            return tuple(avail[:n])
        if n % procs:
            raise ValueError(
                f"`devices`: expected a multiple of the {procs} processes of this job (the "
                f"same number of devices from each), got {n}"
            )
        per = [[d for d in avail if d.process_index == p][: n // procs] for p in range(procs)]
        if any(len(g) < n // procs for g in per):
            raise ValueError(
                f"`devices`: asked for {n // procs} devices from each of {procs} processes, "
                f"but one has fewer ({[len(g) for g in per]})"
            )
        return tuple(d for g in per for d in g)
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


@dataclasses.dataclass(frozen=True)
class _Archs:
    """The architectures of a sweep: one, or an axis of them.

    ``dim`` is the axis name (``"hidden"``, ``"depth"`` or ``"width"``) or ``None`` for
    one architecture (``hidden`` or ``sizes``); ``coords`` its coordinates; ``hidden``
    the hidden widths of each.
    """

    dim: str | None
    coords: list[Any]
    hidden: list[tuple[int, ...]]


def _check_widths(arg: str, v: Any) -> tuple[int, ...]:
    if isinstance(v, (str, bytes, Mapping)) or not isinstance(v, (Sequence, np.ndarray)):
        raise TypeError(
            f"`{arg}`: expected hidden widths (a tuple of positive ints, e.g. (32, 32)), got "
            f"{type(v).__name__} {v!r}"
        )
    return tuple(_validate.positive_int(f"{arg}[{i}]", w) for i, w in enumerate(v))


def _int_or_ints(arg: str, v: Any, lo: int) -> tuple[list[int], bool]:
    """An int (``[v], False``) or a list of distinct ints (``list, True``), each ≥ ``lo``."""
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        vals, many = [int(v)], False
    elif isinstance(v, (Sequence, np.ndarray)) and not isinstance(v, (str, bytes)):
        bad = [u for u in v if isinstance(u, bool) or not isinstance(u, numbers.Integral)]
        if bad:
            raise TypeError(f"`{arg}`: expected ints, got {type(bad[0]).__name__} {bad[0]!r}")
        vals, many = [int(u) for u in v], True
        if not vals:
            raise ValueError(f"`{arg}`: expected at least one value, got an empty list")
        if len(set(vals)) != len(vals):
            raise ValueError(f"`{arg}`: each value once, got {vals}")
    else:
        raise TypeError(f"`{arg}`: expected an int or a list of ints, got {type(v).__name__} {v!r}")
    if min(vals) < lo:
        raise ValueError(f"`{arg}`: expected ints >= {lo}, got {vals}")
    return vals, many


def _check_archs(hidden: Any, depth: Any, width: Any, grid: Any, sizes: Any) -> _Archs:
    """The architectures from ``hidden``, ``depth`` / ``width`` or ``grid["hidden"]``."""
    given = [n for n, v in (("hidden", hidden), ("sizes", sizes)) if v is not None]
    if isinstance(grid, Mapping) and "hidden" in grid:
        clash = given + [n for n, v in (("depth", depth), ("width", width)) if v is not None]
        if clash:
            raise ValueError(
                f"`grid['hidden']`: sweeps the hidden layers, so `{clash[0]}` must be left out"
            )
        values = grid["hidden"]
        if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Sequence):
            raise TypeError(
                f"`grid['hidden']`: expected a list of hidden widths, e.g. [(32,), (32, 32)], "
                f"got {type(values).__name__} {values!r}"
            )
        hid = [_check_widths(f"grid['hidden'][{i}]", h) for i, h in enumerate(values)]
        if not hid:
            raise ValueError("`grid['hidden']`: expected at least one architecture, got none")
        if len(set(hid)) != len(hid):
            raise ValueError(f"`grid['hidden']`: each architecture once, got {hid}")
        return _Archs("hidden", hid, hid)
    if depth is None and width is None:
        return _Archs(None, [None], [(6, 6) if hidden is None else hidden])
    if given:
        raise ValueError(
            f"`depth` / `width`: they give the hidden layers, so `{given[0]}` must be left out"
        )
    depths, many_d = _int_or_ints("depth", 2 if depth is None else depth, 0)
    widths, many_w = _int_or_ints("width", 6 if width is None else width, 1)
    hid = [(w,) * d for d in depths for w in widths]
    if len(set(hid)) != len(hid):
        raise ValueError(
            f"`depth` / `width`: each architecture once, got {hid} (depth 0 has no width)"
        )
    if many_d and many_w:
        return _Archs("hidden", hid, hid)
    if many_d or many_w:
        dim = "depth" if many_d else "width"
        return _Archs(dim, depths if many_d else widths, hid)
    return _Archs(None, [None], hid)


def _check_bool(arg: str, v: Any) -> bool:
    if not isinstance(v, (bool, np.bool_)):
        raise TypeError(f"`{arg}`: expected True or False, got {type(v).__name__} {v!r}")
    return bool(v)


def _check_path(arg: str, v: Any) -> Path | None:
    if v is None:
        return None
    if not isinstance(v, (str, os.PathLike)):
        raise TypeError(f"`{arg}`: expected a file path or None, got {type(v).__name__}")
    return Path(v)


# --------------------------------------------------------------------------------------
# The plan: which runs, in which blocks, on which devices, in which chunks
# --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Plan:
    """The layout of a sweep's runs (the same for every activation).

    Runs are ordered grid point (C order) x seed; slot ``i`` trains run ``index[i]``
    (padding slots repeat run 0); block ``b`` holds slots ``b * block ... (b + 1) *
    block - 1``. The blocks of every activation are dealt to the devices in turn: block
    ``b`` of the ``g``-th activation runs on ``devices[(g * n_blocks + b) % len(devices)]``.
    """

    names: list[str]
    seeds: np.ndarray  # (S,)
    grid: dict[str, np.ndarray]
    hp: dict[str, np.ndarray]  # name -> (slots,) per-run hyperparameters, padded
    steps: int
    log_every: int
    chunks: list[int]  # the steps of each chunk, in order
    block: int
    devices: tuple[Any, ...]
    index: np.ndarray  # (slots,) run of each slot

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(v) for v in self.grid.values())

    @property
    def n_real(self) -> int:
        return math.prod(self.shape) * self.seeds.size

    @property
    def n_blocks(self) -> int:
        return self.index.size // self.block

    def device(self, a: str, b: int) -> Any:
        g = self.names.index(a)
        return self.devices[(g * self.n_blocks + b) % len(self.devices)]

    def local_blocks(self, a: str) -> list[int]:
        me = jax.process_index()
        return [b for b in range(self.n_blocks) if self.device(a, b).process_index == me]

    @property
    def local_devices(self) -> list[Any]:
        used = (self.device(a, b) for a in self.names for b in self.local_blocks(a))
        return list(dict.fromkeys(used))

    @property
    def logged(self) -> np.ndarray:
        return _train.logged_steps(self.steps, self.log_every)

    def slot_seeds(self) -> np.ndarray:
        return np.tile(self.seeds, math.prod(self.shape))[self.index].astype(np.int32)

    def blocks(self, a: str, v: np.ndarray) -> dict[int, np.ndarray]:
        """This process's blocks of activation ``a`` of ``v`` (indexed by slot)."""
        return {b: v[b * self.block : (b + 1) * self.block] for b in self.local_blocks(a)}

    def gather(self, a: str, per_block: Mapping[int, np.ndarray]) -> np.ndarray:
        """The real runs' rows from this process's blocks and every other process's."""
        some = next(iter(per_block.values()), None)
        if jax.process_count() == 1:
            return np.concatenate([per_block[b] for b in range(self.n_blocks)])[: self.n_real]
        from jax.experimental import multihost_utils

        shape, dtype = _agreed_shape(some)
        full = np.zeros((self.n_blocks, *shape), dtype)
        for b, v in per_block.items():
            full[b] = v
        every = np.asarray(multihost_utils.process_allgather(full))
        owner = [self.device(a, b).process_index for b in range(self.n_blocks)]
        rows = np.stack([every[owner[b], b] for b in range(self.n_blocks)])
        return rows.reshape(-1, *shape[1:])[: self.n_real]


def _agreed_shape(some: np.ndarray | None) -> tuple[tuple[int, ...], Any]:
    """The shape and dtype of one block's array, known to every process."""
    from jax.experimental import multihost_utils

    mine = np.zeros(9, np.int64) - 1
    if some is not None:
        mine[: some.ndim + 1] = [np.dtype(some.dtype).num, *some.shape]
    every = np.asarray(multihost_utils.process_allgather(mine))
    row = every[np.argmax(every[:, 0] >= 0)]
    num, dims = int(row[0]), [int(d) for d in row[1:] if d >= 0]
    dtype = next(t for t in np.sctypeDict.values() if np.dtype(t).num == num)
    return tuple(dims), np.dtype(dtype)


def _chunks(steps: int, log_every: int, chunk_steps: int | None) -> list[int]:
    """Chunk lengths: multiples of ``log_every`` (but the last), about a tenth of the run.

    Without ``chunk_steps``, the chunk is a divisor of the logging intervals when one is
    near a tenth of them, so that one program serves every chunk.
    """
    n_int = -(-steps // log_every)
    if chunk_steps is not None:
        per = min(chunk_steps // log_every, n_int)
    else:
        target = max(1, round(n_int / 10))
        near = [c for c in range(max(1, target // 2), 2 * target + 1) if n_int % c == 0]
        per = min(near, key=lambda c: abs(c - target)) if near else target
    size = per * log_every
    n_full, rem = divmod(steps, size)
    return [size] * n_full + ([rem] if rem else [])


def _plan(
    names: list[str],
    seeds: np.ndarray,
    grid: dict[str, np.ndarray],
    fixed_hp: Mapping[str, float],
    hp_dtypes: Mapping[str, Any],
    steps: int,
    log_every: int,
    chunk_steps: int | None,
    block: int,
    devices: tuple[Any, ...],
) -> _Plan:
    points = np.asarray(list(itertools.product(*grid.values())), dtype=np.float64)
    n_real = points.shape[0] * seeds.size
    slots = -(-n_real // block) * block
    if jax.process_count() == 1:  # a small sweep uses no more devices than it has blocks
        devices = devices[: len(names) * slots // block]
    index = np.where(np.arange(slots) < n_real, np.arange(slots), 0)
    hp = {}
    for name, dt in sorted(hp_dtypes.items()):
        if name in grid:
            per_run = np.repeat(points[:, list(grid).index(name)], seeds.size)
        else:
            per_run = np.full(n_real, fixed_hp[name])
        hp[name] = per_run[index].astype(dt)
    return _Plan(
        names=names,
        seeds=seeds,
        grid=grid,
        hp=hp,
        steps=steps,
        log_every=log_every,
        chunks=_chunks(steps, log_every, chunk_steps),
        block=block,
        devices=devices,
        index=index,
    )


# --------------------------------------------------------------------------------------
# Optimizer and grid
# --------------------------------------------------------------------------------------


def _optimizer(
    optimizer: Any, learning_rate: Any, grid: Any, params: Any
) -> tuple[optax.GradientTransformation, _train.OptimizerKey, dict[str, float], Any, dict]:
    """The optimizer, its key, the fixed per-run hyperparameters, their dtypes, the grid."""
    if isinstance(optimizer, str):
        _validate.choice("optimizer", optimizer.strip().lower(), _train.OPTIMIZERS)
        _validate.positive_float("learning_rate", learning_rate)
    tx, key, fixed = _train.resolve_optimizer(optimizer, learning_rate, params)
    with jax.numpy_dtype_promotion("standard"):
        state = jax.eval_shape(tx.init, params)
    hp0 = getattr(state, "hyperparams", None)
    names = tuple(hp0) if isinstance(hp0, dict) else None
    if key.name is not None:
        names = ("learning_rate",)
    # σ_w², σ_b² are the initializer's axes (MeanFieldInit); the rest, the optimizer's.
    axes = {k: v for k, v in (grid or {}).items() if k in _init.INIT_AXES}
    init_np = _check_grid(axes, _init.INIT_AXES)
    for k, a in init_np.items():
        if np.any(a < 0) or (k == "sigma_w2" and np.any(a == 0)):
            want = "> 0" if k == "sigma_w2" else "≥ 0"
            raise ValueError(f"`grid[{k!r}]`: expected variances {want}, got {a.tolist()}")
    opt_grid = {k: v for k, v in (grid or {}).items() if k not in _init.INIT_AXES}
    grid_np = _check_grid(opt_grid if grid is not None else None, names)
    dtypes = {k: np.dtype(hp0[k].dtype) for k in (*fixed, *grid_np)} if hp0 else {}
    dtypes |= {k: np.dtype(jax.tree.leaves(params)[0].dtype) for k in init_np}
    both = {**grid_np, **init_np}
    return tx, key, fixed, dtypes, {k: both[k] for k in (grid or {}) if k in both}


def _describe_optimizer(key: _train.OptimizerKey, fixed: Mapping[str, float]) -> dict:
    if key.name is not None:
        return {"name": key.name, "learning_rate": fixed.get("learning_rate")}
    return {"custom": key.digest}


# --------------------------------------------------------------------------------------
# State: fresh, or from a checkpoint
# --------------------------------------------------------------------------------------


@dataclasses.dataclass
class _State:
    """Where a sweep stands: steps done, metrics so far, the runs' carries."""

    done: int
    loss: np.ndarray  # (A, n_real, T)
    accuracy: np.ndarray  # (A, n_real, T)
    finite: np.ndarray  # (A, n_real)
    test_loss: np.ndarray | None  # (A, n_real, T), with held-out data
    test_accuracy: np.ndarray | None
    carries: dict[str, dict[int, Any]]  # activation -> block -> carry (this process's)
    shapes: dict[str, Any]  # activation -> the carry of a block, as shapes


def _fresh(
    plan: _Plan,
    progs: Mapping[tuple[str, Any], _engine.Programs],
    dt: Any,
    shapes: Any,
    test: bool,
) -> _State:
    carries = {}
    for a in plan.names:
        seeds = plan.blocks(a, plan.slot_seeds())
        hps = {n: plan.blocks(a, v) for n, v in plan.hp.items()}
        carries[a] = {}
        for b, s in seeds.items():
            dev = plan.device(a, b)
            hp = {n: _engine.put(v[b], dev) for n, v in hps.items()}
            carries[a][b] = progs[a, dev].start(_engine.put(s, dev), hp)
    shape = (len(plan.names), plan.n_real, plan.logged.size)
    return _State(
        done=0,
        loss=np.full(shape, np.nan, dt),
        accuracy=np.full(shape, np.nan, dt),
        finite=np.ones(shape[:2], bool),
        test_loss=np.full(shape, np.nan, dt) if test else None,
        test_accuracy=np.full(shape, np.nan, dt) if test else None,
        carries=carries,
        shapes=dict(shapes),
    )


def _restored(plan: _Plan, saved: Mapping[str, np.ndarray], carry: Mapping[str, Any]) -> _State:
    carries = {}
    for a in plan.names:
        leaves, tree = jax.tree.flatten(carry[a])
        per_leaf = [plan.blocks(a, saved[f"carry.{a}.{j}"][plan.index]) for j in range(len(leaves))]
        carries[a] = {
            b: jax.tree.unflatten(tree, [_engine.put(p[b], plan.device(a, b)) for p in per_leaf])
            for b in plan.local_blocks(a)
        }
    return _State(
        done=int(saved["done"]),
        loss=saved["loss"],
        accuracy=saved["accuracy"],
        finite=saved["finite"],
        test_loss=saved.get("test_loss"),
        test_accuracy=saved.get("test_accuracy"),
        carries=carries,
        shapes=dict(carry),
    )


def _saved_arrays(plan: _Plan, state: _State, config_text: str, digest: str) -> dict:
    arrays = {
        "format": np.asarray(_ckpt.FORMAT),
        "fingerprint": np.asarray(digest),
        "config": np.asarray(config_text),
        "done": np.asarray(state.done),
        "loss": state.loss,
        "accuracy": state.accuracy,
        "finite": state.finite,
    }
    if state.test_loss is not None:
        arrays["test_loss"] = state.test_loss
        arrays["test_accuracy"] = state.test_accuracy
    for a, blocks in state.carries.items():
        for j in range(len(jax.tree.leaves(state.shapes[a]))):
            per_block = {b: np.asarray(jax.tree.leaves(c)[j]) for b, c in blocks.items()}
            arrays[f"carry.{a}.{j}"] = plan.gather(a, per_block)
    return arrays


# --------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------


def _train_chunks(
    plan: _Plan,
    state: _State,
    progs: Mapping[tuple[str, Any], _engine.Programs],
    data: Mapping[Any, tuple[Array, Array]],
    save: Callable[[_State], None] | None,
    bar: Any,
) -> None:
    """Advance every run chunk by chunk from ``state.done`` to the end, in place.

    Without a checkpoint, a chunk's programs are dispatched before the previous chunk's
    metrics are collected, so that the devices never wait for the host.
    """
    starts = np.cumsum([0, *plan.chunks])
    todo = [(int(f), n) for f, n in zip(starts[:-1], plan.chunks, strict=True) if f >= state.done]
    pending = None
    for first_step, n in todo:
        out = {}
        for a in plan.names:  # dispatch every block's program
            out[a] = {}
            for b, c in state.carries[a].items():
                dev = plan.device(a, b)
                state.carries[a][b], out[a][b] = progs[a, dev].advance[n](c, *data[dev])
        if pending is not None:
            _collect(plan, state, *pending, save, bar)
        pending = (first_step, n, out)
        if save is not None:  # the checkpoint needs this chunk's carries before the next
            _collect(plan, state, *pending, save, bar)
            pending = None
    if pending is not None:
        _collect(plan, state, *pending, save, bar)


def _collect(
    plan: _Plan,
    state: _State,
    first_step: int,
    n: int,
    out: Mapping[str, Mapping[int, Any]],
    save: Callable[[_State], None] | None,
    bar: Any,
) -> None:
    """Record one chunk's metrics (fetched from every block), then save and report."""
    i0, count = first_step // plan.log_every, -(-n // plan.log_every)
    last = first_step + n == plan.steps
    host = jax.device_get(out)  # every block's metrics in one transfer
    logs = {"loss": state.loss, "accuracy": state.accuracy}
    if state.test_loss is not None:
        logs.update(test_loss=state.test_loss, test_accuracy=state.test_accuracy)
    for g, a in enumerate(plan.names):
        hist = {
            k: plan.gather(a, {b: np.asarray(h[k]) for b, h in host[a].items()})
            for k in (*logs, "finite")
        }
        for k, arr in logs.items():
            arr[g, :, i0 : i0 + count] = hist[k][:, :count]
            if last:
                arr[g, :, -1] = hist[k][:, -1]
        if last:
            state.finite[g] = hist["finite"][:, -1]
    state.done = first_step + n
    if save is not None:
        save(state)
    if bar is not None:
        bar.update(n)


def _load(ckpt: Path | None, config_text: str, digest: str) -> dict[str, np.ndarray] | None:
    """This sweep's checkpoint at ``ckpt`` if there is one (checked, agreed by every process).

    Checks first that the checkpoint can be written, and removes temporary files that a
    killed writer left.
    """
    saved, error = None, None
    if ckpt is not None:
        _ckpt.check_path(ckpt)
        if jax.process_index() == 0:
            _ckpt.remove_leftovers(ckpt)
        if ckpt.exists():
            try:
                saved = _ckpt.read(ckpt, config_text, digest)
            except ValueError as e:
                error = e
    state = (
        "none"
        if saved is None
        else f"{int(saved['done'])}:{_ckpt.fingerprint({}, saved['loss'], saved['accuracy'])[1]}"
    )
    _ckpt.agree(f"{digest}/{state}/{error is None}")
    if error is not None:
        raise error
    return saved


def sweep(
    data: Any,
    *,
    activations: Sequence[str | _acts.Activation],
    seeds: int | Sequence[int],
    steps: int,
    optimizer: str | optax.GradientTransformation = "adam",
    learning_rate: float = 1e-2,
    hidden: Sequence[int] | None = None,
    depth: int | Sequence[int] | None = None,
    width: int | Sequence[int] | None = None,
    sizes: Sequence[int] | Sequence[tuple[int, int]] | None = None,
    grid: Mapping[str, Sequence[Any]] | None = None,
    test: Any = None,
    loss: str | None = None,
    init: str | Callable[..., Array] | None = None,
    log_every: int = 10,
    devices: str | int | Sequence[Any] = "auto",
    checkpoint: str | os.PathLike[str] | None = None,
    progress: bool = True,
    keep_params: bool = False,
    dtype: Any = jnp.float32,
    chunk_steps: int | None = None,
    block: int | None = None,
    precision: str = "highest",
) -> SweepResult:
    r"""Train every (activation, architecture, grid point, seed); the same bits on any layout.

    Run :math:`r = (a, g, s)` trains the MLP of :func:`~jaxact.fit` with hidden
    activation :math:`a`, optimizer hyperparameters :math:`g` and initial parameters
    ``init_mlp(jax.random.key(s), ...)`` for ``steps`` full-batch steps; its loss and
    accuracy are logged at :func:`~jaxact.logged_steps` ``(steps, log_every)``. On one
    backend a run's numbers depend on its own (a, g, s) and the settings only: they
    are bit for bit those of ``fit(jax.random.key(s), data, activation=a, ...)`` and of
    the same run in any other sweep, on any number of devices (see the module
    docstring).

    Args:
      data: a :class:`~jaxact.Task` or an ``(x, y)`` pair (see
        :func:`~jaxact.prepare_data`).
      activations: catalog names (or records) of the hidden activations, each once;
        learnable ones (``"prelu"``, ``"swish_beta"``) learn their parameters per unit.
      seeds: a number ``n`` of seeds (``0 .. n-1``) or a list of distinct ints in
        [0, 2**31 - 1].
      steps: optimizer steps per run, ≥ 1 (see :func:`~jaxact.check_run_size`).
      optimizer: an optimizer name for :func:`~jaxact.make_optimizer` (``"adam"``,
        ``"sgd"``, ...) with ``learning_rate``, or an optax ``GradientTransformation``.
        Default ``"adam"``.
      learning_rate: the learning rate of a named optimizer. Default 1e-2.
      hidden: hidden widths, used when ``sizes`` is ``None``. Default ``None``: ``(6,
        6)``.
      depth: the number of hidden layers, an int or a list of ints ≥ 0 (a list sweeps
        them: an axis ``"depth"``). With ``width``, the hidden layers are ``(width,) *
        depth``; it replaces ``hidden`` and ``sizes`` (giving both is an error). Default
        ``None``: 2 when ``width`` is given.
      width: the width of every hidden layer, an int or a list of ints ≥ 1 (a list
        sweeps them: an axis ``"width"``; lists of both ``depth`` and ``width`` sweep
        their product on one axis ``"hidden"``, depth-major). Default ``None``: 6 when
        ``depth`` is given.
      sizes: layer widths ``(d, ..., k)``. Default ``None``: ``(d, *hidden, out)``.
      grid: what to sweep besides activations and seeds, name -> list of values.
        ``"hidden"`` sweeps architectures: a list of hidden widths, e.g. ``{"hidden":
        [(32,), (32,) * 4, (32,) * 8]}`` (an axis ``"hidden"`` right after
        ``"activation"``, whatever its place in ``grid``; not with ``hidden``,
        ``sizes``, ``depth`` or ``width``); every architecture is its own program,
        and a run's numbers are those of a sweep of its architecture alone. Every
        other name is an optimizer hyperparameter with a list of floats, e.g.
        ``{"learning_rate": [1e-3, 1e-2, 1e-1]}``; several names sweep their product.
        A named optimizer sweeps ``"learning_rate"``; an optimizer built with
        :func:`optax.inject_hyperparams` (``optax.inject_hyperparams(optax.adam)(
        learning_rate=1e-2)``) sweeps any of its numeric hyperparameters (``"b1"``,
        ``"eps"``, ...). Default ``None``: no grid axes.
      test: held-out data in the forms of ``data`` (e.g. from
        :func:`~jaxact.split_task`), with the training data's width, kind and classes
        (:func:`~jaxact.prepare_test`). At every logged step each run's loss and
        accuracy on it are computed on the device with the parameters of that step:
        ``SweepResult.test_loss`` and ``test_accuracy``. It does not change the
        training numbers. Default ``None``.
      loss: ``"softmax"``, ``"binary"`` or ``"regression"``. Default: the task's kind, or
        inferred from ``y``.
      init: initializer name or callable. Default: each activation's
        :func:`~jaxact.default_init`.
      log_every: logging period in steps. Default 10.
      devices: ``"auto"`` (every device JAX sees, across processes), a number of
        devices (the first ones; in several processes, as many from each), or a list of
        ``jax.Device``. Default ``"auto"``. The numbers do not depend on it.
      checkpoint: a file path. If the file holds this sweep's checkpoint, the sweep
        resumes from it (a finished sweep returns at once); it is (re)written after
        every chunk. A checkpoint of a different sweep raises ``ValueError``.
        Default ``None``: no checkpoint.
      progress: draw a progress bar (tqdm, on stderr), after a line saying how many
        programs are compiled. Default ``True``.
      keep_params: return the final parameters in ``SweepResult.params``. Default
        ``False``.
      dtype: floating dtype of the parameters and the computation. Default float32.
      chunk_steps: steps per chunk (progress and checkpoint granularity), a multiple of
        ``log_every``. Default ``None``: about a tenth of ``steps``.
      block: runs per device per program. Default ``None``: 32 on CPU, 1024 on
        accelerators (:func:`jaxact.training.engine.block_size`). Part of the fingerprint: on an
        accelerator another block may round differently.
      precision: matmul precision (see :func:`~jaxact.make_chunk`). Default
        ``"highest"``.

    Returns:
      A :class:`~jaxact.SweepResult`.

    Raises:
      ValueError: an empty or repeated activation, an unknown name (closest names
        suggested), an architecture given twice (``hidden`` or ``sizes`` with ``depth``
        / ``width`` or ``grid["hidden"]``), a repeated architecture, held-out data that
        do not match the training data, ``seeds`` / ``steps`` / ``log_every`` < 1,
        more steps or logged values than can be kept, repeated or negative seeds, an
        unknown or empty grid axis, a checkpoint of another sweep or a path that cannot
        be written, and every data error of :func:`~jaxact.prepare_data` — all before
        anything compiles.
      TypeError: arguments of the wrong type (e.g. grid values that are not numbers).

    Examples:
      >>> import jaxact as ja
      >>> res = ja.sweep(ja.load_task("xor"), activations=["relu", "tanh"], seeds=4,
      ...                steps=100, learning_rate=0.05, log_every=50, progress=False)
      >>> res.dims, res.loss.shape, res.steps.tolist()
      (('activation', 'seed', 'step'), (2, 4, 3), [0, 50, 100])
      >>> bool(res.diverged.any())
      False

      Over architectures, with held-out data:

      >>> train, test = ja.split_task(ja.load_task("iris"), test_fraction=0.2, seed=0)
      >>> res = ja.sweep(train, activations=["tanh"], seeds=2, steps=20, depth=[1, 3],
      ...                width=8, test=test, log_every=10, progress=False)
      >>> res.dims, res.coords["depth"], res.test_accuracy.shape
      (('activation', 'depth', 'seed', 'step'), [1, 3], (1, 2, 2, 3))

    References:
      C. Lu et al., "Discovered Policy Optimisation" (purejaxrl: a vmapped, scanned,
      jitted training loop), NeurIPS 2022. JAX, "Distributed arrays and automatic
      parallelization" and ``jax.shard_map``.
    """
    t_begin = time.perf_counter()
    timing = {"trace": 0.0, "compile": 0.0, "run": 0.0, "checkpoint": 0.0}
    s = _settings(
        data, activations, seeds, steps, optimizer, learning_rate, hidden, depth, width, sizes,
        grid, test, loss, init, log_every, devices, checkpoint, progress, keep_params, dtype,
        chunk_steps, block, precision,
    )  # fmt: skip
    plan, config = s.plan, s.config
    config_text, digest = _ckpt.fingerprint(config, s.x, s.y)
    saved = _load(s.checkpoint, config_text, digest)
    finished = saved is not None and int(saved["done"]) == plan.steps
    used = {(a, plan.device(a, b)) for a in plan.names for b in plan.local_blocks(a)}
    keys = {(a, d): _program_key(s, a, d) for a, d in sorted(used, key=str)}
    carry = {a: _engine.carry_shapes(_program_key(s, a, plan.devices[0]), s.tx) for a in plan.names}
    progs = {}
    if not finished:
        compiled = _engine.compiled_programs(
            {k: s.tx for k in keys.values()},
            plan.chunks,
            announce=_announce if s.progress and s.is_main else None,
            timing=timing,
        )
        progs = {ad: compiled[k] for ad, k in keys.items()}
    t_run = time.perf_counter()
    if saved is not None:
        _ckpt.check_leaves(s.checkpoint, saved, _real_leaves(plan, carry))
        state = _restored(plan, saved, carry)
    else:
        state = _fresh(plan, progs, s.dtype, carry, bool(s.test))
    save = None if s.checkpoint is None else _saver(s, plan, config_text, digest, timing)
    bar = _bar(plan, state.done) if s.progress and s.is_main else None
    try:
        if not finished:
            xy = {
                d: tuple(_engine.put(v, d) for v in (s.x, s.y, *s.test)) for d in plan.local_devices
            }
            _train_chunks(plan, state, progs, xy, save, bar)
        params = _final_params(plan, state) if s.keep_params else None
    finally:
        if bar is not None:
            bar.close()
    timing["run"] = time.perf_counter() - t_run - timing["checkpoint"]
    timing["total"] = time.perf_counter() - t_begin
    return _result(s, plan, state, params, timing)


def _announce(n: int) -> None:
    print(f"compiling {n} program{'s' * (n > 1)} ...", file=sys.stderr, flush=True)


def _bar(plan: _Plan, done: int) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=plan.steps,
        initial=done,
        unit="step",
        desc=f"sweep {len(plan.names)}x{plan.n_real} runs",
        file=sys.stderr,
        dynamic_ncols=True,
    )


def _saver(
    s: _Settings, plan: _Plan, config_text: str, digest: str, timing: dict[str, float]
) -> Callable[[_State], None]:
    def save(state: _State) -> None:
        t0 = time.perf_counter()
        arrays = _saved_arrays(plan, state, config_text, digest)  # every process fetches
        if s.is_main:
            _ckpt.write(s.checkpoint, arrays)
        timing["checkpoint"] += time.perf_counter() - t0

    return save


def _real_leaves(plan: _Plan, carry: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Per activation, the shapes of the carry's leaves for the real runs only."""
    return {
        a: [jax.ShapeDtypeStruct((plan.n_real, *v.shape[1:]), v.dtype) for v in jax.tree.leaves(c)]
        for a, c in carry.items()
    }


def _final_params(plan: _Plan, state: _State) -> dict[str, Any]:
    out = {}
    for a, blocks in state.carries.items():
        leaves, tree = jax.tree.flatten(state.shapes[a][0])
        gathered = [
            plan.gather(a, {b: np.asarray(jax.tree.leaves(c[0])[j]) for b, c in blocks.items()})
            for j in range(len(leaves))
        ]
        out[a] = jax.tree.unflatten(
            tree, [g.reshape(*plan.shape, plan.seeds.size, *g.shape[1:]) for g in gathered]
        )
    return out


# --------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Settings:
    """A sweep's checked arguments, and what follows from them."""

    x: np.ndarray
    y: np.ndarray
    test: tuple[np.ndarray, ...]  # () or (x_test, y_test)
    kind: str
    archs: _Archs
    specs: dict[str, list[tuple[int, int]]]  # group -> layer specs
    activation: dict[str, str]  # group -> activation
    tx: optax.GradientTransformation
    opt_key: _train.OptimizerKey
    init: Any
    dtype: Any
    precision: str
    plan: _Plan
    config: dict[str, Any]
    checkpoint: Path | None
    progress: bool
    keep_params: bool
    is_main: bool
    fit_settings: dict[str, Any]
    task: str


def _check_chunk_steps(chunk_steps: Any, log_every: int) -> int | None:
    if chunk_steps is None:
        return None
    chunk_steps = _validate.positive_int("chunk_steps", chunk_steps)
    if chunk_steps % log_every:
        raise ValueError(
            f"`chunk_steps`: expected a multiple of `log_every` ({log_every}), got {chunk_steps}"
        )
    return chunk_steps


def _settings(
    data: Any,
    activations: Any,
    seeds: Any,
    steps: Any,
    optimizer: Any,
    learning_rate: Any,
    hidden: Any,
    depth: Any,
    width: Any,
    sizes: Any,
    grid: Any,
    test: Any,
    loss: Any,
    init: Any,
    log_every: Any,
    devices: Any,
    checkpoint: Any,
    progress: Any,
    keep_params: Any,
    dtype: Any,
    chunk_steps: Any,
    block: Any,
    precision: Any,
) -> _Settings:
    """Check every argument of :func:`sweep` (nothing is compiled or allocated here)."""
    recs = _check_activations(activations)
    seed_list = _check_seeds(seeds)
    steps = _validate.positive_int("steps", steps)
    log_every = _validate.positive_int("log_every", log_every)
    _train.check_run_size(steps, log_every)
    chunk_steps = _check_chunk_steps(chunk_steps, log_every)
    progress = _check_bool("progress", progress)
    keep_params = _check_bool("keep_params", keep_params)
    devs = _check_devices(devices)
    ckpt = _check_path("checkpoint", checkpoint)
    dt = _validate.float_dtype("dtype", dtype)
    precision = _validate.choice("precision", precision, _train.PRECISIONS)
    platform = devs[0].platform
    block = (
        _engine.block_size(platform) if block is None else _validate.positive_int("block", block)
    )
    if init is not None:
        _init.initializer(init)
    archs = _check_archs(hidden, depth, width, grid, sizes)
    x, y, kind, specs = _train.prepare_data(
        data, sizes=sizes, hidden=archs.hidden[0], loss=loss, dtype=dt
    )
    arch_specs = [specs] + [
        _mlp.layer_specs((x.shape[1], *h, specs[-1][1])) for h in archs.hidden[1:]
    ]
    held_out = (
        () if test is None else _train.prepare_test(test, x=x, kind=kind, sizes=specs, dtype=dt)
    )
    params = jax.eval_shape(
        lambda k: _mlp.init_mlp(k, specs, activation=recs[0], init=init, dtype=dt),
        jax.random.key(0),
    )
    hp_grid = None if grid is None or not isinstance(grid, Mapping) else dict(grid)
    if hp_grid is not None:
        hp_grid.pop("hidden", None)
    elif grid is not None:
        _check_grid(grid, None)  # the type error
    tx, opt_key, fixed, hp_dtypes, grid_np = _optimizer(optimizer, learning_rate, hp_grid, params)
    groups = {_group(r.name, archs, i): (r.name, i) for r in recs for i in range(len(archs.hidden))}
    names = list(groups)
    plan = _plan(
        names, seed_list, grid_np, fixed, hp_dtypes, steps, log_every, chunk_steps, block, devs
    )
    _train.check_run_size(steps, log_every, runs=len(names) * plan.n_real)
    init_name = init if isinstance(init, str) or init is None else getattr(init, "__qualname__", "")
    config = {
        "activations": names,
        "seeds": seed_list.tolist(),
        "steps": steps,
        "log_every": log_every,
        "grid": {k: v.tolist() for k, v in grid_np.items()},
        "optimizer": _describe_optimizer(
            opt_key, {k: v for k, v in fixed.items() if k not in grid_np}
        ),
        "sizes": [list(s) for s in specs]
        if archs.dim is None
        else [[list(s) for s in sp] for sp in arch_specs],
        "architecture": None
        if archs.dim is None
        else {"dim": archs.dim, "coords": archs.coords, "hidden": archs.hidden},
        "test": None if not held_out else _ckpt.fingerprint({}, *held_out)[1],
        "kind": kind,
        "init": init_name,
        "dtype": str(dt),
        "precision": precision,
        "block": block,
        "platform": platform,
    }
    fit_settings = dict(
        data=(x, y), sizes=specs, optimizer=optimizer, learning_rate=learning_rate,
        steps=steps, loss=kind, init=init, log_every=log_every, dtype=dt, precision=precision,
        block=block, test=held_out or None,
    )  # fmt: skip
    return _Settings(
        x=x,
        y=y,
        test=held_out,
        kind=kind,
        archs=archs,
        specs={g: arch_specs[i] for g, (_, i) in groups.items()},
        activation={g: a for g, (a, _) in groups.items()},
        tx=tx,
        opt_key=opt_key,
        init=init,
        dtype=dt,
        precision=precision,
        plan=plan,
        config=config,
        checkpoint=ckpt,
        progress=progress,
        keep_params=keep_params,
        is_main=jax.process_index() == 0,
        fit_settings=fit_settings,
        task=str(getattr(data, "name", "")) if not isinstance(data, (tuple, list)) else "",
    )


def _group(activation: str, archs: _Archs, i: int) -> str:
    """The name of the runs of one activation and architecture (one program each)."""
    if archs.dim is None:
        return activation
    return f"{activation}@{'-'.join(map(str, archs.hidden[i]))}"


def _program_key(s: _Settings, group: str, device: Any) -> _engine.ProgramKey:
    return _engine.ProgramKey(
        activation=s.activation[group],
        specs=tuple(tuple(v) for v in s.specs[group]),
        kind=s.kind,
        optimizer=s.opt_key,
        init=s.init,
        dtype=str(s.dtype),
        log_every=s.plan.log_every,
        precision=s.precision,
        hyperparams=tuple((k, str(v.dtype)) for k, v in s.plan.hp.items()),
        block=s.plan.block,
        device=device,
        x=(s.x.shape, str(s.x.dtype)),
        y=(s.y.shape, str(s.y.dtype)),
        test=tuple((a.shape, str(a.dtype)) for a in s.test) or None,
    )


def _result(
    s: _Settings, plan: _Plan, state: _State, params: Any, timing: dict[str, float]
) -> SweepResult:
    acts = list(dict.fromkeys(s.activation.values()))
    archs, n_arch = s.archs, len(s.archs.hidden)
    lead = (len(acts), *((n_arch,) if archs.dim else ()), *plan.shape, plan.seeds.size)
    t = plan.logged.size
    diverged = flag_diverged(state.loss, state.finite)
    lr = s.config["optimizer"].get("learning_rate")
    sizes = [s.specs[_group(acts[0], archs, i)] for i in range(n_arch)]
    if params is not None and archs.dim is not None:
        params = {a: [params[_group(a, archs, i)] for i in range(n_arch)] for a in acts}

    def metric(v: np.ndarray | None) -> np.ndarray | None:
        return None if v is None else v.reshape(*lead, t)

    return SweepResult(
        activations=acts,
        grid=plan.grid,
        seeds=plan.seeds,
        steps=plan.logged,
        loss=metric(state.loss),
        accuracy=metric(state.accuracy),
        diverged=diverged.reshape(lead),
        params=params,
        timing=timing,
        kind=s.kind,
        sizes=list(sizes[0]) if archs.dim is None else [list(v) for v in sizes],
        config={
            **{k: v for k, v in s.config.items() if k not in ("activations", "seeds", "grid")},
            "learning_rate": lr,
            "task": s.task,
            "devices": [str(d) for d in plan.devices],
            "chunk_steps": plan.chunks[0],
        },
        fit_settings=s.fit_settings,
        test_loss=metric(state.test_loss),
        test_accuracy=metric(state.test_accuracy),
        architecture=None
        if archs.dim is None
        else {
            "dim": archs.dim,
            "coords": list(archs.coords),
            "hidden": list(archs.hidden),
            "sizes": [list(v) for v in sizes],
        },
    )
