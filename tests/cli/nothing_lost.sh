#!/usr/bin/env bash
# Nothing lost (issue 19): a write that fails halfway (here: a file size limit, `ulimit -f`, which fails writes
# with EFBIG exactly like a full disk fails them with ENOSPC) exits 2 naming the file, leaves no truncated output
# and no temporary file, keeps an older output as it was, and never touches the input.
# Usage: nothing_lost.sh MOR [MOR_SIM]
set -u
MOR=$1 SIM=${2:-}
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

sum() { md5sum "$@" | awk '{print $1}' | tr '\n' ' '; }
limited() { (ulimit -f "${LIMIT_KIB:-16}"; "$@") 2>&1 >/dev/null; }  # KiB per file; prints stderr only

# expect_clean "what" "<stderr regex>" <files that must not exist> -- command...
expect_clean() {
  local what=$1 want=$2; shift 2
  local absent=()
  while [ "$1" != "--" ]; do absent+=("$1"); shift; done
  shift
  local before out rc
  before=$(sum in/* old/*)
  out=$(limited "$@"); rc=$?
  local problems=""
  [ $rc -eq 2 ] || problems+=" exit $rc;"
  grep -Eq -e "$want" <<<"$out" || problems+=" message '$out';"
  [ "$(wc -l <<<"$out")" -eq 1 ] || problems+=" $(wc -l <<<"$out") lines;"
  for f in "${absent[@]}"; do [ -e "$f" ] && problems+=" $f exists;"; done
  [ -z "$(ls -A out/ 2>/dev/null)" ] || problems+=" left in out/: $(ls -A out/);"
  [ "$(ls -A old/ | tr '\n' ' ')" = "a.json b.safetensors " ] || problems+=" old/ now holds $(ls -A old/ | tr '\n' ' ');"
  [ "$(sum in/* old/*)" = "$before" ] || problems+=" an input or an older output changed;"
  if [ -n "$problems" ]; then echo "FAIL: $what:$problems"; fail=1; else echo "ok: $what: $out"; fi
}

mkdir in out old
"$MOR" gen --out in/w.safetensors >/dev/null                         # the default workload: 1.9 MB
"$MOR" gen --workload small --out old/b.safetensors >/dev/null
echo '{"older": "report"}' >old/a.json
head -c 1000000 /dev/urandom >in/raw.f32

expect_clean "gen --out (full)" "cannot write 'out/g.safetensors'.*File too large" out/g.safetensors -- \
  "$MOR" gen --out out/g.safetensors
expect_clean "quantize --out .safetensors (full)" "out/q.safetensors.*File too large" out/q.safetensors -- \
  "$MOR" quantize in/w.safetensors --policy current --out out/q.safetensors
expect_clean "quantize --out .npy (full)" "out/q.npy.*File too large" out/q.npy -- \
  "$MOR" quantize in/w.safetensors:qkv.activation --policy current --out out/q.npy
expect_clean "quantize --out over an older file (full)" "old/b.safetensors.*File too large" -- \
  "$MOR" quantize in/w.safetensors --policy current --out old/b.safetensors
expect_clean "quantize --json over an older report (full)" "old/a.json.*File too large" -- \
  "$MOR" quantize in/w.safetensors --json old/a.json
LIMIT_KIB=1 expect_clean "analyze --json (full)" "out/a.json.*File too large" out/a.json -- \
  "$MOR" analyze in/w.safetensors:qkv.activation in/w.safetensors:fc1.weight --json out/a.json
if command -v gnuplot >/dev/null; then
  expect_clean "analyze --plot (full)" "cannot write --plot 'out/p.png'" out/p.png -- \
    "$MOR" analyze in/w.safetensors --plot out/p.png
fi
expect_clean "convert --out (full)" "cannot write 'out/c.bin'.*File too large" out/c.bin -- \
  "$MOR" convert --from f32 --to bf16 --in in/raw.f32 --out out/c.bin
expect_clean "golden (full)" "File too large" out/quantizer.hex -- "$MOR" golden --out out
if [ -n "$SIM" ]; then
  export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
  expect_clean "mor-sim --vcd (full)" "cannot write --vcd 'out/w.vcd'" out/w.vcd -- \
    "$SIM" --workload small --engine model --quiet --vcd out/w.vcd
  LIMIT_KIB=1 expect_clean "mor-sim --json over an older report (full)" "old/a.json.*File too large" -- \
    "$SIM" in/w.safetensors:qkv.activation --engine model --quiet --json old/a.json
  LIMIT_KIB=1 expect_clean "mor-sim --report (full)" "out/r.txt" out/r.txt -- \
    "$SIM" --workload small --engine model --quiet --report out/r.txt --policy subtensor --block 1x32
fi

# The same commands without the limit succeed and leave exactly their outputs.
"$MOR" quantize in/w.safetensors --policy current --out out/q.safetensors --json out/q.json >/dev/null 2>&1 &&
  [ "$(ls -A out | tr '\n' ' ')" = "q.json q.safetensors " ] || { echo "FAIL: unlimited quantize: $(ls -A out)"; fail=1; }
[ $fail -eq 0 ] && echo "nothing lost: all checks passed"
exit $fail
