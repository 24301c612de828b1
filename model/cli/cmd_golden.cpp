// `mor golden`: write the golden vector files of golden/ (format in golden/README.md) from the model: converter
// lanes (every mode on directed and random inputs) and whole-engine transactions for mor_quantizer.
#include <cstdio>
#include <sstream>
#include <sys/stat.h>
#include <random>

#include "command.hpp"
#include "mor/core/convert.hpp"
#include "mor/engine.hpp"
#include "mor/output_file.hpp"

namespace {

using mor::cli::UsageError;

struct Options {
  std::string out = "golden";
  uint64_t seed = 1;
};


// Directed FP32 inputs of spec 2 / 9: zeros, subnormals, ties, the overflow boundaries, Inf, NaN payloads.
std::vector<uint32_t> directed_inputs() {
  std::vector<uint32_t> v = {0x00000000, 0x80000000, 0x00000001, 0x007FFFFF, 0x3A800000, 0x3A800001, 0x3B000000,
                             0x3B400000, 0x3C800000, 0x3F800000, 0x3F880000, 0x3F880001, 0x3F900000, 0x43E00000,
                             0x43E80000, 0x43E80001, 0x43E88000, 0x43F00000, 0x47600000, 0x47700000, 0x476FFFFF,
                             0x4E6E6B28, 0x7F7FFFFF, 0x7F800000, 0x7F800001, 0x7FC00000, 0x7FFFFFFF, 0x37800000,
                             0x37C00000, 0x37000000, 0x38800000, 0x3F8C0000, 0x3F840000};
  const std::size_t n = v.size();
  for (std::size_t i = 0; i < n; ++i) v.push_back(v[i] ^ 0x80000000u);
  return v;
}

template <class Fmt>
std::string cvt_vectors(const char* name, uint64_t seed) {
  std::ostringstream f;
  f << "# mor golden vectors v1: FP32 -> " << name << " converter lane (rtl/src/mor_cvt_f32_to_fp8.sv)\n"
    << "# fields (hex): f32 rounding_mode overflow_mode nan_mode rand_bits expected_code\n"
    << "# modes: rounding 0 rne 1 rna 2 rz 3 ru 4 rd 5 rto 6 sr; overflow 0 satfinite 1 nosat 2 satfinite-only;"
       " nan 0 canon 1 keep-sign\n";
  std::mt19937_64 rng(seed);
  std::vector<uint32_t> inputs = directed_inputs();
  for (int i = 0; i < 100; ++i) inputs.push_back(static_cast<uint32_t>(rng()));
  char line[64];
  for (uint32_t x : inputs)
    for (int r = 0; r <= 6; ++r)
      for (int o = 0; o < 3; ++o)
        for (int n = 0; n < 2; ++n) {
          const uint32_t rb = r == 6 ? static_cast<uint32_t>(rng()) : 0u;
          const mor::ConvertMode m{static_cast<mor::Rounding>(r), static_cast<mor::Overflow>(o), static_cast<mor::NanEncoding>(n)};
          std::snprintf(line, sizeof line, "%08x %x %x %x %08x %02x\n", x, r, o, n, rb, mor::convert<Fmt, mor::FP32>(x, m, rb));
          f << line;
        }
  return f.str();
}

std::string engine_vectors(uint64_t seed) {
  std::ostringstream f;
  f << "# mor golden vectors v2: mor_quantizer transactions (docs/ENGINE.md), LANES = 32\n"
    << "# C mode block_beats num_blocks threshold_fx qe e5m2_to_bf16 fp32_scales   start of a tensor (hex)\n"
    << "# I <256 hex digits>            one input beat, lane 31 first (tensor-level: every pass the engine reads, 2 or 3)\n"
    << "# M <amax>                      expected metadata word (tensor-level pass 1: each block's amax, fed back on meta_in)\n"
    << "# O <last> <64 hex digits>      expected code beat (code_block_last, codes lane 31 first)\n"
    << "# B <index> <tag> <scale>       expected block info\n"
    << "# T <status> <decision> <reason> <group_scale|-> <sum_lo|-> <sum_hi|-> <err_sum|-> <fallbacks> <nnz> <group_amax>\n"
    << "#                               expected tensor info ('-': not defined, not checked)\n"
    << "# E                             end of the tensor\n";
  std::mt19937_64 rng(seed);
  struct Case {
    int mode, beats, blocks, style;
    uint32_t thr;
    bool qe, e5bf, fp32;
  };
  const Case cases[] = {
      {0, 4, 6, -1, 754974, false, false, false}, {0, 2, 4, 0, 754974, false, false, false},
      {0, 2, 4, 9, 754974, false, false, false},  {0, 1, 5, 3, 754974, false, false, false},
      {0, 2, 3, 6, 754974, false, false, false},  {0, 4, 4, 2, 100000, false, false, false},
      {2, 4, 8, -1, 754974, false, false, false}, {2, 2, 8, -1, 754974, true, false, false},
      {2, 2, 8, -1, 754974, false, true, true},   {2, 1, 12, 2, 754974, true, false, true},
      {2, 2, 6, mor::kEngineStyleE5Band, 754974, false, false, false},  // E5M2 blocks (dynamic-range mode)
      {2, 0, 3, -1, 754974, false, false, false},  // refused (zero-sized blocks): done with status 1, nothing read
  };
  char buf[512];
  for (const Case& k : cases) {
    mor::EngineConfig c;
    c.mode = k.mode;
    c.block_beats = k.beats;
    c.num_blocks = k.blocks;
    c.threshold_fx = k.thr;
    c.qe = k.qe;
    c.e5m2_to_bf16 = k.e5bf;
    c.fp32_scales = k.fp32;
    mor::EngineConfig shape = c;  // a refused configuration still gets a tensor of one beat per block
    if (shape.block_beats == 0) shape.block_beats = 1;
    const mor::Tensor t = mor::engine_test_tensor(rng(), shape, k.style);
    const mor::EngineExpect e = mor::engine_expected(t, c);
    std::snprintf(buf, sizeof buf, "C %x %x %llx %08x %x %x %x\n", c.mode, c.block_beats,
                  static_cast<unsigned long long>(c.num_blocks), c.threshold_fx, c.qe, c.e5m2_to_bf16, c.fp32_scales);
    f << buf;
    const auto pass = mor::engine_input_beats(t, shape);
    for (int p = 0; p < e.passes; ++p)
      for (const auto& beat : pass) {
        f << "I ";
        for (int l = c.lanes - 1; l >= 0; --l) {
          std::snprintf(buf, sizeof buf, "%08x", beat[static_cast<std::size_t>(l)]);
          f << buf;
        }
        f << "\n";
      }
    for (uint32_t m : e.meta) {
      std::snprintf(buf, sizeof buf, "M %08x\n", m);
      f << buf;
    }
    for (const auto& cb : e.code_beats) {
      f << "O " << (cb.block_last ? 1 : 0) << " ";
      for (int l = c.lanes - 1; l >= 0; --l) {
        std::snprintf(buf, sizeof buf, "%02x", cb.codes[static_cast<std::size_t>(l)]);
        f << buf;
      }
      f << "\n";
    }
    for (const auto& b : e.blocks) {
      std::snprintf(buf, sizeof buf, "B %x %x %08x\n", b.index, b.tag, b.scale);
      f << buf;
    }
    const auto& ti = e.tensor;
    auto hex_or_dash = [&](bool defined, uint64_t v) -> std::string {
      if (!defined) return "-";
      std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
      return buf;
    };
    const std::string gs = hex_or_dash(ti.check_group_scale, ti.group_scale), lo = hex_or_dash(ti.check_sums, ti.sum_lo),
                      hi = hex_or_dash(ti.check_sums, ti.sum_hi), es = hex_or_dash(ti.check_sums, ti.err_sum);
    std::snprintf(buf, sizeof buf, "T %x %x %x %s %s %s %s %x %llx %08x\nE\n", ti.status, ti.decision, ti.reason,
                  gs.c_str(), lo.c_str(), hi.c_str(), es.c_str(), ti.fallbacks, static_cast<unsigned long long>(ti.nnz),
                  ti.group_amax);
    f << buf;
  }
  return f.str();
}

mor::cli::Action setup(CLI::App& app) {
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand("golden", "Write the golden vector files (converter lanes, mor_quantizer transactions)");
  sub->add_option("--out", o->out, "output directory (must exist)")->capture_default_str();
  sub->add_option("--seed", o->seed, "seed of the random vectors")->capture_default_str()->check(CLI::NonNegativeNumber);
  return {sub, [o] {
            struct stat st {};
            if (::stat(o->out.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
              throw UsageError("--out '" + o->out + "' is not an existing directory");
            const std::string files[3] = {o->out + "/cvt_f32_e4m3.hex", o->out + "/cvt_f32_e5m2.hex", o->out + "/quantizer.hex"};
            for (const auto& f : files) mor::check_output_path({"--out", f});
            mor::write_file_atomic(files[0], cvt_vectors<mor::E4M3>("E4M3", o->seed));
            mor::write_file_atomic(files[1], cvt_vectors<mor::E5M2>("E5M2", o->seed + 1));
            mor::write_file_atomic(files[2], engine_vectors(o->seed + 2));
            std::printf("wrote %s/cvt_f32_e4m3.hex, cvt_f32_e5m2.hex, quantizer.hex\n", o->out.c_str());
            return 0;
          }};
}

const mor::cli::Register reg{{setup}};

}  // namespace
