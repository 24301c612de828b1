#include "command_line.hpp"

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "mor/io.hpp"
#include "mor/names.hpp"
#include "mor/output_file.hpp"

#ifndef MOR_VERSION
#define MOR_VERSION "unknown"
#endif

namespace mor::sim {

std::vector<std::string> Options::refs() const {
  std::vector<std::string> r = positional;
  r.insert(r.end(), in.begin(), in.end());
  return r;
}

namespace {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A finite number in the interval lo..hi, each end included or not.
CLI::Validator number_in(double lo, double hi, bool open_lo, bool open_hi) {
  const std::string range = (open_lo ? "(" : "[") + CLI::detail::to_string(lo) + ", " + CLI::detail::to_string(hi) +
                            (open_hi ? ")" : "]");
  return CLI::Validator(
      [=](std::string& s) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(s, v) || !std::isfinite(v) || v > hi || v < lo || (open_lo && v == lo) ||
            (open_hi && v == hi))
          return "value " + s + " not in " + range;
        return "";
      },
      range);
}

CLI::Validator block_shape() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        std::string why;
        return parse_block_shape(s, &why) ? "" : "'" + s + "' " + why;
      },
      "RxC");
}

void define(CLI::App& app, Options& o) {
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // the command line overrides --config
  app.set_version_flag("--version", std::string("mor-sim ") + MOR_VERSION);
  app.add_option("files", o.positional, "input FILE[:TENSOR] ... (.npy/.safetensors). Default: the built-in workload")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--in", o.in, "input FILE[:TENSOR] (repeatable; the same as a positional file)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--workload", o.workload, "built-in workload when no file is given: default|small")->capture_default_str();
  app.add_option("--seed", o.seed, "workload seed")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--policy", o.policy, "tensor|subtensor|both")->capture_default_str()->check(CLI::IsMember({"tensor", "subtensor", "both"}));
  app.add_option("--block", o.block, "block shape RxC (32..16384 elements; falls back to 1x128 or 1x32)")
      ->capture_default_str()
      ->check(block_shape());
  app.add_option("--threshold", o.threshold, "tensor-level threshold T, in [0, 2)")
      ->capture_default_str()
      ->check(number_in(0.0, 2.0, false, true));
  app.add_flag("--qe", o.qe, "sub-tensor quant-error mode");
  app.add_flag("--e5m2-to-bf16", o.e5m2_to_bf16, "sub-tensor: E5M2 blocks become BF16");
  app.add_flag("--fp32-scales", o.fp32_scales, "sub-tensor: FP32 block scales instead of MOR_E8_RZ");
  app.add_option("--engine", o.engine, "model|rtl|cosim (both, with a scoreboard)")
      ->capture_default_str()
      ->check(CLI::IsMember({"model", "rtl", "cosim"}));
  app.add_option("--read-bw", o.read_bw, "memory read bandwidth, bytes per cycle, (0, 65536]")
      ->capture_default_str()
      ->check(number_in(0.0, 65536.0, true, false));
  app.add_option("--write-bw", o.write_bw, "memory write bandwidth, bytes per cycle, (0, 65536]")
      ->capture_default_str()
      ->check(number_in(0.0, 65536.0, true, false));
  app.add_option("--latency", o.latency, "memory read latency, cycles")->capture_default_str()->check(CLI::Range(0, 1000000));
  app.add_option("--in-flight", o.in_flight, "beats in flight (read return buffer)")->capture_default_str()->check(CLI::Range(1, 1000000));
  app.add_option("--clock-mhz", o.clock_mhz,
                 "engine clock for times and bandwidths, MHz, (0, 10000] (default: the closed clock in --cost-json)")
      ->check(number_in(0.0, 10000.0, true, false));
  app.add_option("--cost-json", o.cost_json, "cost report whose \"engine_clock\" gives the clock (default: docs/cost.json)");
  app.add_flag("--amax-supplied", o.amax_supplied, "tensor-level with amax supplied by the producer (one pass; model only)");
  app.add_option("--max-tensors", o.max_tensors, "simulate only the first N tensors (0: all)")->check(CLI::Range(0, 1 << 30));
  app.add_option("--json", o.json, "write the JSON report (docs/schemas/mor-sim.schema.json)");
  app.add_option("--report", o.report, "write the text report to a file");
  app.add_option("--vcd", o.vcd, "write a VCD waveform of the engine's handshakes to this file");
  app.add_flag("--quiet", o.quiet, "no text report on stdout");
  app.add_flag("--progress", o.progress, "progress lines on stderr every 5 s (default: when stderr is a terminal)");
  app.add_option("--config", o.config, "JSON file of options: {\"read-bw\": 32, \"policy\": \"tensor\", \"in\": [\"a.npy\"]}; "
                                       "command-line options given as well win");
}

