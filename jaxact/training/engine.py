r"""The block engine: the plan of blocks, their compiled programs, the devices they run on.

The engine owns everything between a list of runs and their numbers: the **plan**
(:class:`Plan`: runs in blocks, the padding of a last block, the blocks dealt to the
devices, the chunks of steps, gathering the blocks' rows from every process), the
**programs** (:class:`ProgramKey`, compiled once and cached) and the **training** of a
plan (:func:`start`, :func:`train`). :func:`~jaxact.fit` is a plan of one run and
:func:`~jaxact.training.sweep` a plan of many: the same programs, the same bits.

A sweep's runs of one activation are laid out in **blocks** of ``block`` runs: each
block is trained by one single-device program (``vmap`` of :func:`~jaxact.make_chunk`'s
core over the block), and the blocks are dealt to the devices in turn. Every block is
thus the same computation, compiled the same way, whatever the number of runs, devices
or processes: a program partitioned over several devices (SPMD) is compiled through
other XLA passes than a single-device one, which was measured to change the last bit
of a tanh run between one device and two. A last block is padded with copies of the
first run (their results are dropped).

**The block size.** XLA compiles a block of another size into other kernels, whose sums
may round differently (measured on CPU, float32: tanh and gelu runs differ by one ulp
between blocks of 1, 2, 3, 5 and blocks of 4, 8, 16, 27, 32), so a run's
bits are those of its block size. By default (:func:`default_block`) the block follows the
runs per (activation, architecture): all of them in one block up to a cap (32 runs on
CPU, 1024 on accelerators), else the fewest blocks of at most the cap, filled evenly, so
that padding is less than one run per block: more than 96% of the computed runs are real.
The block is recorded in the result and the checkpoint, and ``replay`` and a resume use it.

Programs are compiled once per :class:`ProgramKey` (what they compute: activation,
network, loss, optimizer computation, shapes of the data, block, device, chunk length)
and kept in memory: a second sweep that needs them compiles nothing. Learning rates and
other optimizer hyperparameters, seeds and data values are arguments. The initializer acts
in the initialization program only: sweeps that differ in it share the training programs.

**Cores.** On CPU a compiled program runs in the thread that calls it, on one core for
networks this small; so the blocks run in worker threads, one per core, each worker
taking the next (chunk, block) whose block is ready, so that no block waits for the
others between chunks (on the reference sweep of 7 activations x 32 seeds, 2.8x the
plain ``jit(vmap(scan))`` program on 2 cores, against 1.3x on one thread). A block's
bits do not depend on the thread that runs it.

Compilation runs in worker threads (one per core), so that several programs compile
at once and Ctrl-C in the main thread is handled between, not inside, XLA's calls: an
interrupted wait raises ``KeyboardInterrupt`` at once, and a compile already running
finishes in its thread before the process exits.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import heapq
import itertools
import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.sharding import SingleDeviceSharding

from jaxact.catalog import activations as _acts
from jaxact.nn import init as _init
from jaxact.training import train as _train

Array = jax.Array

__all__ = [
    "Plan",
    "ProgramKey",
    "State",
    "block_size",
    "cached",
    "carries",
    "chunk_lengths",
    "clear_cache",
    "compiled_programs",
    "cores",
    "default_block",
    "export",
    "grid_points",
    "make_plan",
    "put",
    "restore",
    "seed_keys",
    "start",
    "train",
]

#: Runs per device per program on CPU: the fastest block for small networks (per
#: model-step 23 µs at 8 runs, 14.5 µs at 32, 21 µs at 128 for the 4-6-6-3 network).
CPU_BLOCK = 32
#: Runs per device per program on accelerators, where a block is one kernel launch.
ACCELERATOR_BLOCK = 1024


def block_size(platform: str) -> int:
    """The default number of runs per device per program on ``platform``.

    Examples:
      >>> from jaxact.training import engine
      >>> engine.block_size("cpu"), engine.block_size("gpu")
      (32, 1024)
    """
    return CPU_BLOCK if platform == "cpu" else ACCELERATOR_BLOCK


def default_block(runs: int, platform: str) -> int:
    """The default block of ``runs`` runs per (activation, architecture) on ``platform``.

    All the runs in one block up to :func:`block_size` (the cap), else the fewest blocks
    of at most the cap, as even as can be: a block of ``ceil(r / ceil(r / c))`` for
    ``r`` runs and cap ``c``, so that less than one run per
    block is padding (more than 96% of the computed runs are real on CPU).

    Examples:
      >>> from jaxact.training import engine
      >>> engine.default_block(4, "cpu"), engine.default_block(33, "cpu"), engine.default_block(
      ...     224, "cpu"), engine.default_block(4000, "gpu")
      (4, 17, 32, 1000)
    """
    cap = block_size(platform)
    return -(-runs // -(-runs // cap))


def seed_keys(seeds: np.ndarray) -> np.ndarray:
    """The key data of ``jax.random.key(s)`` for each seed, ``(len(seeds), *key_shape)``.

    For the default threefry keys (data ``[0, s]`` for a seed in ``[0, 2**31 - 1]``) it is
    computed on the host; otherwise key by key.
    """
    seeds = np.asarray(seeds, np.int64)
    if jax.config.jax_default_prng_impl == "threefry2x32":
        return np.stack([np.zeros_like(seeds), seeds], axis=-1).astype(np.uint32)
    return np.stack([np.asarray(jax.random.key_data(jax.random.key(int(s)))) for s in seeds])


@dataclasses.dataclass(frozen=True)
class ProgramKey:
    """What a compiled program of the engine computes (the key of its cache).

    Attributes:
      activation: the catalog name of the hidden activation (or a callable).
      specs: the layer specs.
      loss: the loss's name.
      optimizer: the optimizer's computation (:class:`~jaxact.OptimizerKey`).
      init: the initializer (name, callable or ``None``).
      dtype: the floating dtype.
      log_every: the logging period.
      precision: the matmul precision.
      hyperparams: names and dtypes of the per-run optimizer hyperparameters.
      block: runs per program.
      device: the device the program runs on.
      x, y: shapes and dtypes of the data.
      test: shapes and dtypes of the held-out data ``(x, y)``, or ``None``.
      impl: the PRNG implementation of the runs' keys.
      diagnostics: the history adds gradient norms, dead and saturated fractions.
      batch_size: rows per step (``None``: full batch).
    """

    activation: Any
    specs: tuple[tuple[int, int], ...]
    loss: str
    optimizer: _train.OptimizerKey
    init: Any
    dtype: str
    log_every: int
    precision: str
    hyperparams: tuple[tuple[str, str], ...]
    block: int
    device: Any
    x: tuple[tuple[int, ...], str]
    y: tuple[tuple[int, ...], str]
    test: tuple[tuple[tuple[int, ...], str], ...] | None = None
    impl: str = "threefry2x32"
    diagnostics: bool = False
    batch_size: int | None = None


@dataclasses.dataclass
class Programs:
    """The compiled programs of one :class:`ProgramKey`.

    Attributes:
      start: ``(keys, hyperparams) -> carry`` (``keys``: key data ``(block, *key_shape)``).
      advance: chunk length -> ``(carry, x, y, *test) -> (carry, history)`` (``test``:
        the held-out ``x, y`` when the key has them).
      carry: the carry's ``jax.ShapeDtypeStruct`` leaves' tree, for one block.
    """

    start: Any
    advance: dict[int, Any]
    carry: Any


_CACHE: collections.OrderedDict[tuple[ProgramKey, Any], Any] = collections.OrderedDict()
_CACHE_SIZE = 64
_LOCK = threading.Lock()


def put(a: np.ndarray, device: Any) -> Array:
    """The host array ``a`` on ``device``."""
    return jax.device_put(np.asarray(a), device)


def _core(key: ProgramKey, tx: optax.GradientTransformation) -> _train.Chunk:
    return _train.make_chunk(
        key.specs,
        activation=key.activation,
        loss=key.loss,
        optimizer=tx,
        init=key.init,
        log_every=key.log_every,
        diagnostics=key.diagnostics,
        dtype=jnp.dtype(key.dtype),
        precision=key.precision,
        batch_size=key.batch_size,
    )


def _start_fn(key: ProgramKey, tx: optax.GradientTransformation) -> Any:
    core = _core(key, tx)

    def start(keys: Array, hp: dict[str, Array]) -> Any:
        keys = jax.random.wrap_key_data(keys, impl=key.impl)
        return jax.vmap(core.start)(keys, hp)

    return jax.jit(start)


def _advance_fn(key: ProgramKey, tx: optax.GradientTransformation, n_steps: int) -> Any:
    core = _core(key, tx)

    def advance(carry: Any, x: Array, y: Array, *test: Array) -> Any:
        held_out = tuple(test) or None
        return jax.vmap(lambda c: core.advance(c, (x, y), n_steps, held_out))(carry)

    return jax.jit(advance, donate_argnums=(0,))


def _abstract(key: ProgramKey) -> tuple[Any, Any, Any, dict[str, Any]]:
    sh = SingleDeviceSharding(key.device)
    x = jax.ShapeDtypeStruct(key.x[0], np.dtype(key.x[1]), sharding=sh)
    y = jax.ShapeDtypeStruct(key.y[0], np.dtype(key.y[1]), sharding=sh)
    shape = jax.random.key_data(jax.random.key(0, impl=key.impl)).shape
    seeds = jax.ShapeDtypeStruct((key.block, *shape), np.uint32, sharding=sh)
    hp = {
        k: jax.ShapeDtypeStruct((key.block,), np.dtype(d), sharding=sh) for k, d in key.hyperparams
    }
    return x, y, seeds, hp


def _start_key(key: ProgramKey) -> ProgramKey:
    """The key of ``key``'s initialization program: activations that agree on the
    initializer and on their learnable parameters (and defaults) share it, since
    ``init_mlp`` depends on the activation only through them."""
    if not isinstance(key.activation, str):
        return dataclasses.replace(
            key, loss="", log_every=0, precision="", test=None, diagnostics=False
        )
    rec = _acts.get(key.activation)
    how = key.init if key.init is not None else _init.default_init(rec)
    learnable = tuple((p, float(rec.defaults[p])) for p in rec.learnable)
    return dataclasses.replace(
        key,
        activation=f"init {how!r} {learnable!r}",
        loss="",
        log_every=0,
        precision="",
        test=None,
        diagnostics=False,
    )


def _advance_key(key: ProgramKey) -> ProgramKey:
    """The key of ``key``'s training programs: the initializer is not in them (it acts in
    ``start`` only), so runs that differ only in it share them."""
    return dataclasses.replace(key, init=None)


_SHAPES: dict[ProgramKey, Any] = {}


def carry_shapes(key: ProgramKey, tx: optax.GradientTransformation) -> Any:
    """The carry of one block, as ``jax.ShapeDtypeStruct`` leaves (traced once, not compiled)."""
    start = _start_key(key)
    with _LOCK:
        shapes = _SHAPES.get(start)
    if shapes is None:
        _, _, seeds, hp = _abstract(key)
        shapes = _start_fn(key, tx).eval_shape(seeds, hp)
        with _LOCK:
            _SHAPES[start] = shapes
            while len(_SHAPES) > _CACHE_SIZE:
                _SHAPES.pop(next(iter(_SHAPES)))
    return shapes


def _compile(key: ProgramKey, tx: optax.GradientTransformation, what: Any) -> tuple[Any, float]:
    """Trace, lower and compile one program: ``what`` is ``"start"`` or a chunk length.

    Returns the compiled program and the seconds spent tracing and lowering it.
    """
    t0 = time.perf_counter()
    x, y, seeds, hp = _abstract(key)
    width = max((o for _, o in key.specs[:-1]), default=0)
    options = _train.compiler_options(key.device.platform, start=what == "start", width=width)
    if what == "start":
        lowered = _start_fn(key, tx).trace(seeds, hp).lower()
        t1 = time.perf_counter()
        return lowered.compile(compiler_options=options), t1 - t0
    carry = jax.tree.map(
        lambda s: jax.ShapeDtypeStruct(s.shape, s.dtype, sharding=SingleDeviceSharding(key.device)),
        carry_shapes(key, tx),
    )
    test = [jax.ShapeDtypeStruct(s, np.dtype(d), sharding=x.sharding) for s, d in key.test or ()]
    lowered = _advance_fn(key, tx, what).trace(carry, x, y, *test).lower()
    t1 = time.perf_counter()
    return lowered.compile(compiler_options=options), t1 - t0


def export(
    key: ProgramKey,
    tx: optax.GradientTransformation,
    what: str | int,
    platforms: Sequence[str] = ("cuda", "tpu"),
) -> Any:
    """One program of ``key`` serialized for ``platforms`` with :func:`jax.export.export`.

    ``what`` is ``"start"`` or a chunk length (an ``advance`` program). Exporting fails
    (``ValueError``) on what cannot run on those platforms: a custom call that is not
    stable across platforms, a host callback.

    Returns:
      The :class:`jax.export.Exported`.
    """
    plain = dataclasses.replace(key, device=None)
    x, y, seeds, hp = (_unplaced(v) for v in _abstract(key))
    if what == "start":
        return jax.export.export(_start_fn(plain, tx), platforms=platforms)(seeds, hp)
    carry = _unplaced(carry_shapes(key, tx))
    test = [jax.ShapeDtypeStruct(s, np.dtype(d)) for s, d in key.test or ()]
    fn = _advance_fn(plain, tx, int(what))
    return jax.export.export(fn, platforms=platforms)(carry, x, y, *test)


def _unplaced(tree: Any) -> Any:
    return jax.tree.map(lambda s: jax.ShapeDtypeStruct(s.shape, s.dtype), tree)


def compiled_programs(
    keys: Mapping[ProgramKey, optax.GradientTransformation],
    chunk_lengths: Iterable[int],
    *,
    announce: Callable[[int], None] | None = None,
    timing: dict[str, float] | None = None,
) -> dict[ProgramKey, Programs]:
    """The compiled programs of each key, from the cache or compiled now, in threads.

    Args:
      keys: program key -> an optimizer that computes what the key says.
      chunk_lengths: the chunk lengths (in steps) to compile ``advance`` for.
      announce: called with the number of programs to compile, before compiling any.
      timing: if given, ``timing["compile"]`` is increased by the wall time of the
        compile phase and ``timing["trace"]`` by the seconds spent tracing and lowering,
        summed over the programs (they compile in parallel threads).

    Returns:
      key -> :class:`Programs`.

    Raises:
      KeyboardInterrupt: Ctrl-C while waiting; programs not yet started are cancelled.
    """
    lengths = sorted(set(chunk_lengths))
    jobs: dict[tuple[ProgramKey, Any], Callable[[], Any]] = {}
    for k, tx in keys.items():
        # the initialization, once per class of activations (traced with the first)
        jobs.setdefault((_start_key(k), "start"), lambda k=k, tx=tx: _compile(k, tx, "start"))
        for n in lengths:
            jobs.setdefault((_advance_key(k), n), lambda k=k, tx=tx, n=n: _compile(k, tx, n))
    with _LOCK:
        missing = [j for j in jobs if j not in _CACHE]
    if missing:
        if announce is not None:
            announce(len(missing))
        t0 = time.perf_counter()
        results = _run_in_threads([jobs[j] for j in missing])
        with _LOCK:
            for j, (r, _) in zip(missing, results, strict=True):
                _CACHE[j] = r
        if timing is not None:
            timing["compile"] = timing.get("compile", 0.0) + time.perf_counter() - t0
            timing["trace"] = timing.get("trace", 0.0) + sum(t for _, t in results)
    out = {}
    with _LOCK:
        for j in jobs:
            _CACHE.move_to_end(j)
        for k in keys:
            start = _CACHE[(_start_key(k), "start")]
            out[k] = Programs(
                start=start,
                advance={n: _CACHE[(_advance_key(k), n)] for n in lengths},
                carry=start.out_info,
            )
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return out


def clear_cache() -> None:
    """Forget every compiled program and carry shape: the next plan compiles anew."""
    with _LOCK:
        _CACHE.clear()
        _SHAPES.clear()


def cached() -> list[tuple[ProgramKey, Any, Any]]:
    """The programs in the cache, oldest first: ``(key, "start" or a chunk length,
    compiled program)``."""
    with _LOCK:
        return [(k, what, v) for (k, what), v in _CACHE.items()]


def cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _run_in_threads(tasks: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run ``tasks`` in worker threads (one per core at most) and wait for them in this
    one (Ctrl-C safe)."""
    pool = concurrent.futures.ThreadPoolExecutor(
        max_workers=max(1, min(len(tasks), cores())),
        thread_name_prefix="jaxact-compile",
    )
    futures = [pool.submit(t) for t in tasks]
    try:
        done = [f.result() for f in futures]
    except BaseException:
        for f in futures:
            f.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return done


