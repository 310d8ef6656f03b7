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
* :func:`~jaxact.training.fit.fit` — validates the data and runs the core over all the
  steps as a batch of one run (or a block of copies of it), compiled once per program
  (see below), returning a :class:`~jaxact.training.fit.FitResult`.
* :func:`make_train_step` — one jitted optimizer step for any loss, for loops of one's own.

The sweep (:func:`~jaxact.training.sweep`) runs the same core, ``vmap``-ped over blocks of runs.

**Same run, same bits.** A ``vmap``-ped run's arithmetic does not depend on which
other runs share its batch, nor on its place in it, but XLA may compile a batch of
another size into kernels that round differently (measured on CPU: float64 runs differ
in the last bit between batches of 1 and 32). The sweep therefore trains fixed blocks
of runs (:mod:`jaxact.training.engine`), and :func:`~jaxact.training.fit.fit` takes a
``block``: with the sweep's block it trains a block of copies of the run, bit for bit the
sweep's numbers. A run
does not depend on how its steps are split into chunks either.

**Compiled once per program.** :func:`~jaxact.training.fit.fit` keeps its compiled
programs keyed by what they compute: the network, the activation, the loss, the shapes
of the data, and the optimizer's computation (:func:`optimizer_key`: a named optimizer
by its name, with the learning rate an argument; an optax object by a digest of its
``init`` and ``update`` programs). A second ``fit`` with an equal but new
``optax.adam(1e-2)``, or a named optimizer at another learning rate, compiles nothing.

**Matmul precision.** Every matrix product of the core is traced under
``jax.default_matmul_precision(precision)``, ``"highest"`` by default: float32 products
in float32 on every backend (GPUs would otherwise use TF32, with 10-bit mantissas).
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import hashlib
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
    "BATCH_STREAM",
    "DEFAULT_HIDDEN",
    "MAX_LOGGED",
    "MAX_STEPS",
    "Chunk",
    "OptimizerKey",
    "check_batch_size",
    "check_run_size",
    "compiler_options",
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
#: The hidden widths of the network when none are given (the seed-002 network 4-6-6-3).
DEFAULT_HIDDEN = (6, 6)
#: The most optimizer steps of one run: optax and the core count steps in int32.
MAX_STEPS = 2**31 - 1
#: The most logged values of one metric that a call keeps (runs x logged steps): 2**28
#: values are 1 GiB in float32 per metric.
MAX_LOGGED = 2**28


# XLA:CPU sends batched matmuls to a library (YNNPACK) that is slower than its own
# kernels at the sizes of narrow networks (a 6 x 6 layer, 150 examples, one matrix per
# run: measured 2x per batched matmul and 1.4x per step of the reference sweep; 1.4x on
# digits' 64-6-6-10 network), and whose sums are not those of XLA's own kernels; without
# the concurrency-optimized thunk scheduler a chunk compiles in half the time, runs as
# fast and gives the same bits. From hidden layers of WIDE_LAYER units the library is
# faster (1.07x at 32, 1.15x at 64 and 256 per step, blocks of 32 on iris), and XLA's
# defaults are used. The initialization runs once: LLVM's optimization level 1 compiles
# it in a third of the time, to the same bits (a chunk would run 5% slower). Every
# program of the core is compiled with these options, so that fit and the sweep give the
# same bits; they are per program, not global.
_CPU_COMPILER_OPTIONS: dict[str, Any] = {
    "xla_cpu_experimental_ynn_fusion_type": "",
    "xla_cpu_enable_concurrency_optimized_scheduler": False,
}
_CPU_START_OPTIONS: dict[str, Any] = {"xla_backend_optimization_level": 1}
#: The hidden width from which the training programs take XLA:CPU's default options.
WIDE_LAYER = 32


def compiler_options(platform: str, *, start: bool = False, width: int = 0) -> dict[str, Any]:
    """The XLA compiler options of the training core's programs on ``platform``.

    Args:
      platform: ``"cpu"``, ``"gpu"``, ``"tpu"`` ...
      start: the options of the initialization program (``start``) rather than of the
        training steps (``advance``). Default ``False``.
      width: the network's widest hidden layer; from ``WIDE_LAYER`` (32) units the
        training steps take XLA's defaults on CPU. Default 0 (narrow).

    Returns:
      A dict for ``jax.jit(..., compiler_options=...)`` (empty off CPU).

    Examples:
      >>> import jaxact as ja
      >>> len(ja.compiler_options("cpu")), ja.compiler_options("cpu", start=True)[
      ...     "xla_backend_optimization_level"], ja.compiler_options("gpu")
      (2, 1, {})
      >>> ja.compiler_options("cpu", width=64)
      {}
    """
    if platform != "cpu":
        return {}
    if start:
        return {**_CPU_COMPILER_OPTIONS, **_CPU_START_OPTIONS}
    return {} if width >= WIDE_LAYER else dict(_CPU_COMPILER_OPTIONS)


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


