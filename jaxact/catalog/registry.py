r"""The catalog's machinery: the records, the builders and the registry.

:class:`Kink`, :class:`UlpBudget`, :class:`Card` and :class:`Activation` describe an
entry; ``build_elementwise`` and ``build_vector`` build an entry's public function (input
checks, dtype handling, the hand-written derivative attached with
:func:`jax.custom_jvp`) and register it; :func:`get`, :func:`names` and
:func:`aliases` look entries up. The entries themselves are the blocks of
:mod:`jaxact.catalog.activations`, which re-exports the public names of this module.
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import math
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Literal, TypeVar, cast, overload

import jax
import jax.numpy as jnp
import numpy as np
from jax.custom_derivatives import SymbolicZero

Array = jax.Array
ArrayLike = jax.typing.ArrayLike

__all__ = [
    "Activation",
    "Card",
    "Kink",
    "UlpBudget",
    "aliases",
    "families",
    "get",
    "names",
]

_PUBLIC_MODULE = "jaxact.catalog.activations"  # where the catalog functions live
_F = TypeVar("_F", bound=Callable[..., Any])

# --------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Kink:
    """A point where f′ (or f″) is not continuous, and the values chosen there.

    Attributes:
      x: location of the kink, with the default parameters.
      d1: f′(x) as returned by the hand derivative (minimum-norm subgradient).
      d2: f″(x) as returned by the code (the hand f″, or autodiff of the hand f′):
        the minimum-norm value between the one-sided limits of f″ (where f′ itself
        jumps, the Dirac mass is dropped). ``None`` only where no value is defined.
      left: the one-sided derivative f′(x⁻).
      right: the one-sided derivative f′(x⁺).
    """

    x: float
    d1: float
    d2: float | None
    left: float
    right: float


@dataclasses.dataclass(frozen=True)
class UlpBudget:
    """An exception to the ulp audit's default budget (4 ulps), with its reason.

    Attributes:
      quantity: ``"f"``, ``"f'"`` or ``"d/dp"`` for a parameter p.
      dtype: ``"float64"`` or ``"float32"``.
      ulps: the worst error allowed, in ulps.
      reason: why the default cannot be met (measured, and what it would cost).
      within: ``(lo, hi)``: the budget holds for x in [lo, hi] only (elsewhere the
        default); ``None``: for every x.
      floor: within the range, errors are counted in units of max(ulp(t), floor)
        rather than ulp(t) (an absolute error floor, e.g. one ulp of 1/2 near a zero
        of f′, where the result is a difference of terms of size ~1/2).
    """

    quantity: str
    dtype: str
    ulps: float
    reason: str
    within: tuple[float, float] | None = None
    floor: float = 0.0


@dataclasses.dataclass(frozen=True)
class Card:
    """Properties of an activation, each one checked numerically by the tests.

    Every property is stated for the default parameters.

    Attributes:
      range: ``(lo, hi)``, the closure of the image of f over the reals
        (``±math.inf`` for unbounded sides).
      monotonic: ``True`` if f is non-decreasing.
      zero_centred: ``True`` if f(0) = 0 and f takes both signs (so its outputs
        can average to zero); relu has f(0) = 0 but is not zero-centred.
      smoothness: ``"discontinuous"``, ``"C0"``, ``"C1"``, ``"C2"`` or ``"Cinf"``.
      saturating: where f′ → 0: ``"none"``, ``"left"`` (x → −∞), ``"right"`` or
        ``"both"``.
      max_slope: sup over x of |f′(x)| (for vector-valued ones, the supremum of the
        spectral norm of the Jacobian).
      kinks: the points where f′ or f″ jumps, with the values chosen there.
      ulp_budgets: exceptions to the ulp audit's default budget of 4 ulps, each with
        its reason (:mod:`jaxact.check.ulp_audit`).
    """

    range: tuple[float, float]
    monotonic: bool
    zero_centred: bool
    smoothness: Literal["discontinuous", "C0", "C1", "C2", "Cinf"]
    saturating: Literal["none", "left", "right", "both"]
    max_slope: float
    kinks: tuple[Kink, ...] = ()
    ulp_budgets: tuple[UlpBudget, ...] = ()

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
        ones, the JVP ``(x, v, axis=-1, where=None) -> J(x) v`` written by hand.
      second_derivative: f″(x, **params) written by hand (C² elementwise ones, and
        a few C¹ ones), else ``None``.
      reference: the plain formula with no custom rule, for checking only.
      param_derivatives: ∂f/∂p(x, **params) for each parameter p.
      defaults: the parameters and their defaults.
      learnable: parameters a model learns per unit (PReLU's slope, swish's beta).
      learnable_per_unit: ``True``: a model keeps one value of each learnable parameter
        per unit, shape ``(n_out,)``; ``False``: one per layer, shape ``(1,)`` (the
        coefficients of a rational activation).
      card: the property card.
      aliases: other names that resolve to this entry.
      jax_nn: the name of the jax.nn counterpart, if any.
      jax_nn_kwargs: keyword arguments that make the jax.nn counterpart compute this
        function (``{"approximate": False}`` for gelu).
      torch: the torch.nn.functional counterpart, if any.
      keras: the keras.activations counterpart, if any.
      notes: where the anchors (jax.nn, PyTorch, Keras) differ, and what jaxact chose.
      oracle: the independent high-precision formula, written from the definition in
        mpmath: ``oracle(x, **params)`` for an elementwise entry (``x`` and the
        parameters are ``mpf``), ``oracle(xs)`` on a list of ``mpf`` (one row along the
        axis) for a vector-valued one. :mod:`jaxact.check.oracles` evaluates it.
      init: the name of the default initializer family (``"he_normal"``,
        ``"lecun_normal"``, ``"glorot_normal"``, ...); ``None``: chosen from the card
        by :func:`~jaxact.default_init`.
      colour: the colour of the activation in figures (a matplotlib colour), or
        ``None`` (the plot's next colour).
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
    jax_nn_kwargs: Mapping[str, Any] = dataclasses.field(
        default_factory=lambda: MappingProxyType({})
    )
    torch: str | None = None
    keras: str | None = None
    notes: str = ""
    oracle: Callable[..., Any] | None = None
    init: str | None = None
    colour: str | None = None
    learnable_per_unit: bool = True

    def __call__(self, x: ArrayLike, **params: Any) -> Array:
        return self.fn(x, **params)


REGISTRY: dict[str, Activation] = {}
_ALIASES: dict[str, str] = {}
_FAMILIES: dict[str, Callable[[str], Activation]] = {}


# --------------------------------------------------------------------------------------
# Machinery shared by every block
# --------------------------------------------------------------------------------------

_LOW_PRECISION = (jnp.dtype(jnp.bfloat16), jnp.dtype(jnp.float16))


def _as_input(x: ArrayLike, fname: str) -> tuple[Array, jnp.dtype]:
    """Return ``x`` in its compute dtype, and the dtype to return results in."""
    try:
        x = jnp.asarray(x)
    except TypeError as e:
        got = type(x).__name__ + (f" of dtype {x.dtype}" if hasattr(x, "dtype") else "")
        raise TypeError(
            f"`x` of {fname}: expected an array or a number (float, int or bool), got {got}"
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


def _broadcast_all(x: Array, p: list[Array], fname: str, pnames: tuple[str, ...]):
    """Broadcast ``x`` and array-valued parameters to one shape, explicitly.

    Explicit broadcasting keeps a per-unit parameter of shape ``(d,)`` usable against
    ``x`` of shape ``(n, d)`` under ``jax_numpy_rank_promotion="raise"``.
    """
    if all(q.ndim == 0 for q in p):
        return x, p
    try:
        shape = jnp.broadcast_shapes(x.shape, *(q.shape for q in p))
    except ValueError as e:
        got = ", ".join(f"`{k}` {q.shape}" for k, q in zip(pnames, p, strict=True))
        raise ValueError(
            f"parameters of {fname}: expected shapes that broadcast against `x` "
            f"{x.shape}, got {got}"
        ) from e
    x = x if x.shape == shape else jnp.broadcast_to(x, shape)
    p = [q if q.ndim == 0 or q.shape == shape else jnp.broadcast_to(q, shape) for q in p]
    return x, p


def _is_zero(t: Any) -> bool:
    return type(t) is SymbolicZero


def with_rule(
    f: Callable[..., Array],
    d1: Callable[..., Array],
    dparams: tuple[Callable[..., Array], ...],
    param_tangent: Callable[..., Array] | None = None,
) -> Callable[..., Array]:
    """Wrap ``f(x, *p)`` in a ``custom_jvp`` whose tangent is d1·ẋ + Σ ∂f/∂pᵢ·ṗᵢ.

    ``param_tangent(x, p, ṗ)``, when given, computes Σ ∂f/∂pᵢ·ṗᵢ in one piece (a
    rational activation's ten coefficients share one evaluation).
    """
    core = jax.custom_jvp(f)

    def jvp(primals, tangents):
        x, *p = primals
        dx, *dp = tangents
        y = core(x, *p)
        out = None
        if not _is_zero(dx):
            out = d1(x, *p) * dx
        if param_tangent is not None and not all(_is_zero(t) for t in dp):
            dp = [jnp.zeros_like(q) if _is_zero(t) else t for q, t in zip(p, dp, strict=True)]
            term = param_tangent(x, p, dp)
            out = term if out is None else out + term
            dp = []
        for dfi, dpi in zip(dparams, dp, strict=False):
            if not _is_zero(dpi):
                term = dfi(x, *p) * dpi
                out = term if out is None else out + term
        return y, jnp.zeros_like(y) if out is None else out

    core.defjvp(jvp, symbolic_zeros=True)
    return core


def _elementwise_core(
    name: str,
    forward: Callable[..., Array],
    derivative: Callable[..., Array],
    second_derivative: Callable[..., Array] | None,
    params: Mapping[str, float],
    param_derivatives: Mapping[str, Callable[..., Array]],
    param_tangent: Callable[..., Array] | None = None,
) -> Callable[..., Array]:
    """``forward`` with its hand-written rule: f′·ẋ + Σ ∂f/∂pᵢ·ṗᵢ (and f″ on f′ if given)."""
    pnames = tuple(params)
    if set(param_derivatives) != set(pnames):
        raise ValueError(f"{name}: param_derivatives must cover exactly {pnames}")
    dps = tuple(param_derivatives[p] for p in pnames)
    d1 = derivative
    if second_derivative is not None:
        # f′ gets f″ as its own rule; mixed partials ∂²f/∂x∂p come from autodiff of
        # the hand-written f′ formula, which is plain differentiable jnp.
        d1 = with_rule(
            derivative,
            second_derivative,
            tuple(_dparam(derivative, i) for i in range(len(pnames))),
        )
    return with_rule(forward, d1, dps, param_tangent)


def _elementwise_binder(
    name: str, params: Mapping[str, float]
) -> Callable[..., Callable[..., Array]]:
    """``bind(f, suffix)``: a formula ``f(x, *p)`` behind the public signature ``(x,
    *params)`` and argument handling (checks, dtype, broadcasting).
    """
    pnames = tuple(params)
    signature = inspect.Signature(
        [inspect.Parameter("x", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [
            inspect.Parameter(k, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=v)
            for k, v in params.items()
        ]
    )

    def prepare(args: tuple, kwargs: dict) -> tuple[Array, list[Array], jnp.dtype]:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"{name}{signature}: {e}") from None
        x, out_dtype = _as_input(bound.arguments["x"], name)
        p = [_as_param(bound.arguments.get(k, params[k]), x.dtype, name, k) for k in pnames]
        x, p = _broadcast_all(x, p, name, pnames)
        return x, p, out_dtype

    def bind(f: Callable[..., Array], suffix: str) -> Callable[..., Array]:
        def g(x: ArrayLike, *args: Any, **kwargs: Any) -> Array:
            x, p, out_dtype = prepare((x, *args), kwargs)
            return f(x, *p).astype(out_dtype)

        g.__signature__ = signature  # type: ignore[attr-defined]
        g.__name__ = g.__qualname__ = f"{name}_{suffix}" if suffix else name
        return g

    return bind


def build_elementwise(name: str, **spec: Any) -> Callable[..., Array]:
    """Build and register an elementwise activation; return its public function.

    The keyword arguments are those of :func:`make_elementwise`.
    """
    rec = make_elementwise(name, **spec)
    register(rec)
    return rec.fn


def make_elementwise(
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
    learnable_per_unit: bool = True,
    param_tangent: Callable[..., Array] | None = None,
    **facts: Any,
) -> Activation:
    """Build an elementwise activation's record (not registered).

    ``forward``, ``derivative``, ``second_derivative`` and the entries of
    ``param_derivatives`` all take ``(x, *params)`` positionally, in the order of
    ``params``. When ``second_derivative`` is given, the first derivative carries it as
    its own custom JVP, so ``jax.grad(jax.grad(f))`` uses the hand-written f″.
    ``facts`` are the record's remaining fields (``aliases``, ``jax_nn``,
    ``jax_nn_kwargs``, ``torch``, ``keras``, ``notes``, ``oracle``, ``init``,
    ``colour``; see :class:`Activation`).
    """
    params = dict(params or {})
    param_derivatives = dict(param_derivatives or {})
    core = _elementwise_core(
        name, forward, derivative, second_derivative, params, param_derivatives, param_tangent
    )
    bind = _elementwise_binder(name, params)
    fn = bind(core, "")
    fn.__doc__ = doc
    fn.__module__ = _PUBLIC_MODULE

    def named(f: Callable[..., Array] | None, what: str) -> Callable[..., Array] | None:
        return None if f is None else bind(f, what)

    return Activation(
        name=name,
        fn=fn,
        kind="elementwise",
        derivative=named(derivative, "derivative"),
        second_derivative=named(second_derivative, "second_derivative"),
        reference=named(reference, "reference"),
        param_derivatives={k: named(v, f"d_{k}") for k, v in param_derivatives.items()},
        defaults=MappingProxyType(params),
        learnable=learnable,
        card=card,
        learnable_per_unit=learnable_per_unit,
        **_facts(facts),
    )


_FACTS = (
    "aliases",
    "jax_nn",
    "jax_nn_kwargs",
    "torch",
    "keras",
    "notes",
    "oracle",
    "init",
    "colour",
)


def _facts(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The record fields a block states beside its formulas; an unknown one is an error."""
    unknown = set(facts) - set(_FACTS)
    if unknown:
        raise TypeError(f"unknown activation facts {sorted(unknown)}; known: {', '.join(_FACTS)}")
    out = dict(facts)
    out["aliases"] = tuple(out.get("aliases", ()))
    out["jax_nn_kwargs"] = MappingProxyType(dict(out.get("jax_nn_kwargs") or {}))
    return out


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


