"""jaxact: activation functions in JAX, with hand-written derivatives that are checked.

Every activation in the catalog is a top-level function (``jaxact.relu``); its record,
with derivative, reference formula and property card, comes from ``jaxact.get``.
Each module lists its public names in ``__all__``; they are re-exported here.
"""

from jaxact import activations as activations
from jaxact.activations import Activation as Activation
from jaxact.activations import Card as Card
from jaxact.activations import Kink as Kink
from jaxact.activations import aliases as aliases
from jaxact.activations import get as get
from jaxact.activations import names as names
from jaxact.diagnostics import *  # noqa: F403
from jaxact.init import *  # noqa: F403
from jaxact.losses import *  # noqa: F403
from jaxact.mlp import *  # noqa: F403
from jaxact.sweep import *  # noqa: F403
from jaxact.tasks import *  # noqa: F403
from jaxact.train import *  # noqa: F403


def _export_catalog() -> None:
    g = globals()
    for n in names():
        g[n] = get(n).fn
    for a, n in aliases().items():
        g[a] = get(n).fn


_export_catalog()
del _export_catalog
from jaxact._version import __version__ as __version__  # noqa: E402
