#!/bin/sh
# log_or_show.sh LOG COMMAND [ARGS...]: runs a testbench compile with its output in LOG; prints LOG if it fails.
log="$1"
shift
"$@" > "$log" 2>&1 || { cat "$log"; exit 1; }
