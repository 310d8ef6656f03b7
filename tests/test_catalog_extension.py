"""An activation is written once: its block states every fact about it.

A throwaway activation, registered here only (and removed after), is picked up by the
derivative checker (its mpmath oracle from its record), the default initializer (its
family from its record), a sweep, the report's colours and the gallery, with nothing
edited anywhere else.
"""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import mpmath as mp
import numpy as np
import pytest

import jaxact as ja
from experiments import _report, gallery
from jaxact.catalog import activations
from jaxact.check import gradcheck, oracles

NAME = "isru_throwaway"
COLOUR = "#123456"


def _f(x):
    # x / √(1 + x²); for |x| > 1 as sign(x) / √(1 + x⁻²), so that x² cannot overflow.
    big = jnp.abs(x) > 1.0
    safe = jnp.where(big, x, 1.0)
    return jnp.where(
        big, jnp.sign(x) / jnp.sqrt(1.0 + 1.0 / (safe * safe)), x / jnp.sqrt(1.0 + x * x)
    )


def _d1(x):
    # f′ = (1 + x²)^(−3/2); x² = inf gives 0, the limit.
    return (1.0 + x * x) ** -1.5


def _d2(x):
    # f″ = −3x (1 + x²)^(−5/2), as −3 · (x / √(1 + x²)) · (1 + x²)^(−2).
    return -3.0 * _f(x) / jnp.square(1.0 + x * x)


@pytest.fixture(scope="module")
def throwaway():
    """Register the throwaway block for this module's tests; remove it afterwards."""
    activations.build_elementwise(
        NAME,
        forward=_f,
        derivative=_d1,
        second_derivative=_d2,
        reference=lambda x: x / jnp.sqrt(1.0 + x * x),
        card=ja.Card(
            range=(-1.0, 1.0),
            monotonic=True,
            zero_centred=True,
            smoothness="Cinf",
            saturating="both",
            max_slope=1.0,
        ),
        doc="The inverse square root unit x / √(1 + x²) (a throwaway test entry).",
        oracle=lambda x: x / mp.sqrt(1 + x * x),
        init="lecun_normal",
        colour=COLOUR,
    )
    try:
        yield ja.get(NAME)
    finally:
        del activations.REGISTRY[NAME]


def test_records_carry_the_facts_of_every_catalog_entry():
    for name in ja.names():
        rec = ja.get(name)
        assert callable(rec.oracle), name
        assert ja.default_init(name) == rec.init, name
        assert rec.init in ja.init_names(), name
    assert _report.color("relu") == ja.get("relu").colour == "#2ca02c"
    assert _report.color("linear") == ja.get("identity").colour
    assert _report.color("mish") is None and _report.color("not_an_activation") is None


def test_checker_init_sweep_and_report_pick_up_a_new_block(throwaway, tmp_path):
    rec = throwaway
    assert NAME in ja.names() and NAME in oracles.ELEMENTWISE
    # The checker: its groups pass, the oracle group included (the formula found on the
    # record). (The slower groups "modes" and "float32" pass too; "ulp" compares against
    # the shipped references, which `python -m jaxact.check --make-references` rebuilds.)
    results = gradcheck.check_activation(rec, checks=("autodiff", "fd", "oracle", "kinks"))
    assert results and all(r.ok for r in results), [str(r) for r in results if not r.ok]
    assert {r.group for r in results} == {"autodiff", "fd", "oracle", "kinks"}
    # Negative control: an oracle that is off by 1e-9 relative fails the oracle check.
    off = dataclasses.replace(rec, oracle=lambda x: (1 + mp.mpf("1e-9")) * x / mp.sqrt(1 + x * x))
    bad = gradcheck.check_activation(off, checks="oracle")
    assert bad and not all(r.ok for r in bad)
    # The initializer family and the colour come from the block.
    assert ja.default_init(NAME) == "lecun_normal"
    assert _report.color(NAME) == COLOUR
    # A small sweep trains it like any catalog entry.
    res = ja.sweep(
        ja.load_task("xor"),
        activations=[NAME],
        seeds=1,
        steps=20,
        hidden=(4,),
        log_every=10,
        progress=False,
    )
    loss = np.asarray(res.loss)
    assert res.activations[0] == NAME and loss.shape[0] == 1 and np.all(np.isfinite(loss))
    # The gallery draws it and checks its hand derivative against autodiff.
    out = gallery.run(True, tmp_path)
    assert out.verdict, [str(c) for c in out.checks]
    assert any(row[0] == NAME for table in out.tables for row in table.rows)
    assert (tmp_path / "gallery.png").stat().st_size > 0
