#include "sim_report.hpp"

#include <cstdio>
#include <sstream>

#include "mor/policy.hpp"
#include "mor/strformat.hpp"

namespace mor::sim {

namespace {

const char* tag_name(uint32_t t) { return name_of(static_cast<FormatTag>(t)); }
const char* reason_name(uint32_t r) { return name_of(static_cast<Reason>(r)); }

// Blocks per format. Sub-tensor: the tags of the block infos. Tensor-level: every block is in the decided format
// (the engine's block infos there carry GAM offsets k_j, not formats, and a BF16 tensor has no E4M3 blocks).
std::array<uint64_t, 3> block_counts(const Job& job, const EngineBench& b, std::size_t k) {
  std::array<uint64_t, 3> n{0, 0, 0};
  if (job.cfg.mode == 0) {
    const uint32_t tag = b.dones[k].decision;
    if (tag < 3) n[tag] = static_cast<uint64_t>(job.cfg.num_blocks);
    return n;
  }
  for (const auto& blk : b.blocks[k])
    if (blk.tag < 3) ++n[blk.tag];
  return n;
}

// One row per tensor: the text table and the JSON "tensors" array.
void report_tensors(const SimOutcome& o, double ns_per_cycle, std::ostringstream& text, nlohmann::ordered_json& j) {
  using J = nlohmann::ordered_json;
  const auto& jobs = *o.jobs;
  const EngineBench& b = *o.main;
  text << strformat("%-22s %-9s %-6s %-9s %-19s %9s %10s %7s %8s %11s\n", "tensor", "policy", "format", "reason",
                 "blocks e4/e5/bf16", "cycles", "time us", "elem/c", "starved", "latency us");
  j["tensors"] = J::array();
  for (std::size_t k = 0; k < jobs.size() && k < b.dones.size(); ++k) {
    const auto& d = b.dones[k];
    const auto n = block_counts(jobs[k], b, k);
    const uint64_t cycles = d.cycle - d.start_cycle;
    const double elems = static_cast<double>(jobs[k].block_major.bits.size());
    const uint64_t latency = b.first_input[k] ? d.cycle - b.first_input[k] : cycles;
    const std::string mix = std::to_string(n[0]) + "/" + std::to_string(n[1]) + "/" + std::to_string(n[2]);
    text << strformat("%-22.22s %-9s %-6s %-9s %-19s %9llu %10.2f %7.2f %8llu %11.2f\n", jobs[k].name.c_str(),
                   jobs[k].policy.c_str(), tag_name(d.decision), reason_name(d.reason), mix.c_str(),
                   static_cast<unsigned long long>(cycles), static_cast<double>(cycles) * ns_per_cycle / 1000.0,
                   elems / static_cast<double>(cycles), static_cast<unsigned long long>(b.starved[k]),
                   static_cast<double>(latency) * ns_per_cycle / 1000.0);
    j["tensors"].push_back({{"name", jobs[k].name}, {"policy", jobs[k].policy}, {"decision", tag_name(d.decision)},
                            {"reason", reason_name(d.reason)}, {"blocks", {{"e4m3", n[0]}, {"e5m2", n[1]}, {"bf16", n[2]}}},
                            {"block_elements", jobs[k].cfg.block_beats * kLanes}, {"elements", jobs[k].block_major.bits.size()},
                            {"cycles", cycles}, {"elements_per_cycle", elems / static_cast<double>(cycles)},
                            {"input_starved_cycles", b.starved[k]}, {"latency_cycles", latency},
                            {"time_us", static_cast<double>(cycles) * ns_per_cycle / 1000.0},
                            {"latency_us", static_cast<double>(latency) * ns_per_cycle / 1000.0},
                            {"sum_lo", d.sum_lo}, {"sum_hi", d.sum_hi}, {"fallbacks", d.fallbacks},
                            {"err_sum", d.err_sum}, {"nnz", d.nnz}});
  }
}

// The run as a whole at the clock: throughput, bandwidth, utilization, stalls, the scoreboards' verdicts.
void report_summary(const SimOutcome& o, double ns_per_cycle, std::ostringstream& text, nlohmann::ordered_json& j) {
  const auto& jobs = *o.jobs;
  const EngineBench& b = *o.main;
  const uint64_t total_cycles = b.dones.empty() ? 0 : b.dones.back().cycle;
  const uint64_t in_bytes = b.reader.bytes_read, out_bytes = b.writer.bytes_written;
  // Throughput, bandwidth and utilization over the whole run at the clock. Lane utilization: cycles in which a beat
  // entered the lanes (the model counts them; the RTL runs the same cycles). Memory utilization: bytes read over
  // what the read port could have delivered in the run.
  const double seconds = static_cast<double>(total_cycles) * ns_per_cycle * 1e-9;
  uint64_t elements = 0;
  for (std::size_t k = 0; k < jobs.size() && k < b.dones.size(); ++k) elements += jobs[k].block_major.bits.size();
  const double gelem_s = seconds > 0 ? static_cast<double>(elements) / seconds / 1e9 : 0.0;
  const double read_gbs = seconds > 0 ? static_cast<double>(in_bytes) / seconds / 1e9 : 0.0;
  const double write_gbs = seconds > 0 ? static_cast<double>(out_bytes) / seconds / 1e9 : 0.0;
  const double cycles_d = total_cycles ? static_cast<double>(total_cycles) : 1.0;
  const double lane_util = o.model ? 100.0 * static_cast<double>(o.model->lane_beats()) / cycles_d : -1.0;
  const double mem_util = 100.0 * static_cast<double>(in_bytes) / (o.mem.read_bytes_per_cycle * cycles_d);
  text << strformat("total: %llu cycles, %.2f us at %.1f MHz, %.3f G elements/s; bytes read %llu (%.2f GB/s), written "
                 "%llu (%.2f GB/s); output back-pressure %llu cycles\n",
                 static_cast<unsigned long long>(total_cycles), seconds * 1e6, o.clock_mhz, gelem_s,
                 static_cast<unsigned long long>(in_bytes), read_gbs, static_cast<unsigned long long>(out_bytes), write_gbs,
                 static_cast<unsigned long long>(b.writer.code_stall_cycles));
  if (o.model)
    text << strformat("utilization: lanes %.1f%% of cycles, memory read port %.1f%% of its bandwidth\n", lane_util, mem_util);
  else
    text << strformat("utilization: memory read port %.1f%% of its bandwidth (lane utilization: run the model)\n", mem_util);
  if (o.model)
    text << strformat("stalls (model): decision wait %llu, quant-error measurement %llu, group step %llu, fallback %llu cycles; "
                   "high-water: input FIFO %d beats, block buffers %d, block-info FIFO %d\n",
                   static_cast<unsigned long long>(o.model->decision_wait_cycles),
                   static_cast<unsigned long long>(o.model->measure_cycles),
                   static_cast<unsigned long long>(o.model->group_cycles),
                   static_cast<unsigned long long>(o.model->fallback_cycles), b.reader.fifo_high_water,
                   o.model->bank_high_water, o.model->blk_fifo_high_water);
  const double sim_rate = o.wall_seconds > 0 ? static_cast<double>(total_cycles) / o.wall_seconds : 0.0;
  text << strformat("simulation: %.2f s wall, %.0f simulated cycles per second (%s)\n", o.wall_seconds, sim_rate,
                 o.ran_model && o.ran_rtl ? "SystemC model + Verilated RTL co-simulation"
                 : o.ran_model            ? "SystemC model alone"
                                          : "Verilated RTL alone");
  if (o.ran_model) text << "SystemC model vs golden model: " << o.model_mismatches << " mismatches\n";
  if (o.ran_rtl) text << "Verilated RTL vs golden model: " << o.rtl_mismatches << " mismatches\n";
  if (o.ran_model && o.ran_rtl)
    text << "SystemC model vs RTL timing: " << o.cycle_differences << " transactions in different cycles"
         << (o.cycle_differences == 0 && o.same_total_cycles ? " (cycle-accurate)\n" : "\n");
  for (const auto& n : o.notes) text << "  mismatch: " << n << "\n";
  j["summary"] = {{"total_cycles", total_cycles}, {"time_us", seconds * 1e6}, {"g_elements_per_s", gelem_s},
                  {"read_gb_per_s", read_gbs}, {"write_gb_per_s", write_gbs},
                  {"memory_read_utilization_pct", mem_util}, {"bytes_read", in_bytes}, {"bytes_written", out_bytes},
                  {"output_backpressure_cycles", b.writer.code_stall_cycles},
                  {"wall_seconds", o.wall_seconds}, {"cycles_per_second", sim_rate},
                  {"model_mismatches", o.model_mismatches}, {"rtl_mismatches", o.rtl_mismatches},
                  {"cycle_differences", o.cycle_differences}};
  if (o.model) j["summary"]["lane_utilization_pct"] = lane_util;
  if (o.model)
    j["summary"]["stalls"] = {{"decision_wait", o.model->decision_wait_cycles},
                              {"quant_error_measurement", o.model->measure_cycles},
                              {"group_scale", o.model->group_cycles},
                              {"fallback", o.model->fallback_cycles},
                              {"input_fifo_high_water", b.reader.fifo_high_water},
                              {"block_buffer_high_water", o.model->bank_high_water},
                              {"block_info_fifo_high_water", o.model->blk_fifo_high_water}};
}

}  // namespace

SimReport make_report(const SimOutcome& o) {
  using J = nlohmann::ordered_json;
  SimReport r;
  J& j = r.json;
  j["tool"] = "mor-sim";
  j["engines"] = {{"systemc_model", o.ran_model}, {"verilated_rtl", o.ran_rtl}};
  j["memory"] = {{"read_bytes_per_cycle", o.mem.read_bytes_per_cycle}, {"read_latency", o.mem.read_latency},
                 {"max_in_flight", o.mem.max_in_flight}, {"write_bytes_per_cycle", o.mem.write_bytes_per_cycle}};
  j["clock"] = {{"mhz", o.clock_mhz}, {"source", o.clock_source}};
  j["lanes"] = kLanes;
  j["pipe_stages"] = kLaneStages;
  std::ostringstream text;
  const double ns_per_cycle = 1000.0 / o.clock_mhz;
  text << "MoR engine, " << kLanes << " lanes at " << strformat("%.1f", o.clock_mhz) << " MHz (" << o.clock_source
       << "), memory " << o.mem.read_bytes_per_cycle << " B/cycle read (latency " << o.mem.read_latency << "), "
       << o.mem.write_bytes_per_cycle << " B/cycle write\n";
  report_tensors(o, ns_per_cycle, text, j);
  report_summary(o, ns_per_cycle, text, j);
  r.text = text.str();
  return r;
}

}  // namespace mor::sim
