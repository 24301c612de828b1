#!/usr/bin/env python3
"""PyTorch composite implementations of the MoR quantizers: the named baseline for the CUDA kernels' speed.

The same algorithms as docs/DECISIONS.md written with stock PyTorch tensor ops (what a numerics team would write
before a fused kernel exists): current scaling E4M3, MXFP8 (32-element blocks, NV_RCEIL), tensor-level MoR with
GAM scales and the canonical fixed-point metric, sub-tensor MoR (dynamic-range mode). Timed with CUDA events,
median of repeats, on the same sizes as build/bin/mor-bench-gpu. Prints one line per (kernel, size) and writes JSON.
Bit-exactness is not claimed for this baseline; it exists to be timed.

usage: python3 torch_mor.py [--sizes-mib 64,256,1024] [--reps 20] [--json out.json]
"""
import argparse
import json
import sys

import torch

FMAX_E4M3 = 448.0
FMAX_E5M2 = 57344.0
AMAX_FLOOR = 1e-35
T = 0.045


def current_scaling(x):
    amax = x.abs().amax().float()
    scale = torch.where((amax > 0) & torch.isfinite(amax), FMAX_E4M3 / amax, torch.ones_like(amax))
    q = (x.float() * scale).to(torch.float8_e4m3fn)
    return q, (q.float() / scale).to(torch.bfloat16)


def mxfp8(x):
    b = x.float().reshape(-1, 32)
    amax = b.abs().amax(dim=1, keepdim=True)
    ratio = amax * (1.0 / FMAX_E4M3)
    bits = ratio.view(torch.int32)
    exp = (bits >> 23) & 0xFF
    exp = exp + ((bits & 0x7FFFFF) != 0).to(torch.int32)          # ceil to a power of two
    scale = ((exp.clamp(1, 254)) << 23).view(torch.float32)
    q = (b / scale).to(torch.float8_e4m3fn)
    return q, (q.float() * scale).to(torch.bfloat16).reshape(x.shape)


def blocks(x, br, bc):
    r, c = x.shape
    return x.reshape(r // br, br, c // bc, bc).permute(0, 2, 1, 3)


def gam_scales(block_amax, group_amax, fmax=FMAX_E4M3):
    r_g = fmax / torch.clamp(group_amax, min=AMAX_FLOOR)
    b_j = fmax / torch.clamp(block_amax, min=AMAX_FLOOR)
    m_g = r_g.view(torch.int32) & 0x7FFFFF
    b_bits = b_j.view(torch.int32)
    e_j = (b_bits >> 23) & 0xFF
    m_j = b_bits & 0x7FFFFF
    e_s = e_j - (m_g > m_j).to(torch.int32)
    return ((e_s << 23) | m_g).view(torch.float32)


def tensor_mor(x, br=128, bc=128):
    xb = blocks(x.float(), br, bc)
    block_amax = xb.abs().amax(dim=(2, 3), keepdim=True)
    group_amax = block_amax.amax()
    s = gam_scales(block_amax, group_amax)
    q = (xb * s).to(torch.float8_e4m3fn)
    d = q.float() / s
    nz = xb != 0
    e = torch.where(nz, ((d - xb) / torch.where(nz, xb, torch.ones_like(xb))).abs(), torch.zeros_like(xb))
    e_fx = torch.floor(torch.clamp(e, max=2.0) * 2**24).to(torch.int64)
    err_sum = e_fx.sum()
    nnz = nz.sum()
    reject = err_sum > int(T * 2**24) * nnz
    out = torch.where(reject, xb, d).permute(0, 2, 1, 3).reshape(x.shape).to(torch.bfloat16)
    return q, out


def subtensor_mor(x, br=128, bc=128):
    xb = blocks(x.float(), br, bc)
    a = xb.abs()
    amax = a.amax(dim=(2, 3), keepdim=True)
    amin = torch.where(a > 0, a, torch.full_like(a, float("inf"))).amin(dim=(2, 3), keepdim=True)
    dr = torch.where(torch.isinf(amin), torch.ones_like(amax), amax / amin)
    use_e4 = dr <= 28672.0  # kBandE4M3 and kBandE5M2 of model/include/mor/core/contract.hpp
    use_e5 = (~use_e4) & (dr <= 939524096.0)
    s4 = FMAX_E4M3 / torch.clamp(amax, min=AMAX_FLOOR)
    s5 = FMAX_E5M2 / torch.clamp(amax, min=AMAX_FLOOR)
    q4 = (xb * s4).to(torch.float8_e4m3fn)
    q5 = (xb * s5).to(torch.float8_e5m2)
    d = torch.where(use_e4, q4.float() / s4, torch.where(use_e5, q5.float() / s5, xb))
    codes = torch.where(use_e4, q4.view(torch.uint8), q5.view(torch.uint8))
    return codes, d.permute(0, 2, 1, 3).reshape(x.shape).to(torch.bfloat16)


KERNELS = {
    "current_scaling": (current_scaling, 1 + 2),  # bytes written per element: codes + bf16 fake-quant
    "mxfp8": (mxfp8, 1 + 2),
    "tensor_mor": (tensor_mor, 1 + 2),
    "subtensor_mor": (subtensor_mor, 1 + 2),
}


def time_ms(fn, reps):
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(reps):
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    times.sort()
    return times[len(times) // 2]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes-mib", default="64,256,1024", help="input sizes in MiB of BF16 data")
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--json", default="")
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print("torch_mor.py: no CUDA device", file=sys.stderr)
        return 2
    rows_out = []
    g = torch.Generator(device="cuda").manual_seed(1)
    for mib in [int(s) for s in args.sizes_mib.split(",")]:
        n = mib * 2**20 // 2
        cols = 8192
        rows = n // cols
        x = (torch.randn(rows, cols, device="cuda", generator=g) * 0.02).to(torch.bfloat16)
        copy_dst = torch.empty_like(x)
        copy_ms = time_ms(lambda: copy_dst.copy_(x), args.reps)
        copy_gbs = 2 * x.numel() * 2 / copy_ms / 1e6
        print(f"{mib:6d} MiB  {'copy (torch)':18s} {copy_ms:9.3f} ms  {copy_gbs:8.1f} GB/s")
        rows_out.append({"size_mib": mib, "kernel": "copy", "ms": copy_ms, "gbs": copy_gbs})
        for name, (fn, wbytes) in KERNELS.items():
            fn(x)  # warm-up (and compilation of any lazy kernels)
            torch.cuda.synchronize()
            ms = time_ms(lambda: fn(x), args.reps)
            gbs = x.numel() * (2 + wbytes) / ms / 1e6
            print(f"{mib:6d} MiB  {name:18s} {ms:9.3f} ms  {gbs:8.1f} GB/s (min bytes: read 2 + write {wbytes} per element)")
            rows_out.append({"size_mib": mib, "kernel": name, "ms": ms, "gbs": gbs})
        del x, copy_dst
        torch.cuda.empty_cache()
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "rows": rows_out}, f,
                      indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
