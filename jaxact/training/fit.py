r"""``fit``: one training run, as a plan of one run through the block engine.

:func:`fit` checks its arguments and the data, then trains the run as the engine trains
a sweep's runs (:mod:`jaxact.training.engine`): a block of ``block`` copies of the run,
compiled by the same :class:`~jaxact.training.engine.ProgramKey`, chunk by chunk. With a
sweep's block it is that sweep's run bit for bit by construction (one program, one
cache); :meth:`~jaxact.SweepResult.replay` is this function with the sweep's settings.
"""

from __future__ import annotations

import dataclasses
import numbers
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxact import _validate
from jaxact.nn import init as _init, mlp as _mlp
from jaxact.training import engine as _engine, train as _train

Array = jax.Array

__all__ = ["FitResult", "fit"]


@dataclasses.dataclass(frozen=True)
class FitResult:
    """The result of :func:`fit`.

    Attributes:
      params: the final parameters (a pytree as from :func:`~jaxact.init_mlp`).
      history: NumPy arrays over the logged steps: ``"step"`` ``(T,)`` (see
        :func:`~jaxact.logged_steps`), ``"loss"`` ``(T,)``, ``"accuracy"`` ``(T,)`` (NaN
        for regression), ``"finite"`` ``(T,)`` (the loss is finite; at the last entry
        every parameter too) and, with ``diagnostics=True``, ``"grad_norm"`` ``(T, L)``,
        ``"dead"`` ``(T, L-1)``, ``"saturated"`` ``(T, L-1)`` (and ``"min_q"``,
        ``"max_abs_f"`` ``(T, L-1)`` for a rational activation); with held-out data,
        ``"test_loss"`` and ``"test_accuracy"`` ``(T,)``.
      sizes: the layer specs ``[(n_in, n_out), ...]``.
      loss: the loss's name (``"softmax"``, ``"binary"`` or ``"regression"``).
    """

    params: list[dict[str, Any]]
    history: dict[str, np.ndarray]
    sizes: list[tuple[int, int]]
    loss: str

    @property
    def kind(self) -> str:
        """The old name of :attr:`loss` (deprecated)."""
        warnings.warn(
            "FitResult.kind is deprecated; use FitResult.loss", DeprecationWarning, stacklevel=2
        )
        return self.loss

    @property
    def final_loss(self) -> float:
        """The loss on the final parameters."""
        return float(self.history["loss"][-1])

    @property
    def final_accuracy(self) -> float:
        """The accuracy of the final parameters (NaN for regression)."""
        return float(self.history["accuracy"][-1])


