// `mor analyze`: one row per tensor with the choice and the error under each policy, the share of tensors and
// elements that MoR keeps in FP8, how often the canonical and the FP32 reference metric decide differently, and
// optionally PNG pictures (per-block format map, error histogram) drawn with gnuplot.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <cctype>
#include <sys/stat.h>

#include "command.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/core/metric.hpp"
#include "mor/report.hpp"
#include "options.hpp"

namespace {

using mor::cli::UsageError;

struct Options {
  std::vector<std::string> files;
  std::string workload = "default", json, plot;
  uint64_t seed = 1;
  double threshold = 0.045;
  std::string profile = "PROJECT_DEFAULT";
  int threads = 0;
};

std::string safe_name(std::string s) {
  for (auto& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  return s;
}

// Data files and a gnuplot script per tensor: the sub-tensor block-format map and the histogram of log10 of the
// per-element relative error of the tensor-level E4M3 path.
void plot_tensor(const std::string& dir, const mor::Tensor& t, const mor::QuantResult& tensor_level,
                 const mor::QuantResult& sub) {
  const std::string base = dir + "/" + safe_name(t.name);
  {
    std::ofstream f(base + ".blocks.dat");
    for (int64_t r = 0; r < sub.block_grid_rows; ++r) {
      for (int64_t c = 0; c < sub.block_grid_cols; ++c) f << int(sub.block_tag[static_cast<std::size_t>(r * sub.block_grid_cols + c)]) << ' ';
      f << '\n';
    }
  }
  std::vector<uint64_t> hist(10, 0);  // log10(e) in [-9, 0], plus exact zeros in bin 0
  for (std::size_t i = 0; i < t.bits.size(); ++i) {
    if (mor::f32_is_zero(t.bits[i]) || !mor::f32_is_finite(t.bits[i])) continue;
    const float e = mor::f32_from_bits(mor::relative_error(t.bits[i], tensor_level.dequant[i]));
    int b = 0;
    for (float v = 1e-9f; b < 9 && e >= v * 10; v *= 10) ++b;
    ++hist[static_cast<std::size_t>(b)];
  }
  {
    std::ofstream f(base + ".hist.dat");
    for (int b = 0; b < 10; ++b) f << b - 9 << ' ' << hist[static_cast<std::size_t>(b)] << '\n';
  }
  std::ofstream g(base + ".gp");
  g << "set terminal png size 900,420\nset output '" << base << ".png'\nset multiplot layout 1,2 title '"
    << t.name << ": tensor-level " << mor::name_of(tensor_level.tensor_format) << "'\n"
    << "set title 'sub-tensor block formats (0 e4m3, 1 e5m2, 2 bf16, 3 e2m3)'\nset cbrange [0:3]\n"
    << "set palette defined (0 '#2b83ba', 1 '#abdda4', 2 '#d7191c', 3 '#fdae61')\nunset key\n"
    << "plot '" << base << ".blocks.dat' matrix with image\n"
    << "set title 'relative error, tensor-level FP8 path'\nset xlabel 'log10(error) bin'\nset ylabel 'elements'\n"
    << "set style fill solid\nplot '" << base << ".hist.dat' using 1:2 with boxes\nunset multiplot\n";
  g.close();
  const std::string cmd = "gnuplot '" + base + ".gp' 2>&1";
  if (std::system(cmd.c_str()) != 0) throw UsageError("gnuplot failed for " + base + ".gp (is gnuplot installed?)");
}

int run(const Options& o) {
  const auto profile = mor::cli::profile_or_throw(o.profile);
  const auto inputs = mor::cli::load_inputs(o.files, o.workload, o.seed);
  if (!o.plot.empty()) {
    mkdir(o.plot.c_str(), 0755);
    struct stat st {};
    if (stat(o.plot.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) throw UsageError("cannot create --plot directory '" + o.plot + "'");
  }
  std::printf("%-22s %-11s %-5s %-9s %8s %8s %5s | %-17s | %8s %8s %8s %8s\n", "tensor", "shape", "MoR", "reason",
              "MRE", "MRE-fp32", "agree", "sub e4/e5/bf16 %", "current", "mxfp8", "blk1x128", "sub");
  uint64_t fp8_tensors = 0, fp8_elems = 0, elems = 0, disagree = 0, decided = 0;
  nlohmann::ordered_json report;
  report["tool"] = "mor analyze";
  report["profile"] = profile.name;
  report["threshold"] = o.threshold;
  report["tensors"] = nlohmann::ordered_json::array();
  mor::QuantResult tl, st, cs, mx, bw;  // reused tensor after tensor: their buffers are allocated once
  for (const auto& t : inputs) {
    mor::cli::PolicyOptions p;
    p.profile = o.profile;
    p.threshold = o.threshold;
    p.threads = o.threads;
    p.policy = "tensor";
    p.write_outputs = !o.plot.empty();  // the error histogram reads the tensor-level output
    mor::cli::run_policy(t, p, tl);
    p.write_outputs = false;  // every other column is a decision, a count or an error the policies sum themselves
    p.policy = "subtensor";
    mor::cli::run_policy(t, p, st);
    p.output_errors = mor::OutputErrors::kCanonical;  // the baselines' columns are canonical MREs
    p.policy = "current";
    mor::cli::run_policy(t, p, cs);
    p.policy = "mxfp8";
    mor::cli::run_policy(t, p, mx);
    p.policy = "blockwise";
    mor::cli::run_policy(t, p, bw);
    const bool fp8 = tl.tensor_format != mor::FormatTag::kBF16;
    fp8_tensors += fp8;
    elems += t.size();
    fp8_elems += fp8 ? t.size() : 0;
    const bool metric_decided = tl.reason == mor::Reason::kAccepted || tl.reason == mor::Reason::kRejected;
    decided += metric_decided;
    disagree += metric_decided && tl.canonical_rejects != tl.fp32_rejects;
    const double canon = tl.nnz ? static_cast<double>(tl.err_sum) / static_cast<double>(tl.nnz) / 16777216.0 : 0.0;
    auto pct = [&](int f) { return 100.0 * static_cast<double>(st.elements_per_format[static_cast<std::size_t>(f)]) / static_cast<double>(t.size()); };
    char shape[32];
    std::snprintf(shape, sizeof shape, "%lldx%lld", static_cast<long long>(t.rows), static_cast<long long>(t.cols));
    auto canonical = [](const mor::QuantResult& r) {  // the policy's own sum of its output error (D5)
      mor::ErrorSummary e;
      e.err_sum = r.output_err_sum;
      e.nnz = r.output_nnz;
      e.mre = e.nnz ? static_cast<double>(e.err_sum) / static_cast<double>(e.nnz) / 16777216.0 : 0.0;
      return e;
    };
    const auto e_cs = canonical(cs), e_mx = canonical(mx), e_bw = canonical(bw), e_st = canonical(st);
    std::printf("%-22.22s %-11s %-5s %-9s %8.5f %8.5f %5s | %5.1f/%5.1f/%5.1f | %8.5f %8.5f %8.5f %8.5f\n", t.name.c_str(),
                shape, mor::name_of(tl.tensor_format), mor::name_of(tl.reason), canon, tl.mre_fp32,
                metric_decided ? (tl.canonical_rejects == tl.fp32_rejects ? "yes" : "NO") : "-", pct(0), pct(1), pct(2),
                e_cs.mre, e_mx.mre, e_bw.mre, e_st.mre);
    nlohmann::ordered_json j = mor::report_json(t, tl, profile.name, false);
    j["subtensor"] = mor::report_json(t, st, profile.name, false);
    j["baselines"] = {{"current", e_cs.mre}, {"mxfp8", e_mx.mre}, {"blockwise_1x128", e_bw.mre}};
    report["tensors"].push_back(j);
    if (!o.plot.empty()) plot_tensor(o.plot, t, tl, st);
  }
  std::printf("tensor-level MoR keeps %llu of %zu tensors (%.2f%%) and %.2f%% of elements in FP8; canonical and FP32 "
              "metrics disagree on %llu of %llu metric decisions\n",
              static_cast<unsigned long long>(fp8_tensors), inputs.size(), 100.0 * static_cast<double>(fp8_tensors) / static_cast<double>(inputs.size()),
              100.0 * static_cast<double>(fp8_elems) / static_cast<double>(elems), static_cast<unsigned long long>(disagree),
              static_cast<unsigned long long>(decided));
  report["summary"] = {{"fp8_tensor_share", static_cast<double>(fp8_tensors) / static_cast<double>(inputs.size())},
                       {"fp8_element_share", static_cast<double>(fp8_elems) / static_cast<double>(elems)},
                       {"metric_disagreements", disagree},
                       {"metric_decisions", decided}};
  if (!o.json.empty()) {
    std::ofstream f(o.json);
    if (!f) throw UsageError("cannot write '" + o.json + "'");
    f << report.dump(1) << "\n";
  }
  if (!o.plot.empty()) std::printf("pictures: %s/*.png\n", o.plot.c_str());
  return 0;
}

mor::cli::Action setup(CLI::App& app) {
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand("analyze", "Compare MoR and the baselines on tensors: decision, error and FP8 share per tensor");
  sub->add_option("files", o->files, "FILE[:TENSOR] ... (.npy/.safetensors). Default: the built-in workload");
  sub->add_option("--workload", o->workload, "built-in workload when no file is given: default|small")->capture_default_str();
  sub->add_option("--seed", o->seed, "seed of the built-in workload")->capture_default_str();
  sub->add_option("--threshold", o->threshold, "tensor-level threshold T")->capture_default_str();
  sub->add_option("--profile", o->profile, "named profile: " + mor::profile_choices())->capture_default_str();
  sub->add_option("--threads", o->threads, "worker threads (0 = all cores)")->capture_default_str();
  sub->add_option("--json", o->json, "write the JSON report here");
  sub->add_option("--plot", o->plot, "write PNG pictures (block-format map, error histogram) into this directory");
  return {sub, [o] { return run(*o); }};
}

const mor::cli::Register reg{{setup}};

}  // namespace
