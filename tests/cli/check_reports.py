#!/usr/bin/env python3
"""Every JSON report validated against its schema in docs/schemas/ (mor quantize under each policy, mor analyze,
mor-sim), plus what the schemas cannot say: shapes and 2-D views, a tensor-level BF16 tensor in mor-sim has no
E4M3 blocks, a broken report is caught. Also `mor analyze --plot FILE.png`: the file and nothing beside it, a PNG of
the expected size, for a one-row block grid too.
usage: check_reports.py --mor MOR [--sim MOR_SIM] --schemas DIR. Exit 77 (skipped) without jsonschema/numpy."""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from checks import check, finish  # noqa: E402

try:
    import jsonschema
    import numpy as np
    import referencing
except ImportError as e:
    print(f"SKIPPED: needs jsonschema and numpy from the virtualenv ({e}); run `make venv`")
    sys.exit(77)



def run(*args):
    p = subprocess.run(list(args), capture_output=True, text=True,
                       env=dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1"))
    if p.returncode not in (0, 1):
        print(f"  {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mor", required=True)
    ap.add_argument("--sim")
    ap.add_argument("--schemas", required=True)
    a = ap.parse_args()
    schemas = {}
    for f in sorted(os.listdir(a.schemas)):
        if f.endswith(".schema.json"):
            s = json.load(open(os.path.join(a.schemas, f)))
            jsonschema.Draft202012Validator.check_schema(s)
            schemas[s["$id"]] = s
    registry = referencing.Registry().with_resources(
        (i, referencing.Resource.from_contents(s)) for i, s in schemas.items())

    def validate(report, kind):
        v = jsonschema.Draft202012Validator(schemas["urn:mor:schema:" + kind], registry=registry)
        errors = sorted(v.iter_errors(report), key=lambda e: list(e.path))
        return [f"{'/'.join(map(str, e.path))}: {e.message[:200]}" for e in errors[:3]]

    with tempfile.TemporaryDirectory() as d:
        rng = np.random.default_rng(19)
        np.save(os.path.join(d, "act3d.npy"), (rng.standard_normal((4, 64, 96)) * 2).astype(np.float32))
        np.save(os.path.join(d, "vec.npy"), rng.standard_normal(1000).astype(np.float32))
        np.save(os.path.join(d, "scalar.npy"), np.float32(3.0))
        files = [os.path.join(d, f) for f in ("act3d.npy", "vec.npy", "scalar.npy")]
        want_shape = {"act3d": ([4, 64, 96], [256, 96]), "vec": ([1000], [1, 1000]), "scalar": ([], [1, 1])}
        for policy in ("tensor", "subtensor", "current", "mxfp8", "blockwise"):
            for src in (["--workload", "small"], files):
                out = os.path.join(d, "q.json")
                p = run(a.mor, "quantize", *src, "--policy", policy, "--json", out)
                rep = json.load(open(out)) if p.returncode == 0 else {}
                errs = validate(rep, "mor-quantize")
                check(f"mor quantize --policy {policy} {'workload' if src[0] == '--workload' else 'files'}: schema",
                      p.returncode == 0 and not errs, "; ".join(errs) or p.stderr)
                if src is files and rep:
                    got = {t["name"]: (t["shape"], t["view_2d"]) for t in rep["tensors"]}
                    check(f"mor quantize --policy {policy}: original shapes and 2-D views", got == want_shape, str(got))
        out = os.path.join(d, "a.json")
        p = run(a.mor, "analyze", "--workload", "small", "--json", out)
        rep = json.load(open(out))
        errs = validate(rep, "mor-analyze")
        check("mor analyze: schema", p.returncode == 0 and not errs, "; ".join(errs))
        for tool, kind in (("quantize", "mor-quantize"), ("analyze", "mor-analyze")):  # the interval metric's fields
            out = os.path.join(d, "i.json")
            p = run(a.mor, tool, "--workload", "small", "--metric", "interval", "--json", out)
            rep = json.load(open(out)) if p.returncode == 0 else {}
            errs = validate(rep, kind)
            has = any("interval" in t.get("metric", {}) for t in rep.get("tensors", []))
            check(f"mor {tool} --metric interval: schema, interval fields present", p.returncode == 0 and not errs and has,
                  "; ".join(errs) or p.stderr)
        broken = json.loads(json.dumps(rep))
        broken["tensors"][0]["undocumented"] = 1
        broken["tensors"][1]["subtensor"].pop("nnz")
        check("a report with an undocumented field or a missing one fails its schema", len(validate(broken, "mor-analyze")) >= 2)
        if a.sim:
            out = os.path.join(d, "s.json")
            p = run(a.sim, "--workload", "small", "--engine", "model", "--quiet", "--json", out)
            rep = json.load(open(out))
            errs = validate(rep, "mor-sim")
            check("mor-sim: schema", p.returncode == 0 and not errs, "; ".join(errs))
            bf16 = [t for t in rep["tensors"] if t["policy"] == "tensor" and t["decision"] == "bf16"]
            check("mor-sim: tensor-level BF16 tensors show only BF16 blocks",
                  bf16 and all(t["blocks"]["e4m3"] == 0 and t["blocks"]["e5m2"] == 0 and t["blocks"]["bf16"] > 0 for t in bf16),
                  str([t["blocks"] for t in bf16]))
        plot_checks(a.mor, d)
    return finish("reports")


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
        f.seek(-12, 2)
        tail = f.read()
    if head[:8] != b"\x89PNG\r\n\x1a\n" or tail[4:8] != b"IEND":
        return None
    return struct.unpack(">II", head[16:24])


def plot_checks(mor, d):
    if subprocess.run(["sh", "-c", "command -v gnuplot"], capture_output=True).returncode != 0:
        print("skip plot checks: no gnuplot")
        return
    pd = os.path.join(d, "plots")
    os.mkdir(pd)
    np.save(os.path.join(pd, "row.npy"), np.linspace(-3, 3, 1024, dtype=np.float32).reshape(1, 1024))  # 1 x 8 blocks
    for args, rows in ((["--workload", "small"], 9), ([os.path.join(pd, "row.npy")], 1)):
        png = os.path.join(pd, "p.png")
        p = run(mor, "analyze", *args, "--plot", png)
        size = png_size(png) if os.path.exists(png) else None
        check(f"mor analyze --plot ({rows} tensor(s)): exit 0, one PNG of 2 panels x {rows} rows",
              p.returncode == 0 and size == (1280, 440 * rows), f"{p.stderr} size {size}")
        left = sorted(os.listdir(pd))
        check("  nothing else written beside it", left == ["p.png", "row.npy"], str(left))
        os.unlink(png)


if __name__ == "__main__":
    sys.exit(main())
