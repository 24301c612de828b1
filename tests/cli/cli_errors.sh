#!/usr/bin/env bash
# Bad input to `mor` gives one error line and a non-zero exit; good input round-trips. Usage: cli_errors.sh MOR
set -u
MOR=$1
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect_error() {  # expect_error "<message regex>" <stdin file> args...   (exit 2, one line)
  local want=$1 input=$2; shift 2
  local out rc
  out=$("$MOR" "$@" <"$input" 2>&1 >/dev/null); rc=$?
  if [ $rc -ne 2 ] || ! grep -Eq -e "$want" <<<"$out" || [ "$(wc -l <<<"$out")" -ne 1 ]; then
    echo "FAIL: mor $* -> rc=$rc, stderr: $out"; fail=1
  else
    echo "ok: mor $* -> rc=$rc: $out"
  fi
}

printf 'abc' >"$tmp/three"
printf 'abcdefghijkl' >"$tmp/three.npy"
"$MOR" gen --workload small --out "$tmp/w.safetensors" >/dev/null || { echo "FAIL: mor gen"; fail=1; }
: >"$tmp/empty"
mkdir "$tmp/dir.npy"
printf '\x08\x00\x00\x00\x00\x00\x00\x00{}      ' >"$tmp/none.safetensors"       # a valid file with zero tensors
python3 -c 'import json, struct, sys
h = json.dumps({"ids": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}}).encode()
sys.stdout.buffer.write(struct.pack("<Q", len(h)) + h + struct.pack("<q", 1))' >"$tmp/ints.safetensors"  # only an I64 tensor
printf '\x00\x00\xe0\x43\x00\x00\xe8\x43\x00\x00\x80\x7f' >"$tmp/f32"   # 448, 464, +Inf
expect_error "not a multiple of the 4-byte" "$tmp/three" convert --from f32 --to e4m3
expect_error "not a multiple of the 2-byte" "$tmp/three" convert --from bf16 --to e4m3
expect_error "not expected: --bogus" "$tmp/empty" convert --bogus
expect_error "cannot read '/nonexistent/x'" "$tmp/empty" convert --in /nonexistent/x
expect_error "unknown --rounding 'rnx'" "$tmp/empty" convert --round rnx
expect_error "unknown --rounding 'rnx'" "$tmp/empty" convert --rounding rnx
expect_error "unknown --overflow 'clip'" "$tmp/empty" convert --overflow clip
expect_error "unknown --to format 'e9m9'" "$tmp/empty" convert --to e9m9
expect_error "e8m0 takes --rounding rz or ru" "$tmp/empty" convert --to e8m0 --rounding rne
expect_error "is a directory" "$tmp/empty" convert --in "$tmp"
expect_error "is the same file as --in" "$tmp/empty" convert --in "$tmp/f32" --out "$tmp/f32"

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

