"""Synthesis helpers of the cost flow (run_cost.py): Yosys scripts and reports, Liberty facts, the engine's units.

The flow is the one of ../shared/notes/BUILD-NOTES.md, with `abc -fast` (the default ABC script needs more than
10 minutes per FP32 divider; -fast is within a few percent on the small units) and `synth -noshare` (the SAT-based
share pass needs more than 24 GB on the tensor-level lanes).
"""
import hashlib
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAND2_CELL = "sky130_fd_sc_hd__nand2_1"
DFF_CELL = "sky130_fd_sc_hd__dfxtp_1"
LEVELS_PER_STAGE = 10

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
# Parameters that size the engine's memories (depths): the engine's timing run sets them small so the memories
# become flip-flops (an SRAM macro's own read path is in docs/memory-model.md). Found in the RTL by name.
MEMORY_DEPTH_PARAMS = ("BEATS_MAX", "MAX_BLOCKS", "BLOCK_BEATS_MAX", "AMAX_DEPTH", "BUFFER_DEPTH")
# A module instance: `TYPE [#(PARAMS)] NAME (`, parameters nested up to three parentheses deep (group 1: TYPE).
_INSTANCE = re.compile(r"^\s*(\w+)\s*(?:#\s*\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\))?\s*\w+\s*\(", re.M)


def module_text(name):
    path = ROOT / "rtl" / "src" / f"{name}.sv"
    return path.read_text() if path.is_file() else ""


def instantiated(name):
    """Module types instantiated in rtl/src/NAME.sv (read from the RTL, so a new engine's units are found)."""
    text = re.sub(r"//.*", "", module_text(name))
    return sorted({m.group(1) for m in _INSTANCE.finditer(text) if m.group(1).startswith("mor_")})


def engine_children():
    return [m for m in instantiated(ENGINE) if (ROOT / "rtl" / "src" / f"{m}.sv").is_file()]


# The SRAM macro wrapper (rtl/src/mor_sram_1rw.sv): priced as a macro (docs/memory-model.md), never as logic.
SRAM_MACRO = "mor_sram_1rw"


def engine_parts():
    """Units of the engine costed only inside it: alone and flattened they would hold a memory as flip-flops (an
    array whose depth is a memory-size parameter) or every lane flat (a lane module instantiated in a loop over
    LANES)."""
    parts = set()
    for m in engine_children():
        text = re.sub(r"//.*", "", module_text(m))
        memory = re.search(r"\w+\s*(\[[^\]]*\]\s*)*\[\s*(%s)\s*\]\s*;" % "|".join(MEMORY_DEPTH_PARAMS), text)
        lanes_loop = re.search(r"for\s*\(\s*genvar\s+\w+\s*=\s*0\s*;\s*\w+\s*<\s*LANES\b[^;]*;[^)]*\)\s*begin"
                               r"[^$]*?\bmor_\w+\s+(#\s*\(.*?\)\s*)?\w+\s*\(", text, re.S)
        macro = re.search(r"\b%s\b" % SRAM_MACRO, text)  # an SRAM-shaped memory: a macro in silicon, not flops
        if memory or lanes_loop or macro:
            parts.add(m)
    return parts


def module_params(name):
    """Parameter names of a module header (rtl/src/NAME.sv)."""
    text = module_text(name)
    m = re.search(r"module\s+%s\s*#\s*\((.*?)\)\s*\(" % name, text, re.S)
    return re.findall(r"parameter\s+(?:int\s+|logic\s+(?:\[[^\]]*\]\s*)?)?(\w+)\s*=", m.group(1)) if m else []

# The contract package: read first in every order (modules name it as mor_pkg::).
PACKAGE = ROOT / "rtl" / "include" / "mor_pkg.sv"


_MODULE = re.compile(r"^\s*module\s+(\w+)(.*?)^\s*endmodule", re.M | re.S)


