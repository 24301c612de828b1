"""Pipelining a mapped combinational netlist to a clock period by register insertion (the cost flow's retiming).

Yosys 0.23 cannot do it: `abc -dff` hands ABC one clock/enable/reset domain at a time and retimes the AIG with unit
delays before mapping (checked: a lane with four output register stages keeps its 95 flip-flops where they were).
So the flow cuts the mapped netlist itself:

1. Static timing with the Liberty NLDM tables (`arrival`): load = the sinks' pin capacitances (plus an optional
   wire-load estimate), delay and output slew from each arc's tables at the input slew and load, the worse of rise
   and fall.
2. Stage assignment: every cell gets a pipeline stage such that, within a stage, the path from a register output
   (clock-to-Q) through the stage's cells to a register input (setup) fits the period minus a margin. Two
   assignments are built, as soon as possible and as late as possible, with the same number of stages; the one
   with fewer register bits wins.
3. Registers: a net driven in stage s and read in stage k > s gets a chain of k - s flip-flops (shared by all its
   readers); inputs are registered on entry and outputs on exit, so every path runs register to register.
4. OpenSTA times the result (run_cost.py), with and without the library's wire-load model; if the worst slack
   is negative the margin grows and the cut is redone.

Nets whose whole input cone is a shared input (a scale that is the same for every lane) are marked shared: one
copy of that logic and of its registers serves all lanes of a quantizer.
"""
import json
import re
from collections import defaultdict, deque

DFF = "sky130_fd_sc_hd__dfxtp_1"
# Pipeline registers are sized by the load they drive, as a resizer would (fanout-heavy nets are common in ABC's
# unbuffered mapping): (largest load in pF, cell).
DFF_SIZES = ((0.02, "sky130_fd_sc_hd__dfxtp_1"), (0.05, "sky130_fd_sc_hd__dfxtp_2"),
             (float("inf"), "sky130_fd_sc_hd__dfxtp_4"))


def dff_for(load):
    return next(cell for limit, cell in DFF_SIZES if load <= limit)


MAX_FANOUT = 12
BUFFERS = ("sky130_fd_sc_hd__buf_4", "sky130_fd_sc_hd__buf_8")  # leaves of a buffer tree, and the levels above


