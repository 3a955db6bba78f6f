#!/usr/bin/env bash
# Preprocessing (vs pydicom + numpy in the same run) and tiny-model CPU latency at batch 1 and 8.
# Makes a Python virtual environment with the peer's packages (PyPI) on first use.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${MAMMOFLOW_BENCH_VENV:-.mammoflow/bench-venv}"
if ! "$venv/bin/python" -c 'import numpy, pydicom, scipy, PIL' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet numpy pydicom scipy pillow
fi
cargo run --release --locked -p mammoflow -- bench model --python "$venv/bin/python" "$@"
