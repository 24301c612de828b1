#!/usr/bin/env python3
"""Hardware cost flow (`make cost`): Yosys + ABC against a Liberty file, OpenSTA for the unplaced arrival time.

Synthesizes every RTL module and every cost unit (rtl/cost/cost_units.sv) in several netlist read orders, then
composes the 32-lane quantizers of the comparison and writes docs/cost.md, docs/cost.csv and docs/cost.json.
The flow is the one of ../shared/notes/BUILD-NOTES.md, with `abc -fast` (the default ABC script needs more than
10 minutes per FP32 divider; -fast is within a few percent on the small units, see docs/cost.md).
"""
import argparse
import concurrent.futures as cf
import csv
import datetime
import gzip
import hashlib
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_LIBERTY = ROOT.parent / "shared" / "pdk" / "sky130_fd_sc_hd__tt_025C_1v80.lib.gz"
NAND2_CELL = "sky130_fd_sc_hd__nand2_1"
DFF_CELL = "sky130_fd_sc_hd__dfxtp_1"
LEVELS_PER_STAGE = 10

# name, top module, parameters, what it is. Modules of rtl/src are added automatically (default parameters).
UNITS = [
    ("cost_cs_lane", "cost_cs_lane", {}, "current-scaling lane: FP32 multiply + E4M3 convert"),
    ("cost_mx_lane", "cost_mx_lane", {}, "MXFP8 lane: multiply by 2^(127-c) + E4M3 convert"),
    ("cost_mor_tl_lane", "cost_mor_tl_lane", {}, "MoR tensor-level lane, canonical metric (2 dividers)"),
    ("cost_mor_tl_lane_dqtable", "cost_mor_tl_lane_dqtable", {},
     "MoR tensor-level lane, canonical metric, dequantize by the shared table (1 divider)"),
    ("cost_mor_tl_lane_prescale", "cost_mor_tl_lane_prescale", {}, "MoR tensor-level lane, PRESCALE metric"),
    ("cost_mor_tl_lane_binade", "cost_mor_tl_lane_binade", {}, "MoR tensor-level lane, BINADE metric"),
    ("cost_mor_tl_lane_nometric", "cost_mor_tl_lane_nometric", {}, "MoR tensor-level lane without the metric"),
    ("cost_mor_tl_lane_interval", "cost_mor_tl_lane_interval", {},
     "MoR tensor-level lane, interval metric (K = 6, no divider), FP32 inputs"),
    ("cost_mor_tl_lane_interval_bf16", "cost_mor_tl_lane_interval_bf16", {},
     "MoR tensor-level lane, interval metric (K = 6, no divider), BF16 inputs"),
    ("cost_cs_lane_bf16", "cost_cs_lane_bf16", {}, "current-scaling lane, BF16 inputs"),
    ("cost_mor_st_lane", "cost_mor_st_lane", {}, "MoR sub-tensor lane, dynamic-range mode, FP32 block scales"),
    ("cost_mor_st_lane_pow2", "cost_mor_st_lane_pow2", {},
     "MoR sub-tensor lane, dynamic-range mode, power-of-two (MOR_E8_RZ) block scales"),
    ("cost_mor_tl_lane_pow2_binade", "cost_mor_tl_lane_pow2_binade", {},
     "tensor-level lane with a power-of-two block scale and BINADE (a design change: not GAM)"),
    ("cost_mor_st_lane_qe", "cost_mor_st_lane_qe", {},
     "MoR sub-tensor lane, quant-error mode, dequantize by the shared table"),
    ("cost_beat_stats_amax", "cost_beat_stats", {"WHICH": 0}, "32-lane amax tree"),
    ("cost_beat_stats_tl", "cost_beat_stats", {"WHICH": 1}, "32-lane amax, NNZ and non-finite count"),
    ("cost_beat_stats_st", "cost_beat_stats", {"WHICH": 2}, "32-lane amax, smallest nonzero, non-finite count"),
    ("cost_amax_acc", "cost_amax_acc", {}, "running max register"),
    ("cost_cs_scale", "cost_cs_scale", {}, "TE scale RN32(448/amax), one divider"),
    ("cost_mx_scale", "cost_mx_scale", {}, "NV_RCEIL E8M0 block scale"),
    ("cost_gam_group", "cost_gam_group", {}, "GAM group step r_g = RN32(448/a_g)"),
    ("cost_err_acc", "cost_err_acc", {}, "32-lane error sum, 64-bit accumulator, decision compare"),
    ("cost_st_block", "cost_st_block", {}, "sub-tensor block decision: range divider + scale divider"),
]