class Netlist:
    """A flat netlist of single-output-per-pin Liberty cells, from Yosys `write_json` (units) or `write_blif`
    (the flattened engine: a line-by-line reader keeps a million cells in a few hundred MB)."""

    def __init__(self, path, top, lib, buffer_fanout=MAX_FANOUT):
        self.top, self.lib = top, lib
        self.inputs, self.outputs = [], []   # (port name, bit index, net)
        self.cells = []  # (instance name, cell type, {pin: net})
        if str(path).endswith(".blif"):
            self._read_blif(path)
        else:
            self._read_json(path)
        self._index()
        self.buffers = buffer_high_fanout(self, buffer_fanout) if buffer_fanout else 0

    def _read_json(self, path):
        mod = json.load(open(path))["modules"][self.top]
        for pname, p in mod["ports"].items():
            base, idx = _split_port(pname, p.get("offset", 0))
            for k, bit in enumerate(p["bits"]):
                (self.inputs if p["direction"] == "input" else self.outputs).append((base, idx + k, _net(bit)))
        for cname, c in mod["cells"].items():
            pins = {}
            for pin, bits in c["connections"].items():
                assert len(bits) == 1, f"{cname}.{pin}: multi-bit pin"
                pins[pin] = _net(bits[0])
            self.cells.append((cname, c["type"], pins))

    def _read_blif(self, path):
        ids, alias = {"$false": "c0", "$true": "c1", "$undef": "c0"}, {}
        names = []  # pending .names: (output, inputs, cover lines)

        def nid(name):
            if name not in ids:
                ids[name] = len(ids)
            return ids[name]

        lines = _blif_lines(path)
        for toks in lines:
            if toks[0] in (".inputs", ".outputs"):
                for t in toks[1:]:
                    base, idx = _split_port(t, 0)
                    (self.inputs if toks[0] == ".inputs" else self.outputs).append((base, idx, t))
            elif toks[0] == ".subckt":
                pins = dict(t.split("=", 1) for t in toks[2:])
                self.cells.append((f"u{len(self.cells)}", toks[1], pins))
            elif toks[0] == ".names":
                names.append((toks[-1], toks[1:-1], []))
            elif toks[0] == ".cname" and self.cells:
                c = self.cells[-1]
                self.cells[-1] = (toks[1], c[1], c[2])
            elif toks[0] == ".conn":
                alias[toks[2]] = toks[1]
            elif names and not toks[0].startswith("."):
                names[-1][2].append(toks)
        for out, ins, cover in names:
            if not ins:
                ids[out] = "c1" if cover else "c0"
            elif len(ins) == 1 and cover == [["1", "1"]]:
                alias[out] = ins[0]
            else:
                raise ValueError(f"{path}: .names {out} is not a buffer or a constant")

        def resolve(name):
            seen = 0
            while name in alias and seen < 1000:
                name, seen = alias[name], seen + 1
            v = ids.get(name)
            return v if isinstance(v, str) else nid(name)

        self.inputs = [(b, i, resolve(n)) for b, i, n in self.inputs]
        self.outputs = [(b, i, resolve(n)) for b, i, n in self.outputs]
        self.cells = [(c, t, {p: resolve(n) for p, n in pins.items()}) for c, t, pins in self.cells]

    def _index(self):
        lib = self.lib
        self.driver, self.sinks = {}, defaultdict(list)
        for _, _, net in self.inputs:
            self.driver[net] = None
        for ci, (_, ctype, pins) in enumerate(self.cells):
            cell = lib.cell(ctype)
            for pin, net in pins.items():
                if cell.pins[pin]["dir"] == "output":
                    self.driver[net] = (ci, pin)
                else:
                    self.sinks[net].append((ci, pin))
        self.flops = [ci for ci, (_, t, _) in enumerate(self.cells) if lib.cell(t).ff or lib.cell(t).latch]


    def port_widths(self):
        widths = defaultdict(int)
        for name, idx, _ in self.inputs + self.outputs:
            widths[name] = max(widths[name], idx + 1)
        return dict(widths)

    def topo_order(self):
        """Combinational cells in topological order (flip-flop outputs count as sources)."""
        lib = self.lib
        comb = [ci for ci in range(len(self.cells)) if ci not in set(self.flops)]
        seq = set(self.flops)
        indeg = {}
        for ci in comb:
            _, ctype, pins = self.cells[ci]
            cell = lib.cell(ctype)
            n = 0
            for pin, net in pins.items():
                if cell.pins[pin]["dir"] == "input" and not _const(net):
                    d = self.driver.get(net)
                    if d is not None and d[0] not in seq:
                        n += 1
            indeg[ci] = n
        ready = deque(ci for ci in comb if indeg[ci] == 0)
        order = []
        while ready:
            ci = ready.popleft()
            order.append(ci)
            _, ctype, pins = self.cells[ci]
            cell = lib.cell(ctype)
            for pin, net in pins.items():
                if cell.pins[pin]["dir"] == "output":
                    for sci, _ in self.sinks.get(net, []):
                        if sci in indeg:
                            indeg[sci] -= 1
                            if indeg[sci] == 0:
                                ready.append(sci)
        if len(order) != len(comb):
            raise ValueError(f"{self.top}: combinational loop ({len(comb) - len(order)} cells unordered)")
        return order


def _blif_lines(path):
    """Token lists of a BLIF file, continuation lines joined, comments dropped."""
    buf = ""
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].rstrip("\n")
            if line.endswith("\\"):
                buf += line[:-1] + " "
                continue
            line, buf = buf + line, ""
            toks = line.split()
            if toks:
                yield toks


