// mor-sim's report: the text table (stdout, --report) and the JSON report (--json, docs/schemas/mor-sim.schema.json).
// Columns are described in sim/README.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench.hpp"

namespace mor::sim {

struct SimOutcome {
  const std::vector<Job>* jobs;
  const EngineBench* main;               // the bench the figures come from (the model's when both ran)
  const MorEngineModel* model = nullptr;  // for the stall breakdown
  bool ran_model = false, ran_rtl = false;
  MemoryConfig mem;
  uint64_t model_mismatches = 0, rtl_mismatches = 0, cycle_differences = 0;
  bool same_total_cycles = false;  // co-simulation: both benches ended in the same cycle
  double wall_seconds = 0;
  double clock_mhz = 100;    // the clock the times and bandwidths are given at
  std::string clock_source;  // where it comes from (the cost report's closed clock, --clock-mhz, or the target)
  std::vector<std::string> notes;
};

struct SimReport {
  std::string text;
  nlohmann::ordered_json json;
};

SimReport make_report(const SimOutcome& o);

}  // namespace mor::sim
