#!/usr/bin/env python3
"""Sharded long regressions: plan the shards of every `exhaustive` test, then merge their JSON results.

  exhaustive.py plan  --build BUILD --shards N --out DIR [--label exhaustive] [--tests REGEX]
      Asks ctest for the tests of the label (command, environment, working directory), splits each into N shards
      and writes DIR/manifest.json and DIR/jobs.txt: one shell line per shard, which runs the test binary with
      `--shard I/N --shard-json DIR/<test>.<I>-of-<N>.json` (log beside it). Any runner can run the lines: GNU
      parallel on the local cores (`make exhaustive JOBS=N`), on many machines (--sshloginfile), a Slurm job array.
      A test that also has the label `unsharded` (a command without --shard, e.g. an Icarus replay) is one job, run
      through `exhaustive.py wrap`, which writes its result file from the exit code.
  exhaustive.py merge DIR [--joblog FILE]
      Reads the manifest and every shard's JSON, sums elements, mismatches and seconds per test and per check,
      keeps the first mismatch (lowest index), writes DIR/summary.json and prints a table. Exit 0 only when every
      shard of every test is present, ran the full sweep, passed and found no mismatch (and, with a GNU parallel
      joblog, exited 0); else exit 1. Bad usage: exit 2.
  exhaustive.py wrap --shard-json FILE --name NAME -- COMMAND [ARGS...]
      Runs COMMAND and writes a one-shard result for it (passed = exit code 0; elements unknown, 0).

Only the Python standard library. The shard JSON schema is written by tests/support/test_main.cpp.
"""
import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

MANIFEST_SCHEMA = "mor-exhaustive-plan/1"
SHARD_SCHEMA = "mor-shard-result/1"
SUMMARY_SCHEMA = "mor-exhaustive-summary/1"


def fail_usage(msg):
    print(f"exhaustive.py: {msg}", file=sys.stderr)
    sys.exit(2)


def write_atomic(path, text):
    """Write to a temporary file beside `path`, then rename it into place."""
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-", suffix=os.path.basename(path))
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def shard_file(test, index, count):
    return f"{test}.{index}-of-{count}.json"


# ---- plan ----

def ctest_tests(build, label, regex):
    """The tests of `label` as ctest knows them: name, command, environment, working directory."""
    cmd = ["ctest", "-L", label, "--show-only=json-v1"]
    if regex:
        cmd += ["-R", regex]
    try:
        out = subprocess.run(cmd, cwd=build, check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        fail_usage(f"cannot list the '{label}' tests in {build}: {e}")
    tests = []
    for t in json.loads(out).get("tests", []):
        props = {p["name"]: p["value"] for p in t.get("properties", [])}
        if "command" not in t:
            continue
        tests.append({"name": t["name"], "command": t["command"], "environment": props.get("ENVIRONMENT", []),
                      "workdir": props.get("WORKING_DIRECTORY", build),
                      "sharded": "unsharded" not in props.get("LABELS", [])})
    return tests


def job_line(test, index, count, out_dir):
    base = os.path.join(out_dir, shard_file(test["name"], index, count))
    if test.get("sharded", True):
        argv = ["env", *test["environment"], *test["command"], "--shard", f"{index}/{count}", "--shard-json", base]
    else:
        argv = ["env", *test["environment"], "python3", os.path.abspath(__file__), "wrap", "--shard-json", base,
                "--name", test["name"], "--", *test["command"]]
    log = base[: -len(".json")] + ".log"
    return f"cd {shlex.quote(test['workdir'])} && {shlex.join(argv)} > {shlex.quote(log)} 2>&1"


def write_plan(out_dir, tests, shards):
    """Writes manifest.json and jobs.txt for `tests` (dicts as ctest_tests gives) into out_dir; returns the jobs."""
    out_dir = os.path.abspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    for f in os.listdir(out_dir):  # results of an earlier plan must not be merged into this one
        if re.fullmatch(r".+\.\d+-of-\d+\.(json|log)", f) or f in ("summary.json", "joblog"):
            os.remove(os.path.join(out_dir, f))
    count = {t["name"]: shards if t.get("sharded", True) else 1 for t in tests}
    jobs = [job_line(t, i, count[t["name"]], out_dir) for t in tests for i in range(count[t["name"]])]
    manifest = {"schema": MANIFEST_SCHEMA, "shards": shards,
                "tests": [{"name": t["name"], "shards": count[t["name"]], "command": t["command"],
                           "full": "MOR_SWEEP=full" in t["environment"]} for t in tests]}
    write_atomic(os.path.join(out_dir, "manifest.json"), json.dumps(manifest, indent=1) + "\n")
    write_atomic(os.path.join(out_dir, "jobs.txt"), "".join(j + "\n" for j in jobs))
    return jobs


def cmd_plan(a):
    if a.shards < 1 or a.shards > (1 << 20):
        fail_usage(f"--shards {a.shards}: want 1 .. 1048576")
    if not os.path.isfile(os.path.join(a.build, "CTestTestfile.cmake")):
        fail_usage(f"{a.build} is not a configured build folder (no CTestTestfile.cmake)")
    tests = ctest_tests(a.build, a.label, a.tests)
    if not tests:
        fail_usage(f"no tests with label '{a.label}' in {a.build}")
    jobs = write_plan(a.out, tests, a.shards)
    print(f"{len(tests)} tests x {a.shards} shards = {len(jobs)} jobs: {os.path.join(os.path.abspath(a.out), 'jobs.txt')}")
    return 0


# ---- merge ----

def read_joblog(path):
    """GNU parallel --joblog: the exit value and signal of each command, by the shard JSON path inside it."""
    exits = {}
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")
        col = {name: i for i, name in enumerate(header)}
        if not {"Exitval", "Signal", "Command"} <= col.keys():
            fail_usage(f"{path} is not a GNU parallel joblog")
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) < len(header):
                continue
            m = re.search(r"--shard-json (\S+\.json)", fields[col["Command"]])
            if m:
                exits[os.path.basename(m.group(1).strip("'"))] = (int(fields[col["Exitval"]]), int(fields[col["Signal"]]))
    return exits


