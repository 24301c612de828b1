#!/usr/bin/env python3
"""Write a synthetic BF16 .safetensors checkpoint for timing `mor analyze` / `mor quantize` on real-sized input.

The default is 1 GiB exactly: 32 transformer layers of a 1024-wide model (q, k, v, o: 1024x1024; gate, up:
4096x1024; down: 1024x4096), 2^29 BF16 values. Weights are Gaussian (std 0.02) with a few outlier columns and a few
tiny-valued rows, so tensor-level MoR accepts most tensors and rejects some. Seeded and reproducible.

    .venv/bin/python bench/make_checkpoint.py OUT.safetensors [--layers N] [--seed S]

Needs numpy and ml_dtypes (tests/python/requirements.txt). The file is written in the safetensors layout: an 8-byte
little-endian header length, a JSON header (padded with spaces to a multiple of 8), then the tensors' bytes.
"""
import argparse
import json
import struct

import ml_dtypes
import numpy as np


def layer_shapes(width, ffn):
    return [("q_proj", (width, width)), ("k_proj", (width, width)), ("v_proj", (width, width)),
            ("o_proj", (width, width)), ("gate_proj", (ffn, width)), ("up_proj", (ffn, width)),
            ("down_proj", (width, ffn))]


def tensor_values(rng, shape, kind):
    x = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)
    if kind % 3 == 1:  # a few outlier input channels, as activations-facing weights have
        cols = rng.choice(shape[1], size=max(1, shape[1] // 256), replace=False)
        x[:, cols] *= np.float32(40.0)
    if kind % 5 == 2:  # rows of tiny values: a wide dynamic range that E4M3 handles badly
        rows = rng.choice(shape[0], size=max(1, shape[0] // 8), replace=False)
        x[rows, :] *= np.float32(1e-6)
    return x.astype(ml_dtypes.bfloat16)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--layers", type=int, default=32)
    ap.add_argument("--width", type=int, default=1024)
    ap.add_argument("--ffn", type=int, default=4096)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--one-tensor", metavar="RxC", help="one R x C tensor instead of the layers (16384x32768: 1 GiB)")
    a = ap.parse_args()
    names, offset, header = [], 0, {}
    shapes = [(f"model.layers.{layer}.{name}.weight", shape)
              for layer in range(a.layers) for name, shape in layer_shapes(a.width, a.ffn)]
    if a.one_tensor:
        shapes = [("model.embed_tokens.weight", tuple(int(v) for v in a.one_tensor.split("x")))]
    for full, shape in shapes:
        size = shape[0] * shape[1] * 2
        header[full] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [offset, offset + size]}
        names.append((full, shape))
        offset += size
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)
    rng = np.random.default_rng(a.seed)
    with open(a.out, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for kind, (full, shape) in enumerate(names):
            # One tensor in slices of 1024 rows (no 2 GiB FP32 copy); each layer's tensor whole, as before.
            step = 1024 if a.one_tensor else shape[0]
            for row in range(0, shape[0], step):
                f.write(tensor_values(rng, (min(step, shape[0] - row), shape[1]), kind).tobytes())
    print(f"wrote {a.out}: {len(names)} BF16 tensors, {offset} bytes of data")


if __name__ == "__main__":
    main()
