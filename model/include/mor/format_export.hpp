// Writes the model's contract for the other languages, so they take it from the same description:
// - verilog_package(): rtl/include/mor_pkg.sv, the SystemVerilog package of the formats (format.hpp), the
//   conversion knobs (convert.hpp) and the MoR contract (contract.hpp);
// - cmake_contract(): rtl/include/mor_pkg.cmake, the format numbers and engine parameters for CMake (the -G
//   options of the Verilated variants).
// Both are committed; formats.VerilogPackageInSync and formats.CMakeContractInSync fail when they drift apart.
#pragma once

#include <string>

namespace mor {

std::string verilog_package();
std::string cmake_contract();
std::string format_table_text();

}  // namespace mor
