r"""The activation catalog.

Every activation is written once, in one block: the forward pass in a numerically
stable form, the hand-written first derivative (and, for C² functions, the second)
attached with :func:`jax.custom_jvp`, the plain reference formula with no custom rule
(used only for checking), the derivatives with respect to the parameters, a
docstring with f and f′, and a :class:`Card` of properties.

Conventions shared by every block:

* **Kinks.** At a point where f′ jumps, the derivative takes the *minimum-norm
  subgradient*: the value of smallest magnitude in the closed interval between the
  one-sided derivatives (relu′(0) = 0, relu6′(0) = relu6′(6) = 0, hard_tanh′(±1) = 0,
  leaky_relu′(0) = slope). The same rule fixes f″ where f′ has a kink.
* **No NaN from an unselected branch.** Branches are computed on inputs that keep
  them finite ("double where"), so ``jax.grad`` is finite wherever f is finite,
  including ±1e4, ±inf and subnormals; NaN in gives NaN out.
* **Dtypes.** Integer and boolean inputs are converted to the default float type;
  bfloat16 and float16 inputs are computed in float32 and returned in the input
  dtype; float32 and float64 are computed in their own precision.
* **Parameters** are keyword arguments with the literature's defaults. They may be
  arrays that broadcast against ``x`` (a per-unit PReLU slope) and are
  differentiable: ``jax.grad`` with respect to a parameter uses the hand-written
  partial derivative.
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import math
from collections.abc import Callable, Mapping
from typing import Any, Literal

import jax
import jax.numpy as jnp
from jax.custom_derivatives import SymbolicZero

Array = jax.Array
ArrayLike = jax.typing.ArrayLike

__all__ = [
    "Activation",
    "Card",
    "Kink",
    "aliases",
    "get",
    "names",
]

# --------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Kink:
    """A point where f′ (or f″) is not continuous, and the values chosen there.

    Attributes:
      x: location of the kink, with the default parameters.
      d1: f′(x) as returned by the hand derivative (minimum-norm subgradient).
      d2: f″(x) as returned by the hand second derivative, or ``None`` where f′ is
        itself discontinuous at x (then f″ is a Dirac mass and has no value).
      left: the one-sided derivative f′(x⁻).
      right: the one-sided derivative f′(x⁺).
    """

    x: float
    d1: float
    d2: float | None
    left: float
    right: float


@dataclasses.dataclass(frozen=True)
class Card:
    """Properties of an activation, each one checked numerically by the tests.

    Attributes:
      range: ``(lo, hi)``, the closure of the image of f over the reals
        (``±math.inf`` for unbounded sides).
      monotonic: ``True`` if f is non-decreasing.
      zero_centred: ``True`` if f(0) = 0.
      smoothness: ``"discontinuous"``, ``"C0"``, ``"C1"``, ``"C2"`` or ``"Cinf"``.
      saturating: where f′ → 0: ``"none"``, ``"left"`` (x → −∞), ``"right"`` or
        ``"both"``.
      max_slope: sup over x of |f′(x)|.
      kinks: the points where f′ or f″ jumps, with the values chosen there.
    """

    range: tuple[float, float]
    monotonic: bool
    zero_centred: bool
    smoothness: Literal["discontinuous", "C0", "C1", "C2", "Cinf"]
    saturating: Literal["none", "left", "right", "both"]
    max_slope: float
    kinks: tuple[Kink, ...] = ()

    @property
    def bounded(self) -> bool:
        """Whether both ends of the range are finite."""
        return math.isfinite(self.range[0]) and math.isfinite(self.range[1])


@dataclasses.dataclass(frozen=True)
class Activation:
    """One catalog entry: the function, its hand derivatives and its card.

    Attributes:
      name: canonical name.
      fn: the public function, with the hand-written derivative attached.
      kind: ``"elementwise"`` or ``"vector"`` (softmax, glu, ...).
      derivative: for elementwise ones, f′(x, **params) written by hand; for vector
        ones, the JVP ``(x, v, **kw) -> J(x) v`` written by hand.
      second_derivative: f″(x, **params) written by hand (C² elementwise ones), else
        ``None``.
      reference: the plain formula with no custom rule, for checking only.
      param_derivatives: ∂f/∂p(x, **params) for each parameter p.
      defaults: the parameters and their defaults.
      learnable: parameters a model learns per unit (PReLU's slope, swish's beta).
      card: the property card.
      aliases: other names that resolve to this entry.
      jax_nn: the name of the jax.nn counterpart, if any.
      torch: the torch.nn.functional counterpart, if any.
      keras: the keras.activations counterpart, if any.
      notes: where the anchors (jax.nn, PyTorch, Keras) differ, and what jaxact chose.
    """

    name: str
    fn: Callable[..., Array]
    kind: Literal["elementwise", "vector"]
    derivative: Callable[..., Array]
    second_derivative: Callable[..., Array] | None
    reference: Callable[..., Array]
    param_derivatives: Mapping[str, Callable[..., Array]]
    defaults: Mapping[str, float]
    learnable: tuple[str, ...]
    card: Card
    aliases: tuple[str, ...] = ()
    jax_nn: str | None = None
    torch: str | None = None
    keras: str | None = None
    notes: str = ""

    def __call__(self, x: ArrayLike, **params: Any) -> Array:
        return self.fn(x, **params)


_REGISTRY: dict[str, Activation] = {}
_ALIASES: dict[str, str] = {}


# --------------------------------------------------------------------------------------
# Machinery shared by every block
# --------------------------------------------------------------------------------------

_LOW_PRECISION = (jnp.dtype(jnp.bfloat16), jnp.dtype(jnp.float16))


def _as_input(x: ArrayLike, fname: str) -> tuple[Array, jnp.dtype]:
    """Return ``x`` in its compute dtype, and the dtype to return results in."""
    try:
        x = jnp.asarray(x)
    except TypeError as e:
        raise TypeError(
            f"`x` of {fname}: expected an array or a number, got {type(x).__name__}"
        ) from e
    dt = x.dtype
    if jnp.issubdtype(dt, jnp.complexfloating):
        raise TypeError(f"`x` of {fname}: expected a real array, got dtype {dt}")
    if not jnp.issubdtype(dt, jnp.floating):
        x = x.astype(jnp.result_type(float))
        return x, x.dtype
    if dt in _LOW_PRECISION:
        return x.astype(jnp.float32), dt
    return x, dt


def _as_param(p: ArrayLike, dtype: jnp.dtype, fname: str, pname: str) -> Array:
    try:
        p = jnp.asarray(p)
    except TypeError as e:
        raise TypeError(
            f"`{pname}` of {fname}: expected a number or an array, got {type(p).__name__}"
        ) from e
    if not (jnp.issubdtype(p.dtype, jnp.floating) or jnp.issubdtype(p.dtype, jnp.integer)):
        raise TypeError(f"`{pname}` of {fname}: expected a real number, got dtype {p.dtype}")
    return p.astype(dtype)


def _safe(cond: Array, x: Array, fill: float) -> Array:
    """``x`` where ``cond`` holds, else ``fill``: feeds a branch only inputs it can take."""
    return jnp.where(cond, x, jnp.asarray(fill, x.dtype))


def _is_zero(t: Any) -> bool:
    return type(t) is SymbolicZero


def _with_rule(
    f: Callable[..., Array],
    d1: Callable[..., Array],
    dparams: tuple[Callable[..., Array], ...],
) -> Callable[..., Array]:
    """Wrap ``f(x, *p)`` in a ``custom_jvp`` whose tangent is d1·ẋ + Σ ∂f/∂pᵢ·ṗᵢ."""
    core = jax.custom_jvp(f)

    def jvp(primals, tangents):
        x, *p = primals
        dx, *dp = tangents
        y = core(x, *p)
        out = jnp.zeros_like(y)
        if not _is_zero(dx):
            out = d1(x, *p) * dx
        for dfi, dpi in zip(dparams, dp, strict=True):
            if not _is_zero(dpi):
                out = out + dfi(x, *p) * dpi
        return y, out

    core.defjvp(jvp, symbolic_zeros=True)
    return core


def _elementwise(
    name: str,
    *,
    forward: Callable[..., Array],
    derivative: Callable[..., Array],
    reference: Callable[..., Array],
    card: Card,
    doc: str,
    second_derivative: Callable[..., Array] | None = None,
    params: Mapping[str, float] | None = None,
    param_derivatives: Mapping[str, Callable[..., Array]] | None = None,
    learnable: tuple[str, ...] = (),
    aliases: tuple[str, ...] = (),
    jax_nn: str | None = None,
    torch: str | None = None,
    keras: str | None = None,
    notes: str = "",
) -> Callable[..., Array]:
    """Build and register an elementwise activation; return its public function.

    ``forward``, ``derivative``, ``second_derivative`` and the entries of
    ``param_derivatives`` all take ``(x, *params)`` positionally, in the order of
    ``params``. When ``second_derivative`` is given, the first derivative carries it as
    its own custom JVP, so ``jax.grad(jax.grad(f))`` uses the hand-written f″.
    """
    params = dict(params or {})
    pnames = tuple(params)
    param_derivatives = dict(param_derivatives or {})
    if set(param_derivatives) != set(pnames):
        raise ValueError(f"{name}: param_derivatives must cover exactly {pnames}")
    dps = tuple(param_derivatives[p] for p in pnames)

    d1 = derivative
    if second_derivative is not None:
        # f′ gets f″ as its own rule; mixed partials ∂²f/∂x∂p come from autodiff of
        # the hand-written f′ formula, which is plain differentiable jnp.
        d1 = _with_rule(
            derivative,
            second_derivative,
            tuple(_dparam(derivative, i) for i in range(len(pnames))),
        )
    core = _with_rule(forward, d1, dps)

    def fn(x: ArrayLike, *args: Any, **kwargs: Any) -> Array:
        bound = signature.bind(x, *args, **kwargs)
        x, out_dtype = _as_input(bound.arguments["x"], name)
        p = [_as_param(bound.arguments.get(k, params[k]), x.dtype, name, k) for k in pnames]
        return core(x, *p).astype(out_dtype)

    signature = inspect.Signature(
        [inspect.Parameter("x", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [
            inspect.Parameter(k, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=v)
            for k, v in params.items()
        ]
    )
    fn.__signature__ = signature  # type: ignore[attr-defined]
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    fn.__module__ = __name__

    def named(f: Callable[..., Array] | None) -> Callable[..., Array] | None:
        if f is None:
            return None

        def g(x: ArrayLike, **kw: Any) -> Array:
            return f(jnp.asarray(x), *[jnp.asarray(kw.get(k, params[k])) for k in pnames])

        g.__name__ = f"{name}_{getattr(f, '__name__', 'fn')}"
        return g

    _register(
        Activation(
            name=name,
            fn=fn,
            kind="elementwise",
            derivative=named(derivative),
            second_derivative=named(second_derivative),
            reference=named(reference),
            param_derivatives={k: named(v) for k, v in param_derivatives.items()},
            defaults=params,
            learnable=learnable,
            card=card,
            aliases=aliases,
            jax_nn=jax_nn,
            torch=torch,
            keras=keras,
            notes=notes,
        )
    )
    return fn


def _dparam(f: Callable[..., Array], i: int) -> Callable[..., Array]:
    """∂f/∂pᵢ of an elementwise ``f(x, *p)`` by forward-mode autodiff of its formula."""

    def df(x: Array, *p: Array) -> Array:
        pi = jnp.broadcast_to(p[i], jnp.broadcast_shapes(jnp.shape(x), jnp.shape(p[i])))
        xb = jnp.broadcast_to(x, pi.shape)
        rest = [jnp.broadcast_to(q, pi.shape) for q in p]

        def g(v: Array) -> Array:
            return f(xb, *rest[:i], v, *rest[i + 1 :])

        return jax.jvp(g, (pi,), (jnp.ones_like(pi),))[1]

    return df


def _register(rec: Activation) -> None:
    for key in (rec.name, *rec.aliases):
        if key in _REGISTRY or key in _ALIASES:
            raise ValueError(f"activation name {key!r} registered twice")
    _REGISTRY[rec.name] = rec
    for a in rec.aliases:
        _ALIASES[a] = rec.name


def names() -> list[str]:
    """The canonical names of every activation in the catalog, in catalog order.

    Returns:
      A list of strings.

    Examples:
      >>> import jaxact as ja
      >>> "relu" in ja.names() and "swish" not in ja.names()
      True
    """
    return list(_REGISTRY)


def aliases() -> dict[str, str]:
    """Every alias and the canonical name it resolves to (``{"swish": "silu", ...}``)."""
    return dict(_ALIASES)


def get(name: str | Activation) -> Activation:
    """Look up an activation by canonical name or alias.

    Args:
      name: a canonical name (``"relu"``), an alias (``"swish"``), or an
        :class:`Activation`, returned unchanged. Case and hyphens are ignored.

    Returns:
      The :class:`Activation` record.

    Raises:
      ValueError: unknown name; the message lists the closest names.
      TypeError: ``name`` is neither a string nor an :class:`Activation`.

    Examples:
      >>> import jaxact as ja
      >>> ja.get("swish").name
      'silu'
      >>> ja.get("relu").card.range
      (0.0, inf)
    """
    if isinstance(name, Activation):
        return name
    if not isinstance(name, str):
        raise TypeError(
            f"`activation`: expected a name (str) or an Activation, got {type(name).__name__}"
        )
    key = name.strip().lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key in _REGISTRY:
        return _REGISTRY[key]
    choices = [*_REGISTRY, *_ALIASES]
    close = difflib.get_close_matches(key, choices, n=3, cutoff=0.5)
    hint = f"; closest: {', '.join(close)}" if close else ""
    raise ValueError(
        f"`activation`: unknown name {name!r}{hint}. Valid names: {', '.join(_REGISTRY)}"
    )


def _vector(
    name: str,
    *,
    forward: Callable[..., Array],
    jvp: Callable[..., Array],
    reference: Callable[..., Array],
    card: Card,
    doc: str,
    masked: bool = True,
    aliases: tuple[str, ...] = (),
    jax_nn: str | None = None,
    torch: str | None = None,
    keras: str | None = None,
    notes: str = "",
) -> Callable[..., Array]:
    """Build and register a vector-valued activation that acts along ``axis``.

    ``forward(x, axis, where)``, ``jvp(x, v, axis, where)`` (the hand-written
    J(x)·v) and ``reference(x, axis, where)`` take a static integer ``axis`` and a
    boolean mask ``where`` (or ``None``). With ``masked=False`` the public function
    takes no ``where`` argument (glu).
    """

    def _primal(x: Array, where: Array | None, axis: int) -> Array:
        return forward(x, axis, where)

    core = jax.custom_jvp(_primal, nondiff_argnums=(2,))

    def rule(axis, primals, tangents):
        x, where = primals
        dx, _ = tangents
        return core(x, where, axis), jvp(x, dx, axis, where)

    core.defjvp(rule)

    def fn(x: ArrayLike, axis: int = -1, where: ArrayLike | None = None) -> Array:
        x, out_dtype = _as_input(x, name)
        axis = _check_axis(axis, x.ndim, name)
        if where is not None:
            where = _check_where(where, x.shape, name)
        return core(x, where, axis).astype(out_dtype)

    if masked:
        public = fn
    else:

        def public(x: ArrayLike, axis: int = -1) -> Array:
            return fn(x, axis)

    public.__name__ = public.__qualname__ = name
    public.__doc__ = doc
    public.__module__ = __name__

    def derivative(x: ArrayLike, v: ArrayLike, axis: int = -1, where: ArrayLike | None = None):
        x = jnp.asarray(x)
        return jvp(x, jnp.asarray(v, x.dtype), _check_axis(axis, x.ndim, name), where)

    def ref(x: ArrayLike, axis: int = -1, where: ArrayLike | None = None):
        x = jnp.asarray(x)
        return reference(x, _check_axis(axis, x.ndim, name), where)

    _register(
        Activation(
            name=name,
            fn=public,
            kind="vector",
            derivative=derivative,
            second_derivative=None,
            reference=ref,
            param_derivatives={},
            defaults={},
            learnable=(),
            card=card,
            aliases=aliases,
            jax_nn=jax_nn,
            torch=torch,
            keras=keras,
            notes=notes,
        )
    )
    return public


def _check_axis(axis: Any, ndim: int, fname: str) -> int:
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError(f"`axis` of {fname}: expected an int, got {type(axis).__name__}")
    if ndim == 0:
        raise ValueError(f"`x` of {fname}: expected an array with at least 1 axis, got a scalar")
    if not -ndim <= axis < ndim:
        raise ValueError(f"`axis` of {fname}: expected -{ndim} <= axis < {ndim}, got {axis}")
    return axis % ndim


def _check_where(where: ArrayLike, shape: tuple[int, ...], fname: str) -> Array:
    where = jnp.asarray(where)
    if where.dtype != jnp.bool_:
        raise TypeError(f"`where` of {fname}: expected a boolean mask, got dtype {where.dtype}")
    try:
        return jnp.broadcast_to(where, shape)
    except ValueError as e:
        raise ValueError(
            f"`where` of {fname}: expected a mask broadcastable to {shape}, got shape {where.shape}"
        ) from e


_INF = math.inf

# ======================================================================================
# The catalog. One block per activation.
# ======================================================================================

# --- identity -------------------------------------------------------------------------

identity = _elementwise(
    "identity",
    forward=lambda x: x,
    derivative=lambda x: jnp.where(jnp.isnan(x), x, jnp.ones_like(x)),
    second_derivative=lambda x: jnp.where(jnp.isnan(x), x, jnp.zeros_like(x)),
    reference=lambda x: x,
    card=Card(
        range=(-_INF, _INF),
        monotonic=True,
        zero_centred=True,
        smoothness="Cinf",
        saturating="none",
        max_slope=1.0,
    ),
    aliases=("linear",),
    jax_nn="identity",
    torch=None,
    keras="linear",
    doc=r"""The identity (linear) activation.

    .. math:: f(x) = x, \qquad f'(x) = 1.

    A network whose hidden layers all use it collapses to one affine map.

    Args:
      x: input array of any shape; integer inputs become the default float type.

    Returns:
      An array of the same shape and dtype as ``x``.

    Examples:
      >>> import jax.numpy as jnp, jaxact as ja
      >>> ja.identity(jnp.array([-2.0, 0.0, 3.0], dtype=jnp.float32))
      Array([-2.,  0.,  3.], dtype=float32)
    """,
)

# --- relu -----------------------------------------------------------------------------


def _relu_d(x):
    # Kink at 0: one-sided slopes 0 and 1; the minimum-norm subgradient is 0.
    # sign(max(x, 0)) is 1 for x > 0, 0 for x <= 0 and NaN for NaN.
    return jnp.sign(jnp.maximum(x, 0.0))


relu = _elementwise(
    "relu",
    forward=lambda x: jnp.maximum(x, 0.0),
    derivative=_relu_d,
    reference=lambda x: jnp.where(x > 0, x, 0.0 * x),
    card=Card(
        range=(0.0, _INF),
        monotonic=True,
        zero_centred=False,
        smoothness="C0",
        saturating="left",
        max_slope=1.0,
        kinks=(Kink(x=0.0, d1=0.0, d2=0.0, left=0.0, right=1.0),),
    ),
    jax_nn="relu",
    torch="relu",
    keras="relu",
    notes="relu′(0) = 0 in jax.nn, PyTorch and Keras alike.",
    doc=r"""Rectified linear unit.

    .. math::
      f(x) = \max(x, 0), \qquad
      f'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}

    At the kink x = 0 the derivative is the minimum-norm subgradient, 0.

    Args:
      x: input array of any shape.

    Returns:
      An array of the same shape and dtype as ``x``.

    Examples:
      >>> import jax, jax.numpy as jnp, jaxact as ja
      >>> ja.relu(jnp.array([-1.0, 0.0, 2.0], dtype=jnp.float32))
      Array([0., 0., 2.], dtype=float32)
      >>> float(jax.grad(ja.relu)(0.0))
      0.0

    References:
      Nair & Hinton, "Rectified linear units improve restricted Boltzmann machines",
      ICML 2010.
    """,
)

# --- leaky_relu -----------------------------------------------------------------------


def _leaky_d(x, slope):
    # Kink at 0: one-sided slopes `slope` and 1; the minimum-norm subgradient is the
    # point of [min(slope, 1), max(slope, 1)] closest to 0 (= slope for 0 <= slope <= 1).
    at0 = jnp.clip(0.0, jnp.minimum(slope, 1.0), jnp.maximum(slope, 1.0))
    return jnp.where(x > 0, 1.0, jnp.where(x < 0, slope, jnp.where(x == 0, at0, x)))


leaky_relu = _elementwise(
    "leaky_relu",
    forward=lambda x, slope: jnp.where(x >= 0, x, slope * x),
    derivative=_leaky_d,
    reference=lambda x, slope: jnp.maximum(x, 0.0) + slope * jnp.minimum(x, 0.0),
    params={"negative_slope": 0.01},
    param_derivatives={"negative_slope": lambda x, slope: jnp.minimum(x, 0.0)},
    card=Card(
        range=(-_INF, _INF),
        monotonic=True,
        zero_centred=True,
        smoothness="C0",
        saturating="none",
        max_slope=1.0,
        kinks=(Kink(x=0.0, d1=0.01, d2=0.0, left=0.01, right=1.0),),
    ),
    jax_nn="leaky_relu",
    torch="leaky_relu",
    keras="leaky_relu",
    notes=(
        "Default slope 0.01 as in jax.nn and PyTorch; Keras 3 defaults to 0.2. "
        "At 0, jax.nn's autodiff gives 1; jaxact gives the minimum-norm subgradient, "
        "the slope."
    ),
    doc=r"""Leaky rectified linear unit.

    .. math::
      f(x) = \begin{cases} x & x \ge 0 \\ a x & x < 0 \end{cases}, \qquad
      f'(x) = \begin{cases} 1 & x > 0 \\ a & x < 0 \end{cases}, \qquad
      \frac{\partial f}{\partial a} = \min(x, 0)

    At x = 0 the derivative is the minimum-norm subgradient: a for 0 ≤ a ≤ 1.

    Args:
      x: input array of any shape.
      negative_slope: the slope a for x < 0; a number or an array that broadcasts
        against ``x``. Default 0.01.

    Returns:
      An array of the same shape and dtype as ``x``.

    Examples:
      >>> import jax, jax.numpy as jnp, jaxact as ja
      >>> ja.leaky_relu(jnp.array([-10.0, 0.0, 2.0], dtype=jnp.float32))
      Array([-0.1,  0. ,  2. ], dtype=float32)
      >>> float(jax.grad(ja.leaky_relu)(0.0))
      0.01

    References:
      Maas, Hannun & Ng, "Rectifier nonlinearities improve neural network acoustic
      models", ICML 2013.
    """,
)

# --- sigmoid --------------------------------------------------------------------------


def _sigmoid_d(x):
    s = jax.lax.logistic(x)
    # σ(1−σ) loses relative accuracy in the right tail (1−σ rounds to 0 for x > ~37);
    # σ(x)σ(−x) is exact to a few ulps on both sides.
    return s * jax.lax.logistic(-x)


def _sigmoid_d2(x):
    s, t = jax.lax.logistic(x), jax.lax.logistic(-x)
    return s * t * (t - s)


sigmoid = _elementwise(
    "sigmoid",
    forward=jax.lax.logistic,
    derivative=_sigmoid_d,
    second_derivative=_sigmoid_d2,
    reference=lambda x: 1.0 / (1.0 + jnp.exp(-x)),
    card=Card(
        range=(0.0, 1.0),
        monotonic=True,
        zero_centred=False,
        smoothness="Cinf",
        saturating="both",
        max_slope=0.25,
    ),
    aliases=("logistic",),
    jax_nn="sigmoid",
    torch="sigmoid",
    keras="sigmoid",
    doc=r"""The logistic sigmoid.

    .. math::
      \sigma(x) = \frac{1}{1 + e^{-x}}, \qquad
      \sigma'(x) = \sigma(x)\,\sigma(-x) = \sigma(x)(1 - \sigma(x)) \le \tfrac14

    Saturates on both sides; its slope is at most 1/4, so a chain of L sigmoid layers
    shrinks a gradient by up to 4^-L.

    Args:
      x: input array of any shape.

    Returns:
      An array of the same shape and dtype as ``x``, in [0, 1].

    Examples:
      >>> import jax, jax.numpy as jnp, jaxact as ja
      >>> ja.sigmoid(jnp.array([0.0, 2.0], dtype=jnp.float32))
      Array([0.5      , 0.8807971], dtype=float32)
      >>> float(jax.grad(ja.sigmoid)(0.0))
      0.25
    """,
)

# --- tanh -----------------------------------------------------------------------------


def _tanh_d(x):
    # sech²x = 4u / (1 + u)² with u = exp(−2|x|): accurate to a few ulps in the tails,
    # where 1 − tanh²x rounds to 0.
    u = jnp.exp(-2.0 * jnp.abs(x))
    return 4.0 * u / jnp.square(1.0 + u)


def _tanh_d2(x):
    return -2.0 * jnp.tanh(x) * _tanh_d(x)


tanh = _elementwise(
    "tanh",
    forward=jnp.tanh,
    derivative=_tanh_d,
    second_derivative=_tanh_d2,
    reference=lambda x: (jnp.exp(x) - jnp.exp(-x)) / (jnp.exp(x) + jnp.exp(-x)),
    card=Card(
        range=(-1.0, 1.0),
        monotonic=True,
        zero_centred=True,
        smoothness="Cinf",
        saturating="both",
        max_slope=1.0,
    ),
    jax_nn="tanh",
    torch="tanh",
    keras="tanh",
    doc=r"""The hyperbolic tangent.

    .. math::
      f(x) = \tanh x = \frac{e^x - e^{-x}}{e^x + e^{-x}}, \qquad
      f'(x) = 1 - \tanh^2 x = \operatorname{sech}^2 x

    Zero-centred, unlike the sigmoid (tanh x = 2σ(2x) − 1), but saturates likewise.

    Args:
      x: input array of any shape.

    Returns:
      An array of the same shape and dtype as ``x``, in [−1, 1].

    Examples:
      >>> import jax, jax.numpy as jnp, jaxact as ja
      >>> ja.tanh(jnp.array([0.0, 1.0], dtype=jnp.float32))
      Array([0.       , 0.7615942], dtype=float32)
      >>> float(jax.grad(ja.tanh)(0.0))
      1.0
    """,
)

# --- softmax --------------------------------------------------------------------------


def _softmax_f(x, axis, where):
    if where is None:
        m = jnp.max(x, axis=axis, keepdims=True)
        m = jax.lax.stop_gradient(jnp.where(jnp.isfinite(m), m, 0.0))
        u = jnp.exp(x - m)
        return u / jnp.sum(u, axis=axis, keepdims=True)
    xm = jnp.where(where, x, -jnp.inf)
    m = jnp.max(xm, axis=axis, keepdims=True)
    m = jax.lax.stop_gradient(jnp.where(jnp.isfinite(m), m, 0.0))
    u = jnp.where(where, jnp.exp(_safe(where, x, 0.0) - m), 0.0)
    z = jnp.sum(u, axis=axis, keepdims=True)
    # An all-masked row has z = 0: it returns zeros, not NaN.
    return u / jnp.where(z > 0, z, 1.0)


def _softmax_jvp(x, v, axis, where):
    s = _softmax_f(x, axis, where)
    if where is not None:
        v = jnp.where(where, v, 0.0)
    return s * (v - jnp.sum(s * v, axis=axis, keepdims=True))


def _softmax_ref(x, axis, where):
    u = jnp.exp(x) if where is None else jnp.where(where, jnp.exp(x), 0.0)
    return u / jnp.sum(u, axis=axis, keepdims=True)


softmax = _vector(
    "softmax",
    forward=_softmax_f,
    jvp=_softmax_jvp,
    reference=_softmax_ref,
    card=Card(
        range=(0.0, 1.0),
        monotonic=False,
        zero_centred=False,
        smoothness="Cinf",
        saturating="both",
        max_slope=0.5,
    ),
    jax_nn="softmax",
    torch="softmax",
    keras="softmax",
    notes="An all-masked row returns zeros (jax.nn returns NaN there in some versions).",
    doc=r"""Softmax along an axis.

    .. math::
      s_i = \frac{e^{x_i}}{\sum_j e^{x_j}}, \qquad
      J v = s \odot (v - \langle s, v \rangle)

    Computed with the maximum subtracted. Entries where ``where`` is False are left
    out and return 0; a row with no entry left returns zeros.

    Args:
      x: input array with at least one axis.
      axis: the axis to normalize over. Default −1.
      where: optional boolean mask broadcastable to ``x.shape``.

    Returns:
      An array of the same shape and dtype as ``x``, each slice along ``axis``
      summing to 1 (0 for an all-masked slice).

    Examples:
      >>> import jax.numpy as jnp, jaxact as ja
      >>> ja.softmax(jnp.array([0.0, jnp.log(3.0)], dtype=jnp.float32))
      Array([0.25, 0.75], dtype=float32)
    """,
)
