"""Training and sweeps: the training core, the block engine, results, checkpoints, stats.

Owns :mod:`jaxact.training.train` (the one training loop, ``fit``),
:mod:`jaxact.training.engine` (compiled block programs and their cache),
:mod:`jaxact.training.sweep` (arranging a sweep's runs),
:mod:`jaxact.training.results` (``SweepResult``), :mod:`jaxact.training.checkpoint`
and :mod:`jaxact.training.stats` (the t quantile). It may import the catalog, the
network and the data, never the command line.
"""
