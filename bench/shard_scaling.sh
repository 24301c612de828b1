#!/bin/sh
# Shard scaling of a long check on this machine: the baseline is one shard alone (one thread); then SHARDS shards of
# the same size run at once through GNU parallel. Prints elements/s of each and the ratio. The check is one FP32 ->
# E4M3 lane mode of the RTL sweep (MOR_SWEEP=full), split into PARTS parts; each shard is one part (1/PARTS of 2^32).
#   bench/shard_scaling.sh BUILD [SHARDS=2] [PARTS=8] [REPEATS=3]
# The load on the machine is printed before each run (`uptime`): other work on the cores lowers the ratio.
set -eu
build=$(cd "${1:?usage: bench/shard_scaling.sh BUILD [SHARDS] [PARTS] [REPEATS]}" && pwd)
shards=${2:-2}
parts=${3:-8}
repeats=${4:-3}
src=$(cd "$(dirname "$0")/.." && pwd)
bin="$build/bin/test_rtl_cvt"
filter='rtl_cvt.Fp32SweepE4M3_rne_satfinite'
[ -x "$bin" ] || { echo "shard_scaling.sh: $bin not built (needs Verilator)" >&2; exit 2; }
command -v parallel >/dev/null || { echo "shard_scaling.sh: GNU parallel not found" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# elements of the shard results given, summed
elements() { python3 -c 'import json,sys; print(sum(json.load(open(f))["elements"] for f in sys.argv[1:]))' "$@"; }
now() { python3 -c 'import time; print(time.monotonic())'; }
job() { echo "MOR_SWEEP=full MOR_SOURCE_DIR=$src $bin --gtest_filter=$filter --shard $1/$parts --shard-json $out/$1.json >/dev/null"; }

echo "shard scaling: $filter, shards of 1/$parts of 2^32 each; $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC')"
for r in $(seq 1 "$repeats"); do
  echo "run $r: load $(uptime | sed 's/.*load average: //')"
  rm -f "$out"/*.json
  t0=$(now); sh -c "$(job 0)"; t1=$(now)
  one=$(python3 -c "print($(elements "$out/0.json") / ($t1 - $t0))")
  rm -f "$out"/*.json
  t0=$(now)
  i=0; while [ "$i" -lt "$shards" ]; do job "$i"; i=$((i + 1)); done | parallel --will-cite -j "$shards"
  t1=$(now)
  many=$(python3 -c "print($(elements "$out"/*.json) / ($t1 - $t0))")
  python3 -c "print('  1 shard (baseline) %6.1f M elem/s   %d shards %6.1f M elem/s   ratio %.2fx' % ($one / 1e6, $shards, $many / 1e6, $many / $one))"
done
