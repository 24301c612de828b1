#include "options.hpp"

#include <cstdlib>

#include "mor/workload.hpp"

namespace mor::cli {

BlockShape parse_block(const std::string& s, const char* what) {
  const auto x = s.find('x');
  char* end1 = nullptr;
  char* end2 = nullptr;
  if (x != std::string::npos) {
    const long r = std::strtol(s.c_str(), &end1, 10);
    const long c = std::strtol(s.c_str() + x + 1, &end2, 10);
    if (end1 == s.c_str() + x && *end2 == '\0' && r > 0 && c > 0) return {r, c};
  }
  throw UsageError(std::string(what) + " '" + s + "' is not ROWSxCOLS with positive integers (e.g. 128x128, 1x32)");
}

Profile profile_or_throw(const std::string& name) {
  const auto p = find_profile(name);
  if (!p) throw UsageError("unknown --profile '" + name + "' (" + profile_choices() + ")");
  return *p;
}

void add_policy_options(CLI::App* sub, PolicyOptions& o) {
  sub->add_option("--policy", o.policy, "tensor|subtensor|current|mxfp8|blockwise")->capture_default_str();
  sub->add_option("--block", o.block, "block shape RxC (default 128x128; mxfp8 1x32; blockwise 1x128)");
  sub->add_option("--group", o.group, "tensor-level GAM group RxC tiled by blocks (default: the whole tensor)");
  sub->add_option("--threshold", o.threshold, "tensor-level acceptance threshold T (reject if MRE > T)")->capture_default_str();
  sub->add_option("--profile", o.profile, "named profile: " + profile_choices())->capture_default_str();
  sub->add_option("--metric", o.metric, "tensor-level decision metric: canonical|fp32 (default from the profile)");
  sub->add_option("--mode", o.mode, "sub-tensor mode: dr (dynamic range) | qe (quantization error)")->capture_default_str();
  sub->add_flag("--e5m2-to-bf16", o.e5m2_to_bf16, "sub-tensor: turn every E5M2 block into BF16");
  sub->add_flag("--e2m3", o.e2m3, "sub-tensor: experimental E2M3 (FP6) blocks for dynamic range <= 7.5");
  sub->add_option("--scale", o.scale, "sub-tensor block scale: e8 (power of two) | fp32");
  sub->add_option("--threads", o.threads, "worker threads (0 = all cores)")->capture_default_str();
}

QuantResult run_policy(const Tensor& t, const PolicyOptions& o) {
  QuantResult r;
  run_policy(t, o, r);
  return r;
}

void run_policy(const Tensor& t, const PolicyOptions& o, QuantResult& out) {
  const Profile p = profile_or_throw(o.profile);
  if (!(o.threshold >= 0.0 && o.threshold < 2.0)) throw UsageError("--threshold must be in [0, 2)");
  if (o.threads < 0) throw UsageError("--threads must be >= 0");
  auto block_or = [&](BlockShape dflt) { return o.block.empty() ? dflt : parse_block(o.block, "--block"); };
  if (o.policy == "tensor") {
    TensorLevelConfig c;
    c.block = block_or({128, 128});
    if (!o.group.empty()) c.group = parse_block(o.group, "--group");
    c.threshold = o.threshold;
    c.rules = p.rules;
    c.metric = p.metric;
    if (o.metric == "canonical") c.metric = MetricKind::kCanonical;
    else if (o.metric == "fp32") c.metric = MetricKind::kFp32Reference;
    else if (!o.metric.empty()) throw UsageError("unknown --metric '" + o.metric + "' (canonical|fp32)");
    c.gam_group_floor = p.gam_group_floor;
    c.zero_inputs_positive = p.zero_inputs_positive;
    c.threads = o.threads;
    c.write_outputs = o.write_outputs;
    try {
      return quantize_tensor_level(t, c, out);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
  if (o.policy == "subtensor") {
    SubTensorConfig c;
    c.block = block_or({128, 128});
    if (o.mode == "dr") c.mode = SubTensorMode::kDynamicRange;
    else if (o.mode == "qe") c.mode = SubTensorMode::kQuantError;
    else throw UsageError("unknown --mode '" + o.mode + "' (dr|qe)");
    c.e5m2_to_bf16 = o.e5m2_to_bf16;
    c.enable_e2m3 = o.e2m3;
    c.scale_rule = p.subtensor_scale;
    if (o.scale == "e8") c.scale_rule = BlockScaleRule::kE8RZ;
    else if (o.scale == "fp32") c.scale_rule = BlockScaleRule::kFp32;
    else if (!o.scale.empty()) throw UsageError("unknown --scale '" + o.scale + "' (e8|fp32)");
    c.error_form = p.subtensor_error_form;
    c.metric = p.metric;
    c.rules = p.rules;
    c.threads = o.threads;
    c.write_outputs = o.write_outputs;
    c.output_errors = o.output_errors;
    return quantize_subtensor(t, c, out);
  }
  if (o.policy == "current") {
    CurrentScalingConfig c;
    c.rules = p.rules;
    c.threads = o.threads;
    c.write_outputs = o.write_outputs;
    c.output_errors = o.output_errors;
    return quantize_current_scaling(t, c, out);
  }
  if (o.policy == "mxfp8") {
    MxConfig c;
    c.block = block_or({1, 32});
    c.rule = p.mx_rule;
    c.rules = p.rules;
    c.threads = o.threads;
    c.write_outputs = o.write_outputs;
    c.output_errors = o.output_errors;
    return quantize_mx(t, c, out);
  }
  if (o.policy == "blockwise") {
    BlockwiseConfig c;
    c.block = block_or({1, 128});
    c.rules = p.rules;
    c.threads = o.threads;
    c.write_outputs = o.write_outputs;
    c.output_errors = o.output_errors;
    return quantize_blockwise(t, c, out);
  }
  throw UsageError("unknown --policy '" + o.policy + "' (tensor|subtensor|current|mxfp8|blockwise)");
}

std::vector<Tensor> load_inputs(const std::vector<std::string>& args, const std::string& workload, uint64_t seed) {
  std::vector<Tensor> out;
  if (args.empty()) {
    try {
      return generate_workload(workload, seed);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
  for (const auto& a : args) {
    try {
      for (const auto& raw : load_tensors(parse_tensor_ref(a))) {
        if (raw.numel() == 0) throw UsageError(a + ": tensor '" + raw.name + "' is empty");
        out.push_back(to_tensor(raw));
      }
    } catch (const TensorFileError& e) {
      throw UsageError(e.what());
    }
  }
  return out;
}

}  // namespace mor::cli
