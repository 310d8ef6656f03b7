"""Training and sweeps: the training core, the block engine, settings, results, checkpoints.

Owns :mod:`jaxact.training.train` (the one training loop, ``make_chunk``),
:mod:`jaxact.training.engine` (the block engine: plan of blocks, padding, devices,
compiled programs and their cache, training a plan), :mod:`jaxact.training.settings`
(a sweep's settings, one frozen record checked once), :mod:`jaxact.training.fit` (one run,
a plan of one run through the engine), :mod:`jaxact.training.sweep` (a sweep:
checkpoints and reports), :mod:`jaxact.training.results` (``SweepResult``),
:mod:`jaxact.training.checkpoint` and :mod:`jaxact.training.stats` (the t quantile). It
may import the catalog, the network and the data, never the command line.
"""
