"""Tasks and the bundled data sets.

Owns :mod:`jaxact.data.tasks` (``load_task``, ``split_task``, the synthetic tasks and the
CSV/NPZ readers) and the files beside it (iris, digits, the ulp audit's references). It
imports nothing of jaxact but ``jaxact._validate``.
"""
