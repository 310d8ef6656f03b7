"""Sweep checkpoints: one ``.npz`` file, written atomically, checked before it is used.

A checkpoint holds the state of every run after the last finished chunk (parameters,
optimizer state, metrics so far) and the sweep's configuration as canonical JSON with
its SHA-256 (the *fingerprint*: everything that changes a run's numbers, the data
included). It is written to a temporary file in the same folder, flushed and renamed
over the old one, so a sweep killed at any moment leaves the previous checkpoint whole;
temporary files that a killed writer left behind are removed on the next start. Files
get the permissions of any file the user creates (``0o666`` less the umask).

In a job of several processes (``jax.distributed``) every process reads the checkpoint
and they compare what they read (:func:`agree`) before any step: a mismatch is an error,
never a silent mix of states.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jax
import numpy as np

__all__ = ["FORMAT", "agree", "check_path", "fingerprint", "read", "remove_leftovers", "write"]

FORMAT = 3


def fingerprint(config: Mapping[str, Any], x: np.ndarray, y: np.ndarray) -> tuple[str, str]:
    """The configuration as canonical JSON (with a hash of the data), and its SHA-256.

    Examples:
      >>> import numpy as np
      >>> from jaxact.training import checkpoint
      >>> text, digest = checkpoint.fingerprint({"steps": 5}, np.zeros((2, 1)), np.zeros(2))
      >>> len(digest), '"steps": 5' in text
      (64, True)
    """
    h = hashlib.sha256()
    for a in (x, y):
        h.update(f"{a.shape}{a.dtype}".encode())
        h.update(np.ascontiguousarray(a).tobytes())
    text = json.dumps({**config, "data": h.hexdigest()}, sort_keys=True, default=str)
    return text, hashlib.sha256(text.encode()).hexdigest()


def _temporary(path: Path) -> str:
    return f".{path.name}."


def check_path(path: Path, arg: str = "checkpoint") -> None:
    """Check that a checkpoint can be written at ``path``, before anything trains.

    Creates the missing folders, and writes and removes a probe file.

    Raises:
      ValueError: ``path`` is a folder, a folder on its way is a file, or the folder
        cannot be written (the message names ``arg``).
    """
    if path.is_dir():
        raise ValueError(f"`{arg}`: expected a file path, got the folder {str(path)!r}")
    for parent in [path.parent, *path.parent.parents]:
        if parent.exists() and not parent.is_dir():
            raise ValueError(
                f"`{arg}`: {str(parent)!r} is a file, so {str(path)!r} cannot be created in it"
            )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=_temporary(path), suffix=".tmp", dir=path.parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise ValueError(
            f"`{arg}`: cannot write in {str(path.parent)!r} ({e.strerror or e})"
        ) from None


def remove_leftovers(path: Path) -> list[Path]:
    """Remove temporary files that an interrupted writer of ``path`` left; return them."""
    gone = []
    if path.parent.is_dir():
        for p in path.parent.glob(_temporary(path) + "*.tmp"):
            try:
                p.unlink()
                gone.append(p)
            except OSError:
                pass
    return gone


def write(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``arrays`` as an ``.npz`` to a temporary file, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_temporary(path), suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read(path: Path, config_text: str, digest: str) -> dict[str, np.ndarray]:
    """The arrays of the checkpoint at ``path``, after checking that it is this sweep's.

    Raises:
      ValueError: not a checkpoint of this format, or of another sweep (the message
        names the settings that differ).
    """
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"`checkpoint`: {str(path)!r} is not a sweep checkpoint ({e})") from e
    if "fingerprint" not in arrays or int(arrays.get("format", -1)) != FORMAT:
        raise ValueError(
            f"`checkpoint`: {str(path)!r} is not a sweep checkpoint of format {FORMAT}; "
            "remove it or choose another path"
        )
    if str(arrays["fingerprint"]) != digest:
        try:
            old = json.loads(str(arrays["config"]))
            new = json.loads(config_text)
            diff = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        except (KeyError, ValueError):
            diff = []
        what = f" (it differs in: {', '.join(diff)})" if diff else ""
        raise ValueError(
            f"`checkpoint`: {str(path)!r} holds a different sweep{what}; run the same sweep to "
            "resume it, or remove the file / choose another path to start afresh"
        )
    return arrays


def check_leaves(
    path: Path, arrays: Mapping[str, np.ndarray], leaves: Mapping[str, Sequence[Any]]
) -> None:
    """Check that the saved carry of each activation has the shapes of this sweep's."""
    for name, group in leaves.items():
        for j, s in enumerate(group):
            a = arrays.get(f"carry.{name}.{j}")
            if a is None or a.shape != tuple(s.shape) or a.dtype != s.dtype:
                raise ValueError(
                    f"`checkpoint`: {str(path)!r} does not match this sweep's state ({name}, "
                    f"leaf {j}); remove it or choose another path"
                )


def agree(what: str) -> None:
    """Check that every process of a ``jax.distributed`` job passes the same ``what``.

    A no-op in a single process. Every process must call it (it is a collective).

    Raises:
      ValueError: the processes differ (each process raises, before any step).
    """
    if jax.process_count() == 1:
        return
    from jax.experimental import multihost_utils

    mine = np.frombuffer(hashlib.sha256(what.encode()).digest(), dtype=np.uint8)
    every = np.asarray(multihost_utils.process_allgather(mine))
    if not np.all(every == every[0]):
        differ = [i for i in range(every.shape[0]) if not np.array_equal(every[i], every[0])]
        raise ValueError(
            f"`checkpoint`: the processes of this job disagree on the sweep or the checkpoint "
            f"they resume from (processes {differ} differ from process 0); every process "
            "must run the same sweep and read the same checkpoint file"
        )