# The composed quantizer whose lane is built the way mor_quantizer builds it (the engine's figure is compared with it).
ENGINE_LANE_FORM = "MoR tensor-level, GAM, canonical metric, dequantize table (bit-exact)"
# The 32-lane quantizers: per-lane unit, per-quantizer units (name -> count), passes over the tensor.
QUANTIZERS = [
    ("current scaling E4M3 (TE)", "cost_cs_lane", {"cost_beat_stats_amax": 1, "cost_amax_acc": 1, "cost_cs_scale": 1}, 2,
     "amax pass, then quantize pass"),
    ("MXFP8 (NV_RCEIL, 1x32 blocks)", "cost_mx_lane", {"cost_beat_stats_amax": 1, "cost_mx_scale": 1}, 1,
     "one block per beat"),
    ("MoR tensor-level, GAM, canonical metric", "cost_mor_tl_lane",
     {"cost_beat_stats_tl": 1, "cost_amax_acc": 1, "cost_gam_group": 1, "mor_gam_block_scale": 1, "cost_err_acc": 1}, 2,
     "statistics pass, then quantize + measure pass"),
    (ENGINE_LANE_FORM, "cost_mor_tl_lane_dqtable",
     {"cost_beat_stats_tl": 1, "cost_amax_acc": 1, "cost_gam_group": 1, "mor_gam_block_scale": 1, "cost_err_acc": 1,
      "mor_dequant_table": 1}, 2, "per-lane dequantize divider replaced by one table of 8 quotients"),
    ("MoR tensor-level, GAM comparators, canonical metric", "cost_mor_tl_lane",
     {"cost_beat_stats_tl": 1, "cost_amax_acc": 1, "cost_gam_group": 1, "mor_gam_offset_cmp": 1, "cost_err_acc": 1}, 2,
     "as above, per-block divider replaced"),
    ("MoR tensor-level, GAM comparators, PRESCALE metric", "cost_mor_tl_lane_prescale",
     {"cost_beat_stats_tl": 1, "cost_amax_acc": 1, "cost_gam_group": 1, "mor_gam_offset_cmp": 1, "cost_err_acc": 1}, 2,
     "one divider per lane"),
    ("MoR tensor-level, GAM comparators, BINADE metric", "cost_mor_tl_lane_binade",
     {"cost_beat_stats_tl": 1, "cost_amax_acc": 1, "cost_gam_group": 1, "mor_gam_offset_cmp": 1, "cost_err_acc": 1}, 2,
     "no divider per lane"),
    ("MoR tensor-level, GAM comparators, interval metric (exact decisions)", "cost_mor_tl_lane_interval",
     {"cost_beat_stats_tl": 1, "cost_amax_acc": 1, "cost_gam_group": 1, "mor_gam_offset_cmp": 1, "cost_err_acc": 2}, 2,
     "no divider per lane; two bound sums; an undecided tensor needs a third, exact pass (shared divider not counted)"),
    ("MoR sub-tensor, dynamic-range mode, E8 scales (default)", "cost_mor_st_lane_pow2",
     {"cost_beat_stats_st": 1, "cost_amax_acc": 2, "cost_st_block": 1}, 1, "block buffers (memory, not counted)"),
    ("MoR sub-tensor, dynamic-range mode, FP32 scales", "cost_mor_st_lane",
     {"cost_beat_stats_st": 1, "cost_amax_acc": 2, "cost_st_block": 1}, 1, "block buffers (memory, not counted)"),
    ("MoR sub-tensor, quant-error mode", "cost_mor_st_lane_qe",
     {"cost_beat_stats_st": 1, "cost_amax_acc": 2, "cost_st_block": 1, "cost_err_acc": 1, "mor_dequant_table": 1}, 1,
     "+2 buffer reads per quant-error block"),
]
# Not the spec: what the area goal would take (docs/cost-analysis.md).
QUANTIZERS.append(
    ("[design change] tensor-level, power-of-two block scales, BINADE, amax supplied", "cost_mor_tl_lane_pow2_binade",
     {"cost_beat_stats_tl": 1, "cost_mx_scale": 1, "cost_err_acc": 1}, 1,
     "one pass: group amax from the producer; block scale as an E8M0 exponent"))
BASELINE = "MXFP8 (NV_RCEIL, 1x32 blocks)"


def package_ints():
    """The contract's integer constants (ENGINE_LANES, ...) from the generated package rtl/include/mor_pkg.sv."""
    text = (ROOT / "rtl" / "include" / "mor_pkg.sv").read_text()
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"localparam int (\w+) = (\d+);", text)}


CONTRACT = package_ints()
LANES = CONTRACT["ENGINE_LANES"]


def log(msg):
    print(f"[cost] {msg}", file=sys.stderr, flush=True)


def tool_versions():
    versions = {}
    for pkg in ("yosys", "berkeley-abc", "opensta"):
        try:
            out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True)
            versions[pkg] = out.stdout.strip() or "not installed"
        except FileNotFoundError:
            versions[pkg] = "unknown"
    try:
        versions["yosys -V"] = subprocess.run(["yosys", "-V"], capture_output=True, text=True).stdout.strip()
    except FileNotFoundError:
        versions["yosys -V"] = "not found"
    return versions