def check_batch_size(batch_size: Any, n: int | None = None, arg: str = "batch_size") -> int | None:
    """A checked batch size: ``None`` (full batch) or a positive int, at most ``n`` (the
    samples, when known).

    Raises:
      ValueError / TypeError: naming ``arg``, for anything else.

    Examples:
      >>> import jaxact as ja
      >>> ja.check_batch_size(16, 150), ja.check_batch_size(None)
      (16, None)
      >>> try:
      ...     ja.check_batch_size(200, 150)
      ... except ValueError as e:
      ...     print(e)  # doctest: +ELLIPSIS
      `batch_size`: expected at most the 150 training samples, got 200; ...
    """
    if batch_size is None:
        return None
    b = _validate.positive_int(arg, batch_size)
    if n is not None and b > n:
        raise ValueError(
            f"`{arg}`: expected at most the {n} training samples, got {b}; leave it out "
            "(None) for full-batch steps"
        )
    return b


#: The stream of a run's key that draws its mini-batches: ``fold_in(key, BATCH_STREAM)``
#: (the initialization uses ``key`` itself).
BATCH_STREAM = 1


def make_chunk(
    sizes: Sequence[int] | Sequence[tuple[int, int]],
    *,
    activation: ActivationLike,
    loss: str | _losses.Loss | None = None,
    optimizer: optax.GradientTransformation,
    init: str | Callable[..., Array] | None = None,
    log_every: int = 1,
    diagnostics: bool = False,
    dtype: Any = jnp.float32,
    precision: str = "highest",
    batch_size: int | None = None,
    kind: str | None = None,
) -> Chunk:
    r"""The training core: one run as ``start`` and ``advance``, pure and jittable.

    Everything that shapes the program is fixed here; the key, hyperparameters, data and
    carry are arguments: ``carry = start(key, hyperparams=None)``, then ``carry, history =
    advance(carry, (x, y), n_steps, test=None)``. ``start`` makes ``init_mlp(key,
    sizes, ...)`` (exactly that key) and ``optimizer.init``; ``hyperparams`` (e.g.
    ``{"learning_rate": lr}``) override ``opt_state.hyperparams`` (an optimizer from
    :func:`optax.inject_hyperparams`). ``advance`` runs ``n_steps`` steps in one
    ``lax.scan``: at step :math:`k`, :math:`\ell, g = \text{value\_and\_grad}(\theta_k)`,
    the metrics recorded when :math:`k` is a multiple of ``log_every`` (so chunks of
    multiples of ``log_every`` log what one ``advance`` logs), ``optimizer.update``;
    then the metrics of the parameters reached, and with ``test=(x_test, y_test)`` the
    held-out ones. Matmuls run under ``jax.default_matmul_precision(precision)``.

    **Mini-batches.** With ``batch_size=b`` the carry gains ``(key data, step)``; step
    :math:`t` trains on the ``b`` rows whose draws are largest among ``n`` uniform draws
    from ``fold_in(fold_in(key,`` :data:`BATCH_STREAM` ``), t)`` (``lax.top_k``):
    distinct rows per batch (drawn without replacement), batches independent, from the
    run's own key. The logged metrics are those of the whole training set.

    Args:
      sizes: layer widths ``(d, ..., k)`` or ``(n_in, n_out)`` pairs.
      activation: the hidden activation (name, record or callable).
      loss: ``"softmax"``, ``"binary"`` or ``"regression"`` (the loss on the logits) or
        a :class:`~jaxact.Loss`. Required.
      optimizer: an optax ``GradientTransformation``.
      init: initializer name or callable. Default ``None``: :func:`~jaxact.default_init`.
      log_every: logging period, ≥ 1. Default 1.
      diagnostics: also log per-layer gradient norms, dead and saturated fractions.
      dtype: floating dtype of parameters and computation. Default float32.
      precision: ``"highest"`` (default), ``"high"`` or ``"default"`` (TF32 on GPUs).
      batch_size: rows per step, ≥ 1. Default ``None``: every row (full batch).
      kind: the old name of ``loss`` (deprecated).

    Returns:
      A :class:`Chunk`; ``history`` over ``T = ceil(n_steps / log_every) + 1`` entries:
      ``"loss"``, ``"accuracy"`` (NaN for regression), ``"finite"`` ``(T,)``; with
      ``test``, ``"test_loss"``, ``"test_accuracy"``; with ``diagnostics``,
      ``"grad_norm"`` ``(T, L)``, ``"dead"``, ``"saturated"`` ``(T, L-1)`` (and for a
      rational activation ``"min_q"``, ``"max_abs_f"``, :func:`~jaxact.rational_health`).

    Examples:
      >>> import jax, jax.numpy as jnp, optax, jaxact as ja
      >>> x = jnp.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=jnp.float32)
      >>> y = jnp.array([0, 1, 1, 0], dtype=jnp.int32)
      >>> core = ja.make_chunk((2, 8, 1), activation="tanh", loss="binary",
      ...                      optimizer=optax.adam(0.1), log_every=50)
      >>> carry = core.start(jax.random.key(0))
      >>> carry, first = core.advance(carry, (x, y), 100)   # steps 0-99
      >>> carry, second = core.advance(carry, (x, y), 100)  # steps 100-199
      >>> first["loss"].shape, float(second["accuracy"][-1])
      ((3,), 1.0)
    """
    rec = _losses.renamed_loss(loss, kind, "make_chunk")
    if init is not None:
        _init.initializer(init)
    _check_diagnostics(_mlp.resolve_activation(activation), diagnostics)
    core = _Core(
        specs=_mlp.layer_specs(sizes),
        activation=activation,
        loss=rec.name,
        optimizer=_check_optimizer(optimizer),
        init=init,
        log_every=_validate.positive_int("log_every", log_every),
        diagnostics=bool(diagnostics),
        dtype=jnp.dtype(dtype),
        precision=_check_precision(precision),
        batch_size=check_batch_size(batch_size),
    )
    return Chunk(core.start, core.advance)


