#!/usr/bin/env python3
"""Cell area of the whole engine (mor_quantizer at its default parameters) from one Yosys run, hierarchical (each
unit synthesized once and counted per instance, so the 32 lanes cost one lane's synthesis), mapped onto SKY130 HD
(tt_025C_1v80) with the cost flow's fast ABC mapping. Prints the engine's GE (NAND2_1 = 3.7536 um^2), the GE of its
flip-flops (the pipeline and control registers) and of its clock gates, and the logic GE before them. The block
buffers are SRAM macros (mor_sram_1rw black boxes), counted in bits, not in GE. The costed flow with wire loads,
memories in mm2 and energy is `make cost` (rtl/cost); this is the quick figure for the engine alone.

usage: engine_area.py [--work DIR] [--json FILE]
"""
import argparse
import gzip
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIBERTY = ROOT.parent / "shared" / "pdk" / "sky130_fd_sc_hd__tt_025C_1v80.lib.gz"
NAND2_AREA = 3.7536
SRAM_STUB = """(* blackbox *)
module mor_sram_1rw #(parameter int WIDTH = 32, parameter int DEPTH = 512, localparam int AW = $clog2(DEPTH)) (
  input logic clk, input logic ce, input logic we, input logic [AW-1:0] addr, input logic [WIDTH-1:0] wdata,
  output logic [WIDTH-1:0] rdata);
endmodule
"""
ICG = ("module mor_clock_gate (input clk, input enable, output gclk);\n"
       "  sky130_fd_sc_hd__dlclkp_1 icg (.CLK(clk), .GATE(enable), .GCLK(gclk));\nendmodule\n")


def cell_areas(lib_text):
    areas, cell = {}, None
    for line in lib_text.splitlines():
        m = re.match(r'\s*cell\s*\(\s*"?([\w]+)"?\s*\)', line)
        if m:
            cell = m.group(1)
        m = re.match(r"\s*area\s*:\s*([0-9.]+)", line)
        if m and cell and cell not in areas:
            areas[cell] = float(m.group(1))
    return areas


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default=str(ROOT / "build" / "engine-area"))
    ap.add_argument("--json", default="")
    args = ap.parse_args()
    if not shutil.which("yosys"):
        sys.exit("engine_area: yosys not found")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    with gzip.open(LIBERTY, "rt") as f:
        lib_text = f.read()
    lib = work / "cells.lib"
    lib.write_text(lib_text)
    (work / "stubs.sv").write_text(SRAM_STUB)
    (work / "icg.v").write_text(ICG)
    srcs = [ROOT / "rtl" / "include" / "mor_pkg.sv"]
    srcs += [p for p in sorted((ROOT / "rtl" / "src").glob("*.sv")) if p.stem not in ("mor_clock_gate", "mor_sram_1rw")]
    srcs += [work / "stubs.sv", work / "icg.v"]
    script = (f"read_liberty -lib {lib}\nread_verilog -defer -sv -I{ROOT / 'rtl' / 'include'} "
              + " ".join(map(str, srcs)) + "\nhierarchy -check -top mor_quantizer\n"
              "synth -top mor_quantizer\n"
              f"dfflibmap -liberty {lib}\nabc -fast -liberty {lib}\nopt_clean -purge\n"
              f"flatten\nopt_clean -purge\ntee -q -o {work}/stat.txt stat -liberty {lib}\n")
    (work / "run.ys").write_text(script)
    p = subprocess.run(["yosys", "-q", "-l", str(work / "yosys.log"), "-s", str(work / "run.ys")],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("engine_area: yosys failed: " + p.stderr[-600:])
    areas = cell_areas(lib_text)
    stat = (work / "stat.txt").read_text()
    counts = {c: int(n) for c, n in re.findall(r"^\s+(sky130_fd_sc_hd__\w+)\s+(\d+)\s*$", stat, re.M)}
    total = sum(areas[c] * n for c, n in counts.items())
    flop = sum(areas[c] * n for c, n in counts.items() if re.search(r"__(df|edf|sdf|dl[xr])", c))
    gates = sum(areas[c] * n for c, n in counts.items() if "dlclkp" in c)
    srams = len(re.findall(r"mor_sram_1rw", stat))
    out = {"ge_total": round(total / NAND2_AREA), "ge_flops": round(flop / NAND2_AREA),
           "ge_clock_gates": round(gates / NAND2_AREA), "ge_logic": round((total - flop - gates) / NAND2_AREA),
           "flops": sum(n for c, n in counts.items() if re.search(r"__(df|edf|sdf)", c)),
           "clock_gates": sum(n for c, n in counts.items() if "dlclkp" in c),
           "sram_bits": 2 * 512 * 32 * 32, "method": "yosys synth (hierarchical, flattened after mapping), abc -fast, "
           "SKY130 HD tt_025C_1v80 cell areas, NAND2_1 = 1 GE; block buffers as SRAM black boxes"}
    print(f"mor_quantizer (LANES 32, BEATS_MAX 512): {out['ge_total']} GE = logic {out['ge_logic']} GE + "
          f"{out['flops']} flip-flops {out['ge_flops']} GE + {out['clock_gates']} clock gates {out['ge_clock_gates']} GE; "
          f"block buffers 2 x 512 x 1024 bits (SRAM macros, not in GE)")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