def liberty_facts(lib_text):
    """NAND2 and DFF areas and the operating corner of a Liberty file."""
    def cell_area(name):
        m = re.search(r'cell\s*\(\s*"?%s"?\s*\)\s*\{.*?area\s*:\s*([0-9.]+)' % re.escape(name), lib_text, re.S)
        return float(m.group(1)) if m else None
    facts = {"nand2_area": cell_area(NAND2_CELL), "dff_area": cell_area(DFF_CELL)}
    for key in ("nom_process", "nom_voltage", "nom_temperature"):
        m = re.search(r"%s\s*:\s*([0-9.eE+-]+)" % key, lib_text)
        facts[key] = m.group(1) if m else "?"
    m = re.search(r"library\s*\(\s*\"?([A-Za-z0-9_]+)", lib_text)
    facts["library"] = m.group(1) if m else "?"
    return facts


def liberty_icg(lib_text):
    """The smallest integrated clock-gating cell of a Liberty file (latch_posedge, no test pin): (name, clock pin,
    enable pin, gated clock pin), or None."""
    best = None
    starts = [m.start() for m in re.finditer(r'\n\s*cell\s*\(', lib_text)] + [len(lib_text)]
    for a, b in zip(starts, starts[1:]):
        cell = lib_text[a:b]
        if not re.search(r'clock_gating_integrated_cell\s*:\s*"latch_posedge"', cell) or "clock_gate_test_pin" in cell:
            continue
        pins = {}
        for role in ("clock", "enable", "out"):
            m = re.search(r'pin\s*\(\s*"?(\w+)"?\s*\)\s*\{[^{}]*?clock_gate_%s_pin\s*:\s*"?true' % role, cell)
            if m:
                pins[role] = m.group(1)
        name = re.search(r'cell\s*\(\s*"?(\w+)"?', cell).group(1)
        area = re.search(r'\barea\s*:\s*([0-9.]+)', cell)
        if len(pins) == 3 and area and (best is None or float(area.group(1)) < best[0]):
            best = (float(area.group(1)), name, pins["clock"], pins["enable"], pins["out"])
    return best[1:] if best else None


def write_if_changed(path, text):
    """Rewrites a generated input only when its content changed (the Liberty copy is megabytes)."""
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)


def icg_wrapper(icg):
    """mor_clock_gate as the library's clock-gating cell: synthesis would otherwise leave its latch unmapped (Yosys
    0.23 maps no latches to Liberty cells) and count no area for it."""
    name, clk, en, out = icg
    return ("// Written by rtl/cost/run_cost.py: rtl/src/mor_clock_gate.sv as the Liberty file's clock-gating cell.\n"
            "module mor_clock_gate (input clk, input enable, output gclk);\n"
            f"  {name} icg (.{clk}(clk), .{en}(enable), .{out}(gclk));\n"
            "endmodule\n")


ENGINE = "mor_quantizer"
# Units of the engine costed only inside it (the hierarchical engine run): alone and flattened they would hold the
# engine's memories as flip-flops, or its 32 lanes flat.
ENGINE_PARTS = {"mor_element_pipe", "mor_subtensor_ctrl", "mor_tensor_ctrl"}
# The contract package: read first in every order (modules name it as mor_pkg::).
PACKAGE = ROOT / "rtl" / "include" / "mor_pkg.sv"


def yosys_script(top, params, files, liberty, workdir):
    """Units are flattened and mapped whole. The engine keeps its hierarchy (each lane module is mapped once, which
    is what lets the 32-lane engine fit in a few hundred MB) and its two memories stay memories: `synth` stops
    before memory_map, and the $mem_v2 cells have no area in the Liberty file, so the GE are logic and registers
    only and the memory bits are reported beside them (in silicon they are SRAM macros)."""
    engine = top == ENGINE
    # The engine is read with -defer so chparam can size it before elaboration. Everything else is elaborated as
    # read, so the read order reaches the netlist (and the spread).
    files = [f for f in files if engine or Path(f).stem != ENGINE]
    lines = [f"read_liberty -lib {liberty}"] if liberty else []  # its cells may be instantiated (the ICG)
    lines += [f"read_verilog {'-defer ' if engine else ''}-sv -I{ROOT / 'rtl' / 'include'} " +
              " ".join(str(f) for f in files)]
    if params:
        sets = " ".join(f"-set {k} {v}" for k, v in params.items())
        lines.append(f"chparam {sets} " + (f"$abstract\\{top}" if engine else top))
    lines.append(f"hierarchy -check -top {top}")
    if engine:
        lines += [f"synth -noshare -top {top} -run begin:fine", "opt -fast -full", "techmap", "opt -fast",
                  f"tee -q -o {workdir}/mems.txt select -list t:$mem_v2"]
    else:
        lines.append(f"synth -flatten -noshare -top {top}")
    # Depth is taken before dfflibmap: ltp -noff recognizes Yosys' own flip-flop cells, not the library's, and
    # would otherwise follow paths through the registers. The engine's depth needs one flat copy of the design.
    depth = ([f"design -save mapped", "flatten", f"tee -q -o {workdir}/ltp.txt ltp -noff", "design -load mapped"]
             if engine else [f"tee -q -o {workdir}/ltp.txt ltp -noff"])
    top_opt = f" -top {top}" if engine else ""
    if liberty:
        lines += [f"abc -fast -liberty {liberty}", "opt_clean -purge", *depth,
                  f"dfflibmap -liberty {liberty}", "opt_clean -purge",
                  f"tee -q -o {workdir}/stat.txt stat -liberty {liberty}{top_opt}"]
        if not engine:  # OpenSTA reads the flat netlist; the engine's memories are not library cells
            lines += ["splitnets -ports", f"write_verilog -noexpr -noattr -simple-lhs {workdir}/netlist.v"]
    else:
        lines += ["abc -fast -g AND,NAND,OR,NOR,XOR,XNOR,ANDNOT,ORNOT,MUX", "opt_clean -purge",
                  f"tee -q -o {workdir}/stat.txt stat{top_opt}", *depth]
    return "\n".join(lines) + "\n"


