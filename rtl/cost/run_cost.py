#!/usr/bin/env python3
"""Hardware cost flow (`make cost`): the quantizers of the comparison at one clock, with their pipeline registers,
memories, bytes per element and energy per element, and the engine's clock. Writes docs/cost.md, docs/cost.csv
and docs/cost.json (generated; the analysis is docs/cost-analysis.md).

Steps (each cached in --work under a key of its inputs, so a rerun with nothing changed takes seconds):
 1. Yosys + ABC map every rtl/src module and every cost unit (rtl/cost/cost_units.sv) onto the Liberty cells, in
    several file read orders (the spread), and the engine as one hierarchy (synth.py).
 2. Each cost unit is pipelined to the clock by register insertion on its mapped netlist (pipeline.py) and timed
    by OpenSTA, unplaced and with a wire-load estimate (wireload.py); sequential units are timed as written.
 3. Each unit is simulated at gate level on the built-in workload, 64 streams at once, its outputs checked bit for
    bit against the model (energy_harness.cpp), and its energy per activation computed from the toggles and the
    Liberty power tables (energy.py; docs/energy.md).
 4. OpenSTA times the whole engine at LANES = 32 (engine_sta.py; started first, it runs beside steps 1-3): its
    clock goes to docs/cost.json "engine_clock".
 5. The quantizers are composed (units.py), memories priced as SRAM macros (memory_model.py), and the report
    written (report.py).
"""
import argparse
import concurrent.futures as cf
import gzip
import hashlib
import json
import math
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import report
import synth
import units as unit_defs
import unitflow
import wireload
from synth import ENGINE, LANES, ROOT, log

DEFAULT_LIBERTY = ROOT.parent / "shared" / "pdk" / "sky130_fd_sc_hd__tt_025C_1v80.lib.gz"
BLOCK_ELEMS = 128 * 128


def prepare_liberty(arg, work):
    """The Liberty file unpacked into the work folder (a fixed path keeps the scripts, and the reuse, stable)."""
    src = Path(arg)
    if not src.is_file():
        sys.exit(f"cost: Liberty file {src} not found (set LIBERTY=... or LIBERTY=none for technology-independent "
                 "counts)")
    liberty = Path(work) / "cells.lib"
    opener = gzip.open if src.suffix == ".gz" else open
    with opener(src, "rt") as fin:
        text = fin.read()
    synth.write_if_changed(liberty, text)
    facts = synth.liberty_facts(text)
    if not facts["nand2_area"]:
        sys.exit(f"cost: {src} has no {synth.NAND2_CELL}; gate equivalents need it")
    facts["file"] = src.name
    return liberty, facts, synth.liberty_icg(text)


def synth_targets(args):
    """rtl/src modules (each alone, default parameters; the engine's memory- and lane-holding units only inside
    it), the engine (hierarchical), and the cost units."""
    sources = sorted((ROOT / "rtl" / "src").glob("*.sv"))
    parts = synth.engine_parts() | {synth.SRAM_MACRO}
    targets = [(p.stem, p.stem, {}, "rtl/src module") for p in sources if p.stem != ENGINE and p.stem not in parts]
    targets.append((ENGINE, ENGINE, {}, "the whole engine: 32 lanes, tensor-level and sub-tensor modes, control, "
                    "FIFOs, pipeline registers (memories not in GE)"))
    names = {t[0] for t in targets}
    targets += [(u.name, u.top, u.params, u.what) for u in unit_defs.UNITS if u.name not in names]
    if args.only:
        targets = [t for t in targets if re.search(args.only, t[0])]
    return sources, targets


