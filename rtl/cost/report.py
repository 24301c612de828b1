"""Composes the quantizers of the comparison from the unit results and writes docs/cost.md, .csv and .json."""
import csv
import datetime
import io
import json
import os
import subprocess

import memory_model
import synth
import units as unit_defs
import wireload
from synth import ENGINE, LANES, ROOT

BLOCK_ELEMS = 128 * 128
INPUTS = ("bf16", "fp32")
RATE = {"beat": 1.0 / LANES, "block": 1.0 / BLOCK_ELEMS, "tensor": 0.0}


def git_commit():
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
    except OSError:
        return "?"


def meta(args, facts, icg, cpu_s, wall_s):
    nand2 = facts.get("nand2_area")
    dff = facts.get("dff_area")
    return {
        "date": datetime.date.today().isoformat(), "commit": git_commit(), "liberty": facts.get("file", "none"),
        "library": facts.get("library"),
        "corner": {k: facts.get(k) for k in ("nom_process", "nom_voltage", "nom_temperature")},
        "nand2_area_um2": nand2, "dff_ge": round(dff / nand2, 2) if nand2 and dff else None,
        "versions": synth.tool_versions(), "period_ns": args.period, "clock_mhz": round(1000 / args.period, 3),
        "margin_ns": args.margin, "cycles_per_stream": args.cycles, "read_orders": args.orders,
        "module_read_orders": args.module_orders, "lanes": LANES,
        "icg_cell": icg[0] if icg else None, "cpu_s": round(cpu_s, 1), "wall_s": round(wall_s, 1),
        "jobs": args.jobs, "wire_estimate": {"pf_per_um": wireload.CAP_PF_PER_UM, "um_per_fanout": wireload.UM_PER_FANOUT},
        "command": "make cost   (python3 rtl/cost/run_cost.py " +
                   " ".join(os.sys.argv[1:]).replace(str(ROOT) + "/", "") + ")",
    }


def bytes_per_element(key, inp, bf16_fraction):
    """Bytes read + written per element from the memory that holds the tensor: (two-pass, overlapped, one-pass with
    a producer-supplied amax or block statistics), and the on-chip buffer traffic. FP8 outcomes; sub-tensor writes
    2 bytes for an element of a BF16 block (bf16_fraction of them)."""
    i = 2 if inp == "bf16" else 4
    st_out = 1 + bf16_fraction
    meta_blk = 9.0 / BLOCK_ELEMS  # block amax out and back on the metadata port, one offset byte per block
    table = {
        "cs": (2 * i + 1, 2 * i + 1, i + 1, 0),
        "mx": (i + 1 + 1 / 32, i + 1 + 1 / 32, i + 1 + 1 / 32, 0),
        "tl_interval": (2 * i + 1 + meta_blk, 2 * i + 1 + meta_blk, i + 1 + 1.0 / BLOCK_ELEMS, 0),
        "tl_canonical": (2 * i + 1 + meta_blk, 2 * i + 1 + meta_blk, i + 1 + 1.0 / BLOCK_ELEMS, 0),
        "st_1x32": (i + st_out + 1.25 / 32, i + st_out + 1.25 / 32, i + st_out + 1.25 / 32, 0),
        "st_128_buffer": (i + st_out, i + st_out, i + st_out, 2 * i),
        "st_128_twopass": (2 * i + st_out, 2 * i + st_out, i + st_out, 0),
    }
    return table[key]


def unit_energy(r):
    """(dynamic pJ per activation, leakage pJ per activation) of a simulated unit, or None."""
    e = r.get("energy_pj")
    if not e:
        return None
    return e["total"] - e["leakage"], e["leakage"]