# The command line as a user meets it: the command named in every error, which points to its --help.
expect_error "^mor: unknown command 'frob' \(commands: .*quantize.*\) \(see mor --help\)$" "$tmp/empty" frob
expect_error "^mor quantize: unknown --policy 'fast' .*\(see mor quantize --help\)$" "$tmp/empty" quantize --policy fast
expect_error "^mor analyze: .*not expected.*\(see mor analyze --help\)$" "$tmp/empty" analyze --bogus
# Out-of-range numbers: clear errors before any work (these crashed or wrote zeros).
expect_error "--block '99999999999999999999x1' is out of range" "$tmp/empty" quantize --workload small --block 99999999999999999999x1
expect_error "--block '99999999999999999999x1' is out of range" "$tmp/empty" quantize --workload small --policy subtensor --block 99999999999999999999x1
expect_error "--block '0x4' is out of range" "$tmp/empty" quantize --workload small --policy mxfp8 --block 0x4
expect_error "--group '1x99999999999' is out of range" "$tmp/empty" quantize --workload small --group 1x99999999999
expect_error "--threads: Value 5000 not in range" "$tmp/empty" quantize --workload small --threads 5000
expect_error "--threads" "$tmp/empty" analyze --workload small --threads 99999999999999
expect_error "--threshold must be in" "$tmp/empty" quantize --workload small --threshold nan
expect_error "--seed" "$tmp/empty" quantize --workload small --seed -1
# Options that do not apply to the chosen policy or to files.
expect_error "--e2m3 does not apply to --policy tensor" "$tmp/empty" quantize --workload small --e2m3
expect_error "--mode does not apply to --policy current" "$tmp/empty" quantize --workload small --policy current --mode qe
expect_error "--threshold does not apply to --policy mxfp8" "$tmp/empty" quantize --workload small --policy mxfp8 --threshold 0.1
expect_error "--block does not apply to --policy current" "$tmp/empty" quantize --workload small --policy current --block 1x32
expect_error "--workload chooses the built-in workload; it does not apply with input files" "$tmp/empty" quantize "$tmp/w.safetensors" --workload small
expect_error "--seed seeds the built-in workload" "$tmp/empty" analyze --in "$tmp/w.safetensors" --seed 3
# Outputs: checked before any work.
expect_error "unknown --out-dtype 'f8'" "$tmp/empty" quantize --workload small --out-dtype f8
expect_error "unknown tensor file type" "$tmp/empty" quantize --workload small --out "$tmp/x.pt"
expect_error "folder '/nonexistent' does not exist" "$tmp/empty" quantize --workload small --json /nonexistent/q.json
expect_error "--json '$tmp' is a directory" "$tmp/empty" analyze --workload small --json "$tmp"
expect_error "--plot '$tmp/p.svg' must name a .png file" "$tmp/empty" analyze --workload small --plot "$tmp/p.svg"
expect_error "is the same file as the input" "$tmp/empty" quantize "$tmp/w.safetensors" --out "$tmp/w.safetensors"
expect_error "is the same file as the input" "$tmp/empty" quantize --in "$tmp/w.safetensors" --json "$tmp/./w.safetensors"
expect_error "--json '$tmp/r.npy' and --out '$tmp/r.npy' are the same file" "$tmp/empty" quantize --workload small --out "$tmp/r.npy" --json "$tmp/r.npy"
expect_error "--plot .* and --json .* are the same file" "$tmp/empty" analyze --workload small --json "$tmp/p.png" --plot "$tmp/p.png"
# Inputs: a folder, a file without float tensors, a non-float tensor named.
expect_error "$tmp: is a directory" "$tmp/empty" quantize "$tmp"
expect_error "is a directory, not a tensor file" "$tmp/empty" analyze "$tmp/dir.npy"
expect_error "no float tensor to quantize \(the file holds no tensors\)" "$tmp/empty" quantize "$tmp/none.safetensors"
expect_error "no float tensor to quantize \(only ids I64\)" "$tmp/empty" analyze "$tmp/ints.safetensors"
expect_error "tensor 'ids' is I64" "$tmp/empty" quantize "$tmp/ints.safetensors:ids"

# Good input: 448 -> 0x7E, 464 -> 0x7E (tie to even), +Inf -> 0x7E (satfinite) and 0x7F (nosat).
got=$("$MOR" convert --from f32 --to e4m3 <"$tmp/f32" | od -An -tx1 | tr -d ' \n')
[ "$got" = "7e7e7e" ] || { echo "FAIL: satfinite codes $got"; fail=1; }
got=$("$MOR" convert --from f32 --to e4m3 --overflow nosat --in "$tmp/f32" --out "$tmp/o" && od -An -tx1 "$tmp/o" | tr -d ' \n')
[ "$got" = "7e7e7f" ] || { echo "FAIL: nosat codes $got"; fail=1; }
got=$("$MOR" convert --from f32 --to e4m3 <"$tmp/empty" | wc -c)
[ "$got" -eq 0 ] || { echo "FAIL: empty input gave $got bytes"; fail=1; }
"$MOR" convert --help | grep -q -- "--overflow" || { echo "FAIL: --help"; fail=1; }
for c in quantize analyze gen convert golden formats; do
  "$MOR" $c --help >/dev/null || { echo "FAIL: mor $c --help exit $?"; fail=1; }
done
"$MOR" --version | grep -Eq '^mor [0-9]+\.[0-9]+' || { echo "FAIL: --version"; fail=1; }
# The failed convert above left its input as it was, and nothing beside it.
[ "$(od -An -tx1 "$tmp/f32" | tr -d ' \n')" = "0000e0430000e8430000807f" ] || { echo "FAIL: convert touched its input"; fail=1; }
# quantize writes a report and a tensor file that reads back with the same names.
"$MOR" quantize --in "$tmp/w.safetensors" --out "$tmp/q.safetensors" --json "$tmp/q.json" >/dev/null || { echo "FAIL: quantize"; fail=1; }
grep -q '"decision"' "$tmp/q.json" || { echo "FAIL: report has no decision"; fail=1; }
"$MOR" quantize --in "$tmp/q.safetensors:fc1.weight" --policy current >/dev/null || { echo "FAIL: re-read output"; fail=1; }
[ $fail -eq 0 ] && echo "cli: all checks passed"
exit $fail
