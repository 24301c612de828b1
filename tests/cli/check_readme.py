#!/usr/bin/env python3
"""The README's examples run as written, so they cannot drift: every ```sh block of README.md, in order, in one
scratch folder, with the built tools and this Python's folder first on the PATH. Lines starting with `make` (the
build itself) are not run, nor are ```bash blocks (commands for other machines: a cluster's shard lines). A block passes when bash runs it with `set -e -o pipefail` and exit status 0.
usage: check_readme.py --bin BUILD/bin --readme README.md. Exit 77 (skipped) without numpy/ml_dtypes/safetensors."""
import argparse
import os
import re
import subprocess
import sys
import tempfile

try:
    import ml_dtypes  # noqa: F401  (the examples use them)
    import numpy  # noqa: F401
    import safetensors  # noqa: F401
except ImportError as e:
    print(f"SKIPPED: the README's Python examples need the virtualenv ({e}); run `make venv`")
    sys.exit(77)


def blocks(text):
    return [m.group(1) for m in re.finditer(r"^```sh\n(.*?)^```", text, re.S | re.M)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--readme", required=True)
    a = ap.parse_args()
    found = blocks(open(a.readme).read())
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1",
               PATH=os.pathsep.join([os.path.abspath(a.bin), os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    bad = ran = 0
    with tempfile.TemporaryDirectory() as d:
        for i, block in enumerate(found):
            lines = [ln for ln in block.splitlines() if ln.strip() and not ln.lstrip().startswith("make ")]
            lines = [ln for ln in lines if not ln.lstrip().startswith("export PATH=")]  # the harness sets the PATH
            if not lines:
                continue
            ran += 1
            p = subprocess.run(["bash", "-c", "set -e -o pipefail\n" + "\n".join(lines)], cwd=d, env=env,
                               capture_output=True, text=True, timeout=300)
            ok = p.returncode == 0
            print(("ok   " if ok else "FAIL ") + f"README block {i + 1}: {lines[0][:90]}")
            if not ok:
                print("  exit", p.returncode, "\n  " + (p.stdout + p.stderr).strip().replace("\n", "\n  ")[-3000:])
            bad += not ok
        print("files left by the examples:", " ".join(sorted(os.listdir(d))))
    if ran == 0:
        print("FAIL: no ```sh example found in", a.readme)
        return 1
    print("README examples:", "PASS" if bad == 0 else "FAIL")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