def check_shard(data, test, index, count, full):
    """Problems with one shard's JSON (empty list = good)."""
    problems = []
    if data.get("schema") != SHARD_SCHEMA:
        return [f"schema {data.get('schema')!r}, want {SHARD_SCHEMA!r}"]
    shard = data.get("shard", {})
    if shard.get("index") != index or shard.get("count") != count:
        problems.append(f"is shard {shard.get('index')}/{shard.get('count')}, want {index}/{count}")
    if full and data.get("sweep") != "full":
        problems.append(f"ran the {data.get('sweep')} sweep, want full (MOR_SWEEP=full)")
    if not data.get("passed"):
        failed = [t["name"] for t in data.get("tests", []) if not t.get("passed")]
        problems.append("failed" + (f": {', '.join(failed)}" if failed else f" (exit code {data.get('exit_code')})"))
    if data.get("mismatches", 0):
        problems.append(f"{data['mismatches']} mismatches")
    return problems


def earlier(a, b):
    """The first mismatch of two (None = none)."""
    if a is None:
        return b
    if b is None:
        return a
    return b if b.get("index", 0) < a.get("index", 0) else a


def merge(out_dir, joblog=None):
    """Merges the shard results of the plan in out_dir. Returns (summary dict, ok)."""
    try:
        with open(os.path.join(out_dir, "manifest.json")) as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        fail_usage(f"cannot read the plan {os.path.join(out_dir, 'manifest.json')}: {e}")
    if manifest.get("schema") != MANIFEST_SCHEMA:
        fail_usage(f"{out_dir}/manifest.json: schema {manifest.get('schema')!r}, want {MANIFEST_SCHEMA!r}")
    exits = read_joblog(joblog) if joblog else {}
    summary = {"schema": SUMMARY_SCHEMA, "tests": [], "elements": 0, "mismatches": 0, "first_mismatch": None,
               "shard_seconds": 0.0, "problems": []}
    for t in manifest["tests"]:
        n = t["shards"]
        row = {"name": t["name"], "shards": n, "shards_ok": 0, "elements": 0, "mismatches": 0, "first_mismatch": None,
               "shard_seconds": 0.0, "longest_shard_seconds": 0.0, "skipped_tests": [], "checks": {}, "problems": []}
        for i in range(n):
            name = shard_file(t["name"], i, n)
            path = os.path.join(out_dir, name)
            try:
                with open(path) as f:
                    data = json.load(f)
            except FileNotFoundError:
                row["problems"].append(f"shard {i}/{n}: missing ({name})")
                continue
            except (OSError, ValueError) as e:
                row["problems"].append(f"shard {i}/{n}: unreadable ({e})")
                continue
            problems = check_shard(data, t["name"], i, n, t.get("full", False))
            if name in exits and exits[name] != (0, 0):
                problems.append(f"exit value {exits[name][0]}, signal {exits[name][1]} in the joblog")
            row["problems"] += [f"shard {i}/{n}: {p}" for p in problems]
            row["shards_ok"] += not problems
            row["elements"] += data.get("elements", 0)
            row["mismatches"] += data.get("mismatches", 0)
            row["first_mismatch"] = earlier(row["first_mismatch"], data.get("first_mismatch"))
            row["shard_seconds"] += data.get("seconds", 0.0)
            row["longest_shard_seconds"] = max(row["longest_shard_seconds"], data.get("seconds", 0.0))
            for tr in data.get("tests", []):
                if tr.get("skipped") and tr["name"] not in row["skipped_tests"]:
                    row["skipped_tests"].append(tr["name"])
            for c in data.get("checks", []):
                key = f"{c.get('test')}/{c.get('name')}"
                agg = row["checks"].setdefault(key, {"elements": 0, "mismatches": 0, "first_mismatch": None, "shards": 0})
                agg["elements"] += c.get("elements", 0)
                agg["mismatches"] += c.get("mismatches", 0)
                agg["first_mismatch"] = earlier(agg["first_mismatch"], c.get("first_mismatch"))
                agg["shards"] += 1
        row["passed"] = not row["problems"] and row["shards_ok"] == n
        summary["tests"].append(row)
        summary["elements"] += row["elements"]
        summary["mismatches"] += row["mismatches"]
        summary["first_mismatch"] = earlier(summary["first_mismatch"], row["first_mismatch"])
        summary["shard_seconds"] += row["shard_seconds"]
        summary["problems"] += [f"{t['name']}: {p}" for p in row["problems"]]
    summary["passed"] = bool(summary["tests"]) and all(r["passed"] for r in summary["tests"])
    return summary, summary["passed"]


