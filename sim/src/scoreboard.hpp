// mor-sim's scoreboard: every transaction of a bench against the golden model (mor::engine_expected), and the two
// benches of a co-simulation against each other, cycle by cycle.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench.hpp"

namespace mor::sim {

// Mismatches of one bench's transactions with the golden model; the first few are described in *notes.
uint64_t score(const EngineBench& b, const std::vector<Job>& jobs, std::vector<std::string>* notes);

// Transactions of the two benches that happen in different cycles (0 = cycle-accurate). MOR_SIM_DEBUG=1 prints the
// first difference of each job on stderr.
uint64_t cycle_differences(const EngineBench& a, const EngineBench& b);

}  // namespace mor::sim