def fit(
    key: Array,
    data: Any,
    *,
    sizes: Sequence[int] | Sequence[tuple[int, int]] | None = None,
    hidden: Sequence[int] = _train.DEFAULT_HIDDEN,
    activation: _train.ActivationLike,
    optimizer: str | optax.GradientTransformation,
    steps: int,
    loss: str | None = None,
    init: str | Callable[..., Array] | None = None,
    log_every: int = 1,
    diagnostics: bool = False,
    dtype: Any = jnp.float32,
    learning_rate: float = 1e-2,
    hyperparams: Mapping[str, float] | None = None,
    precision: str = "highest",
    block: int = 1,
    test: Any = None,
    batch_size: int | None = None,
) -> FitResult:
    """Train an MLP on a data set: one run, a plan of one run through the block engine.

    ``params = init_mlp(key, sizes, activation=activation, init=init, dtype=dtype)``
    with exactly ``key``, then ``steps`` optimizer steps (:func:`~jaxact.make_chunk`).
    The same key gives the same bits, and with a sweep's ``block`` (and ``batch_size``)
    the bits of the run with this key in that sweep; an equal second call compiles nothing.

    Args:
      key: a PRNG key, ``jax.random.key(seed)``.
      data: a :class:`~jaxact.Task` or an ``(x, y)`` pair (see :func:`~jaxact.prepare_data`).
      sizes, hidden: layer widths (default ``(d, *hidden, out)``); hidden widths
        (default :data:`~jaxact.training.train.DEFAULT_HIDDEN`).
      activation: the hidden activation: catalog name, record or callable.
      optimizer: an optax transformation or a name (:func:`~jaxact.make_optimizer`).
      steps: number of optimizer steps, ≥ 1 (at most :data:`~jaxact.training.train.MAX_STEPS`).
      loss, init, dtype: the loss (default: the task's), the initializer (default:
        :func:`~jaxact.default_init`), the floating dtype (default float32).
      log_every, diagnostics: the logging period (default 1); log gradient norms and
        dead/saturated fractions too (default ``False``).
      learning_rate: used only when ``optimizer`` is a name. Default 1e-2.
      hyperparams: optimizer hyperparameters of this run, e.g. ``{"b1": 0.5}``.
      precision: matmul precision (see :func:`~jaxact.make_chunk`). Default ``"highest"``.
      block: train the run in a block of ``block`` copies (a sweep's layout). Default 1.
      test: held-out data like ``data``: adds ``"test_loss"``, ``"test_accuracy"``.
      batch_size: rows per step from the run's key (:func:`~jaxact.make_chunk`), at
        most the samples. Default ``None``: full batch.

    Returns:
      A :class:`FitResult`. Bad data or settings raise ``ValueError`` / ``TypeError``
      before anything compiles.

    Examples:
      >>> import jax, numpy as np, jaxact as ja
      >>> x = np.array([[5, 1, 2], [3, 9, 8], [1, 2, 3], [9, 9, 9]])  # seed 002's table
      >>> y = np.array([1, 0, 1, 0])                                   # yes = 1, no = 0
      >>> res = ja.fit(jax.random.key(0), (x, y), sizes=(3, 6, 6, 1), activation="relu",
      ...              optimizer="adam", learning_rate=0.05, steps=200, log_every=100)
      >>> res.history["step"].tolist(), res.final_accuracy
      ([0, 100, 200], 1.0)
    """
    key = _mlp.check_key(key)
    steps = _validate.positive_int("steps", steps)
    log_every = _validate.positive_int("log_every", log_every)
    _train.check_run_size(steps, log_every)
    block = _validate.positive_int("block", block)
    x, y, loss, specs = _train.prepare_data(
        data, sizes=sizes, hidden=hidden, loss=loss, dtype=dtype
    )
    held_out = (
        () if test is None else _train.prepare_test(test, x=x, loss=loss, sizes=specs, dtype=dtype)
    )
    run = _Run(
        specs=specs, activation=activation, loss=loss, init=init, log_every=log_every,
        diagnostics=bool(diagnostics), dtype=jnp.dtype(dtype),
        precision=_validate.choice("precision", precision, _train.PRECISIONS),
        batch_size=_train.check_batch_size(batch_size, x.shape[0]), block=block,
    )  # fmt: skip
    return run.train(key, (x, y, *held_out), optimizer, learning_rate, hyperparams, steps)


