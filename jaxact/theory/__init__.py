"""Signal-propagation (mean-field) theory: Gaussian expectations, the maps, phase diagrams.

Owns :mod:`jaxact.theory.gaussian` (E[f], E[f²], E[f′²] under N(0, q) and the two-input
expectations at correlation c, for every elementwise catalog activation and a user's
``(f, f′)`` pair: closed forms where they exist, quadrature split at the kinks otherwise)
and :mod:`jaxact.theory.meanfield` (the variance map and its fixed point q*, χ₁, the
correlation map and c*, the depth scales ξ_q and ξ_c, the order-chaos boundary, phase
diagrams and the edge-of-chaos initializer). It may import the catalog, the network and
the data, never the training wing or the command line.
"""
