r"""The settings of a sweep: one frozen record, checked once.

:class:`SweepSettings` holds every setting of a :func:`~jaxact.sweep` after its checks:
the data, the activations, architectures, seeds and grid, the optimizer, the steps, the
block and batch size, the devices and the checkpoint. It is built once, from
``sweep()``'s arguments (:meth:`SweepSettings.create`, :func:`~jaxact.sweep_settings`) or
from the command line, and everything else derives from it: the groups of runs and their
programs' keys (``program_key``), the plan of blocks (``plan``), the checkpoint's
fingerprint (``config``), the arguments of ``fit`` that replay one run
(``fit_arguments``) and the CSV columns of the result. Nothing is compiled here.
"""

from __future__ import annotations

import collections
import dataclasses
import numbers
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jax
import numpy as np
import optax

from jaxact import _validate
from jaxact.catalog import activations as _acts
from jaxact.nn import init as _init, mlp as _mlp
from jaxact.training import checkpoint as _ckpt, engine as _engine, train as _train

__all__ = ["DEFAULT_DEPTH", "DEFAULT_WIDTH", "Architectures", "SweepSettings"]

_MAX_SEED = 2**31 - 1
#: With ``width`` alone, the number of hidden layers (that of ``DEFAULT_HIDDEN``).
DEFAULT_DEPTH = len(_train.DEFAULT_HIDDEN)
#: With ``depth`` alone, the width of every hidden layer (that of ``DEFAULT_HIDDEN``).
DEFAULT_WIDTH = _train.DEFAULT_HIDDEN[0]


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
class Architectures:
    """The architectures of a sweep: one, or an axis of them.

    ``DEFAULT_HIDDEN`` when none is given; ``depth`` alone has layers of
    ``DEFAULT_WIDTH``, ``width`` alone ``DEFAULT_DEPTH`` layers.

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


def _check_archs(hidden: Any, depth: Any, width: Any, grid: Any, sizes: Any) -> Architectures:
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
        return Architectures("hidden", hid, hid)
    if depth is None and width is None:
        return Architectures(
            None, [None], [_train.DEFAULT_HIDDEN if hidden is None else tuple(hidden)]
        )
    if given:
        raise ValueError(
            f"`depth` / `width`: they give the hidden layers, so `{given[0]}` must be left out"
        )
    depths, many_d = _int_or_ints("depth", DEFAULT_DEPTH if depth is None else depth, 0)
    widths, many_w = _int_or_ints("width", DEFAULT_WIDTH if width is None else width, 1)
    hid = [(w,) * d for d in depths for w in widths]
    if len(set(hid)) != len(hid):
        raise ValueError(
            f"`depth` / `width`: each architecture once, got {hid} (depth 0 has no width)"
        )
    if many_d and many_w:
        return Architectures("hidden", hid, hid)
    if many_d or many_w:
        dim = "depth" if many_d else "width"
        return Architectures(dim, depths if many_d else widths, hid)
    return Architectures(None, [None], hid)


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


def _check_chunk_steps(chunk_steps: Any, log_every: int) -> int | None:
    if chunk_steps is None:
        return None
    chunk_steps = _validate.positive_int("chunk_steps", chunk_steps)
    if chunk_steps % log_every:
        raise ValueError(
            f"`chunk_steps`: expected a multiple of `log_every` ({log_every}), got {chunk_steps}"
        )
    return chunk_steps


_STATES: collections.OrderedDict[Any, Any] = collections.OrderedDict()


def _optimizer(
    optimizer: Any, learning_rate: Any, grid: Any, params: Any
) -> tuple[optax.GradientTransformation, _train.OptimizerKey, dict[str, float], Any, dict]:
    """The optimizer, its key, the fixed per-run hyperparameters, their dtypes, the grid."""
    tx, key, fixed = _train.resolve_optimizer(optimizer, learning_rate, params)
    # a named optimizer's state has the same shapes whatever its learning rate
    kinds = tuple((k, np.asarray(v).dtype.str) for k, v in sorted(fixed.items()))
    where = (key, str(params), kinds) if key.name is not None else None
    state = _STATES.get(where) if where is not None else None
    if state is None:
        with jax.numpy_dtype_promotion("standard"):
            state = jax.eval_shape(tx.init, params)
        if where is not None:
            _STATES[where] = state
            while len(_STATES) > 64:
                _STATES.popitem(last=False)
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


@dataclasses.dataclass(frozen=True, eq=False)
class SweepSettings:
    """Every setting of a sweep, checked (build it with :meth:`SweepSettings.create`).

    Attributes:
      x, y: the training data as from :func:`~jaxact.prepare_data`; ``test``: ``()`` or
        the held-out ``(x, y)``; ``task``: the task's name (or ``""``); ``loss``: the
        loss's name.
      activations: the catalog names, in order.
      archs: the architectures; ``specs``: the layer specs of each.
      seeds: ``(S,)`` int64; ``grid``: axis -> values (float64), in order.
      steps, log_every, chunks: steps per run, logging period, chunk lengths.
      optimizer, learning_rate: as given; ``tx``, ``opt_key``: the optimizer and its
        key; ``fixed``: the per-run hyperparameters that are not grid axes;
        ``hp_dtypes``: the dtypes of the per-run hyperparameters.
      init, dtype, precision: the initializer, floating dtype and matmul precision.
      block: runs per block; batch_size: rows per step (``None``: full batch).
      devices, platform: the devices and their platform.
      checkpoint, progress, keep_params: the checkpoint path, the progress bar, keep
        the final parameters.
    """

    x: np.ndarray
    y: np.ndarray
    test: tuple[np.ndarray, ...]
    task: str
    loss: str
    activations: tuple[str, ...]
    archs: Architectures
    specs: tuple[list[tuple[int, int]], ...]
    seeds: np.ndarray
    grid: dict[str, np.ndarray]
    steps: int
    log_every: int
    chunks: tuple[int, ...]
    optimizer: Any
    learning_rate: Any
    tx: optax.GradientTransformation
    opt_key: _train.OptimizerKey
    fixed: dict[str, float]
    hp_dtypes: dict[str, Any]
    init: Any
    dtype: Any
    precision: str
    block: int
    batch_size: int | None
    devices: tuple[Any, ...]
    platform: str
    checkpoint: Path | None
    progress: bool
    keep_params: bool

    @classmethod
    def create(cls, data: Any, arguments: Mapping[str, Any]) -> SweepSettings:
        """Check every argument of :func:`~jaxact.sweep` (``arguments``: each
        of its keyword arguments, by name) and build the record; nothing compiles."""
        a = dict(arguments)
        recs = _check_activations(a["activations"])
        steps = _validate.positive_int("steps", a["steps"])
        log_every = _validate.positive_int("log_every", a["log_every"])
        _train.check_run_size(steps, log_every)
        chunk_steps = _check_chunk_steps(a["chunk_steps"], log_every)
        devs = _check_devices(a["devices"])
        dt = _validate.float_dtype("dtype", a["dtype"])
        archs = _check_archs(a["hidden"], a["depth"], a["width"], a["grid"], a["sizes"])
        x, y, loss, specs = _train.prepare_data(
            data, sizes=a["sizes"], hidden=archs.hidden[0], loss=a["loss"], dtype=dt
        )
        test = () if a["test"] is None else _train.prepare_test(
            a["test"], x=x, loss=loss, sizes=specs, dtype=dt
        )  # fmt: skip
        if a["init"] is not None:
            _init.initializer(a["init"])
        tx, opt_key, fixed, hp_dtypes, grid = _optimizer_and_grid(a, recs[0], specs, dt)
        seeds = _check_seeds(a["seeds"])
        runs = seeds.size * int(np.prod([v.size for v in grid.values()]))
        _train.check_run_size(steps, log_every, runs=runs * len(recs) * len(archs.hidden))
        block = a["block"]
        return cls(
            x=x, y=y, test=tuple(test), task=_task_name(data), loss=loss,
            activations=tuple(r.name for r in recs), archs=archs,
            specs=(specs, *(_mlp.layer_specs((x.shape[1], *h, specs[-1][1]))
                            for h in archs.hidden[1:])),
            seeds=seeds, grid=grid, steps=steps, log_every=log_every,
            chunks=tuple(_engine.chunk_lengths(steps, log_every, chunk_steps)),
            optimizer=a["optimizer"], learning_rate=a["learning_rate"], tx=tx,
            opt_key=opt_key, fixed=fixed, hp_dtypes=hp_dtypes, init=a["init"], dtype=dt,
            precision=_validate.choice("precision", a["precision"], _train.PRECISIONS),
            block=_engine.default_block(runs, devs[0].platform)
            if block is None else _validate.positive_int("block", block),
            batch_size=_train.check_batch_size(a["batch_size"], x.shape[0]),
            devices=devs, platform=devs[0].platform,
            checkpoint=_check_path("checkpoint", a["checkpoint"]),
            progress=_check_bool("progress", a["progress"]),
            keep_params=_check_bool("keep_params", a["keep_params"]),
        )  # fmt: skip

    # ---- what derives from the record

    @property
    def groups(self) -> dict[str, tuple[str, int]]:
        """Each group's name mapped to its (activation, architecture index); one program each."""
        return {
            _group(a, self.archs, i): (a, i)
            for a in self.activations
            for i in range(len(self.archs.hidden))
        }

    @property
    def runs(self) -> int:
        """The number of runs per group (grid points times seeds)."""
        return self.seeds.size * int(np.prod([v.size for v in self.grid.values()]))

    def plan(self) -> _engine.Plan:
        """The plan of blocks of this sweep's runs (grid point x seed, C order)."""
        points = _engine.grid_points(self.grid)
        hp = {}
        for name, dt in sorted(self.hp_dtypes.items()):
            if name in self.grid:
                per_run = np.repeat(points[:, list(self.grid).index(name)], self.seeds.size)
            else:
                per_run = np.full(self.runs, self.fixed[name])
            hp[name] = per_run.astype(dt)
        keys = np.tile(_engine.seed_keys(self.seeds), (points.shape[0], 1))
        return _engine.make_plan(
            list(self.groups), keys, hp, steps=self.steps, log_every=self.log_every,
            chunks=list(self.chunks), block=self.block, devices=self.devices,
        )  # fmt: skip

    def program_key(self, group: str, device: Any) -> _engine.ProgramKey:
        """The key of the programs of ``group`` on ``device``."""
        activation, i = self.groups[group]
        return _engine.ProgramKey(
            activation=activation,
            specs=tuple(tuple(v) for v in self.specs[i]),
            loss=self.loss,
            optimizer=self.opt_key,
            init=self.init,
            dtype=str(self.dtype),
            log_every=self.log_every,
            precision=self.precision,
            hyperparams=tuple((k, str(np.dtype(v))) for k, v in sorted(self.hp_dtypes.items())),
            block=self.block,
            device=device,
            x=(self.x.shape, str(self.x.dtype)),
            y=(self.y.shape, str(self.y.dtype)),
            test=tuple((a.shape, str(a.dtype)) for a in self.test) or None,
            impl=str(jax.config.jax_default_prng_impl),
            batch_size=self.batch_size,
        )

    def config(self) -> dict[str, Any]:
        """The settings that change a run's numbers (the checkpoint's fingerprint, with
        the data's hash), as plain JSON values."""
        archs, specs = self.archs, [[list(s) for s in sp] for sp in self.specs]
        init = self.init
        return {
            "activations": list(self.groups),
            "seeds": self.seeds.tolist(),
            "steps": self.steps,
            "log_every": self.log_every,
            "grid": {k: v.tolist() for k, v in self.grid.items()},
            "optimizer": self.describe_optimizer(),
            "sizes": specs[0] if archs.dim is None else specs,
            "architecture": None
            if archs.dim is None
            else {"dim": archs.dim, "coords": archs.coords, "hidden": archs.hidden},
            "test": None if not self.test else _ckpt.fingerprint({}, *self.test)[1],
            "kind": self.loss,  # the key old checkpoints were fingerprinted with
            "init": init if isinstance(init, str) or init is None else getattr(
                init, "__qualname__", ""),
            "dtype": str(self.dtype),
            "precision": self.precision,
            "block": self.block,
            "batch_size": self.batch_size,
            "platform": self.platform,
        }  # fmt: skip

    def describe_optimizer(self) -> dict[str, Any]:
        """The optimizer as the fingerprint names it: its name and learning rate, or the
        digest of an optax object."""
        if self.opt_key.name is not None:
            return {"name": self.opt_key.name, "learning_rate": self.fixed.get("learning_rate")}
        return {"custom": self.opt_key.digest}

    def fit_arguments(self, arch: int = 0) -> dict[str, Any]:
        """The arguments of :func:`~jaxact.fit` (but the key, activation, hyperparameters
        and diagnostics) that train one run of architecture ``arch`` as this sweep does."""
        return dict(
            data=(self.x, self.y), sizes=self.specs[arch], optimizer=self.optimizer,
            learning_rate=self.learning_rate, steps=self.steps, loss=self.loss, init=self.init,
            log_every=self.log_every, dtype=self.dtype, precision=self.precision,
            block=self.block, test=self.test or None, batch_size=self.batch_size,
        )  # fmt: skip