def _check_diagnostics(act: Any, diagnostics: Any) -> None:
    if diagnostics and act.rec is not None and act.rec.kind != "elementwise":
        raise ValueError(
            f"`diagnostics`: dead and saturated units are defined for elementwise activations, "
            f"got {act.rec.name!r}"
        )


@dataclasses.dataclass(frozen=True)
class _Core:
    """The settings of :func:`make_chunk` (checked) and its two functions."""

    specs: list[tuple[int, int]]
    activation: Any
    loss: str
    optimizer: optax.GradientTransformation
    init: Any
    log_every: int
    diagnostics: bool
    dtype: Any
    precision: str
    batch_size: int | None

    def start(self, key: Array, hyperparams: Mapping[str, ArrayLike] | None = None) -> Any:
        hp = dict(hyperparams or {})
        # σ_w², σ_b² (a sweep's grid axes) go to the initializer, the rest to the optimizer.
        init_hp = _init.with_variances(
            self.init, {k: hp.pop(k) for k in _init.INIT_AXES if k in hp}
        )
        params = _mlp.init_mlp(
            key, self.specs, activation=self.activation, init=init_hp, dtype=self.dtype
        )
        opt_state = _opt_init(self.optimizer, params)
        if hp:
            opt_state = _set_hyperparams(opt_state, hp)
        if self.batch_size is None:
            return params, opt_state
        stream = jax.random.key_data(jax.random.fold_in(key, BATCH_STREAM))
        return params, opt_state, (stream, jnp.zeros((), jnp.int32))

    def cast(self, x: ArrayLike, y: ArrayLike) -> tuple[Array, Array]:
        y = jnp.asarray(y)
        lrec = _losses.get_loss(self.loss)
        return jnp.asarray(x).astype(self.dtype), y if lrec.classes else y.astype(self.dtype)

    def objective(self, p: Any, x: Array, y: Array) -> tuple[Array, Array]:
        logits = _mlp.mlp_apply(p, x, activation=self.activation)
        return _losses.get_loss(self.loss).fn(logits, y), logits

    def measure(self, params: Any, loss: Array, logits: Array, y: Array) -> dict[str, Array]:
        return {
            "loss": loss,
            "accuracy": _losses.accuracy(logits, y, _losses.get_loss(self.loss)),
            "finite": jnp.isfinite(loss),
        }

    def diagnose(self, params: Any, grads: Any, x: Array) -> dict[str, Array]:
        act = self.activation
        m = {
            "grad_norm": jnp.stack([jnp.sqrt(jnp.sum(jnp.square(g["w"]))) for g in grads]),
            "dead": _diag.dead_fraction(params, x, activation=act),
            "saturated": _diag.saturated_fraction(params, x, activation=act),
        }
        if _rational.is_rational(_mlp.resolve_activation(act).rec):
            m.update(_diag.rational_health(params, x, activation=act))
        return m

    def evaluate(self, params: Any, data: tuple[Array, Array], batch: Any) -> tuple[Any, Any]:
        """The metrics to log at ``params`` and the gradient of this step's batch."""
        x, y = data
        grad_fn = jax.value_and_grad(self.objective, has_aux=True)
        if batch is None:  # full batch: the metrics come with the gradient
            (loss, logits), grads = grad_fn(params, x, y)
            m = self.measure(params, loss, logits, y)
        else:
            _, grads = grad_fn(params, *batch)
            m = self.on_data(params, data)
        if self.diagnostics:
            m.update(self.diagnose(params, grads, x))
        return m, grads

    def on_data(self, params: Any, data: tuple[Array, Array]) -> dict[str, Array]:
        loss, logits = self.objective(params, *data)
        return self.measure(params, loss, logits, data[1])

    def held_out(self, params: Any, test: tuple[Array, Array]) -> dict[str, Array]:
        m = self.on_data(params, test)
        return {"test_loss": m["loss"], "test_accuracy": m["accuracy"]}

    def logged(self, keep: Array, fn: Callable[[Any], Any], params: Any) -> Any:
        """``fn(params)`` where ``keep``, zeros elsewhere: a branch skips a whole pass
        over the data between logged steps (computed every step when every step logs)."""
        if self.log_every == 1:
            return fn(params)
        zeros = jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), jax.eval_shape(fn, params))
        return jax.lax.cond(keep, fn, lambda p: zeros, params)

    def batch(self, carry: Any, data: tuple[Array, Array]) -> Any:
        """This step's rows of ``data`` (``None`` for full batch), drawn from the run's key."""
        if self.batch_size is None:
            return None
        stream, t = carry[2]
        key = jax.random.fold_in(jax.random.wrap_key_data(stream), t)
        n = data[0].shape[0]
        # the rows of the largest of n uniform draws: distinct rows, each set of
        # batch_size equally likely; 12x cheaper than choice(replace=False)'s shuffle
        rows = jax.lax.top_k(jax.random.uniform(key, (n,), jnp.float32), self.batch_size)[1]
        return data[0][rows], data[1][rows]

    def step(self, data: Any, test: Any, state: Any, _: None) -> tuple[Any, None]:
        carry, k, hist = state
        params, opt_state = carry[0], carry[1]
        i, keep = k // self.log_every, k % self.log_every == 0
        if self.batch_size is None:
            m, grads = self.evaluate(params, data, None)
        else:
            m, grads = self.evaluate_batch(keep, carry, data)
        if test is not None:
            m.update(self.logged(keep, lambda p: self.held_out(p, test), params))
        hist = {a: h.at[i].set(jnp.where(keep, m[a], h[i])) for a, h in hist.items()}
        updates, opt_state = _opt_update(self.optimizer, grads, opt_state, params)
        new = (optax.apply_updates(params, updates), opt_state)
        if self.batch_size is not None:
            new = (*new, (carry[2][0], carry[2][1] + 1))
        return (new, k + 1, hist), None

    def evaluate_batch(self, keep: Array, carry: Any, data: Any) -> tuple[Any, Any]:
        params = carry[0]
        _, grads = jax.value_and_grad(self.objective, has_aux=True)(
            params, *self.batch(carry, data)
        )
        m = self.logged(keep, lambda p: self.on_data(p, data), params)
        if self.diagnostics:
            m.update(self.diagnose(params, grads, data[0]))
        return m, grads

    def final(self, params: Any, data: Any, test: Any) -> dict[str, Array]:
        last, _ = self.evaluate(params, data, None)
        if test is not None:
            last.update(self.held_out(params, test))
        leaves = [jnp.all(jnp.isfinite(v)) for v in jax.tree.leaves(params)]
        last["finite"] = last["finite"] & jnp.all(jnp.stack(leaves))
        return last

    def advance(
        self,
        carry: Any,
        data: tuple[ArrayLike, ArrayLike],
        n_steps: int,
        test: tuple[ArrayLike, ArrayLike] | None = None,
    ) -> tuple[Any, dict[str, Array]]:
        n = _validate.positive_int("n_steps", n_steps)
        check_run_size(n, self.log_every)
        data = self.cast(*data)
        test = None if test is None else self.cast(*test)
        n_log = -(-n // self.log_every) + 1
        step = functools.partial(self.step, data, test)
        with jax.default_matmul_precision(self.precision):
            shapes = jax.eval_shape(lambda p: self.final(p, data, test), carry[0])
            hist0 = {a: jnp.zeros((n_log, *s.shape), s.dtype) for a, s in shapes.items()}
            state = (carry, jnp.zeros((), jnp.int32), hist0)
            (carry, _, hist), _ = jax.lax.scan(step, state, None, length=n)
            last = self.final(carry[0], data, test)
        hist = {a: h.at[n_log - 1].set(last[a]) for a, h in hist.items()}
        return carry, hist


def make_run(
    sizes: Sequence[int] | Sequence[tuple[int, int]],
    *,
    activation: ActivationLike,
    loss: str | _losses.Loss | None = None,
    optimizer: optax.GradientTransformation,
    steps: int,
    init: str | Callable[..., Array] | None = None,
    log_every: int = 1,
    diagnostics: bool = False,
    dtype: Any = jnp.float32,
    precision: str = "highest",
    batch_size: int | None = None,
    kind: str | None = None,
) -> Callable[..., tuple[list[dict[str, Any]], dict[str, Array]]]:
    r"""A pure function that performs one whole training run.

    Everything that shapes the program is fixed here; everything one sweeps over is an
    argument of the returned function::

        run(key, x, y, hyperparams=None) -> (params, history)

    It is the core of :func:`make_chunk` over all the steps: ``carry = start(key,
    hyperparams)``, then ``advance(carry, (x, y), steps)``: the initial parameters are
    ``init_mlp(key, sizes, ...)`` with exactly ``key``; ``hyperparams`` (e.g.
    ``{"learning_rate": lr}``) needs an optimizer from :func:`optax.inject_hyperparams`
    (``make_optimizer(name, lr, inject=True)``); the metrics are logged at
    :func:`logged_steps` ``(steps, log_every)``. ``x`` is ``(n, d)``, ``y`` int labels
    ``(n,)`` or regression targets ``(n, k)``, as from :func:`prepare_data`; ``run`` is
    neither jitted nor validated beyond shapes. ``jax.jit(jax.vmap(run, in_axes=(0, None,
    None)))(keys, x, y)`` trains one model per key in one program.

    Args:
      sizes, activation, loss, optimizer, init, log_every: as in :func:`make_chunk`.
      diagnostics, dtype, precision, batch_size: as in :func:`make_chunk`.
      steps: number of optimizer steps, ≥ 1 (at most :data:`MAX_STEPS`).
      kind: the old name of ``loss`` (deprecated).

    Returns:
      ``run``; its ``history`` is that of :func:`make_chunk`'s ``advance`` over ``T =
      len(logged_steps(steps, log_every))`` entries, ``params`` the final pytree.

    Examples:
      >>> import jax, jax.numpy as jnp, optax, jaxact as ja
      >>> x = jnp.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=jnp.float32)
      >>> y = jnp.array([0, 1, 1, 0], dtype=jnp.int32)
      >>> run = ja.make_run((2, 8, 1), activation="tanh", loss="binary",
      ...                   optimizer=optax.adam(0.1), steps=200, log_every=50)
      >>> keys = jax.random.split(jax.random.key(0), 4)
      >>> params, hist = jax.jit(jax.vmap(run, in_axes=(0, None, None)))(keys, x, y)
      >>> hist["loss"].shape, hist["accuracy"][:, -1].tolist()
      ((4, 5), [1.0, 1.0, 1.0, 1.0])
    """
    rec = _losses.renamed_loss(loss, kind, "make_run")
    steps = _validate.positive_int("steps", steps)
    log_every = _validate.positive_int("log_every", log_every)
    check_run_size(steps, log_every)
    core = make_chunk(
        sizes, activation=activation, loss=rec, optimizer=optimizer, init=init,
        log_every=log_every, diagnostics=diagnostics, dtype=dtype, precision=precision,
        batch_size=batch_size,
    )  # fmt: skip

    def run(
        key: Array, x: ArrayLike, y: ArrayLike, hyperparams: Mapping[str, ArrayLike] | None = None
    ) -> tuple[list[dict[str, Any]], dict[str, Array]]:
        carry = core.start(key, hyperparams)
        carry, history = core.advance(carry, (x, y), steps)
        return carry[0], history

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


def _read_data(data: Any, specs: Any) -> tuple[np.ndarray, np.ndarray, Any, bool]:
    """``(x, y, the task's loss or None, whether y is integral)`` of a task or pair, checked."""
    if _is_task(data):
        x, y, task_loss = data.x, data.y, data.loss
    elif isinstance(data, (tuple, list)) and len(data) == 2:
        (x, y), task_loss = data, None
    else:
        raise TypeError(
            f"`data`: expected a Task (ja.load_task(name)) or an (x, y) pair, got "
            f"{type(data).__name__}"
        )
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
    return xa, ya, task_loss, bool(integral)


def _settle_loss(loss: Any, task_loss: Any, integral: bool, specs: Any) -> str:
    """The loss's name: ``loss``, else the task's, else inferred from ``y`` and the sizes."""
    if loss is not None:
        name = _losses.get_loss(loss).name
    elif task_loss is not None:
        name = _losses.get_loss(task_loss, "data.loss").name
    elif not integral:
        name = "regression"
    else:
        name = "binary" if specs is not None and specs[-1][1] == 1 else "softmax"
    return name


def _settle_specs(specs: Any, hidden: Any, d: int, out: int, loss: str) -> list[tuple[int, int]]:
    """The layer specs (from ``hidden`` when ``specs`` is None), checked against ``out``."""
    if specs is None:
        hidden = tuple(_validate.positive_int(f"hidden[{i}]", h) for i, h in enumerate(hidden))
        specs = _mlp.layer_specs((d, *hidden, out))
    if specs[-1][1] != out:
        raise ValueError(
            f"`sizes`: the last layer has {specs[-1][1]} outputs, but loss {loss!r} on this "
            f"data needs {out}"
        )
    if out < _losses.get_loss(loss).min_outputs:
        raise ValueError(
            f"`sizes`: loss {loss!r} needs at least {_losses.get_loss(loss).min_outputs} "
            f"outputs, got {out}; use loss='binary'"
        )
    return specs


def prepare_data(
    data: Any,
    *,
    sizes: Sequence[int] | Sequence[tuple[int, int]] | None = None,
    hidden: Sequence[int] = DEFAULT_HIDDEN,
    loss: str | None = None,
    dtype: Any = jnp.float32,
) -> tuple[np.ndarray, np.ndarray, str, list[tuple[int, int]]]:
    """Validate a data set and settle the loss and the layer sizes.

    Args:
      data: a :class:`~jaxact.Task`, or an ``(x, y)`` tuple: ``x`` ``(n, d)`` (any real
        dtype), ``y`` int labels ``(n,)`` or float targets ``(n,)`` / ``(n, k)``.
      sizes: layer widths or ``(n_in, n_out)`` pairs. Default ``None``: ``(d, *hidden,
        out)``, out = classes (softmax), 1 (binary) or k (regression).
      hidden: hidden widths used when ``sizes`` is ``None``. Default :data:`DEFAULT_HIDDEN`.
      loss: ``"softmax"``, ``"binary"`` or ``"regression"``. Default ``None``: the
        task's loss; for a tuple, regression for floating ``y``, else binary with one
        output and softmax otherwise.
      dtype: floating dtype the features are cast to. Default float32.
    Returns:
      ``(x, y, loss, specs)``: ``x`` ``(n, d)`` in ``dtype``; ``y`` int32 ``(n,)`` or
      ``(n, k)`` in ``dtype``; the loss's name; the layer specs ``[(n_in, n_out), ...]``.

    Raises:
      ValueError / TypeError: bad data (NaN, empty, wrong rank or length, labels out of
        range or not integers), layers that do not chain or fit the loss.

    Examples:
      >>> import numpy as np, jaxact as ja
      >>> x = np.array([[5, 1, 2], [3, 9, 8], [1, 2, 3], [9, 9, 9]])  # integer features
      >>> x2, y2, loss, specs = ja.prepare_data((x, np.array([1, 0, 1, 0])), sizes=(3, 6, 6, 1))
      >>> x2.dtype, loss, specs
      (dtype('float32'), 'binary', [(3, 6), (6, 6), (6, 1)])
    """
    specs = None if sizes is None else _mlp.layer_specs(sizes)
    xa, ya, task_loss, integral = _read_data(data, specs)

    loss = _settle_loss(loss, task_loss, integral, specs)
    lrec = _losses.get_loss(loss)

    if not lrec.classes:
        ya = ya.astype(dtype)
        if ya.ndim == 1:
            ya = ya[:, None]
        out = ya.shape[1]
    else:
        if not integral:
            raise TypeError(
                f"`y`: expected integer class labels for loss {loss!r}, got dtype {ya.dtype}"
            )
        if ya.ndim == 2:
            if ya.shape[1] != 1:
                raise ValueError(
                    f"`y`: expected class labels of shape (n,) for loss {loss!r}, got shape "
                    f"{ya.shape}"
                )
            ya = ya[:, 0]
        ya = ya.astype(np.int64)
        if lrec.n_classes is not None:
            out = lrec.width(lrec.n_classes)
        elif specs is not None:
            out = specs[-1][1]
        else:
            n_classes = getattr(data, "n_classes", None) if task_loss is not None else None
            out = int(n_classes) if n_classes else int(ya.max()) + 1
        if out < lrec.min_outputs:
            raise ValueError(
                f"`sizes`: loss {loss!r} needs at least {lrec.min_outputs} outputs, got {out}; "
                f"use loss='binary'"
            )
        lo, hi = 0, lrec.n_classes or out
        if ya.min() < lo or ya.max() >= hi:
            raise ValueError(
                f"`y`: labels must lie in [{lo}, {hi - 1}] for loss {loss!r} with {out} "
                f"network outputs, got min {ya.min()} and max {ya.max()}"
            )
        ya = ya.astype(np.int32)
    specs = _settle_specs(specs, hidden, xa.shape[1], out, loss)
    return np.asarray(xa).astype(dtype), ya, loss, specs


def prepare_test(
    test: Any,
    *,
    x: np.ndarray,
    loss: str | _losses.Loss | None = None,
    sizes: Sequence[int] | Sequence[tuple[int, int]],
    dtype: Any = jnp.float32,
    arg: str = "test",
    kind: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Check held-out data against the training data; return it as :func:`prepare_data` does.

    The held-out set takes the forms of ``data`` (a :class:`~jaxact.Task` or an ``(x,
    y)`` pair) and must match the training data: the same number of features, the same
    loss, the same classes (a task's ``n_classes``; labels in the network's
    range).

    Args:
      test: the held-out data.
      x: ``(n, d)`` the prepared training features (for the width).
      loss: the training loss (its name or :class:`~jaxact.Loss`). Required.
      sizes: the layer specs of the network.
      dtype: floating dtype. Default float32.
      arg: the argument's name in error messages. Default ``"test"``.
      kind: the old name of ``loss`` (deprecated).

    Returns:
      ``(x_test, y_test)``, NumPy arrays as from :func:`prepare_data`.

    Raises:
      ValueError / TypeError: any error of :func:`prepare_data`, a width, loss or class
        count that differs from the training data (the message names ``arg``).

    Examples:
      >>> import jaxact as ja
      >>> train, test = ja.split_task(ja.load_task("iris"), test_fraction=0.2, seed=0)
      >>> x, y, loss, specs = ja.prepare_data(train)
      >>> xt, yt = ja.prepare_test(test, x=x, loss=loss, sizes=specs)
      >>> xt.shape, yt.dtype
      ((30, 4), dtype('int32'))
    """
    loss = _losses.renamed_loss(loss, kind, "prepare_test").name
    specs = _mlp.layer_specs(sizes)
    if _is_task(test):
        if test.loss != loss:
            raise ValueError(
                f"`{arg}`: expected a {loss!r} task like the training data, got a "
                f"{test.loss!r} task"
            )
        n_classes = getattr(test, "n_classes", None)
        if n_classes is not None and _losses.get_loss(loss).width(n_classes) != specs[-1][1]:
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
        xt, yt, _, _ = prepare_data(test, sizes=specs, loss=loss, dtype=dtype)
    except (ValueError, TypeError) as e:
        raise type(e)(f"`{arg}`: {e}") from None
    return xt, yt
