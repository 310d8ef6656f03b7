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

import dataclasses
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from jaxact import _validate
from jaxact.catalog import activations as _acts, rational as _rational

Array = jax.Array
Initializer = Callable[..., Array]

__all__ = [
    "INIT_AXES",
    "MeanFieldInit",
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


# --------------------------------------------------------------------------------------
# Mean-field initialization: weight and bias variances as numbers (or sweep axes)
# --------------------------------------------------------------------------------------

INIT_AXES: tuple[str, ...] = ("sigma_w2", "sigma_b2")
"""The initializer's variances that a sweep's ``grid`` may sweep (per-run arguments of
the initialization program, like a learning rate)."""


@dataclasses.dataclass(frozen=True)
class MeanFieldInit:
    r"""Gaussian weights of variance σ_w²/n_in and Gaussian biases of variance σ_b².

    .. math::
      w_{ij} \sim N(0, \sigma_w^2 / n_\text{in}), \qquad b_j \sim N(0, \sigma_b^2)

    The initialization of mean-field theory (Poole et al. 2016): σ_w² = 2, σ_b² = 0 is
    He (normal, untruncated), σ_w² = 1 LeCun. :func:`~jaxact.edge_of_chaos` returns the
    one on an activation's χ₁ = 1 curve. Calling it draws weights; :meth:`bias` draws
    biases, which ``init_mlp`` uses in place of zeros. The variances may be traced
    values (a sweep's ``grid={"sigma_w2": [...], "sigma_b2": [...]}``).

    Attributes:
      sigma_w2: σ_w² > 0 (times fan-in).
      sigma_b2: σ_b² ≥ 0. Default 0.

    Examples:
      >>> import jax, jax.numpy as jnp, jaxact as ja
      >>> init = ja.MeanFieldInit(2.0, 0.05)
      >>> w = init(jax.random.key(0), (500, 400))
      >>> b = init.bias(jax.random.key(1), (4000,))
      >>> print(f"{float(jnp.var(w)) * 500:.1f} {float(jnp.var(b)):.3f}")
      2.0 0.050

    References:
      Poole et al., "Exponential expressivity in deep neural networks through transient
      chaos", NeurIPS 2016.
    """

    sigma_w2: Any
    sigma_b2: Any = 0.0

    def __post_init__(self) -> None:
        for name, lo in (("sigma_w2", 0.0), ("sigma_b2", None)):
            v = getattr(self, name)
            if isinstance(v, jax.core.Tracer):
                continue
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise TypeError(f"`{name}`: expected a number, got {type(v).__name__}")
            if not (v == v and abs(v) != float("inf")) or (v <= lo if lo is not None else v < 0):
                raise ValueError(
                    f"`{name}`: expected a finite variance {'> 0' if lo is not None else '≥ 0'}, "
                    f"got {v}"
                )

    def __call__(self, key: Array, shape: Sequence[int], dtype: Any = jnp.float32) -> Array:
        shape = _check_shape(shape)
        fan_in = shape[-2] * int(jnp.prod(jnp.asarray(shape[:-2]))) if len(shape) > 2 else shape[0]
        std = jnp.sqrt(jnp.asarray(self.sigma_w2, dtype) / fan_in)
        return (std * jax.random.normal(key, shape, dtype)).astype(dtype)

    def bias(self, key: Array, shape: Sequence[int], dtype: Any = jnp.float32) -> Array:
        """Biases of variance σ_b² (exact zeros at σ_b² = 0), ``shape``, ``dtype``."""
        std = jnp.sqrt(jnp.asarray(self.sigma_b2, dtype))
        return (std * jax.random.normal(key, tuple(shape), dtype)).astype(dtype)

    def replace(self, values: Mapping[str, Any]) -> MeanFieldInit:
        """A copy with the ``INIT_AXES`` entries of ``values`` (a sweep's grid point)."""
        return dataclasses.replace(self, **{k: values[k] for k in INIT_AXES if k in values})


def with_variances(init: Any, values: Mapping[str, Any]) -> Any:
    """``init`` with σ_w², σ_b² from ``values`` (a :class:`MeanFieldInit` from 1, 0)."""
    if not any(k in values for k in INIT_AXES):
        return init
    base = init if isinstance(init, MeanFieldInit) else MeanFieldInit(1.0, 0.0)
    return base.replace(values)
