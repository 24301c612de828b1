#!/usr/bin/env bash
# Proves the converter properties of prove_cvt.sv for E4M3 and E5M2 with Yosys SAT (every input, every rounding mode
# and NaN mode). Exit 0 when every property holds, 1 with the counterexample when one fails, 77 without yosys.
# usage: run_proofs.sh REPO_ROOT
set -u
root=$1
command -v yosys >/dev/null || { echo "SKIPPED: yosys not installed"; exit 77; }
status=0
# The format numbers of the package (FMT_E4M3, FMT_E5M2), read from its CMake copy.
fmt_number() { sed -n "s/^set(MOR_FMT_$1 \([0-9]*\))$/\1/p" "$root/rtl/include/mor_pkg.cmake"; }
sources="$root/rtl/include/mor_pkg.sv $root/rtl/src/mor_rounding.sv $root/rtl/src/mor_cvt_f32_to_fp8.sv"
for name in E4M3 E5M2; do
  set -- "$name" "$(fmt_number "$name")"
  for prop in ok_finite_never_nan ok_sign_kept ok_monotonic; do
    log=$(yosys -q -p "read_verilog -defer -sv $sources $root/tests/rtl/formal/prove_cvt.sv;
      chparam -set FMT $2 \$abstract\\prove_cvt; prep -top prove_cvt; flatten;
      sat -prove $prop 1 -verify -show-inputs" 2>&1)
    if [ $? -eq 0 ]; then
      echo "proved: $1 $prop"
    else
      echo "FAILED: $1 $prop"; echo "$log" | grep -E "\\\\(a|b|rounding_mode|nan_mode)|ERROR" | head -8; status=1
    fi
  done
done
exit $status