def run_synthesis(targets, orders, liberty, work, jobs, module_orders):
    """Every target in its read orders: the cost units (the quantizers' parts) in all of them, the rtl/src modules
    and the engine in the first module_orders (their spread is reference, and the engine's three runs alone would
    take a third of the flow's time)."""
    results = {}
    with cf.ThreadPoolExecutor(max_workers=jobs) as pool:
        futs = {}
        for name, top, params, what in targets:
            count = len(orders) if name in unit_defs.UNIT_BY_NAME else min(module_orders, len(orders))
            for oi, order in enumerate(orders[:count]):
                futs[pool.submit(synth.synth_one, name, top, params, order, liberty, oi, work)] = (name, oi)
        for n, fut in enumerate(cf.as_completed(futs), 1):
            name, oi = futs[fut]
            results.setdefault(name, {})[oi] = fut.result()
            err = results[name][oi].get("error")
            log(f"synthesis {n}/{len(futs)} {name} order {oi}" + (f": FAILED {err}" if err else ""))
    return results


def unit_rows(targets, results, nand2):
    rows, failures = [], []
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
        ge = [a / nand2 for a in areas] if nand2 else [float(r["stat"]["cells"]) for r in runs]
        row = {"name": name, "top": top, "params": params, "what": what, "ge": round(ge[0], 1),
               "ge_min": round(min(ge), 1), "ge_max": round(max(ge), 1),
               "spread_pct": round(100 * (max(ge) - min(ge)) / min(ge), 2), "cells": first["stat"]["cells"],
               "flops": first["stat"]["flops"], "depth": first["depth"], "arrival_ns": first["arrival_ns"],
               "stages_at_10_levels": math.ceil(first["depth"] / synth.LEVELS_PER_STAGE) if first["depth"] else 1,
               "workdir": first.get("workdir")}
        if top == ENGINE:
            row["memory_cells"] = first.get("memories", 0)
            row["memory_bits"] = synth.engine_memory_bits(params)
        rows.append(row)
    return rows, failures


