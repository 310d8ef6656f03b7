"""The "how peers differ" notes of the cards, checked against the installed peers.

PyTorch is an optional peer: these tests skip when it is not importable.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxact as ja

torch = pytest.importorskip("torch")


def test_hard_swish_kinks_match_pytorch_backward():
    # the note: jaxact returns 0 at −3 and 1 at 3, as PyTorch's hardswish backward does
    assert "as PyTorch's hardswish backward (2.13) and jax.nn" in ja.get("hard_silu").notes
    x = torch.tensor([-3.0, 3.0], dtype=torch.float64, requires_grad=True)
    torch.nn.functional.hardswish(x).sum().backward()
    ours = np.asarray(jax.vmap(jax.grad(ja.hard_silu))(jnp.asarray([-3.0, 3.0])))
    assert list(x.grad.numpy()) == [0.0, 1.0] == list(ours)
    # and so does jax.nn's autodiff, as the note says
    theirs = np.asarray(jax.vmap(jax.grad(jax.nn.hard_silu))(jnp.asarray([-3.0, 3.0])))
    assert list(theirs) == [0.0, 1.0]


def test_softplus_threshold_note_matches_pytorch():
    # PyTorch switches to x above 20: an error of log1p(e^-20) ≈ 2e-9
    x = torch.tensor([20.5], dtype=torch.float64)
    err = float(torch.nn.functional.softplus(x)) - float(ja.softplus(jnp.asarray(20.5)))
    assert -3e-9 < err < -1e-9
    assert "threshold=20" in ja.get("softplus").notes
