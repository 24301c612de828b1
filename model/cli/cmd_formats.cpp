// `mor formats`: the format table; `--verilog` writes the RTL's header generated from it.
#include <cstdio>

#include "command.hpp"
#include "mor/format_export.hpp"

namespace {

mor::cli::Action setup(CLI::App& app) {
  auto* sub = app.add_subcommand("formats", "Print the format table; --verilog prints rtl/include/mor_formats.vh");
  auto verilog = std::make_shared<bool>(false);
  sub->add_flag("--verilog", *verilog, "print the Verilog header generated from the format table");
  return {sub, [verilog] {
            const std::string text = *verilog ? mor::verilog_format_header() : mor::format_table_text();
            std::fwrite(text.data(), 1, text.size(), stdout);
            return 0;
          }};
}

const mor::cli::Register reg{{setup}};

}  // namespace
