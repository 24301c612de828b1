// Writes the format table (format.hpp) and the conversion knobs (convert.hpp) as a Verilog header, so the RTL
// parameters come from the same description as the model. rtl/include/mor_formats.vh is this output, committed;
// the test `formats.VerilogHeaderInSync` fails if the two drift apart.
#pragma once

#include <string>

namespace mor {

std::string verilog_format_header();
std::string format_table_text();

}  // namespace mor
