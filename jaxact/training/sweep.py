r"""Sweeps: train activations x architectures x hyperparameters x seeds, the same bits.

:func:`sweep` trains one MLP per (activation, architecture, grid point, seed) on the
same data and returns a :class:`~jaxact.SweepResult`: loss and accuracy (and held-out
loss and accuracy) as arrays with dims ``(activation, *grid axes, seed, log step)``,
divergence flags, summaries across seeds with 95% confidence intervals, CSV / JSON /
plot export, and :meth:`~jaxact.SweepResult.replay` of any one run.

The arguments are checked once into a frozen record
(:class:`~jaxact.training.settings.SweepSettings`, also :func:`sweep_settings`); the work
is laid out and trained by the block engine (:mod:`jaxact.training.engine`): the runs of
each activation and architecture in blocks, by one compiled program per (activation,
architecture) and chunk length, the blocks dealt to the devices. :func:`sweep` only
checkpoints and reports.

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
  the settings. The default block follows the number of runs per (activation,
  architecture) (:func:`~jaxact.training.engine.default_block`), so a sweep computes
  almost no padding; it is recorded in the result (``config["block"]``) and the
  checkpoint, and :meth:`~jaxact.SweepResult.replay` and a resume use it. Runs of two
  sweeps are bitwise equal when their blocks are (pass ``block=`` to compare sweeps of
  different sizes).
* **Compiled once.** Programs are kept by what they compute
  (:class:`~jaxact.training.engine.ProgramKey`): a second sweep with an equal
  optimizer (a new ``optax.adam(1e-2)``), another learning rate or grid values, another
  list of seeds in a block of the same size, or some of the activations already
  compiled, compiles nothing. Before compiling, the sweep says how many programs it
  compiles.
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

import inspect
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
from jaxact.training import checkpoint as _ckpt, engine as _engine
from jaxact.training.results import SweepResult, flag_diverged
from jaxact.training.settings import SweepSettings

Array = jax.Array

__all__ = [
    "SweepResult",
    "SweepSettings",
    "run_sweep",
    "sweep",
    "sweep_settings",
    "use_cpu_devices",
]


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


# Over 80 lines: the docstring documents each of the 24 arguments; the body is two lines.
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
    batch_size: int | None = None,
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
      hidden: hidden widths, used when ``sizes`` is ``None``. Default ``None``:
        :data:`~jaxact.training.train.DEFAULT_HIDDEN`.
      depth: the number of hidden layers, an int or a list of ints ≥ 0 (a list sweeps
        them: an axis ``"depth"``). With ``width``, the hidden layers are ``(width,) *
        depth``; it replaces ``hidden`` and ``sizes`` (giving both is an error). Default
        ``None``: ``len(DEFAULT_HIDDEN)`` when ``width`` is given.
      width: the width of every hidden layer, an int or a list of ints ≥ 1 (a list
        sweeps them: an axis ``"width"``; lists of both ``depth`` and ``width`` sweep
        their product on one axis ``"hidden"``, depth-major). Default ``None``:
        ``DEFAULT_HIDDEN[0]`` when ``depth`` is given.
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
        :func:`~jaxact.split_task`), with the training data's width, loss and classes
        (:func:`~jaxact.prepare_test`). At every logged step each run's loss and
        accuracy on it are computed on the device with the parameters of that step:
        ``SweepResult.test_loss`` and ``test_accuracy``. It does not change the
        training numbers. Default ``None``.
      loss: ``"softmax"``, ``"binary"`` or ``"regression"``. Default: the task's loss, or
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
      block: runs per device per program. Default ``None``: follows the runs per
        (activation, architecture), capped at 32 on CPU and 1024 on accelerators
        (:func:`~jaxact.training.engine.default_block`: less than one padding run per
        block). Part of the fingerprint: another block may round differently.
      precision: matmul precision (see :func:`~jaxact.make_chunk`). Default
        ``"highest"``.
      batch_size: rows per step, drawn for each run and step from the run's own key
        (:func:`~jaxact.make_chunk`): a positive int, at most the samples. Default
        ``None``: full batch.

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
    arguments = dict(locals())
    del arguments["data"]
    return run_sweep(SweepSettings.create(data, arguments))


def sweep_settings(data: Any, **arguments: Any) -> SweepSettings:
    """The checked settings of ``sweep(data, **arguments)``, without training anything.

    Args:
      data: as for :func:`sweep`.
      **arguments: keyword arguments of :func:`sweep`; the others take its defaults.

    Returns:
      A frozen :class:`~jaxact.training.settings.SweepSettings` for :func:`run_sweep`.

    Raises:
      ValueError / TypeError: every error of :func:`sweep`'s checks; an unknown argument.

    Examples:
      >>> import jaxact as ja
      >>> s = ja.sweep_settings(ja.load_task("iris"), activations=["relu"], seeds=4, steps=10)
      >>> s.specs[0], s.block, s.batch_size
      ([(4, 6), (6, 6), (6, 3)], 4, None)
    """
    bound = inspect.signature(sweep).bind(data, **arguments)
    bound.apply_defaults()
    args = dict(bound.arguments)
    return SweepSettings.create(args.pop("data"), args)


def run_sweep(s: SweepSettings) -> SweepResult:
    """Train the sweep of settings ``s`` (from :func:`sweep_settings`); see :func:`sweep`.

    Examples:
      >>> import jaxact as ja
      >>> s = ja.sweep_settings(ja.load_task("xor"), activations=["tanh"], seeds=2,
      ...                       steps=20, log_every=10, progress=False)
      >>> ja.run_sweep(s).loss.shape
      (1, 2, 3)
    """
    t_begin = time.perf_counter()
    timing = {"trace": 0.0, "compile": 0.0, "run": 0.0, "checkpoint": 0.0}
    plan, is_main = s.plan(), jax.process_index() == 0
    config_text, digest = _ckpt.fingerprint(s.config(), s.x, s.y)
    saved = _load(s.checkpoint, config_text, digest)
    finished = saved is not None and int(saved["done"]) == plan.steps
    used = {(a, plan.device(a, b)) for a in plan.names for b in plan.local_blocks(a)}
    keys = {(a, d): s.program_key(a, d) for a, d in sorted(used, key=str)}
    carry = {a: _engine.carry_shapes(s.program_key(a, plan.devices[0]), s.tx) for a in plan.names}
    progs = {}
    if not finished:
        compiled = _engine.compiled_programs(
            {k: s.tx for k in keys.values()},
            plan.chunks,
            announce=_announce if s.progress and is_main else None,
            timing=timing,
        )
        progs = {ad: compiled[k] for ad, k in keys.items()}
    t_run = time.perf_counter()
    if saved is not None:
        _ckpt.check_leaves(s.checkpoint, saved, _real_leaves(plan, carry))
        state = _engine.restore(plan, saved, carry)
    else:
        state = _engine.start(plan, progs, carry)
    bar = _bar(plan, state.done) if s.progress and is_main else None
    after = _after(s, plan, config_text, digest, timing, bar, is_main)
    try:
        if not finished:
            xy = {
                d: tuple(_engine.put(v, d) for v in (s.x, s.y, *s.test)) for d in plan.local_devices
            }
            metrics = [
                "accuracy",
                "finite",
                "loss",
                *(("test_accuracy", "test_loss") * bool(s.test)),
            ]
            _engine.train(
                plan, state, progs, xy, after, sync=s.checkpoint is not None, metrics=metrics
            )
        params = _final_params(s, plan, state) if s.keep_params else None
    finally:
        if bar is not None:
            bar.close()
    timing["run"] = time.perf_counter() - t_run - timing["checkpoint"]
    timing["total"] = time.perf_counter() - t_begin
    return _result(s, plan, state, params, timing)


def _announce(n: int) -> None:
    print(f"compiling {n} program{'s' * (n > 1)} ...", file=sys.stderr, flush=True)


def _bar(plan: _engine.Plan, done: int) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=plan.steps,
        initial=done,
        unit="step",
        desc=f"sweep {len(plan.names)}x{plan.n_real} runs",
        file=sys.stderr,
        dynamic_ncols=True,
    )


def _after(
    s: SweepSettings,
    plan: _engine.Plan,
    config_text: str,
    digest: str,
    timing: dict[str, float],
    bar: Any,
    is_main: bool,
) -> Callable[[_engine.State, int], None]:
    """What follows each chunk: the checkpoint (every process fetches, process 0 writes),
    then the progress bar."""

    def after(state: _engine.State, n: int) -> None:
        if s.checkpoint is not None:
            t0 = time.perf_counter()
            arrays = _saved_arrays(plan, state, config_text, digest)
            if is_main:
                _ckpt.write(s.checkpoint, arrays)
            timing["checkpoint"] += time.perf_counter() - t0
        if bar is not None:
            bar.update(n)

    return after


def _real_leaves(plan: _engine.Plan, carry: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Per group, the shapes of the carry's leaves for the real runs only."""
    return {
        a: [jax.ShapeDtypeStruct((plan.n_real, *v.shape[1:]), v.dtype) for v in jax.tree.leaves(c)]
        for a, c in carry.items()
    }