def compose_one(q, inp, rows, ur, facts, period):
    """Area, memories, energy of one quantizer for one input type."""
    nand2 = facts["nand2_area"]
    dff_ge = facts["dff_area"] / nand2
    lane = ur.get(q["lane"])
    if not lane or "ge" not in lane:
        return None
    parts, missing = [], []
    lane_ge = LANES * (lane["ge"] - lane["shared_ge"]) + lane["shared_ge"]
    lane_regs = LANES * lane["register_ge"]
    lane_logic = rows[q["lane"]]["ge"] * LANES if q["lane"] in rows else None
    parts.append(("lanes", f"{LANES} x {q['lane']}", lane_ge, lane_regs, lane_logic))
    energy = {"lanes": None}
    le = unit_energy(lane)
    energy["lanes"] = le[0] if le else None
    leak = lane["leakage_nw"] * period * 1e-6  # one lane per element
    for name, count, rate in q["units"]:
        r = ur.get(name)
        if not r or "ge" not in r:
            missing.append(name)
            continue
        parts.append((name, f"{count} x {name} ({rate})", count * r["ge"], count * r["register_ge"],
                      count * rows[name]["ge"] if name in rows else None))
        e = unit_energy(r)
        energy[name] = count * e[0] * RATE[rate] if e else (0.0 if rate == "tensor" else None)
        leak += count * r["leakage_nw"] * period * 1e-6 / LANES
    depth = sum(ur[n]["latency"] for n in q["delay"] if n in ur) - 1 if q["delay"] else 0
    if q["delay"]:
        width = LANES * (16 if inp == "bf16" else 32)
        dname = f"delay_{inp}_{depth}"
        d = ur.get(dname, {})
        dge = d.get("ge", width * depth * dff_ge)
        parts.append(("beat delay", f"{width} bits x {depth} cycles", dge, dge, 0.0))
        e = unit_energy(d) if d else None
        energy["beat delay"] = e[0] / LANES if e else None
        leak += d.get("leakage_nw", 0.0) * period * 1e-6 / LANES
    for what, bits, rate in q["regs"]:
        parts.append((what, f"{bits} flip-flops", bits * dff_ge, bits * dff_ge, bits * dff_ge))
        energy[what] = 0.0  # loaded once per tensor, clock-gated otherwise
    mems = []
    mem_energy = 0.0
    for what, words, bits in q["memories"]:
        m = memory_model.memory(words, bits)
        m["what"] = what
        mems.append(m)
        if "double buffer" in what:  # every beat written once and read once
            mem_energy += (m["write_pj_per_word"] + m["read_pj_per_word"]) / LANES
        leak += m["leakage_mw"] * period / LANES
    total_ge = sum(p[2] for p in parts)
    logic_ge = sum(p[4] for p in parts if p[4] is not None)
    dyn = [v for v in energy.values()]
    logic_pj = sum(v for v in dyn if v is not None) if all(v is not None for v in dyn) else None
    return {
        "key": q["key"], "name": q["name"], "input": inp, "passes": q["passes"], "note": q["note"],
        "parts": [{"part": p[0], "what": p[1], "ge": round(p[2], 1), "register_ge": round(p[3], 1),
                   "ge_unpipelined": round(p[4], 1) if p[4] is not None else None} for p in parts],
        "missing": missing, "ge": round(total_ge, 1), "register_ge": round(sum(p[3] for p in parts), 1),
        "ge_unpipelined": round(logic_ge, 1), "lane_stages": lane.get("stages"), "lane_latency": lane.get("latency"),
        "delay_cycles": depth, "logic_mm2": round(total_ge * nand2 * 1e-6, 4),
        "memories": mems, "memory_mm2": round(sum(m["area_mm2"] for m in mems), 4),
        "total_mm2": round(total_ge * nand2 * 1e-6 + sum(m["area_mm2"] for m in mems), 4),
        "energy_parts_pj": {k: (round(v, 4) if v is not None else None) for k, v in energy.items()},
        "logic_dynamic_pj": round(logic_pj, 3) if logic_pj is not None else None,
        "memory_pj": round(mem_energy, 3), "leakage_pj": round(leak, 4),
        "pj_per_element": round(logic_pj + mem_energy + leak, 3) if logic_pj is not None else None,
    }


