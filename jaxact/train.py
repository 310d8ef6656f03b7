r"""Training: a jitted optax step, and full-batch training under :func:`jax.lax.scan`.

Three layers, each built from the one below:

* :func:`make_train_step` — one optimizer step ``(params, opt_state, batch) ->
  (params, opt_state, loss)`` for any loss and any optax ``GradientTransformation``
  (gradient clipping is an ``optax.chain``), jitted once with params and optimizer
  state donated.
* :func:`make_run` — the pure building block: from the static configuration (layer
  sizes, activation, loss kind, optimizer, number of steps, logging) it returns
  ``run(key, x, y, hyperparams=None) -> (params, history)``, a whole training run
  (init from ``key``, then ``steps`` full-batch steps in a ``lax.scan``). ``run`` is
  pure and not jitted: jit it, or ``vmap`` it over keys (seeds) and hyperparameters
  to train many models in one compiled program.
* :func:`fit` — validates the data, builds ``run`` with :func:`make_run`, jits and
  calls it once, and returns a :class:`FitResult` with NumPy histories.

``fit(key, ...)`` is ``jax.jit(make_run(...))(key, x, y)``: the same key gives bitwise
the same result. The row for ``key`` of a vmapped run over many keys is the same
computation batched; it agrees with ``fit`` to float rounding (XLA may order a batched
reduction differently), not necessarily bit for bit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxact import _validate
from jaxact import activations as _acts
from jaxact import diagnostics as _diag
from jaxact import init as _init
from jaxact import losses as _losses
from jaxact import mlp as _mlp

Array = jax.Array
ArrayLike = jax.typing.ArrayLike
ActivationLike = str | _acts.Activation | Callable[..., Array]

__all__ = [
    "FitResult",
    "fit",
    "logged_steps",
    "make_optimizer",
    "make_run",
    "make_train_step",
    "prepare_data",
]

_OPTIMIZERS = ("adam", "adamw", "sgd", "momentum", "nesterov", "rmsprop", "adagrad", "nadam")


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
    name = _validate.choice("optimizer", optimizer.strip().lower(), _OPTIMIZERS)
    lr = _validate.positive_float("learning_rate", learning_rate)

    def factory(learning_rate: float) -> optax.GradientTransformation:
        if name == "momentum":
            return optax.sgd(learning_rate, momentum=0.9)
        if name == "nesterov":
            return optax.sgd(learning_rate, momentum=0.9, nesterov=True)
        return getattr(optax, name)(learning_rate)

    if inject:
        return optax.inject_hyperparams(factory)(learning_rate=lr)
    return factory(lr)


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

    Args:
      loss_fn: ``loss_fn(params, batch) -> scalar``, e.g. :func:`~jaxact.make_loss`.
      optimizer: any optax ``GradientTransformation``; clipping is
        ``optax.chain(optax.clip_by_global_norm(c), optax.adam(lr))``.

    Returns:
      ``step(params, opt_state, batch) -> (params, opt_state, loss)``, jitted; ``loss``
      is the loss at the parameters passed in (before the update).

    Raises:
      TypeError: ``loss_fn`` is not callable or ``optimizer`` is not a
        ``GradientTransformation``.

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

    def step(params: Any, opt_state: Any, batch: Any) -> tuple[Any, Any, Array]:
        loss, grads = jax.value_and_grad(loss_fn)(params, batch)
        updates, opt_state = _opt_update(optimizer, grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    return jax.jit(step, donate_argnums=(0, 1))


def logged_steps(steps: int, log_every: int = 1) -> np.ndarray:
    """The step numbers at which a run logs its metrics.

    Metrics are logged on the parameters after ``t`` updates for ``t = 0, log_every,
    2 log_every, ... < steps``, and once more after the last update (``t = steps``).

    Args:
      steps: number of optimizer steps, ≥ 1.
      log_every: logging period, ≥ 1. Default 1.

    Returns:
      An int array of shape ``(ceil(steps / log_every) + 1,)``.

    Examples:
      >>> import jaxact as ja
      >>> ja.logged_steps(10, 3)
      array([ 0,  3,  6,  9, 10])
    """
    steps = _validate.positive_int("steps", steps)
    log_every = _validate.positive_int("log_every", log_every)
    return np.append(np.arange(0, steps, log_every), steps)


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
) -> Callable[..., tuple[list[dict[str, Any]], dict[str, Array]]]:
    r"""A pure function that performs one whole training run.

    Everything that shapes the program is fixed here; everything one sweeps over is an
    argument of the returned function::

        run(key, x, y, hyperparams=None) -> (params, history)

    1. ``params = init_mlp(key, sizes, activation=activation, init=init, dtype=dtype)``
       — exactly that key, so the initial parameters equal ``init_mlp``'s;
    2. ``opt_state = optimizer.init(params)``; if ``hyperparams`` (a dict such as
       ``{"learning_rate": lr}``, values scalar arrays) is given, it overrides the
       entries of ``opt_state.hyperparams`` (the optimizer must then come from
       :func:`optax.inject_hyperparams`, e.g. ``make_optimizer(name, lr,
       inject=True)``);
    3. ``steps`` full-batch steps on ``(x, y)`` with ``value_and_grad`` of
       ``loss_for(kind)(mlp_apply(params, x, activation=activation), y)`` and
       ``optimizer.update``, in a ``lax.scan`` of chunks of ``log_every`` steps;
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
    equals ``jax.jit(run)(keys[i], x, y)`` (that is, :func:`fit`) to float rounding.

    Args:
      sizes: layer widths ``(d, ..., k)`` or ``(n_in, n_out)`` pairs.
      activation: the hidden activation (name, record or callable).
      kind: ``"softmax"``, ``"binary"`` or ``"regression"`` (the loss on the logits).
      optimizer: an optax ``GradientTransformation``.
      steps: number of optimizer steps, ≥ 1.
      init: initializer name or callable; ``None`` picks
        :func:`~jaxact.default_init` of ``activation``.
      log_every: logging period, ≥ 1. Default 1.
      diagnostics: also log per-layer gradient norms and dead/saturated-unit fractions.
        Default ``False``.
      dtype: floating dtype of parameters and computation. Default float32.

    Returns:
      ``run``. Its ``history`` is a dict of arrays with leading axis ``T =
      len(logged_steps(steps, log_every))``: ``"loss"`` ``(T,)``, ``"accuracy"``
      ``(T,)`` (NaN for regression); with ``diagnostics``, ``"grad_norm"`` ``(T, L)``,
      ``"dead"`` ``(T, L-1)`` and ``"saturated"`` ``(T, L-1)`` (see
      :mod:`jaxact.diagnostics`). ``params`` is the final pytree.

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
    specs = _mlp.layer_specs(sizes)
    kind = _validate.choice("kind", kind, _losses.KINDS)
    act = _mlp.resolve_activation(activation)
    optimizer = _check_optimizer(optimizer)
    steps = _validate.positive_int("steps", steps)
    log_every = _validate.positive_int("log_every", log_every)
    if init is not None:
        _init.initializer(init)
    if diagnostics and act.rec is not None and act.rec.kind != "elementwise":
        raise ValueError(
            f"`diagnostics`: dead and saturated units are defined for elementwise activations, "
            f"got {act.rec.name!r}"
        )
    loss_of_logits = _losses.loss_for(kind)
    n_full, rem = divmod(steps, log_every)
    dt = jnp.dtype(dtype)

    def run(
        key: Array, x: ArrayLike, y: ArrayLike, hyperparams: Mapping[str, ArrayLike] | None = None
    ) -> tuple[list[dict[str, Any]], dict[str, Array]]:
        x = jnp.asarray(x).astype(dt)
        y = jnp.asarray(y)
        if kind == "regression":
            y = y.astype(dt)
        params = _mlp.init_mlp(key, specs, activation=activation, init=init, dtype=dt)
        opt_state = _opt_init(optimizer, params)
        if hyperparams:
            opt_state = _set_hyperparams(opt_state, hyperparams)

        def objective(p: Any) -> tuple[Array, Array]:
            logits = _mlp.mlp_apply(p, x, activation=activation)
            return loss_of_logits(logits, y), logits

        grad_fn = jax.value_and_grad(objective, has_aux=True)

        def update(params: Any, opt_state: Any, grads: Any) -> tuple[Any, Any]:
            updates, opt_state = _opt_update(optimizer, grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state

        def metrics(params: Any) -> tuple[dict[str, Array], Any]:
            (loss, logits), grads = grad_fn(params)
            m = {"loss": loss, "accuracy": _losses.accuracy(logits, y, kind)}
            if diagnostics:
                m["grad_norm"] = jnp.stack([jnp.sqrt(jnp.sum(jnp.square(g["w"]))) for g in grads])
                m["dead"] = _diag.dead_fraction(params, x, activation=activation)
                m["saturated"] = _diag.saturated_fraction(params, x, activation=activation)
            return m, grads

        def plain(carry: tuple[Any, Any], _: None) -> tuple[tuple[Any, Any], None]:
            params, opt_state = carry
            _, grads = grad_fn(params)
            return update(params, opt_state, grads), None

        def chunk(
            carry: tuple[Any, Any], _: None, length: int
        ) -> tuple[tuple[Any, Any], dict[str, Array]]:
            params, opt_state = carry
            m, grads = metrics(params)
            carry = update(params, opt_state, grads)
            if length > 1:
                carry, _ = jax.lax.scan(plain, carry, None, length=length - 1)
            return carry, m

        carry = (params, opt_state)
        parts = []
        if n_full:
            carry, h = jax.lax.scan(lambda c, u: chunk(c, u, log_every), carry, None, length=n_full)
            parts.append(h)
        if rem:
            carry, m = chunk(carry, None, rem)
            parts.append(jax.tree.map(lambda v: v[None], m))
        m, _ = metrics(carry[0])
        parts.append(jax.tree.map(lambda v: v[None], m))
        history = jax.tree.map(lambda *v: jnp.concatenate(v, axis=0), *parts)
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
    return all(hasattr(data, a) for a in ("x", "y", "kind")) and not isinstance(data, tuple)


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
        x, y, task_kind = data.x, data.y, data.kind
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
        kind = _validate.choice("loss", loss, _losses.KINDS)
    elif task_kind is not None:
        kind = _validate.choice("data.kind", task_kind, _losses.KINDS)
    elif not integral:
        kind = "regression"
    else:
        kind = "binary" if specs is not None and specs[-1][1] == 1 else "softmax"

    if kind == "regression":
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
        if kind == "binary":
            out = 1
        elif specs is not None:
            out = specs[-1][1]
        else:
            n_classes = getattr(data, "n_classes", None) if task_kind is not None else None
            out = int(n_classes) if n_classes else int(ya.max()) + 1
        if kind == "softmax" and out < 2:
            raise ValueError(
                f"`sizes`: loss 'softmax' needs at least 2 outputs, got {out}; use loss='binary'"
            )
        lo, hi = (0, 2) if kind == "binary" else (0, out)
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
    if kind == "softmax" and out < 2:
        raise ValueError(
            f"`sizes`: loss 'softmax' needs at least 2 outputs, got {out}; use loss='binary'"
        )
    return np.asarray(xa).astype(dtype), ya, kind, specs


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
        regression) and, with ``diagnostics=True``, ``"grad_norm"`` ``(T, L)``,
        ``"dead"`` ``(T, L-1)``, ``"saturated"`` ``(T, L-1)``.
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
) -> FitResult:
    """Train an MLP full-batch on a data set.

    The data are checked (:func:`prepare_data`), a run is built with
    :func:`make_run`, jitted and called once: ``params = init_mlp(key, sizes,
    activation=activation, init=init, dtype=dtype)`` with exactly ``key``, then
    ``steps`` optimizer steps in a ``lax.scan``. The same key gives bitwise the same
    result; the row for ``key`` of a vmapped ``make_run`` over many keys agrees to float
    rounding.

    Args:
      key: a PRNG key, ``jax.random.key(seed)``.
      data: a :class:`~jaxact.Task` or an ``(x, y)`` pair (see :func:`prepare_data`).
      sizes: layer widths or ``(n_in, n_out)`` pairs. Default ``None``: ``(d, *hidden,
        out)``.
      hidden: hidden widths when ``sizes`` is ``None``. Default ``(6, 6)``.
      activation: the hidden activation: catalog name, record or callable.
      optimizer: an optax ``GradientTransformation``, or a name for
        :func:`make_optimizer` with ``learning_rate``.
      steps: number of optimizer steps, ≥ 1.
      loss: ``"softmax"``, ``"binary"`` or ``"regression"``. Default: the task's kind,
        or inferred from ``y`` (see :func:`prepare_data`).
      init: initializer name or callable. Default: :func:`~jaxact.default_init` of
        ``activation``.
      log_every: logging period in steps. Default 1.
      diagnostics: also log per-layer gradient norms and dead/saturated fractions.
      dtype: floating dtype of parameters and computation. Default float32.
      learning_rate: used only when ``optimizer`` is a name. Default 1e-2.

    Returns:
      A :class:`FitResult`.

    Raises:
      ValueError / TypeError: bad data (see :func:`prepare_data`), ``steps`` < 1,
        unknown names, a key that is not a PRNG key.

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
    tx = make_optimizer(optimizer, learning_rate)
    x, y, kind, specs = prepare_data(data, sizes=sizes, hidden=hidden, loss=loss, dtype=dtype)
    run = make_run(
        specs,
        activation=activation,
        kind=kind,
        optimizer=tx,
        steps=steps,
        init=init,
        log_every=log_every,
        diagnostics=diagnostics,
        dtype=dtype,
    )
    params, hist = jax.jit(run)(key, jnp.asarray(x), jnp.asarray(y))
    history = {"step": logged_steps(steps, log_every)}
    history.update({k: np.asarray(v) for k, v in hist.items()})
    return FitResult(params=params, history=history, sizes=specs, kind=kind)
