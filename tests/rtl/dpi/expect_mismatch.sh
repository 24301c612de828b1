#!/bin/sh
# expect_mismatch.sh COMMAND [ARGS...]: passes only if COMMAND fails and its output names a scoreboard mismatch
# (the fault-injection tests of the DPI-C scoreboard).
out=$("$@" 2>&1)
rc=$?
echo "$out" | tail -4
if [ "$rc" -ne 0 ] && echo "$out" | grep -q "SCOREBOARD MISMATCH"; then
  echo "PASS: the injected fault was caught"
  exit 0
fi
echo "FAIL: exit code $rc, no SCOREBOARD MISMATCH line"
exit 1
