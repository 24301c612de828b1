#!/usr/bin/env bash
# One call on the GPU machine: the GPU tests, the kernel benchmark and the PyTorch composite baseline. Expects the
# binaries built on the CPU machine under build/bin (carried), writes logs and JSON to $OUT. The 5-minute check of
# issue 21 (no PyTorch) is gpu_check.sh.
set -uo pipefail
OUT=${OUT:-/tmp/mor-gpu-out}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv | tee "$OUT/device.txt"
date -u | tee -a "$OUT/device.txt"
echo "== GPU tests"
export MOR_REQUIRE_GPU=1  # a skip on the GPU machine is a failure
./build/bin/test_gpu_convert 2>&1 | tee "$OUT/test_gpu_convert.log" | grep -E "checked|OK|FAILED|PASSED" 
./build/bin/test_gpu_mor 2>&1 | tee "$OUT/test_gpu_mor.log" | grep -E "^\[ *(OK|FAILED|PASSED|SKIPPED)|Failure|model|gpu" | head -40
echo "== kernels"
./build/bin/mor-bench-gpu --json "$OUT/bench_gpu.json" "$@" 2>&1 | tee "$OUT/bench_gpu.log"
echo "== PyTorch composite"
python3 bench/gpu/torch_mor.py --json "$OUT/torch_mor.json" --sizes-mib 64,256,1024,2048 2>&1 | tee "$OUT/torch_mor.log"