def buffer_high_fanout(nl, max_fanout):
    """Buffer trees on nets with more than max_fanout readers, as a placement flow's repair step would (ABC's fast
    mapping leaves a scale or a mode bit driving hundreds of pins). Clock nets are left alone (ideal clocks).
    Returns the number of buffers added."""
    lib = nl.lib
    clock_nets = {net for _, ctype, pins in nl.cells for pin, net in pins.items() if lib.cell(ctype).pins[pin]["clock"]}
    clock_nets |= {net for name, _, net in nl.inputs if name == "clk"}
    next_net = max([n for n in nl.driver if not _const(n)] + [n for n in nl.sinks if not _const(n)] + [0]) + 1
    added = 0
    outputs = {net for _, _, net in nl.outputs}
    for net in list(nl.sinks):
        readers = nl.sinks[net]
        limit = max_fanout - (1 if net in outputs else 0)
        if _const(net) or net in clock_nets or len(readers) <= limit:
            continue
        level, depth = list(readers), 0
        while len(level) > limit:
            nxt = []
            for k in range(0, len(level), max_fanout):
                group = level[k:k + max_fanout]
                bnet = next_net
                next_net += 1
                for ci, pin in group:
                    nl.cells[ci][2][pin] = bnet
                nl.cells.append((f"fanout_buf{added}", BUFFERS[min(depth, 1)], {"A": net, "X": bnet}))
                nxt.append((len(nl.cells) - 1, "A"))
                added += 1
            level, depth = nxt, depth + 1
    if added:
        nl._index()
    return added

def _split_port(name, offset):
    # `splitnets -ports` names bits "x[3]"; whole ports keep their name and give the offset.
    if name.endswith("]") and "[" in name:
        base, idx = name[:-1].split("[")
        return base, int(idx)
    return name, offset


def _net(bit):
    return bit if isinstance(bit, int) else f"c{bit}"  # constants "0", "1", "x", "z" -> "c0", "c1", ...


def _const(net):
    return isinstance(net, str)


class Timing:
    """Liberty-table delays on a netlist: loads, and rise/fall arrival and slew through each arc by its
    timing_sense (what OpenSTA does without parasitics)."""

    def __init__(self, nl, wire_cap=None, clock_slew=0.1):
        self.nl, self.lib = nl, nl.lib
        self.clock_slew = clock_slew
        self.wire_cap = wire_cap or (lambda fanout: 0.0)
        self.dff = self.lib.cell(DFF)
        self.d_cap = self.dff.pins["D"]["cap"]
        outputs = {net for _, _, net in nl.outputs}
        self.load = {}
        for net in set(nl.sinks) | outputs:
            sinks = nl.sinks.get(net, [])
            cap = sum(self.lib.cell(nl.cells[ci][1]).pins[pin]["cap"] for ci, pin in sinks)
            fanout = len(sinks) + (1 if net in outputs else 0)
            self.load[net] = cap + (self.d_cap if net in outputs else 0.0) + self.wire_cap(fanout)
        self._clk_q = {c: next(a for a in self.lib.cell(c).arcs if a[2] == "rising_edge")[3] for _, c in DFF_SIZES}
        setup_r, setup_f = self.dff.setup["D"]
        self.setup = max(setup_r(self.clock_slew, 0.5), setup_f(self.clock_slew, 0.5))
        self.t_cq = self.register_output(0.005)[0]

    def net_load(self, net):
        return self.load.get(net, 0.0)

    def register_output(self, load):
        """(arrival rise, arrival fall, slew rise, slew fall) of a flip-flop output driving `load`."""
        t, c = self._clk_q[dff_for(load)], self.clock_slew
        return (t["cell_rise"](c, load), t["cell_fall"](c, load), t["rise_transition"](c, load),
                t["fall_transition"](c, load))

    def cell_outputs(self, ci, pin_at):
        """{output net: (ar, af, sr, sf)} of cell ci; pin_at(pin) gives its input's (ar, af, sr, sf)."""
        _, ctype, pins = self.nl.cells[ci]
        cell = self.lib.cell(ctype)
        res = {}
        for rel, out, ttype, tables, sense in cell.arcs:
            net = pins.get(out)
            if net is None or rel not in pins or _const(pins[rel]):
                continue
            ar, af, sr, sf = pin_at(rel)
            load = self.net_load(net)
            cands_r, cands_f = [], []
            if sense in ("positive_unate", "non_unate"):
                cands_r.append((ar, sr))
                cands_f.append((af, sf))
            if sense in ("negative_unate", "non_unate"):
                cands_r.append((af, sf))
                cands_f.append((ar, sr))
            o = res.get(net, (0.0, 0.0, 0.0, 0.0))
            o = list(o)
            if "cell_rise" in tables:
                for a, sl in cands_r:
                    o[0] = max(o[0], a + tables["cell_rise"](sl, load))
                    o[2] = max(o[2], tables["rise_transition"](sl, load))
            if "cell_fall" in tables:
                for a, sl in cands_f:
                    o[1] = max(o[1], a + tables["cell_fall"](sl, load))
                    o[3] = max(o[3], tables["fall_transition"](sl, load))
            res[net] = tuple(o)
        for net in output_net(self.nl, ci):  # a cell with no timed input (a tie cell)
            res.setdefault(net, (0.0, 0.0, self.clock_slew, self.clock_slew))
        return res


