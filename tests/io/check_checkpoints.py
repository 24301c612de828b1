#!/usr/bin/env python3
"""Real checkpoints in, nothing lost: files written by the safetensors library and by numpy + ml_dtypes go through
`mor quantize` and come back, read by the same libraries, with every tensor, shape, dtype and metadata entry.

- a Hugging Face-style .safetensors (F32, F16, F64 weights, an I64 position_ids, a BOOL mask, 1-D and 0-D
  tensors, "__metadata__"): quantized tensors keep their names and shapes, the others come back byte for byte,
  the metadata is kept; FILE:TENSOR selects a float tensor although the file holds integer ones;
- bfloat16 .npy as ml_dtypes writes it ('<V2') is read, and a BF16 .npy output loads back as '<V2';
- a file with zero tensors, or with integer tensors only, is a one-line error with exit status 2.
Exit 77 (skipped) without numpy, ml_dtypes or safetensors (make venv)."""
import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from checks import check, finish  # noqa: E402

try:
    import ml_dtypes
    import numpy as np
    from safetensors import safe_open
    from safetensors.numpy import load_file, save_file
except ImportError as e:
    print(f"SKIPPED: needs numpy, ml_dtypes and safetensors ({e}); run `make venv`")
    sys.exit(77)



def mor(exe, *args):
    return subprocess.run([exe, *args], capture_output=True, text=True)


def close_to_e4m3(x, y):
    """y is x through an FP8 E4M3 path: relative error <= 2^-4 where |x| is not tiny."""
    x = x.astype(np.float64).reshape(-1)
    y = y.astype(np.float64).reshape(-1)
    big = np.abs(x) > 1e-2 * np.max(np.abs(x))
    return bool(np.all(np.abs(y[big] - x[big]) <= 2.0**-4 * np.abs(x[big])))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mor", required=True)
    a = ap.parse_args()
    rng = np.random.default_rng(1919)
    with tempfile.TemporaryDirectory() as d:
        ckpt = {
            "model.embed_tokens.weight": (rng.standard_normal((64, 96)) * 0.05).astype(np.float32),
            "model.layers.0.mlp.up_proj.weight": (rng.standard_normal((4, 64, 32)) * 0.02).astype(np.float16),
            "model.layers.0.input_layernorm.weight": (1 + 0.1 * rng.standard_normal(1000)).astype(np.float64),
            "model.rotary.scale": np.array(0.125, dtype=np.float32),
            "position_ids": np.arange(128, dtype=np.int64).reshape(1, 128),
            "attention_mask": np.array([True, False, True]),
        }
        meta = {"format": "pt", "source": "check_checkpoints.py"}
        src, out = os.path.join(d, "ckpt.safetensors"), os.path.join(d, "q.safetensors")
        save_file(ckpt, src, metadata=meta)
        p = mor(a.mor, "quantize", src, "--policy", "current", "--out", out, "--out-dtype", "f32")
        check("mor quantize reads a checkpoint with I64 and BOOL tensors", p.returncode == 0, p.stderr.strip())
        check("  one line names the skipped non-float tensors",
              "skipping 2 non-float tensor(s)" in p.stderr and "position_ids I64" in p.stderr and "attention_mask BOOL" in p.stderr,
              p.stderr.strip())
        if p.returncode == 0:
            back = load_file(out)
            with safe_open(out, framework="np") as f:
                got_meta = f.metadata()
            check("  every tensor comes back under its name", sorted(back) == sorted(ckpt), str(sorted(back)))
            for k, x in ckpt.items():
                y = back.get(k)
                if y is None:
                    continue
                if x.dtype.kind in "ib":
                    check(f"  {k}: {x.dtype}{x.shape} carried byte for byte", y.dtype == x.dtype and np.array_equal(x, y))
                else:
                    check(f"  {k}: {x.dtype}{x.shape} -> shape kept, values E4M3-close",
                          y.shape == x.shape and close_to_e4m3(x, y), f"{y.dtype}{y.shape}")
            check("  safetensors metadata kept", got_meta == meta, str(got_meta))
        p = mor(a.mor, "quantize", src, "--policy", "tensor", "--out", out)
        if p.returncode == 0:
            with safe_open(out, framework="np") as f:
                dt = {k: f.get_slice(k).get_dtype() for k in f.keys()}
            check("--out-dtype auto keeps F32 and F64, writes BF16 for F16",
                  dt["model.embed_tokens.weight"] == "F32" and dt["model.layers.0.input_layernorm.weight"] == "F64"
                  and dt["model.layers.0.mlp.up_proj.weight"] == "BF16" and dt["position_ids"] == "I64", str(dt))
        else:
            check("mor quantize --policy tensor on the checkpoint", False, p.stderr.strip())
        p = mor(a.mor, "analyze", src + ":model.embed_tokens.weight")
        check("FILE:TENSOR names a float tensor in a checkpoint that holds integer ones", p.returncode == 0, p.stderr.strip())
        p = mor(a.mor, "quantize", src + ":position_ids")
        check("FILE:TENSOR naming an I64 tensor is an error", p.returncode == 2 and "'position_ids' is I64" in p.stderr, p.stderr.strip())

        empty = os.path.join(d, "empty.safetensors")
        save_file({}, empty)
        p = mor(a.mor, "quantize", empty)
        check("a file with zero tensors: one line, exit 2",
              p.returncode == 2 and "no float tensor" in p.stderr and p.stderr.count("\n") == 1, p.stderr.strip())
        ints = os.path.join(d, "ints.safetensors")
        save_file({"position_ids": ckpt["position_ids"]}, ints)
        p = mor(a.mor, "analyze", ints)
        check("a file with integer tensors only: one line, exit 2",
              p.returncode == 2 and "only position_ids I64" in p.stderr and p.stderr.count("\n") == 1, p.stderr.strip())

        x = (rng.standard_normal((3, 40, 64)) * 4).astype(ml_dtypes.bfloat16)
        bsrc, bout = os.path.join(d, "act.npy"), os.path.join(d, "act_q.npy")
        np.save(bsrc, x)
        p = mor(a.mor, "quantize", bsrc, "--policy", "tensor", "--out", bout)
        check("ml_dtypes bfloat16 .npy ('<V2') is read", p.returncode == 0, p.stderr.strip())
        if p.returncode == 0:
            y = np.load(bout)  # numpy reads '<V2' as a 2-byte void; ml_dtypes users view it as bfloat16
            check("  and written back as '<V2' bfloat16 with its shape",
                  b"'descr': '<V2'" in open(bout, "rb").read(128) and y.dtype.itemsize == 2 and y.shape == x.shape and close_to_e4m3(x.astype(np.float32), y.view(ml_dtypes.bfloat16).astype(np.float32)),
                  f"{y.dtype.str}{y.shape}")
        p = mor(a.mor, "quantize", bsrc, "--policy", "current", "--json", os.path.join(d, "r.json"))
        check("  a BF16 .npy's report names its dtype bf16",
              p.returncode == 0 and '"dtype": "bf16"' in open(os.path.join(d, "r.json")).read(), p.stderr.strip())
    return finish("checkpoints")


if __name__ == "__main__":
    sys.exit(main())
