#!/usr/bin/env python3
"""Cross-check of the model's converters against ml_dtypes (an independent implementation from PyPI).

Runs `mor convert` (the model on the command line) and numpy/ml_dtypes `astype` on the same inputs and compares
the codes bit for bit. ml_dtypes' casts are the ML_DTYPES profile of spec 2: RNE, overflow to NaN (E4M3) or Inf
(E5M2), i.e. `--overflow nosat`, and NaN keeps its sign (`--nan keep-sign`). Inputs: every BF16 pattern, the
directed set of spec 2, >= 10^7 seeded random FP32 patterns. ml_dtypes' Python API has no saturating cast, so the
"ml_dtypes saturating" column of the spec's table is covered by the directed C++ tests only.

Exit status: 0 all equal, 1 mismatch, 77 skipped (numpy/ml_dtypes missing), 2 usage/tool error.
"""
import argparse
import subprocess
import sys

try:
    import ml_dtypes
    import numpy as np
except ImportError as e:  # reported as skipped by CTest (SKIP_RETURN_CODE 77)
    print(f"SKIPPED: ml_dtypes cross-check needs numpy and ml_dtypes ({e}); run `make venv`")
    sys.exit(77)


def mor(tool, args, data: bytes) -> bytes:
    p = subprocess.run([tool, "convert", *args], input=data, capture_output=True)
    if p.returncode != 0:
        print(f"mor convert {' '.join(args)} failed: {p.stderr.decode().strip()}")
        sys.exit(2)
    return p.stdout


def compare(label, got: np.ndarray, want: np.ndarray, inputs: np.ndarray) -> int:
    bad = np.nonzero(got != want)[0]
    status = "ok" if bad.size == 0 else "MISMATCH"
    print(f"{label:48s} {inputs.size:10d} inputs  {bad.size:6d} mismatches  {status}")
    for i in bad[:5]:
        print(f"    input 0x{int(inputs[i]):08x}: model 0x{int(got[i]):x} ml_dtypes 0x{int(want[i]):x}")
    return int(bad.size)


def directed_f32() -> np.ndarray:
    vals = [0.0, -0.0, 448.0, 464.0, 465.0, 480.0, 57344.0, 61440.0, 61439.996, 2.0**-9, 2.0**-10, 2.0**-16,
            2.0**-17, 1.0625, 1.1875, -1.0625, 3.0e38, 1e-40, -1e-45, np.inf, -np.inf, np.nan]
    bits = np.array(vals, dtype=np.float32).view(np.uint32)
    extra = np.array([0x7F800001, 0xFF800001, 0x7FC00000, 0xFFC00000, 0x7FFFFFFF, 0xFFFFFFFF, 0x00000001,
                      0x80000001, 0x007FFFFF, 0x00400000], dtype=np.uint32)
    return np.concatenate([bits, extra])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mor", required=True, help="path of the mor executable")
    ap.add_argument("--random", type=int, default=10_000_000, help="number of random FP32 patterns")
    ap.add_argument("--seed", type=int, default=20261122)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    bf16_all = np.arange(65536, dtype=np.uint32)
    f32_inputs = np.concatenate([
        bf16_all << 16,
        directed_f32(),
        rng.integers(0, 2**32, size=a.random // 2, dtype=np.uint64).astype(np.uint32),
        # half of the random inputs in the FP8 ranges, where the roundings happen
        (rng.standard_normal(a.random - a.random // 2) * np.exp2(rng.integers(-20, 18, a.random - a.random // 2)))
        .astype(np.float32).view(np.uint32),
    ]).astype(np.uint32)
    ml = ["--overflow", "nosat", "--nan", "keep-sign"]
    bad = 0
    x = f32_inputs.view(np.float32)
    with np.errstate(all="ignore"):
        for name, dt in (("e4m3", ml_dtypes.float8_e4m3fn), ("e5m2", ml_dtypes.float8_e5m2)):
            got = np.frombuffer(mor(a.mor, ["--from", "f32", "--to", name, *ml], f32_inputs.tobytes()), np.uint8)
            bad += compare(f"f32 -> {name} (nosat, keep-sign)", got, x.astype(dt).view(np.uint8), f32_inputs)
            b = bf16_all.astype(np.uint16)
            got = np.frombuffer(mor(a.mor, ["--from", "bf16", "--to", name, *ml], b.tobytes()), np.uint8)
            bad += compare(f"bf16 -> {name} (all 2^16)", got, b.view(ml_dtypes.bfloat16).astype(dt).view(np.uint8), bf16_all)
            codes = np.arange(256, dtype=np.uint8)
            got = np.frombuffer(mor(a.mor, ["--from", name, "--to", "f32"], codes.tobytes()), np.uint32)
            want = codes.view(dt).astype(np.float32).view(np.uint32)
            nan_got = (got & 0x7F800000 == 0x7F800000) & (got & 0x7FFFFF != 0)
            nan_want = (want & 0x7F800000 == 0x7F800000) & (want & 0x7FFFFF != 0)
            # NaN compared as a class with its sign: ml_dtypes does not pin a decoded NaN payload.
            same = np.where(nan_got & nan_want, (got >> 31) == (want >> 31), got == want)
            bad += compare(f"{name} -> f32 decode (all 256 codes)", same.astype(np.uint8), np.ones(256, np.uint8), codes)
        got = np.frombuffer(mor(a.mor, ["--from", "f32", "--to", "bf16"], f32_inputs.tobytes()), np.uint16)
        bad += compare("f32 -> bf16 (RNE, IEEE)", got, x.astype(ml_dtypes.bfloat16).view(np.uint16), f32_inputs)
    print("ml_dtypes", ml_dtypes.__version__, "numpy", np.__version__, ":", "PASS" if bad == 0 else "FAIL")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
