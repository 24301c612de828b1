"""Energy of a simulated netlist from its toggle counts and the Liberty tables (docs/energy.md).

Per net: switching energy C V^2 / 2 per toggle, C = the input-pin capacitances it drives plus the wire-load
estimate (wireload.py). Per cell: the internal-power tables of its output pins (rise and fall tables at the input
slew and output load, averaged over the related pins, since a zero-delay simulation does not say which input
switched), the internal-power tables of its input pins at each toggle of that pin, and, for flip-flops, the clock
pin's rise and fall energy every cycle plus the clock net's C V^2 (the clock tree's buffers are not modelled).
Leakage: the cell_leakage_power of every cell for one clock period. Energy units: pJ (Liberty: V, pF, ns).
"""
from collections import defaultdict

import wireload


def net_loads_and_slews(pn, ids, clock_slew):
    """Load (pF) and slew (ns) of every simulated net of a PNet (ids: net name -> sim id)."""
    lib = pn.lib
    load = defaultdict(float)
    fanout = defaultdict(int)
    for _, ctype, pins in pn.cells:
        cell = lib.cell(ctype)
        for pin, net in pins.items():
            if cell.pins[pin]["dir"] == "input" and net in ids and net != "clk":
                load[ids[net]] += cell.pins[pin]["cap"]
                fanout[ids[net]] += 1
    for n, f in fanout.items():
        load[n] += wireload.wire_cap_pf(f)
    # Slews: flip-flop outputs from their clock arc, combinational outputs in evaluation order (the worse of the
    # arcs), inputs as if driven by a flip-flop.
    slew = defaultdict(lambda: clock_slew)
    driver = {}
    for ci, (_, ctype, pins) in enumerate(pn.cells):
        cell = lib.cell(ctype)
        for pin, net in pins.items():
            if cell.pins[pin]["dir"] == "output" and net in ids:
                driver[ids[net]] = (ci, pin)
    done = {}

    def slew_of(n, depth=0):
        if n in done:
            return done[n]
        d = driver.get(n)
        if d is None or depth > 5000:
            done[n] = clock_slew
            return clock_slew
        ci, out_pin = d
        _, ctype, pins = pn.cells[ci]
        cell = lib.cell(ctype)
        s_out = 0.0
        for rel, out, ttype, tables, _ in cell.arcs:
            if out != out_pin:
                continue
            if ttype == "rising_edge":
                s_in = clock_slew
            elif rel in pins and pins[rel] in ids:
                s_in = slew_of(ids[pins[rel]], depth + 1)
            else:
                s_in = clock_slew
            for k in ("rise_transition", "fall_transition"):
                if k in tables:
                    s_out = max(s_out, tables[k](s_in, load[n]))
        done[n] = s_out or clock_slew
        return done[n]

    import sys
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20000))
    try:
        for n in list(driver):
            slew_of(n)
    finally:
        sys.setrecursionlimit(limit)
    for n in load:
        slew[n] = done.get(n, clock_slew)
    for n, s in done.items():
        slew[n] = s
    return load, slew


def energy(pn, ids, toggles, voltage, period_ns, clock_slew=0.1):
    """Energy per simulated stream-cycle (pJ), split by kind and into lane / shared parts. toggles: the harness's
    JSON (rises, falls per sim id, cycles_counted, streams)."""
    lib = pn.lib
    rises, falls = toggles["rises"], toggles["falls"]
    samples = toggles["cycles_counted"] * toggles["streams"]
    load, slew = net_loads_and_slews(pn, ids, clock_slew)
    out = {"switching": [0.0, 0.0], "internal": [0.0, 0.0], "clock": [0.0, 0.0], "leakage": [0.0, 0.0]}
    shared = pn.shared_cells
    driven_by = {}
    for ci, (_, ctype, pins) in enumerate(pn.cells):
        cell = lib.cell(ctype)
        for pin, net in pins.items():
            if cell.pins[pin]["dir"] == "output" and net in ids:
                driven_by[ids[net]] = ci
    shared_inputs = {ids[net] for name, _, net in pn.inputs if name in getattr(pn, "shared_ports", ())}
    v2 = voltage * voltage
    for n in range(2, len(rises)):
        tog = rises[n] + falls[n]
        if tog == 0:
            continue
        part = 1 if (driven_by.get(n) in shared or n in shared_inputs) else 0
        out["switching"][part] += 0.5 * load[n] * v2 * tog
    for ci, (_, ctype, pins) in enumerate(pn.cells):
        cell = lib.cell(ctype)
        part = 1 if ci in shared else 0
        out["leakage"][part] += cell.leakage_nw * period_ns * 1e-6 * samples
        by_pin = defaultdict(list)
        for pin, rel, rise_t, fall_t in cell.power:
            by_pin[pin].append((rel, rise_t, fall_t))
        for pin, groups in by_pin.items():
            net = pins.get(pin)
            if net is None:
                continue
            if net == "clk" or cell.pins[pin]["clock"]:
                # Clock pin: one rise and one fall every cycle (ungated), plus its share of the clock net.
                e = sum((r(clock_slew) if r else 0.0) + (f(clock_slew) if f else 0.0) for _, r, f in groups)
                e /= len(groups)
                out["clock"][part] += (e + cell.pins[pin]["cap"] * v2) * samples
                continue
            if net not in ids:
                continue
            n = ids[net]
            if n < 2 or (rises[n] + falls[n]) == 0:
                continue
            if cell.pins[pin]["dir"] == "output":
                er = ef = 0.0
                for rel, r, f in groups:
                    s_in = clock_slew if (rel and cell.pins.get(rel, {}).get("clock")) else \
                        (slew[ids[pins[rel]]] if rel and pins.get(rel) in ids else clock_slew)
                    er += r(s_in, load[n]) if r else 0.0
                    ef += f(s_in, load[n]) if f else 0.0
                er, ef = er / len(groups), ef / len(groups)
            else:
                s_in = slew[n]
                er = sum(r(s_in) if r else 0.0 for _, r, _ in groups) / len(groups)
                ef = sum(f(s_in) if f else 0.0 for _, _, f in groups) / len(groups)
            out["internal"][part] += er * rises[n] + ef * falls[n]
    return {k: (v[0] / samples, v[1] / samples) for k, v in out.items()}
