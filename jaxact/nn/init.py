r"""Weight initializers: Glorot (Xavier), He (Kaiming) and LeCun, normal and uniform.

Each initializer draws a weight matrix of shape ``(n_in, n_out)`` with variance

.. math::
  \operatorname{Var}(w) = \frac{g}{\text{fan}}, \qquad
  \begin{array}{lll}
    \text{Glorot:} & g = 1, & \text{fan} = (n_\text{in} + n_\text{out}) / 2 \\
    \text{He:}     & g = 2, & \text{fan} = n_\text{in} \\
    \text{LeCun:}  & g = 1, & \text{fan} = n_\text{in}
  \end{array}

The ``*_normal`` variants draw from a normal distribution truncated at two standard
deviations and rescaled to the stated variance; the ``*_uniform`` variants draw from
U(−a, a) with a = √(3 g / fan). Both are thin wrappers over
:mod:`jax.nn.initializers` (``variance_scaling``), so they match Flax and Keras.

:func:`default_init` picks the initializer that keeps the signal variance constant
through a layer of the given activation: He for the ReLU family, LeCun for SELU,
Glorot for the saturating, zero-centred ones (sigmoid, tanh) and the identity.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from jaxact import _validate
from jaxact.catalog import activations as _acts, rational as _rational

Array = jax.Array
Initializer = Callable[..., Array]

__all__ = [
    "default_init",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "init_names",
    "initializer",
    "lecun_normal",
    "lecun_uniform",
]


def _check_shape(shape: Any) -> tuple[int, ...]:
    try:
        shape = tuple(int(s) for s in shape)
    except TypeError as e:
        raise TypeError(
            f"`shape`: expected a tuple of ints (n_in, n_out), got {type(shape).__name__}"
        ) from e
    if len(shape) < 2 or any(s < 1 for s in shape):
        raise ValueError(f"`shape`: expected at least 2 positive dimensions, got {shape}")
    return shape


def _make(scale: float, mode: str, distribution: str, name: str, doc: str) -> Initializer:
    base = jax.nn.initializers.variance_scaling(scale, mode, distribution)

    def init(key: Array, shape: Sequence[int], dtype: Any = jnp.float32) -> Array:
        return base(key, _check_shape(shape), dtype)

    init.__name__ = init.__qualname__ = name
    init.__doc__ = doc
    init.__module__ = __name__
    return init


_TEMPLATE = r"""{title} initializer ({dist}).

    .. math:: \operatorname{{Var}}(w) = {var}

    Args:
      key: a JAX PRNG key (``jax.random.key(seed)``).
      shape: ``(n_in, n_out)`` (more axes allowed: fan-in is ``shape[-2]``, fan-out
        ``shape[-1]``, times the product of the leading axes).
      dtype: floating dtype of the result. Default float32.

    Returns:
      An array of shape ``shape`` and dtype ``dtype``.

    Examples:
      >>> import jax, jax.numpy as jnp, jaxact as ja
      >>> w = ja.{name}(jax.random.key(0), (400, 300), jnp.float32)
      >>> w.shape, w.dtype
      ((400, 300), dtype('float32'))
      >>> print(f"{{float(jnp.var(w)) / ({var_num}):.1f}}")
      1.0

    References:
      {ref}
