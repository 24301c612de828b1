// `mor convert`: raw little-endian values in, codes out, through the model's converters, so any outside tool can
// cross-check the model. Streams in 1 MiB chunks; table fast paths where they apply.
#include <cstdio>
#include <cstring>
#include <sys/stat.h>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "command.hpp"
#include "mor/core/splitmix64.hpp"
#include "mor/fast_convert.hpp"
#include "mor/names.hpp"
#include "mor/output_file.hpp"

namespace {

using mor::cli::UsageError;

struct Options {
  std::string from = "f32", to = "e4m3", round = "rne", overflow, nan, in, out;
  uint64_t seed = 0;
};

// SR random bits: a fixed function of the seed and the element index, so runs are reproducible.
uint32_t sr_bits(uint64_t seed, uint64_t index) { return static_cast<uint32_t>(mor::splitmix64_at(seed, index) >> 32); }

mor::FormatId format_or_throw(const std::string& name, const char* what) {
  const auto f = mor::parse_format(name);
  if (!f) throw UsageError(std::string("unknown ") + what + " format '" + name + "'");
  return *f;
}

struct Input {
  std::FILE* f = stdin;
  ~Input() {
    if (f != stdin) std::fclose(f);
  }
};

// Everything checked before a byte is read: formats, knobs, and the output path (creatable, not the input).
mor::ConvertMode check(const Options& o, mor::FormatId src, mor::FormatId dst) {
  const bool wide_dst = mor::spec_of(dst).bits() > 8;
  mor::ConvertMode mode = wide_dst ? mor::kIeeeDefault : mor::kFp8Default;
  const auto r = mor::parse_rounding(o.round);
  if (!r) throw UsageError("unknown --rounding '" + o.round + "' (" + mor::rounding_choices() + ")");
  mode.rounding = *r;
  if (!o.overflow.empty()) {
    const auto v = mor::parse_overflow(o.overflow);
    if (!v) throw UsageError("unknown --overflow '" + o.overflow + "' (" + mor::overflow_choices() + ")");
    mode.overflow = *v;
  }
  if (!o.nan.empty()) {
    const auto v = mor::parse_nan_encoding(o.nan);
    if (!v) throw UsageError("unknown --nan '" + o.nan + "' (" + mor::nan_choices() + ")");
    mode.nan = *v;
  }
  if (dst == mor::FormatId::kE8M0 && mode.rounding != mor::Rounding::kRZ && mode.rounding != mor::Rounding::kRU)
    throw UsageError("--to e8m0 takes --rounding rz or ru (RP)");
  if (src == dst) throw UsageError("--from and --to are the same format");
  const bool to_file = !o.out.empty() && o.out != "-";
  if (to_file) mor::check_output_path({"--out", o.out});
  mor::check_distinct_paths({{"--in", o.in == "-" ? "" : o.in}}, {{"--out", to_file ? o.out : ""}});
  return mode;
}

int run(const Options& o) {
  const mor::FormatId src = format_or_throw(o.from, "--from");
  const mor::FormatId dst = format_or_throw(o.to, "--to");
  const bool wide_dst = mor::spec_of(dst).bits() > 8;
  const mor::ConvertMode mode = check(o, src, dst);
  const std::size_t in_size = static_cast<std::size_t>(mor::spec_of(src).bits() + 7) / 8;
  const std::size_t out_size = static_cast<std::size_t>(mor::spec_of(dst).bits() + 7) / 8;
  Input in;
  if (!o.in.empty() && o.in != "-") {
    struct stat st {};
    if (::stat(o.in.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) throw mor::cli::InputError("--in '" + o.in + "' is a directory");
    std::FILE* f = std::fopen(o.in.c_str(), "rb");
    if (!f) throw mor::cli::InputError("cannot read '" + o.in + "': " + std::strerror(errno));
    in.f = f;
  }
  std::unique_ptr<mor::AtomicFile> out_file;  // a named output appears only when complete
  if (!o.out.empty() && o.out != "-") out_file = std::make_unique<mor::AtomicFile>(o.out);
  std::FILE* out = out_file ? out_file->stream() : stdout;

  std::unique_ptr<mor::Fp32To8BitTable> t32;
  std::unique_ptr<mor::Half16To8BitTable> t16;
  if (!wide_dst && mode.rounding != mor::Rounding::kSR) {
    if (src == mor::FormatId::kFP32) t32 = std::make_unique<mor::Fp32To8BitTable>(dst, mode);
    if (src == mor::FormatId::kBF16 || src == mor::FormatId::kFP16)
      t16 = std::make_unique<mor::Half16To8BitTable>(src, dst, mode);
  }

  constexpr std::size_t kChunk = 1 << 20;
  std::vector<unsigned char> buf(kChunk), res(kChunk / in_size * out_size + 8);
  std::size_t pending = 0;  // bytes of an incomplete element carried to the next chunk
  uint64_t index = 0, total = 0;
  for (;;) {
    const std::size_t got = std::fread(buf.data() + pending, 1, kChunk - pending, in.f);
    if (got == 0) break;
    total += got;
    const std::size_t avail = pending + got;
    const std::size_t n = avail / in_size;
    for (std::size_t i = 0; i < n; ++i, ++index) {
      uint64_t code = 0;
      std::memcpy(&code, buf.data() + i * in_size, in_size);  // little-endian host
      uint64_t y;
      if (t32) y = (*t32)(static_cast<uint32_t>(code));
      else if (t16) y = (*t16)(static_cast<uint16_t>(code));
      else y = mor::convert_dynamic(dst, src, code, mode, sr_bits(o.seed, index));
      std::memcpy(res.data() + i * out_size, &y, out_size);
    }
    if (std::fwrite(res.data(), out_size, n, out) != n)
      throw mor::OutputError("cannot write " + (out_file ? "'" + o.out + "'" : std::string("stdout")) + ": " + std::strerror(errno));
    pending = avail - n * in_size;
    std::memmove(buf.data(), buf.data() + n * in_size, pending);
  }
  if (std::ferror(in.f))
    throw mor::cli::InputError("cannot read " + (o.in.empty() ? std::string("stdin") : "'" + o.in + "'") + ": " + std::strerror(errno));
  if (pending != 0)
    throw mor::cli::InputError("input is " + std::to_string(total) + " bytes, not a multiple of the " + std::to_string(in_size) +
                     "-byte " + mor::spec_of(src).name + " element");
  if (out_file) out_file->commit();
  else if (std::fflush(stdout) != 0) throw mor::OutputError("cannot write stdout: " + std::string(std::strerror(errno)));
  return 0;
}

mor::cli::Action setup(CLI::App& app) {
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand("convert",
                                 "Convert raw little-endian values (stdin or --in) to codes (stdout or --out)");
  sub->add_option("--from", o->from, "input format: f32|bf16|f16|f64|e4m3|e5m2|e8m0")->capture_default_str();
  sub->add_option("--to", o->to, "output format: e4m3|e5m2|bf16|e8m0|f32|f16|e2m3|e3m2|e2m1")->capture_default_str();
  sub->add_option("--rounding,--round", o->round, "rounding: " + mor::rounding_choices())->capture_default_str();
  sub->add_option("--overflow", o->overflow,
                  "overflow: " + mor::overflow_choices() + " (default satfinite for 8-bit targets, nosat for wide)");
  sub->add_option("--nan", o->nan, "NaN encoding: " + mor::nan_choices() + " (default canon for 8-bit targets)");
  sub->add_option("--seed", o->seed, "seed of the random bits for --rounding sr (element i gets bits f(seed, i))")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--in", o->in, "input file (default stdin)");
  sub->add_option("--out", o->out, "output file (default stdout; written to a temporary file, renamed when complete)");
  return {sub, [o] { return run(*o); }};
}

const mor::cli::Register reg{{setup}};

}  // namespace
