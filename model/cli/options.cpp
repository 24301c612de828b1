#include "options.hpp"

#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

#include "mor/core/metric_interval.hpp"
#include "mor/names.hpp"
#include "mor/workload.hpp"

namespace mor::cli {

// ---- inputs ----

std::vector<std::string> InputOptions::refs() const {
  std::vector<std::string> r = positional;
  r.insert(r.end(), in.begin(), in.end());
  return r;
}

std::vector<NamedPath> InputOptions::paths() const {
  std::vector<NamedPath> p;
  for (const auto& r : refs()) p.push_back({"input", parse_tensor_ref(r).path});
  return p;
}

void add_input_options(CLI::App* sub, InputOptions& o) {
  sub->add_option("files", o.positional, "input FILE[:TENSOR] ... (.npy or .safetensors). Default: the built-in workload");
  sub->add_option("--in", o.in, "input FILE[:TENSOR] (repeatable; the same as a positional file)");
  o.workload_opt = sub->add_option("--workload", o.workload, "built-in workload when no file is given: default|small")
                       ->capture_default_str();
  o.seed_opt = sub->add_option("--seed", o.seed, "seed of the built-in workload")->capture_default_str()->check(CLI::NonNegativeNumber);
}

void check_input_options(const InputOptions& o) {
  if (o.refs().empty()) return;
  if (o.workload_opt->count() > 0) throw UsageError("--workload chooses the built-in workload; it does not apply with input files");
  if (o.seed_opt->count() > 0) throw UsageError("--seed seeds the built-in workload; it does not apply with input files");
}

namespace {

void add_file(const std::string& ref, TensorFile file, Inputs& out, bool keep_bf16) {
  const std::string path = parse_tensor_ref(ref).path;
  std::size_t floats = 0;
  std::vector<std::string> skipped;
  for (auto& raw : file.tensors) {
    if (!raw.is_float()) {
      skipped.push_back(raw.name + " " + raw.other_dtype);
      out.order.push_back({false, out.others.size()});
      out.others.push_back(std::move(raw));
      continue;
    }
    if (raw.numel() == 0) throw InputError(path + ": tensor '" + raw.name + "' is empty (shape " + shape_text(raw.shape) + ")");
    out.order.push_back({true, out.tensors.size()});
    out.tensors.push_back(to_tensor(raw, keep_bf16));
    std::vector<uint8_t>().swap(raw.data);  // the widened copy is all that is needed from here on
    ++floats;
  }
  std::string list;
  for (const auto& s : skipped) list += (list.empty() ? "" : ", ") + s;
  if (floats == 0)
    throw InputError(path + ": no float tensor to quantize" + (skipped.empty() ? " (the file holds no tensors)" : " (only " + list + ")"));
  if (!skipped.empty()) note("skipping " + std::to_string(skipped.size()) + " non-float tensor(s) of " + path + ": " + list);
  for (auto& [key, value] : file.metadata) {
    bool seen = false;
    for (const auto& [k, v] : out.metadata) {
      if (k != key) continue;
      seen = true;
      if (v != value) note("metadata '" + key + "' differs between inputs; keeping the first value");
    }
    if (!seen) out.metadata.emplace_back(key, value);
  }
}

}  // namespace

Inputs load_inputs(const InputOptions& o, bool keep_bf16) {
  Inputs out;
  if (o.refs().empty()) {
    try {
      out.tensors = generate_workload(o.workload, o.seed);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    for (std::size_t i = 0; i < out.tensors.size(); ++i) out.order.push_back({true, i});
    return out;
  }
  for (const auto& ref : o.refs()) add_file(ref, load_tensors(parse_tensor_ref(ref)), out, keep_bf16);
  return out;
}

namespace {

// The float tensors `ref` names in an open file (all of them, or FILE:TENSOR's), checked as add_file checks them.
std::vector<std::size_t> float_tensors_of(const std::string& ref, const TensorFileReader& file) {
  const TensorRef r = parse_tensor_ref(ref);
  const auto& all = file.tensors();
  std::vector<std::size_t> picked;
  std::vector<std::string> skipped;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (!r.tensor.empty() && all[i].name != r.tensor) continue;
    if (!all[i].is_float()) {
      if (!r.tensor.empty())
        throw TensorFileError(r.path, "tensor '" + r.tensor + "' is " + all[i].other_dtype +
                                          "; only F32, F16, BF16 and F64 tensors are quantized");
      skipped.push_back(all[i].name + " " + all[i].other_dtype);
      continue;
    }
    if (all[i].numel() == 0)
      throw InputError(r.path + ": tensor '" + all[i].name + "' is empty (shape " + shape_text(all[i].shape) + ")");
    picked.push_back(i);
  }
  if (!r.tensor.empty() && picked.empty()) {
    std::string names;
    for (const auto& t : all) names += (names.empty() ? "" : ", ") + t.name;
    throw TensorFileError(r.path, "no tensor named '" + r.tensor + "' (it has: " + (names.empty() ? "none" : names) + ")");
  }
  std::string list;
  for (const auto& s : skipped) list += (list.empty() ? "" : ", ") + s;
  if (picked.empty())
    throw InputError(r.path + ": no float tensor to quantize" + (skipped.empty() ? " (the file holds no tensors)" : " (only " + list + ")"));
  if (!skipped.empty()) note("skipping " + std::to_string(skipped.size()) + " non-float tensor(s) of " + r.path + ": " + list);
  return picked;
}

}  // namespace

InputStream open_inputs(const InputOptions& o) {
  InputStream in;
  if (o.refs().empty()) {
    try {
      in.workload_ = generate_workload(o.workload, o.seed);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    return in;
  }
  for (const auto& ref : o.refs()) {
    in.files_.emplace_back(parse_tensor_ref(ref).path);
    for (std::size_t i : float_tensors_of(ref, in.files_.back())) in.entries_.push_back({in.files_.size() - 1, i});
  }
  return in;
}

const Tensor& InputStream::get(std::size_t k, Tensor& buffer, bool keep_bf16) const {
  if (files_.empty()) return workload_.at(k);
  const Entry& e = entries_.at(k);
  files_[e.file].read(e.tensor, buffer, keep_bf16);
  return buffer;
}

// ---- policies ----

BlockShape statistics_block(const PolicyPlan& p) {
  if (p.policy == "tensor") return p.tensor.block;
  if (p.policy == "subtensor") return p.subtensor.block;
  if (p.policy == "current") return kCurrentScalingBlocks;
  if (p.policy == "mxfp8") return p.mx.block;
  return p.blockwise.block;
}

NanPolicy nan_policy_of(const PolicyPlan& p) {
  if (p.policy == "tensor") return p.tensor.rules.nan_policy;
  if (p.policy == "subtensor") return p.subtensor.rules.nan_policy;
  if (p.policy == "current") return p.current.rules.nan_policy;
  if (p.policy == "mxfp8") return p.mx.rules.nan_policy;
  return p.blockwise.rules.nan_policy;
}

BlockShape parse_block(const std::string& s, const char* what) {
  std::string why;
  if (const auto b = parse_block_shape(s, &why)) return *b;
  throw UsageError(std::string(what) + " '" + s + "' " + why);
}

Profile profile_or_throw(const std::string& name) {
  const auto p = find_profile(name);
  if (!p) throw UsageError("unknown --profile '" + name + "' (" + profile_choices() + ")");
  return *p;
}

MetricKind parse_metric(const std::string& name) {
  if (name == "canonical") return MetricKind::kCanonical;
  if (name == "fp32") return MetricKind::kFp32Reference;
  if (name == "interval") return MetricKind::kInterval;
  throw UsageError("unknown --metric '" + name + "' (canonical|fp32|interval)");
}

std::string check_threshold(double t) {
  return t >= 0.0 && t < 2.0 ? "" : "--threshold must be in [0, 2)";
}

namespace {

// The policies each option applies to; an option given with another policy is refused.
const std::map<std::string, std::set<std::string>>& option_policies() {
  static const std::map<std::string, std::set<std::string>> m = {
      {"--block", {"tensor", "subtensor", "mxfp8", "blockwise"}},
      {"--group", {"tensor"}},
      {"--threshold", {"tensor"}},
      {"--metric", {"tensor"}},
      {"--interval-k", {"tensor"}},
      {"--mode", {"subtensor"}},
      {"--e5m2-to-bf16", {"subtensor"}},
      {"--e2m3", {"subtensor"}},
      {"--scale", {"subtensor"}},
  };
  return m;
}

void check_applicable(const PolicyOptions& o) {
  for (const auto& [name, opt] : o.given) {
    if (opt->count() == 0) continue;
    const auto it = option_policies().find(name);
    if (it == option_policies().end() || it->second.count(o.policy)) continue;
    std::string where;
    for (const auto& p : it->second) where += (where.empty() ? "" : ", ") + p;
    throw UsageError(name + " does not apply to --policy " + o.policy + " (only to: " + where + ")");
  }
}

}  // namespace

void add_policy_options(CLI::App* sub, PolicyOptions& o) {
  auto keep = [&](CLI::Option* opt) { o.given.emplace_back(opt->get_name(), opt); };
  sub->add_option("--policy", o.policy, "tensor|subtensor|current|mxfp8|blockwise")->capture_default_str();
  keep(sub->add_option("--block", o.block, "block shape RxC (default 128x128; mxfp8 1x32; blockwise 1x128)"));
  keep(sub->add_option("--group", o.group, "tensor-level GAM group RxC tiled by blocks (default: the whole tensor)"));
  keep(sub->add_option("--threshold", o.threshold, "tensor-level acceptance threshold T (reject if MRE > T)")->capture_default_str());
  sub->add_option("--profile", o.profile, "named profile: " + profile_choices())->capture_default_str();
  keep(sub->add_option("--metric", o.metric,
                       "tensor-level decision metric: canonical|fp32|interval (default from the profile; interval: "
                       "exact canonical decisions from per-element bounds, docs/interval-metric.md)"));
  keep(sub->add_option("--interval-k", o.interval_k, "--metric interval: reciprocal table of 2^k + 1 nodes (6..10)")
           ->check(CLI::Range(kIntervalMinK, kIntervalMaxK))
           ->capture_default_str());
  keep(sub->add_option("--mode", o.mode, "sub-tensor mode: dr (dynamic range) | qe (quantization error)")->capture_default_str());
  keep(sub->add_flag("--e5m2-to-bf16", o.e5m2_to_bf16, "sub-tensor: turn every E5M2 block into BF16"));
  keep(sub->add_flag("--e2m3", o.e2m3, "sub-tensor: experimental E2M3 (FP6) blocks for dynamic range <= 7.5"));
  keep(sub->add_option("--scale", o.scale, "sub-tensor block scale: e8 (power of two) | fp32"));
  sub->add_option("--threads", o.threads, "worker threads (0 = all cores)")
      ->capture_default_str()
      ->check(CLI::Range(0, kMaxThreads));
}

PolicyPlan plan_policy(const PolicyOptions& o) {
  static const std::set<std::string> kPolicies = {"tensor", "subtensor", "current", "mxfp8", "blockwise"};
  if (!kPolicies.count(o.policy)) throw UsageError("unknown --policy '" + o.policy + "' (tensor|subtensor|current|mxfp8|blockwise)");
  check_applicable(o);
  PolicyPlan p;
  p.policy = o.policy;
  p.profile = profile_or_throw(o.profile);
  const ElementRules& rules = p.profile.rules;
  if (const std::string why = check_threshold(o.threshold); !why.empty()) throw UsageError(why);
  auto block_or = [&](BlockShape dflt) { return o.block.empty() ? dflt : parse_block(o.block, "--block"); };

  TensorLevelConfig& tl = p.tensor;
  tl.block = block_or({128, 128});
  if (!o.group.empty()) {
    tl.group = parse_block(o.group, "--group");
    if (tl.group.rows % tl.block.rows || tl.group.cols % tl.block.cols)
      throw UsageError("--group " + o.group + " is not tiled by blocks " + std::to_string(tl.block.rows) + "x" +
                       std::to_string(tl.block.cols));
  }
  tl.threshold = o.threshold;
  tl.rules = rules;
  tl.metric = o.metric.empty() ? p.profile.metric : parse_metric(o.metric);
  tl.interval_k = o.interval_k;
  tl.gam_group_floor = p.profile.gam_group_floor;
  tl.zero_inputs_positive = p.profile.zero_inputs_positive;
  tl.threads = o.threads;

  SubTensorConfig& st = p.subtensor;
  st.block = block_or({128, 128});
  if (o.mode == "dr") st.mode = SubTensorMode::kDynamicRange;
  else if (o.mode == "qe") st.mode = SubTensorMode::kQuantError;
  else throw UsageError("unknown --mode '" + o.mode + "' (dr|qe)");
  st.e5m2_to_bf16 = o.e5m2_to_bf16;
  st.enable_e2m3 = o.e2m3;
  st.scale_rule = p.profile.subtensor_scale;
  if (o.scale == "e8") st.scale_rule = BlockScaleRule::kE8RZ;
  else if (o.scale == "fp32") st.scale_rule = BlockScaleRule::kFp32;
  else if (!o.scale.empty()) throw UsageError("unknown --scale '" + o.scale + "' (e8|fp32)");
  st.error_form = p.profile.subtensor_error_form;
  st.metric = p.profile.metric;
  st.rules = rules;
  st.threads = o.threads;

  p.current.rules = rules;
  p.current.threads = o.threads;
  p.mx.block = block_or({1, 32});
  p.mx.rule = p.profile.mx_rule;
  p.mx.rules = rules;
  p.mx.threads = o.threads;
  p.blockwise.block = block_or({1, 128});
  p.blockwise.rules = rules;
  p.blockwise.threads = o.threads;
  return p;
}

QuantResult run_policy(const PolicyPlan& p, const Tensor& t) {
  QuantResult r;
  run_policy(p, t, r);
  return r;
}

void run_policy(const PolicyPlan& p, const Tensor& t, QuantResult& out, const SharedStats* stats) {
  try {  // what only the data can refuse (e.g. the interval metric's contract) is a usage error, exit 2
    if (p.policy == "tensor") return quantize_tensor_level(t, p.tensor, out, stats);
    if (p.policy == "subtensor") return quantize_subtensor(t, p.subtensor, out, stats);
    if (p.policy == "current") return quantize_current_scaling(t, p.current, out, stats);
    if (p.policy == "mxfp8") return quantize_mx(t, p.mx, out, stats);
    return quantize_blockwise(t, p.blockwise, out, stats);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

// ---- outputs ----

void check_outputs(const std::vector<NamedPath>& inputs, const std::vector<NamedPath>& outputs) {
  for (const auto& o : outputs)
    if (!o.path.empty() && o.path != "-") check_output_path(o);
  check_distinct_paths(inputs, outputs);
}

std::string shape_text(const std::vector<int64_t>& shape) {
  if (shape.empty()) return "()";
  std::string s;
  for (int64_t d : shape) s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

}  // namespace mor::cli
