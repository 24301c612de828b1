#!/usr/bin/env python3
"""numpy <-> mor .npy interoperability: numpy writes, `mor quantize` reads and writes, numpy reads back.

The output keeps the input's shape. Also checks that the files numpy can write but the model refuses (big-endian,
Fortran order, integers) give a one-line error and exit status 2. Exit 77 (skipped) without numpy.
"""
import argparse
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("SKIPPED: numpy missing (make venv)")
    sys.exit(77)


def run(mor, *args):
    return subprocess.run([mor, *args], capture_output=True, text=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mor", required=True)
    a = ap.parse_args()
    bad = 0
    rng = np.random.default_rng(5)
    with tempfile.TemporaryDirectory() as d:
        for dt, shape in ((np.float32, (64, 96)), (np.float16, (3, 5, 32)), (np.float32, (1000,)), (np.float64, (7, 33)), (np.float32, ())):
            x = (rng.standard_normal(shape) * 3).astype(dt)
            src, out = os.path.join(d, "in.npy"), os.path.join(d, "out.npy")
            np.save(src, x)
            p = run(a.mor, "quantize", "--in", src, "--policy", "current", "--out", out, "--out-dtype", "f32")
            if p.returncode != 0:
                print("FAIL: mor could not read numpy's", dt.__name__, shape, p.stderr.strip())
                bad += 1
                continue
            y = np.load(out)
            ok = y.dtype == np.float32 and y.shape == shape
            rel = np.abs(y.reshape(-1) - x.astype(np.float32).reshape(-1)) / np.maximum(np.abs(x.astype(np.float32).reshape(-1)), 1e-30)
            ok = ok and float(np.max(rel[np.abs(x.reshape(-1)) > 1e-2])) <= 2.0**-4  # E4M3 keeps 3 mantissa bits
            print(("ok  " if ok else "FAIL"), f"numpy {dt.__name__}{shape} -> mor -> numpy {y.dtype}{y.shape}")
            bad += not ok
        refused = {
            "big-endian": np.arange(6, dtype=">f4").reshape(2, 3),
            "Fortran": np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)),
            "dtype '<i8'": np.arange(6, dtype="<i8"),
        }
        for what, arr in refused.items():
            f = os.path.join(d, "bad.npy")
            np.save(f, arr)
            p = run(a.mor, "quantize", "--in", f)
            ok = p.returncode == 2 and what in p.stderr and p.stderr.count("\n") == 1
            print(("ok  " if ok else "FAIL"), f"refuses {what}: rc={p.returncode} {p.stderr.strip()}")
            bad += not ok
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
