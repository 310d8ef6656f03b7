r"""Training: the one training core, a jitted optax step, runs and ``fit``.

Everything here is built on one core, :func:`make_chunk`, which returns two pure
functions for one run:

* ``start(key, hyperparams) -> carry``: the initial parameters ``init_mlp(key, ...)``
  and the optimizer state (with per-run optimizer hyperparameters such as the learning
  rate, for an optimizer from :func:`optax.inject_hyperparams`);
* ``advance(carry, (x, y), n_steps) -> (carry, history)``: ``n_steps`` full-batch
  optimizer steps in one ``lax.scan`` whose trip count is fixed when it is traced, with
  the loss and accuracy recorded every ``log_every`` steps and on the parameters
  reached.

On top of it:

* :func:`make_run` — ``run(key, x, y, hyperparams=None) -> (params, history)``: ``start``
  then ``advance`` over all the steps; pure and not jitted (jit it, or ``vmap`` it over
  keys and hyperparameters).
* :func:`fit` — validates the data and runs the core over all the steps as a batch of
  one run (or a block of copies of it), compiled once per program (see below),
  returning a :class:`FitResult`.
* :func:`make_train_step` — one jitted optimizer step for any loss, for loops of one's own.

The sweep (:func:`~jaxact.training.sweep`) runs the same core, ``vmap``-ped over blocks of runs.

**Same run, same bits.** A ``vmap``-ped run's arithmetic does not depend on which
other runs share its batch, nor on its place in it, but XLA may compile a batch of
another size into kernels that round differently (measured on CPU: float64 runs differ
in the last bit between batches of 1 and 32). The sweep therefore trains fixed blocks
of runs (:mod:`jaxact.training.engine`), and :func:`fit` takes a ``block``: with the sweep's
block it trains a block of copies of the run, bit for bit the sweep's numbers. A run
does not depend on how its steps are split into chunks either.

**Compiled once per program.** :func:`fit` keeps its compiled programs keyed by what
they compute: the network, the activation, the loss, the shapes of the data, and the
optimizer's computation (:func:`optimizer_key`: a named optimizer by its name, with the
learning rate an argument; an optax object by a digest of its ``init`` and ``update``
programs). A second ``fit`` with an equal but new ``optax.adam(1e-2)``, or a named
optimizer at another learning rate, compiles nothing.

**Matmul precision.** Every matrix product of the core is traced under
``jax.default_matmul_precision(precision)``, ``"highest"`` by default: float32 products
in float32 on every backend (GPUs would otherwise use TF32, with 10-bit mantissas).
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxact import _validate
from jaxact.catalog import activations as _acts, rational as _rational
from jaxact.nn import diagnostics as _diag, init as _init, losses as _losses, mlp as _mlp

Array = jax.Array
ArrayLike = jax.typing.ArrayLike
ActivationLike = str | _acts.Activation | Callable[..., Array]

__all__ = [
    "MAX_LOGGED",
    "MAX_STEPS",
    "Chunk",
    "FitResult",
    "OptimizerKey",
    "check_run_size",
    "compiler_options",
    "fit",
    "logged_steps",
    "make_chunk",
    "make_optimizer",
    "make_run",
    "make_train_step",
    "optimizer_key",
    "prepare_data",
    "prepare_test",
    "resolve_optimizer",
]

OPTIMIZERS = ("adam", "adamw", "sgd", "momentum", "nesterov", "rmsprop", "adagrad", "nadam")
PRECISIONS = ("highest", "high", "default")
#: The most optimizer steps of one run: optax and the core count steps in int32.
MAX_STEPS = 2**31 - 1
#: The most logged values of one metric that a call keeps (runs x logged steps): 2**28
#: values are 1 GiB in float32 per metric.
MAX_LOGGED = 2**28


# XLA:CPU sends batched matmuls to a library (YNNPACK) that is slower than its own
# kernels at the sizes of these networks (a 6 x 6 layer, 150 examples, one matrix per
# run: measured 2x per batched matmul and 1.7x per step of the reference sweep), and
# whose sums are not those of XLA's own kernels; without the concurrency-optimized thunk
# scheduler a chunk compiles in half the time, runs as fast and gives the same bits.
# The initialization runs once: LLVM's optimization level 1 compiles it in a third of
# the time, to the same bits (a chunk would run 5% slower). Measured on the 4-6-6-3
# network, blocks of 32. Every program of the core is compiled with these options, so
# that fit and the sweep give the same bits; they are per program, not global.
_CPU_COMPILER_OPTIONS: dict[str, Any] = {
    "xla_cpu_experimental_ynn_fusion_type": "",
    "xla_cpu_enable_concurrency_optimized_scheduler": False,
}
_CPU_START_OPTIONS: dict[str, Any] = {"xla_backend_optimization_level": 1}


def compiler_options(platform: str, *, start: bool = False) -> dict[str, Any]:
    """The XLA compiler options of the training core's programs on ``platform``.

    Args:
      platform: ``"cpu"``, ``"gpu"``, ``"tpu"`` ...
      start: the options of the initialization program (``start``) rather than of the
        training steps (``advance``). Default ``False``.

    Returns:
      A dict for ``jax.jit(..., compiler_options=...)`` (empty off CPU).

    Examples:
      >>> import jaxact as ja
      >>> len(ja.compiler_options("cpu")), ja.compiler_options("cpu", start=True)[
      ...     "xla_backend_optimization_level"], ja.compiler_options("gpu")
      (2, 1, {})
    """
    if platform != "cpu":
        return {}
    return {**_CPU_COMPILER_OPTIONS, **(_CPU_START_OPTIONS if start else {})}


def check_run_size(steps: int, log_every: int, runs: int = 1) -> None:
    """Check that ``runs`` runs of ``steps`` steps, logged every ``log_every``, can be done.

    Raises ``ValueError`` naming the argument and the limit (:data:`MAX_STEPS` steps per
    run; :data:`MAX_LOGGED` logged values per metric) before anything is allocated.

    Args:
      steps: optimizer steps per run.
      log_every: logging period.
      runs: the number of runs kept in one result. Default 1.

    Examples:
      >>> import jaxact as ja
      >>> try:
      ...     ja.check_run_size(10**12, 1)
      ... except ValueError as e:
      ...     print(e)  # doctest: +ELLIPSIS
      `steps`: expected at most 2147483647 steps per run (optax counts steps in int32), ...
    """
    if steps > MAX_STEPS:
        raise ValueError(
            f"`steps`: expected at most {MAX_STEPS} steps per run (optax counts steps in "
            f"int32), got {steps}"
        )
    logged = runs * (-(-steps // log_every) + 1)
    if logged > MAX_LOGGED:
        raise ValueError(
            f"`steps`: {runs} run(s) x {-(-steps // log_every) + 1} logged steps = {logged} "
            f"values per metric, more than the limit of {MAX_LOGGED} (2**28); log less "
            f"often (`log_every`, now {log_every}) or train fewer steps"
        )


# --------------------------------------------------------------------------------------
# Optimizers
# --------------------------------------------------------------------------------------


def _check_optimizer(optimizer: Any) -> optax.GradientTransformation:
    if not (
        isinstance(optimizer, tuple)
        and callable(getattr(optimizer, "init", None))
        and callable(getattr(optimizer, "update", None))
    ):
        raise TypeError(
            "`optimizer`: expected an optax GradientTransformation (e.g. optax.adam(1e-2), "
            f"or optax.chain(optax.clip_by_global_norm(1.0), optax.adam(1e-2))), got "
            f"{type(optimizer).__name__}"
        )
    return optimizer


def _opt_update(
    optimizer: optax.GradientTransformation, grads: Any, opt_state: Any, params: Any
) -> tuple[Any, Any]:
    # optax mixes Python floats with int32 step counts (e.g. Adam's bias correction
    # ``decay ** count``), which strict dtype promotion rejects; the optimizer runs with
    # standard promotion, the rest of the step keeps the caller's setting.
    with jax.numpy_dtype_promotion("standard"):
        return optimizer.update(grads, opt_state, params)


def _opt_init(optimizer: optax.GradientTransformation, params: Any) -> Any:
    with jax.numpy_dtype_promotion("standard"):
        return optimizer.init(params)


def make_optimizer(
    optimizer: str | optax.GradientTransformation,
    learning_rate: float = 1e-2,
    *,
    inject: bool = False,
) -> optax.GradientTransformation:
    """An optax optimizer from a name and a learning rate (or a transformation, as is).

    Args:
      optimizer: ``"adam"``, ``"adamw"``, ``"sgd"``, ``"momentum"`` (SGD, momentum
        0.9), ``"nesterov"`` (Nesterov momentum 0.9), ``"rmsprop"``, ``"adagrad"`` or
        ``"nadam"``; or an optax ``GradientTransformation``, returned unchanged.
      learning_rate: the learning rate, > 0. Default 1e-2. Ignored for a transformation.
      inject: wrap the optimizer in :func:`optax.inject_hyperparams`, so that the
        learning rate lives in the optimizer state and can be set per run by
        ``run(..., hyperparams={"learning_rate": lr})`` (see :func:`make_run`).
        Default ``False``.

    Returns:
      An optax ``GradientTransformation``.

    Raises:
      ValueError: unknown name (closest names suggested); learning rate not > 0.

    Examples:
      >>> import jaxact as ja
      >>> tx = ja.make_optimizer("adam", 1e-3)
      >>> callable(tx.init) and callable(tx.update)
      True
    """
    if not isinstance(optimizer, str):
        return _check_optimizer(optimizer)
    name = _validate.choice("optimizer", optimizer.strip().lower(), OPTIMIZERS)
    lr = _validate.positive_float("learning_rate", learning_rate)
    factory = _FACTORIES[name]
    if inject:
        return optax.inject_hyperparams(factory)(learning_rate=lr)
    return factory(lr)


def _momentum(learning_rate: float) -> optax.GradientTransformation:
    return optax.sgd(learning_rate, momentum=0.9)


def _nesterov(learning_rate: float) -> optax.GradientTransformation:
    return optax.sgd(learning_rate, momentum=0.9, nesterov=True)


_FACTORIES: dict[str, Callable[[float], optax.GradientTransformation]] = {
    "adam": optax.adam,
    "adamw": optax.adamw,
    "sgd": optax.sgd,
    "momentum": _momentum,
    "nesterov": _nesterov,
    "rmsprop": optax.rmsprop,
    "adagrad": optax.adagrad,
    "nadam": optax.nadam,
}


@dataclasses.dataclass(frozen=True)
class OptimizerKey:
    """What an optimizer computes, as a hashable key of compiled programs.

    Attributes:
      name: for a named optimizer (:func:`make_optimizer` with ``inject=True``, the
        learning rate a per-run argument), its name; else ``None``.
      digest: for an optax object, the SHA-256 of its ``init`` and ``update`` programs
        (their jaxprs and constants) on the parameters' shapes; else ``None``.
    """

    name: str | None = None
    digest: str | None = None


_DIGESTS: collections.OrderedDict[tuple[int, str], tuple[Any, str]] = collections.OrderedDict()


def optimizer_key(optimizer: optax.GradientTransformation, params: Any) -> OptimizerKey:
    """The key of an optax optimizer: a digest of what its ``init`` and ``update`` compute.

    Two optimizer objects built alike (``optax.adam(1e-2)`` twice) have the same key;
    a different learning rate or chain gives another key.

    Args:
      optimizer: an optax ``GradientTransformation``.
      params: the parameters, or their shapes (``jax.ShapeDtypeStruct`` leaves).

    Returns:
      An :class:`OptimizerKey` with its ``digest`` set.

    Examples:
      >>> import jax, jax.numpy as jnp, optax, jaxact as ja
      >>> p = [{"w": jax.ShapeDtypeStruct((2, 3), jnp.float32)}]
      >>> ja.optimizer_key(optax.adam(1e-2), p) == ja.optimizer_key(optax.adam(1e-2), p)
      True
      >>> ja.optimizer_key(optax.adam(1e-2), p) == ja.optimizer_key(optax.adam(1e-3), p)
      False
    """
    optimizer = _check_optimizer(optimizer)
    shapes = jax.tree.map(lambda v: jax.ShapeDtypeStruct(np.shape(v), jnp.result_type(v)), params)
    where = (id(optimizer), str(jax.tree.structure(shapes)) + str(jax.tree.leaves(shapes)))
    hit = _DIGESTS.get(where)
    if hit is not None and hit[0] is optimizer:
        return OptimizerKey(digest=hit[1])
    with jax.numpy_dtype_promotion("standard"):
        init = jax.make_jaxpr(optimizer.init)(shapes)
        state = jax.eval_shape(optimizer.init, shapes)
        update = jax.make_jaxpr(optimizer.update)(shapes, state, shapes)
    h = hashlib.sha256()
    for closed in (init, update):
        h.update(str(closed.jaxpr).encode())
        for c in closed.consts:
            a = np.asarray(c)
            h.update(f"{a.shape}{a.dtype}".encode())
            h.update(a.tobytes())
    digest = h.hexdigest()
    _DIGESTS[where] = (optimizer, digest)  # the reference keeps the id from being reused
    while len(_DIGESTS) > 32:
        _DIGESTS.popitem(last=False)
    return OptimizerKey(digest=digest)


def resolve_optimizer(
    optimizer: str | optax.GradientTransformation, learning_rate: float, params: Any
) -> tuple[optax.GradientTransformation, OptimizerKey, dict[str, float]]:
    """An optimizer, its key, and the per-run hyperparameters to start it with.

    A name gives ``make_optimizer(name, inject=True)`` and the hyperparameters
    ``{"learning_rate": learning_rate}`` (so the learning rate is an argument of the
    compiled program, not a constant in it); an optax object is used as is, with no
    hyperparameters.

    Args:
      optimizer: a name (see :func:`make_optimizer`) or an optax ``GradientTransformation``.
      learning_rate: the learning rate of a named optimizer, > 0.
      params: the parameters, or their shapes.

    Returns:
      ``(optimizer, key, hyperparams)``.

    Examples:
      >>> import jax, jax.numpy as jnp, jaxact as ja
      >>> p = [{"w": jax.ShapeDtypeStruct((2, 3), jnp.float32)}]
      >>> tx, key, hp = ja.resolve_optimizer("adam", 1e-3, p)
      >>> key, hp
      (OptimizerKey(name='adam', digest=None), {'learning_rate': 0.001})
    """
    if isinstance(optimizer, str):
        name = _validate.choice("optimizer", optimizer.strip().lower(), OPTIMIZERS)
        lr = _validate.positive_float("learning_rate", learning_rate)
        return (
            make_optimizer(name, 1e-2, inject=True),
            OptimizerKey(name=name),
            {"learning_rate": lr},
        )
    tx = _check_optimizer(optimizer)
    return tx, optimizer_key(tx, params), {}


# --------------------------------------------------------------------------------------
# The jitted step
# --------------------------------------------------------------------------------------


def _check_params_dtype(params: Any) -> None:
    for path, leaf in jax.tree_util.tree_leaves_with_path(params):
        dt = getattr(leaf, "dtype", None)
        if dt is None:
            dt = np.asarray(leaf).dtype
        if not jnp.issubdtype(dt, jnp.inexact):
            raise TypeError(
                f"`params`: expected floating-point parameters, got dtype {dt} at "
                f"{jax.tree_util.keystr(path) or 'the root'}; build them with "
                "init_mlp(key, sizes, dtype=jnp.float32)"
            )


def _labels(batch: Any) -> Any:
    """The labels ``y`` of a batch ``(x, y)``, or ``None``."""
    return batch[1] if isinstance(batch, (tuple, list)) and len(batch) == 2 else None


def _check_labels(params: Any, y: Any) -> None:
    """Class labels within the range of an MLP's outputs, when they are concrete."""
    if y is None or isinstance(y, jax.core.Tracer):
        return
    dt = getattr(y, "dtype", None)
    if dt is None or not (jnp.issubdtype(dt, jnp.integer) or jnp.issubdtype(dt, jnp.bool_)):
        return
    try:
        width = int(params[-1]["w"].shape[-1])
    except (TypeError, KeyError, IndexError, AttributeError):
        return
    a = np.asarray(y)
    if a.size == 0:
        return
    hi = 2 if width == 1 else width
    lo_v, hi_v = int(a.min()), int(a.max())
    if lo_v < 0 or hi_v >= hi:
        what = "binary labels (one output)" if width == 1 else f"labels for {width} classes"
        raise ValueError(
            f"`batch`: expected {what} in [0, {hi - 1}], got min {lo_v} and max {hi_v}"
        )


