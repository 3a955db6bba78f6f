#!/usr/bin/env bash
# The `official` MammoRG configuration (EfficientNet-B5 at 512 px + LLaMA-7B, bf16) with random
# weights on a GPU: preprocessing, prompt processing and decode tokens/s, studies/s per batch size.
# Needs the CUDA toolkit (nvcc) for the `cuda` build. Writes target/bench/model-official.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo run --release --locked -p mammoflow --features cuda -- bench model --random-official \
    --device "${DEVICE:-cuda:0}" --batches "${BATCHES:-1,4,8,16}" --max-new-tokens "${MAX_NEW_TOKENS:-256}" \
    --studies 16 --repeats 2 --json-out target/bench/model-official.json "$@"
