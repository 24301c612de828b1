// The main of every GoogleTest binary (mor_gtest): GoogleTest's own flags, then the shard options of sweep.hpp.
//
//   --shard I/N        check only shard I of N of every long check (0 <= I < N)
//   --threads T        worker threads per sweep (default: all cores, or 1 with --shard)
//   --shard-json FILE  write this process's result as JSON (schema "mor-shard-result/1", tests/support/README.md):
//                      elements, mismatches, the first mismatch and seconds of each check, and pass/fail of each test
//
// Bad options exit 2 before any test runs. The JSON goes to FILE.tmp and is renamed into place at the end, so a
// shard that dies leaves no result (and the merge reports it missing).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sweep.hpp"

namespace {

struct Options {
  std::string json_path;
};

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(stderr,
               "%s\nusage: TEST [gtest flags] [--shard I/N] [--threads T] [--shard-json FILE]\n", what.c_str());
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      const std::size_t eq = a.find('=');
      if (eq != std::string::npos) return a.substr(eq + 1);
      if (i + 1 >= argc) usage_error("option " + a + " needs a value");
      return argv[++i];
    };
    const std::string name = a.substr(0, a.find('='));
    if (name == "--shard") {
      const std::string v = value();
      mor::test::Shard s;
      if (!mor::test::parse_shard(v, s)) usage_error("bad --shard '" + v + "': want I/N with 0 <= I < N <= 1048576");
      mor::test::set_shard(s);
    } else if (name == "--threads") {
      const std::string v = value();
      char* end = nullptr;
      const long t = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || t < 1 || t > 4096) usage_error("bad --threads '" + v + "': want 1 .. 4096");
      mor::test::set_threads(static_cast<unsigned>(t));
    } else if (name == "--shard-json") {
      o.json_path = value();
      if (o.json_path.empty()) usage_error("--shard-json needs a file name");
    } else {
      usage_error("unknown option '" + a + "'");
    }
  }
  return o;
}

// Records each test's outcome and tells sweep.hpp which test is running (the checks are filed under it).
struct TestRecord {
  std::string name;
  bool passed, skipped;
};

class Recorder : public testing::EmptyTestEventListener {
 public:
  std::vector<TestRecord> tests;
  void OnTestStart(const testing::TestInfo& t) override {
    mor::test::set_current_test(std::string(t.test_suite_name()) + "." + t.name());
  }
  void OnTestEnd(const testing::TestInfo& t) override {
    const testing::TestResult& r = *t.result();
    tests.push_back({std::string(t.test_suite_name()) + "." + t.name(), !r.Failed(), r.Skipped()});
    mor::test::set_current_test("");
  }
};

nlohmann::json first_json(const mor::test::CheckResult& c) {
  if (c.mismatches == 0) return nullptr;
  return {{"check", c.test + "/" + c.name}, {"index", c.first.index}, {"what", c.first.what}};
}

nlohmann::json result_json(const char* argv0, const Recorder& rec, int rc, double seconds) {
  using nlohmann::json;
  json checks = json::array(), tests = json::array();
  uint64_t elements = 0, mismatches = 0;
  const mor::test::CheckResult* first = nullptr;
  const auto results = mor::test::check_results();
  for (const auto& c : results) {
    checks.push_back({{"test", c.test}, {"name", c.name}, {"elements", c.elements}, {"mismatches", c.mismatches},
                      {"first_mismatch", first_json(c)}, {"seconds", c.seconds}});
    elements += c.elements;
    mismatches += c.mismatches;
    if (c.mismatches && (!first || c.first.index < first->first.index)) first = &c;
  }
  bool all_passed = true;
  for (const auto& t : rec.tests) {
    int n = 0;
    for (const auto& c : results) n += c.test == t.name;
    tests.push_back({{"name", t.name}, {"passed", t.passed}, {"skipped", t.skipped}, {"checks", n}});
    all_passed = all_passed && t.passed;
  }
  const auto& s = mor::test::shard();
  return {{"schema", "mor-shard-result/1"},
          {"binary", argv0},
          {"filter", testing::GTEST_FLAG(filter)},
          {"shard", {{"index", s.index}, {"count", s.count}}},
          {"threads", mor::test::threads()},
          {"sweep", mor::test::full_sweep() ? "full" : "strided"},
          {"passed", rc == 0 && all_passed && mismatches == 0 && !rec.tests.empty()},
          {"exit_code", rc},
          {"elements", elements},
          {"mismatches", mismatches},
          {"first_mismatch", first ? first_json(*first) : json(nullptr)},
          {"seconds", seconds},
          {"checks", checks},
          {"tests", tests}};
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);  // takes out the --gtest_* flags
  const Options o = parse_options(argc, argv);
  const std::string tmp = o.json_path + ".tmp";
  if (!o.json_path.empty()) {  // fail now, not after hours of work, if the result cannot be written
    std::ofstream probe(tmp);
    if (!probe) usage_error("cannot write " + tmp);
  }
  auto* rec = new Recorder;  // owned by GoogleTest's listener list
  testing::UnitTest::GetInstance()->listeners().Append(rec);
  const auto t0 = std::chrono::steady_clock::now();
  const int rc = RUN_ALL_TESTS();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (o.json_path.empty()) return rc;
  {
    std::ofstream out(tmp);
    out << result_json(argv[0], *rec, rc, seconds).dump(1) << "\n";
    if (!out.flush()) {
      std::fprintf(stderr, "cannot write %s\n", tmp.c_str());
      return 1;
    }
  }
  if (std::rename(tmp.c_str(), o.json_path.c_str()) != 0) {
    std::fprintf(stderr, "cannot rename %s to %s: %s\n", tmp.c_str(), o.json_path.c_str(), std::strerror(errno));
    return 1;
  }
  return rc;
}
