// mor-sim's command line: options by flag or from a JSON file (--config; the command line wins), every value
// checked before the simulation starts (errors name the option, or the config file and its key), outputs checked
// to be creatable and distinct from the inputs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mor/policy.hpp"

namespace mor::sim {

struct Options {
  std::vector<std::string> positional, in;  // FILE[:TENSOR]; both forms name inputs
  std::string workload = "default", policy = "both", block = "128x128", engine = "cosim", json, report, vcd, config;
  uint64_t seed = 1;
  double threshold = 0.045, read_bw = 64, write_bw = 64;
  double clock_mhz = 0;   // --clock-mhz; 0: the closed clock of --cost-json's "engine_clock"
  std::string cost_json;  // --cost-json; empty: docs/cost.json of the source tree
  int latency = 100, in_flight = 128, max_tensors = 0;
  bool qe = false, e5m2_to_bf16 = false, fp32_scales = false, amax_supplied = false, quiet = false, progress = false;
  BlockShape block_shape;  // --block, parsed

  std::vector<std::string> refs() const;  // positional, then --in
};

// Parses the command line (and --config). Returns -1 when the simulation should run with `o`, else the exit status
// to return at once (0 after --help or --version, 2 after an error, which it has printed as one line).
int parse_command_line(int argc, char** argv, Options& o);

}  // namespace mor::sim