# --------------------------------------------------------------------------------------
# The plan: which runs, in which blocks, on which devices, in which chunks
# --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Plan:
    """The layout of a list of runs (the same for every group of runs).

    Runs are ordered grid point (C order) x seed; slot ``i`` trains run ``index[i]``
    (padding slots repeat run 0); block ``b`` holds slots ``b * block ... (b + 1) *
    block - 1``. The blocks of every group (one activation and architecture) are dealt
    to the devices in turn: block ``b`` of the ``g``-th group runs on ``devices[(g *
    n_blocks + b) % len(devices)]``.

    Attributes:
      names: the groups, one program each.
      keys: ``(runs, *key_shape)`` the key data of each run.
      hp: name -> ``(slots,)`` per-run hyperparameters, padded.
      steps, log_every: the run's length and logging period.
      chunks: the steps of each chunk, in order.
      block: runs per block.
      devices: the devices the blocks are dealt to.
      index: ``(slots,)`` the run of each slot.
    """

    names: list[str]
    keys: np.ndarray
    hp: dict[str, np.ndarray]
    steps: int
    log_every: int
    chunks: list[int]
    block: int
    devices: tuple[Any, ...]
    index: np.ndarray

    @property
    def n_real(self) -> int:
        return int(self.keys.shape[0])

    @property
    def n_blocks(self) -> int:
        return self.index.size // self.block

    @property
    def useful(self) -> float:
        """The share of the computed runs that are real (not padding)."""
        return self.n_real / self.index.size

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

    def blocks(self, a: str, v: np.ndarray) -> dict[int, np.ndarray]:
        """This process's blocks of group ``a`` of ``v`` (indexed by slot)."""
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