def output_net(nl, ci):
    _, ctype, pins = nl.cells[ci]
    cell = nl.lib.cell(ctype)
    return [net for pin, net in pins.items() if cell.pins[pin]["dir"] == "output"]


def input_pins(nl, ci):
    _, ctype, pins = nl.cells[ci]
    cell = nl.lib.cell(ctype)
    return [(pin, net) for pin, net in pins.items() if cell.pins[pin]["dir"] == "input"]


def _arr(t):
    return max(t[0], t[1])


def combinational_arrivals(nl, timing, order):
    """Arrival of every net with the inputs launched by registers and no register inside."""
    at = {}
    for _, _, net in nl.inputs:
        at[net] = timing.register_output(timing.net_load(net))
    for ci in order:
        _, _, pins = nl.cells[ci]
        at.update(timing.cell_outputs(ci, lambda pin: at[pins[pin]]))
    return at


def staged_arrivals(nl, timing, order, cell_stage, net_stage):
    """In-stage arrival of every net for a stage assignment: a net read in a later stage than it is driven comes
    from a register (clock-to-Q restarts the path). Returns {net: arrival tuple}."""
    at = {}
    for _, _, net in nl.inputs:
        at[net] = timing.register_output(timing.net_load(net))
    for ci in order:
        _, _, pins = nl.cells[ci]
        s = cell_stage[ci]

        def pin_at(pin):
            net = pins[pin]
            if net_stage.get(net, -1) == s:
                return at[net]
            return timing.register_output(timing.net_load(net))

        at.update(timing.cell_outputs(ci, pin_at))
    return at


def worst_endpoint(nl, order, cell_stage, net_stage, at):
    """Latest arrival at a register input: nets read in a later stage, and the outputs."""
    reg = set(net for _, _, net in nl.outputs if not _const(net))
    for ci in order:
        s = cell_stage[ci]
        for _, net in input_pins(nl, ci):
            if not _const(net) and net_stage.get(net, -1) != s and net_stage.get(net, -1) >= 0:
                reg.add(net)
    return max((_arr(at[n]) for n in reg if n in at and net_stage.get(n, -1) >= 0), default=0.0)


def assign_asap(nl, timing, budget, order, min_stage=None):
    """Greedy: each cell in the earliest stage (not before min_stage, if given) where its in-stage arrival fits the
    budget."""
    out_stage, at = {}, {}
    for _, _, net in nl.inputs:
        out_stage[net] = -1
    cell_stage = {}
    for ci in order:
        _, _, pins = nl.cells[ci]
        ins = [net for _, net in input_pins(nl, ci) if not _const(net)]
        s = max([out_stage[n] for n in ins] + [min_stage[ci] if min_stage else 0])
        while True:
            def pin_at(pin, s=s):
                net = pins[pin]
                if out_stage.get(net, -1) == s:
                    return at[net]
                return timing.register_output(timing.net_load(net))
            res = timing.cell_outputs(ci, pin_at)
            if max((_arr(v) for v in res.values()), default=0.0) <= budget or \
                    all(out_stage.get(n, -1) < s for n in ins):
                break
            s += 1
        cell_stage[ci] = s
        for n, v in res.items():
            out_stage[n], at[n] = s, v
    return cell_stage, out_stage