def engine_memory_bits(params):
    """Bits of the engine's two memories at these parameters: two block buffers of BEATS_MAX beats of LANES x 32
    bits (rtl/src/mor_subtensor_ctrl.sv), and MAX_BLOCKS 32-bit block amax values (rtl/src/mor_tensor_ctrl.sv)."""
    lanes = params.get("LANES", CONTRACT["ENGINE_LANES"])
    beats = params.get("BEATS_MAX", CONTRACT["ENGINE_BLOCK_BEATS_MAX"])
    blocks = params.get("MAX_BLOCKS", CONTRACT["ENGINE_MAX_BLOCKS"])
    return {"block_buffers": 2 * beats * lanes * 32, "block_amax": blocks * 32}


def parse_stat(text, liberty):
    # A hierarchical report (stat -top) ends with the totals of the whole design: read only that part.
    if "=== design hierarchy ===" in text:
        text = text[text.index("=== design hierarchy ==="):]
    cells = {}
    in_cells = False
    for line in text.splitlines():
        m = re.match(r"\s+Number of cells:\s+(\d+)", line)
        if m:
            in_cells = True
            total = int(m.group(1))
            continue
        if in_cells:
            m = re.match(r"\s+(\S+)\s+(\d+)\s*$", line)
            if m:
                cells[m.group(1)] = int(m.group(2))
            elif line.strip() == "":
                if cells:
                    in_cells = False
    area = None
    m = (re.search(r"Chip area for top module '[^']*':\s+([0-9.]+)", text) or
         re.search(r"Chip area for module '[^']*':\s+([0-9.]+)", text))
    if m:
        area = float(m.group(1))
    flops = sum(n for c, n in cells.items() if re.search(r"__(dfx|dfr|dfs|dfb|edf|sdf|dl)|\$_(S?DFF|DLATCH)", c))
    return {"cells": sum(cells.values()), "flops": flops, "area": area, "cell_types": cells}


def parse_ltp(text):
    m = re.search(r"\(length=(\d+)\)", text)
    return int(m.group(1)) if m else None


def run_sta(top, workdir, liberty):
    if not shutil.which("sta"):
        return None
    script = Path(workdir) / "sta.tcl"
    script.write_text(
        f"read_liberty {liberty}\nread_verilog {workdir}/netlist.v\nlink_design {top}\n"
        "if {[llength [get_ports -quiet clk]]} { create_clock -name vclk -period 1000 [get_ports clk] "
        "} else { create_clock -name vclk -period 1000 }\n"
        "set_input_delay 0 -clock vclk [delete_from_list [all_inputs] [get_ports -quiet clk]]\n"
        "set_output_delay 0 -clock vclk [all_outputs]\n"
        "report_checks -path_delay max -digits 3\nexit\n")
    out = subprocess.run(["sta", "-no_splash", "-exit", str(script)], capture_output=True, text=True, timeout=600)
    m = re.search(r"([0-9.]+)\s+data arrival time", out.stdout)
    return float(m.group(1)) if m else None


