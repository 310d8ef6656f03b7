"""A small program over the public API, checked by ``make typecheck`` (mypy).

It is not a test module (pytest collects ``test_*.py`` only): it exists so that a type
checker sees the catalog functions, their typed signatures and the registry, as a user's
IDE would. A name missing from the package, or a signature that drifts, fails the check.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

import jaxact as ja
from jaxact.catalog import activations

x = jnp.linspace(-3.0, 3.0, 7)
y: jax.Array = ja.gelu(x)
y = ja.gelu(x, approximate=True)
y = ja.relu(x) + ja.swish(x) + ja.hard_swish(x) + ja.linear(x)
y = ja.prelu(x, negative_slope=0.1)
y = ja.leaky_relu(x, 0.2)
y = ja.softmax(x, axis=-1, where=x > 0)
y = ja.glu(jnp.ones((2, 4)), axis=-1)
y = activations.squareplus(x, b=1.0)
rec: ja.Activation = ja.get("relu")
card: ja.Card = rec.card
kinks: tuple[ja.Kink, ...] = card.kinks
budgets: tuple[ja.UlpBudget, ...] = card.ulp_budgets
names: list[str] = ja.names()
identity_rec: ja.Activation = ja.get(None)
g = jax.grad(ja.softplus)(1.0)
