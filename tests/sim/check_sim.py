#!/usr/bin/env python3
"""mor-sim checks: co-simulation with 0 mismatches and cycle accuracy, closed-form throughput of simple
configurations (bandwidth-bound and engine-bound), a JSON config (list values, errors naming file and key),
--max-tensors, --vcd, inputs positional or --in, one-line errors for bad options, --help, --version, no banner.
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
                  ["--e5m2-to-bf16", "--block", "1x128", "--threshold", "0.02"],
                  # T inside [Sum lo, Sum hi) / NNZ of the first two tensors: the tensor-level fallback pass (refetch)
                  ["--threshold", "0.0227", "--max-tensors", "2", "--policy", "tensor"]):
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
# Sub-tensor, engine-bound (docs/ENGINE.md "Sub-tensor mode"): a buffer is refilled only after its block has
# drained, so the same buffer's fill (512 beats), statistics (3 stages + the input register), decision (C_IDLE,
# C_PREP, C_CMP) and drain (R_IDLE, the read register, 512 beats) repeat every two blocks: 2 * 512 + 8 cycles per
# two blocks, after the latency and the first fill.
blocks = beats / 512
check("engine-bound sub-tensor: 512 + 4 cycles per block", abs(sub["cycles"] - (20 + 512 + blocks * 516)) <= 16,
      f"{sub['cycles']} cycles for {beats:.0f} beats in {blocks:.0f} blocks")
# Tensor-level: both passes stream back to back; between them the group step takes two divisions on the shared
# iterative divider (30 cycles each, docs/ENGINE.md) and the pipeline (X, M1, M2, C, the code skid buffer) drains.
group_step = 2 * 30 + 2
check("engine-bound tensor-level: two passes + the group step", abs(ten["cycles"] - (2 * beats + 20 + group_step)) <= 16,
      f"{ten['cycles']} cycles for 2 x {beats:.0f} beats")
# 4. Amax supplied by the producer: one pass (the group step still divides twice).
p, j = run("--engine", "model", "--policy", "tensor", "--max-tensors", "1", "--read-bw", "256", "--latency", "20",
           "--amax-supplied")
check("amax supplied: one pass", abs(j["tensors"][0]["cycles"] - (beats + 20 + group_step)) <= 16,
      str(j["tensors"][0]["cycles"]))

# 4b. Times at the engine clock: --clock-mhz overrides the cost report's closed clock; a --cost-json without an
# engine_clock is refused; the times are cycles / clock.
p, j = run("--engine", "model", "--policy", "tensor", "--max-tensors", "1", "--clock-mhz", "50")
t = j["tensors"][0]
check("--clock-mhz 50: time = cycles / 50 MHz", j["clock"]["mhz"] == 50 and abs(t["time_us"] - t["cycles"] / 50) < 1e-9
      and j["summary"]["time_us"] > 0 and j["summary"]["read_gb_per_s"] > 0, str(j["clock"]))
with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    json.dump({"engine_clock": {"target_mhz": 100, "closed_mhz": 87.5, "worst_slack_ns": -1.43, "method": "test"}}, f)
    cost = f.name
p, j = run("--engine", "model", "--policy", "tensor", "--max-tensors", "1", "--cost-json", cost)
check("--cost-json: the closed clock", p.returncode == 0 and j["clock"]["mhz"] == 87.5, str(j and j["clock"]))
with open(cost, "w") as f:
    json.dump({"units": []}, f)
p, _ = run("--engine", "model", "--max-tensors", "1", "--cost-json", cost)
check("--cost-json without engine_clock: exit 2", p.returncode == 2 and "engine_clock" in p.stderr, p.stderr.strip())
os.unlink(cost)

# 5. JSON configuration, overridden by the command line.
with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    json.dump({"read-bw": 16, "policy": "subtensor", "max-tensors": 1, "engine": "model"}, f)
    cfg = f.name
p, j = run("--config", cfg, "--read-bw", "32")
check("JSON config + override", p.returncode == 0 and j["memory"]["read_bytes_per_cycle"] == 32
      and all(x["policy"] == "subtensor" for x in j["tensors"]), p.stderr.strip())
os.unlink(cfg)

# 6. --max-tensors N simulates N tensors (not 2N) under one policy, and N tensors x 2 modes under both.
p, j = run("--engine", "model", "--workload", "small", "--policy", "subtensor", "--max-tensors", "2")
check("--max-tensors 2 --policy subtensor: 2 runs", p.returncode == 0 and len(j["tensors"]) == 2, str(len(j["tensors"])))
p, j = run("--engine", "model", "--workload", "small", "--max-tensors", "2")
check("--max-tensors 2 --policy both: 2 tensors x 2 modes", len({t["name"] for t in j["tensors"]}) == 2 and len(j["tensors"]) == 4)

# 7. Outputs and inputs: --vcd writes exactly its name, inputs positional or --in, a list value in --config.
with tempfile.TemporaryDirectory() as d:
    w = os.path.join(d, "w.safetensors")
    subprocess.run([os.path.join(os.path.dirname(sim), "mor"), "gen", "--workload", "small", "--out", w], capture_output=True)
    p = subprocess.run([sim, "--workload", "small", "--engine", "model", "--quiet", "--vcd", os.path.join(d, "wave.vcd")],
                       capture_output=True, text=True, env=env)
    check("--vcd wave.vcd writes wave.vcd and nothing else", p.returncode == 0 and sorted(os.listdir(d)) == ["w.safetensors", "wave.vcd"],
          str(sorted(os.listdir(d))))
    pos, j1 = run("--engine", "model", w + ":qkv.activation")
    opt, j2 = run("--engine", "model", "--in", w + ":qkv.activation")
    check("an input positional or with --in: the same run", pos.returncode == 0 and j1 and j2 and
          [t["name"] for t in j1["tensors"]] == [t["name"] for t in j2["tensors"]] == ["qkv.activation"] * 2)
    cfg = os.path.join(d, "c.json")
    json.dump({"in": [w + ":fc1.weight", w + ":norm.narrow"], "engine": "model", "policy": "tensor"}, open(cfg, "w"))
    p, j = run("--config", cfg)
    check("a list value in --config (\"in\": [...])", p.returncode == 0 and [t["name"] for t in j["tensors"]] == ["fc1.weight", "norm.narrow"],
          p.stderr.strip())
    p, j = run("--config", cfg, w + ":bias.zeros")
    check("inputs on the command line replace the config's", p.returncode == 0 and [t["name"] for t in j["tensors"]] == ["bias.zeros"],
          p.stderr.strip())
    for content, msg in (({"read-bw": "fast"}, "key 'read-bw': --read-bw: value fast not in"),
                         ({"bogus": 1}, "unknown key 'bogus'"), ({"threshold": 2.5}, "key 'threshold'"),
                         ({"policy": {"a": 1}}, "key 'policy': values must be")):
        json.dump(content, open(cfg, "w"))
        p = subprocess.run([sim, "--config", cfg], capture_output=True, text=True, env=env)
        check(f"config error names the file and the key: {content}", p.returncode == 2 and cfg in p.stderr and msg in p.stderr
              and p.stderr.count("\n") == 1, p.stderr.strip())
    open(cfg, "w").write("{not json")
    p = subprocess.run([sim, "--config", cfg], capture_output=True, text=True, env=env)
    check("config that is not JSON: named", p.returncode == 2 and cfg in p.stderr and "not valid JSON" in p.stderr, p.stderr.strip())
    json.dump({"engine": "model"}, open(cfg, "w"))
    p = subprocess.run([sim, "--config", cfg, "--json", cfg], capture_output=True, text=True, env=env)
    check("an output that is the config file is refused", p.returncode == 2 and "refusing to overwrite" in p.stderr, p.stderr.strip())

# 8. Bad options: one line, status 2, before any work.
for args, msg in ((["--engine", "fpga"], "--engine: fpga not in"), (["--read-bw", "0"], "--read-bw: value 0 not in (0, 65536]"),
                  (["--write-bw", "inf"], "--write-bw: value inf not in"), (["--latency", "-1"], "--latency"),
                  (["--in", "/nonexistent.npy"], "cannot open"), (["--bogus"], "not expected"),
                  (["--block", "7"], "ROWSxCOLS"), (["--block", "0x0"], "out of range"),
                  (["--block", "99999999999999999999x1"], "out of range"), (["--threshold", "2"], "not in [0, 2)"),
                  (["--threshold", "nan"], "--threshold"), (["--max-tensors", "-1"], "--max-tensors"),
                  (["--report", "/nonexistent/r.txt"], "folder '/nonexistent' does not exist"),
                  (["--json", "/tmp"], "is a directory"), (["--workload", "huge"], "unknown workload"),
                  (["--in", "/tmp", "--workload", "small"], "--workload chooses the built-in workload"),
                  (["/tmp"], "is a directory")):
    p = subprocess.run([sim, *args], capture_output=True, text=True, env=env)
    check(f"error: {' '.join(args)}", p.returncode == 2 and msg in p.stderr and p.stderr.count("\n") == 1,
          p.stderr.strip())

# 9. Help and version exit 0; the SystemC banner stays off stderr without any environment variable.
clean = {k: v for k, v in os.environ.items() if k != "SYSTEMC_DISABLE_COPYRIGHT_MESSAGE"}
p = subprocess.run([sim, "--help"], capture_output=True, text=True, env=clean)
check("--help exits 0", p.returncode == 0 and "--config" in p.stdout and p.stderr == "", p.stderr)
p = subprocess.run([sim, "--version"], capture_output=True, text=True, env=clean)
check("--version", p.returncode == 0 and p.stdout.startswith("mor-sim "), p.stdout + p.stderr)
p = subprocess.run([sim, "--workload", "small", "--engine", "model", "--max-tensors", "1", "--quiet"], capture_output=True,
                   text=True, env=clean)
check("no SystemC banner on stderr", p.returncode == 0 and p.stderr == "", p.stderr[:200])
p = subprocess.run([sim, "--workload", "small", "--engine", "model", "--max-tensors", "1", "--quiet", "--progress"],
                   capture_output=True, text=True, env=clean)
check("--progress on a run shorter than 5 s prints nothing", p.returncode == 0 and p.stderr == "", p.stderr[:200])
sys.exit(1 if bad else 0)