def synth_one(name, top, params, files, liberty, order_index, work_root):
    """One Yosys run in work_root/NAME.ORDER; a finished run with the same script is reused (resumable flow)."""
    workdir = Path(work_root) / f"{name}.{order_index}"
    workdir.mkdir(parents=True, exist_ok=True)
    # The sources' contents are part of the key: an edited RTL file must not reuse an old run.
    inputs = list(files) + ([liberty] if liberty else [])
    digest = hashlib.sha256(b"".join(Path(f).read_bytes() for f in inputs)).hexdigest()
    script = f"# sources sha256 {digest}\n" + yosys_script(top, params, files, liberty, workdir)
    done = workdir / "done"
    if not (done.is_file() and (workdir / "run.ys").is_file() and (workdir / "run.ys").read_text() == script):
        done.unlink(missing_ok=True)
        (workdir / "run.ys").write_text(script)
        try:
            proc = subprocess.run(["yosys", "-q", "-l", str(workdir / "yosys.log"), "-s", str(workdir / "run.ys")],
                                  capture_output=True, text=True, timeout=1800)
        except subprocess.TimeoutExpired:
            return {"error": "yosys took more than 30 minutes"}
        if proc.returncode != 0:
            reason = "killed (out of memory?)" if proc.returncode < 0 else f"exit {proc.returncode}"
            return {"error": f"yosys {reason}: {proc.stderr.strip()[-300:]}"}
        done.write_text("ok\n")
    stat = parse_stat((workdir / "stat.txt").read_text(), liberty)
    depth = parse_ltp((workdir / "ltp.txt").read_text())
    arrival = run_sta(top, workdir, liberty) if liberty and order_index == 0 and top != ENGINE else None
    mems = workdir / "mems.txt"
    memories = len([l for l in mems.read_text().splitlines() if "/" in l]) if mems.is_file() else 0  # module/memory
    return {"stat": stat, "depth": depth, "arrival_ns": arrival, "memories": memories}


