// `mor formats`: the format table; `--verilog` and `--cmake` write the RTL's package and CMake's copy of the
// contract generated from the model's headers (`make formats` commits them).
#include <cstdio>

#include "command.hpp"
#include "mor/format_export.hpp"

namespace {

mor::cli::Action setup(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "formats", "Print the format table; --verilog prints rtl/include/mor_pkg.sv, --cmake rtl/include/mor_pkg.cmake");
  auto verilog = std::make_shared<bool>(false);
  auto cmake = std::make_shared<bool>(false);
  auto* v = sub->add_flag("--verilog", *verilog, "print the SystemVerilog package generated from the contract");
  sub->add_flag("--cmake", *cmake, "print the CMake variables generated from the contract")->excludes(v);
  return {sub, [verilog, cmake] {
            const std::string text = *verilog ? mor::verilog_package()
                                     : *cmake ? mor::cmake_contract()
                                              : mor::format_table_text();
            std::fwrite(text.data(), 1, text.size(), stdout);
            return 0;
          }};
}

const mor::cli::Register reg{{setup}};

}  // namespace