"""

_GLOROT_REF = (
    'Glorot & Bengio, "Understanding the difficulty of training deep feedforward\n'
    '      neural networks", AISTATS 2010.'
)
_HE_REF = (
    'He et al., "Delving deep into rectifiers: surpassing human-level performance on\n'
    '      ImageNet classification", ICCV 2015.'
)
_LECUN_REF = (
    'LeCun et al., "Efficient BackProp", 1998; Klambauer et al., "Self-normalizing\n'
    '      neural networks", NeurIPS 2017.'
)


def _doc(name: str, title: str, dist: str, var: str, var_num: str, ref: str) -> str:
    return _TEMPLATE.format(name=name, title=title, dist=dist, var=var, var_num=var_num, ref=ref)


glorot_normal = _make(
    1.0,
    "fan_avg",
    "truncated_normal",
    "glorot_normal",
    _doc(
        "glorot_normal",
        "Glorot (Xavier)",
        "truncated normal",
        r"\frac{2}{n_\text{in} + n_\text{out}}",
        "2 / 700",
        _GLOROT_REF,
    ),
)
glorot_uniform = _make(
    1.0,
    "fan_avg",
    "uniform",
    "glorot_uniform",
    _doc(
        "glorot_uniform",
        "Glorot (Xavier)",
        "uniform",
        r"\frac{2}{n_\text{in} + n_\text{out}}",
        "2 / 700",
        _GLOROT_REF,
    ),
)
he_normal = _make(
    2.0,
    "fan_in",
    "truncated_normal",
    "he_normal",
    _doc(
        "he_normal",
        "He (Kaiming)",
        "truncated normal",
        r"\frac{2}{n_\text{in}}",
        "2 / 400",
        _HE_REF,
    ),
)
he_uniform = _make(
    2.0,
    "fan_in",
    "uniform",
    "he_uniform",
    _doc(
        "he_uniform",
        "He (Kaiming)",
        "uniform",
        r"\frac{2}{n_\text{in}}",
        "2 / 400",
        _HE_REF,
    ),
)
lecun_normal = _make(
    1.0,
    "fan_in",
    "truncated_normal",
    "lecun_normal",
    _doc(
        "lecun_normal",
        "LeCun",
        "truncated normal",
        r"\frac{1}{n_\text{in}}",
        "1 / 400",
        _LECUN_REF,
    ),
)
lecun_uniform = _make(
    1.0,
    "fan_in",
    "uniform",
    "lecun_uniform",
    _doc(
        "lecun_uniform",
        "LeCun",
        "uniform",
        r"\frac{1}{n_\text{in}}",
        "1 / 400",
        _LECUN_REF,
    ),
)

_INITS: dict[str, Initializer] = {
    "glorot_normal": glorot_normal,
    "glorot_uniform": glorot_uniform,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "lecun_normal": lecun_normal,
    "lecun_uniform": lecun_uniform,
}
_INIT_ALIASES: dict[str, str] = {
    "glorot": "glorot_normal",
    "xavier": "glorot_normal",
    "xavier_normal": "glorot_normal",
    "xavier_uniform": "glorot_uniform",
    "he": "he_normal",
    "kaiming": "he_normal",
    "kaiming_normal": "he_normal",
    "kaiming_uniform": "he_uniform",
    "lecun": "lecun_normal",
}


def init_names() -> list[str]:
    """The canonical initializer names.

    Returns:
      A list of strings; :func:`initializer` also accepts the aliases ``glorot``,
      ``xavier``, ``xavier_normal``, ``xavier_uniform``, ``he``, ``kaiming``,
      ``kaiming_normal``, ``kaiming_uniform`` and ``lecun`` (the bare family names
      mean the normal variant).

    Examples:
      >>> import jaxact as ja
      >>> ja.init_names()[:2]
      ['glorot_normal', 'glorot_uniform']
    """
    return list(_INITS)


def initializer(name: str | Initializer) -> Initializer:
    """Look up an initializer by name.

    Args:
      name: a canonical name (``"he_normal"``), an alias (``"kaiming_uniform"``,
        ``"glorot"``), or a callable ``(key, shape, dtype) -> array``, returned
        unchanged. Case and hyphens are ignored.

    Returns:
      The initializer ``(key, shape, dtype=float32) -> array``.

    Raises:
      ValueError: unknown name; the message lists the closest names.
      TypeError: ``name`` is neither a string nor a callable.

    Examples:
      >>> import jaxact as ja
      >>> ja.initializer("kaiming").__name__
      'he_normal'
    """
    if callable(name):
        return name
    if not isinstance(name, str):
        raise TypeError(
            f"`init`: expected an initializer name (str) or a callable, got {type(name).__name__}"
        )
    key = name.strip().lower().replace("-", "_")
    _validate.choice("init", key, [*_INITS, *_INIT_ALIASES])
    return _INITS[_INIT_ALIASES.get(key, key)]


def default_init(activation: Any) -> str:
    """The initializer that suits an activation: the family its record names (``init``).

    The catalog's blocks name these families:

    * **He** (``"he_normal"``, Var w = 2/n_in) for the ReLU family: relu, relu6,
      leaky_relu, prelu, rrelu, threshold, elu, celu, gelu, silu/swish, mish,
      hard_silu, softplus, squareplus, sparse_plus.
    * **LeCun** (``"lecun_normal"``, Var w = 1/n_in) for SELU, whose self-normalizing
      fixed point assumes it.
    * **Glorot** (``"glorot_normal"``, Var w = 2/(n_in + n_out)) for the others:
      sigmoid, tanh, the identity and other saturating or odd activations, and the
      exponential.

    A record that names no family gets He if it is elementwise, bounded below and
    unbounded above, else Glorot; a callable and ``None`` get Glorot.

    Args:
      activation: a catalog name or alias, an :class:`~jaxact.Activation`, a callable,
        or ``None``.

    Returns:
      The initializer's canonical name.

    Raises:
      ValueError: unknown activation name (closest names suggested).

    Examples:
      >>> import jaxact as ja
      >>> ja.default_init("relu"), ja.default_init("tanh")
      ('he_normal', 'glorot_normal')
    """
    if activation is None or (
        callable(activation) and not isinstance(activation, (str, _acts.Activation))
    ):
        return "glorot_normal"
    rec = _acts.get(activation)
    if _rational.start_of(rec) is not None:  # a rational activation: as the one it starts from
        return default_init(_rational.start_of(rec))
    if rec.init is not None:  # the family the activation's block names
        return initializer(rec.init).__name__
    # A record that names none: He for what is bounded below and unbounded above (the
    # rectifiers pass about half the variance of a symmetric input), else Glorot.
    lo, hi = rec.card.range
    if rec.kind == "elementwise" and lo > -float("inf") and hi == float("inf"):
        return "he_normal"
    return "glorot_normal"
