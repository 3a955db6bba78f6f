#!/usr/bin/env bash
# Runs the pipeline on the embedded defaults: simulates screening studies, publishes them to the
# embedded broker, runs every stage, prints where to look, then serves the portal (with demo
# sign-ins) until ctrl-c. `--exit` stops after the studies are on the worklists.
set -euo pipefail
cd "$(dirname "$0")/../.."
deploy/local/prerequisites.sh
cargo run --release --locked -p mammoflow -- demo "$@"
