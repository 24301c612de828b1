// `mor analyze`: one row per tensor with the choice and the error under each policy, the share of tensors and
// elements that MoR keeps in FP8, how often the canonical and the FP32 reference metric decide differently, a JSON
// report (docs/schemas/mor-analyze.schema.json) and optionally a PNG (plot.hpp).
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <mutex>
#include <thread>

#include "command.hpp"
#include "mor/core/metric_interval.hpp"
#include "mor/report.hpp"
#include "options.hpp"
#include "plot.hpp"

namespace {

using mor::cli::UsageError;

struct Options {
  mor::cli::InputOptions in;
  std::string json, plot;
  double threshold = 0.045;
  std::string profile = "PROJECT_DEFAULT";
  std::string metric;  // tensor-level decision metric (default from the profile)
  int interval_k = mor::kIntervalDefaultK;
  int threads = 0;
};

struct Plans {
  mor::cli::PolicyPlan tensor, subtensor, current, mx, blockwise;
};

Plans check(const Options& o) {
  mor::cli::check_input_options(o.in);
  mor::cli::PolicyOptions p;
  p.profile = o.profile;
  p.threshold = o.threshold;
  p.threads = o.threads;
  Plans plans;
  for (auto [name, plan] : {std::pair{"tensor", &plans.tensor}, {"subtensor", &plans.subtensor}, {"current", &plans.current},
                            {"mxfp8", &plans.mx}, {"blockwise", &plans.blockwise}}) {
    p.policy = name;
    const bool tensor_level = plan == &plans.tensor;  // --metric applies to tensor-level MoR only
    p.metric = tensor_level ? o.metric : "";
    p.interval_k = o.interval_k;
    *plan = mor::cli::plan_policy(p);
  }
  // Only the plot reads written values (the tensor-level error histogram); every other column is a decision, a
  // count or an error the policies sum themselves, and the baselines' columns are canonical MREs.
  plans.tensor.tensor.write_outputs = !o.plot.empty();
  plans.subtensor.subtensor.write_outputs = false;
  for (auto* c : {&plans.current.current.output_errors, &plans.mx.mx.output_errors, &plans.blockwise.blockwise.output_errors})
    *c = mor::OutputErrors::kCanonical;
  plans.current.current.write_outputs = plans.mx.mx.write_outputs = plans.blockwise.blockwise.write_outputs = false;
  if (!o.plot.empty()) mor::cli::check_plot_option(o.plot);
  mor::cli::check_outputs(o.in.paths(), {{"--json", o.json}, {"--plot", o.plot}});
  return plans;
}

struct Totals {
  uint64_t fp8_tensors = 0, fp8_elems = 0, elems = 0, disagree = 0, decided = 0, interval_fallbacks = 0;
  void add(const Totals& o) {
    fp8_tensors += o.fp8_tensors;
    fp8_elems += o.fp8_elems;
    elems += o.elems;
    disagree += o.disagree;
    decided += o.decided;
    interval_fallbacks += o.interval_fallbacks;
  }
};

// What one tensor adds to the output: its printed row, its report entry and its share of the totals.
struct TensorRow {
  std::string line;
  nlohmann::ordered_json json;
  Totals totals;
};

// The five results, reused tensor after tensor: their buffers are allocated once.
struct Results {
  mor::QuantResult tl, st, cs, mx, bw;
  mor::SharedStats stats;  // the tensor's block statistics, one pass for the five policies
};

// A policy's own canonical sum of its output error (D5): what it wrote, summed while writing it.
mor::ErrorSummary canonical_output_error(const mor::QuantResult& r) {
  mor::ErrorSummary e;
  e.err_sum = r.output_err_sum;
  e.nnz = r.output_nnz;
  e.mre = e.nnz ? static_cast<double>(e.err_sum) / static_cast<double>(e.nnz) / 16777216.0 : 0.0;
  return e;
}

TensorRow analyze_one(const mor::Tensor& t, const Plans& plans, const std::string& profile, Results& res,
                      std::vector<mor::cli::PlotRow>* plot) {
  TensorRow row;
  Totals& sum = row.totals;
  const auto& tl = res.tl;
  const auto& st = res.st;
  const mor::cli::PolicyPlan* all[] = {&plans.tensor, &plans.subtensor, &plans.current, &plans.mx, &plans.blockwise};
  std::vector<mor::BlockShape> shapes;
  for (const auto* p : all) shapes.push_back(mor::cli::statistics_block(*p));
  res.stats.compute(t, shapes, mor::cli::nan_policy_of(plans.tensor), plans.tensor.tensor.threads);
  mor::cli::run_policy(plans.tensor, t, res.tl, &res.stats);
  mor::cli::run_policy(plans.subtensor, t, res.st, &res.stats);
  mor::cli::run_policy(plans.current, t, res.cs, &res.stats);
  mor::cli::run_policy(plans.mx, t, res.mx, &res.stats);
  mor::cli::run_policy(plans.blockwise, t, res.bw, &res.stats);
  const bool fp8 = tl.tensor_format != mor::FormatTag::kBF16;
  sum.fp8_tensors += fp8;
  sum.elems += t.size();
  sum.fp8_elems += fp8 ? t.size() : 0;
  const bool metric_decided = tl.reason == mor::Reason::kAccepted || tl.reason == mor::Reason::kRejected;
  sum.decided += metric_decided;
  sum.disagree += metric_decided && tl.canonical_rejects != tl.fp32_rejects;
  sum.interval_fallbacks += static_cast<uint64_t>(tl.interval_fallbacks);
  const double canon = tl.nnz ? static_cast<double>(tl.err_sum) / static_cast<double>(tl.nnz) / 16777216.0 : 0.0;
  auto pct = [&](int f) { return 100.0 * static_cast<double>(st.elements_per_format[static_cast<std::size_t>(f)]) / static_cast<double>(t.size()); };
  const auto e_cs = canonical_output_error(res.cs), e_mx = canonical_output_error(res.mx),
             e_bw = canonical_output_error(res.bw), e_st = canonical_output_error(res.st);
  char line[512];
  std::snprintf(line, sizeof line, "%-22.22s %-11s %-5s %-9s %8.5f %8.5f %5s | %5.1f/%5.1f/%5.1f | %8.5f %8.5f %8.5f %8.5f\n", t.name.c_str(),
              mor::cli::shape_text(t.file_shape()).c_str(), mor::name_of(tl.tensor_format), mor::name_of(tl.reason), canon,
              tl.mre_fp32, metric_decided ? (tl.canonical_rejects == tl.fp32_rejects ? "yes" : "NO") : "-", pct(0), pct(1),
              pct(2), e_cs.mre, e_mx.mre, e_bw.mre, e_st.mre);
  row.line = line;
  nlohmann::ordered_json& j = row.json;
  j = mor::report_json(t, tl, profile, false);
  j["subtensor"] = mor::report_json(t, st, profile, false);
  j["baselines"] = {{"current", e_cs.mre}, {"mxfp8", e_mx.mre}, {"blockwise_1x128", e_bw.mre}};
  if (plot) plot->push_back({&t, tl, st});
  return row;
}

void set_threads(mor::cli::PolicyPlan& p, int threads) {
  p.tensor.threads = p.subtensor.threads = p.current.threads = p.mx.threads = p.blockwise.threads = threads;
}

// Tensors analysed by `workers` threads, each reading its own tensors into its own buffer (tensor k to the first
// free worker), each policy on `threads` threads; rows are printed and reported in input order as they complete.
// Every result is the same for any division of the work (the policies' results do not depend on threads).
class Pipeline {
 public:
  Pipeline(const mor::cli::InputStream& in, const Plans& plans, const std::string& profile, std::size_t workers)
      : in_(in), plans_(plans), profile_(profile), slots_(in.size()), workers_(workers) {}

