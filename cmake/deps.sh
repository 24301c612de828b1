#!/usr/bin/env bash
# Installs the Debian packages the build needs. As root: apt-get, quietly, only what is missing (idempotent).
# Otherwise: prints the exact command and fails. `make deps` runs this; every other target depends on it.
set -euo pipefail
PKGS=(cmake ninja-build g++ make pkg-config git python3 python3-venv zlib1g-dev
      libgtest-dev googletest libbenchmark-dev nlohmann-json3-dev libcli11-dev
      verilator libsystemc-dev yosys iverilog opensta gnuplot-nox parallel
      clang libclang-rt-14-dev)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/mor-apt.log 2>&1; then
    apt-get update -qq >/tmp/mor-apt-update.log 2>&1
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/mor-apt.log 2>&1 ||
      { echo "deps: apt-get install failed, see /tmp/mor-apt.log" >&2; tail -20 /tmp/mor-apt.log >&2; exit 1; }
  fi
else
  echo "deps: missing Debian packages. Run:" >&2
  echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