def make_train_step(
    loss_fn: Callable[[Any, Any], Array], optimizer: optax.GradientTransformation
) -> Callable[[Any, Any, Any], tuple[Any, Any, Array]]:
    r"""One jitted optimizer step for any loss and any optax optimizer.

    .. math::
      \ell, g = \ell(\theta, B), \nabla_\theta \ell(\theta, B); \qquad
      u, s' = \text{update}(g, s, \theta); \qquad \theta' = \theta + u

    The step is compiled once per shape and dtype of its arguments: calling it again
    with new values does not recompile. ``params`` and ``opt_state`` are donated: their
    buffers are reused for the outputs, so the arrays passed in must not be used after
    the call (use the returned ones).

    Before the jitted call the step checks what it can at the Python level: the
    parameters must be floating point (``TypeError``), and for a batch ``(x, y)`` of an
    MLP with integer labels ``y`` that are concrete (not traced), the labels must lie in
    ``[0, k - 1]`` for ``k`` outputs, or in ``{0, 1}`` for one output (``ValueError``).
    A batch checked once is not checked again while it is the same array.

    Args:
      loss_fn: ``loss_fn(params, batch) -> scalar``, e.g. :func:`~jaxact.make_loss`.
      optimizer: any optax ``GradientTransformation``; clipping is
        ``optax.chain(optax.clip_by_global_norm(c), optax.adam(lr))``.

    Returns:
      ``step(params, opt_state, batch) -> (params, opt_state, loss)``, jitted; ``loss``
      is the loss at the parameters passed in (before the update).

    Raises:
      TypeError: ``loss_fn`` is not callable or ``optimizer`` is not a
        ``GradientTransformation``; (by ``step``) integer-typed parameters.
      ValueError: (by ``step``) labels out of range.

    Examples:
      >>> import jax, jax.numpy as jnp, optax, jaxact as ja
      >>> params = ja.init_mlp(jax.random.key(0), (1, 8, 1), activation="tanh")
      >>> x = jnp.linspace(-1, 1, 16, dtype=jnp.float32)[:, None]
      >>> tx = optax.adam(1e-2)
      >>> step = ja.make_train_step(ja.make_loss("regression", "tanh"), tx)
      >>> state = tx.init(params)
      >>> for _ in range(3):
      ...     params, state, loss = step(params, state, (x, x ** 2))
      >>> step._cache_size()  # compiled once
      1
    """
    if not callable(loss_fn):
        raise TypeError(
            f"`loss_fn`: expected a callable loss_fn(params, batch), got {type(loss_fn).__name__}"
        )
    optimizer = _check_optimizer(optimizer)

    def raw(params: Any, opt_state: Any, batch: Any) -> tuple[Any, Any, Array]:
        loss, grads = jax.value_and_grad(loss_fn)(params, batch)
        updates, opt_state = _opt_update(optimizer, grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    jitted = jax.jit(raw, donate_argnums=(0, 1))
    checked: list[Any] = [None]  # the last batch found valid (held, so its id stays unique)

    def step(params: Any, opt_state: Any, batch: Any) -> tuple[Any, Any, Array]:
        _check_params_dtype(params)
        y = _labels(batch)
        if y is not checked[0]:
            _check_labels(params, y)
            checked[0] = y
        return jitted(params, opt_state, batch)

    step._cache_size = jitted._cache_size  # type: ignore[attr-defined]
    step.lower = jitted.lower  # type: ignore[attr-defined]
    return step


def logged_steps(steps: int, log_every: int = 1) -> np.ndarray:
    """The step numbers at which a run logs its metrics.

    Metrics are logged on the parameters after ``t`` updates for ``t = 0, log_every,
    2 log_every, ... < steps``, and once more after the last update (``t = steps``).

    Args:
      steps: number of optimizer steps, ≥ 1.
      log_every: logging period, ≥ 1. Default 1.

    Returns:
      An int array of shape ``(ceil(steps / log_every) + 1,)``.

    Raises:
      ValueError: ``steps`` or ``log_every`` < 1, or more steps than can be done
        (:func:`check_run_size`).

    Examples:
      >>> import jaxact as ja
      >>> ja.logged_steps(10, 3)
      array([ 0,  3,  6,  9, 10])
    """
    steps = _validate.positive_int("steps", steps)
    log_every = _validate.positive_int("log_every", log_every)
    check_run_size(steps, log_every)
    return np.append(np.arange(0, steps, log_every), steps)


# --------------------------------------------------------------------------------------
# The training core
# --------------------------------------------------------------------------------------


class Chunk(NamedTuple):
    """One run as two pure functions (see :func:`make_chunk`).

    Attributes:
      start: ``start(key, hyperparams=None) -> carry``, ``carry = (params, opt_state)``.
      advance: ``advance(carry, (x, y), n_steps, test=None) -> (carry, history)``.
    """

    start: Callable[..., tuple[Any, Any]]
    advance: Callable[..., tuple[tuple[Any, Any], dict[str, Array]]]


def _check_precision(precision: Any) -> str:
    return _validate.choice("precision", precision, PRECISIONS)


def make_chunk(
    sizes: Sequence[int] | Sequence[tuple[int, int]],
    *,
    activation: ActivationLike,
    kind: str,
    optimizer: optax.GradientTransformation,
    init: str | Callable[..., Array] | None = None,
    log_every: int = 1,
    diagnostics: bool = False,
    dtype: Any = jnp.float32,
    precision: str = "highest",
) -> Chunk:
    r"""The training core: one run as ``start`` and ``advance``, pure and jittable.

    Everything that shapes the program is fixed here; the key, the hyperparameters, the
    data and the carry are arguments::

        carry = start(key, hyperparams=None)
        carry, history = advance(carry, (x, y), n_steps, test=None)

    ``start`` makes ``params = init_mlp(key, sizes, activation=activation, init=init,
    dtype=dtype)`` (exactly that key) and ``opt_state = optimizer.init(params)``; a
    ``hyperparams`` dict (such as ``{"learning_rate": lr}``, values scalars) overrides
    entries of ``opt_state.hyperparams``, for an optimizer from
    :func:`optax.inject_hyperparams`.

    ``advance`` takes ``n_steps`` (a Python int: the trip count of its ``lax.scan`` is
    known when it is traced) full-batch steps: at step :math:`k` it evaluates
    :math:`\ell, g = \text{value\_and\_grad}(\theta_k)`, records the loss and accuracy
    when :math:`k` is a multiple of ``log_every`` (so a run split into chunks of
    multiples of ``log_every`` steps logs what one ``advance`` over all the steps
    logs), and applies ``optimizer.update``. Every step runs the same program, whatever
    it records. After the last step it records the metrics of the parameters reached.
    With ``test=(x_test, y_test)`` (held-out data prepared like ``(x, y)``), the same
    logged steps also record the loss and accuracy of those parameters on the held-out
    data; they do not touch the training computation.
    Every matmul is traced under ``jax.default_matmul_precision(precision)``.

    Args:
      sizes: layer widths ``(d, ..., k)`` or ``(n_in, n_out)`` pairs.
      activation: the hidden activation (name, record or callable).
      kind: ``"softmax"``, ``"binary"`` or ``"regression"`` (the loss on the logits).
      optimizer: an optax ``GradientTransformation``.
      init: initializer name or callable; ``None`` picks
        :func:`~jaxact.default_init` of ``activation``.
      log_every: logging period, ≥ 1. Default 1.
      diagnostics: also log per-layer gradient norms and dead/saturated-unit fractions.
        Default ``False``.
      dtype: floating dtype of parameters and computation. Default float32.
      precision: matmul precision, ``"highest"`` (default), ``"high"`` or
        ``"default"`` (the backend's; TF32 for float32 on recent GPUs).

    Returns:
      A :class:`Chunk`. ``advance``'s ``history`` is a dict of arrays with leading axis
      ``T = ceil(n_steps / log_every) + 1``: ``"loss"`` ``(T,)``, ``"accuracy"`` ``(T,)``
      (NaN for regression), ``"finite"`` ``(T,)`` bool (the loss is finite, and at the
      last entry every parameter too); with ``test``, ``"test_loss"`` ``(T,)`` and
      ``"test_accuracy"`` ``(T,)``; with ``diagnostics``, ``"grad_norm"`` ``(T, L)``,
      ``"dead"`` ``(T, L-1)`` and ``"saturated"`` ``(T, L-1)``, and for a rational
      activation ``"min_q"`` and ``"max_abs_f"`` ``(T, L-1)`` (:func:`~jaxact.rational_health`).

    Raises:
      ValueError / TypeError: bad sizes, names or settings.

    Examples:
      >>> import jax, jax.numpy as jnp, optax, jaxact as ja
      >>> x = jnp.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=jnp.float32)
      >>> y = jnp.array([0, 1, 1, 0], dtype=jnp.int32)
      >>> core = ja.make_chunk((2, 8, 1), activation="tanh", kind="binary",
      ...                      optimizer=optax.adam(0.1), log_every=50)
      >>> carry = core.start(jax.random.key(0))
      >>> carry, first = core.advance(carry, (x, y), 100)   # steps 0-99
      >>> carry, second = core.advance(carry, (x, y), 100)  # steps 100-199
      >>> first["loss"].shape, float(second["accuracy"][-1])
      ((3,), 1.0)
    """
    specs = _mlp.layer_specs(sizes)
    lrec = _losses.get_loss(kind, "kind")
    kind = lrec.name
    act = _mlp.resolve_activation(activation)
    optimizer = _check_optimizer(optimizer)
    log_every = _validate.positive_int("log_every", log_every)
    precision = _check_precision(precision)
    if init is not None:
        _init.initializer(init)
    if diagnostics and act.rec is not None and act.rec.kind != "elementwise":
        raise ValueError(
            f"`diagnostics`: dead and saturated units are defined for elementwise activations, "
            f"got {act.rec.name!r}"
        )
    loss_of_logits = lrec.fn
    dt = jnp.dtype(dtype)

    def start(key: Array, hyperparams: Mapping[str, ArrayLike] | None = None) -> tuple[Any, Any]:
        hp = dict(hyperparams or {})
        # σ_w², σ_b² (a sweep's grid axes) go to the initializer, the rest to the optimizer.
        init_hp = _init.with_variances(init, {k: hp.pop(k) for k in _init.INIT_AXES if k in hp})
        params = _mlp.init_mlp(key, specs, activation=activation, init=init_hp, dtype=dt)
        opt_state = _opt_init(optimizer, params)
        if hp:
            opt_state = _set_hyperparams(opt_state, hp)
        return params, opt_state

    def advance(
        carry: tuple[Any, Any],
        data: tuple[ArrayLike, ArrayLike],
        n_steps: int,
        test: tuple[ArrayLike, ArrayLike] | None = None,
    ) -> tuple[tuple[Any, Any], dict[str, Array]]:
        n = _validate.positive_int("n_steps", n_steps)
        check_run_size(n, log_every)

        def cast(x: ArrayLike, y: ArrayLike) -> tuple[Array, Array]:
            y = jnp.asarray(y)
            return jnp.asarray(x).astype(dt), y if lrec.classes else y.astype(dt)

        x, y = cast(*data)
        xt, yt = (None, None) if test is None else cast(*test)

        def objective(p: Any) -> tuple[Array, Array]:
            logits = _mlp.mlp_apply(p, x, activation=activation)
            return loss_of_logits(logits, y), logits

        grad_fn = jax.value_and_grad(objective, has_aux=True)

        def measure(params: Any, loss: Array, logits: Array, grads: Any) -> dict[str, Array]:
            m = {
                "loss": loss,
                "accuracy": _losses.accuracy(logits, y, lrec),
                "finite": jnp.isfinite(loss),
            }
            if diagnostics:
                m["grad_norm"] = jnp.stack([jnp.sqrt(jnp.sum(jnp.square(g["w"]))) for g in grads])
                m["dead"] = _diag.dead_fraction(params, x, activation=activation)
                m["saturated"] = _diag.saturated_fraction(params, x, activation=activation)
                if _rational.is_rational(act.rec):
                    m.update(_diag.rational_health(params, x, activation=activation))
            return m

        n_log = -(-n // log_every) + 1

        def held_out(params: Any) -> dict[str, Array]:
            logits = _mlp.mlp_apply(params, xt, activation=activation)
            return {
                "test_loss": loss_of_logits(logits, yt),
                "test_accuracy": _losses.accuracy(logits, yt, lrec),
            }

        def evaluate(params: Any) -> tuple[dict[str, Array], Any]:
            (loss, logits), grads = grad_fn(params)
            return measure(params, loss, logits, grads), grads

        def step(state: Any, _: None) -> tuple[Any, None]:
            (params, opt_state), k, hist = state
            m, grads = evaluate(params)
            # Record every log_every-th evaluation with selects, not a lax.cond: every
            # step runs one program (on CPU a branch costs as much as what it skips).
            i, keep = k // log_every, k % log_every == 0
            if xt is not None:
                # The held-out forward pass is a whole pass over other data: a branch
                # skips it between logged steps.
                m.update(
                    held_out(params)
                    if log_every == 1
                    else jax.lax.cond(keep, held_out, lambda p: jax.tree.map(
                        lambda s: jnp.zeros(s.shape, s.dtype), jax.eval_shape(held_out, p)
                    ), params)
                )  # fmt: skip
            hist = {a: h.at[i].set(jnp.where(keep, m[a], h[i])) for a, h in hist.items()}
            updates, opt_state = _opt_update(optimizer, grads, opt_state, params)
            return ((optax.apply_updates(params, updates), opt_state), k + 1, hist), None

        with jax.default_matmul_precision(precision):
            shapes = jax.eval_shape(
                lambda p: {**evaluate(p)[0], **(held_out(p) if xt is not None else {})}, carry[0]
            )
            hist0 = {a: jnp.zeros((n_log, *s.shape), s.dtype) for a, s in shapes.items()}
            state = (carry, jnp.zeros((), jnp.int32), hist0)
            (carry, _, hist), _ = jax.lax.scan(step, state, None, length=n)
            last, _ = evaluate(carry[0])
            if xt is not None:
                last.update(held_out(carry[0]))
            leaves = [jnp.all(jnp.isfinite(v)) for v in jax.tree.leaves(carry[0])]
            last["finite"] = last["finite"] & jnp.all(jnp.stack(leaves))
        hist = {a: h.at[n_log - 1].set(last[a]) for a, h in hist.items()}
        return carry, hist

    return Chunk(start, advance)


def make_run(
    sizes: Sequence[int] | Sequence[tuple[int, int]],
    *,
    activation: ActivationLike,
    kind: str,
    optimizer: optax.GradientTransformation,
    steps: int,
    init: str | Callable[..., Array] | None = None,
    log_every: int = 1,
    diagnostics: bool = False,
    dtype: Any = jnp.float32,
    precision: str = "highest",
) -> Callable[..., tuple[list[dict[str, Any]], dict[str, Array]]]:
    r"""A pure function that performs one whole training run.

    Everything that shapes the program is fixed here; everything one sweeps over is an
    argument of the returned function::

        run(key, x, y, hyperparams=None) -> (params, history)

    It is the core of :func:`make_chunk` over all the steps: ``carry = start(key,
    hyperparams)``, then ``advance(carry, (x, y), steps)``:

    1. ``params = init_mlp(key, sizes, activation=activation, init=init, dtype=dtype)``
       — exactly that key, so the initial parameters equal ``init_mlp``'s;
    2. ``opt_state = optimizer.init(params)``; if ``hyperparams`` (a dict such as
       ``{"learning_rate": lr}``, values scalar arrays) is given, it overrides the
       entries of ``opt_state.hyperparams`` (the optimizer must then come from
       :func:`optax.inject_hyperparams`, e.g. ``make_optimizer(name, lr,
       inject=True)``);
    3. ``steps`` full-batch steps on ``(x, y)`` with ``value_and_grad`` of
       ``loss_for(kind)(mlp_apply(params, x, activation=activation), y)`` and
       ``optimizer.update``, in one ``lax.scan``;
    4. metrics at every step of :func:`logged_steps` ``(steps, log_every)``: on the
       parameters after t updates (t = 0, log_every, ...), and on the final ones.

    Arguments of ``run``:

    - ``key``: one PRNG key (``jax.random.key(seed)``);
    - ``x``: ``(n, d)`` features, any real dtype (cast to ``dtype`` inside);
    - ``y``: ``(n,)`` int labels for ``"softmax"`` / ``"binary"``, ``(n, k)`` float
      targets for ``"regression"`` (cast to ``dtype``);
    - ``hyperparams``: optional dict of optimizer hyperparameters, see step 2.

    ``run`` is neither jitted nor validated beyond shapes: the data should come from
    :func:`prepare_data`. ``jax.jit(run)`` trains one model; ``jax.jit(jax.vmap(run,
    in_axes=(0, None, None)))(keys, x, y)`` trains one per key in one program; its row i
    is bit for bit :func:`fit` with ``keys[i]`` and ``block=len(keys)``.

    Args:
      sizes: layer widths ``(d, ..., k)`` or ``(n_in, n_out)`` pairs.
      activation: the hidden activation (name, record or callable).
      kind: ``"softmax"``, ``"binary"`` or ``"regression"`` (the loss on the logits).
      optimizer: an optax ``GradientTransformation``.
      steps: number of optimizer steps, ≥ 1 (at most :data:`MAX_STEPS`).
      init: initializer name or callable; ``None`` picks
        :func:`~jaxact.default_init` of ``activation``.
      log_every: logging period, ≥ 1. Default 1.
      diagnostics: also log per-layer gradient norms and dead/saturated-unit fractions.
        Default ``False``.
      dtype: floating dtype of parameters and computation. Default float32.
      precision: matmul precision (see :func:`make_chunk`). Default ``"highest"``.

    Returns:
      ``run``. Its ``history`` is that of :func:`make_chunk`'s ``advance``: ``"loss"``
      ``(T,)``, ``"accuracy"`` ``(T,)`` (NaN for regression), ``"finite"`` ``(T,)``;
      with ``diagnostics``, ``"grad_norm"`` ``(T, L)``, ``"dead"`` ``(T, L-1)`` and
      ``"saturated"`` ``(T, L-1)``, where ``T = len(logged_steps(steps, log_every))``.
      ``params`` is the final pytree.

    Examples:
      >>> import jax, jax.numpy as jnp, optax, jaxact as ja
      >>> x = jnp.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=jnp.float32)
      >>> y = jnp.array([0, 1, 1, 0], dtype=jnp.int32)
      >>> run = ja.make_run((2, 8, 1), activation="tanh", kind="binary",
      ...                   optimizer=optax.adam(0.1), steps=200, log_every=50)
      >>> keys = jax.random.split(jax.random.key(0), 4)
      >>> params, hist = jax.jit(jax.vmap(run, in_axes=(0, None, None)))(keys, x, y)
      >>> hist["loss"].shape, hist["accuracy"][:, -1].tolist()
      ((4, 5), [1.0, 1.0, 1.0, 1.0])
    """
    steps = _validate.positive_int("steps", steps)
    log_every = _validate.positive_int("log_every", log_every)
    check_run_size(steps, log_every)
    core = make_chunk(
        sizes,
        activation=activation,
        kind=kind,
        optimizer=optimizer,
        init=init,
        log_every=log_every,
        diagnostics=diagnostics,
        dtype=dtype,
        precision=precision,
    )

    def run(
        key: Array, x: ArrayLike, y: ArrayLike, hyperparams: Mapping[str, ArrayLike] | None = None
    ) -> tuple[list[dict[str, Any]], dict[str, Array]]:
        carry = core.start(key, hyperparams)
        (params, _), history = core.advance(carry, (x, y), steps)
        return params, history

    return run


def _set_hyperparams(opt_state: Any, hyperparams: Mapping[str, ArrayLike]) -> Any:
    hp = getattr(opt_state, "hyperparams", None)
    if not isinstance(hp, dict):
        raise ValueError(
            "`hyperparams`: the optimizer must come from optax.inject_hyperparams (e.g. "
            "make_optimizer(name, lr, inject=True)) to take hyperparameters per run"
        )
    unknown = sorted(set(hyperparams) - set(hp))
    if unknown:
        raise ValueError(
            f"`hyperparams`: unknown names {unknown}; the optimizer's are {sorted(hp)}"
        )
    new = dict(hp)
    for k, v in hyperparams.items():
        new[k] = jnp.asarray(v).astype(jnp.asarray(hp[k]).dtype)
    return opt_state._replace(hyperparams=new)


# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------


def _is_task(data: Any) -> bool:
    return all(hasattr(data, a) for a in ("x", "y", "loss")) and not isinstance(data, tuple)


def prepare_data(
    data: Any,
    *,
    sizes: Sequence[int] | Sequence[tuple[int, int]] | None = None,
    hidden: Sequence[int] = (6, 6),
    loss: str | None = None,
    dtype: Any = jnp.float32,
) -> tuple[np.ndarray, np.ndarray, str, list[tuple[int, int]]]:
    """Validate a data set and settle the loss kind and the layer sizes.

    Args:
      data: a :class:`~jaxact.Task`, or an ``(x, y)`` tuple with ``x`` of shape ``(n,
        d)`` (any real dtype; integer features are accepted and cast) and ``y``: int
        labels ``(n,)`` for classification, float targets ``(n,)`` or ``(n, k)`` for
        regression.
      sizes: layer widths or ``(n_in, n_out)`` pairs. Default ``None``: ``(d, *hidden,
        out)`` with out = number of classes (softmax), 1 (binary) or k (regression).
      hidden: hidden widths used when ``sizes`` is ``None``. Default ``(6, 6)``.
      loss: ``"softmax"``, ``"binary"`` or ``"regression"``. Default ``None``: the task's
        kind; for a tuple, ``"regression"`` if ``y`` is floating, else ``"binary"``
        when the network has one output and ``"softmax"`` otherwise.
      dtype: floating dtype the features are cast to. Default float32.

    Returns:
      ``(x, y, kind, specs)``: ``x`` ``(n, d)`` in ``dtype``; ``y`` int32 ``(n,)``
      (classification) or ``(n, k)`` in ``dtype`` (regression); the kind; the layer
      specs ``[(n_in, n_out), ...]``.

    Raises:
      ValueError: NaN/inf, empty or wrong-rank data; ``x`` and ``y`` of different
        lengths; ``x``'s width differs from the first layer; labels out of range;
        layers that do not chain; an output width that does not fit the loss.
      TypeError: ``data`` is neither a task nor a pair; non-integer labels.

    Examples:
      >>> import numpy as np, jaxact as ja
      >>> x = np.array([[5, 1, 2], [3, 9, 8], [1, 2, 3], [9, 9, 9]])  # integer features
      >>> y = np.array([1, 0, 1, 0])
      >>> x2, y2, kind, specs = ja.prepare_data((x, y), sizes=(3, 6, 6, 1))
      >>> x2.dtype, kind, specs
      (dtype('float32'), 'binary', [(3, 6), (6, 6), (6, 1)])
    """
    if _is_task(data):
        x, y, task_kind = data.x, data.y, data.loss
    elif isinstance(data, (tuple, list)) and len(data) == 2:
        (x, y), task_kind = data, None
    else:
        raise TypeError(
            f"`data`: expected a Task (ja.load_task(name)) or an (x, y) pair, got "
            f"{type(data).__name__}"
        )
    specs = None if sizes is None else _mlp.layer_specs(sizes)
    xa = _validate.features("x", x, width=None if specs is None else specs[0][0])
    ya = _validate.numeric_array("y", y)
    if ya.ndim not in (1, 2):
        raise ValueError(f"`y`: expected shape (n,) or (n, k), got shape {ya.shape}")
    if ya.shape[0] != xa.shape[0]:
        raise ValueError(
            f"`y`: expected {xa.shape[0]} targets (one per row of `x`), got {ya.shape[0]} "
            f"(x has shape {xa.shape}, y has shape {ya.shape})"
        )
    integral = np.issubdtype(ya.dtype, np.integer) or np.issubdtype(ya.dtype, np.bool_)
    if not integral and not np.all(np.isfinite(ya)):
        bad = int(np.sum(~np.isfinite(ya)))
        raise ValueError(f"`y`: expected finite values, got {bad} NaN or infinite entries")

    if loss is not None:
        kind = _losses.get_loss(loss).name
    elif task_kind is not None:
        kind = _losses.get_loss(task_kind, "data.loss").name
    elif not integral:
        kind = "regression"
    else:
        kind = "binary" if specs is not None and specs[-1][1] == 1 else "softmax"
    lrec = _losses.get_loss(kind)

    if not lrec.classes:
        ya = ya.astype(dtype)
        if ya.ndim == 1:
            ya = ya[:, None]
        out = ya.shape[1]
    else:
        if not integral:
            raise TypeError(
                f"`y`: expected integer class labels for loss {kind!r}, got dtype {ya.dtype}"
            )
        if ya.ndim == 2:
            if ya.shape[1] != 1:
                raise ValueError(
                    f"`y`: expected class labels of shape (n,) for loss {kind!r}, got shape "
                    f"{ya.shape}"
                )
            ya = ya[:, 0]
        ya = ya.astype(np.int64)
        if lrec.n_classes is not None:
            out = lrec.width(lrec.n_classes)
        elif specs is not None:
            out = specs[-1][1]
        else:
            n_classes = getattr(data, "n_classes", None) if task_kind is not None else None
            out = int(n_classes) if n_classes else int(ya.max()) + 1
        if out < lrec.min_outputs:
            raise ValueError(
                f"`sizes`: loss {kind!r} needs at least {lrec.min_outputs} outputs, got {out}; "
                f"use loss='binary'"
            )
        lo, hi = 0, lrec.n_classes or out
        if ya.min() < lo or ya.max() >= hi:
            raise ValueError(
                f"`y`: labels must lie in [{lo}, {hi - 1}] for loss {kind!r} with {out} "
                f"network outputs, got min {ya.min()} and max {ya.max()}"
            )
        ya = ya.astype(np.int32)
    if specs is None:
        hidden = tuple(_validate.positive_int(f"hidden[{i}]", h) for i, h in enumerate(hidden))
        specs = _mlp.layer_specs((xa.shape[1], *hidden, out))
    if specs[-1][1] != out:
        raise ValueError(
            f"`sizes`: the last layer has {specs[-1][1]} outputs, but loss {kind!r} on this "
            f"data needs {out}"
        )
    if out < lrec.min_outputs:
        raise ValueError(
            f"`sizes`: loss {kind!r} needs at least {lrec.min_outputs} outputs, got {out}; "
            f"use loss='binary'"
        )
    return np.asarray(xa).astype(dtype), ya, kind, specs


def prepare_test(
    test: Any,
    *,
    x: np.ndarray,
    kind: str,
    sizes: Sequence[int] | Sequence[tuple[int, int]],
    dtype: Any = jnp.float32,
    arg: str = "test",
) -> tuple[np.ndarray, np.ndarray]:
    """Check held-out data against the training data; return it as :func:`prepare_data` does.

    The held-out set takes the forms of ``data`` (a :class:`~jaxact.Task` or an ``(x,
    y)`` pair) and must match the training data: the same number of features, the same
    task kind, the same classes (a task's ``n_classes``; labels in the network's
    range).

    Args:
      test: the held-out data.
      x: ``(n, d)`` the prepared training features (for the width).
      kind: the training loss kind.
      sizes: the layer specs of the network.
      dtype: floating dtype. Default float32.
      arg: the argument's name in error messages. Default ``"test"``.

    Returns:
      ``(x_test, y_test)``, NumPy arrays as from :func:`prepare_data`.

    Raises:
      ValueError / TypeError: any error of :func:`prepare_data`, a width, kind or class
        count that differs from the training data (the message names ``arg``).

    Examples:
      >>> import jaxact as ja
      >>> train, test = ja.split_task(ja.load_task("iris"), test_fraction=0.2, seed=0)
      >>> x, y, kind, specs = ja.prepare_data(train)
      >>> xt, yt = ja.prepare_test(test, x=x, kind=kind, sizes=specs)
      >>> xt.shape, yt.dtype
      ((30, 4), dtype('int32'))
    """
    specs = _mlp.layer_specs(sizes)
    if _is_task(test):
        if test.loss != kind:
            raise ValueError(
                f"`{arg}`: expected a {kind!r} task like the training data, got a "
                f"{test.loss!r} task"
            )
        n_classes = getattr(test, "n_classes", None)
        if n_classes is not None and _losses.get_loss(kind).width(n_classes) != specs[-1][1]:
            raise ValueError(
                f"`{arg}`: expected {specs[-1][1]} classes like the training data, got a task "
                f"with {n_classes}"
            )
        tx_ = np.asarray(test.x)
    elif isinstance(test, (tuple, list)) and len(test) == 2:
        tx_ = np.asarray(test[0])
    else:
        raise TypeError(
            f"`{arg}`: expected a Task or an (x, y) pair like `data`, got {type(test).__name__}"
        )
    if tx_.ndim == 2 and tx_.shape[1] != x.shape[1]:
        raise ValueError(
            f"`{arg}`: expected {x.shape[1]} features like the training data, got "
            f"{tx_.shape[1]} (shape {tx_.shape})"
        )
    try:
        xt, yt, _, _ = prepare_data(test, sizes=specs, loss=kind, dtype=dtype)
    except (ValueError, TypeError) as e:
        raise type(e)(f"`{arg}`: {e}") from None
    return xt, yt


# --------------------------------------------------------------------------------------
# fit
# --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class FitResult:
    """The result of :func:`fit`.

    Attributes:
      params: the final parameters (a pytree as from :func:`~jaxact.init_mlp`).
      history: NumPy arrays over the logged steps: ``"step"`` ``(T,)`` (see
        :func:`logged_steps`), ``"loss"`` ``(T,)``, ``"accuracy"`` ``(T,)`` (NaN for
        regression), ``"finite"`` ``(T,)`` (the loss is finite; at the last entry every
        parameter too) and, with ``diagnostics=True``,
        ``"grad_norm"`` ``(T, L)``, ``"dead"`` ``(T, L-1)``, ``"saturated"`` ``(T, L-1)``
        (and ``"min_q"``, ``"max_abs_f"`` ``(T, L-1)`` for a rational activation);
        with held-out data, ``"test_loss"`` and ``"test_accuracy"`` ``(T,)``.
      sizes: the layer specs ``[(n_in, n_out), ...]``.
      kind: the loss kind.
    """

    params: list[dict[str, Any]]
    history: dict[str, np.ndarray]
    sizes: list[tuple[int, int]]
    kind: str

    @property
    def final_loss(self) -> float:
        """The loss on the final parameters."""
        return float(self.history["loss"][-1])

    @property
    def final_accuracy(self) -> float:
        """The accuracy of the final parameters (NaN for regression)."""
        return float(self.history["accuracy"][-1])


@dataclasses.dataclass(frozen=True)
class _FitKey:
    """What one compiled program of :func:`fit` computes (the key of its cache)."""

    specs: tuple[tuple[int, int], ...]
    activation: Any  # a catalog name, or the callable itself
    kind: str
    optimizer: OptimizerKey
    init: Any
    dtype: str
    steps: int
    log_every: int
    diagnostics: bool
    precision: str
    x: tuple[tuple[int, ...], str]
    y: tuple[tuple[int, ...], str]
    hyperparams: tuple[tuple[str, str], ...]
    block: int
    test: tuple[tuple[tuple[int, ...], str], ...] | None = None


_FIT_PROGRAMS: collections.OrderedDict[_FitKey, Any] = collections.OrderedDict()
_FIT_PROGRAMS_SIZE = 16


def _activation_id(activation: Any) -> Any:
    act = _mlp.resolve_activation(activation)
    return act.rec.name if act.rec is not None and isinstance(activation, str) else activation


def _fit_programs(key: _FitKey, core: Chunk) -> tuple[Any, Any]:
    """The jitted ``start`` and ``advance`` of a block of copies of one run (by ``key``).

    They are the sweep's two programs on a block of ``key.block`` runs: with the
    sweep's block, bit for bit its numbers (see the module docstring).
    """
    progs = _FIT_PROGRAMS.pop(key, None)
    if progs is None:

        def start(k: Array, hp: dict[str, Array]) -> Any:
            keys = jnp.broadcast_to(k, (key.block,))
            hp = {n: jnp.broadcast_to(v, (key.block,)) for n, v in hp.items()}
            return jax.vmap(core.start)(keys, hp)

        def advance(carry: Any, x: Array, y: Array, *test: Array) -> Any:
            held_out = tuple(test) or None
            out = jax.vmap(lambda c: core.advance(c, (x, y), key.steps, held_out))(carry)
            return jax.tree.map(lambda v: v[0], out)

        platform = jax.default_backend()
        progs = (
            jax.jit(start, compiler_options=compiler_options(platform, start=True)),
            jax.jit(advance, compiler_options=compiler_options(platform)),
        )
    _FIT_PROGRAMS[key] = progs
    while len(_FIT_PROGRAMS) > _FIT_PROGRAMS_SIZE:
        _FIT_PROGRAMS.popitem(last=False)
    return progs


def fit(
    key: Array,
    data: Any,
    *,
    sizes: Sequence[int] | Sequence[tuple[int, int]] | None = None,
    hidden: Sequence[int] = (6, 6),
    activation: ActivationLike,
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
) -> FitResult:
    """Train an MLP full-batch on a data set.

    The data are checked (:func:`prepare_data`) and one run of :func:`make_run` is
    trained as a batch of one (or of ``block`` copies): ``params = init_mlp(key,
    sizes, activation=activation, init=init, dtype=dtype)`` with exactly ``key``, then
    ``steps`` optimizer steps in a ``lax.scan``. The same key gives bitwise the same
    result, and with the sweep's ``block`` the same bits as the run with this key in a
    :func:`~jaxact.training.sweep` of the same settings (see the module docstring). The
    compiled program is kept: a second call that computes the same thing (an equal
    optimizer, another key or learning rate of a named optimizer, other data of the
    same shapes) compiles nothing.

    Args:
      key: a PRNG key, ``jax.random.key(seed)``.
      data: a :class:`~jaxact.Task` or an ``(x, y)`` pair (see :func:`prepare_data`).
      sizes: layer widths or ``(n_in, n_out)`` pairs. Default ``None``: ``(d, *hidden,
        out)``.
      hidden: hidden widths when ``sizes`` is ``None``. Default ``(6, 6)``.
      activation: the hidden activation: catalog name, record or callable.
      optimizer: an optax ``GradientTransformation``, or a name for
        :func:`make_optimizer` with ``learning_rate`` (a per-run argument of the
        compiled program).
      steps: number of optimizer steps, ≥ 1 (at most :data:`MAX_STEPS`).
      loss: ``"softmax"``, ``"binary"`` or ``"regression"``. Default: the task's kind,
        or inferred from ``y`` (see :func:`prepare_data`).
      init: initializer name or callable. Default: :func:`~jaxact.default_init` of
        ``activation``.
      log_every: logging period in steps. Default 1.
      diagnostics: also log per-layer gradient norms and dead/saturated fractions.
      dtype: floating dtype of parameters and computation. Default float32.
      learning_rate: used only when ``optimizer`` is a name. Default 1e-2.
      hyperparams: optimizer hyperparameters for this run, e.g. ``{"b1": 0.5}`` (for a
        named optimizer or one from :func:`optax.inject_hyperparams`; see
        :func:`make_chunk`). Default ``None``.
      precision: matmul precision (see :func:`make_chunk`). Default ``"highest"``.
      block: train the run in a ``vmap`` over ``block`` copies of it, the layout of a
        sweep's block. Default 1. With the block of a :func:`~jaxact.training.sweep` (32 on CPU)
        the result is bit for bit that sweep's run (what
        :meth:`~jaxact.SweepResult.replay` does); XLA may round a batch of another size
        differently (float64 on CPU: in the last bit).
      test: held-out data in the forms of ``data`` (:func:`prepare_test`): the history
        adds ``"test_loss"`` and ``"test_accuracy"`` at the logged steps. Default
        ``None``.

    Returns:
      A :class:`FitResult`.

    Raises:
      ValueError / TypeError: bad data (see :func:`prepare_data`), ``steps`` < 1 or
        more than can be done (:func:`check_run_size`), unknown names, a key that is not
        a PRNG key — before anything compiles.

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
    check_run_size(steps, log_every)
    precision = _check_precision(precision)
    block = _validate.positive_int("block", block)
    if isinstance(optimizer, str):
        _validate.choice("optimizer", optimizer.strip().lower(), OPTIMIZERS)
        _validate.positive_float("learning_rate", learning_rate)
    else:
        _check_optimizer(optimizer)
    x, y, kind, specs = prepare_data(data, sizes=sizes, hidden=hidden, loss=loss, dtype=dtype)
    held_out = () if test is None else prepare_test(test, x=x, kind=kind, sizes=specs, dtype=dtype)
    act_id = _activation_id(activation)
    if init is not None:
        _init.initializer(init)
    dt = jnp.dtype(dtype)
    shapes = jax.eval_shape(
        lambda k: _mlp.init_mlp(k, specs, activation=activation, init=init, dtype=dt), key
    )
    tx, opt_key, hp = resolve_optimizer(optimizer, learning_rate, shapes)
    hp_dtypes = _hyperparam_dtypes(tx, shapes)
    hp.update(_check_hyperparams(hyperparams, hp_dtypes))
    hp_arrays = {k: np.asarray(v, hp_dtypes[k]) for k, v in sorted(hp.items())}
    fkey = _FitKey(
        specs=tuple(tuple(s) for s in specs),
        activation=act_id,
        kind=kind,
        optimizer=opt_key,
        init=init,
        dtype=str(dt),
        steps=steps,
        log_every=log_every,
        diagnostics=bool(diagnostics),
        precision=precision,
        x=(x.shape, str(x.dtype)),
        y=(y.shape, str(y.dtype)),
        hyperparams=tuple((k, str(v.dtype)) for k, v in hp_arrays.items()),
        block=block,
        test=tuple((a.shape, str(a.dtype)) for a in held_out) or None,
    )
    core = make_chunk(
        specs,
        activation=activation,
        kind=kind,
        optimizer=tx,
        init=init,
        log_every=log_every,
        diagnostics=diagnostics,
        dtype=dtype,
        precision=precision,
    )
    start, advance = _fit_programs(fkey, core)
    (params, _), hist = advance(start(key, hp_arrays), x, y, *held_out)
    history = {"step": logged_steps(steps, log_every)}
    history.update({k: np.asarray(v) for k, v in hist.items()})
    return FitResult(params=params, history=history, sizes=specs, kind=kind)


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


def _hyperparam_dtypes(tx: optax.GradientTransformation, params: Any) -> dict[str, Any]:
    """The dtypes of an injected optimizer's hyperparameters (empty for others)."""
    with jax.numpy_dtype_promotion("standard"):
        state = jax.eval_shape(tx.init, params)
    hp = getattr(state, "hyperparams", None)
    return {k: np.dtype(v.dtype) for k, v in hp.items()} if isinstance(hp, dict) else {}
