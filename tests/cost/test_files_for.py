#!/usr/bin/env python3
"""The cost flow reads (and keys its cache on) only the files a top module needs: rtl/cost/synth.py files_for.
Checked against Yosys itself: one Yosys session reads every file, elaborates each top (every rtl/src module and
every cost unit of rtl/cost/cost_units.sv) and lists the modules of its hierarchy; the files defining those modules,
and the package, must be exactly files_for's, in the order given. A missing file would make a run fail, an extra one
would rerun units for edits that cannot change them."""
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "rtl" / "cost"))
import synth  # noqa: E402

if not shutil.which("yosys"):
    print("SKIP: yosys not found")
    sys.exit(77)

files = [synth.PACKAGE] + sorted((ROOT / "rtl" / "src").glob("*.sv")) + [ROOT / "rtl" / "cost" / "cost_units.sv"]
defined_in = {}
for f in files:
    for name in re.findall(r"^\s*module\s+(\w+)", re.sub(r"//.*", "", f.read_text()), re.M):
        defined_in[name] = f
tops = sorted(defined_in)  # every rtl/src module, the engine among them, and every cost unit

script = ["read_verilog -defer -sv -I%s %s" % (ROOT / "rtl" / "include", " ".join(str(f) for f in files)),
          "design -save all"]
for top in tops:
    script += ["design -load all", f"tee -q -o {{out}}/{top}.txt hierarchy -top {top}",
               f"tee -q -a {{out}}/{top}.txt ls"]
failures = []
with tempfile.TemporaryDirectory() as out:
    ys = Path(out) / "run.ys"
    ys.write_text("\n".join(script).replace("{out}", out) + "\n")
    proc = subprocess.run(["yosys", "-q", "-s", str(ys)], capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stderr[-2000:])
        sys.exit(1)
    for top in tops:
        listing = (Path(out) / f"{top}.txt").read_text()
        # `ls` lists `name`, `$paramod<backslash>name<backslash>P=V...` or `$paramod$hash<backslash>name`.
        used = {m.split("\\")[1] if m.startswith("$paramod") else m
                for m in re.findall(r"^\s+(\S+)\s*$", listing, re.M)}
        want = [f for f in files if f == synth.PACKAGE or f in {defined_in[n] for n in used if n in defined_in}]
        got = synth.files_for(top, files)
        if got != want:
            failures.append(top)
            print(f"FAIL {top}: files_for {[f.name for f in got]}, Yosys {[f.name for f in want]}")
# A leaf reads the package and itself; an edit elsewhere (the fallback unit) reruns nothing that does not hold it.
leaf = synth.files_for("mor_rounding", files)
if [f.name for f in leaf] != ["mor_pkg.sv", "mor_rounding.sv"]:
    failures.append("mor_rounding leaf")
print(f"files_for against Yosys: {len(tops)} tops, {len(failures)} differ")
sys.exit(1 if failures else 0)
