// Options shared by the `mor` subcommands: input tensors (positional FILE[:TENSOR] and --in, or the built-in
// workload), policies and profiles, output paths. Everything is checked before any computation (plan_policy,
// check_outputs); the commands then only load, compute and write.
#pragma once

#include <string>
#include <vector>

#include "mor/core/metric_interval.hpp"

#include "command.hpp"
#include "mor/io.hpp"
#include "mor/output_file.hpp"
#include "mor/policy.hpp"
#include "mor/profile.hpp"

namespace mor::cli {

// ---- inputs ----

struct InputOptions {
  std::vector<std::string> positional, in;  // FILE[:TENSOR]; both forms name inputs
  std::string workload = "default";
  uint64_t seed = 1;
  CLI::Option* workload_opt = nullptr;
  CLI::Option* seed_opt = nullptr;

  std::vector<std::string> refs() const;       // positional, then --in
  std::vector<NamedPath> paths() const;        // the files named, for check_distinct_paths
};
void add_input_options(CLI::App* sub, InputOptions& o);
// --workload/--seed with input files is an error.
void check_input_options(const InputOptions& o);

struct Inputs {
  std::vector<Tensor> tensors;     // float tensors (or the workload), widened to FP32, in input order
  std::vector<RawTensor> others;   // non-float tensors: not quantized, copied unchanged into .safetensors outputs
  struct Item {
    bool is_float;
    std::size_t index;             // into tensors or others
  };
  std::vector<Item> order;         // every tensor in input order
  TensorMetadata metadata;         // the inputs' safetensors __metadata__ (first value of a key wins)
};
// Loads every input; prints a line for each skipped non-float tensor. A file with no float tensor, or an empty
// tensor, is an InputError. keep_bf16: BF16 tensors hold their stored data (to_tensor).
Inputs load_inputs(const InputOptions& o, bool keep_bf16 = false);

// The inputs opened for reading one float tensor at a time (a checkpoint is not held in memory whole): every file's
// header read and checked, with the notes and errors of load_inputs, before any tensor data is read.
class InputStream {
 public:
  std::size_t size() const { return files_.empty() ? workload_.size() : entries_.size(); }
  // Float tensor k (input order): the built-in workload's own, or read into `buffer` (reusing its memory).
  const Tensor& get(std::size_t k, Tensor& buffer, bool keep_bf16) const;

 private:
  friend InputStream open_inputs(const InputOptions& o);
  struct Entry {
    std::size_t file, tensor;
  };
  std::vector<TensorFileReader> files_;
  std::vector<Entry> entries_;
  std::vector<Tensor> workload_;
};
InputStream open_inputs(const InputOptions& o);

// ---- policies ----

struct PolicyOptions {
  std::string policy = "tensor";  // tensor|subtensor|current|mxfp8|blockwise
  std::string block;              // default per policy
  std::string group;              // tensor-level GAM group, default whole tensor
  double threshold = 0.045;
  std::string profile = "PROJECT_DEFAULT";
  std::string metric;             // canonical|fp32|interval (default from the profile)
  int interval_k = mor::kIntervalDefaultK;  // --metric interval: (2^k+1)-node reciprocal table
  std::string mode = "dr";        // sub-tensor: dr|qe
  bool e5m2_to_bf16 = false, e2m3 = false;
  std::string scale;              // sub-tensor: e8|fp32 (default from the profile)
  int threads = 0;
  // The options the user gave, to refuse those that do not apply to the chosen policy (name -> CLI11 option).
  std::vector<std::pair<std::string, CLI::Option*>> given;
};
void add_policy_options(CLI::App* sub, PolicyOptions& o);

// Every policy option checked and turned into the chosen policy's configuration.
struct PolicyPlan {
  std::string policy;
  Profile profile;
  TensorLevelConfig tensor;
  SubTensorConfig subtensor;
  CurrentScalingConfig current;
  MxConfig mx;
  BlockwiseConfig blockwise;
};
PolicyPlan plan_policy(const PolicyOptions& o);  // throws UsageError
QuantResult run_policy(const PolicyPlan& plan, const Tensor& t);
// The same into `out`, reusing its element buffers (a loop over tensors allocates them once); `stats`: block
// statistics of t shared by several plans (SharedStats), or null.
void run_policy(const PolicyPlan& plan, const Tensor& t, QuantResult& out, const SharedStats* stats = nullptr);
// The block shape and NaN policy of the plan's statistics (what SharedStats::compute needs for it).
BlockShape statistics_block(const PolicyPlan& plan);
NanPolicy nan_policy_of(const PolicyPlan& plan);

Profile profile_or_throw(const std::string& name);
BlockShape parse_block(const std::string& s, const char* what);  // "128x128", "1x32"
MetricKind parse_metric(const std::string& name);                 // canonical|fp32|interval
std::string check_threshold(double t);                            // "" or why it is out of range
inline constexpr int kMaxThreads = 1024;

// ---- outputs ----

// Before any work: every output can be created, and none is an input or another output.
void check_outputs(const std::vector<NamedPath>& inputs, const std::vector<NamedPath>& outputs);
std::string shape_text(const std::vector<int64_t>& shape);  // "4x64x96", "()" for a scalar

}  // namespace mor::cli
