// `mor quantize`: run one policy on tensors from files (or the built-in workload), write the fake-quantized
// tensors and a JSON report (decision, per-block tags, offsets and scales, r_g, amax, NNZ, both metrics, counts).
#include <cstdio>
#include <fstream>

#include "command.hpp"
#include "mor/report.hpp"
#include "options.hpp"

namespace {

using mor::cli::UsageError;

struct Options {
  std::vector<std::string> in;
  std::string workload = "default", out, out_dtype = "auto", json;
  uint64_t seed = 1;
  mor::cli::PolicyOptions policy;
};

mor::DType output_dtype(const std::string& s, mor::DType in) {
  if (s == "auto") return in == mor::DType::kF32 ? mor::DType::kF32 : mor::DType::kBF16;
  if (s == "bf16") return mor::DType::kBF16;
  if (s == "f32") return mor::DType::kF32;
  throw UsageError("unknown --out-dtype '" + s + "' (auto|bf16|f32)");
}

int run(const Options& o) {
  const auto profile = mor::cli::profile_or_throw(o.policy.profile);
  const auto inputs = mor::cli::load_inputs(o.in, o.workload, o.seed);
  nlohmann::ordered_json report;
  report["tool"] = "mor quantize";
  report["policy"] = o.policy.policy;
  report["profile"] = profile.name;
  report["threshold"] = o.policy.threshold;
  report["tensors"] = nlohmann::ordered_json::array();
  std::vector<mor::RawTensor> outs;
  for (const auto& t : inputs) {
    const mor::QuantResult r = mor::cli::run_policy(t, o.policy);
    std::printf("%-24s %6lldx%-6lld %-9s %-5s (%s) nnz %llu  e4m3 %llu / e5m2 %llu / bf16 %llu elements\n",
                t.name.c_str(), static_cast<long long>(t.rows), static_cast<long long>(t.cols), r.policy.c_str(),
                mor::name_of(r.tensor_format), mor::name_of(r.reason), static_cast<unsigned long long>(r.nnz),
                static_cast<unsigned long long>(r.elements_per_format[0]),
                static_cast<unsigned long long>(r.elements_per_format[1]),
                static_cast<unsigned long long>(r.elements_per_format[2]));
    if (r.interval_k)
      std::printf("%-24s interval metric k=%d: Sum lo %llu, Sum hi %llu, T_fx*NNZ %llu: %s\n", "", r.interval_k,
                  static_cast<unsigned long long>(r.interval_lo_sum), static_cast<unsigned long long>(r.interval_hi_sum),
                  static_cast<unsigned long long>(r.threshold_fx) * static_cast<unsigned long long>(r.nnz),
                  r.interval_fallbacks ? "undecided, fell back to the exact err_sum" : "decided by the bounds");
    report["tensors"].push_back(mor::report_json(t, r, profile.name));
    if (!o.out.empty())
      outs.push_back(mor::from_fp32_bits(t.name, {t.rows, t.cols}, r.dequant, output_dtype(o.out_dtype, t.dtype),
                                         profile.rules.bf16));
  }
  if (!o.out.empty()) {
    try {
      mor::write_tensor_file(o.out, outs);
    } catch (const mor::TensorFileError& e) {
      throw UsageError(e.what());
    }
  }
  if (!o.json.empty()) {
    std::ofstream f(o.json);
    if (!f) throw UsageError("cannot write '" + o.json + "'");
    f << report.dump(1) << "\n";
    if (!f) throw UsageError("write failed: '" + o.json + "'");
  }
  return 0;
}

mor::cli::Action setup(CLI::App& app) {
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand("quantize", "Quantize tensors with a MoR policy or a baseline; write the "
                                             "fake-quantized tensors and a JSON report");
  sub->add_option("--in", o->in, "input FILE[:TENSOR] (.npy or .safetensors; repeatable). Default: the built-in workload");
  sub->add_option("--workload", o->workload, "built-in workload when --in is absent: default|small")->capture_default_str();
  sub->add_option("--seed", o->seed, "seed of the built-in workload")->capture_default_str();
  sub->add_option("--out", o->out, "write the fake-quantized tensors (.safetensors, or .npy for one tensor)");
  sub->add_option("--out-dtype", o->out_dtype, "auto (bf16 for BF16/F16 inputs, f32 for F32) | bf16 | f32")->capture_default_str();
  sub->add_option("--json", o->json, "write the JSON report here");
  mor::cli::add_policy_options(sub, o->policy);
  return {sub, [o] { return run(*o); }};
}

const mor::cli::Register reg{{setup}};

}  // namespace
