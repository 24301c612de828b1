#include "scoreboard.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace mor::sim {

uint64_t score(const EngineBench& b, const std::vector<Job>& jobs, std::vector<std::string>* notes) {
  uint64_t bad = 0;
  auto note = [&](const std::string& s) {
    if (notes->size() < 10) notes->push_back(s);
    ++bad;
  };
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    const EngineExpect e = engine_expected(jobs[j].block_major, jobs[j].cfg);
    if (j >= b.dones.size()) {
      note(jobs[j].name + ": no done");
      continue;
    }
    if (b.codes[j].size() != e.code_beats.size()) note(jobs[j].name + ": code beat count");
    for (std::size_t k = 0; k < std::min(b.codes[j].size(), e.code_beats.size()); ++k)
      if (!std::equal(b.codes[j][k].codes.begin(), b.codes[j][k].codes.end(), e.code_beats[k].codes.begin(),
                      e.code_beats[k].codes.end()) ||
          b.codes[j][k].last != e.code_beats[k].block_last)
        note(jobs[j].name + ": code beat " + std::to_string(k));
    if (b.blocks[j].size() != e.blocks.size()) note(jobs[j].name + ": block info count");
    for (std::size_t k = 0; k < std::min(b.blocks[j].size(), e.blocks.size()); ++k) {
      const auto& g = b.blocks[j][k];
      const auto& w = e.blocks[k];
      if (g.index != w.index || g.tag != w.tag || g.scale != w.scale) note(jobs[j].name + ": block info " + std::to_string(k));
    }
    const auto& d = b.dones[j];
    const auto& t = e.tensor;
    if (d.status != t.status || d.decision != t.decision || d.reason != t.reason || d.nnz != t.nnz ||
        d.group_amax != t.group_amax || d.fallbacks != t.fallbacks ||
        (t.check_group_scale && d.group_scale != t.group_scale) ||
        (t.check_sums && (d.sum_lo != t.sum_lo || d.sum_hi != t.sum_hi || d.err_sum != t.err_sum)))
      note(jobs[j].name + ": tensor info");
  }
  return bad;
}

uint64_t cycle_differences(const EngineBench& a, const EngineBench& b) {
  uint64_t diff = 0;
  for (std::size_t j = 0; j < std::min(a.dones.size(), b.dones.size()); ++j) {
    if (std::getenv("MOR_SIM_DEBUG") && a.dones[j].cycle != b.dones[j].cycle) {
      std::fprintf(stderr, "job %zu: done %llu vs %llu, start %llu vs %llu\n", j, (unsigned long long)a.dones[j].cycle,
                   (unsigned long long)b.dones[j].cycle, (unsigned long long)a.dones[j].start_cycle, (unsigned long long)b.dones[j].start_cycle);
      for (std::size_t k = 0; k < std::min(a.codes[j].size(), b.codes[j].size()); ++k)
        if (a.codes[j][k].cycle != b.codes[j][k].cycle) {
          std::fprintf(stderr, "  first code beat %zu: %llu vs %llu\n", k, (unsigned long long)a.codes[j][k].cycle, (unsigned long long)b.codes[j][k].cycle);
          break;
        }
    }
    diff += a.dones[j].cycle != b.dones[j].cycle;
    for (std::size_t k = 0; k < std::min(a.codes[j].size(), b.codes[j].size()); ++k) diff += a.codes[j][k].cycle != b.codes[j][k].cycle;
    for (std::size_t k = 0; k < std::min(a.blocks[j].size(), b.blocks[j].size()); ++k) diff += a.blocks[j][k].cycle != b.blocks[j][k].cycle;
  }
  return diff;
}

}  // namespace mor::sim