def chunk_lengths(steps: int, log_every: int, chunk_steps: int | None = None) -> list[int]:
    """Chunk lengths: multiples of ``log_every`` (but the last), about a tenth of the run.

    Without ``chunk_steps``, the chunk is a divisor of the logging intervals when one is
    near a tenth of them, so that one program serves every chunk.

    Examples:
      >>> from jaxact.training import engine
      >>> engine.chunk_lengths(100, 10), engine.chunk_lengths(23, 5, 10)
      ([10, 10, 10, 10, 10, 10, 10, 10, 10, 10], [10, 10, 3])
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


def make_plan(
    names: list[str],
    keys: np.ndarray,
    hp: Mapping[str, np.ndarray],
    *,
    steps: int,
    log_every: int,
    chunks: list[int],
    block: int,
    devices: tuple[Any, ...],
) -> Plan:
    """The plan of ``len(keys)`` runs per group: blocks, padding, devices.

    Args:
      names: the groups of runs (one program each).
      keys: ``(runs, *key_shape)`` key data of the runs.
      hp: name -> ``(runs,)`` per-run hyperparameters (with their dtypes).
      steps, log_every, chunks: the run's steps, logging period and chunk lengths.
      block: runs per block.
      devices: the devices to deal the blocks to.

    Returns:
      A :class:`Plan`.
    """
    n_real = keys.shape[0]
    slots = -(-n_real // block) * block
    if jax.process_count() == 1:  # a small plan uses no more devices than it has blocks
        devices = devices[: len(names) * slots // block]
    index = np.where(np.arange(slots) < n_real, np.arange(slots), 0)
    return Plan(
        names=list(names),
        keys=keys,
        hp={k: np.asarray(v)[index] for k, v in sorted(hp.items())},
        steps=steps,
        log_every=log_every,
        chunks=list(chunks),
        block=block,
        devices=tuple(devices),
        index=index,
    )


def grid_points(grid: Mapping[str, np.ndarray]) -> np.ndarray:
    """``(points, axes)`` the grid's points in C order, float64."""
    return np.asarray(list(itertools.product(*grid.values())), dtype=np.float64).reshape(
        math.prod(len(v) for v in grid.values()), len(grid)
    )


