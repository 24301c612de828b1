// `mor gen`: write the built-in workload to a tensor file, so other tools (and numpy) can read it.
#include <cstdio>

#include "command.hpp"
#include "mor/io.hpp"
#include "mor/output_file.hpp"
#include "mor/workload.hpp"

namespace {

struct Options {
  std::string workload = "default", out;
  uint64_t seed = 1;
};

int run(const Options& o) {
  mor::check_tensor_file_name(o.out);
  mor::check_output_path({"--out", o.out});
  std::vector<mor::Tensor> ts;
  try {
    ts = mor::generate_workload(o.workload, o.seed);
  } catch (const std::invalid_argument& e) {
    throw mor::cli::UsageError(e.what());
  }
  mor::TensorFile file;
  for (const auto& t : ts) file.tensors.push_back(mor::from_fp32_bits(t.name, t.file_shape(), t.bits, t.dtype));
  if (o.out.size() >= 4 && o.out.compare(o.out.size() - 4, 4, ".npy") == 0 && file.tensors.size() != 1)
    throw mor::cli::UsageError("--out " + o.out + ": .npy holds one tensor and the workload has " +
                               std::to_string(file.tensors.size()) + "; write .safetensors");
  file.metadata = {{"generator", "mor gen"}, {"workload", o.workload}, {"seed", std::to_string(o.seed)}};
  mor::write_tensor_file(o.out, file);
  std::printf("wrote %zu tensors of workload '%s' (seed %llu) to %s\n", file.tensors.size(), o.workload.c_str(),
              static_cast<unsigned long long>(o.seed), o.out.c_str());
  return 0;
}

mor::cli::Action setup(CLI::App& app) {
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand("gen", "Write the built-in workload (seeded training-like tensors) to a .safetensors file");
  sub->add_option("--workload", o->workload, "default|small")->capture_default_str();
  sub->add_option("--seed", o->seed, "generator seed")->capture_default_str()->check(CLI::NonNegativeNumber);
  sub->add_option("--out", o->out, "output .safetensors file")->required();
  return {sub, [o] { return run(*o); }};
}

const mor::cli::Register reg{{setup}};

}  // namespace