def assign_by_cuts(nl, timing, budget, order, slack_ns, step=0.02):
    """Cut times chosen to cross the fewest nets: a cell's stage is the number of cuts before its combinational
    arrival. Cuts are spaced so a stage's in-stage arrival stays under the budget (with slack_ns kept for cells that
    straddle a cut); the cut times minimize the register bits by dynamic programming over a time grid."""
    comb = combinational_arrivals(nl, timing, order)
    a = {n: _arr(v) for n, v in comb.items()}
    total = max((a[n] for _, _, n in nl.outputs if not _const(n)), default=0.0)
    first = budget - slack_ns                 # stage 0 starts from the input registers (already in a)
    span = budget - slack_ns - timing.t_cq    # later stages start from a register's clock-to-Q
    if first <= 0 or span <= 0:
        return None
    n_cuts = 0 if total <= first else int((total - first + span - 1e-9) // span) + 1
    if n_cuts == 0:
        return {ci: 0 for ci in order}, {**{n: -1 for _, _, n in nl.inputs}, **{n: 0 for n in a if n not in
                                                                                    {x for _, _, x in nl.inputs}}}
    grid_n = int(total / step) + 2
    # C(t): nets alive across t (driven at or before t, read after t; outputs are read at the end).
    reads = defaultdict(float)
    outputs = {n for _, _, n in nl.outputs}
    for ci in order:
        ac = max(a[n] for n in output_net(nl, ci))
        for _, net in input_pins(nl, ci):
            if not _const(net):
                reads[net] = max(reads[net], ac)
    delta = [0] * (grid_n + 1)
    for net, an in a.items():
        end = float("inf") if net in outputs else reads.get(net, an)
        lo = int(an / step + 1e-9)
        if an > lo * step + 1e-12:
            lo += 1  # the first grid time >= an
        hi = grid_n if end == float("inf") else min(grid_n, int((end - 1e-12) / step) + 1)
        if lo < hi:
            delta[lo] += 1
            delta[hi] -= 1
    cost, run = [], 0
    for k in range(grid_n):
        run += delta[k]
        cost.append(run)
    w_first, w_span = int(first / step), int(span / step)
    # f[j] after cut k: least total crossing with cut k at grid j.
    INF = float("inf")
    f = [cost[j] if j <= w_first else INF for j in range(grid_n)]
    choice = []
    for _ in range(1, n_cuts):
        g, arg = [INF] * grid_n, [0] * grid_n
        window = deque()  # indices of f in increasing order of position, values increasing (sliding minimum)
        for j in range(grid_n):
            while window and window[0] < j - w_span:
                window.popleft()
            if window:
                g[j], arg[j] = f[window[0]] + cost[j], window[0]
            if f[j] < INF:
                while window and f[window[-1]] >= f[j]:
                    window.pop()
                window.append(j)
        choice.append(arg)
        f = g
    last = [j for j in range(grid_n) if f[j] < INF and total - j * step <= span]
    if not last:
        return None
    j = min(last, key=lambda k: f[k])
    cuts = [j]
    for arg in reversed(choice):
        j = arg[j]
        cuts.append(j)
    cuts = sorted(c * step for c in cuts)
    cell_stage = {}
    net_stage = {n: -1 for _, _, n in nl.inputs}
    for ci in order:
        ac = max(a[n] for n in output_net(nl, ci))
        s = sum(1 for t in cuts if t < ac)
        # A cell never precedes the stages of its inputs (equal arrivals at a cut).
        s = max([s] + [net_stage.get(net, 0) for _, net in input_pins(nl, ci) if not _const(net)])
        cell_stage[ci] = s
        for n in output_net(nl, ci):
            net_stage[n] = s
    return cell_stage, net_stage


def register_plan(nl, cell_stage, out_stage):
    """For every net, the stages at which it is read; registers needed = chain lengths. Returns (n_stages,
    {net: (driver stage, last stage read)})."""
    n_stages = max(cell_stage.values(), default=0) + 1
    last_read = {}
    for ci, s in cell_stage.items():
        for _, net in input_pins(nl, ci):
            if not _const(net):
                last_read[net] = max(last_read.get(net, -2), s)
    for _, _, net in nl.outputs:
        if not _const(net):
            last_read[net] = n_stages  # the output register boundary
    chains = {}
    for net, k in last_read.items():
        s = out_stage.get(net, -1)
        if k > s:
            chains[net] = (s, k)
    return n_stages, chains


def count_registers(chains):
    return sum(k - s for s, k in chains.values())


def shared_nets(nl, shared_ports):
    """Nets whose input cone holds only ports in shared_ports (and constants)."""
    if not shared_ports:
        return set()
    kind = {}
    for name, _, net in nl.inputs:
        kind[net] = name in shared_ports
    for ci in nl.topo_order():
        ins = [net for _, net in input_pins(nl, ci) if not _const(net)]
        sh = bool(ins) and all(kind.get(n, False) for n in ins)
        for n in output_net(nl, ci):
            kind[n] = sh
    return {n for n, s in kind.items() if s}


def pipeline(nl, period, margin, wire_cap=None, shared_ports=()):
    """Cuts nl into stages for `period` ns with `margin` ns kept free (under this module's timing). Tries the cut
    times of least crossing and the greedy packing; keeps the valid one with fewer register bits. Returns a plan."""
    timing = Timing(nl, wire_cap)
    order = nl.topo_order()
    budget = period - timing.setup - margin
    candidates = [("greedy", assign_asap(nl, timing, budget, order))]
    # Cut times of least crossing, then the greedy pass from them: a cell that straddles a cut and no longer fits
    # (its inputs now come from registers) moves to the next stage.
    for slack in (0.0, 0.3, 0.6, 1.0):
        cut = assign_by_cuts(nl, timing, budget, order, slack)
        if cut is not None:
            candidates.append((f"cuts+{slack}", assign_asap(nl, timing, budget, order, min_stage=cut[0])))
    best = None
    for name, (cells, nets) in candidates:
        n, chains = register_plan(nl, cells, nets)
        at = staged_arrivals(nl, timing, order, cells, nets)
        worst = worst_endpoint(nl, order, cells, nets, at)
        regs = count_registers(chains)
        key = (regs, n)
        if best is None or key < best["key"]:
            best = {"method": name, "cell_stage": cells, "net_stage": nets, "stages": n, "chains": chains,
                    "registers": regs, "key": key, "worst_ns": worst}
    best["candidates"] = {}
    for name, (cells, nets) in candidates:
        n, chains = register_plan(nl, cells, nets)
        best["candidates"][name] = (n, count_registers(chains))
    best["budget_ns"] = budget
    best["setup_ns"] = timing.setup
    sh = shared_nets(nl, set(shared_ports))
    best["shared_nets"] = sh
    best["shared_registers"] = sum(k - s for net, (s, k) in best["chains"].items() if net in sh)
    return best


class PNet:
    """A netlist ready to emit: cells (instance name, type, {pin: net name}), ports, and the clock. Net names are
    strings; "1'b0" / "1'b1" are the constants."""

    def __init__(self, module, lib):
        self.module, self.lib = module, lib
        self.cells, self.inputs, self.outputs = [], [], []  # inputs/outputs: (port, bit, net name)
        self.latency = 0
        self.shared_cells = set()  # indices into cells of logic shared by all lanes

    def port_widths(self):
        widths = defaultdict(int)
        for name, idx, _ in self.inputs + self.outputs:
            widths[name] = max(widths[name], idx + 1)
        return dict(widths)

    def nets(self):
        seen = {}
        for _, _, n in self.inputs:
            seen[n] = None
        for _, _, pins in self.cells:
            for n in pins.values():
                if not n.startswith("1'b"):
                    seen[n] = None
        for _, _, n in self.outputs:
            if not n.startswith("1'b"):
                seen[n] = None
        return list(seen)


def _vname(net, k=None):
    if _const(net):
        return "1'b1" if net == "c1" else "1'b0"
    return f"n{net}" if k is None else f"n{net}_r{k}"


def pipelined_pnet(nl, plan, module, wire_cap=None):
    """The cut netlist: the original cells reading each net at their stage, plus the register chains."""
    pn = PNet(module, nl.lib)
    cell_stage, net_stage, chains = plan["cell_stage"], plan["net_stage"], plan["chains"]
    shared = plan.get("shared_nets", set())

    def ref(net, at):
        if _const(net):
            return _vname(net)
        return _vname(net) if at == net_stage.get(net, -1) else _vname(net, at)

    for name, idx, net in nl.inputs:
        pn.inputs.append((name, idx, _vname(net)))
    for ci, (cname, ctype, pins) in enumerate(nl.cells):
        s = cell_stage[ci]
        cell = nl.lib.cell(ctype)
        conns = {pin: (_vname(net) if cell.pins[pin]["dir"] == "output" else ref(net, s)) for pin, net in pins.items()}
        if all(n in shared for n in output_net(nl, ci)) and shared:
            pn.shared_cells.add(len(pn.cells))
        pn.cells.append((f"c{ci}", ctype, conns))
    # Each register of a chain drives the readers of its stage and the next register.
    reader_load = defaultdict(float)
    reader_count = defaultdict(int)
    for ci, (cname, ctype, pins) in enumerate(nl.cells):
        cell = nl.lib.cell(ctype)
        for pin, net in pins.items():
            if cell.pins[pin]["dir"] == "input" and not _const(net):
                reader_load[(net, cell_stage[ci])] += cell.pins[pin]["cap"]
                reader_count[(net, cell_stage[ci])] += 1
    d_cap = nl.lib.cell(DFF).pins["D"]["cap"]
    outputs = {net for _, _, net in nl.outputs}
    r = 0
    for net, (s, k) in chains.items():
        for j in range(s + 1, k + 1):
            prev = _vname(net) if j == s + 1 else _vname(net, j - 1)
            more = j < k or (j == plan["stages"] and net in outputs)
            fanout = reader_count[(net, j)] + (1 if more else 0)
            load = reader_load[(net, j)] + (d_cap if more else 0.0) + (wire_cap(fanout) if wire_cap else 0.0)
            if net in shared:
                pn.shared_cells.add(len(pn.cells))
            pn.cells.append((f"r{r}", dff_for(load), {"CLK": "clk", "D": prev, "Q": _vname(net, j)}))
            r += 1
    last = plan["stages"]
    for name, idx, net in nl.outputs:
        pn.outputs.append((name, idx, ref(net, last)))
    pn.latency = last + 1
    return pn


def plain_pnet(nl, module):
    """A netlist as synthesized (sequential units: their own registers, no cut)."""
    pn = PNet(module, nl.lib)
    for name, idx, net in nl.inputs:
        pn.inputs.append((name, idx, _vname(net) if name != "clk" else "clk"))
    clk_nets = {net for name, _, net in nl.inputs if name == "clk"}
    for ci, (cname, ctype, pins) in enumerate(nl.cells):
        # The synthesized instance name, made a plain identifier, says where a reported path runs.
        name = re.sub(r"[^A-Za-z0-9_]+", "_", cname).strip("_")[:60]
        pn.cells.append((f"c{ci}_{name}" if name else f"c{ci}", ctype,
                         {p: ("clk" if n in clk_nets else _vname(n)) for p, n in pins.items()}))
    for name, idx, net in nl.outputs:
        pn.outputs.append((name, idx, _vname(net)))
    return pn


def emit_verilog(pn, path):
    """Structural Verilog of a PNet (for OpenSTA)."""
    widths = pn.port_widths()
    in_names = sorted({n for n, _, _ in pn.inputs if n != "clk"})
    out_names = sorted({n for n, _, _ in pn.outputs})
    lines = [f"module {pn.module} (clk, {', '.join(in_names + out_names)});", "  input clk;"]
    lines += [f"  input [{widths[n] - 1}:0] {n};" for n in in_names]
    lines += [f"  output [{widths[n] - 1}:0] {n};" for n in out_names]
    lines += [f"  wire {n};" for n in pn.nets() if n != "clk"]
    for name, idx, net in pn.inputs:
        if name != "clk":
            lines.append(f"  assign {net} = {name}[{idx}];")
    for iname, ctype, pins in pn.cells:
        lines.append(f"  {ctype} {iname} (" + ", ".join(f".{p}({n})" for p, n in pins.items()) + ");")
    for name, idx, net in pn.outputs:
        lines.append(f"  assign {name}[{idx}] = {net};")
    lines.append("endmodule")
    open(path, "w").write("\n".join(lines) + "\n")
