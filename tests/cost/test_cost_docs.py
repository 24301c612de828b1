#!/usr/bin/env python3
"""The cost flow's documents and memory model (no synthesis): docs/cost-analysis.md agrees with docs/cost.json,
a figure changed in a copy of the page is caught, and the memory model's macro counts and areas follow from the
macro's LEF size (683.1 x 416.54 um, 512 x 32 bits) by hand."""
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "rtl" / "cost"))
import memory_model  # noqa: E402

CHECK = ROOT / "rtl" / "cost" / "check_analysis.py"
failures = []


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run_check(analysis):
    return subprocess.run([sys.executable, str(CHECK), "--json", str(ROOT / "docs" / "cost.json"), "--analysis",
                           str(analysis)], capture_output=True, text=True)


# 1. The page as committed quotes the report's figures.
res = run_check(ROOT / "docs" / "cost-analysis.md")
print(res.stdout.strip())
expect(res.returncode == 0, "docs/cost-analysis.md agrees with docs/cost.json")

# 2. A stale figure is caught: the BF16 current-scaling row's total mm^2 changed by one in its last digit.
text = (ROOT / "docs" / "cost-analysis.md").read_text()
lines = text.splitlines()
row = next(i for i, l in enumerate(lines) if l.startswith("| current scaling"))
cells = lines[row].split("|")
total = cells[5].strip()
digits = len(total.split(".")[1])
cells[5] = f" {float(total) + 10 ** -digits:.{digits}f} "
lines[row] = "|".join(cells)
with tempfile.TemporaryDirectory() as tmp:
    stale = Path(tmp) / "cost-analysis.md"
    stale.write_text("\n".join(lines) + "\n")
    res = run_check(stale)
    expect(res.returncode == 1 and "total mm^2" in res.stdout, "a changed total mm^2 is reported stale")

# 3. Memory model by hand: the macro is 683.1 x 416.54 um = 0.284538 mm^2, 512 words x 32 bits.
macro = 683.1 * 416.54 / 1e6
m = memory_model.memory(2 * 512, 1024)  # FP32 128x128 double buffer: 1024 beats of 32 x 32 bits
expect(m["macros"] == 64 and abs(m["area_mm2"] - 64 * macro) < 1e-9, "1 Mbit double buffer: 64 macros, 18.21 mm^2")
m = memory_model.memory(1024, 512)  # BF16 double buffer
expect(m["macros"] == 32 and m["across"] == 16, "512 kbit double buffer: 16 across x 2 rows")
m = memory_model.memory(4096, 10)  # tag (2) + E8 scale (8) per block, packed 3 to a 32-bit word: 1366 words
expect(m["macros"] == 3, "4096 x 10-bit tag-and-scale memory: 3 macros")
m = memory_model.memory(4096, 32)
expect(m["macros"] == 8 and abs(m["read_pj_per_word"] - (2.707 + 2.420)) < 1e-12, "block amax memory: 8 macros")

print("PASS" if not failures else f"{len(failures)} FAILED")
sys.exit(1 if failures else 0)