  // Calls emit(row) for every tensor in input order; rethrows the first tensor's error (in input order).
  template <class Emit>
  void run(Emit&& emit) {
    std::vector<std::thread> pool;
    for (std::size_t w = 0; w < workers_; ++w) pool.emplace_back([this] { work(); });
    try {
      for (std::size_t k = 0; k < slots_.size(); ++k) {
        std::unique_lock<std::mutex> lock(m_);
        done_.wait(lock, [&] { return slots_[k].ready; });
        Slot slot = std::move(slots_[k]);
        lock.unlock();
        if (slot.error) std::rethrow_exception(slot.error);
        emit(slot.row);
      }
    } catch (...) {
      stop();
      for (auto& t : pool) t.join();
      throw;
    }
    for (auto& t : pool) t.join();
  }

 private:
  struct Slot {
    bool ready = false;
    TensorRow row;
    std::exception_ptr error;
  };
  void work() {
    Results res;
    mor::Tensor buffer;
    for (;;) {
      std::size_t k;
      {
        std::lock_guard<std::mutex> lock(m_);
        if (stopped_ || next_ == slots_.size()) return;
        k = next_++;
      }
      Slot slot;
      try {
        slot.row = analyze_one(in_.get(k, buffer, true), plans_, profile_, res, nullptr);
      } catch (...) {
        slot.error = std::current_exception();
      }
      slot.ready = true;
      std::lock_guard<std::mutex> lock(m_);
      slots_[k] = std::move(slot);
      done_.notify_all();
    }
  }
  void stop() {
    std::lock_guard<std::mutex> lock(m_);
    stopped_ = true;
  }

