#!/usr/bin/env python3
"""Fanout buffering of a mapped netlist before OpenSTA (what a place-and-route flow's repair_design does first).

Yosys + ABC map logic without buffering the nets that leave a flip-flop or a module input, so OpenSTA sees one
sky130 cell driving a thousand pins (a block buffer's bank select, a configuration bit) and reports a clock-to-Q
of 5-17 ns that no real flow would leave. This script rewrites a netlist written by
`write_verilog -noexpr -noattr -simple-lhs`: every net with more than FANOUT loads gets a tree of buffers (BUF cell,
FANOUT loads each), clock nets excepted (OpenSTA's ideal clocks). Timing on the result is an unplaced estimate with
the buffering a real flow adds; without wire load (stated beside every figure).

usage: buffer_netlist.py IN.v OUT.v [--fanout 8] [--buf sky130_fd_sc_hd__buf_8]
"""
import argparse
import re
from collections import defaultdict

OUTPUT_PINS = {"X", "Y", "Q", "Q_N", "GCLK", "COUT", "SUM", "HI", "LO", "Z", "Z_N"}
CLOCK_PINS = {"CLK", "CLK_N", "GATE", "GATE_N"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--fanout", type=int, default=8)
    ap.add_argument("--buf", default="sky130_fd_sc_hd__buf_8")
    args = ap.parse_args()
    text = open(args.src).read()
    # Cell instances: TYPE NAME ( .PIN(NET), ... );
    cell_re = re.compile(r"^(\s*)(\S+)\s+(\S+)\s*\(\n(.*?)\n\s*\);", re.S | re.M)
    pin_re = re.compile(r"\.(\w+)\(([^()]*)\)")
    cells = []
    loads = defaultdict(list)  # net -> [(cell index, pin)]
    clock_nets = set()
    for m in cell_re.finditer(text):
        pins = pin_re.findall(m.group(4))  # (pin, net as written: an escaped name ends with a space)
        idx = len(cells)
        cells.append((m, pins))
        for p, raw in pins:
            n = raw.strip()
            if p in CLOCK_PINS:
                clock_nets.add(n)
            elif p not in OUTPUT_PINS and n and not n.startswith("1'") and not n.startswith("'"):
                loads[n].append((idx, p))
    # New pin assignments and buffers.
    rename = {}  # (cell index, pin) -> net
    new_cells, new_wires = [], []
    counter = [0]

    def tree(net, sinks):
        """Drive `sinks` from `net` through buffers of at most args.fanout loads each."""
        while len(sinks) > args.fanout:
            groups = [sinks[i:i + args.fanout] for i in range(0, len(sinks), args.fanout)]
            parents = []
            for g in groups:
                counter[0] += 1
                out = f"_fanout_buf_{counter[0]}_"
                new_wires.append(out)
                new_cells.append(f"  {args.buf} _fanout_cell_{counter[0]}_ (\n    .A(@SRC@),\n    .X({out})\n  );")
                parents.append((len(new_cells) - 1, out, g))
            sinks = []
            for cell_i, out, g in parents:
                for s in g:
                    if isinstance(s, tuple) and s[0] == "buf":
                        new_cells[s[1]] = new_cells[s[1]].replace("@SRC@", out)
                    else:
                        rename[s] = out
                sinks.append(("buf", cell_i))
        for s in sinks:
            if isinstance(s, tuple) and s[0] == "buf":
                new_cells[s[1]] = new_cells[s[1]].replace("@SRC@", net)

    for net, sinks in loads.items():
        if net not in clock_nets and len(sinks) > args.fanout:
            tree(net, list(sinks))
    # Rewrite.
    out, last = [], 0
    for idx, (m, pins) in enumerate(cells):
        out.append(text[last:m.start(4)])
        body = m.group(4)
        for p, n in pins:
            if (idx, p) in rename:
                new = "." + p + "(" + rename[(idx, p)] + ")"
                body = re.sub(r"\." + p + r"\(" + re.escape(n) + r"\)", lambda _m, new=new: new, body, count=1)
        out.append(body)
        last = m.end(4)
    out.append(text[last:])
    result = "".join(out)
    decl = "".join(f"  wire {w};\n" for w in new_wires) + "\n".join(new_cells) + "\n"
    result = result.rstrip()
    assert result.endswith("endmodule"), "one flat module expected"
    result = result[: -len("endmodule")] + decl + "endmodule\n"
    open(args.dst, "w").write(result)
    print(f"buffered {sum(1 for n, s in loads.items() if len(s) > args.fanout and n not in clock_nets)} nets with "
          f"{counter[0]} buffers")


if __name__ == "__main__":
    main()
