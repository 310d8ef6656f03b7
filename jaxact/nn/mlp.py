r"""The multilayer perceptron: parameters, forward pass and a hand-written backward pass.

A network with layer widths ``sizes = (d, h_1, ..., h_{L-1}, k)`` has L affine layers

.. math::
  a_0 = x, \qquad z_l = a_{l-1} W_l + b_l, \qquad a_l = f(z_l; p_l)
  \quad (l < L), \qquad \text{output} = g(z_L),

with one hidden activation f for every hidden layer (its learnable parameters p_l, if
any, per unit) and an output function g: the identity (logits, for regression and for
the ``*_with_logits`` losses), the sigmoid or the softmax.

**Parameters** are a plain pytree, a list with one dict per affine layer::

    [
      {"w": (n_in, n_out), "b": (n_out,), "act": {pname: (n_out,)}},  # hidden layer
      ...,
      {"w": (n_in, k), "b": (k,)},                                      # output layer
    ]

``"act"`` is present only for hidden layers whose activation has learnable parameters
(PReLU's slope, swish's beta), initialized to the activation's default.

**Manual backprop** (:func:`manual_grad`) writes the chain rule out by hand with the
activations' own derivatives, for comparison with :func:`jax.grad`:

.. math::
  \delta_L = \frac{\partial \ell}{\partial z_L}, \qquad
  \frac{\partial \ell}{\partial W_l} = a_{l-1}^\top \delta_l, \qquad
  \frac{\partial \ell}{\partial b_l} = \textstyle\sum_n \delta_l, \qquad
  \delta_{l-1} = (\delta_l W_l^\top) \odot f'(z_{l-1}), \qquad
  \frac{\partial \ell}{\partial p_{l-1}} =
    \textstyle\sum_n (\delta_l W_l^\top) \odot \partial_p f(z_{l-1}).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxact import _validate
from jaxact.catalog import activations as _acts
from jaxact.nn import init as _init, losses as _losses

Array = jax.Array
ArrayLike = jax.typing.ArrayLike
Params = list[dict[str, Any]]

__all__ = [
    "Forward",
    "check_manual_grad",
    "init_mlp",
    "layer_specs",
    "make_loss",
    "manual_grad",
    "mlp_apply",
    "mlp_forward",
]

_OUTPUTS = ("identity", "linear", "sigmoid", "softmax")

# --------------------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------------------


def check_key(key: Any, arg: str = "key") -> Array:
    """Check that ``key`` is a JAX PRNG key: a typed key or a legacy ``uint32[2]``."""
    if isinstance(key, jax.Array):
        if jnp.issubdtype(key.dtype, jax.dtypes.prng_key) and key.ndim == 0:
            return key
        if key.dtype == jnp.uint32 and key.shape == (2,):
            return key
        raise TypeError(
            f"`{arg}`: expected a single PRNG key (jax.random.key(seed)), got an array of "
            f"dtype {key.dtype} and shape {key.shape}"
        )
    raise TypeError(
        f"`{arg}`: expected a PRNG key (jax.random.key(seed)), got {type(key).__name__} {key!r}"
    )


def _int(arg: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise TypeError(f"`{arg}`: expected a positive int, got {type(v).__name__} {v!r}")
    if v < 1:
        raise ValueError(f"`{arg}`: expected a positive int, got {v}")
    return int(v)


def layer_specs(sizes: Any) -> list[tuple[int, int]]:
    """Normalize layer sizes to a list of ``(n_in, n_out)`` pairs that chain.

    Args:
      sizes: either the widths ``(d, h_1, ..., k)`` (at least two ints), or one
        ``(n_in, n_out)`` pair per layer, as a Keras ``Dense`` stack declares them.

    Returns:
      A list of ``(n_in, n_out)`` pairs, one per affine layer.

    Raises:
      ValueError: a width below 1, fewer than one layer, or layers that do not chain
        (a layer declared with ``n_in`` inputs after a layer with a different number of
        outputs); the message names both layers and both widths.
      TypeError: ``sizes`` is neither.

    Examples:
      >>> import jaxact as ja
      >>> ja.layer_specs((4, 6, 6, 3))
      [(4, 6), (6, 6), (6, 3)]
      >>> ja.layer_specs([(4, 6), (3, 6), (6, 3)])  # doctest: +ELLIPSIS
      Traceback (most recent call last):
      ...
      ValueError: `sizes`: layer 1 is declared with 3 inputs (`sizes[1]` = (3, 6)), but
      layer 0 has 6 outputs ...
    """
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(
            "`sizes`: expected a tuple of layer widths (d, h_1, ..., k) or a list of "
            f"(n_in, n_out) pairs, got {type(sizes).__name__}"
        )
    items = list(sizes)
    if items and all(isinstance(s, Sequence) and not isinstance(s, str) for s in items):
        specs = []
        for i, s in enumerate(items):
            if len(s) != 2:
                raise ValueError(
                    f"`sizes[{i}]`: expected an (n_in, n_out) pair, got {tuple(s)!r} "
                    f"(length {len(s)})"
                )
            specs.append((_int(f"sizes[{i}][0]", s[0]), _int(f"sizes[{i}][1]", s[1])))
        for i in range(1, len(specs)):
            if specs[i][0] != specs[i - 1][1]:
                raise ValueError(
                    f"`sizes`: layer {i} is declared with {specs[i][0]} inputs "
                    f"(`sizes[{i}]` = {specs[i]}), but layer {i - 1} has {specs[i - 1][1]} "
                    f"outputs (`sizes[{i - 1}]` = {specs[i - 1]}); each layer's n_in must "
                    "equal the previous layer's n_out"
                )
        if not specs:
            raise ValueError("`sizes`: expected at least one layer, got none")
        return specs
    if any(isinstance(s, Sequence) and not isinstance(s, str) for s in items):
        raise TypeError(
            "`sizes`: expected either all ints (layer widths) or all (n_in, n_out) pairs, "
            f"got a mix: {sizes!r}"
        )
    widths = [_int(f"sizes[{i}]", s) for i, s in enumerate(items)]
    if len(widths) < 2:
        raise ValueError(
            f"`sizes`: expected at least 2 widths (inputs and outputs), got {tuple(widths)}"
        )
    return list(itertools.pairwise(widths))


def _check_params(params: Any) -> list[tuple[int, int]]:
    """Check the pytree layout and dtypes of ``params``; return the layer specs it implies.

    Every leaf must be floating, all of one dtype (the first weight's).
    """
    if not isinstance(params, (list, tuple)) or not params:
        raise TypeError(
            "`params`: expected a non-empty list of layer dicts {'w', 'b'} (from init_mlp), "
            f"got {type(params).__name__}"
        )
    specs: list[tuple[int, int]] = []
    dtypes: dict[str, np.dtype] = {}
    for i, layer in enumerate(params):
        if not isinstance(layer, Mapping) or "w" not in layer or "b" not in layer:
            got = sorted(layer) if isinstance(layer, Mapping) else type(layer).__name__
            raise TypeError(f"`params[{i}]`: expected a dict with keys 'w' and 'b', got {got}")
        leaves = {f"params[{i}]['w']": layer["w"], f"params[{i}]['b']": layer["b"]}
        act = layer.get("act", {})
        if not isinstance(act, Mapping):
            raise TypeError(
                f"`params[{i}]['act']`: expected a dict {{name: (n_out,) array}}, "
                f"got {type(act).__name__}"
            )
        leaves.update({f"params[{i}]['act'][{k!r}]": v for k, v in act.items()})
        dtypes.update({arg: _validate.float_leaf(arg, v) for arg, v in leaves.items()})
        w, b = layer["w"], layer["b"]
        if jnp.ndim(w) != 2 or jnp.ndim(b) != 1 or jnp.shape(b)[0] != jnp.shape(w)[1]:
            raise ValueError(
                f"`params[{i}]`: expected 'w' of shape (n_in, n_out) and 'b' of shape "
                f"(n_out,), got {jnp.shape(w)} and {jnp.shape(b)}"
            )
        if 0 in jnp.shape(w):
            raise ValueError(f"`params[{i}]['w']`: expected no empty dimension, got {jnp.shape(w)}")
        if i and jnp.shape(w)[0] != specs[-1][1]:
            raise ValueError(
                f"`params`: layer {i} has {jnp.shape(w)[0]} inputs but layer {i - 1} has "
                f"{specs[-1][1]} outputs"
            )
        for pname, v in act.items():
            # (1,): one value per layer (a rational activation's coefficients)
            if jnp.shape(v) not in ((jnp.shape(w)[1],), (1,)):
                raise ValueError(
                    f"`params[{i}]['act'][{pname!r}]`: expected shape ({jnp.shape(w)[1]},) "
                    f"(per unit) or (1,) (per layer), got {jnp.shape(v)}"
                )
        specs.append((int(jnp.shape(w)[0]), int(jnp.shape(w)[1])))
    dtype = dtypes["params[0]['w']"]
    for arg, dt in dtypes.items():
        if dt != dtype:
            raise TypeError(
                f"`{arg}`: expected dtype {dtype} like `params[0]['w']` (every parameter of "
                f"one dtype), got dtype {dt}"
            )
    return specs


@dataclasses.dataclass(frozen=True)
class HiddenActivation:
    """A resolved hidden activation: the function and, for catalog entries, the record.

    Attributes:
      fn: ``fn(z, **act_params) -> (n, m)``.
      rec: the catalog record, or ``None`` for a plain callable.
    """

    fn: Callable[..., Array]
    rec: _acts.Activation | None

    def __call__(self, z: Array, act_params: Mapping[str, Array]) -> Array:
        """Apply to ``z`` (n, m) with per-unit parameters of shape (m,); shape (n, m)."""
        kw = {k: v[None, :] for k, v in act_params.items()}
        if self.rec is not None and self.rec.kind == "vector":
            return self.fn(z, axis=-1)
        return self.fn(z, **kw)

    def slope(self, z: Array, act_params: Mapping[str, Array]) -> Array:
        """f′(z) of an elementwise activation at ``z`` (n, m); shape (n, m).

        The record's hand-written derivative; for a plain callable (taken to be
        elementwise, so its Jacobian is diagonal) the JVP with a vector of ones.
        """
        if self.rec is not None:
            if self.rec.kind != "elementwise":
                raise ValueError(
                    f"`activation`: f′ per unit is defined for elementwise activations, got "
                    f"{self.rec.name!r} of kind {self.rec.kind!r}"
                )
            kw = {k: v[None, :] for k, v in act_params.items()}
            return self.rec.derivative(z, **kw)
        return jax.jvp(lambda u: self(u, act_params), (z,), (jnp.ones_like(z),))[1]


def resolve_activation(activation: Any) -> HiddenActivation:
    """A catalog name, an :class:`~jaxact.Activation` or a callable, as a
    :class:`HiddenActivation`."""
    if activation is None:
        raise TypeError(
            "`activation`: expected a catalog name, an Activation or a callable, got None"
        )
    if isinstance(activation, (str, _acts.Activation)):
        rec = _acts.get(activation)
        return HiddenActivation(rec.fn, rec)
    if callable(activation):
        return HiddenActivation(activation, None)
    raise TypeError(
        "`activation`: expected a catalog name, an Activation or a callable, "
        f"got {type(activation).__name__}"
    )


def _check_act_params(act: HiddenActivation, params: Sequence[Mapping[str, Any]]) -> None:
    if act.rec is None:
        return
    for i, layer in enumerate(params[:-1]):
        extra = set(layer.get("act", {})) - set(act.rec.defaults)
        if extra:
            raise ValueError(
                f"`params[{i}]['act']`: parameters {sorted(extra)} do not belong to activation "
                f"{act.rec.name!r}, whose parameters are {list(act.rec.defaults)}"
            )


# --------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------


def init_mlp(
    key: Array,
    sizes: Sequence[int] | Sequence[tuple[int, int]],
    *,
    activation: str | _acts.Activation | Callable[..., Array] | None = None,
    init: str | Callable[..., Array] | None = None,
    dtype: Any = jnp.float32,
) -> Params:
    """Initialize the parameters of an MLP.

    Weights are drawn by ``init`` from ``jax.random.split(key, L)[l]`` for layer l;
    biases are zero (drawn with variance σ_b² from ``fold_in`` of that key by a
    :class:`~jaxact.MeanFieldInit`); learnable activation parameters (``"act"``) start at the
    activation's default. The result depends on ``key`` and nothing else: the same key
    gives bitwise the same parameters.

    Args:
      key: a PRNG key, ``jax.random.key(seed)``.
      sizes: the layer widths ``(d, h_1, ..., k)``, or one ``(n_in, n_out)`` pair per
        layer (these must chain: each n_in equals the previous n_out).
      activation: the hidden activation (name, record or callable), used to choose the
        default initializer and to allocate learnable activation parameters. Default
        ``None``: Glorot, no activation parameters.
      init: initializer name (see :func:`~jaxact.initializer`) or callable ``(key,
        shape, dtype)``. Default ``None``: :func:`~jaxact.default_init` of
        ``activation`` — He for the ReLU family, LeCun for SELU, Glorot for sigmoid,
        tanh and the rest.
      dtype: floating dtype of every leaf. Default float32.

    Returns:
      A list of L dicts: ``{"w": (n_in, n_out), "b": (n_out,)}``, plus ``"act":
      {pname: (n_out,)}`` on hidden layers when the activation has learnable
      parameters (``(1,)`` when the record keeps them per layer: the rational
      activations).

    Raises:
      ValueError: layers that do not chain, widths below 1, unknown ``init`` or
        ``activation`` names (closest names suggested).
      TypeError: ``key`` is not a PRNG key, ``dtype`` is not floating.

    Examples:
      >>> import jax, jax.numpy as jnp, jaxact as ja
      >>> params = ja.init_mlp(jax.random.key(0), (4, 6, 6, 3), activation="relu")
      >>> [(p["w"].shape, p["b"].shape) for p in params]
      [((4, 6), (6,)), ((6, 6), (6,)), ((6, 3), (3,))]
      >>> params[0]["w"].dtype
      dtype('float32')
    """
    key = check_key(key)
    specs = layer_specs(sizes)
    dt = _validate.float_dtype("dtype", dtype)
    act = None if activation is None else resolve_activation(activation)
    rec = act.rec if act is not None else None
    fn_init = _init.initializer(_init.default_init(activation) if init is None else init)
    keys = jax.random.split(key, len(specs))
    bias = fn_init.bias if isinstance(fn_init, _init.MeanFieldInit) else None
    params: Params = []
    for i, (n_in, n_out) in enumerate(specs):
        layer: dict[str, Any] = {
            "w": fn_init(keys[i], (n_in, n_out), dt),
            "b": bias(jax.random.fold_in(keys[i], 1), (n_out,), dt)
            if bias is not None
            else jnp.zeros((n_out,), dt),
        }
        if rec is not None and rec.learnable and i < len(specs) - 1:
            shape = (n_out,) if rec.learnable_per_unit else (1,)
            layer["act"] = {p: jnp.full(shape, rec.defaults[p], dt) for p in rec.learnable}
        params.append(layer)
    return params


# --------------------------------------------------------------------------------------
# Forward
# --------------------------------------------------------------------------------------


def _prepare_x(x: Any, d: int, dtype: Any, arg: str = "x") -> tuple[Array, bool]:
    """``x`` as a 2-D array of ``dtype``; whether it was a single example."""
    # Strings, objects and ragged lists are refused by numeric_array, with the dtype named.
    xa = _validate.real_array(arg, x)
    if xa.ndim not in (1, 2):
        raise ValueError(
            f"`{arg}`: expected shape (n, {d}) or ({d},) (a batch or one example), "
            f"got shape {xa.shape}"
        )
    if xa.shape[-1] != d:
        raise ValueError(
            f"`{arg}`: the first layer expects {d} features, got {xa.shape[-1]} (shape {xa.shape})"
        )
    single = xa.ndim == 1
    xa = xa.astype(dtype)
    return (xa[None, :] if single else xa), single


def _forward(
    params: Sequence[Mapping[str, Any]], x: Array, act: HiddenActivation
) -> tuple[list[Array], list[Array]]:
    """Run the network on a checked batch ``x`` (n, d); see :func:`mlp_forward`."""
    inputs, pre = [x], []
    a = x
    for i, layer in enumerate(params):
        z = a @ layer["w"] + layer["b"][None, :]
        pre.append(z)
        if i < len(params) - 1:
            a = act(z, layer.get("act", {}))
            if a.shape != z.shape:
                raise ValueError(
                    f"`activation`: a hidden activation must keep the layer's shape {z.shape}, "
                    f"got {a.shape}"
                )
            inputs.append(a)
    return inputs, pre


class Forward(NamedTuple):
    """Every layer's input and pre-activation from :func:`mlp_forward`.

    Attributes:
      inputs: L arrays; ``inputs[l]`` is layer l's input, shape ``(n, n_in_l)``:
        ``inputs[0]`` is ``x`` (cast to the parameters' dtype), ``inputs[l]`` the hidden
        activation ``f(pre[l - 1])`` for ``l >= 1``.
      pre: L arrays; ``pre[l] = inputs[l] @ W_l + b_l``, shape ``(n, n_out_l)``;
        ``pre[-1]`` are the logits ``(n, k)``.
      activation: the resolved hidden activation (its ``slope`` gives f′ per unit).
    """

    inputs: list[Array]
    pre: list[Array]
    activation: HiddenActivation


def mlp_forward(
    params: Params,
    x: ArrayLike,
    *,
    activation: str | _acts.Activation | Callable[..., Array],
) -> Forward:
    r"""The forward pass with every layer's input and pre-activation kept.

    .. math::
      a_0 = x, \qquad z_l = a_{l-1} W_l + b_l, \qquad a_l = f(z_l; p_l) \ (l < L)

    The arguments are checked as for :func:`mlp_apply`. Diagnostics and the hand-written
    backward pass (:func:`manual_grad`) read the network through this function.

    Args:
      params: parameters from :func:`init_mlp` (L layers).
      x: a batch ``(n, d)``, or one example ``(d,)`` (taken as a batch of one).
      activation: the hidden activation (name, record or callable).

    Returns:
      A :class:`Forward`: ``inputs[l]`` of shape ``(n, n_in_l)`` (``a_{l}``, with
      ``inputs[0] = x``) and ``pre[l]`` of shape ``(n, n_out_l)`` (``z_{l+1}``), L of
      each, in the parameters' dtype; ``pre[-1]`` are the logits.

    Examples:
      >>> import jax, jax.numpy as jnp, jaxact as ja
      >>> params = ja.init_mlp(jax.random.key(0), (2, 3, 1), activation="relu")
      >>> fw = ja.mlp_forward(params, jnp.ones((4, 2), jnp.float32), activation="relu")
      >>> [a.shape for a in fw.inputs], [z.shape for z in fw.pre]
      ([(4, 2), (4, 3)], [(4, 3), (4, 1)])
    """
    specs = _check_params(params)
    act = resolve_activation(activation)
    _check_act_params(act, params)
    xa, _ = _prepare_x(x, specs[0][0], jnp.asarray(params[0]["w"]).dtype)
    inputs, pre = _forward(params, xa, act)
    return Forward(inputs, pre, act)


def mlp_apply(
    params: Params,
    x: ArrayLike,
    *,
    activation: str | _acts.Activation | Callable[..., Array],
    output: str | None = None,
) -> Array:
    """The forward pass of the MLP.

    .. math::
      a_0 = x, \\quad a_l = f(a_{l-1} W_l + b_l; p_l) \\ (l < L), \\quad
      \\text{out} = g(a_{L-1} W_L + b_L)

    Pure, and safe under :func:`jax.jit`, :func:`jax.vmap` and :func:`jax.grad`.

    Args:
      params: parameters from :func:`init_mlp`.
      x: a batch ``(n, d)`` or one example ``(d,)``; integer and boolean features are
        cast to the parameters' dtype (so is any other float dtype).
      activation: the hidden activation: a catalog name, an
        :class:`~jaxact.Activation`, or a callable ``f(z, **act_params)``. Learnable
        parameters in ``params[l]["act"]`` are passed per unit, shape ``(1, n_out)``;
        layers without them use the activation's defaults.
      output: ``None`` or ``"identity"`` (the logits, the default), ``"sigmoid"`` or
        ``"softmax"`` (over the last axis).

    Returns:
      ``(n, k)`` for a batch, ``(k,)`` for one example, in the parameters' dtype.

    Raises:
      ValueError: ``x`` has the wrong rank or width; unknown ``output`` or
        activation name; ``params`` that do not chain.
      TypeError: ``params`` not laid out as :func:`init_mlp` makes them.

    Examples:
      >>> import jax, jax.numpy as jnp, jaxact as ja
      >>> params = ja.init_mlp(jax.random.key(0), (2, 3, 1), activation="tanh")
      >>> x = jnp.array([[0.0, 0.0], [1.0, -1.0]], dtype=jnp.float32)
      >>> ja.mlp_apply(params, x, activation="tanh").shape
      (2, 1)
      >>> ja.mlp_apply(params, x[0], activation="tanh", output="sigmoid")
      Array([0.5], dtype=float32)
    """
    out = "identity" if output is None else _validate.choice("output", output, _OUTPUTS)
    z = mlp_forward(params, x, activation=activation).pre[-1]
    single = np.ndim(x) == 1  # x is checked by mlp_forward
    g = _acts.get(out)
    if g.kind == "vector":
        z = g.fn(z, axis=-1)
    elif g.name != "identity":
        z = g.fn(z)
    return z[0] if single else z


def make_loss(
    loss: str | _losses.Loss | None = None,
    activation: str | _acts.Activation | Callable[..., Array] | None = None,
    *,
    kind: str | None = None,
) -> Callable[[Any, tuple[ArrayLike, ArrayLike]], Array]:
    """The training loss of an MLP: ``loss_fn(params, (x, y)) -> scalar``.

    ``get_loss(loss).fn(mlp_apply(params, x, activation=activation), y)`` with
    :func:`~jaxact.get_loss`: the loss is taken on the logits (the output function of
    ``loss`` is folded into the loss).

    Args:
      loss: ``"softmax"``, ``"binary"``, ``"regression"`` or a :class:`~jaxact.Loss`.
      activation: the hidden activation (name, record or callable).
      kind: the old name of ``loss`` (deprecated).

    Returns:
      A pure function ``loss_fn(params, batch)`` with ``batch = (x, y)``, ready for
      :func:`jax.grad` and :func:`~jaxact.make_train_step`.

    Examples:
      >>> import jax, jax.numpy as jnp, jaxact as ja
      >>> params = ja.init_mlp(jax.random.key(0), (2, 4, 1), activation="relu")
      >>> x = jnp.zeros((3, 2), dtype=jnp.float32)
      >>> y = jnp.array([0, 1, 1], dtype=jnp.int32)
      >>> ja.make_loss("binary", "relu")(params, (x, y))  # zero input: logits 0, loss log 2
      Array(0.6931472, dtype=float32)
    """
    fn = _losses.renamed_loss(loss, kind, "make_loss").fn
    if activation is None:
        raise TypeError("`activation`: make_loss() needs the hidden activation (name or record)")
    resolve_activation(activation)

    def loss_fn(params: Any, batch: tuple[ArrayLike, ArrayLike]) -> Array:
        x, y = batch
        return fn(mlp_apply(params, x, activation=activation), y)

    return loss_fn


# --------------------------------------------------------------------------------------
# Hand-written backward pass
# --------------------------------------------------------------------------------------


def _backward(
    params: Sequence[Mapping[str, Any]],
    inputs: Sequence[Array],
    pre: Sequence[Array],
    delta: Array,
    rec: _acts.Activation,
) -> Params:
    """Backpropagate the output cotangent ``delta`` (n, k) by hand; grads like ``params``."""
    grads: Params = [{} for _ in params]
    for i in range(len(params) - 1, -1, -1):
        layer = params[i]
        grads[i]["w"] = inputs[i].T @ delta
        grads[i]["b"] = jnp.sum(delta, axis=0)
        if i == 0:
            break
        g = delta @ layer["w"].T  # ∂ℓ/∂a_{i-1}, (n, n_in)
        z = pre[i - 1]
        below = params[i - 1]
        kw = {k: v[None, :] for k, v in below.get("act", {}).items()}
        if "act" in below:
            # sum over the batch, and over the units for a per-layer value of shape (1,)
            grads[i - 1]["act"] = {
                k: jnp.sum(g * rec.param_derivatives[k](z, **kw), axis=0).sum(keepdims=True)
                if v.shape == (1,)
                else jnp.sum(g * rec.param_derivatives[k](z, **kw), axis=0)
                for k, v in below["act"].items()
            }
        delta = g * rec.derivative(z, **kw)
    # Keep each layer's keys in the order of params.
    return [{k: grads[i][k] for k in layer} for i, layer in enumerate(params)]


def _check_backprop_activation(activation: Any) -> _acts.Activation:
    act = resolve_activation(activation)
    if act.rec is None:
        raise TypeError(
            "`activation`: manual_grad needs a catalog activation (name or Activation) whose "
            f"derivative is written by hand, got the callable {activation!r}"
        )
    if act.rec.kind != "elementwise":
        raise ValueError(
            f"`activation`: manual_grad supports elementwise activations, got {act.rec.name!r} "
            f"of kind {act.rec.kind!r}"
        )
    return act.rec


def _concrete(a: Any) -> np.ndarray | None:
    """``a`` as NumPy if its value is known at trace time, else ``None``."""
    return None if isinstance(a, jax.core.Tracer) else np.asarray(a)


def _check_finite(arg: str, a: Any) -> None:
    c = _concrete(a)
    if c is not None and jnp.issubdtype(c.dtype, jnp.floating) and not np.all(np.isfinite(c)):
        bad = int(np.sum(~np.isfinite(c)))
        raise ValueError(f"`{arg}`: expected finite values, got {bad} NaN or infinite entries")


def manual_grad(
    params: Params,
    x: ArrayLike,
    y: ArrayLike,
    *,
    activation: str | _acts.Activation,
    loss: str | _losses.Loss,
) -> Params:
    r"""The gradient of the mean loss over a batch, by hand-written backpropagation.

    The chain rule is written out layer by layer (see the module docstring) with the
    activation's hand derivative ``get(activation).derivative`` and its parameter
    derivatives ``.param_derivatives``; no autodiff is involved. The output delta
    for each loss/output pair is

    .. math::
      \text{softmax: } \frac{s - t}{n}, \qquad
      \text{binary: } \frac{\sigma(z) - t}{n}, \qquad
      \text{regression: } \frac{2 (z - t)}{n k},

    matching :func:`~jaxact.softmax_cross_entropy`,
    :func:`~jaxact.sigmoid_binary_cross_entropy` and :func:`~jaxact.mse` on the
    logits. It equals ``jax.grad(make_loss(loss, activation))(params, (x, y))`` to
    rounding (see :func:`check_manual_grad`).

    Args:
      params: parameters from :func:`init_mlp`, learnable activation parameters
        included.
      x: features, shape ``(n, d)``.
      y: targets: ``(n,)`` int labels or ``(n, k)`` one-hot for ``"softmax"``; ``(n,)``
        or ``(n, 1)`` 0/1 labels for ``"binary"``; ``(n, k)`` floats for
        ``"regression"``.
      activation: an elementwise catalog activation (name or record).
      loss: ``"softmax"``, ``"binary"`` or ``"regression"``.

    Returns:
      A pytree with the structure, shapes and dtype of ``params``.

    Raises:
      ValueError: unknown ``loss``; vector-valued activation; shapes that do not match;
        an empty batch; NaN or infinite ``x`` or ``y``; labels out of range (class
        labels outside ``[0, k)``, binary labels outside ``[0, 1]``), when concrete.
      TypeError: a plain callable activation (it has no hand derivative); integer or
        mixed-dtype ``params``; non-numeric ``x`` or ``y``.

    Examples:
      >>> import jax, jax.numpy as jnp, jaxact as ja
      >>> params = ja.init_mlp(jax.random.key(0), (2, 3, 2), activation="tanh")
      >>> x = jnp.array([[0.5, -1.0], [2.0, 0.25]], dtype=jnp.float32)
      >>> y = jnp.array([0, 1], dtype=jnp.int32)
      >>> g = ja.manual_grad(params, x, y, activation="tanh", loss="softmax")
      >>> auto = jax.grad(ja.make_loss("softmax", "tanh"))(params, (x, y))
      >>> print(max(float(jnp.max(jnp.abs(a - b)))
      ...           for a, b in zip(jax.tree.leaves(g), jax.tree.leaves(auto))) < 1e-6)
      True
    """
    lrec = _losses.get_loss(loss)
    rec = _check_backprop_activation(activation)
    specs = _check_params(params)
    x = x if isinstance(x, jax.Array) else _validate.numeric_array("x", x)
    if x.ndim != 2:
        raise ValueError(f"`x`: expected a batch of shape (n, {specs[0][0]}), got shape {x.shape}")
    if x.shape[0] == 0:
        raise ValueError(f"`x`: expected at least one example, got shape {x.shape}")
    dtype = jnp.asarray(params[0]["w"]).dtype
    ya = _losses.prepare_targets(lrec, y, x.shape[0], specs[-1][1], dtype)
    fw = mlp_forward(params, x, activation=rec)
    _check_finite("x", fw.inputs[0])
    delta = lrec.delta(fw.pre[-1], ya)
    return _backward(params, fw.inputs, fw.pre, delta, rec)


# --------------------------------------------------------------------------------------
# Checking the hand-written backward pass
# --------------------------------------------------------------------------------------

_EPS64 = float(np.finfo(np.float64).eps)
_EPS32 = float(np.finfo(np.float32).eps)
_FD_STEP = 2.0**-16


def _tree_dot(a: Any, b: Any) -> Array:
    return sum(jnp.vdot(u, v) for u, v in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True))


def _perturbed_params(
    keys: tuple[Array, Array, Array], specs: Sequence[tuple[int, int]], rec: _acts.Activation
) -> Params:
    """float64 parameters from ``init_mlp``, biases and activation parameters perturbed.

    ``keys``: for the initializer, the biases and the activation parameters.
    """
    f64 = jnp.float64
    kp, kb, ka = keys
    params = init_mlp(kp, specs, activation=rec, dtype=f64)
    bkeys = jax.random.split(kb, len(params))
    akeys = jax.random.split(ka, len(params))
    for i, layer in enumerate(params):
        layer["b"] = 0.5 * jax.random.normal(bkeys[i], layer["b"].shape, f64)
        for j, (pname, v) in enumerate(sorted(layer.get("act", {}).items())):
            d = float(rec.defaults[pname])
            noise = jax.random.uniform(jax.random.fold_in(akeys[i], j), v.shape, f64, -1, 1)
            layer["act"][pname] = v + 0.25 * max(1.0, abs(d)) * noise
    return params


def _unit_direction(key: Array, params: Params) -> Any:
    """A random unit direction in parameter space, a pytree like ``params``."""
    leaves, treedef = jax.tree.flatten(params)
    ukeys = jax.random.split(key, len(leaves))
    u = [jax.random.normal(kk, a.shape, jnp.float64) for kk, a in zip(ukeys, leaves, strict=True)]
    unorm = jnp.sqrt(sum(jnp.sum(jnp.square(a)) for a in u))
    return jax.tree.unflatten(treedef, [a / unorm for a in u])


def _measure_manual_grad(
    key: Array,
    top: float,
    *,
    specs: Sequence[tuple[int, int]],
    rec: _acts.Activation,
    lrec: _losses.Loss,
    dt: Any,
    n: int,
) -> dict[str, Any]:
    """The gradients, finite-difference losses and adjoint products of one draw."""
    f64, h = jnp.float64, _FD_STEP
    loss_fn = make_loss(lrec, rec)

    def cast(t: Any) -> Any:
        return jax.tree.map(lambda a: a.astype(dt), t)

    kp, kb, ka, kx, ky, ku, kv = jax.random.split(key, 7)
    params = _perturbed_params((kp, kb, ka), specs, rec)
    # Rows on a ladder of scales, top/8 to top, so pre-activations cover the middle
    # and the tails of the activation (relu6's cap, the saturated sigmoid).
    ladder = jnp.linspace(top / 8, top, n, dtype=f64)[:, None]
    x = ladder * jax.random.normal(kx, (n, specs[0][0]), f64)
    y = lrec.sample(ky, n, specs[-1][1])
    y_dt = y.astype(dt) if jnp.issubdtype(y.dtype, jnp.floating) else y

    ref = jax.grad(loss_fn)(params, (x, y))
    hand = manual_grad(cast(params), x.astype(dt), y_dt, activation=rec, loss=lrec)
    if dt == jnp.dtype(f64):
        auto, hand64 = ref, hand
    else:
        auto = jax.grad(loss_fn)(cast(params), (x.astype(dt), y_dt))
        hand64 = manual_grad(params, x, y, activation=rec, loss=lrec)

    u = _unit_direction(ku, params)
    fd_losses = jnp.stack(
        [
            loss_fn(jax.tree.map(lambda p, d, t=t: p + t * d, params, u), (x, y))
            for t in (-2 * h, -h, 0.0, h, 2 * h)
        ]
    )

    # Adjoint identity on the network map θ -> logits.
    inputs, pre, _ = mlp_forward(params, x, activation=rec)
    v = jax.random.normal(kv, pre[-1].shape, f64)
    _, ju = jax.jvp(lambda p: mlp_apply(p, x, activation=rec), (params,), (u,))
    jtv = _backward(params, inputs, pre, v, rec)
    return {
        "ref": ref,
        "hand": hand,
        "auto": auto,
        "dd": _tree_dot(hand64, u),
        "fd_losses": fd_losses,
        "vju": jnp.vdot(v, ju),
        "jtvu": _tree_dot(jtv, u),
        "scale": jnp.linalg.norm(v) * jnp.linalg.norm(ju) + jnp.sqrt(_tree_dot(jtv, jtv)),
    }


def _leaf_errors(ref: Any, g: Any) -> dict[str, float]:
    """Per leaf, ``‖g − ref‖ / ‖ref‖`` (the absolute norm where ``ref`` is zero)."""
    out = {}
    flat_ref = jax.tree_util.tree_flatten_with_path(ref)[0]
    for (path, r), a in zip(flat_ref, jax.tree.leaves(g), strict=True):
        r = np.asarray(r, np.float64)
        diff = float(np.linalg.norm((np.asarray(a, np.float64) - r).ravel()))
        scale = float(np.linalg.norm(r.ravel()))
        out[jax.tree_util.keystr(path)] = diff / scale if scale > 0 else diff
    return out


def _manual_grad_verdict(
    m: dict[str, Any], specs: Sequence[tuple[int, int]], dt: Any, top: float
) -> dict[str, Any]:
    """The errors and tolerances of the three checks, from one draw's measurements."""
    errs = _leaf_errors(m["ref"], m["hand"])
    worst = max(errs, key=lambda k: (math.isnan(errs[k]), errs[k]))
    fan_in = max(s[0] for s in specs)
    leaf_tol = 1e-12 if dt == jnp.dtype(jnp.float64) else 64 * _EPS32 * math.sqrt(fan_in)

    h = _FD_STEP
    lm2, lm1, l0, lp1, lp2 = (float(v) for v in m["fd_losses"])
    fd = (-lp2 + 8 * lp1 - 8 * lm1 + lm2) / (12 * h)
    fd_error = abs(float(m["dd"]) - fd)
    fd_tol = 1e-9 * abs(fd) + 64 * _EPS64 * max(1.0, abs(l0)) / h

    lhs, rhs, scale = float(m["vju"]), float(m["jtvu"]), float(m["scale"])
    adjoint_error = abs(lhs - rhs) / scale if scale > 0 else abs(lhs - rhs)
    adjoint_tol = 1e-13
    return {
        "leaf_errors": errs,
        "max_leaf_error": errs[worst],
        "worst_leaf": worst,
        "leaf_tol": leaf_tol,
        "autodiff_leaf_error": float(np.max(list(_leaf_errors(m["ref"], m["auto"]).values()))),
        "input_scale": top,
        "fd_error": fd_error,
        "fd_tol": fd_tol,
        "fd_value": fd,
        "adjoint_error": adjoint_error,
        "adjoint_tol": adjoint_tol,
        "ok": bool(errs[worst] <= leaf_tol and fd_error <= fd_tol and adjoint_error <= adjoint_tol),
    }


def _check_dtype_under_test(dtype: Any) -> Any:
    """``dtype`` (float32 or float64) once float64 references are possible; else an error."""
    if not jax.config.jax_enable_x64:
        raise ValueError(
            "`dtype`: check_manual_grad compares against float64 references; enable "
            "jax_enable_x64 first (jax.config.update('jax_enable_x64', True))"
        )
    dt = jnp.dtype(dtype)
    if dt not in (jnp.dtype(jnp.float32), jnp.dtype(jnp.float64)):
        raise ValueError(f"`dtype`: expected float32 or float64, got {dt}")
    return dt


def check_manual_grad(
    activation: str | _acts.Activation,
    *,
    loss: str | _losses.Loss,
    dtype: Any = jnp.float64,
    key: Array | None = None,
    sizes: Sequence[int] = (3, 5, 4, 0),
    n: int = 7,
) -> dict[str, Any]:
    r"""Measure :func:`manual_grad` against autodiff, finite differences and its adjoint.

    On a small random network (weights from ``init_mlp``, biases and learnable
    activation parameters perturbed away from their initial values so that every path
    carries signal) and random data (standard normal rows scaled from 0.5 to 4; the
    scale is halved, down to 1/16 to 1/2, while anything overflows), three checks:

    1. **autodiff**: per leaf, the normwise relative error
       :math:`\lVert g_\text{hand} - g_\text{ref} \rVert / \lVert g_\text{ref} \rVert`
       against ``jax.grad(make_loss(loss, activation))`` in float64. The hand gradient
       is computed in ``dtype``. Tolerance: :math:`10^{-12}` in float64,
       :math:`64\,\epsilon_{32} \sqrt{\text{fan-in}_\max}` in float32.
    2. **finite differences** (float64): the directional derivative
       :math:`\langle g_\text{hand}, u \rangle` for a random unit direction u against
       the 5-point central difference of the loss with step :math:`h = 2^{-16}`;
       tolerance :math:`10^{-9} |D_h| + 64\,\epsilon_{64} \max(1, |\ell|) / h`.
    3. **adjoint** (float64): the hand backward pass is the transpose of the network's
       Jacobian J = ∂ logits/∂θ: :math:`\langle v, J u \rangle = \langle J^\top v, u
       \rangle`, with J u from :func:`jax.jvp` (forward mode, the activation's
       ``custom_jvp`` rule) and :math:`J^\top v` from the hand backward pass;
       error :math:`|a - b| / (\lVert v \rVert \lVert J u \rVert + \lVert J^\top v
       \rVert \lVert u \rVert)`, tolerance :math:`10^{-13}`.

    Args:
      activation: an elementwise catalog activation (name or record).
      loss: ``"softmax"``, ``"binary"`` or ``"regression"``.
      dtype: the dtype of the hand gradient under test (float64 or float32). Default
        float64. The references are always float64 (``jax_enable_x64`` must be on).
      key: PRNG key for the network, data and directions. Default
        ``jax.random.key(0)``.
      sizes: layer widths; the last one is replaced by the loss's output width (3
        classes, 1 logit, 2 regression targets). Default ``(3, 5, 4, 0)``.
      n: number of examples. Default 7.

    Returns:
      A dict: ``"activation"``, ``"loss"``, ``"dtype"``; ``"leaf_errors"`` ``{path:
      error}``, ``"max_leaf_error"``, ``"worst_leaf"``, ``"leaf_tol"``;
      ``"autodiff_leaf_error"`` (``jax.grad`` computed in ``dtype``, against the same
      reference, for comparison); ``"fd_error"``, ``"fd_tol"``, ``"fd_value"``;
      ``"adjoint_error"``, ``"adjoint_tol"``; ``"input_scale"`` (the largest row
      scale used); ``"ok"`` (every error within its tolerance; ``False`` on NaN).

    Raises:
      ValueError: float64 is not enabled; vector-valued activation; unknown ``loss``.

    Examples:
      >>> import jaxact as ja
      >>> r = ja.check_manual_grad("tanh", loss="softmax")
      >>> r["ok"], r["max_leaf_error"] < 1e-12, r["adjoint_error"] < 1e-13
      (True, True, True)
    """
    lrec = _losses.get_loss(loss)
    rec = _check_backprop_activation(activation)
    dt = _check_dtype_under_test(dtype)
    key = jax.random.key(0) if key is None else check_key(key)
    specs = layer_specs([*list(sizes)[:-1], lrec.check_outputs])
    # Halve the input scale while anything overflows (the exponential, composed over
    # layers, overflows float64 at the largest scale).
    for top in (4.0, 2.0, 1.0, 0.5):
        m = jax.device_get(
            _measure_manual_grad(key, top, specs=specs, rec=rec, lrec=lrec, dt=dt, n=n)
        )
        if all(np.all(np.isfinite(a)) for a in jax.tree.leaves([m["ref"], m["fd_losses"]])):
            break
    verdict = _manual_grad_verdict(m, specs, dt, top)
    return {"activation": rec.name, "loss": lrec.name, "dtype": str(dt), **verdict}