# --------------------------------------------------------------------------------------
# Training a plan
# --------------------------------------------------------------------------------------


@dataclasses.dataclass
class State:
    """Where a plan stands: steps done, the logged metrics so far, the runs' carries.

    Attributes:
      done: steps done.
      logs: metric -> ``(groups, runs, T, ...)`` (filled as the chunks finish).
      carries: group -> block -> carry (this process's blocks, on their devices).
      shapes: group -> the carry of one block, as shapes.
    """

    done: int
    logs: dict[str, np.ndarray]
    carries: dict[str, dict[int, Any]]
    shapes: dict[str, Any]


def start(plan: Plan, progs: Mapping[tuple[str, Any], Programs], shapes: Mapping) -> State:
    """A fresh :class:`State`: every block's ``start`` program on its device."""
    carries: dict[str, dict[int, Any]] = {}
    keys = plan.keys[plan.index]
    for a in plan.names:
        hps = {n: plan.blocks(a, v) for n, v in plan.hp.items()}
        carries[a] = {}
        for b, k in plan.blocks(a, keys).items():
            dev = plan.device(a, b)
            hp = {n: put(v[b], dev) for n, v in hps.items()}
            carries[a][b] = progs[a, dev].start(put(k, dev), hp)
    return State(done=0, logs={}, carries=carries, shapes=dict(shapes))


