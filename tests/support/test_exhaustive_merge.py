#!/usr/bin/env python3
"""The merge of sharded results (exhaustive.py merge) on fake shard files: it passes only when every shard of every
test is present, well-formed, ran the full sweep, passed and found no mismatch; it sums elements and keeps the
lowest-index first mismatch. Run by ctest (shard.merge_logic) in the default run."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import exhaustive  # noqa: E402

TESTS = [{"name": "exhaustive.a", "command": ["/bin/a", "--gtest_filter=*"], "environment": ["MOR_SWEEP=full"],
          "workdir": "/tmp"},
         {"name": "exhaustive.b", "command": ["/bin/b"], "environment": ["MOR_SWEEP=full"], "workdir": "/tmp"},
         {"name": "exhaustive.whole", "command": ["/bin/sh", "-c", "exit 0"], "environment": [], "workdir": "/tmp",
          "sharded": False}]


def shard_result(index, count, elements=1000, mismatches=0, first=None, passed=None, sweep="full", skipped=False):
    passed = mismatches == 0 if passed is None else passed
    check = {"test": "suite.T", "name": "c", "elements": elements, "mismatches": mismatches, "first_mismatch": first,
             "seconds": 1.5}
    return {"schema": "mor-shard-result/1", "binary": "x", "filter": "*", "shard": {"index": index, "count": count},
            "threads": 1, "sweep": sweep, "passed": passed, "exit_code": 0 if passed else 1, "elements": elements,
            "mismatches": mismatches, "first_mismatch": first, "seconds": 1.5, "checks": [check],
            "tests": [{"name": "suite.T", "passed": passed, "skipped": skipped, "checks": 1}]}


class MergeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.jobs = exhaustive.write_plan(self.dir, TESTS, 3)

    def tearDown(self):
        self.tmp.cleanup()

    def put(self, test, i, data, n=3):
        with open(os.path.join(self.dir, exhaustive.shard_file(test, i, n)), "w") as f:
            f.write(data if isinstance(data, str) else json.dumps(data))

    def put_all_good(self):
        for t in TESTS[:2]:
            for i in range(3):
                self.put(t["name"], i, shard_result(i, 3))
        self.wrap(0)

    def wrap(self, code):
        """Runs the unsharded test's job line as the runner would (exhaustive.py wrap writes its result)."""
        job = self.jobs[-1].replace("exit 0", f"exit {code}")
        return subprocess.run(job, shell=True).returncode

    def merged(self, joblog=None):
        return exhaustive.merge(self.dir, joblog)

    def test_plan_writes_one_job_per_shard(self):
        self.assertEqual(len(self.jobs), 7)  # 2 tests x 3 shards + one unsharded job
        self.assertIn(" wrap --shard-json ", self.jobs[6])
        self.assertIn("exhaustive.whole.0-of-1.json", self.jobs[6])
        self.assertIn("--shard 2/3 --shard-json", self.jobs[2])
        self.assertIn("MOR_SWEEP=full", self.jobs[0])
        with open(os.path.join(self.dir, "jobs.txt")) as f:
            self.assertEqual(f.read().splitlines(), self.jobs)

    def test_all_present_and_passing(self):
        self.put_all_good()
        s, ok = self.merged()
        self.assertTrue(ok, s["problems"])
        self.assertEqual(s["elements"], 6000)
        self.assertEqual(s["tests"][2]["shards_ok"], 1)
        self.assertEqual(s["tests"][0]["checks"]["suite.T/c"]["shards"], 3)

    def test_missing_shard_fails(self):
        self.put_all_good()
        os.remove(os.path.join(self.dir, exhaustive.shard_file("exhaustive.b", 1, 3)))
        s, ok = self.merged()
        self.assertFalse(ok)
        self.assertTrue(any("shard 1/3: missing" in p for p in s["problems"]), s["problems"])
        self.assertTrue(s["tests"][0]["passed"])
        self.assertFalse(s["tests"][1]["passed"])

    def test_no_shards_at_all_fails(self):
        s, ok = self.merged()
        self.assertFalse(ok)
        self.assertEqual(len(s["problems"]), 7)

    def test_unsharded_command_failing_fails(self):
        self.put_all_good()
        self.assertEqual(self.wrap(3), 3)
        s, ok = self.merged()
        self.assertFalse(ok)
        self.assertTrue(any("exhaustive.whole: shard 0/1: failed" in p for p in s["problems"]), s["problems"])

    def test_failed_shard_fails(self):
        self.put_all_good()
        self.put("exhaustive.a", 2, shard_result(2, 3, passed=False))
        _, ok = self.merged()
        self.assertFalse(ok)

    def test_mismatches_fail_and_the_lowest_first_mismatch_is_kept(self):
        self.put_all_good()
        self.put("exhaustive.a", 0, shard_result(0, 3, mismatches=2, first={"check": "suite.T/c", "index": 900, "what": "late"}))
        self.put("exhaustive.a", 2, shard_result(2, 3, mismatches=1, first={"check": "suite.T/c", "index": 17, "what": "early"}))
        s, ok = self.merged()
        self.assertFalse(ok)
        self.assertEqual(s["mismatches"], 3)
        self.assertEqual(s["first_mismatch"]["what"], "early")
        self.assertEqual(s["tests"][0]["checks"]["suite.T/c"]["first_mismatch"]["index"], 17)

    def test_mismatch_counted_even_if_shard_claims_pass(self):
        self.put_all_good()
        self.put("exhaustive.b", 0, shard_result(0, 3, mismatches=1, passed=True, first={"index": 1, "what": "x"}))
        _, ok = self.merged()
        self.assertFalse(ok)

    def test_wrong_shard_numbering_fails(self):
        self.put_all_good()
        self.put("exhaustive.a", 1, shard_result(1, 4))  # a result of another plan
        s, ok = self.merged()
        self.assertFalse(ok)
        self.assertTrue(any("want 1/3" in p for p in s["problems"]), s["problems"])

    def test_strided_result_in_a_full_plan_fails(self):
        self.put_all_good()
        self.put("exhaustive.b", 2, shard_result(2, 3, sweep="strided"))
        _, ok = self.merged()
        self.assertFalse(ok)

    def test_unreadable_or_foreign_json_fails(self):
        self.put_all_good()
        self.put("exhaustive.a", 0, "{ not json")
        self.put("exhaustive.b", 0, {"schema": "something-else"})
        s, ok = self.merged()
        self.assertFalse(ok)
        self.assertEqual(len(s["problems"]), 2, s["problems"])

    def test_joblog_nonzero_exit_fails(self):
        self.put_all_good()
        log = os.path.join(self.dir, "joblog")
        with open(log, "w") as f:
            f.write("Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n")
            for k, job in enumerate(self.jobs):
                f.write(f"{k + 1}\t:\t0\t1\t0\t0\t{1 if k == 4 else 0}\t0\t{job}\n")
        s, ok = self.merged(log)
        self.assertFalse(ok)
        self.assertTrue(any("exit value 1" in p for p in s["problems"]), s["problems"])

    def test_skipped_tests_are_reported_not_failed(self):
        self.put_all_good()
        for t in TESTS[:2]:
            for i in range(3):
                self.put(t["name"], i, shard_result(i, 3, skipped=True))
        s, ok = self.merged()
        self.assertTrue(ok)
        self.assertEqual(s["tests"][0]["skipped_tests"], ["suite.T"])

    def test_a_new_plan_removes_old_results(self):
        self.put_all_good()
        exhaustive.write_plan(self.dir, TESTS, 3)
        _, ok = self.merged()
        self.assertFalse(ok)

    def test_command_line_exit_codes(self):
        self.put_all_good()
        script = os.path.join(HERE, "exhaustive.py")
        run = lambda *a: subprocess.run([sys.executable, script, *a], capture_output=True, text=True).returncode
        self.assertEqual(run("merge", self.dir), 0)
        self.assertTrue(os.path.isfile(os.path.join(self.dir, "summary.json")))
        os.remove(os.path.join(self.dir, exhaustive.shard_file("exhaustive.a", 0, 3)))
        self.assertEqual(run("merge", self.dir), 1)
        self.assertEqual(run("merge", os.path.join(self.dir, "nowhere")), 2)
        self.assertEqual(run("plan", "--build", self.dir, "--shards", "0", "--out", self.dir), 2)
        self.assertEqual(run("frobnicate"), 2)


if __name__ == "__main__":
    unittest.main()
