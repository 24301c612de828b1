// Option parsing shared by the `mor` subcommands that quantize: block shapes, policies, profiles.
#pragma once

#include <string>
#include <vector>

#include "command.hpp"
#include "mor/io.hpp"
#include "mor/policy.hpp"
#include "mor/profile.hpp"

namespace mor::cli {

BlockShape parse_block(const std::string& s, const char* what);  // "128x128", "1x32"

struct PolicyOptions {
  std::string policy = "tensor";  // tensor|subtensor|current|mxfp8|blockwise
  std::string block;              // default per policy
  std::string group;              // tensor-level GAM group, default whole tensor
  double threshold = 0.045;
  std::string profile = "PROJECT_DEFAULT";
  std::string metric;             // canonical|fp32 (default from the profile)
  std::string mode = "dr";        // sub-tensor: dr|qe
  bool e5m2_to_bf16 = false, e2m3 = false;
  std::string scale;              // sub-tensor: e8|fp32 (default from the profile)
  int threads = 0;
  OutputErrors output_errors = OutputErrors::kCanonicalAndFp32;  // what the policies sum of their output's error
  bool write_outputs = true;      // false: no codes or fake-quantized values (decisions, scales and errors only)
};

void add_policy_options(CLI::App* sub, PolicyOptions& o);
// Runs the chosen policy; throws UsageError for bad option values.
QuantResult run_policy(const Tensor& t, const PolicyOptions& o);
// The same into `out`, reusing its element buffers (a loop over tensors allocates them once).
void run_policy(const Tensor& t, const PolicyOptions& o, QuantResult& out);
Profile profile_or_throw(const std::string& name);

// Input tensors: FILE[:TENSOR] arguments, or the built-in workload when none is given.
std::vector<Tensor> load_inputs(const std::vector<std::string>& args, const std::string& workload, uint64_t seed);

}  // namespace mor::cli
