r"""The sweep engine: compiled programs that train blocks of runs, one device each.

A sweep's runs of one activation are laid out in **blocks** of ``block`` runs: each
block is trained by one single-device program (``vmap`` of :func:`~jaxact.make_chunk`'s
core over the block), and the blocks are dealt to the devices in turn. Every block is
thus the same computation, compiled the same way, whatever the number of runs, devices
or processes: a program partitioned over several devices (SPMD) is compiled through
other XLA passes than a single-device one, which was measured to change the last bit
of a tanh run between one device and two. A last block is padded with copies of the
first run (their results are dropped).

Programs are compiled once per :class:`ProgramKey` (what they compute: activation,
network, loss, optimizer computation, shapes of the data, block, device, chunk length)
and kept in memory: a second sweep that needs them compiles nothing. Learning rates and
other optimizer hyperparameters, seeds and data values are arguments. The initializer acts
in the initialization program only: sweeps that differ in it share the training programs.

Compilation runs in worker threads (one per core), so that several programs compile
at once and Ctrl-C in the main thread is handled between, not inside, XLA's calls: an
interrupted wait raises ``KeyboardInterrupt`` at once, and a compile already running
finishes in its thread before the process exits.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
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

__all__ = ["ProgramKey", "block_size", "compiled_programs", "put"]

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


@dataclasses.dataclass(frozen=True)
class ProgramKey:
    """What a compiled program of the engine computes (the key of its cache).

    Attributes:
      activation: the catalog name of the hidden activation.
      specs: the layer specs.
      kind: the loss kind.
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
    """

    activation: str
    specs: tuple[tuple[int, int], ...]
    kind: str
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


@dataclasses.dataclass
class Programs:
    """The compiled programs of one :class:`ProgramKey`.

    Attributes:
      start: ``(seeds, hyperparams) -> carry`` (``seeds`` int32 ``(block,)``).
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
        kind=key.kind,
        optimizer=tx,
        init=key.init,
        log_every=key.log_every,
        dtype=jnp.dtype(key.dtype),
        precision=key.precision,
    )


def _start_fn(key: ProgramKey, tx: optax.GradientTransformation) -> Any:
    core = _core(key, tx)

    def start(seeds: Array, hp: dict[str, Array]) -> Any:
        return jax.vmap(lambda s, h: core.start(jax.random.key(s), h))(seeds, hp)

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
    seeds = jax.ShapeDtypeStruct((key.block,), np.int32, sharding=sh)
    hp = {
        k: jax.ShapeDtypeStruct((key.block,), np.dtype(d), sharding=sh) for k, d in key.hyperparams
    }
    return x, y, seeds, hp


def _start_key(key: ProgramKey) -> ProgramKey:
    """The key of ``key``'s initialization program: activations that agree on the
    initializer and on their learnable parameters (and defaults) share it, since
    ``init_mlp`` depends on the activation only through them."""
    rec = _acts.get(key.activation)
    how = key.init if key.init is not None else _init.default_init(rec)
    learnable = tuple((p, float(rec.defaults[p])) for p in rec.learnable)
    return dataclasses.replace(
        key,
        activation=f"init {how!r} {learnable!r}",
        kind="",
        log_every=0,
        precision="",
        test=None,
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
    options = _train.compiler_options(key.device.platform, start=what == "start")
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


def _run_in_threads(tasks: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run ``tasks`` in worker threads and wait for them in this one (Ctrl-C safe)."""
    pool = concurrent.futures.ThreadPoolExecutor(
        max_workers=max(1, min(len(tasks), os.cpu_count() or 1)),
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
