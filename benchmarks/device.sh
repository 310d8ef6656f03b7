#!/usr/bin/env bash
# The accelerator check, in one script (under 8 minutes on one GPU):
#   1. the tests that exercise the engine on the device: bitwise runs across sweeps, fit
#      and replay equal to the sweep, compile once, the chunking, seeded mini-batches,
#      every program exported for cuda and tpu;
#   2. the reference sweep (4-6-6-3 on iris, Adam 1e-2, float32, 7 activations x 32 seeds
#      x 500 steps): cold and warm model-steps/s, peak device memory;
#   3. a sweep of 7 x 1,472 = 10,304 runs of the reference network (500 steps): warm
#      model-steps/s, peak device memory;
#   4. cost growth in models per sweep (benchmarks/cost_growth.py --axes models): 1, 10,
#      ..., 100,000 models of the reference network (tanh, 100 steps, fewer where a call
#      would pass a second), jaxact against the plain vmapped program, for jaxact blocks
#      of 1024 and 8192 runs; each block at most 150 s, its report written point by point
#      to $REPORTS/cost_growth_block<B>.md and .json (REPORTS defaults to results).
# It runs on CPU too (what JAX sees decides); --quick shrinks 2, 3 and 4 for a smoke run.
#
# Usage: benchmarks/device.sh [--quick]      (PYTHON=... to choose the interpreter)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1

echo "== devices"
"$PY" -c "import jax; print(jax.__version__, jax.default_backend(), jax.devices())"

echo "== tests (engine on this device)"
TESTS="bitwise or same_pair or compiled_once or chunks or replay or labelled or divergence or minibatch or exports"
timeout 300 "$PY" -m pytest -q -x -p no:cacheprovider tests/test_sweep.py tests/test_train.py \
  -m "not slow" -k "$TESTS"

echo "== sweeps"
QUICK=$QUICK timeout 420 "$PY" - <<'EOF'
import os, resource, time

import jax
import numpy as np

import jaxact as ja

quick = os.environ.get("QUICK") == "1"
acts = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu"]
task = ja.load_task("iris")
dev = jax.devices()[0]


def peak() -> str:
    stats = dev.memory_stats() or {}
    if "peak_bytes_in_use" in stats:
        return f"peak device memory {stats['peak_bytes_in_use'] / 2**20:,.0f} MiB"
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return f"peak host memory (max RSS) {rss:,.0f} MiB"


def run(seeds: int, steps: int, label: str) -> None:
    kw = dict(activations=acts, seeds=seeds, steps=steps, log_every=10, progress=False)
    t = time.perf_counter()
    compile_s = ja.sweep(task, **kw).timing["compile"]
    cold = time.perf_counter() - t
    t = time.perf_counter()
    r = ja.sweep(task, **kw)
    warm = time.perf_counter() - t
    n = len(acts) * seeds * steps
    print(
        f"{label}: {len(acts)} x {seeds} runs x {steps} steps on {r.config['devices']} "
        f"(block {r.config['block']}): cold {cold:.2f} s ({n / cold:,.0f} model-steps/s), "
        f"warm {warm:.2f} s ({n / warm:,.0f} model-steps/s), compile "
        f"{compile_s:.2f} s; {peak()}; diverged {int(r.diverged.sum())}, "
        f"mean final loss {np.nanmean(np.where(r.diverged, np.nan, r.loss[..., -1])):.4f}",
        flush=True,
    )


run(32, 50 if quick else 500, "reference sweep")
run(32 if quick else 1472, 20 if quick else 500, "10,304-run sweep" if not quick else "big (quick)")
EOF
echo "== cost growth in models per sweep, jaxact blocks 1024 and 8192"
REPORTS=${REPORTS:-results}
mkdir -p "$REPORTS"
if [ "$QUICK" = 1 ]; then
  CG=(--quick --max-models 64 --budget 0.5); CG_LIMIT=60
else
  CG=(--max-models 100000 --steps 100); CG_LIMIT=150
fi
for B in 1024 8192; do
  timeout "$CG_LIMIT" "$PY" benchmarks/cost_growth.py --axes models "${CG[@]}" --block "$B" \
    --contenders jaxact,plain --report "$REPORTS/cost_growth_block$B.md" \
    --json "$REPORTS/cost_growth_block$B.json" \
    || echo "cost growth, block $B: exit $? (the report holds the points measured)"
done
echo "== done"
