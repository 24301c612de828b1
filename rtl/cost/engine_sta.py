"""The engine's clock (issue 17 item 1): OpenSTA on the whole mor_quantizer at LANES = 32.

The engine is synthesized with its hierarchy (each module mapped once), its memories sized down to a few words by
the memory-depth parameters found in its header (so they become flip-flops: an SRAM macro's read path is its own,
docs/memory-model.md), then flattened and timed as one netlist at the target period: unplaced, and with the wire
estimate of wireload.py. Inputs and outputs are constrained at the clock edge (set_input_delay 0 /
set_output_delay 0: the engine's neighbours are registered). If the flat run does not finish (memory or time), each
unit the engine instantiates (read from the RTL) is timed on its own, and the report says so.
"""
import re
import subprocess
from pathlib import Path

import liberty as liberty_mod
import pipeline
import synth
import wireload

SMALL_DEPTH = 4


def engine_params():
    names = synth.module_params(synth.ENGINE)
    params = {"LANES": synth.LANES} if "LANES" in names else {}
    for p in names:
        if p in synth.MEMORY_DEPTH_PARAMS:
            params[p] = SMALL_DEPTH
    return params


def yosys_engine_script(top, params, files, liberty, workdir, flatten=True):
    lines = [f"read_liberty -lib {liberty}",
             f"read_verilog -defer -sv -I{synth.ROOT / 'rtl' / 'include'} " + " ".join(str(f) for f in files)]
    if params:
        lines.append("chparam " + " ".join(f"-set {k} {v}" for k, v in params.items()) + f" $abstract\\{top}")
    lines += [f"hierarchy -check -top {top}", f"synth -noshare -top {top}", f"abc -fast -liberty {liberty}",
              "opt_clean -purge", f"dfflibmap -liberty {liberty}", "opt_clean -purge",
              f"abc -fast -liberty {liberty}", "opt_clean -purge",
              f"tee -q -o {workdir}/stat.txt stat -liberty {liberty} -top {top}"]
    if flatten:
        lines += ["flatten", "opt_clean -purge"]
    lines += ["splitnets -ports", f"write_blif -cname {workdir}/netlist.blif"]
    return "\n".join(lines) + "\n"


def sta_script(liberty, wl_lib, netlist, top, period, workdir):
    return (f"read_liberty {liberty}\nread_liberty {wl_lib}\nread_verilog {netlist}\nlink_design {top}\n"
            f"create_clock -name clk -period {period} [get_ports clk]\n"
            "set_input_delay 0 -clock clk [delete_from_list [all_inputs] [get_ports clk]]\n"
            "set_output_delay 0 -clock clk [all_outputs]\n"
            "puts \"UNPLACED\"\nreport_worst_slack\nreport_tns\n"
            f"report_checks -path_delay max -digits 3 -format full > {workdir}/path_unplaced.txt\n"
            f"set_wire_load_mode top\nset_wire_load_model -name {wireload.MODEL} -library {wireload.LIBRARY}\n"
            "puts \"WIRE\"\nreport_worst_slack\nreport_tns\n"
            f"report_checks -path_delay max -digits 3 > {workdir}/path_wire.txt\nexit\n")


def parse_sta(out):
    """{unplaced: (worst slack, tns), wire: (...)} from the STA script's output."""
    res = {}
    for part, text in re.findall(r"(UNPLACED|WIRE)\n(.*?)(?=\n(?:UNPLACED|WIRE)\n|\Z)", out, re.S):
        ws = re.search(r"worst slack\s+(-?(?:[0-9.]+|INF))", text)
        tns = re.search(r"tns\s+(-?(?:[0-9.]+|INF))", text)
        res[part.lower()] = (float(ws.group(1).replace("INF", "inf")) if ws else None,
                             float(tns.group(1).replace("INF", "inf")) if tns else None)
    return res


def path_summary(path):
    """Startpoint, endpoint, arrival and slack of the worst path of a report_checks file (one path per group)."""
    if not Path(path).is_file():
        return {}
    best = {}
    for block in Path(path).read_text().split("Startpoint:")[1:]:
        sp = re.match(r"\s+(\S+)", block)
        ep = re.search(r"Endpoint:\s+(\S+)", block)
        arr = re.search(r"(-?[0-9.]+)\s+data arrival time", block)
        sl = re.search(r"(-?[0-9.]+)\s+slack", block)
        if sl and (not best or float(sl.group(1)) < best["slack_ns"]):
            best = {"startpoint": sp.group(1) if sp else None, "endpoint": ep.group(1) if ep else None,
                    "arrival_ns": float(arr.group(1)) if arr else None, "slack_ns": float(sl.group(1))}
    return best


