#!/usr/bin/env bash
# Runs the pipeline on the embedded defaults: simulates screening studies, publishes them to the
# embedded broker, runs every stage, and prints where to look.
set -euo pipefail
cd "$(dirname "$0")/../.."
deploy/local/prerequisites.sh
cargo run --release --locked -p mammoflow -- demo "$@"
