"""The network: initializers, the MLP, losses, manual backprop and diagnostics.

Owns :mod:`jaxact.nn.init` (glorot / he / lecun and the per-activation default),
:mod:`jaxact.nn.losses` (one record per loss), :mod:`jaxact.nn.mlp` (``init_mlp``,
``mlp_apply``, ``manual_grad``) and :mod:`jaxact.nn.diagnostics` (gradient norms, dead
and saturated units). It may import the catalog and nothing above it.
"""
