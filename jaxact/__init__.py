"""jaxact: activation functions in JAX, with hand-written derivatives that are checked.

Every activation in the catalog is a top-level function (``jaxact.relu``), imported
here by name from :mod:`jaxact.activations` (so type checkers and IDEs see them); its
record, with derivative, reference formula and property card, comes from
``jaxact.get``. Each module lists its public names in ``__all__``; they are
re-exported here.
"""

from jaxact import activations as activations
from jaxact.activations import (
    Activation as Activation,
)
from jaxact.activations import (
    Card as Card,
)
from jaxact.activations import (
    Kink as Kink,
)
from jaxact.activations import (
    UlpBudget as UlpBudget,
)
from jaxact.activations import (
    aliases as aliases,
)
from jaxact.activations import (
    celu as celu,
)
from jaxact.activations import (
    elu as elu,
)
from jaxact.activations import (
    exponential as exponential,
)
from jaxact.activations import (
    gelu as gelu,
)
from jaxact.activations import (
    gelu_tanh as gelu_tanh,
)
from jaxact.activations import (
    get as get,
)
from jaxact.activations import (
    glu as glu,
)
from jaxact.activations import (
    hard_shrink as hard_shrink,
)
from jaxact.activations import (
    hard_sigmoid as hard_sigmoid,
)
from jaxact.activations import (
    hard_silu as hard_silu,
)
from jaxact.activations import (
    hard_swish as hard_swish,
)
from jaxact.activations import (
    hard_tanh as hard_tanh,
)
from jaxact.activations import (
    hardshrink as hardshrink,
)
from jaxact.activations import (
    hardsigmoid as hardsigmoid,
)
from jaxact.activations import (
    hardswish as hardswish,
)
from jaxact.activations import (
    hardtanh as hardtanh,
)
from jaxact.activations import (
    identity as identity,
)
from jaxact.activations import (
    leaky_relu as leaky_relu,
)
from jaxact.activations import (
    linear as linear,
)
from jaxact.activations import (
    log_sigmoid as log_sigmoid,
)
from jaxact.activations import (
    log_softmax as log_softmax,
)
from jaxact.activations import (
    logistic as logistic,
)
from jaxact.activations import (
    logsigmoid as logsigmoid,
)
from jaxact.activations import (
    mish as mish,
)
from jaxact.activations import (
    names as names,
)
from jaxact.activations import (
    prelu as prelu,
)
from jaxact.activations import (
    relu as relu,
)
from jaxact.activations import (
    relu6 as relu6,
)
from jaxact.activations import (
    rrelu as rrelu,
)
from jaxact.activations import (
    selu as selu,
)
from jaxact.activations import (
    sigmoid as sigmoid,
)
from jaxact.activations import (
    silu as silu,
)
from jaxact.activations import (
    soft_shrink as soft_shrink,
)
from jaxact.activations import (
    soft_sign as soft_sign,
)
from jaxact.activations import (
    softmax as softmax,
)
from jaxact.activations import (
    softmin as softmin,
)
from jaxact.activations import (
    softplus as softplus,
)
from jaxact.activations import (
    softshrink as softshrink,
)
from jaxact.activations import (
    softsign as softsign,
)
from jaxact.activations import (
    sparse_plus as sparse_plus,
)
from jaxact.activations import (
    sparse_sigmoid as sparse_sigmoid,
)
from jaxact.activations import (
    sparsemax as sparsemax,
)
from jaxact.activations import (
    squareplus as squareplus,
)
from jaxact.activations import (
    swish as swish,
)
from jaxact.activations import (
    swish_beta as swish_beta,
)
from jaxact.activations import (
    tanh as tanh,
)
from jaxact.activations import (
    tanh_shrink as tanh_shrink,
)
from jaxact.activations import (
    tanhshrink as tanhshrink,
)
from jaxact.activations import (
    threshold as threshold,
)
from jaxact.diagnostics import *  # noqa: F403
from jaxact.init import *  # noqa: F403
from jaxact.losses import *  # noqa: F403
from jaxact.mlp import *  # noqa: F403
from jaxact.sweep import *  # noqa: F403
from jaxact.tasks import *  # noqa: F403
from jaxact.train import *  # noqa: F403

__version__ = "0.1.0"