def build_harness(lib, work, model_lib):
    """The energy harness, compiled once per Liberty file and model library (cached)."""
    import gatesim
    import liberty as liberty_mod
    hdir = Path(work) / "harness"
    hdir.mkdir(parents=True, exist_ok=True)
    library = liberty_mod.Library(Path(lib).read_text())
    ops = hdir / "mor_gatesim_ops.inc"
    tmp = hdir / "ops.tmp"
    gatesim.write_ops(library, library.cell_names(), tmp)
    synth.write_if_changed(ops, tmp.read_text())
    tmp.unlink()
    src = Path(__file__).resolve().parent / "energy_harness.cpp"
    key = hashlib.sha256(ops.read_bytes() + src.read_bytes() + Path(model_lib).read_bytes()).hexdigest()
    binary = hdir / "energy_harness"
    stamp = hdir / "key"
    if binary.is_file() and stamp.is_file() and stamp.read_text() == key:
        return binary
    cxx = os.environ.get("CXX", "g++")
    cmd = [cxx, "-O2", "-std=c++17", f"-I{ROOT / 'model' / 'include'}", f"-I{hdir}", str(src), str(model_lib),
           "-o", str(binary) + ".tmp"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        log(f"energy harness did not compile: {proc.stderr[-500:]}")
        return None
    os.replace(str(binary) + ".tmp", binary)
    stamp.write_text(key)
    return binary


def unit_jobs(rows_by_name, liberty, wl_lib, args, harness, facts):
    jobs = []
    for u in unit_defs.UNITS:
        row = rows_by_name.get(u.name)
        if row is None or not row.get("workdir"):
            continue
        jobs.append({"name": u.name, "top": u.top, "role": u.role, "sim": u.sim if harness else None,
                     "shared": list(u.shared), "input": u.input, "netlist": str(Path(row["workdir"]) / "netlist.json"),
                     "liberty": str(liberty), "wl_lib": str(wl_lib), "period": args.period, "margin": args.margin,
                     "work": str(Path(args.work) / "units" / u.name), "harness": str(harness) if harness else None,
                     "cycles": args.cycles, "nand2": facts["nand2_area"], "voltage": float(facts["nom_voltage"]),
                     "lanes": LANES})
    return jobs


def delay_depth(q, unit_results):
    """Cycles the beat waits for the units of q["delay"]: their latencies, less the input register of the first,
    which holds the beat for the delay line too."""
    return sum(unit_results[n]["latency"] for n in q["delay"]) - 1


def delay_jobs(unit_results, liberty, args, harness, facts):
    """The beat delay lines of the one-pass quantizers: LANES x input bits, as deep as the latency the beat waits
    for (the statistics and the scale or decision units)."""
    jobs = {}
    for inp in ("bf16", "fp32"):
        for q in unit_defs.quantizers(inp, LANES, BLOCK_ELEMS):
            if not q["delay"] or any(n not in unit_results for n in q["delay"]):
                continue
            depth = delay_depth(q, unit_results)
            width = LANES * (16 if inp == "bf16" else 32)
            name = f"delay_{inp}_{depth}"
            jobs[name] = {"name": name, "role": "delay", "sim": "delay" if harness else None, "shared": [],
                          "input": inp, "delay": {"width": width, "depth": depth}, "liberty": str(liberty),
                          "period": args.period, "work": str(Path(args.work) / "units" / name),
                          "harness": str(harness) if harness else None, "cycles": min(args.cycles, 2048),
                          "nand2": facts["nand2_area"], "voltage": float(facts["nom_voltage"]), "lanes": LANES}
    return list(jobs.values())


def run_units(jobs, workers):
    results = {}
    if not jobs:
        return results
    with cf.ProcessPoolExecutor(max_workers=workers) as pool:
        futs = {pool.submit(unitflow.process, j): j["name"] for j in jobs}
        for n, fut in enumerate(cf.as_completed(futs), 1):
            name = futs[fut]
            try:
                results[name] = fut.result()
            except Exception as e:  # a unit that cannot be pipelined or simulated is reported, not fatal
                results[name] = {"name": name, "error": f"{type(e).__name__}: {e}"}
            r = results[name]
            msg = r.get("error") or r.get("sim_error") or (
                f"{r.get('stages')} stages, {r.get('registers')} register bits, slack {r.get('slack_wire_ns')} ns"
                + (f", {r['checked']} outputs checked, {r['mismatches']} mismatches" if "checked" in r else ""))
            log(f"unit {n}/{len(futs)} {name}: {msg}")
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--liberty", default=os.environ.get("LIBERTY", str(DEFAULT_LIBERTY)),
                    help="Liberty file (.lib or .lib.gz); 'none' for technology-independent counts "
                         "(default: %(default)s, or $LIBERTY)")
    ap.add_argument("--orders", type=int, default=3, help="netlist read orders per cost unit (default 3)")
    ap.add_argument("--module-orders", type=int, default=1,
                    help="read orders for the rtl/src modules and the engine (default 1)")
    ap.add_argument("--jobs", type=int, default=max(1, os.cpu_count() or 1), help="parallel runs")
    ap.add_argument("--out", default=str(ROOT / "docs"), help="folder for cost.md, cost.csv, cost.json")
    ap.add_argument("--agreement", default="",
                    help="JSON written by mor-metric-agreement --json (decision agreement of the metric variants)")
    ap.add_argument("--only", default="", help="regular expression: synthesize only matching names (testing)")
    ap.add_argument("--work", default=str(ROOT / "build" / "cost-work"),
                    help="work folders; finished steps with unchanged inputs are reused (default %(default)s)")
    ap.add_argument("--period", type=float, default=10.0, help="clock period in ns (default 10: 100 MHz)")
    ap.add_argument("--margin", type=float, default=0.3,
                    help="ns each pipeline stage keeps free under the flow's timing (default 0.3)")
    ap.add_argument("--cycles", type=int, default=4096, help="simulated cycles per stream (64 streams; default 4096)")
    ap.add_argument("--model-lib", default=str(ROOT / "build" / "model" / "libmor_model.a"),
                    help="the model library the energy harness links (default %(default)s)")
    ap.add_argument("--no-energy", action="store_true", help="skip the gate-level simulation and the energy")
    args = ap.parse_args()
    if args.orders < 1 or args.module_orders < 1 or args.jobs < 1 or args.period <= 0 or args.margin < 0 or args.cycles < 64:
        ap.error("--orders and --jobs must be at least 1, --period positive, --margin >= 0, --cycles >= 64")
    if not shutil.which("yosys"):
        sys.exit("cost: yosys not found (run `make deps` as root, or apt-get install yosys berkeley-abc opensta)")
    start = time.time()
    Path(args.work).mkdir(parents=True, exist_ok=True)
    liberty, facts, icg = None, {}, None
    if args.liberty.lower() != "none":
        liberty, facts, icg = prepare_liberty(args.liberty, args.work)
    else:
        log("no Liberty file: technology-independent gate counts only (no area, timing or energy)")
    sources, targets = synth_targets(args)
    files = sources + [ROOT / "rtl" / "cost" / "cost_units.sv"]
    if icg:
        wrapper = Path(args.work) / "mor_clock_gate_icg.v"
        synth.write_if_changed(wrapper, synth.icg_wrapper(icg))
        files = [wrapper if Path(f).stem == "mor_clock_gate" else f for f in files]
        facts["icg_cell"] = icg[0]
    orders = synth.read_orders(files, args.orders)
    unit_results, engine_clock, engine_future = {}, None, None
    side = cf.ThreadPoolExecutor(max_workers=1)
    wl_lib = Path(args.work) / "wire_estimate.lib"
    if liberty:
        synth.write_if_changed(wl_lib, wireload.liberty_text())
        if any(t[0] == ENGINE for t in targets):
            # The engine's own synthesis and STA depend on nothing else: started first, they run beside the
            # syntheses and the units instead of after them (the longest single chain of the flow).
            import engine_sta
            engine_future = side.submit(engine_sta.engine_clock, orders[0], liberty, wl_lib, args.period, args.work)
    results = run_synthesis(targets, orders, liberty, args.work, args.jobs, args.module_orders)
    nand2 = facts.get("nand2_area")
    rows, failures = unit_rows(targets, results, nand2)
    by_name = {r["name"]: r for r in rows}

    if liberty:
        harness = None
        if not args.no_energy and any(u.sim and u.name in by_name for u in unit_defs.UNITS):
            if Path(args.model_lib).is_file():
                harness = build_harness(liberty, args.work, args.model_lib)
            else:
                log(f"{args.model_lib} not found (run `make build`): no gate-level simulation, no energy")
        with side:
            unit_results = run_units(unit_jobs(by_name, liberty, wl_lib, args, harness, facts), args.jobs)
            unit_results.update(run_units(delay_jobs(unit_results, liberty, args, harness, facts), args.jobs))
            if engine_future:
                engine_clock = engine_future.result()
                log(f"engine clock: worst slack {engine_clock.get('worst_slack_ns')} ns at {args.period} ns "
                    f"({engine_clock.get('method')})")
    else:
        side.shutdown()
    for name, r in unit_results.items():
        if r.get("error") or r.get("sim_error") or r.get("mismatches"):
            failures.append({"name": name, "what": "pipelining / simulation",
                             "error": r.get("error") or r.get("sim_error") or f"{r['mismatches']} mismatches"})
    usage = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(u.ru_utime + u.ru_stime for u in usage)
    meta = report.meta(args, facts, icg, cpu, time.time() - start)
    runs = [r for by_order in results.values() for r in by_order.values()]
    meta["syntheses_run"] = sum(1 for r in runs if not r.get("reused"))
    meta["syntheses_reused"] = sum(1 for r in runs if r.get("reused"))
    agreement = json.loads(Path(args.agreement).read_text()) if args.agreement and Path(args.agreement).is_file() \
        else None
    doc = report.compose(rows, unit_results, engine_clock, facts, args, meta, agreement, failures)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report.write_all(out, doc)
    log(f"wrote {out / 'cost.md'}, {out / 'cost.csv'}, {out / 'cost.json'} in {time.time() - start:.0f} s "
        f"({cpu:.0f} s of CPU)")
    if failures:
        for f in failures:
            log(f"FAILED {f['name']}: {f['error']}")
        sys.exit(1)


if __name__ == "__main__":
    main()
