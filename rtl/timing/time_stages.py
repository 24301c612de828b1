#!/usr/bin/env python3
"""Worst slack of every pipeline stage of the engine at the clock target (issue 17; docs/ENGINE.md "Timing").

Each stage module (and the control units) is synthesized on its own with Yosys + ABC against the SKY130 HD Liberty
(tt_025C_1v80), its high-fanout nets are buffered (buffer_netlist.py: a fanout-8 buffer tree, what a place-and-route
flow adds first) and OpenSTA reports the worst setup slack at the given period with every input arriving at the
clock edge and every output required at the next (registers on both sides: the stage's registers are in the
module, or in the stage next to it). No wire load: the margin is stated beside the figures. Memories (the block
buffers) are SRAM macros: black boxes here. The whole-engine run is `make cost` (rtl/cost, another flow).

usage: time_stages.py [--period 10] [--only REGEX] [--flow delay|fast] [--jobs 2] [--json FILE]
"""
import argparse
import concurrent.futures as cf
import gzip
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIBERTY = ROOT.parent / "shared" / "pdk" / "sky130_fd_sc_hd__tt_025C_1v80.lib.gz"
NAND2_AREA = 3.7536  # sky130_fd_sc_hd__nand2_1, um^2: one gate equivalent

# (name, top module, parameters, what[, paths: "to_regs" = into its registers only, "from_regs" = out of them])
STAGES = [
    ("lane X->M1", "mor_lane_mul_a", {}, "stage X to M1: significand product, leading zeros, exponent"),
    ("lane M1->M2", "mor_lane_mul_b", {}, "M1 to M2: normalize, round to FP32 (y)"),
    ("lane M2->C", "t_stage_cvt", {}, "M2 to C: E4M3 and E5M2 codes, the beat's format"),
    ("lane C->IA", "t_stage_ia", {}, "C to IA: decode, interval stage A (classify, distance, tables)", "to_regs"),
    ("lane IA->IB", "t_stage_ia", {}, "IA to IB: interval stage B (the products, the bounds)", "from_regs"),
    ("lane (all stages)", "mor_lane", {}, "one lane with its registers, every stage above"),
    ("beat sums IB->IS", "t_stage_sums", {}, "IB to IS: 2 x 32-input sums (the 64-bit adds are the decision unit's)"),
    ("statistics", "mor_stats_unit", {}, "T1, T2, T3 (32 lanes)"),
    ("divider", "mor_div_unit", {}, "the shared iterative divider, arbiter, unpack, rounding"),
    ("fallback unit", "mor_fallback_unit", {}, "dequantize table, subtract pipe, element select"),
    ("decision unit", "mor_decision_unit", {}, "accumulators, T_fx * NNZ, verdicts"),
    ("tensor-level control", "mor_tensor_ctrl", {}, "passes, metadata FIFOs, GAM comparators, thresholds"),
    ("sub-tensor control", "mor_subtensor_ctrl", {}, "buffers (SRAM black boxes), band comparators, drain"),
    ("element pipe control", "mor_element_pipe", {"LANES": 16}, "the stages' handshakes, gates, code skid, sums"),
]

TEST_TOPS = """
module t_stage_cvt (input logic [31:0] y, input logic e5m2, output logic [7:0] code);
  logic [7:0] q4, q5;
  mor_lane_cvt #(.FMT(mor_pkg::FMT_E4M3)) c4 (.y(y), .code(q4));
  mor_lane_cvt #(.FMT(mor_pkg::FMT_E5M2)) c5 (.y(y), .code(q5));
  assign code = e5m2 ? q5 : q4;
endmodule
module t_stage_ia (input logic clk, input logic [7:0] code, input logic e5m2, input logic [31:0] x, y,
                   output logic [25:0] lo, hi);
  logic [31:0] q4, q5;
  mor_cvt_fp8_to_f32 #(.FMT(mor_pkg::FMT_E4M3)) d4 (.code(code), .f32(q4));
  mor_cvt_fp8_to_f32 #(.FMT(mor_pkg::FMT_E5M2)) d5 (.code(code), .f32(q5));
  mor_error_lane_interval #(.K(mor_pkg::ENGINE_INTERVAL_K), .STAGES(1)) l (.clk(clk), .x(x), .y(y),
      .q_f32(e5m2 ? q5 : q4), .e_lo(lo), .e_hi(hi));
endmodule
module t_stage_sums (input logic [32*26-1:0] lo, hi, output logic [30:0] sum_lo, sum_hi);
  always_comb begin
    sum_lo = '0;
    sum_hi = '0;
    for (int i = 0; i < 32; i++) begin
      sum_lo = sum_lo + 31'(lo[26*i +: 26]);
      sum_hi = sum_hi + 31'(hi[26*i +: 26]);
    end
  end
endmodule
(* blackbox *)
module mor_sram_1rw #(parameter int WIDTH = 32, parameter int DEPTH = 512, localparam int AW = $clog2(DEPTH)) (
  input logic clk, input logic ce, input logic we, input logic [AW-1:0] addr, input logic [WIDTH-1:0] wdata,
  output logic [WIDTH-1:0] rdata);
endmodule
"""
FLOWS = {
    # the cost flow's mapping (rtl/cost/run_cost.py): fast, area-oriented, no buffering
    "fast": "-fast",
    # delay-oriented mapping with ABC's buffering and sizing of the logic it maps
    "delay": "-script +strash;dch;map,-D,{ps};buffer,-N,8;upsize,-D,{ps};dnsize,-D,{ps};stime,-p",
}


