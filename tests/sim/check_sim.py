#!/usr/bin/env python3
"""mor-sim checks: co-simulation with 0 mismatches and cycle accuracy, closed-form throughput of simple
configurations (bandwidth-bound and engine-bound), a JSON config, and one-line errors for bad options.
usage: check_sim.py MOR_SIM [--rtl]"""
import json
import os
import subprocess
import sys
import tempfile

sim = sys.argv[1]
have_rtl = "--rtl" in sys.argv
env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
bad = 0


def run(*args):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    p = subprocess.run([sim, "--quiet", "--json", path, *args], capture_output=True, text=True, env=env)
    out = json.load(open(path)) if p.returncode in (0, 1) and os.path.getsize(path) else None
    os.unlink(path)
    return p, out


def check(name, ok, detail=""):
    global bad
    print(("ok   " if ok else "FAIL ") + name + (f"  ({detail})" if detail else ""))
    bad += not ok


# 1. Co-simulation: both engines equal to the golden model, and in the same cycles.
if have_rtl:
    for extra in ([], ["--qe", "--fp32-scales", "--read-bw", "24", "--write-bw", "20", "--latency", "37"],
                  ["--e5m2-to-bf16", "--block", "1x128", "--threshold", "0.02"]):
        p, j = run("--workload", "small", "--engine", "cosim", *extra)
        s = j["summary"] if j else {}
        check(f"cosim small {' '.join(extra) or 'default'}", p.returncode == 0 and s.get("model_mismatches") == 0
              and s.get("rtl_mismatches") == 0 and s.get("cycle_differences") == 0, str(s.get("cycle_differences")))

# 2. Bandwidth-bound: 16 B/cycle of BF16 = one 64-byte beat every 4 cycles = 8 elements/cycle (sub-tensor, one pass).
p, j = run("--engine", "model", "--policy", "subtensor", "--max-tensors", "1", "--read-bw", "16", "--latency", "50")
t = j["tensors"][0]
expect = t["elements"] / 8 + 50 + 512  # streaming + memory latency + draining the last 128x128 block (512 beats)
check("bandwidth-bound sub-tensor: 8 elements/cycle", abs(t["cycles"] - expect) / expect < 0.01,
      f"{t['cycles']} cycles, closed form {expect:.0f}")

# 3. Engine-bound: ample bandwidth gives one beat per cycle; tensor-level reads the tensor twice.
p, j = run("--engine", "model", "--max-tensors", "1", "--read-bw", "256", "--latency", "20")
sub = [x for x in j["tensors"] if x["policy"] == "subtensor"][0]
ten = [x for x in j["tensors"] if x["policy"] == "tensor"][0]
beats = sub["elements"] / 32
# The drain spends 2 cycles per block deciding (D_IDLE, D_DECIDE) besides its 512 beats, and it is the bottleneck
# once the first block is in: latency + 512 (first fill) + blocks * (512 + 2).
blocks = beats / 512
check("engine-bound sub-tensor: one beat per cycle + 2 per block", abs(sub["cycles"] - (20 + 512 + blocks * 514)) <= 8,
      f"{sub['cycles']} cycles for {beats:.0f} beats in {blocks:.0f} blocks")
check("engine-bound tensor-level: two passes", abs(ten["cycles"] - (2 * beats + 20)) <= 8,
      f"{ten['cycles']} cycles for 2 x {beats:.0f} beats")
# 4. Amax supplied by the producer: one pass.
p, j = run("--engine", "model", "--policy", "tensor", "--max-tensors", "1", "--read-bw", "256", "--latency", "20",
           "--amax-supplied")
check("amax supplied: one pass", abs(j["tensors"][0]["cycles"] - (beats + 20)) <= 8, str(j["tensors"][0]["cycles"]))

# 5. JSON configuration, overridden by the command line.
with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    json.dump({"read-bw": 16, "policy": "subtensor", "max-tensors": 1, "engine": "model"}, f)
    cfg = f.name
p, j = run("--config", cfg, "--read-bw", "32")
check("JSON config + override", p.returncode == 0 and j["memory"]["read_bytes_per_cycle"] == 32
      and all(x["policy"] == "subtensor" for x in j["tensors"]), p.stderr.strip())
os.unlink(cfg)

# 6. Bad options: one line, status 2.
for args, msg in ((["--engine", "fpga"], "--engine must be"), (["--read-bw", "0"], "bandwidths must be"),
                  (["--in", "/nonexistent.npy"], "cannot open"), (["--bogus"], "not expected"),
                  (["--block", "7"], "ROWSxCOLS")):
    p = subprocess.run([sim, *args], capture_output=True, text=True, env=env)
    check(f"error: {' '.join(args)}", p.returncode == 2 and msg in p.stderr and p.stderr.count("\n") == 1,
          p.stderr.strip())
sys.exit(1 if bad else 0)