def register(rec: Activation) -> None:
    for key in (rec.name, *rec.aliases):
        if key in REGISTRY or key in _ALIASES:
            raise ValueError(f"activation name {key!r} registered twice")
    REGISTRY[rec.name] = rec
    for a in rec.aliases:
        _ALIASES[a] = rec.name


def register_family(prefix: str, resolve: Callable[[str], Activation]) -> None:
    """Let :func:`get` resolve ``prefix`` and ``prefix:...`` names by ``resolve(name)``:
    a family of records beside the catalog (the rational activations), not in
    :func:`names`."""
    if prefix in REGISTRY or prefix in _ALIASES or prefix in _FAMILIES:
        raise ValueError(f"activation name {prefix!r} registered twice")
    _FAMILIES[prefix] = resolve


def families() -> list[str]:
    """The families that :func:`get` resolves beside the catalog (``["rational"]``).

    Returns:
      A list of strings: each resolves as a name, ``get(prefix)``, and with options,
      ``get(prefix + ":...")``.

    Examples:
      >>> import jaxact as ja
      >>> ja.families()
      ['rational']
    """
    return list(_FAMILIES)


def set_public(name: str, fn: Callable[..., Array]) -> None:
    """Replace the public function of a registered entry (gelu's ``approximate``)."""
    REGISTRY[name] = dataclasses.replace(REGISTRY[name], fn=fn)


