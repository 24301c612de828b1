#!/usr/bin/env python3
"""Checks a cost.json written by run_cost.py with a Liberty file: mor_clock_gate must come out as the library's
integrated clock-gating cell (one cell, with that cell's area), not as a bare latch and AND gate, whose latch Yosys
0.23 leaves unmapped and without area. Usage: check_icg.py COST_JSON"""
import json
import sys

if len(sys.argv) != 2:
    sys.exit(__doc__)
try:
    units = {u["name"]: u for u in json.load(open(sys.argv[1]))["units"]}
except (OSError, ValueError, KeyError) as err:
    sys.exit(f"check_icg: cannot read {sys.argv[1]}: {err}")
gate = units.get("mor_clock_gate")
if gate is None:
    sys.exit(f"check_icg: no mor_clock_gate in {sys.argv[1]}")
if gate["cells"] != 1 or gate["ge"] is None or gate["ge"] < 3:
    sys.exit(f"check_icg: mor_clock_gate is {gate['cells']} cells and {gate['ge']} GE: not the library's "
             "clock-gating cell")
print(f"mor_clock_gate: one clock-gating cell, {gate['ge']} GE")
