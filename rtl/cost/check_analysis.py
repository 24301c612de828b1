#!/usr/bin/env python3
"""Stale-figure check: every number of the comparison tables in docs/cost-analysis.md, and the engine's worst
slack quoted there, must be the figure of docs/cost.json (the generated report) at the precision the page prints.

The page is written by hand around the generated tables; this check is what keeps it from drifting the way the
1,549 k / 457 k rows did (issue 18). Exit 0 when they agree, 1 with one line per stale figure, 2 on unreadable input.
Usage: check_analysis.py [--json docs/cost.json] [--analysis docs/cost-analysis.md]
"""
import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The first phrase of a row's label that names the quantizer (the labels are shortened in the FP32 table).
LABELS = [("current scaling", "cs"), ("MXFP8", "mx"), ("interval metric", "tl_interval"),
          ("canonical metric", "tl_canonical"), ("1x32", "st_1x32"), ("double buffer", "st_128_buffer"),
          ("two passes", "st_128_twopass")]
NUM = r"-?[0-9][0-9,]*(?:\.[0-9]+)?"


def numbers(cell):
    return [n.replace(",", "") for n in re.findall(NUM, cell)]


def decimals(text):
    return len(text.split(".")[1]) if "." in text else 0


def same(printed, value, scale=1.0):
    """The printed figure is the value rounded to the printed precision (value / scale)."""
    if value is None:
        return False
    d = decimals(printed)
    return abs(float(printed) - round(value / scale, d)) <= 0.5 * 10 ** -d + 1e-9


def key_of(label):
    for phrase, key in LABELS:
        if phrase in label:
            return key
    return None


def comparison_tables(text):
    """[(input, [row cells])] of the two tables under '## The comparison' (BF16 first, then FP32)."""
    section = text.split("## The comparison", 1)[1].split("\n## ", 1)[0]
    tables, current = [], None
    for line in section.splitlines():
        if line.startswith("| quantizer"):
            current = []
            tables.append(current)
        elif line.startswith("|") and current is not None and not line.startswith("|---"):
            current.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif not line.startswith("|"):
            current = None
    return list(zip(("bf16", "fp32"), tables))


def check_row(inp, cells, q):
    """Stale figures of one row: logic k GE, x current scaling, memories, total mm^2, pJ, bytes."""
    label, ge, ratio, mem, total, pj, byts = cells[:7]
    bad = []

    def expect(what, printed, value, scale=1.0):
        if not same(printed, value, scale):
            bad.append(f"{inp} {label}: {what} {printed} but docs/cost.json has {value}")

    expect("logic k GE", numbers(ge)[0], q["ge"], 1000.0)
    expect("x current scaling", numbers(ratio)[0], q.get("x_current_scaling"))
    if numbers(mem):
        expect("memories mm^2", numbers(mem)[0], q["memory_mm2"])
    elif q["memory_mm2"]:
        bad.append(f"{inp} {label}: no memory printed but docs/cost.json has {q['memory_mm2']} mm^2")
    expect("total mm^2", numbers(total)[0], q["total_mm2"])
    pjs = numbers(pj)
    expect("pJ / element", pjs[0], q["pj_per_element"])
    if len(pjs) > 1:
        expect("SRAM pJ / element", pjs[1], q["memory_pj"])
    b = q["bytes_per_element"]
    parts = [numbers(p) for p in byts.split(";")]
    expect("bytes / element (overlapped)", parts[0][0], b["overlapped"])
    if len(parts) > 1 and parts[1]:
        expect("bytes / element (one pass)", parts[1][0], b["one_pass"])
    return bad


def check(doc, text):
    by_key = {(q["key"], q["input"]): q for q in doc["quantizers"]}
    bad, rows = [], 0
    tables = comparison_tables(text)
    if len(tables) != 2:
        return [f"docs/cost-analysis.md: expected the BF16 and FP32 comparison tables, found {len(tables)}"], 0
    for inp, table in tables:
        for cells in table:
            key = key_of(cells[0])
            q = by_key.get((key, inp))
            if q is None:
                bad.append(f"{inp} {cells[0]}: no such quantizer in docs/cost.json")
                continue
            rows += 1
            bad += check_row(inp, cells, q)
    ec = doc.get("engine_clock") or {}
    m = re.search(r"worst slack \*\*(" + NUM + r") ns\*\*", text)
    if m and not same(m.group(1), ec.get("worst_slack_ns")):
        bad.append(f"engine worst slack {m.group(1)} ns but docs/cost.json has {ec.get('worst_slack_ns')}")
    return bad, rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", default=str(ROOT / "docs" / "cost.json"))
    ap.add_argument("--analysis", default=str(ROOT / "docs" / "cost-analysis.md"))
    args = ap.parse_args()
    try:
        doc = json.loads(Path(args.json).read_text())
        text = Path(args.analysis).read_text()
    except (OSError, ValueError) as e:
        print(f"check_analysis: {e}", file=sys.stderr)
        return 2
    if "## The comparison" not in text or not doc.get("quantizers"):
        print("check_analysis: no comparison in the analysis or no quantizers in the report", file=sys.stderr)
        return 2
    bad, rows = check(doc, text)
    for line in bad:
        print("stale:", line)
    print(f"check_analysis: {rows} rows checked against {args.json}, {len(bad)} stale figures")
    return 1 if bad or rows == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