def restore(plan: Plan, saved: Mapping[str, np.ndarray], shapes: Mapping[str, Any]) -> State:
    """The :class:`State` of a checkpoint: every run's carry (``carry.<group>.<leaf>``,
    ``(runs, ...)``) and the logs (``log.<metric>``) of ``saved``, dealt to the blocks."""
    carries = {}
    for a in plan.names:
        leaves, tree = jax.tree.flatten(shapes[a])
        per_leaf = [plan.blocks(a, saved[f"carry.{a}.{j}"][plan.index]) for j in range(len(leaves))]
        carries[a] = {
            b: jax.tree.unflatten(tree, [put(p[b], plan.device(a, b)) for p in per_leaf])
            for b in plan.local_blocks(a)
        }
    logs = {k[4:]: np.array(v) for k, v in saved.items() if k.startswith("log.")}
    return State(done=int(saved["done"]), logs=logs, carries=carries, shapes=dict(shapes))


def carries(plan: Plan, state: State) -> dict[str, list[np.ndarray]]:
    """Group -> the leaves of every real run's carry, ``(runs, ...)`` each (from every
    process)."""
    out = {}
    for a, blocks in state.carries.items():
        n = len(jax.tree.leaves(state.shapes[a]))
        out[a] = [
            plan.gather(a, {b: np.asarray(jax.tree.leaves(c)[j]) for b, c in blocks.items()})
            for j in range(n)
        ]
    return out


