"""The result of a sweep: labelled metric arrays, summaries across seeds, export, replay.

A run is **diverged** when a logged loss or its final parameters are not finite, or when
it **exploded**: its final loss is more than :data:`EXPLOSION_FACTOR` (100) times its
loss at step 0. Diverged runs are flagged in :attr:`SweepResult.diverged` and left out
of the summaries and plots.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import os
from collections.abc import Iterator
from typing import Any

import jax
import numpy as np

from jaxact import _validate
from jaxact.catalog import activations as _acts
from jaxact.nn import losses as _losses
from jaxact.training import fit as _fit, stats as _stats

__all__ = ["EXPLOSION_FACTOR", "SweepResult", "flag_diverged"]

#: A run whose final loss exceeds this multiple of its loss at step 0 has exploded.
EXPLOSION_FACTOR = 100.0


def flag_diverged(loss: np.ndarray, finite: np.ndarray) -> np.ndarray:
    """Which runs diverged: a non-finite logged loss or final parameters, or an explosion.

    Args:
      loss: ``(..., T)`` logged losses of each run.
      finite: ``(...)`` bool, the final parameters are finite.

    Returns:
      ``(...)`` bool.

    Examples:
      >>> import numpy as np
      >>> from jaxact.training.results import flag_diverged
      >>> loss = np.array([[1.0, 0.5], [1.0, np.nan], [1.0, 1e30], [1.0, 50.0]])
      >>> flag_diverged(loss, np.ones(4, bool)).tolist()
      [False, True, True, False]
    """
    loss = np.asarray(loss, dtype=np.float64)
    nonfinite = ~np.all(np.isfinite(loss), axis=-1) | ~np.asarray(finite, dtype=bool)
    with np.errstate(invalid="ignore", over="ignore"):
        exploded = loss[..., -1] > EXPLOSION_FACTOR * loss[..., 0]
    return nonfinite | exploded


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return _jsonable(v.tolist())
    if isinstance(v, (list, tuple)):
        return [_jsonable(u) for u in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(u) for k, u in v.items()}
    if isinstance(v, (float, np.floating)):
        return float(v) if math.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def _label(v: Any) -> str:
    if isinstance(v, tuple):
        return "-".join(map(str, v)) or "()"
    return f"{v:g}"


@dataclasses.dataclass(frozen=True, eq=False)
class SweepResult:
    """The result of :func:`~jaxact.training.sweep`: labelled metric arrays and their summaries.

    The metric arrays have dims :attr:`dims` = ``("activation", *grid names, "seed",
    "step")`` with coordinates :attr:`coords`; ``A`` activations, grid shape ``G``,
    ``S`` seeds, ``T`` logged steps. A sweep over architectures has one more axis right
    after ``"activation"`` (counted in ``G``): ``"hidden"`` with tuples of hidden widths
    as coordinates (``grid={"hidden": [...]}``, or lists of both ``depth`` and
    ``width``), ``"depth"`` (``depth=[...]``) or ``"width"`` (``width=[...]``) with
    ints.

    Attributes:
      activations: canonical names, length ``A``.
      grid: hyperparameter name -> values (float64 arrays), in sweep order.
      seeds: ``(S,)`` int seeds; run key = ``jax.random.key(seed)``.
      steps: ``(T,)`` logged step numbers (:func:`~jaxact.logged_steps`): metrics are
        taken on the parameters after that many updates.
      loss: ``(A, *G, S, T)`` training loss.
      accuracy: ``(A, *G, S, T)`` training accuracy (NaN for regression).
      test_loss: ``(A, *G, S, T)`` loss on the held-out data (``test=``) at the same
        steps, or ``None`` without held-out data.
      test_accuracy: ``(A, *G, S, T)`` held-out accuracy, or ``None``.
      diverged: ``(A, *G, S)`` bool: a logged loss or the final parameters are not
        finite, or the run exploded (see the module docstring).
      params: ``None``, or (with ``keep_params=True``) activation name -> final
        parameters, a pytree whose leaves have leading axes ``(*G, S)`` (over
        architectures: a list of such pytrees, one per architecture, whose leaves have
        the leading axes of the other grid axes and the seeds).
      timing: seconds: ``"trace"`` (tracing and lowering, summed over the programs
        compiled, which compile in parallel threads) and ``"compile"`` (the wall time of
        the compile phase; both 0 when every program came from the cache), ``"run"``
        (initialization and training, host transfers included), ``"checkpoint"``
        (writing checkpoints), ``"total"`` (the whole call).
      kind: the name of the loss (``"softmax"``, ``"binary"`` or ``"regression"``;
        ``loss`` holds the loss values).
      sizes: the layer specs ``[(n_in, n_out), ...]`` (over architectures: one list per
        architecture).
      config: the sweep's settings (optimizer, learning rate, devices, block, ...).
      fit_settings: the arguments of :func:`~jaxact.fit` that train one of these runs
        alone (data, sizes, optimizer, steps ...; for :meth:`replay`), or ``None``.
      architecture: ``None``, or for a sweep over architectures a dict: ``"dim"`` (the
        axis name), ``"coords"``, ``"hidden"`` (the hidden widths of each) and
        ``"sizes"`` (the layer specs of each).
    """

    activations: list[str]
    grid: dict[str, np.ndarray]
    seeds: np.ndarray
    steps: np.ndarray
    loss: np.ndarray
    accuracy: np.ndarray
    diverged: np.ndarray
    params: dict[str, Any] | None
    timing: dict[str, float]
    kind: str
    sizes: list[tuple[int, int]]
    config: dict[str, Any]
    fit_settings: dict[str, Any] | None = None
    test_loss: np.ndarray | None = None
    test_accuracy: np.ndarray | None = None
    architecture: dict[str, Any] | None = None

    @property
    def dims(self) -> tuple[str, ...]:
        """The names of the axes of :attr:`loss` and :attr:`accuracy`."""
        return ("activation", *self._axes(), "seed", "step")

    @property
    def coords(self) -> dict[str, Any]:
        """The coordinates along each of :attr:`dims`."""
        return {
            "activation": list(self.activations),
            **self._axes(),
            "seed": self.seeds,
            "step": self.steps,
        }

    def _axes(self) -> dict[str, Any]:
        """The axes between ``activation`` and ``seed``: the architecture's, then the grid."""
        arch = self.architecture
        head = {} if arch is None else {arch["dim"]: list(arch["coords"])}
        return {**head, **self.grid}

    def _grid_points(self) -> list[tuple[tuple[int, ...], dict[str, Any]]]:
        axes = self._axes()
        shape = tuple(len(v) for v in axes.values())
        arch = self.architecture

        def value(k: str, v: Any) -> Any:
            return v if arch is not None and k == arch["dim"] else float(v)

        return [
            (idx, {k: value(k, v[i]) for (k, v), i in zip(axes.items(), idx, strict=True)})
            for idx in np.ndindex(*shape)
        ]

    def _metrics(self) -> list[str]:
        test = ["test_loss", "test_accuracy"] if self.test_loss is not None else []
        return ["loss", "accuracy", *test]

    def _columns(self, point: dict[str, Any], idx: tuple[int, ...]) -> dict[str, Any]:
        """A grid point as CSV columns: the architecture as ``hidden``, ``depth``, ``width``."""
        arch = self.architecture
        if arch is None:
            return dict(point)
        hidden = tuple(arch["hidden"][idx[0]])
        widths = set(hidden)
        cols = {
            "hidden": "-".join(map(str, hidden)),
            "depth": len(hidden),
            "width": widths.pop() if len(widths) == 1 else "",
        }
        return {**cols, **{k: v for k, v in point.items() if k != arch["dim"]}}

    def settings(self) -> dict[str, Any]:
        """The settings every run shares that are not swept, as CSV columns.

        Returns:
          A dict: ``task``, ``network`` (layer widths, e.g. ``"4-6-6-3"``), ``kind``,
          ``optimizer``, ``learning_rate`` (unless it is a grid axis; empty for an optax
          object), ``steps``, ``log_every``, ``init``, ``dtype``, ``precision``,
          ``block``, ``batch_size`` (empty for full batch), ``platform``.
        """
        c = self.config
        opt = c.get("optimizer")
        name = opt.get("name") if isinstance(opt, dict) else None
        network = (
            "-".join(str(s[0]) for s in self.sizes) + f"-{self.sizes[-1][1]}"
            if self.architecture is None
            else ""
        )
        out = {
            "task": c.get("task", ""),
            "network": network,
            "kind": self.kind,
            "optimizer": name or "custom",
            "learning_rate": "" if c.get("learning_rate") is None else c["learning_rate"],
            "steps": int(self.steps[-1]),
            "log_every": c.get("log_every", ""),
            "init": c.get("init") or "default",
            "dtype": c.get("dtype", ""),
            "precision": c.get("precision", ""),
            "block": c.get("block", ""),
            "batch_size": "" if c.get("batch_size") is None else c["batch_size"],
            "platform": c.get("platform", ""),
        }
        if self.architecture is not None:
            del out["network"]
        return {k: v for k, v in out.items() if k not in self.grid}

    def _runs(self) -> Iterator[tuple[int, str, tuple[int, ...], dict[str, float], int, int]]:
        for a, name in enumerate(self.activations):
            for idx, point in self._grid_points():
                for s, seed in enumerate(self.seeds.tolist()):
                    yield a, name, idx, point, s, seed

    def summary(self) -> list[dict[str, Any]]:
        """Final loss and accuracy across seeds, per activation and grid point.

        For each activation and grid point, over the seeds that did not diverge: the
        mean, the sample standard deviation (ddof 1) and the half-width of the 95%
        confidence interval of the mean, :math:`t_{0.975,\\,n-1}\\, s / \\sqrt{n}`, of the
        loss and the accuracy at the last logged step (NaN when fewer than two seeds
        remain, and for the accuracy of a regression).

        Returns:
          A list of ``A * prod(G)`` dicts with keys ``"activation"``, the grid names,
          ``"seeds"``, ``"diverged"`` (count), ``"loss_mean"``, ``"loss_std"``,
          ``"loss_ci95"``, ``"accuracy_mean"``, ``"accuracy_std"``, ``"accuracy_ci95"``,
          and with held-out data the same six for ``"test_loss"`` and
          ``"test_accuracy"``. Over architectures, the architecture's axis is a key
          (its coordinate: a tuple of widths, or an int depth or width).

        Examples:
          >>> import jaxact as ja
          >>> res = ja.sweep(ja.load_task("xor"), activations=["relu", "tanh"], seeds=4,
          ...                steps=100, learning_rate=0.05, log_every=50, progress=False)
          >>> [(r["activation"], r["diverged"], r["accuracy_mean"]) for r in res.summary()]
          [('relu', 0, 0.875), ('tanh', 0, 1.0)]
        """
        rows = []
        for a, name in enumerate(self.activations):
            for idx, point in self._grid_points():
                ok = ~self.diverged[(a, *idx)]
                row = {
                    "activation": name,
                    **point,
                    "seeds": int(self.seeds.size),
                    "diverged": int(np.sum(~ok)),
                }
                for m in self._metrics():
                    mean, std, ci = _stats.mean_std_ci(getattr(self, m)[(a, *idx)][ok, -1])
                    row.update({f"{m}_mean": mean, f"{m}_std": std, f"{m}_ci95": ci})
                rows.append(row)
        return rows

    def to_csv(self, path: str | os.PathLike[str], *, table: str = "runs") -> None:
        """Write a CSV table.

        Every row carries the settings that were not swept (:meth:`settings`) as
        columns, so the tables of several sweeps stack by column name.

        Args:
          path: the file to write.
          table: ``"runs"`` (default): one row per activation, grid point, seed and
            logged step, columns ``activation, <grid names>, seed, step, loss,
            accuracy, diverged, <settings>``; ``"final"``: one row per run with its
            final loss and accuracy (the same columns less ``step``); ``"summary"``: the
            rows of :meth:`summary`, then the settings. With held-out data,
            ``test_loss, test_accuracy`` follow ``accuracy``. Over architectures, the
            columns ``hidden`` (widths joined by ``-``, e.g. ``32-32-32``), ``depth``
            and ``width`` (empty when the widths differ) follow ``activation``, and the
            ``network`` setting is left out.

        Examples:
          >>> import jaxact as ja
          >>> res = ja.sweep(ja.load_task("xor"), activations=["relu", "tanh"], seeds=4,
          ...                steps=100, learning_rate=0.05, log_every=50, progress=False)
          >>> import pathlib, tempfile
          >>> folder = pathlib.Path(tempfile.mkdtemp())
          >>> res.to_csv(folder / "runs.csv")
          >>> header, first, *rest = (folder / "runs.csv").read_text().splitlines()
          >>> header.split(",")[:8], len(rest) + 1  # 2 activations x 4 seeds x 3 steps
          (['activation', 'seed', 'step', 'loss', 'accuracy', 'diverged', 'task', 'network'], 24)
          >>> first.split(",")[:3], round(float(first.split(",")[3]), 2)
          (['relu', '0', '0'], 0.71)
        """
        table = _validate.choice("table", table, ["runs", "final", "summary"])
        settings = self.settings()
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            points = self._grid_points()
            if table == "summary":
                every = points * len(self.activations)
                dim = None if self.architecture is None else self.architecture["dim"]
                rows = [
                    {
                        "activation": r["activation"],
                        **self._columns({k: r[k] for k in self._axes()}, idx),
                        **{k: v for k, v in r.items() if k != "activation" and k != dim},
                    }
                    for r, (idx, _) in zip(self.summary(), every, strict=True)
                ]
                w.writerow([*rows[0], *settings])
                w.writerows([[*r.values(), *settings.values()] for r in rows])
                return
            per_step = table == "runs"
            metrics = self._metrics()
            head_cols = list(self._columns(points[0][1], points[0][0]))
            w.writerow(
                [
                    "activation", *head_cols, "seed", *(["step"] * per_step), *metrics,
                    "diverged", *settings,
                ]
            )  # fmt: skip
            steps = list(enumerate(self.steps.tolist())) if per_step else [(-1, None)]
            for a, name, idx, point, s, seed in self._runs():
                curves = [getattr(self, m)[(a, *idx, s)] for m in metrics]
                div = int(self.diverged[(a, *idx, s)])
                cols = list(self._columns(point, idx).values())
                for t, step in steps:
                    head = [name, *cols, seed, *([step] * per_step)]
                    vals = [*(repr(float(c[t])) for c in curves), div]
                    w.writerow([*head, *vals, *settings.values()])

    def to_json(self, path: str | os.PathLike[str]) -> None:
        """Write the whole result as JSON (NaN and infinities as ``null``).

        Keys: ``dims``, ``coords``, ``loss``, ``accuracy``, ``diverged`` (nested lists
        in the order of ``dims``), ``test_loss`` and ``test_accuracy`` (``null``
        without held-out data), ``summary``, ``settings``, ``timing``, ``kind``,
        ``sizes``, ``architecture``, ``config``. Parameters are not written.

        Examples:
          >>> import jaxact as ja
          >>> res = ja.sweep(ja.load_task("xor"), activations=["relu", "tanh"], seeds=4,
          ...                steps=100, learning_rate=0.05, log_every=50, progress=False)
          >>> import pathlib, tempfile
          >>> folder = pathlib.Path(tempfile.mkdtemp())
          >>> import json
          >>> res.to_json(folder / "sweep.json")
          >>> doc = json.loads((folder / "sweep.json").read_text())
          >>> doc["dims"], len(doc["loss"][1][3])
          (['activation', 'seed', 'step'], 3)
        """
        doc = {
            "dims": list(self.dims),
            "coords": self.coords,
            "loss": self.loss,
            "accuracy": self.accuracy,
            "diverged": self.diverged,
            "test_loss": self.test_loss,
            "test_accuracy": self.test_accuracy,
            "summary": self.summary(),
            "settings": self.settings(),
            "timing": self.timing,
            "kind": self.kind,
            "sizes": self.sizes,
            "architecture": self.architecture,
            "config": self.config,
        }
        with open(path, "w") as f:
            json.dump(_jsonable(doc), f, allow_nan=False)

    def plot(self, path: str | os.PathLike[str]) -> None:
        """Draw the learning curves: mean across seeds, with a 95% confidence band.

        One column per grid point (architectures included); a row for the loss (log
        scale) and, for classification, a row for the accuracy. With held-out data, the
        test curves are the dashed lines (means) in the colour of their activation.
        Diverged runs are left out.

        Args:
          path: the image file to write (format from the extension, e.g. ``.png``).

        Examples:
          >>> import jaxact as ja
          >>> res = ja.sweep(ja.load_task("xor"), activations=["relu", "tanh"], seeds=4,
          ...                steps=100, learning_rate=0.05, log_every=50, progress=False)
          >>> import pathlib, tempfile
          >>> folder = pathlib.Path(tempfile.mkdtemp())
          >>> res.plot(folder / "curves.png")
          >>> (folder / "curves.png").read_bytes()[:4]
          b'\\x89PNG'
        """
        try:
            from matplotlib.figure import Figure
        except ImportError as e:  # pragma: no cover - matplotlib is the "plot" extra
            raise ImportError("`plot`: needs matplotlib (pip install 'jaxact[plot]')") from e
        points = self._grid_points()
        has_accuracy = _losses.get_loss(self.kind).hits is not None
        metrics = ["loss", "accuracy"] if has_accuracy else ["loss"]
        fig = Figure(figsize=(4.2 * len(points), 3.2 * len(metrics)), layout="constrained")
        axes = fig.subplots(len(metrics), len(points), squeeze=False)
        for j, (idx, point) in enumerate(points):
            for i, m in enumerate(metrics):
                ax = axes[i, j]
                data = np.asarray(getattr(self, m), dtype=np.float64)
                test = getattr(self, f"test_{m}")
                for a, name in enumerate(self.activations):
                    ok = ~self.diverged[(a, *idx)]
                    line = self._band(ax, data[(a, *idx)][ok], name)
                    if test is not None and line is not None:
                        ax.plot(
                            self.steps,
                            np.asarray(test[(a, *idx)][ok], np.float64).mean(axis=0),
                            ls="--",
                            lw=1.1,
                            color=line.get_color(),
                            label=f"{name} (test)",
                        )
                shown = data[~self.diverged][..., :]
                if m == "loss" and shown.size and np.all(shown[np.isfinite(shown)] > 0):
                    ax.set_yscale("log")
                ax.set_xlabel("step")
                ax.set_ylabel(m)
                label = ", ".join(f"{k}={_label(v)}" for k, v in point.items())
                ax.set_title(label or f"{m} (mean, 95% CI; {self.seeds.size} seeds)", fontsize=9)
                ax.grid(alpha=0.3)
        if axes[0, 0].get_legend_handles_labels()[0]:  # not when every run diverged
            axes[0, 0].legend(fontsize=8)
        fig.savefig(path, dpi=110)

    def _band(self, ax: Any, v: np.ndarray, name: str) -> Any:
        """One activation's mean curve over the seeds ``v`` ``(n, T)``, with its 95% CI."""
        n = v.shape[0]
        if n == 0:
            return None
        mean = v.mean(axis=0)
        half = (
            _stats.t_quantile(0.975, n - 1) * v.std(axis=0, ddof=1) / math.sqrt(n)
            if n > 1
            else np.zeros_like(mean)
        )
        (line,) = ax.plot(self.steps, mean, label=name, lw=1.3)
        ax.fill_between(self.steps, mean - half, mean + half, color=line.get_color(), alpha=0.2)
        return line

    def replay(self, activation: str, seed: int, **point: float) -> _fit.FitResult:
        """Train one run of this sweep again, alone, with its parameters and diagnostics.

        The run is :func:`~jaxact.fit` with the sweep's settings, the key
        ``jax.random.key(seed)`` and the grid point's hyperparameters. On one backend
        its loss and accuracy are bit for bit the sweep's (``tests/test_sweep.py``);
        the result adds the final parameters and, per logged step, the gradient norm
        per layer and the dead and saturated fractions (for an elementwise activation).

        Args:
          activation: one of :attr:`activations`.
          seed: one of :attr:`seeds`.
          **point: one value per grid axis, e.g. ``learning_rate=1e-2``; over
            architectures also the architecture's, e.g. ``hidden=(32, 32)`` or
            ``depth=4``.

        Returns:
          A :class:`~jaxact.FitResult`.

        Raises:
          ValueError: an activation, seed or grid value that is not in the sweep.

        Examples:
          >>> import numpy as np, jaxact as ja
          >>> res = ja.sweep(ja.load_task("xor"), activations=["relu", "tanh"], seeds=4,
          ...                steps=100, learning_rate=0.05, log_every=50, progress=False)
          >>> one = res.replay("tanh", 2)
          >>> bool(np.array_equal(one.history["loss"], res.loss[1, 2]))
          True
          >>> one.history["grad_norm"].shape  # (logged steps, layers of 2-6-6-1)
          (3, 3)
        """
        if self.fit_settings is None:
            raise ValueError("`replay`: this result holds no fit settings (not made by sweep)")
        a = _validate.choice("activation", activation, self.activations)
        if int(seed) not in self.seeds.tolist():
            raise ValueError(f"`seed`: expected one of {self.seeds.tolist()}, got {seed!r}")
        axes = self._axes()
        if sorted(point) != sorted(axes):
            raise ValueError(
                f"`point`: expected a value for each grid axis {list(axes)}, got {sorted(point)}"
            )
        settings = dict(self.fit_settings)
        hp = {}
        for k, v in point.items():
            if self.architecture is not None and k == self.architecture["dim"]:
                coords = self.architecture["coords"]
                want = tuple(v) if isinstance(v, (tuple, list)) else v
                if want not in coords:
                    raise ValueError(f"`{k}`: expected one of {coords}, got {v!r}")
                settings["sizes"] = self.architecture["sizes"][coords.index(want)]
                continue
            if float(v) not in self.grid[k].tolist():
                raise ValueError(f"`{k}`: expected one of {self.grid[k].tolist()}, got {v!r}")
            hp[k] = float(v)
        return _fit.fit(
            jax.random.key(int(seed)),
            activation=a,
            hyperparams=hp or None,
            diagnostics=_acts.get(a).kind == "elementwise",
            **settings,
        )
