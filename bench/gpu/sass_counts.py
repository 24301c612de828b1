#!/usr/bin/env python3
"""Static SASS counts of the MoR kernels, for machines without a GPU: registers (ptxas -v), instructions per kernel,
and the main loop of each streaming kernel (the innermost backward branch that holds the 128-bit loads) with its
instructions per element. These are counts of the compiled code, not timings: they say what a kernel issues, not
how fast it runs.

Compiles each source with the project's flags for sm_90a (nvcc -cubin) and disassembles with nvdisasm, which the CUDA
13.0 toolkit here does not ship: `pip install "nvidia-cuda-nvdisasm>=13.0,<14"` into any venv and pass --nvdisasm.

usage: sass_counts.py --nvdisasm PATH [--nvcc PATH] [--root DIR] [--label NAME] SOURCE.cu|KERNELS.cubin ...
(a .cubin is read as built, with its `ptxas -v` output beside it as KERNELS.ptxas)
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile

FLAGS = ["-std=c++17", "-O3", "-DNDEBUG", "-arch=sm_90a", "-Xcompiler=-ffp-contract=off", "--expt-relaxed-constexpr",
         "-lineinfo", "-Xptxas", "-v"]
INSTR = re.compile(r"^\s+/\*([0-9a-f]{4,})\*/\s+(@!?U?P\w+\s+)?([A-Z][A-Z0-9_.]*)(.*);")
LABEL = re.compile(r"^(\.L_x_\d+):")
FUNC = re.compile(r"^\.text\.(\S+):")
BRANCH = re.compile(r"`\((\.L_x_\d+)\)")
KEY_OPS = ["MUFU.RCP", "FCHK", "CALL.REL.NOINC", "SHFL.BFLY", "BAR.SYNC", "WARPSYNC", "BRA.DIV"]


def demangle(names):
    out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True, check=True).stdout
    return out.splitlines()


def short(name):
    """void mor::gpu::(anonymous namespace)::stats_kernel<(mor::gpu::InputType)1>(...) -> stats_kernel<bf16>"""
    name = name.replace("(anonymous namespace)::", "").replace("void ", "", 1)
    name = name.replace("(mor::gpu::InputType)0", "f32").replace("(mor::gpu::InputType)1", "bf16")
    name = name.replace("mor::gpu::", "").replace("detail::", "")
    return name.split("(")[0]


def registers(ptxas_log):
    regs, current = {}, None
    for line in ptxas_log.splitlines():
        m = re.search(r"Compiling entry function '(\S+)'", line)
        if m:
            current = m.group(1)
        m = re.search(r"Used (\d+) registers", line)
        if m and current:
            regs[current] = int(m.group(1))
            current = None
    return regs


def parse_sass(text):
    """{function: [(addr, opcode, operands)], labels: {label: addr}} for every kernel in the disassembly."""
    funcs, labels, cur = collections.OrderedDict(), {}, None
    for line in text.splitlines():
        m = FUNC.match(line)
        if m:
            cur = m.group(1)
            funcs[cur] = []
            continue
        m = LABEL.match(line)
        if m and cur:
            labels[m.group(1)] = None  # resolved to the next instruction's address
            pending = m.group(1)
            funcs[cur].append(("label", pending, ""))
            continue
        m = INSTR.match(line)
        if m and cur:
            funcs[cur].append((int(m.group(1), 16), m.group(3), m.group(4)))
    out = {}
    for f, items in funcs.items():
        instrs, lab = [], {}
        pending = []
        for it in items:
            if it[0] == "label":
                pending.append(it[1])
                continue
            for p in pending:
                lab[p] = it[0]
            pending = []
            instrs.append(it)
        # drop the trailing self-branch and NOP padding
        while instrs and (instrs[-1][1] == "NOP" or (instrs[-1][1] == "BRA" and BRANCH.search(instrs[-1][2]) and
                                                      lab.get(BRANCH.search(instrs[-1][2]).group(1)) == instrs[-1][0])):
            instrs.pop()
        out[f] = (instrs, lab)
    return out


def main_loop(instrs, lab):
    """The smallest loop (backward branch) containing a 128-bit global load: (instructions, 128-bit loads)."""
    best = None
    for addr, op, rest in instrs:
        if not op.startswith("BRA"):
            continue
        m = BRANCH.search(rest)
        target = lab.get(m.group(1)) if m else None
        if target is None or target >= addr:
            continue
        body = [i for i in instrs if target <= i[0] <= addr]
        loads = sum(1 for i in body if i[1].startswith("LDG.") and ".128" in i[1])
        if loads and (best is None or len(body) < best[0]):
            best = (len(body), loads)
    return best


def analyse(src, nvcc, nvdisasm, root):
    if src.endswith(".cubin"):  # prebuilt: its ptxas -v log beside it as NAME.ptxas
        log = src[:-len(".cubin")] + ".ptxas"
        regs = registers(open(log).read()) if os.path.exists(log) else {}
        sass = subprocess.run([nvdisasm, "-c", src], capture_output=True, text=True, check=True).stdout
        return rows_of(sass, regs)
    with tempfile.TemporaryDirectory() as tmp:
        cubin = os.path.join(tmp, "k.cubin")
        r = subprocess.run([nvcc] + FLAGS + ["-I" + os.path.join(root, "model/include"),
                                             "-I" + os.path.join(root, "kernels/include"), "-cubin", "-o", cubin, src],
                           capture_output=True, text=True, cwd=root)
        if r.returncode:
            sys.exit(f"nvcc failed on {src}:\n{r.stderr}")
        regs = registers(r.stdout + r.stderr)
        sass = subprocess.run([nvdisasm, "-c", cubin], capture_output=True, text=True, check=True).stdout
    return rows_of(sass, regs)


def rows_of(sass, regs):
    funcs = parse_sass(sass)
    names = list(funcs)
    pretty = dict(zip(names, demangle(names)))
    rows = []
    for f, (instrs, lab) in funcs.items():
        ops = collections.Counter(i[1] for i in instrs)
        key = {k: sum(n for op, n in ops.items() if op == k or op.startswith(k + ".")) for k in KEY_OPS}
        width = lambda op: "128" if ".128" in op else "64" if ".64" in op else "8/16" if (".U8" in op or ".U16" in op) else "32"
        for kind in ("LDG", "STG"):
            for w in ("128", "64", "32"):
                key[f"{kind}.{w}"] = sum(n for op, n in ops.items() if op.startswith(kind + ".") and width(op) == w)
        key["RED"] = sum(n for op, n in ops.items() if op.startswith(("RED", "ATOMG")) and not op.startswith("REDUX"))
        loop = main_loop(instrs, lab)
        bf16 = "(mor::gpu::InputType)1" in pretty[f]
        per_elem = None
        if loop:
            elems_per_load = 8 if bf16 else 4  # a 16-byte load holds 8 BF16 or 4 FP32 elements
            per_elem = loop[0] / (loop[1] * elems_per_load)
        rows.append({"kernel": short(pretty[f]), "input": "bf16" if bf16 else "fp32", "regs": regs.get(f),
                     "instructions": len(instrs), "loop": loop, "per_element": per_elem, "ops": key})
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sources", nargs="+")
    ap.add_argument("--nvcc", default="/usr/local/cuda/bin/nvcc")
    ap.add_argument("--nvdisasm", required=True)
    ap.add_argument("--root", default=".", help="the tree whose model/include and kernels/include are used")
    ap.add_argument("--label", default="")
    args = ap.parse_args()
    for src in args.sources:
        rows = analyse(os.path.abspath(src), args.nvcc, args.nvdisasm, os.path.abspath(args.root))
        print(f"### {args.label or src}")
        print("| kernel | input | registers | SASS instructions | main loop: instructions / 128-bit loads | "
              "per element (static) | MUFU.RCP | FCHK | CALL | SHFL | BAR | BRA.DIV | global atomics | LDG.128 | STG.128 | "
              "STG.64 | STG.32 |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in sorted(rows, key=lambda r: (r["kernel"], r["input"])):
            o = r["ops"]
            loop = f"{r['loop'][0]} / {r['loop'][1]}" if r["loop"] else "-"
            pe = f"{r['per_element']:.1f}" if r["per_element"] else "-"
            print(f"| {r['kernel']} | {r['input']} | {r['regs']} | {r['instructions']} | {loop} | {pe} | {o['MUFU.RCP']} | "
                  f"{o['FCHK']} | {o['CALL.REL.NOINC']} | {o['SHFL.BFLY']} | {o['BAR.SYNC']} | {o['BRA.DIV']} | {o['RED']} | "
                  f"{o['LDG.128']} | {o['STG.128']} | {o['STG.64']} | {o['STG.32']} |")
        print()


if __name__ == "__main__":
    main()