def train(
    plan: Plan,
    state: State,
    progs: Mapping[tuple[str, Any], Programs],
    data: Mapping[Any, tuple[Array, ...]],
    after: Callable[[State, int], None] | None = None,
    *,
    sync: bool = False,
    metrics: Sequence[str] | None = None,
) -> None:
    """Advance every run chunk by chunk from ``state.done`` to the end, in place.

    A chunk's programs are dispatched before the previous chunk's metrics are collected,
    so that the devices never wait for the host; with ``sync`` (a checkpoint needs each
    chunk's carries before the next) each chunk is collected before the next starts.
    ``after(state, n)`` is called after each chunk of ``n`` steps is recorded.
    ``metrics`` names the history's entries (every process gathers each, holding blocks
    or not); default: those of this process's programs.
    """
    if metrics is None:
        p = next(iter(progs.values()))
        metrics = sorted(p.advance[plan.chunks[0]].out_info[1])
    first = np.cumsum([0, *plan.chunks])
    todo = [(int(f), n) for f, n in zip(first[:-1], plan.chunks, strict=True) if f >= state.done]
    blocks = [(a, b) for a in plan.names for b in state.carries[a]]
    if len(blocks) > 1 and cores() > 1 and plan.devices[0].platform == "cpu":
        _Workers(plan, state, progs, data, blocks, todo, sync).run(after, metrics)
        return
    pending = None
    for first_step, n in todo:
        out: dict[str, dict[int, Any]] = {a: {} for a in plan.names}
        for a, b in blocks:  # dispatch every block's program
            dev = plan.device(a, b)
            state.carries[a][b], out[a][b] = progs[a, dev].advance[n](
                state.carries[a][b], *data[dev]
            )
        if pending is not None:
            _collect(plan, state, *pending, after, metrics)
        pending = (first_step, n, out)
        if sync:
            _collect(plan, state, *pending, after, metrics)
            pending = None
    if pending is not None:
        _collect(plan, state, *pending, after, metrics)