def _final_params(s: SweepSettings, plan: _engine.Plan, state: _engine.State) -> dict[str, Any]:
    out = {}
    shape = (*(v.size for v in s.grid.values()), s.seeds.size)
    for a, leaves in _engine.carries(plan, state).items():
        tree = jax.tree.structure(state.shapes[a][0])
        n = tree.num_leaves
        out[a] = jax.tree.unflatten(tree, [g.reshape(*shape, *g.shape[1:]) for g in leaves[:n]])
    return out


def _saved_arrays(
    plan: _engine.Plan, state: _engine.State, config_text: str, digest: str
) -> dict[str, np.ndarray]:
    arrays = {
        "format": np.asarray(_ckpt.FORMAT),
        "fingerprint": np.asarray(digest),
        "config": np.asarray(config_text),
        "done": np.asarray(state.done),
        **{f"log.{k}": v for k, v in state.logs.items()},
    }
    for a, leaves in _engine.carries(plan, state).items():
        for j, v in enumerate(leaves):
            arrays[f"carry.{a}.{j}"] = v
    return arrays


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
    state = "none"
    if saved is not None:
        logs = _ckpt.fingerprint({}, saved["log.loss"], saved["log.accuracy"])[1]
        state = f"{int(saved['done'])}:{logs}"
    _ckpt.agree(f"{digest}/{state}/{error is None}")
    if error is not None:
        raise error
    return saved


