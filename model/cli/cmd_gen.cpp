// `mor gen`: write the built-in workload to a tensor file, so other tools (and numpy) can read it.
#include <cstdio>

#include "command.hpp"
#include "mor/io.hpp"
#include "mor/workload.hpp"

namespace {

struct Options {
  std::string workload = "default", out;
  uint64_t seed = 1;
};

mor::cli::Action setup(CLI::App& app) {
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand("gen", "Write the built-in workload (seeded training-like tensors) to a .safetensors file");
  sub->add_option("--workload", o->workload, "default|small")->capture_default_str();
  sub->add_option("--seed", o->seed, "generator seed")->capture_default_str();
  sub->add_option("--out", o->out, "output .safetensors file")->required();
  return {sub, [o] {
            std::vector<mor::Tensor> ts;
            try {
              ts = mor::generate_workload(o->workload, o->seed);
            } catch (const std::invalid_argument& e) {
              throw mor::cli::UsageError(e.what());
            }
            std::vector<mor::RawTensor> raws;
            for (const auto& t : ts) raws.push_back(mor::from_fp32_bits(t.name, {t.rows, t.cols}, t.bits, t.dtype));
            try {
              mor::write_tensor_file(o->out, raws);
            } catch (const mor::TensorFileError& e) {
              throw mor::cli::UsageError(e.what());
            }
            std::printf("wrote %zu tensors of workload '%s' (seed %llu) to %s\n", raws.size(), o->workload.c_str(),
                        static_cast<unsigned long long>(o->seed), o->out.c_str());
            return 0;
          }};
}

const mor::cli::Register reg{{setup}};

}  // namespace
