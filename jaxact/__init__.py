"""jaxact: activation functions in JAX, with hand-written derivatives that are checked.

Every activation in the catalog is a top-level function (``jaxact.relu``); its record,
with derivative, reference formula and property card, comes from ``jaxact.get``.
"""

from jaxact import activations as activations
from jaxact.activations import Activation, Card, Kink, aliases, get, names

__all__ = ["Activation", "Card", "Kink", "activations", "aliases", "get", "names"]


def _export_catalog() -> None:
    g = globals()
    for n in names():
        g[n] = get(n).fn
        __all__.append(n)
    for a, n in aliases().items():
        g[a] = get(n).fn
        __all__.append(a)


_export_catalog()
del _export_catalog
__version__ = "0.1.0"