@dataclasses.dataclass(frozen=True)
class _Run:
    """The checked settings of one run of :func:`fit`."""

    specs: list[tuple[int, int]]
    activation: Any
    loss: str
    init: Any
    log_every: int
    diagnostics: bool
    dtype: Any
    precision: str
    batch_size: int | None
    block: int

    def program_key(self, opt_key: Any, hp: Mapping[str, np.ndarray], data: Any, impl: str) -> Any:
        act = _mlp.resolve_activation(self.activation)
        named = act.rec is not None and isinstance(self.activation, str)
        return _engine.ProgramKey(
            activation=act.rec.name if named else self.activation,
            specs=tuple(tuple(s) for s in self.specs),
            loss=self.loss,
            optimizer=opt_key,
            init=self.init,
            dtype=str(self.dtype),
            log_every=self.log_every,
            precision=self.precision,
            hyperparams=tuple((k, str(v.dtype)) for k, v in hp.items()),
            block=self.block,
            device=jax.devices()[0],
            x=(data[0].shape, str(data[0].dtype)),
            y=(data[1].shape, str(data[1].dtype)),
            test=tuple((a.shape, str(a.dtype)) for a in data[2:]) or None,
            impl=impl,
            diagnostics=self.diagnostics,
            batch_size=self.batch_size,
        )

    def train(
        self, key: Array, data: tuple, optimizer: Any, lr: Any, hyperparams: Any, steps: int
    ) -> FitResult:
        if self.init is not None:
            _init.initializer(self.init)
        shapes = jax.eval_shape(
            lambda k: _mlp.init_mlp(
                k, self.specs, activation=self.activation, init=self.init, dtype=self.dtype
            ),
            key,
        )
        tx, opt_key, hp = _train.resolve_optimizer(optimizer, lr, shapes)
        # the optimizer's hyperparameters, and σ_w², σ_b² of the initializer (grid axes)
        dtypes = hyperparam_dtypes(tx, shapes)
        variances = {k: np.dtype(jax.tree.leaves(shapes)[0].dtype) for k in _init.INIT_AXES}
        rest = hyperparams
        if isinstance(hyperparams, Mapping):
            rest = {k: v for k, v in hyperparams.items() if k not in variances}
            given = {k: v for k, v in hyperparams.items() if k in variances}
            hp.update(_check_hyperparams(given, variances))
        hp.update(_check_hyperparams(rest or None, dtypes))
        dtypes |= variances
        hp_arrays = {k: np.asarray([v], dtypes[k]) for k, v in sorted(hp.items())}
        impl = str(jax.random.key_impl(key))
        pk = self.program_key(opt_key, hp_arrays, data, impl)
        chunks = _engine.chunk_lengths(steps, self.log_every)
        progs = _engine.compiled_programs({pk: tx}, chunks)[pk]
        plan = _engine.make_plan(
            ["run"], np.asarray(jax.random.key_data(key))[None], hp_arrays, steps=steps,
            log_every=self.log_every, chunks=chunks, block=self.block, devices=(pk.device,),
        )  # fmt: skip
        state = _engine.start(plan, {("run", pk.device): progs}, {"run": progs.carry})
        on_device = tuple(_engine.put(v, pk.device) for v in data)
        _engine.train(plan, state, {("run", pk.device): progs}, {pk.device: on_device})
        leaves = _engine.carries(plan, state)["run"]
        carry = jax.tree.unflatten(jax.tree.structure(progs.carry), [v[0] for v in leaves])
        history = {"step": plan.logged, **{k: v[0, 0] for k, v in state.logs.items()}}
        return FitResult(params=carry[0], history=history, sizes=self.specs, loss=self.loss)


def _check_hyperparams(
    hyperparams: Mapping[str, Any] | None, dtypes: Mapping[str, Any]
) -> dict[str, float]:
    if hyperparams is None:
        return {}
    if not isinstance(hyperparams, Mapping):
        raise TypeError(
            f"`hyperparams`: expected a dict of name -> number, got {type(hyperparams).__name__}"
        )
    if not dtypes:
        raise ValueError(
            "`hyperparams`: the optimizer must come from optax.inject_hyperparams (or be a "
            "name) to take hyperparameters per run"
        )
    out = {}
    for k, v in hyperparams.items():
        if k not in dtypes:
            raise ValueError(
                f"`hyperparams`: unknown name {k!r}; the optimizer's are {sorted(dtypes)}"
            )
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v):
            raise TypeError(f"`hyperparams[{k!r}]`: expected a finite number, got {v!r}")
        out[k] = float(v)
    return out


def hyperparam_dtypes(tx: optax.GradientTransformation, params: Any) -> dict[str, Any]:
    """The dtypes of an injected optimizer's hyperparameters (empty for others)."""
    with jax.numpy_dtype_promotion("standard"):
        state = jax.eval_shape(tx.init, params)
    hp = getattr(state, "hyperparams", None)
    return {k: np.dtype(v.dtype) for k, v in hp.items()} if isinstance(hp, dict) else {}