def _group(activation: str, archs: Architectures, i: int) -> str:
    """The name of the runs of one activation and architecture (one program each)."""
    if archs.dim is None:
        return activation
    return f"{activation}@{'-'.join(map(str, archs.hidden[i]))}"


def _task_name(data: Any) -> str:
    return str(getattr(data, "name", "")) if not isinstance(data, (tuple, list)) else ""


_SHAPES: collections.OrderedDict[Any, Any] = collections.OrderedDict()


def _param_shapes(specs: Any, rec: _acts.Activation, init: Any, dt: Any) -> Any:
    """The parameters' shapes of ``init_mlp`` (traced once per network, activation record,
    initializer and dtype)."""
    try:
        where = (tuple(map(tuple, specs)), id(rec), init, str(np.dtype(dt)))
        hash(where)
    except TypeError:  # an unhashable initializer: traced every time
        where = None
    hit = _SHAPES.get(where) if where is not None else None
    if hit is not None and hit[0] is rec:  # the record kept in the entry keeps its id
        _SHAPES.move_to_end(where)
        return hit[1]
    shapes = jax.eval_shape(
        lambda k: _mlp.init_mlp(k, specs, activation=rec, init=init, dtype=dt), jax.random.key(0)
    )
    if where is not None:
        _SHAPES[where] = (rec, shapes)
        while len(_SHAPES) > 64:
            _SHAPES.popitem(last=False)
    return shapes


def _optimizer_and_grid(
    a: Mapping[str, Any], rec: _acts.Activation, specs: Any, dt: Any
) -> tuple[Any, Any, dict[str, float], dict[str, Any], dict[str, np.ndarray]]:
    """The optimizer, its key, fixed hyperparameters, their dtypes and the checked grid."""
    params = _param_shapes(specs, rec, a["init"], dt)
    grid = a["grid"]
    hp_grid = None if grid is None or not isinstance(grid, Mapping) else dict(grid)
    if hp_grid is not None:
        hp_grid.pop("hidden", None)
    elif grid is not None:
        _check_grid(grid, None)  # the type error
    return _optimizer(a["optimizer"], a["learning_rate"], hp_grid, params)