def files_for(top, files):
    """The files `top` needs, in the order given: the package, the file defining `top` and, transitively, those
    defining the modules it instantiates. A run reads only these, and its cache key is their contents, so editing one
    module reruns only the units that hold it (and a unit's netlist never depends on an unrelated file's text)."""
    defines = {}  # module -> (file, body)
    for f in files:
        for m in _MODULE.finditer(re.sub(r"//.*", "", Path(f).read_text())):
            defines[m.group(1)] = (f, m.group(2))
    needed, todo = set(), [top]
    while todo:
        name = todo.pop()
        if name in needed or name not in defines:
            continue
        needed.add(name)
        todo += [m.group(1) for m in _INSTANCE.finditer(defines[name][1]) if m.group(1) in defines]
    keep = {defines[n][0] for n in needed}
    return [f for f in files if f == PACKAGE or f in keep]


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
                  # dfflibmap legalizes enables and synchronous resets into multiplexers: map those too.
                  f"abc -fast -liberty {liberty}", "opt_clean -purge",
                  f"tee -q -o {workdir}/stat.txt stat -liberty {liberty}{top_opt}"]
        if not engine:  # OpenSTA and the pipelining read the flat netlist; the engine's memories are not cells
            lines += ["splitnets -ports", f"write_verilog -noexpr -noattr -simple-lhs {workdir}/netlist.v",
                      f"write_json {workdir}/netlist.json"]
    else:
        lines += ["abc -fast -g AND,NAND,OR,NOR,XOR,XNOR,ANDNOT,ORNOT,MUX", "opt_clean -purge",
                  f"tee -q -o {workdir}/stat.txt stat{top_opt}", *depth]
    return "\n".join(lines) + "\n"


def engine_memory_bits(params):
    """Bits of the engine's memories at these parameters: two block buffers of BEATS_MAX beats of LANES x 32 bits
    (rtl/src/mor_subtensor_ctrl.sv, SRAM-shaped mor_sram_1rw). Since issue 17 the engine keeps no per-block memory:
    the tensor-level block amax leave on the metadata port (docs/ENGINE.md)."""
    lanes = params.get("LANES", CONTRACT["ENGINE_LANES"])
    beats = params.get("BEATS_MAX", CONTRACT["ENGINE_BLOCK_BEATS_MAX"])
    return {"block_buffers": 2 * beats * lanes * 32}


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
    files = files_for(top, files)
    inputs = list(files) + ([liberty] if liberty else [])
    digest = hashlib.sha256(b"".join(Path(f).read_bytes() for f in inputs)).hexdigest()
    script = f"# sources sha256 {digest}\n" + yosys_script(top, params, files, liberty, workdir)
    done = workdir / "done"
    reused = done.is_file() and (workdir / "run.ys").is_file() and (workdir / "run.ys").read_text() == script
    if not reused:
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
    arrival = None
    if liberty and order_index == 0 and top != ENGINE:
        # Cached beside the run: a rerun with nothing changed must not time every unit again.
        cached = workdir / "arrival.txt"
        if cached.is_file() and cached.stat().st_mtime >= done.stat().st_mtime:
            text = cached.read_text().strip()
            arrival = float(text) if text else None
        else:
            arrival = run_sta(top, workdir, liberty)
            cached.write_text(f"{arrival if arrival is not None else ''}\n")
    mems = workdir / "mems.txt"
    memories = len([l for l in mems.read_text().splitlines() if "/" in l]) if mems.is_file() else 0  # module/memory
    return {"stat": stat, "depth": depth, "arrival_ns": arrival, "memories": memories, "workdir": str(workdir),
            "reused": reused}


def read_orders(files, count):
    """`count` orders of the module files, each after the package."""
    orders = [list(files), list(reversed(files))]
    rng = random.Random(20261201)
    while len(orders) < count:
        shuffled = list(files)
        rng.shuffle(shuffled)
        orders.append(shuffled)
    return [[PACKAGE] + order for order in orders[:count]]