  const mor::cli::InputStream& in_;
  const Plans& plans_;
  const std::string& profile_;
  std::vector<Slot> slots_;
  std::size_t workers_, next_ = 0;
  bool stopped_ = false;
  std::mutex m_;
  std::condition_variable done_;
};



// The summary line, the JSON report and the picture.
void finish(const Options& o, nlohmann::ordered_json& report, const Totals& sum, std::size_t tensors, const Plans& plans,
            const std::vector<mor::cli::PlotRow>& plot) {
  const double n = static_cast<double>(tensors);
  std::printf("tensor-level MoR keeps %llu of %zu tensors (%.2f%%) and %.2f%% of elements in FP8; canonical and FP32 "
              "metrics disagree on %llu of %llu metric decisions\n",
              static_cast<unsigned long long>(sum.fp8_tensors), tensors,
              100.0 * static_cast<double>(sum.fp8_tensors) / n,
              100.0 * static_cast<double>(sum.fp8_elems) / static_cast<double>(sum.elems),
              static_cast<unsigned long long>(sum.disagree), static_cast<unsigned long long>(sum.decided));
  const bool interval = plans.tensor.tensor.metric == mor::MetricKind::kInterval;
  if (interval)
    std::printf("interval metric (k=%d): %llu of %zu tensors fell back to the exact err_sum\n", o.interval_k,
                static_cast<unsigned long long>(sum.interval_fallbacks), tensors);
  report["summary"] = {{"fp8_tensor_share", static_cast<double>(sum.fp8_tensors) / n},
                       {"fp8_element_share", static_cast<double>(sum.fp8_elems) / static_cast<double>(sum.elems)},
                       {"metric_disagreements", sum.disagree},
                       {"metric_decisions", sum.decided}};
  if (interval) report["summary"]["interval_fallbacks"] = sum.interval_fallbacks;
  if (!o.json.empty()) mor::write_file_atomic(o.json, report.dump(1) + "\n");
  if (!o.plot.empty()) {
    mor::cli::write_plot(o.plot, plot);
    std::printf("picture: %s\n", o.plot.c_str());
  }
}

int run(const Options& o) {
  const Plans plans = check(o);
  // Tensors are read when they are analysed, each into a worker's reused buffer (BF16 as stored: the policies read
  // it directly); only the plot keeps its tensors.
  const mor::cli::InputStream inputs = mor::cli::open_inputs(o.in);
  if (!o.plot.empty() && inputs.size() > mor::cli::kMaxPlotTensors)
    throw UsageError("--plot draws at most " + std::to_string(mor::cli::kMaxPlotTensors) + " tensors and there are " +
                     std::to_string(inputs.size()) + "; name the tensors with FILE:TENSOR");
  const std::string& profile = plans.tensor.profile.name;
  std::printf("%-22s %-11s %-5s %-9s %8s %8s %5s | %-17s | %8s %8s %8s %8s\n", "tensor", "shape", "MoR", "reason",
              "MRE", "MRE-fp32", "agree", "sub e4/e5/bf16 %", "current", "mxfp8", "blk1x128", "sub");
  Totals sum;
  nlohmann::ordered_json report;
  report["tool"] = "mor analyze";
  report["profile"] = profile;
  report["threshold"] = o.threshold;
  report["tensors"] = nlohmann::ordered_json::array();
  auto emit = [&](const TensorRow& row) {
    std::fputs(row.line.c_str(), stdout);
    report["tensors"].push_back(row.json);
    sum.add(row.totals);
  };
  std::vector<mor::cli::PlotRow> plot;
  if (!o.plot.empty()) {  // one tensor at a time, kept for the plot (at most kMaxPlotTensors)
    std::vector<mor::Tensor> plotted(inputs.size());  // the plot's rows point at these
    Results res;
    for (std::size_t k = 0; k < inputs.size(); ++k) emit(analyze_one(inputs.get(k, plotted[k], true), plans, profile, res, &plot));
    finish(o, report, sum, inputs.size(), plans, plot);
    return 0;
  }
  // A checkpoint's tensors are many: one per thread at a time, each policy on one thread (no per-call thread
  // start, and the reading of one tensor overlaps the others' work); fewer tensors than threads share the threads.
  const int hw = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const std::size_t workers = std::max<std::size_t>(1, std::min<std::size_t>(static_cast<std::size_t>(hw), inputs.size()));
  Plans per_worker = plans;
  for (auto* p : {&per_worker.tensor, &per_worker.subtensor, &per_worker.current, &per_worker.mx, &per_worker.blockwise})
    set_threads(*p, std::max(1, hw / static_cast<int>(workers)));
  Pipeline(inputs, per_worker, profile, workers).run(emit);
  finish(o, report, sum, inputs.size(), plans, plot);
  return 0;
}

mor::cli::Action setup(CLI::App& app) {
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand("analyze", "Compare MoR and the baselines on tensors: decision, error and FP8 share per tensor");
  mor::cli::add_input_options(sub, o->in);
  sub->add_option("--threshold", o->threshold, "tensor-level threshold T")->capture_default_str();
  sub->add_option("--profile", o->profile, "named profile: " + mor::profile_choices())->capture_default_str();
  sub->add_option("--threads", o->threads, "worker threads (0 = all cores)")
      ->capture_default_str()
      ->check(CLI::Range(0, mor::cli::kMaxThreads));
  sub->add_option("--metric", o->metric,
                  "tensor-level decision metric: canonical|fp32|interval (default from the profile)");
  sub->add_option("--interval-k", o->interval_k, "--metric interval: reciprocal table of 2^k + 1 nodes (6..10)")
      ->check(CLI::Range(mor::kIntervalMinK, mor::kIntervalMaxK))
      ->capture_default_str();
  sub->add_option("--json", o->json, "write the JSON report here (docs/schemas/mor-analyze.schema.json)");
  sub->add_option("--plot", o->plot, "write a PNG here: per tensor the sub-tensor block-format map and the error "
                                     "histogram of the chosen format (needs gnuplot)");
  return {sub, [o] { return run(*o); }};
}

const mor::cli::Register reg{{setup}};

}  // namespace