def print_summary(s, out=sys.stdout):
    print(f"{'test':34} {'shards':>8} {'elements':>16} {'mismatches':>10} {'shard s':>9} {'longest s':>9}  verdict", file=out)
    for r in s["tests"]:
        verdict = "PASS" if r["passed"] else "FAIL"
        if r["passed"] and r["skipped_tests"]:
            verdict += f" ({len(r['skipped_tests'])} skipped: {', '.join(r['skipped_tests'])})"
        print(f"{r['name']:34} {r['shards_ok']:>3}/{r['shards']:<4} {r['elements']:>16} {r['mismatches']:>10} "
              f"{r['shard_seconds']:>9.1f} {r['longest_shard_seconds']:>9.1f}  {verdict}", file=out)
    for p in s["problems"]:
        print(f"  {p}", file=out)
    if s["first_mismatch"]:
        fm = s["first_mismatch"]
        print(f"first mismatch: {fm.get('check')} at {fm.get('index')}: {fm.get('what')}", file=out)
    print(f"{'ALL PASS' if s['passed'] else 'FAIL'}: {len(s['tests'])} tests, {s['elements']} elements, "
          f"{s['mismatches']} mismatches, {s['shard_seconds']:.1f} shard-seconds", file=out)


def cmd_merge(a):
    if not os.path.isdir(a.dir):
        fail_usage(f"{a.dir}: no such folder")
    if a.joblog and not os.path.isfile(a.joblog):
        fail_usage(f"{a.joblog}: no such joblog")
    summary, ok = merge(a.dir, a.joblog)
    write_atomic(os.path.join(a.dir, "summary.json"), json.dumps(summary, indent=1) + "\n")
    print_summary(summary)
    return 0 if ok else 1


def cmd_wrap(a):
    import time
    if not a.command or a.command[0] != "--" or len(a.command) < 2:
        fail_usage("wrap: want -- COMMAND [ARGS...]")
    t0 = time.monotonic()
    try:
        rc = subprocess.run(a.command[1:]).returncode
    except OSError as e:
        print(f"exhaustive.py wrap: cannot run {a.command[1]}: {e}", file=sys.stderr)
        rc = 127
    seconds = time.monotonic() - t0
    result = {"schema": SHARD_SCHEMA, "binary": a.command[1], "filter": "", "shard": {"index": 0, "count": 1},
              "threads": 1, "sweep": "whole", "passed": rc == 0, "exit_code": rc, "elements": 0, "mismatches": 0,
              "first_mismatch": None, "seconds": seconds, "checks": [],
              "tests": [{"name": a.name, "passed": rc == 0, "skipped": False, "checks": 0}]}
    write_atomic(a.shard_json, json.dumps(result, indent=1) + "\n")
    return rc


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    pl = sub.add_parser("plan", help="write manifest.json and jobs.txt")
    pl.add_argument("--build", required=True)
    pl.add_argument("--shards", type=int, required=True)
    pl.add_argument("--out", required=True)
    pl.add_argument("--label", default="exhaustive")
    pl.add_argument("--tests", default="", help="ctest -R regex to pick some of the tests")
    mg = sub.add_parser("merge", help="merge the shard results; exit 1 unless all passed")
    mg.add_argument("dir")
    mg.add_argument("--joblog")
    wr = sub.add_parser("wrap", help="run a command that has no --shard as one shard")
    wr.add_argument("--shard-json", required=True)
    wr.add_argument("--name", required=True)
    wr.add_argument("command", nargs=argparse.REMAINDER)
    try:
        a = p.parse_args(argv)
    except SystemExit as e:
        sys.exit(2 if e.code else 0)
    return {"plan": cmd_plan, "merge": cmd_merge, "wrap": cmd_wrap}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