def read_orders(files, count):
    """`count` orders of the module files, each after the package."""
    orders = [list(files), list(reversed(files))]
    rng = random.Random(20261201)
    while len(orders) < count:
        shuffled = list(files)
        rng.shuffle(shuffled)
        orders.append(shuffled)
    return [[PACKAGE] + order for order in orders[:count]]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--liberty", default=os.environ.get("LIBERTY", str(DEFAULT_LIBERTY)),
                    help="Liberty file (.lib or .lib.gz); 'none' for technology-independent counts "
                         "(default: %(default)s, or $LIBERTY)")
    ap.add_argument("--orders", type=int, default=3, help="netlist read orders per unit (default 3)")
    ap.add_argument("--jobs", type=int, default=max(1, os.cpu_count() or 1), help="parallel Yosys runs")
    ap.add_argument("--out", default=str(ROOT / "docs"), help="folder for cost.md, cost.csv, cost.json")
    ap.add_argument("--agreement", default="",
                    help="JSON written by mor-metric-agreement --json (decision agreement of the metric variants)")
    ap.add_argument("--only", default="", help="regular expression: synthesize only matching names (testing)")
    ap.add_argument("--work", default=str(ROOT / "build" / "cost-work"),
                    help="Yosys work folders; finished runs with an unchanged script are reused (default %(default)s)")
    args = ap.parse_args()
    if args.orders < 1 or args.jobs < 1:
        ap.error("--orders and --jobs must be at least 1")
    if not shutil.which("yosys"):
        sys.exit("cost: yosys not found (run `make deps` as root, or apt-get install yosys berkeley-abc opensta)")

    Path(args.work).mkdir(parents=True, exist_ok=True)
    liberty = None
    facts = {}
    icg = None
    if args.liberty.lower() != "none":
        src = Path(args.liberty)
        if not src.is_file():
            sys.exit(f"cost: Liberty file {src} not found (set LIBERTY=... or LIBERTY=none for "
                     "technology-independent counts)")
        liberty = Path(args.work) / "cells.lib"  # a fixed path keeps the Yosys scripts (and the reuse) stable
        opener = gzip.open if src.suffix == ".gz" else open
        with opener(src, "rt") as fin:
            text = fin.read()
        write_if_changed(liberty, text)
        facts = liberty_facts(text)
        icg = liberty_icg(text)
        if not facts["nand2_area"]:
            sys.exit(f"cost: {src} has no {NAND2_CELL}; gate equivalents need it")
        facts["file"] = src.name
    else:
        log("no Liberty file: technology-independent gate counts only (no area, no arrival time)")

    sources = sorted((ROOT / "rtl" / "src").glob("*.sv"))
    files = sources + [ROOT / "rtl" / "cost" / "cost_units.sv"]
    if icg:
        wrapper = Path(args.work) / "mor_clock_gate_icg.v"
        write_if_changed(wrapper, icg_wrapper(icg))
        files = [wrapper if Path(f).stem == "mor_clock_gate" else f for f in files]
        facts["icg_cell"] = icg[0]
        log(f"clock gate mapped to the Liberty cell {icg[0]}")
    elif liberty:
        log("the Liberty file has no integrated clock-gating cell: mor_clock_gate's latch is not in the area")
    targets = [(p.stem, p.stem, {}, "rtl/src module") for p in sources
               if p.stem != ENGINE and p.stem not in ENGINE_PARTS]
    # The whole engine, default parameters (32 lanes, both modes), hierarchical, memories kept as memories.
    targets.append((ENGINE, ENGINE, {}, "the whole engine: 32 lanes, tensor-level and sub-tensor modes, control, "
                    "FIFOs, pipeline registers (memories not in GE)"))
    targets += UNITS
    if args.only:
        targets = [t for t in targets if re.search(args.only, t[0])]
    orders = read_orders(files, args.orders)
    Path(args.work).mkdir(parents=True, exist_ok=True)

    jobs = {}
    results = {}
    with cf.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for name, top, params, what in targets:
            for oi, order in enumerate(orders):
                jobs[pool.submit(synth_one, name, top, params, order, liberty, oi, args.work)] = (name, oi)
        done = 0
        for fut in cf.as_completed(jobs):
            name, oi = jobs[fut]
            results.setdefault(name, {})[oi] = fut.result()
            done += 1
            err = results[name][oi].get("error")
            log(f"{done}/{len(jobs)} {name} order {oi}" + (f": FAILED {err}" if err else ""))

    nand2 = facts.get("nand2_area")
    rows = []
    failures = []
    for name, top, params, what in targets:
        runs = [results[name][oi] for oi in sorted(results[name]) if "error" not in results[name][oi]]
        if not runs:
            failures.append({"name": name, "what": what, "error": results[name][0]["error"]})
            continue
        areas = [r["stat"]["area"] for r in runs if r["stat"]["area"] is not None]
        if (nand2 and len(areas) != len(runs)) or runs[0]["depth"] is None or runs[0]["stat"]["cells"] == 0:
            failures.append({"name": name, "what": what, "error": "no area, depth or cells in the Yosys reports"})
            continue
        first = runs[0]
        # Without a Liberty file the size measure is the generic-gate cell count (technology independent).
        ge = [a / nand2 for a in areas] if nand2 else [float(r["stat"]["cells"]) for r in runs]
        rows.append({
            "name": name, "top": top, "params": params, "what": what,
            "ge": round(ge[0], 1) if ge else None,
            "ge_min": round(min(ge), 1) if ge else None, "ge_max": round(max(ge), 1) if ge else None,
            "spread_pct": round(100 * (max(ge) - min(ge)) / min(ge), 2) if ge else None,
            "cells": first["stat"]["cells"], "flops": first["stat"]["flops"], "depth": first["depth"],
            "arrival_ns": first["arrival_ns"],
            "stages": math.ceil(first["depth"] / LEVELS_PER_STAGE) if first["depth"] else 1,
        })
        if top == ENGINE:
            rows[-1]["memory_cells"] = first.get("memories", 0)
            rows[-1]["memory_bits"] = engine_memory_bits(params)
    by_name = {r["name"]: r for r in rows}
    dff_ge = facts["dff_area"] / nand2 if nand2 and facts.get("dff_area") else None

    quantizers = []
    for qname, lane, shared, passes, note in QUANTIZERS:
        needed = [lane] + list(shared)
        if any(n not in by_name for n in needed):
            continue
        metric = "ge"
        lane_ge = by_name[lane][metric]
        shared_ge = sum(by_name[n][metric] * c for n, c in shared.items())
        total = LANES * lane_ge + shared_ge
        lo = LANES * by_name[lane]["ge_min"] + sum(by_name[n]["ge_min"] * c for n, c in shared.items())
        hi = LANES * by_name[lane]["ge_max"] + sum(by_name[n]["ge_max"] * c for n, c in shared.items())
        quantizers.append({
            "name": qname, "lane": lane, "shared": shared, "passes": passes, "note": note,
            "total": round(total, 1), "total_min": round(lo, 1), "total_max": round(hi, 1),
            "per_lane": round(total / LANES, 1),
            "per_elem_per_cycle": round(total / (LANES / passes), 1),
            "lane_share_pct": round(100 * LANES * lane_ge / total, 1),
            "lane_stages": by_name[lane]["stages"], "lane_depth": by_name[lane]["depth"],
        })
    base = next((q for q in quantizers if q["name"] == BASELINE), None)
    for q in quantizers:
        q["ratio_vs_mxfp8"] = round(q["total"] / base["total"], 2) if base else None
        q["ratio_per_elem_vs_mxfp8"] = round(q["per_elem_per_cycle"] / base["per_elem_per_cycle"], 2) if base else None

    agreement = None
    if args.agreement and Path(args.agreement).is_file():
        agreement = json.loads(Path(args.agreement).read_text())

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        "date": datetime.date.today().isoformat(), "liberty": facts.get("file", "none"),
        "library": facts.get("library"), "corner": {k: facts.get(k) for k in ("nom_process", "nom_voltage",
                                                                             "nom_temperature")},
        "nand2_area_um2": nand2, "dff_ge": round(dff_ge, 2) if dff_ge else None, "versions": tool_versions(),
        "flow": "read_verilog -sv (read order varied; the engine with -defer); synth -flatten -noshare (the SAT-based share pass needs more than 24 GB on the tensor-level lanes); abc -fast -liberty; "
                "ltp -noff; dfflibmap; opt_clean -purge; stat -liberty; OpenSTA report_checks (unplaced, no wire load). "
                "The engine: synth -noshare -run begin:fine (hierarchy kept, memories not mapped), techmap, the same "
                "ABC and dfflibmap, stat -liberty -top; depth on a flattened copy; no OpenSTA. mor_clock_gate is the "
                "Liberty file's integrated clock-gating cell" + (f" ({icg[0]})" if icg else " (none in this Liberty file: "
                "its latch has no area)" if liberty else " (no Liberty file: its latch is one cell)"),
        "read_orders": args.orders, "lanes": LANES, "levels_per_stage": LEVELS_PER_STAGE,
        # Paths relative to the checkout, so the report names no machine's folders.
        "command": "make cost   (python3 rtl/cost/run_cost.py " + " ".join(sys.argv[1:]).replace(str(ROOT) + "/", "") + ")",
    }
    (out / "cost.json").write_text(json.dumps({"meta": meta, "units": rows, "quantizers": quantizers,
                                               "metric_agreement": agreement, "failures": failures},
                                              indent=2) + "\n")
    with open(out / "cost.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["kind", "name", "ge", "ge_min", "ge_max", "spread_pct", "cells", "flops", "depth_cells",
                    "arrival_ns", "stages_at_10_levels", "ge_per_lane", "ge_per_elem_per_cycle", "ratio_vs_mxfp8"])
        for r in rows:
            w.writerow(["unit", r["name"], r["ge"], r["ge_min"], r["ge_max"], r["spread_pct"], r["cells"], r["flops"],
                        r["depth"], r["arrival_ns"], r["stages"], "", "", ""])
        for q in quantizers:
            w.writerow(["quantizer", q["name"], q["total"], q["total_min"], q["total_max"], "", "", "", "", "", "",
                        q["per_lane"], q["per_elem_per_cycle"], q["ratio_vs_mxfp8"]])
    write_markdown(out / "cost.md", meta, rows, quantizers, agreement, by_name)
    log(f"wrote {out / 'cost.md'}, {out / 'cost.csv'}, {out / 'cost.json'}")
    if failures:
        for f in failures:
            log(f"FAILED {f['name']}: {f['error']}")
        sys.exit(1)