def _result(
    s: SweepSettings,
    plan: _engine.Plan,
    state: _engine.State,
    params: Any,
    timing: dict[str, float],
) -> SweepResult:
    archs, n_arch, groups = s.archs, len(s.archs.hidden), s.groups
    lead = (
        len(s.activations),
        *((n_arch,) if archs.dim else ()),
        *(v.size for v in s.grid.values()),
        s.seeds.size,
    )
    t = plan.logged.size
    logs = state.logs
    diverged = flag_diverged(logs["loss"], logs["finite"][..., -1])
    config = s.config()
    if params is not None and archs.dim is not None:
        params = {
            a: [params[_group_of(groups, a, i)] for i in range(n_arch)] for a in s.activations
        }

    def metric(k: str) -> np.ndarray | None:
        return None if k not in logs else logs[k].reshape(*lead, t)

    return SweepResult(
        activations=list(s.activations),
        grid=s.grid,
        seeds=s.seeds,
        steps=plan.logged,
        loss=metric("loss"),
        accuracy=metric("accuracy"),
        diverged=diverged.reshape(lead),
        params=params,
        timing=timing,
        kind=s.loss,
        sizes=list(s.specs[0]) if archs.dim is None else [list(v) for v in s.specs],
        config={
            **{k: v for k, v in config.items() if k not in ("activations", "seeds", "grid")},
            "learning_rate": config["optimizer"].get("learning_rate"),
            "task": s.task,
            "devices": [str(d) for d in plan.devices],
            "chunk_steps": plan.chunks[0],
        },
        fit_settings=s.fit_arguments(),
        test_loss=metric("test_loss"),
        test_accuracy=metric("test_accuracy"),
        architecture=None
        if archs.dim is None
        else {
            "dim": archs.dim,
            "coords": list(archs.coords),
            "hidden": list(archs.hidden),
            "sizes": [list(v) for v in s.specs],
        },
    )


def _group_of(groups: Mapping[str, tuple[str, int]], activation: str, i: int) -> str:
    return next(g for g, ai in groups.items() if ai == (activation, i))
