#!/usr/bin/env bash
# Runs the whole test suite. The tests start the embedded Kafka-protocol broker themselves and
# use Postgres from DATABASE_URL, else 127.0.0.1:5432, else a private cluster they start.
set -euo pipefail
cd "$(dirname "$0")/../.."
deploy/local/prerequisites.sh
# Build first so test timeouts measure tests, not compilation.
cargo build --workspace --all-targets --locked
cargo test --workspace --locked -- --test-threads "${MAMMOFLOW_TEST_THREADS:-4}"