def names() -> list[str]:
    """The canonical names of every activation in the catalog, in catalog order.

    Returns:
      A list of strings.

    Examples:
      >>> import jaxact as ja
      >>> "relu" in ja.names() and "swish" not in ja.names()
      True
    """
    return list(REGISTRY)


def aliases() -> dict[str, str]:
    """Every alias and the canonical name it resolves to (``{"swish": "silu", ...}``).

    Returns:
      A dict from alias to canonical name.

    Examples:
      >>> import jaxact as ja
      >>> ja.aliases()["hard_swish"]
      'hard_silu'
    """
    return dict(_ALIASES)


@overload
def get(name: str | Activation | None) -> Activation: ...


@overload
def get(name: Callable[..., Array]) -> Activation | Callable[..., Array]: ...


def get(
    name: str | Activation | Callable[..., Array] | None,
) -> Activation | Callable[..., Array]:
    """Look up an activation by canonical name or alias (Keras-style ``get``).

    Args:
      name: a canonical name (``"relu"``), an alias (``"swish"``), an
        :class:`Activation` (returned unchanged), ``None`` (the identity's record, as
        ``keras.activations.get(None)`` gives the linear activation), or a callable: a
        catalog function (``jaxact.relu``) gives its record; any other callable is
        returned unchanged, not wrapped (it has no card or hand derivative; modules
        that take an activation use ``jax.grad`` for it). Case and hyphens in names
        are ignored.

    Returns:
      The :class:`Activation` record, or the callable itself.

    Raises:
      ValueError: unknown name; the message lists the closest names.
      TypeError: ``name`` is none of the above.

    Examples:
      >>> import jaxact as ja
      >>> ja.get("swish").name
      'silu'
      >>> ja.get("relu").card.range
      (0.0, inf)
      >>> ja.get(None).name, ja.get(ja.gelu).name
      ('identity', 'gelu')
      >>> f = lambda x: x * x
      >>> ja.get(f) is f
      True
    """
    if name is None:
        return REGISTRY["identity"]
    if isinstance(name, Activation):
        return name
    if isinstance(name, str):
        key = name.strip().lower().replace("-", "_")
        key = _ALIASES.get(key, key)
        if key in REGISTRY:
            return REGISTRY[key]
        if key.split(":")[0] in _FAMILIES:
            return _FAMILIES[key.split(":")[0]](key)
        choices = [*REGISTRY, *_ALIASES, *_FAMILIES]
        close = difflib.get_close_matches(key, choices, n=3, cutoff=0.5)
        hint = f"; closest: {', '.join(close)}" if close else ""
        raise ValueError(
            f"`activation`: unknown name {name!r}{hint}. Valid names: {', '.join(REGISTRY)}"
        )
    if callable(name):
        for rec in REGISTRY.values():
            if rec.fn is name:
                return rec
        return name
    raise TypeError(
        "`activation`: expected a name (str), an Activation, a callable or None, got "
        f"{type(name).__name__}"
    )


