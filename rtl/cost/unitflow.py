"""One cost unit after synthesis: pipelined to the clock (or timed as written), timed by OpenSTA, simulated on the
workload at gate level, and its energy per activation computed. Runs in a worker process of run_cost.py; every
result is cached in the unit's work folder under a key of everything it depends on."""
import hashlib
import json
import subprocess
from pathlib import Path

import energy
import engine_sta
import gatesim
import liberty
import pipeline
import wireload

HERE = Path(__file__).resolve().parent
CODE_FILES = ["pipeline.py", "gatesim.py", "energy.py", "wireload.py", "liberty.py", "unitflow.py", "engine_sta.py"]
PIPELINED_ROLES = ("lane", "beat", "block", "tensor")
_LIB = {}


def library(path):
    if path not in _LIB:
        _LIB[path] = liberty.Library(Path(path).read_text())
    return _LIB[path]


def code_hash():
    return hashlib.sha256(b"".join((HERE / f).read_bytes() for f in CODE_FILES)).hexdigest()


def run_sta(pn, liberty_path, wl_lib, period, workdir):
    vpath = Path(workdir) / "pipe.v"
    pipeline.emit_verilog(pn, vpath)
    script = Path(workdir) / "sta.tcl"
    script.write_text(engine_sta.sta_script(liberty_path, wl_lib, vpath, pn.module, period, workdir))
    proc = subprocess.run(["sta", "-no_splash", "-exit", str(script)], capture_output=True, text=True, timeout=1800)
    res = engine_sta.parse_sta(proc.stdout + proc.stderr)
    return res.get("unplaced", (None, None))[0], res.get("wire", (None, None))[0]


def areas(pn, nand2):
    """GE of the whole netlist, of its inserted pipeline registers, and of the part shared by all lanes."""
    lib = pn.lib
    total = regs = shared = 0.0
    n_regs = 0
    for ci, (iname, ctype, _) in enumerate(pn.cells):
        a = lib.cell(ctype).area
        total += a
        if iname.startswith("r") and ctype.startswith("sky130_fd_sc_hd__dfxtp"):
            regs += a
            n_regs += 1
        if ci in pn.shared_cells:
            shared += a
    return total / nand2, regs / nand2, shared / nand2, n_regs


def delay_pnet(lib, width, depth, module):
    """A register delay line: `width` bits, `depth` registers deep."""
    pn = pipeline.PNet(module, lib)
    for b in range(width):
        pn.inputs.append(("d", b, f"d{b}_0"))
        for k in range(depth):
            pn.cells.append((f"r{b}_{k}", pipeline.DFF, {"CLK": "clk", "D": f"d{b}_{k}", "Q": f"d{b}_{k + 1}"}))
        pn.outputs.append(("q", b, f"d{b}_{depth}"))
    pn.latency = depth
    return pn


def process(job):
    """job: dict with unit fields, netlist, liberty, wl_lib, period, margin, work, harness, cycles, nand2, voltage.
    Returns the unit's result dict."""
    work = Path(job["work"])
    work.mkdir(parents=True, exist_ok=True)
    src = Path(job["netlist"]).read_bytes() if job.get("netlist") else json.dumps(job.get("delay")).encode()
    harness_key = Path(job["harness"]).read_bytes() if job.get("harness") and Path(job["harness"]).is_file() else b""
    key = hashlib.sha256(src + json.dumps({k: job[k] for k in sorted(job) if k not in ("work",)}, sort_keys=True,
                                          default=str).encode() + code_hash().encode() +
                         hashlib.sha256(harness_key).digest()).hexdigest()
    done = work / "result.json"
    if done.is_file():
        old = json.loads(done.read_text())
        if old.get("key") == key:
            return old
    lib = library(job["liberty"])
    res = {"name": job["name"], "role": job["role"], "key": key}
    if job.get("delay"):
        pn = delay_pnet(lib, job["delay"]["width"], job["delay"]["depth"], job["name"])
        res.update(stages=job["delay"]["depth"], registers=job["delay"]["width"] * job["delay"]["depth"])
        res["slack_unplaced_ns"] = res["slack_wire_ns"] = None
    else:
        nl = pipeline.Netlist(job["netlist"], job["top"], lib)
        margin = job["margin"]
        for _ in range(3):
            if job["role"] in PIPELINED_ROLES:
                plan = pipeline.pipeline(nl, job["period"], margin, wireload.wire_cap_pf, job["shared"])
                pn = pipeline.pipelined_pnet(nl, plan, f"{job['name']}_pipe", wireload.wire_cap_pf)
                res.update(stages=plan["stages"], registers=plan["registers"], cut=plan["method"],
                           cut_candidates=plan["candidates"], shared_registers=plan["shared_registers"])
            else:
                pn = pipeline.plain_pnet(nl, f"{job['name']}_seq")
                res.update(stages=None, registers=0)
            unplaced, wire = run_sta(pn, job["liberty"], job["wl_lib"], job["period"], work)
            res.update(slack_unplaced_ns=unplaced, slack_wire_ns=wire, margin_ns=margin)
            if job["role"] not in PIPELINED_ROLES or wire is None or wire >= 0:
                break
            margin += -wire + 0.1  # OpenSTA disagrees with the cut's timing: cut again with more margin
    pn.shared_ports = tuple(job.get("shared", ()))
    ge, reg_ge, shared_ge, n_regs = areas(pn, job["nand2"])
    res.update(ge=round(ge, 1), register_ge=round(reg_ge, 1), shared_ge=round(shared_ge, 1), latency=pn.latency,
               cells=len(pn.cells), leakage_nw=round(sum(lib.cell(t).leakage_nw for _, t, _ in pn.cells), 3))
    if job.get("sim") and job.get("harness"):
        sim_path = work / "unit.sim"
        ids = gatesim.write_sim(pn, sim_path)
        out = work / "toggles.json"
        proc = subprocess.run([job["harness"], str(sim_path), job["sim"], job["input"], str(out), str(job["cycles"])],
                              capture_output=True, text=True, timeout=3600)
        res["sim_log"] = (proc.stdout + proc.stderr).strip()[-400:]
        if proc.returncode != 0:
            res["sim_error"] = res["sim_log"]
        else:
            tog = json.loads(out.read_text())
            e = energy.energy(pn, ids, tog, job["voltage"], job["period"])
            res["checked"], res["mismatches"] = tog["checked"], tog["mismatches"]
            res["samples"] = tog["cycles_counted"] * tog["streams"]
            res["workload"] = tog.get("workload", {})
            lanes = job["lanes"]
            # Lane units: per element, the shared (scale) part once per beat; other units: per activation.
            res["energy_pj"] = {k: round(v[0] + (v[1] / lanes if job["role"] == "lane" else v[1]), 5)
                                for k, v in e.items()}
            res["energy_pj"]["total"] = round(sum(res["energy_pj"][k] for k in ("switching", "internal", "clock",
                                                                                "leakage")), 5)
            out.unlink()  # megabytes of counts: the energy is kept
    done.write_text(json.dumps(res, indent=1) + "\n")
    return res
