#!/usr/bin/env bash
# run_fuzz.sh FUZZER SEED_CORPUS SECONDS: fuzz a copy of the seed corpus (the source tree stays untouched).
set -euo pipefail
fuzzer=$1 seeds=$2 seconds=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$seeds"/* "$work"/
"$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 "$work" 2>&1 | grep -E "^(#|stat::|==|SUMMARY|INFO: seed)" | tail -8
