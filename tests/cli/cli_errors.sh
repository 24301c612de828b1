#!/usr/bin/env bash
# Bad input to `mor` gives one error line and a non-zero exit; good input round-trips. Usage: cli_errors.sh MOR
set -u
MOR=$1
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect_error() {  # expect_error "<message regex>" <stdin file> args...
  local want=$1 input=$2; shift 2
  local out rc
  out=$("$MOR" "$@" <"$input" 2>&1 >/dev/null); rc=$?
  if [ $rc -eq 0 ] || ! grep -Eq -e "$want" <<<"$out" || [ "$(wc -l <<<"$out")" -ne 1 ]; then
    echo "FAIL: mor $* -> rc=$rc, stderr: $out"; fail=1
  else
    echo "ok: mor $* -> rc=$rc: $out"
  fi
}

printf 'abc' >"$tmp/three"
printf 'abcdefghijkl' >"$tmp/three.npy"
"$MOR" gen --workload small --out "$tmp/w.safetensors" >/dev/null || { echo "FAIL: mor gen"; fail=1; }
: >"$tmp/empty"
printf '\x00\x00\xe0\x43\x00\x00\xe8\x43\x00\x00\x80\x7f' >"$tmp/f32"   # 448, 464, +Inf
expect_error "not a multiple of the 4-byte" "$tmp/three" convert --from f32 --to e4m3
expect_error "not a multiple of the 2-byte" "$tmp/three" convert --from bf16 --to e4m3
expect_error "not expected: --bogus" "$tmp/empty" convert --bogus
expect_error "cannot read '/nonexistent/x'" "$tmp/empty" convert --in /nonexistent/x
expect_error "unknown --round 'rnx'" "$tmp/empty" convert --round rnx
expect_error "unknown --overflow 'clip'" "$tmp/empty" convert --overflow clip
expect_error "unknown --to format 'e9m9'" "$tmp/empty" convert --to e9m9
expect_error "e8m0 takes --round rz or ru" "$tmp/empty" convert --to e8m0 --round rne

expect_error "unknown --policy 'fast'" "$tmp/empty" quantize --workload small --policy fast
expect_error "--block '12' is not ROWSxCOLS" "$tmp/empty" quantize --workload small --block 12
expect_error "--threshold must be in" "$tmp/empty" quantize --workload small --threshold -1
expect_error "unknown --profile 'XYZ'" "$tmp/empty" quantize --workload small --profile XYZ
expect_error "not a .npy file" "$tmp/empty" quantize --in "$tmp/three.npy"
expect_error "cannot open" "$tmp/empty" quantize --in /nonexistent/t.safetensors
expect_error "no tensor named 'nope'" "$tmp/empty" quantize --in "$tmp/w.safetensors:nope"
expect_error "not tiled by blocks" "$tmp/empty" quantize --workload small --group 100x100
expect_error "unknown workload 'big'" "$tmp/empty" analyze --workload big
expect_error ".npy holds one tensor" "$tmp/empty" quantize --workload small --out "$tmp/x.npy"
expect_error ".npy has no bfloat16" "$tmp/empty" quantize --in "$tmp/w.safetensors:fc1.weight" --out "$tmp/x.npy"

# Good input: 448 -> 0x7E, 464 -> 0x7E (tie to even), +Inf -> 0x7E (satfinite) and 0x7F (nosat).
got=$("$MOR" convert --from f32 --to e4m3 <"$tmp/f32" | od -An -tx1 | tr -d ' \n')
[ "$got" = "7e7e7e" ] || { echo "FAIL: satfinite codes $got"; fail=1; }
got=$("$MOR" convert --from f32 --to e4m3 --overflow nosat --in "$tmp/f32" --out "$tmp/o" && od -An -tx1 "$tmp/o" | tr -d ' \n')
[ "$got" = "7e7e7f" ] || { echo "FAIL: nosat codes $got"; fail=1; }
got=$("$MOR" convert --from f32 --to e4m3 <"$tmp/empty" | wc -c)
[ "$got" -eq 0 ] || { echo "FAIL: empty input gave $got bytes"; fail=1; }
"$MOR" convert --help | grep -q -- "--overflow" || { echo "FAIL: --help"; fail=1; }
# quantize writes a report and a tensor file that reads back with the same names.
"$MOR" quantize --in "$tmp/w.safetensors" --out "$tmp/q.safetensors" --json "$tmp/q.json" >/dev/null || { echo "FAIL: quantize"; fail=1; }
grep -q '"decision"' "$tmp/q.json" || { echo "FAIL: report has no decision"; fail=1; }
"$MOR" quantize --in "$tmp/q.safetensors:fc1.weight" --policy current >/dev/null || { echo "FAIL: re-read output"; fail=1; }
[ $fail -eq 0 ] && echo "cli: all checks passed"
exit $fail