def compose(rows, ur, engine_clock, facts, args, meta_, agreement, failures):
    by_name = {r["name"]: r for r in rows}
    quantizers = []
    # The workload's BF16-block fractions per input type (FP32 inputs carry random low bits, which move a few 1x32
    # decisions), from the sub-tensor lane of that input type (every unit of one input type reports the same).
    fractions = {inp: (ur.get(unit_defs.v("cost_mor_st_lane_pow2", inp)) or {}).get("workload", {})
                 for inp in INPUTS}
    if facts.get("nand2_area"):
        for inp in INPUTS:
            for q in unit_defs.quantizers(inp, LANES, BLOCK_ELEMS):
                c = compose_one(q, inp, by_name, ur, facts, args.period)
                if c is None:
                    continue
                frac = fractions[inp].get("st_bf16_fraction_1x32" if q["key"] == "st_1x32" else
                                          "st_bf16_fraction_128", 0.0)
                c["bytes_per_element"] = dict(zip(("two_pass", "overlapped", "one_pass", "on_chip"),
                                                  [round(b, 4) for b in bytes_per_element(q["key"], inp, frac)]))
                quantizers.append(c)
        for inp in INPUTS:
            ref = next((c for c in quantizers if c["key"] == "cs" and c["input"] == inp), None)
            for c in quantizers:
                if c["input"] == inp and ref:
                    c["x_current_scaling"] = round(c["ge"] / ref["ge"], 2)
                    c["x_current_scaling_unpipelined"] = round(c["ge_unpipelined"] / ref["ge_unpipelined"], 2) \
                        if ref["ge_unpipelined"] else None
    doc = {"meta": meta_, "engine_clock": engine_summary(engine_clock), "engine_clock_detail": engine_clock,
           "memory_model": memory_model.facts(), "quantizers": quantizers, "units": rows,
           "pipelined_units": sorted(ur.values(), key=lambda r: r["name"]), "workload": fractions,
           "metric_agreement": agreement, "failures": failures}
    eng = by_name.get(ENGINE)
    if eng:
        mb = eng.get("memory_bits", {})
        eng["memory_mm2"] = {k: round(memory_model.memory(*shape)["area_mm2"], 3)
                             for k, shape in engine_memory_shapes(mb).items()}
    return doc


def engine_memory_shapes(mb):
    lanes_bits = LANES * 32
    return {"block_buffers": (mb.get("block_buffers", 0) // lanes_bits, lanes_bits)}


def engine_summary(ec):
    """The object mor-sim reads: target and closed clock, worst slack, method."""
    if not ec:
        return None
    return {"target_mhz": ec.get("target_mhz"), "closed_mhz": ec.get("closed_mhz"),
            "worst_slack_ns": ec.get("worst_slack_ns"), "method": ec.get("method")}


def write_all(out, doc):
    (out / "cost.json.tmp").write_text(json.dumps(doc, indent=1, default=str) + "\n")
    os.replace(out / "cost.json.tmp", out / "cost.json")
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["kind", "name", "input", "ge", "register_ge", "ge_unpipelined", "logic_mm2", "memory_mm2",
                "total_mm2", "pj_per_element", "x_current_scaling", "bytes_two_pass", "bytes_overlapped",
                "bytes_one_pass", "stages", "slack_unplaced_ns", "slack_wire_ns", "spread_pct", "depth_cells"])
    for q in doc["quantizers"]:
        b = q["bytes_per_element"]
        w.writerow(["quantizer", q["name"], q["input"], q["ge"], q["register_ge"], q["ge_unpipelined"],
                    q["logic_mm2"], q["memory_mm2"], q["total_mm2"], q["pj_per_element"], q.get("x_current_scaling"),
                    b["two_pass"], b["overlapped"], b["one_pass"], q["lane_stages"], "", "", "", ""])
    pu = {r["name"]: r for r in doc["pipelined_units"]}
    for r in doc["units"]:
        p = pu.get(r["name"], {})
        w.writerow(["unit", r["name"], "", p.get("ge", r["ge"]), p.get("register_ge", ""), r["ge"], "", "", "",
                    (p.get("energy_pj") or {}).get("total", ""), "", "", "", "", p.get("stages", ""),
                    p.get("slack_unplaced_ns", ""), p.get("slack_wire_ns", ""), r["spread_pct"], r["depth"]])
    (out / "cost.csv.tmp").write_text(buf.getvalue())
    os.replace(out / "cost.csv.tmp", out / "cost.csv")
    import report_md
    (out / "cost.md.tmp").write_text(report_md.markdown(doc))
    os.replace(out / "cost.md.tmp", out / "cost.md")