def time_module(top, params, files, liberty, wl_lib, period, workdir, flatten=True, timeout=1800):
    """Synthesize `top` (hierarchy kept during mapping, flattened for STA) and time it. Returns a result dict."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    files = synth.files_for(top, files)
    script = yosys_engine_script(top, params, files, liberty, workdir, flatten)
    key = synth.hashlib.sha256(b"".join(Path(f).read_bytes() for f in list(files) + [liberty]) +
                               script.encode() + str(period).encode()).hexdigest()
    done = workdir / "done"
    if done.is_file() and done.read_text().startswith(key):
        out = (workdir / "sta.out").read_text()
    else:
        done.unlink(missing_ok=True)
        (workdir / "run.ys").write_text(script)
        try:
            proc = subprocess.run(["yosys", "-q", "-l", str(workdir / "yosys.log"), "-s", str(workdir / "run.ys")],
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"module": top, "error": f"yosys took more than {timeout} s"}
        if proc.returncode != 0:
            why = "killed (out of memory?)" if proc.returncode < 0 else f"exit {proc.returncode}"
            return {"module": top, "error": f"yosys {why}: {proc.stderr.strip()[-300:]}"}
        # Buffer trees on the high-fanout nets (a lane operand or a mode bit reaches every lane), as the flow does
        # for the units, then the netlist for OpenSTA.
        nl = pipeline.Netlist(workdir / "netlist.blif", top, liberty_mod.Library(Path(liberty).read_text()))
        buffers = nl.buffers
        pipeline.emit_verilog(pipeline.plain_pnet(nl, top), workdir / "netlist.v")
        del nl
        (workdir / "netlist.blif").unlink()
        (workdir / "buffers.txt").write_text(f"{buffers}\n")
        (workdir / "sta.tcl").write_text(sta_script(liberty, wl_lib, workdir / "netlist.v", top, period, workdir))
        try:
            proc = subprocess.run(["sta", "-no_splash", "-exit", str(workdir / "sta.tcl")], capture_output=True,
                                  text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"module": top, "error": f"OpenSTA took more than {timeout} s"}
        out = proc.stdout + proc.stderr
        (workdir / "sta.out").write_text(out)
        if proc.returncode != 0 and "worst slack" not in out:
            return {"module": top, "error": f"OpenSTA failed: {out.strip()[-300:]}"}
        done.write_text(key + "\n")
    sta = parse_sta(out)
    stat = synth.parse_stat((workdir / "stat.txt").read_text(), liberty)
    buffers = int((workdir / "buffers.txt").read_text()) if (workdir / "buffers.txt").is_file() else 0
    return {"module": top, "params": params, "buffers": buffers, "unplaced_slack_ns": sta.get("unplaced", (None,))[0],
            "unplaced_tns_ns": sta.get("unplaced", (None, None))[1], "wire_slack_ns": sta.get("wire", (None,))[0],
            "wire_tns_ns": sta.get("wire", (None, None))[1], "cells": stat["cells"], "flops": stat["flops"],
            "area_um2": stat["area"], "path_unplaced": path_summary(workdir / "path_unplaced.txt"),
            "path_wire": path_summary(workdir / "path_wire.txt")}


def engine_clock(files, liberty, wl_lib, period, work):
    """Times the whole engine; falls back to its units one by one."""
    params = engine_params()
    whole = time_module(synth.ENGINE, params, files, liberty, wl_lib, period, Path(work) / "engine-sta")
    result = {"target_mhz": round(1000.0 / period, 3), "period_ns": period, "params": params, "whole": whole}
    if "error" not in whole and whole["wire_slack_ns"] is not None:
        worst = whole["wire_slack_ns"]
        unplaced = whole["unplaced_slack_ns"]
        result["method"] = (f"OpenSTA (2019) on the whole flattened engine at LANES = {params.get('LANES')}, memories "
                            f"{SMALL_DEPTH} words deep (flip-flops), buffer trees on nets of fanout > "
                            f"{pipeline.MAX_FANOUT}, SKY130 HD tt_025C_1v80, inputs and outputs at the clock edge; "
                            "worst slack with the wire-load estimate of wireload.py (unplaced: "
                            + (f"{unplaced:+.2f} ns)" if unplaced is not None else "n/a)"))
    else:
        units = []
        for m in synth.engine_children():
            p = {k: v for k, v in params.items() if k in synth.module_params(m)}
            units.append(time_module(m, p, files, liberty, wl_lib, period, Path(work) / f"engine-sta-{m}"))
        result["units"] = units
        slacks = [u["wire_slack_ns"] for u in units if u.get("wire_slack_ns") is not None]
        worst = min(slacks) if slacks else None
        result["method"] = ("the whole engine did not finish (" + whole.get("error", "?") + "): each unit it "
                            "instantiates timed on its own, worst of them, with the wire-load estimate")
    result["worst_slack_ns"] = worst
    fmax = 1000.0 / (period - worst) if worst is not None and period - worst > 0 else None
    result["fmax_mhz"] = round(fmax, 3) if fmax else None
    result["closed_mhz"] = round(min(fmax, 1000.0 / period), 3) if fmax else None
    return result
