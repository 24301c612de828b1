#!/usr/bin/env bash
# Line and toggle coverage of the RTL (verilator --coverage) while the golden vectors replay through the
# stand-alone testbenches. `make coverage` runs this; the annotated sources land in OUT/annotated.
# usage: coverage.sh REPO_ROOT OUT_DIR
set -euo pipefail
root=$1 out=$2
mkdir -p "$out"
# Packages (*_pkg.sv anywhere under rtl/) first, as in tests/rtl/golden/CMakeLists.txt (MOR_SIM_SOURCES).
pkgs=$(find "$root/rtl" -name '*_pkg.sv' | sort)
srcs="$pkgs $(ls "$root"/rtl/src/*.sv | grep -v '_pkg\.sv$' || true)"
build() {  # build NAME TOP [extra verilator args]
  local name=$1 top=$2; shift 2
  verilator --cc --exe --build --timing --coverage-line --coverage-toggle -O2 -Wno-fatal -Wno-lint \
    -I"$root/rtl/include" "$@" $srcs "$root/tests/rtl/golden/$top.sv" "$root/tests/rtl/golden/coverage_main.cpp" \
    --top-module "$top" -Mdir "$out/$name" -o "$name" \
    -CFLAGS "-DVTOP=V$top -DCOVERAGE_FILE=coverage.dat -include V$top.h" >"$out/$name.log" 2>&1
}
stale() {  # stale NAME TOP: the instrumented binary is missing, or older than the RTL or its testbench
  local bin="$out/$1/$1"
  [ ! -x "$bin" ] || [ -n "$(find "$root/rtl/src" "$root/rtl/include" "$root/tests/rtl/golden/$2.sv" \
                              "$root/tests/rtl/golden/coverage_main.cpp" -newer "$bin" -print -quit)" ]
}
if stale cov_quantizer tb_quantizer_golden; then build cov_quantizer tb_quantizer_golden; fi
if stale cov_cvt tb_cvt_golden; then build cov_cvt tb_cvt_golden; fi
# coverage_main.cpp writes coverage.dat in the working folder when the testbench finishes.
run() {  # run NAME VECTORS
  mkdir -p "$out/run_$1" && (cd "$out/run_$1" && "../$1/$1" +vectors="$2" >"../$1.run.log")
  cp "$out/run_$1/coverage.dat" "$out/$1.dat"
}
run cov_quantizer "$root/golden/quantizer.hex"
run cov_cvt "$root/golden/cvt_f32_e4m3.hex"
verilator_coverage --write-info "$out/coverage.info" "$out/cov_quantizer.dat" "$out/cov_cvt.dat" >/dev/null
verilator_coverage --annotate "$out/annotated" "$out/cov_quantizer.dat" "$out/cov_cvt.dat" | tail -3
echo "coverage data: $out/coverage.info (lcov format), annotated sources: $out/annotated/"
