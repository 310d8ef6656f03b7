"""jaxact: activation functions in JAX, with hand-written derivatives that are checked.

Every activation in the catalog is a top-level function (``jaxact.relu``), imported
here by name from :mod:`jaxact.catalog.activations` (so type checkers and IDEs see them); its
record, with derivative, reference formula and property card, comes from
``jaxact.get``. Each module lists its public names in ``__all__``; they are
re-exported here.
"""

from jaxact._version import __version__ as __version__
from jaxact.catalog import activations as activations
from jaxact.catalog.activations import (
    Activation as Activation,
    Card as Card,
    Kink as Kink,
    UlpBudget as UlpBudget,
    aliases as aliases,
    celu as celu,
    elu as elu,
    exponential as exponential,
    gelu as gelu,
    gelu_tanh as gelu_tanh,
    get as get,
    glu as glu,
    hard_shrink as hard_shrink,
    hard_sigmoid as hard_sigmoid,
    hard_silu as hard_silu,
    hard_swish as hard_swish,
    hard_tanh as hard_tanh,
    hardshrink as hardshrink,
    hardsigmoid as hardsigmoid,
    hardswish as hardswish,
    hardtanh as hardtanh,
    identity as identity,
    leaky_relu as leaky_relu,
    linear as linear,
    log_sigmoid as log_sigmoid,
    log_softmax as log_softmax,
    logistic as logistic,
    logsigmoid as logsigmoid,
    mish as mish,
    names as names,
    prelu as prelu,
    relu as relu,
    relu6 as relu6,
    rrelu as rrelu,
    selu as selu,
    sigmoid as sigmoid,
    silu as silu,
    soft_shrink as soft_shrink,
    soft_sign as soft_sign,
    softmax as softmax,
    softmin as softmin,
    softplus as softplus,
    softshrink as softshrink,
    softsign as softsign,
    sparse_plus as sparse_plus,
    sparse_sigmoid as sparse_sigmoid,
    sparsemax as sparsemax,
    squareplus as squareplus,
    swish as swish,
    swish_beta as swish_beta,
    tanh as tanh,
    tanh_shrink as tanh_shrink,
    tanhshrink as tanhshrink,
    threshold as threshold,
)
from jaxact.catalog.rational import *  # noqa: F403
from jaxact.catalog.registry import families as families
from jaxact.data.tasks import *  # noqa: F403
from jaxact.nn.diagnostics import *  # noqa: F403
from jaxact.nn.init import *  # noqa: F403
from jaxact.nn.losses import *  # noqa: F403
from jaxact.nn.mlp import *  # noqa: F403
from jaxact.theory.gaussian import *  # noqa: F403
from jaxact.theory.meanfield import *  # noqa: F403
from jaxact.training.fit import *  # noqa: F403
from jaxact.training.sweep import *  # noqa: F403
from jaxact.training.train import *  # noqa: F403
