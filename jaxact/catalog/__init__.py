"""The catalog: every activation, its records and the registry.

Owns the activations (:mod:`jaxact.catalog.activations`, one block each: forward,
hand-written derivative, reference formula, card, oracle, initializer family, colour)
and the machinery that builds and registers them (:mod:`jaxact.catalog.registry`).
It is the lowest wing: it imports nothing of jaxact but the shared private modules
``jaxact._validate`` and ``jaxact._version``.
"""