class _Workers:
    """A plan's chunks trained in worker threads, one per core (CPU).

    A compiled program runs in the thread that calls it. Each worker takes the next
    (chunk, block) whose block has done the chunk before, lowest chunk first, so that a
    block never waits for the others between chunks; the calling thread collects chunk
    ``k`` once every block has done it. With ``sync`` (a checkpoint reads the carries
    after each chunk) no block starts chunk ``k + 1`` before chunk ``k`` is collected.
    Ctrl-C stops the workers after the programs they are running.
    """

    def __init__(
        self,
        plan: Plan,
        state: State,
        progs: Mapping[tuple[str, Any], Programs],
        data: Mapping[Any, tuple[Array, ...]],
        blocks: Sequence[tuple[str, int]],
        todo: Sequence[tuple[int, int]],
        sync: bool,
    ) -> None:
        self.plan, self.state, self.progs, self.data = plan, state, progs, data
        self.blocks, self.todo = list(blocks), list(todo)
        self.ready = [(0, i) for i in range(len(blocks))]  # a heap of (chunk, block)
        self.out: list[dict[tuple[str, int], Any]] = [{} for _ in todo]
        self.done = [0] * len(todo)
        self.started = 0
        self.released = 0 if sync else len(todo)  # the last chunk a block may start
        self.sync = sync
        self.failed: list[BaseException] = []
        self.stop = False
        self.cond = threading.Condition()

    def _next(self) -> tuple[int, int] | None:
        """The next (chunk, block) to run, waiting for one; ``None``: no more."""
        with self.cond:
            while True:
                if self.stop or self.failed or self.started == len(self.todo) * len(self.blocks):
                    return None
                if self.ready and self.ready[0][0] <= self.released:
                    self.started += 1
                    return heapq.heappop(self.ready)
                self.cond.wait()

    def _work(self) -> None:
        while (task := self._next()) is not None:
            k, i = task
            a, b = self.blocks[i]
            dev = self.plan.device(a, b)
            try:
                advance = self.progs[a, dev].advance[self.todo[k][1]]
                carry, hist = jax.block_until_ready(
                    advance(self.state.carries[a][b], *self.data[dev])
                )
            except BaseException as e:  # raised again in the calling thread
                with self.cond:
                    self.failed.append(e)
                    self.cond.notify_all()
                return
            with self.cond:
                self.state.carries[a][b] = carry
                self.out[k][a, b] = hist
                self.done[k] += 1
                if k + 1 < len(self.todo):
                    heapq.heappush(self.ready, (k + 1, i))
                self.cond.notify_all()

    def run(self, after: Callable[[State, int], None] | None, metrics: Sequence[str]) -> None:
        """Train every chunk; collect each (and call ``after``) in this thread."""
        workers = [
            threading.Thread(target=self._work, name=f"jaxact-train-{j}", daemon=True)
            for j in range(min(cores(), len(self.blocks)))
        ]
        for w in workers:
            w.start()
        try:
            for k, (first_step, n) in enumerate(self.todo):
                with self.cond:
                    while self.done[k] < len(self.blocks) and not self.failed:
                        self.cond.wait(timeout=0.1)  # Ctrl-C is taken between waits
                    if self.failed:
                        raise self.failed[0]
                    got, self.out[k] = self.out[k], {}
                out: dict[str, dict[int, Any]] = {a: {} for a in self.plan.names}
                for (a, b), hist in got.items():
                    out[a][b] = hist
                _collect(self.plan, self.state, first_step, n, out, after, metrics)
                if self.sync:
                    with self.cond:
                        self.released = k + 1
                        self.cond.notify_all()
        finally:
            with self.cond:
                self.stop = True
                self.cond.notify_all()
        for w in workers:
            w.join()


def _collect(
    plan: Plan,
    state: State,
    first_step: int,
    n: int,
    out: Mapping[str, Mapping[int, Any]],
    after: Callable[[State, int], None] | None,
    metrics: Sequence[str],
) -> None:
    """Record one chunk's metrics (fetched from every block)."""
    i0, count = first_step // plan.log_every, -(-n // plan.log_every)
    last = first_step + n == plan.steps
    host = jax.device_get(out)  # every block's metrics in one transfer
    t = plan.logged.size
    for g, a in enumerate(plan.names):
        for k in sorted(metrics):
            hist = plan.gather(a, {b: np.asarray(h[k]) for b, h in host[a].items()})
            if k not in state.logs:
                fill = False if hist.dtype == bool else np.nan
                shape = (len(plan.names), plan.n_real, t, *hist.shape[2:])
                state.logs[k] = np.full(shape, fill, hist.dtype)
            state.logs[k][g, :, i0 : i0 + count] = hist[:, :count]
            if last:
                state.logs[k][g, :, -1] = hist[:, -1]
    state.done = first_step + n
    if after is not None:
        after(state, n)