def _vector_core(forward: Callable[..., Array], jvp: Callable[..., Array]) -> Callable[..., Array]:
    """``core(x, where, axis)``: ``forward`` with the hand-written ``jvp`` as its rule."""

    def _primal(x: Array, where: Array | None, axis: int) -> Array:
        return forward(x, axis, where)

    core = jax.custom_jvp(_primal, nondiff_argnums=(2,))

    def rule(axis, primals, tangents):
        x, where = primals
        dx, _ = tangents
        return core(x, where, axis), jvp(x, dx, axis, where)

    core.defjvp(rule)
    return core


def _vector_prepare(
    name: str, masked: bool, validate: Callable[[tuple[int, ...], int], None] | None
) -> Callable[..., tuple[Array, int, Array | None, jnp.dtype]]:
    """``prepare(x, axis, where)``: the checked input, axis, mask and the output dtype."""

    def prepare(x, axis, where):
        x, out_dtype = _as_input(x, name)
        axis = _check_axis(axis, x.ndim, name)
        if validate is not None:
            validate(x.shape, axis)
        if where is not None:
            if not masked:
                raise TypeError(f"{name}: takes no `where` mask")
            where = _check_where(where, x.shape, name)
        return x, axis, where, out_dtype

    return prepare


def build_vector(
    name: str,
    *,
    forward: Callable[..., Array],
    jvp: Callable[..., Array],
    reference: Callable[..., Array],
    card: Card,
    doc: str,
    masked: bool = True,
    validate: Callable[[tuple[int, ...], int], None] | None = None,
    **facts: Any,
) -> Callable[..., Array]:
    """Build and register a vector-valued activation that acts along ``axis``.

    ``forward(x, axis, where)``, ``jvp(x, v, axis, where)`` (the hand-written
    J(x)·v) and ``reference(x, axis, where)`` take a static integer ``axis`` and a
    boolean mask ``where`` (or ``None``). With ``masked=False`` the public function
    takes no ``where`` argument (glu). ``validate(shape, axis)`` raises for inputs the
    function cannot take (glu's odd split). ``facts`` as for ``build_elementwise``.
    """
    core = _vector_core(forward, jvp)
    prepare = _vector_prepare(name, masked, validate)

    def fn(x: ArrayLike, axis: int = -1, where: ArrayLike | None = None) -> Array:
        x, axis, where, out_dtype = prepare(x, axis, where)
        return core(x, where, axis).astype(out_dtype)

    if masked:
        public = fn
    else:

        def public(x: ArrayLike, axis: int = -1) -> Array:
            return fn(x, axis)

    public.__name__ = public.__qualname__ = name
    public.__doc__ = doc
    public.__module__ = _PUBLIC_MODULE

    def derivative(
        x: ArrayLike, v: ArrayLike, axis: int = -1, where: ArrayLike | None = None
    ) -> Array:
        x, axis, where, out_dtype = prepare(x, axis, where)
        v = jnp.asarray(v)
        if v.shape != x.shape:
            raise ValueError(f"`v` of {name}: expected the shape of `x` {x.shape}, got {v.shape}")
        return jvp(x, v.astype(x.dtype), axis, where).astype(out_dtype)

    def ref(x: ArrayLike, axis: int = -1, where: ArrayLike | None = None) -> Array:
        x, axis, where, out_dtype = prepare(x, axis, where)
        return reference(x, axis, where).astype(out_dtype)

    derivative.__name__ = f"{name}_jvp"
    ref.__name__ = f"{name}_reference"

    register(
        Activation(
            name=name,
            fn=public,
            kind="vector",
            derivative=derivative,
            second_derivative=None,
            reference=ref,
            param_derivatives=MappingProxyType({}),
            defaults=MappingProxyType({}),
            learnable=(),
            card=card,
            **_facts(facts),
        )
    )
    return public


