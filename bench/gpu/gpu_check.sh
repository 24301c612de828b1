#!/usr/bin/env bash
# The GPU check of issue 21: one call of at most 5 minutes on a GPU machine, with the binaries built on the CPU
# machine (no nvcc needed here). Runs every GPU test with MOR_REQUIRE_GPU=1 (a skip is a failure), the CPU proofs
# of the v2 rewrites, and mor-bench-gpu at 64 MiB and 2 GiB, plus 16 MiB where v2's tensor-level MoR runs as one
# persistent kernel from L2 (the device-to-device copy baseline in the same run, the verified and v2 kernels row by
# row, the rejected-tensor, BF16-block, 1x128/1x32 and FP32-input rows), plus a per-kernel time split where Nsight
# Systems (nsys) exists. Writes device, date, command, logs and JSON to $OUT.
# Every step has a time limit (45 + 120 + 20 + 75 + 30 s = 290 s in all), so a hang fails the step, not the call.
#
# usage: OUT=bench/results/<date>-<device> bash bench/gpu/gpu_check.sh
#   BIN   where the binaries are (default build/bin): test_gpu_convert, test_gpu_mor, test_kernel_rewrites,
#         mor-bench-gpu. Build them first on any machine with nvcc: `make build` (CUDA architectures 90a).
# Exit status: 0 when every step passed, 1 otherwise, 2 when a binary is missing.
# From a session lent a GPU machine (the device tool): build here, then one call with
#   command 'OUT=$OUT bash bench/gpu/gpu_check.sh', timeout_s 300, carry the four binaries above (about 32 MB);
# copy what comes back under $OUT to bench/results/<date>-<device>/ and add a README.md with the numbers.
set -uo pipefail
BIN=${BIN:-build/bin}
OUT=${OUT:-bench/results/$(date -u +%F)-gpu-check}
for b in test_gpu_convert test_gpu_mor test_kernel_rewrites mor-bench-gpu; do
  if [ ! -x "$BIN/$b" ]; then
    echo "gpu_check: $BIN/$b is missing: build first (make build), or set BIN" >&2
    exit 2
  fi
done
mkdir -p "$OUT"
: > "$OUT/summary.txt"
{
  echo "date: $(date -u '+%F %T UTC')"
  echo "command: OUT=$OUT BIN=$BIN bash bench/gpu/gpu_check.sh $*"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "host: $(hostname), $(nproc) CPUs"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv 2>&1 || echo "nvidia-smi failed"
} | tee "$OUT/device.txt"

status=0
# run NAME LIMIT_S COMMAND...: one step, its output in $OUT/NAME.log, a line in summary.txt.
run() {
  local name=$1 limit=$2
  shift 2
  echo "== $name (limit ${limit}s)"
  local start=$SECONDS
  timeout "$limit" "$@" > "$OUT/$name.log" 2>&1
  local rc=$?
  local line="$name: exit $rc, $((SECONDS - start)) s"
  [ $rc -eq 124 ] && line="$line (timed out: a hang counts as a failure)"
  echo "$line" | tee -a "$OUT/summary.txt"
  grep -E "^\[  (FAILED|SKIPPED) |checked|mismatch" "$OUT/$name.log" | head -20
  [ $rc -eq 0 ] || status=1
}

export MOR_REQUIRE_GPU=1
run test_gpu_convert 45 "$BIN/test_gpu_convert"
run test_gpu_mor 120 "$BIN/test_gpu_mor"
run test_kernel_rewrites 20 "$BIN/test_kernel_rewrites"
run bench_gpu 75 "$BIN/mor-bench-gpu" --sizes-mib 16,64,2048 --json "$OUT/bench_gpu.json"
cat "$OUT/bench_gpu.log"
if command -v nsys > /dev/null; then
  run nsys_kernel_split 30 nsys profile --stats=true --force-overwrite true -o "$OUT/nsys" "$BIN/mor-bench-gpu" \
    --sizes-mib 2048 --reps 3 --core
  rm -f "$OUT/nsys.nsys-rep" "$OUT/nsys.sqlite"  # large; the split is in the log
else
  echo "nsys not installed: no per-kernel split" | tee -a "$OUT/summary.txt"
fi
echo "== summary ($OUT/summary.txt)"
cat "$OUT/summary.txt"
exit $status
