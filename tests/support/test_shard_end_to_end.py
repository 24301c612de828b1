#!/usr/bin/env python3
"""Sharding end to end, on a real test binary: shard_selftest.Sweep (tests/support/test_sweep.cpp, 2^28 patterns
that cost nothing) planned in 3 shards by exhaustive.py, run through GNU parallel (sequentially if it is missing),
merged. The merge passes with exactly 2^28 elements; with two injected mismatches it fails and names the lower
one; a bad --shard exits 2. Usage: test_shard_end_to_end.py TEST_SWEEP_BINARY"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import exhaustive  # noqa: E402


def run_jobs(out_dir, jobs):
    if shutil.which("parallel"):
        log = os.path.join(out_dir, "joblog")
        subprocess.run(["parallel", "--will-cite", "-j", "2", "--joblog", log],
                       input="".join(j + "\n" for j in jobs), text=True, check=False)
        return log
    print("GNU parallel not found: running the shards one after another")
    for j in jobs:
        subprocess.run(j, shell=True, check=False)
    return None


def plan_and_run(binary, out_dir, env):
    test = {"name": "selftest", "command": [binary, "--gtest_filter=shard_selftest.*"],
            "environment": env, "workdir": out_dir}
    jobs = exhaustive.write_plan(out_dir, [test], 3)
    log = run_jobs(out_dir, jobs)
    summary, ok = exhaustive.merge(out_dir, log)
    exhaustive.print_summary(summary)
    return summary, ok


def main():
    binary = os.path.abspath(sys.argv[1])
    failures = []
    with tempfile.TemporaryDirectory() as d:
        summary, ok = plan_and_run(binary, d, [])
        if not ok or summary["elements"] != 1 << 28:
            failures.append(f"clean run: passed {ok}, {summary['elements']} elements (want 2^28)")
        summary, ok = plan_and_run(binary, d, ["MOR_SHARD_SELFTEST_MISMATCH=1234567888,80"])
        fm = summary["first_mismatch"] or {}
        if ok or summary["mismatches"] != 2 or fm.get("index") != 80:
            failures.append(f"injected run: passed {ok}, {summary['mismatches']} mismatches, first {fm}")
        rc = subprocess.run([binary, "--shard", "3/3"], capture_output=True).returncode
        if rc != 2:
            failures.append(f"--shard 3/3 exited {rc}, want 2")
    for f in failures:
        print("FAIL:", f)
    print("PASS" if not failures else "FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