def run_one(name, top, params, work, lib, period, flow, paths=""):
    w = work / re.sub(r"\W+", "_", name)
    w.mkdir(parents=True, exist_ok=True)
    srcs = [ROOT / "rtl" / "include" / "mor_pkg.sv"]
    srcs += [p for p in sorted((ROOT / "rtl" / "src").glob("*.sv")) if p.stem not in ("mor_clock_gate", "mor_sram_1rw")]
    srcs += [work / "tops.sv", work / "icg.v"]
    chparam = f"chparam {' '.join(f'-set {k} {v}' for k, v in params.items())} $abstract\\{top}\n" if params else ""
    abc = FLOWS[flow].format(ps=int(period * 1000))
    script = (f"read_liberty -lib {lib}\nread_verilog -defer -sv -I{ROOT / 'rtl' / 'include'} "
              + " ".join(map(str, srcs)) + f"\n{chparam}hierarchy -check -top {top}\nsynth -flatten -noshare -top {top}\n"
              f"dfflibmap -liberty {lib}\nabc {abc} -liberty {lib}\nopt_clean -purge\n"
              f"tee -q -o {w}/stat.txt stat -liberty {lib}\nsplitnets -ports\n"
              f"write_verilog -noexpr -noattr -simple-lhs {w}/netlist.v\n")
    (w / "run.ys").write_text(script)
    p = subprocess.run(["yosys", "-q", "-l", str(w / "yosys.log"), "-s", str(w / "run.ys")], capture_output=True, text=True)
    if p.returncode != 0:
        return {"name": name, "error": p.stderr[-400:]}
    subprocess.run([sys.executable, str(Path(__file__).parent / "buffer_netlist.py"), str(w / "netlist.v"),
                    str(w / "netlist_buf.v")], check=True, capture_output=True)
    out = {"name": name, "top": top, "params": params}
    for tag, net in (("unbuffered", "netlist.v"), ("buffered", "netlist_buf.v")):
        tcl = (f"read_liberty {lib}\nread_verilog {w / net}\nlink_design {top}\n"
               "set clks [get_ports -quiet clk*]\n"
               f"if {{[llength $clks]}} {{ create_clock -name vclk -period {period} $clks }} "
               f"else {{ create_clock -name vclk -period {period} }}\n"
               "set_input_delay 0 -clock vclk [delete_from_list [all_inputs] $clks]\n"
               "set_output_delay 0 -clock vclk [all_outputs]\n"
               "report_checks -path_delay max -digits 3 -path_group vclk"
               + {"to_regs": " -to [all_registers -data_pins]", "from_regs": " -from [all_registers -clock_pins]",
                  "": ""}[paths] + "\nexit\n")
        (w / f"sta_{tag}.tcl").write_text(tcl)
        r = subprocess.run(["sta", "-no_splash", "-exit", str(w / f"sta_{tag}.tcl")], capture_output=True, text=True)
        (w / f"sta_{tag}.txt").write_text(r.stdout + r.stderr)
        arr = re.search(r"([-0-9.]+)\s+data arrival time", r.stdout)
        slack = re.search(r"([-0-9.]+)\s+slack \((?:MET|VIOLATED)\)", r.stdout)
        out[tag] = {"arrival_ns": float(arr.group(1)) if arr else None, "slack_ns": float(slack.group(1)) if slack else None}
    stat = (w / "stat.txt").read_text()
    area = re.search(r"Chip area for module '[^']*':\s+([0-9.]+)", stat)
    out["ge"] = round(float(area.group(1)) / NAND2_AREA, 1) if area else None
    out["flops"] = sum(int(n) for c, n in re.findall(r"(sky130_fd_sc_hd__\w+)\s+(\d+)", stat) if re.search(r"__(df|edf|sdf)", c))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--period", type=float, default=10.0, help="clock period, ns (default 10: 100 MHz)")
    ap.add_argument("--only", default="", help="regular expression on the stage names")
    ap.add_argument("--flow", default="delay", choices=sorted(FLOWS))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", default="")
    ap.add_argument("--work", default=str(ROOT / "build" / "timing-work"))
    args = ap.parse_args()
    for tool in ("yosys", "sta"):
        if not shutil.which(tool):
            sys.exit(f"time_stages: {tool} not found")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    lib = work / "cells.lib"
    if not lib.is_file():
        with gzip.open(LIBERTY, "rt") as f:
            lib.write_text(f.read())
    (work / "tops.sv").write_text(TEST_TOPS)
    (work / "icg.v").write_text("module mor_clock_gate (input clk, input enable, output gclk);\n"
                                "  sky130_fd_sc_hd__dlclkp_1 icg (.CLK(clk), .GATE(enable), .GCLK(gclk));\nendmodule\n")
    stages = [s for s in STAGES if re.search(args.only, s[0])]
    with cf.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda s: run_one(s[0], s[1], s[2], work, lib, args.period, args.flow, *s[4:]), stages))
    print(f"period {args.period} ns, flow {args.flow}, SKY130 HD tt_025C_1v80, unplaced, no wire load")
    print(f"{'stage':24} {'GE':>9} {'flops':>6} {'arrival':>8} {'slack':>7}   {'unbuffered: arrival, slack':>28}")
    for r in results:
        if "error" in r:
            print(f"{r['name']:24} ERROR {r['error']}")
            continue
        b, u = r["buffered"], r["unbuffered"]
        print(f"{r['name']:24} {r['ge']:>9} {r['flops']:>6} {b['arrival_ns']:>8} {b['slack_ns']:>7}   "
              f"{u['arrival_ns']:>14} {u['slack_ns']:>13}")
    if args.json:
        Path(args.json).write_text(json.dumps({"period_ns": args.period, "flow": args.flow, "stages": results}, indent=1))


if __name__ == "__main__":
    main()
