// `mor quantize`: run one policy on tensors from files (or the built-in workload), write the fake-quantized
// tensors (same names, shapes and safetensors metadata as the input; non-float tensors carried unchanged) and a
// JSON report (docs/schemas/mor-quantize.schema.json).
#include <cstdio>
#include <set>

#include "command.hpp"
#include "mor/report.hpp"
#include "options.hpp"

namespace {

using mor::cli::UsageError;

struct Options {
  mor::cli::InputOptions in;
  std::string out, out_dtype = "auto", json;
  mor::cli::PolicyOptions policy;
};

// The stored dtype of a fake-quantized tensor: auto keeps F32 and F64 (every result is an FP32 value), and writes
// BF16 for BF16 and F16 inputs (F16 cannot hold every scaled FP8 value).
mor::DType output_dtype(const std::string& s, mor::DType in) {
  if (s == "bf16") return mor::DType::kBF16;
  if (s == "f32") return mor::DType::kF32;
  return in == mor::DType::kF32 || in == mor::DType::kF64 ? in : mor::DType::kBF16;
}

// Everything that can be checked without the data, before any work.
mor::cli::PolicyPlan check(const Options& o) {
  mor::cli::check_input_options(o.in);
  const auto plan = mor::cli::plan_policy(o.policy);
  if (o.out_dtype != "auto" && o.out_dtype != "bf16" && o.out_dtype != "f32")
    throw UsageError("unknown --out-dtype '" + o.out_dtype + "' (auto|bf16|f32)");
  if (!o.out.empty()) mor::check_tensor_file_name(o.out);
  mor::cli::check_outputs(o.in.paths(), {{"--out", o.out}, {"--json", o.json}});
  return plan;
}

void print_row(const mor::Tensor& t, const mor::QuantResult& r) {
  std::printf("%-24s %13s %-9s %-5s (%s) nnz %llu  e4m3 %llu / e5m2 %llu / bf16 %llu elements\n", t.name.c_str(),
              mor::cli::shape_text(t.file_shape()).c_str(), r.policy.c_str(), mor::name_of(r.tensor_format),
              mor::name_of(r.reason), static_cast<unsigned long long>(r.nnz),
              static_cast<unsigned long long>(r.elements_per_format[0]),
              static_cast<unsigned long long>(r.elements_per_format[1]),
              static_cast<unsigned long long>(r.elements_per_format[2]));
  if (r.interval_k)
    std::printf("%-24s interval metric k=%d: Sum lo %llu, Sum hi %llu, T_fx*NNZ %llu: %s\n", "", r.interval_k,
                static_cast<unsigned long long>(r.interval_lo_sum), static_cast<unsigned long long>(r.interval_hi_sum),
                static_cast<unsigned long long>(r.threshold_fx) * static_cast<unsigned long long>(r.nnz),
                r.interval_fallbacks ? "undecided, fell back to the exact err_sum" : "decided by the bounds");
}

// The plan for one tensor: element outputs only where a file is written, and then, for a BF16 output, the values
// written as BF16 directly (the same values from_fp32_bits would round them to, without the FP32 array).
mor::cli::PolicyPlan plan_for(mor::cli::PolicyPlan p, bool write, mor::DType out) {
  const mor::FakeOutput fake = out == mor::DType::kBF16 ? mor::FakeOutput::kBf16 : mor::FakeOutput::kFp32;
  p.tensor.write_outputs = p.subtensor.write_outputs = p.current.write_outputs = p.mx.write_outputs =
      p.blockwise.write_outputs = write;
  p.tensor.fake_output = p.subtensor.fake_output = p.current.fake_output = p.mx.fake_output = p.blockwise.fake_output =
      fake;
  return p;
}

int run(const Options& o) {
  const mor::cli::PolicyPlan plan = check(o);
  mor::cli::Inputs inputs = mor::cli::load_inputs(o.in, true);  // BF16 tensors as stored (the policies read them)
  const bool npy_out = o.out.size() >= 4 && o.out.compare(o.out.size() - 4, 4, ".npy") == 0;
  if (npy_out && inputs.tensors.size() != 1)
    throw UsageError("--out " + o.out + ": .npy holds one tensor and there are " + std::to_string(inputs.tensors.size()) +
                     "; write .safetensors");
  if (!o.out.empty() && !npy_out) {  // one name per tensor in the output file
    std::set<std::string> names;
    for (const auto& item : inputs.order) {
      const std::string& name = item.is_float ? inputs.tensors[item.index].name : inputs.others[item.index].name;
      if (!names.insert(name).second)
        throw mor::cli::InputError("two input tensors are named '" + name + "'; --out " + o.out + " needs distinct names");
    }
  }
  nlohmann::ordered_json report;
  report["tool"] = "mor quantize";
  report["policy"] = plan.policy;
  report["profile"] = plan.profile.name;
  report["threshold"] = plan.tensor.threshold;
  report["tensors"] = nlohmann::ordered_json::array();
  std::vector<mor::RawTensor> quantized;
  mor::QuantResult r;  // reused tensor after tensor: its buffers are allocated once
  for (const auto& t : inputs.tensors) {
    const mor::DType out = output_dtype(o.out_dtype, t.dtype);
    mor::cli::run_policy(plan_for(plan, !o.out.empty(), out), t, r);
    print_row(t, r);
    report["tensors"].push_back(mor::report_json(t, r, plan.profile.name));
    if (o.out.empty()) continue;
    quantized.push_back(out == mor::DType::kBF16
                            ? mor::from_bf16_bits(t.name, t.file_shape(), r.dequant_bf16)
                            : mor::from_fp32_bits(t.name, t.file_shape(), r.dequant, out, plan.profile.rules.bf16));
  }
  if (!o.out.empty()) {
    mor::TensorFile file;
    file.metadata = inputs.metadata;
    for (const auto& item : inputs.order) {
      if (item.is_float) file.tensors.push_back(std::move(quantized[item.index]));
      else if (!npy_out) file.tensors.push_back(std::move(inputs.others[item.index]));
    }
    mor::write_tensor_file(o.out, file);
    if (!npy_out && !inputs.others.empty())
      mor::cli::note("copied the " + std::to_string(inputs.others.size()) + " non-float tensor(s) unchanged into " + o.out);
  }
  if (!o.json.empty()) mor::write_file_atomic(o.json, report.dump(1) + "\n");
  return 0;
}

mor::cli::Action setup(CLI::App& app) {
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand("quantize", "Quantize tensors with a MoR policy or a baseline; write the "
                                             "fake-quantized tensors and a JSON report");
  mor::cli::add_input_options(sub, o->in);
  sub->add_option("--out", o->out, "write the fake-quantized tensors (.safetensors, or .npy for one tensor)");
  sub->add_option("--out-dtype", o->out_dtype, "auto (bf16 for BF16/F16 inputs, the input's for F32/F64) | bf16 | f32")
      ->capture_default_str();
  sub->add_option("--json", o->json, "write the JSON report here (docs/schemas/mor-quantize.schema.json)");
  mor::cli::add_policy_options(sub, o->policy);
  return {sub, [o] { return run(*o); }};
}

const mor::cli::Register reg{{setup}};

}  // namespace