def fmt(v, digits=0):
    if v is None:
        return "n/a"
    return f"{v:,.{digits}f}"


def write_markdown(path, meta, rows, quantizers, agreement, by_name):
    unit = "GE" if meta["nand2_area_um2"] else "generic cells"
    lines = ["# Hardware cost of MoR next to the quantizers it replaces", "",
             "GENERATED by `make cost` (rtl/cost/run_cost.py) from the RTL in rtl/src and the cost units in "
             "rtl/cost/cost_units.sv. Do not edit: rerun. Analysis and conclusions: docs/cost-analysis.md.", "",
             f"- Date: {meta['date']}; command: `{meta['command']}`",
             f"- Library: {meta['liberty']} ({meta['library']}), corner process {meta['corner']['nom_process']}, "
             f"{meta['corner']['nom_voltage']} V, {meta['corner']['nom_temperature']} C; "
             f"GE = area / area of {NAND2_CELL} ({meta['nand2_area_um2']} um^2); one {DFF_CELL} = "
             f"{meta['dff_ge']} GE",
             ("" if meta["nand2_area_um2"] else "- **No Liberty file: technology-independent counts** (ABC onto "
              "AND/NAND/OR/NOR/XOR/XNOR/ANDNOT/ORNOT/MUX; no area, no timing). Set LIBERTY for gate equivalents.\n") +
             f"- Tools: " + "; ".join(f"{k} {v}" for k, v in meta["versions"].items()),
             f"- Flow: {meta['flow']}",
             f"- Spread: each unit synthesized in {meta['read_orders']} file read orders (sorted, reversed, "
             "shuffled); GE is the sorted-order figure, min-max beside it.",
             f"- Depth: cells on the longest path (`ltp -noff`); stages = ceil(depth / "
             f"{meta['levels_per_stage']}). Arrival: OpenSTA, unplaced, inputs at t=0.", ""]
    lines += ["## Quantizers at %d lanes (one element per lane per cycle)" % meta["lanes"], "",
              "Composed from the units below: lanes x lane unit + the per-quantizer units (amax, scale, metric). "
              "Pipeline registers and memories are not in the totals (see the stage column and docs/cost-analysis.md).",
              "",
              f"| quantizer | total {unit} (min-max) | {unit}/lane | passes | {unit} per elem/cycle | lane share | "
              f"lane depth | lane stages | x MXFP8 (area) | x MXFP8 (per elem/cycle) |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for q in quantizers:
        lines.append(f"| {q['name']} | {fmt(q['total'])} ({fmt(q['total_min'])}-{fmt(q['total_max'])}) | "
                     f"{fmt(q['per_lane'])} | {q['passes']} | {fmt(q['per_elem_per_cycle'])} | "
                     f"{q['lane_share_pct']}% | {q['lane_depth']} | {q['lane_stages']} | {q['ratio_vs_mxfp8']} | "
                     f"{q['ratio_per_elem_vs_mxfp8']} |")
    lines += ["", "Passes: tensor-level designs (and per-tensor current scaling) need the tensor amax before they "
              "can quantize, so the tensor streams through twice; per (element/cycle) divides by LANES/passes.", ""]
    eng = by_name.get(ENGINE)
    if eng:
        qs = {q["name"]: q for q in quantizers}
        tl = qs.get(ENGINE_LANE_FORM)
        mx = qs.get(BASELINE)
        mb = eng.get("memory_bits", {})
        lines += ["## The whole engine, synthesized (`mor_quantizer`, default parameters)", "",
                  "One design with both MoR modes: 32 lanes (multiply, E4M3/E5M2 converters, dequantize step, error "
                  "lane) with one shared dequantize table, the GAM scale unit, the sub-tensor decision dividers, "
                  "control, FIFOs and pipeline registers. Synthesized as one hierarchy (each lane module mapped "
                  "once); the two memories are kept as memories and are not in the GE.", "",
                  f"| {unit} (min-max) | cells | flops | depth | memories | memory bits |", "|---|---|---|---|---|---|",
                  f"| {fmt(eng['ge'])} ({fmt(eng['ge_min'])}-{fmt(eng['ge_max'])}) | {eng['cells']:,} | "
                  f"{eng['flops']:,} | {eng['depth']} | {eng.get('memory_cells', 'n/a')} | "
                  f"{mb.get('block_buffers', 0):,} (2 block buffers) + {mb.get('block_amax', 0):,} (block amax) |", ""]
        if tl and mx and eng["ge"]:
            lines += [f"Against the composed figures above: {eng['ge'] / tl['total']:.2f}x the tensor-level "
                      f"canonical quantizer with the dequantize table ({fmt(tl['total'])}) and "
                      f"{eng['ge'] / mx['total']:.1f}x MXFP8 "
                      f"({fmt(mx['total'])}); the difference is the sub-tensor mode's block dividers, the "
                      "block-buffer read multiplexers, the pipeline and FIFO registers and the control.", ""]
    if agreement and "agreement" in agreement:
        a = agreement["agreement"]
        lanes = {"prescale": "cost_mor_tl_lane_prescale", "binade": "cost_mor_tl_lane_binade",
                 "binade_fitted": "cost_mor_tl_lane_binade"}
        canon = by_name.get("cost_mor_tl_lane", {}).get("ge")
        lines += ["## Error-metric variants: lane cost and decision agreement with the canonical metric", "",
                  "Decisions from `mor-metric-agreement --json` (bench/metric_agreement.cpp): the built-in workload, "
                  f"thresholds {agreement['thresholds'][0]} ... {agreement['thresholds'][-1]} "
                  f"({len(agreement['thresholds'])} values); 'metric-decided' leaves out the tensors that rules D2 "
                  "(non-finite) and D6 (all zero) decide.", "",
                  f"| metric | lane {unit} | x canonical lane | agree, metric-decided pairs | agree, all pairs |",
                  "|---|---|---|---|---|",
                  f"| canonical (2 dividers) | {fmt(canon)} | 1.0 | {a['pairs_evaluated']}/{a['pairs_evaluated']} | "
                  f"{a['pairs_all']}/{a['pairs_all']} |"]
        for key, label in (("prescale", "PRESCALE (1 divider)"), ("binade", "BINADE (no divider)"),
                           ("binade_fitted", "BINADE, threshold x %s (fitted on this data)" %
                            a.get("binade_fitted", {}).get("factor", "?"))):
            if key not in a:
                continue
            ge = by_name.get(lanes[key], {}).get("ge")
            ratio = f"{ge / canon:.2f}" if ge and canon else "n/a"
            lines.append(f"| {label} | {fmt(ge)} | {ratio} | {a[key]['evaluated']}/{a['pairs_evaluated']} | "
                         f"{a[key]['all']}/{a['pairs_all']} |")
        lines.append("")
    lines += ["## Every unit", "",
              f"| unit | what | {unit} | min-max | spread | cells | flops | depth | arrival ns | stages |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['name']} | {r['what']} | {fmt(r['ge'])} | {fmt(r['ge_min'])}-{fmt(r['ge_max'])} | "
                     f"{fmt(r['spread_pct'], 1)}% | {r['cells']} | {r['flops']} | {r['depth']} | "
                     f"{fmt(r['arrival_ns'], 2)} | {r['stages']} |")
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