def _check_axis(axis: Any, ndim: int, fname: str) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"`axis` of {fname}: expected an int, got {type(axis).__name__}")
    axis = int(axis)
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


def elementwise(**spec: Any) -> Callable[[_F], _F]:
    """Decorator form of ``build_elementwise``: the decorated stub gives the name, the typed
    signature (its parameters after ``x``, with their defaults, are the activation's
    parameters) and the docstring; ``spec`` gives the rest. Returns the built public
    function, typed as the stub (so type checkers see ``(x: ArrayLike, ...) -> Array``).
    """

    def build(stub: _F) -> _F:
        sig = inspect.signature(stub)
        names_ = list(sig.parameters)
        if not names_ or names_[0] != "x":
            raise ValueError(f"{stub.__name__}: the first parameter must be `x`")
        params = {k: sig.parameters[k].default for k in names_[1:]}
        fn = build_elementwise(stub.__name__, params=params, doc=stub.__doc__ or "", **spec)
        fn.__signature__ = sig  # type: ignore[attr-defined]
        fn.__annotations__ = dict(stub.__annotations__)
        return cast(_F, fn)

    return build


def vector(**spec: Any) -> Callable[[_F], _F]:
    """Decorator form of ``build_vector``: the stub gives the name, the typed signature
    (``(x, axis=-1, where=None)``, or ``(x, axis=-1)`` for ``masked=False``) and the
    docstring."""

    def build(stub: _F) -> _F:
        sig = inspect.signature(stub)
        want = ["x", "axis", "where"] if spec.get("masked", True) else ["x", "axis"]
        if list(sig.parameters) != want:
            raise ValueError(f"{stub.__name__}: expected the parameters {want}")
        fn = build_vector(stub.__name__, doc=stub.__doc__ or "", **spec)
        fn.__signature__ = sig  # type: ignore[attr-defined]
        fn.__annotations__ = dict(stub.__annotations__)
        return cast(_F, fn)

    return build