// One config entry as command-line arguments: true -> --key, false -> nothing, a list -> --key v per element.
std::vector<std::string> config_args(const std::string& file, const std::string& key, const nlohmann::json& v) {
  const std::string where = "--config " + file + ": key '" + key + "': ";
  auto scalar = [&](const nlohmann::json& e) {
    if (e.is_string()) return e.get<std::string>();
    if (e.is_number()) return e.dump();
    throw UsageError(where + "values must be strings, numbers, booleans or lists of them");
  };
  if (v.is_boolean()) return v.get<bool>() ? std::vector<std::string>{"--" + key} : std::vector<std::string>{};
  std::vector<std::string> args;
  if (v.is_array()) {
    for (const auto& e : v) {
      args.push_back("--" + key);
      args.push_back(scalar(e));
    }
    return args;
  }
  return {"--" + key, scalar(v)};
}

// The config file's options as leading arguments, each key checked on its own so an error names file and key.
std::vector<std::string> read_config(const std::string& file, bool inputs_on_command_line) {
  std::ifstream f(file);
  nlohmann::json cfg;
  try {
    if (!f) throw std::runtime_error("cannot read");
    f >> cfg;
  } catch (const std::exception& e) {
    throw UsageError("--config " + file + ": " + (f ? "not valid JSON (" + std::string(e.what()) + ")" : "cannot read"));
  }
  if (!cfg.is_object()) throw UsageError("--config " + file + ": not a JSON object");
  std::vector<std::string> all;
  for (auto it = cfg.begin(); it != cfg.end(); ++it) {
    const std::string& key = it.key();
    if (key == "config" || key == "help" || key == "version" || key == "files")
      throw UsageError("--config " + file + ": key '" + key + "' is not an option a config file can set");
    Options scratch;
    CLI::App probe;
    define(probe, scratch);
    if (probe.get_option_no_throw("--" + key) == nullptr)
      throw UsageError("--config " + file + ": unknown key '" + key + "' (keys are the long options without '--')");
    std::vector<std::string> args = config_args(file, key, it.value());
    if (key == "in" && inputs_on_command_line) continue;  // input files on the command line replace the config's
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
      probe.parse(reversed);
    } catch (const CLI::ParseError& e) {
      throw UsageError("--config " + file + ": key '" + key + "': " + e.what());
    }
    all.insert(all.end(), args.begin(), args.end());
  }
  return all;
}

// Checks that need more than one option, and the output paths; before any work.
void check_combination(const CLI::App& app, const Options& o) {
  if (!o.refs().empty() && app.count("--workload") > 0) throw UsageError("--workload chooses the built-in workload; it does not apply with input files");
  if (!o.refs().empty() && app.count("--seed") > 0) throw UsageError("--seed seeds the built-in workload; it does not apply with input files");
  std::vector<NamedPath> inputs, outputs = {{"--json", o.json}, {"--report", o.report}, {"--vcd", o.vcd}};
  for (const auto& r : o.refs()) inputs.push_back({"input", parse_tensor_ref(r).path});
  if (!o.config.empty()) inputs.push_back({"--config", o.config});
  for (const auto& out : outputs)
    if (!out.path.empty()) check_output_path(out);
  check_distinct_paths(inputs, outputs);
}

}  // namespace

int parse_command_line(int argc, char** argv, Options& o) {
  CLI::App app{"mor-sim: cycle-level simulation of a MoR quantization engine (SystemC), co-simulated with the RTL"};
  define(app, o);
  try {
    const std::vector<std::string> cli(argv + 1, argv + argc);
    // The command line alone first: which config file, and whether it names inputs (they replace the config's).
    Options cli_only;
    CLI::App probe;
    define(probe, cli_only);
    try {
      probe.parse(std::vector<std::string>(cli.rbegin(), cli.rend()));
    } catch (const CLI::Error&) {
      // reported by the full parse below
    }
    std::vector<std::string> args;
    if (!cli_only.config.empty()) args = read_config(cli_only.config, !cli_only.refs().empty());
    args.insert(args.end(), cli.begin(), cli.end());
    std::reverse(args.begin(), args.end());  // CLI11 parses a vector from the back
    app.parse(args);
    std::string why;
    o.block_shape = *parse_block_shape(o.block, &why);  // checked by the --block validator
    check_combination(app, o);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "mor-sim: %s (see mor-sim --help)\n", e.what());
    return 2;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "mor-sim: %s (see mor-sim --help)\n", e.what());
    return 2;
  } catch (const OutputError& e) {
    std::fprintf(stderr, "mor-sim: %s\n", e.what());
    return 2;
  }
  return -1;
}

}  // namespace mor::sim
