// docs/ENGINE.md follows the RTL: its parameter table and its port table list exactly the parameters and ports of
// rtl/src/mor_quantizer.sv, with the same defaults (resolved through rtl/include/mor_pkg.sv), directions and
// widths. A width is compared as written in terms of the parameters: [W-1:0] is "W", [E:0] is "E+1".
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "sweep.hpp"

namespace mor {
namespace {

std::string read(const std::string& rel) {
  std::ifstream f(test::source_path(rel));
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string no_spaces(std::string s) {
  s.erase(std::remove_if(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) || c == '`'; }), s.end());
  return s;
}

// The rows of the markdown table that follows `heading` (first column in backquotes): name -> the other columns.
std::map<std::string, std::vector<std::string>> table_after(const std::string& doc, const std::string& heading) {
  std::map<std::string, std::vector<std::string>> rows;
  std::size_t at = doc.find(heading);
  if (at == std::string::npos) return rows;
  std::istringstream in(doc.substr(at));
  std::string line;
  bool in_table = false;
  while (std::getline(in, line)) {
    if (line.rfind("|", 0) != 0) {
      if (in_table) break;
      continue;
    }
    in_table = true;
    std::vector<std::string> cells;
    std::stringstream cs(line.substr(1));
    for (std::string cell; std::getline(cs, cell, '|');) cells.push_back(cell);
    if (cells.size() < 2 || cells[0].find('`') == std::string::npos) continue;  // header, separator
    const std::string name = no_spaces(cells[0]);
    cells.erase(cells.begin());
    rows[name] = cells;
  }
  return rows;
}

// mor_pkg's localparam int values.
std::map<std::string, std::string> package_ints() {
  std::map<std::string, std::string> v;
  const std::string pkg = read("rtl/include/mor_pkg.sv");
  const std::regex re(R"(localparam int (\w+) = (\d+);)");
  for (auto it = std::sregex_iterator(pkg.begin(), pkg.end(), re); it != std::sregex_iterator(); ++it)
    v[(*it)[1]] = (*it)[2];
  return v;
}

TEST(engine_doc, TablesMatchRtl) {
  const std::string rtl = read("rtl/src/mor_quantizer.sv"), doc = read("docs/ENGINE.md");
  const std::string header = rtl.substr(rtl.find("module mor_quantizer"), rtl.find(");") - rtl.find("module mor_quantizer"));
  const auto pkg = package_ints();

  // Parameters: name and default.
  const auto params = table_after(doc, "## Parameters");
  const std::regex param_re(R"(parameter\s+int\s+(\w+)\s*=\s*([\w:]+))");
  int n_params = 0;
  for (auto it = std::sregex_iterator(header.begin(), header.end(), param_re); it != std::sregex_iterator(); ++it) {
    ++n_params;
    const std::string name = (*it)[1];
    std::string value = (*it)[2];
    if (value.rfind("mor_pkg::", 0) == 0) value = pkg.count(value.substr(9)) ? pkg.at(value.substr(9)) : "?" + value;
    ASSERT_TRUE(params.count(name)) << "parameter " << name << " is not in docs/ENGINE.md";
    EXPECT_EQ(no_spaces(params.at(name)[0]), value) << "default of " << name;
  }
  EXPECT_EQ(static_cast<int>(params.size()), n_params) << "docs/ENGINE.md lists parameters the RTL does not have";
  EXPECT_GE(n_params, 4);

  // Ports: name, direction, width.
  const auto ports = table_after(doc, "## Ports");
  const std::regex port_re(R"((input|output)\s+logic\s*(\[([^\]]*)\])?\s*(\w+))");
  int n_ports = 0;
  for (auto it = std::sregex_iterator(header.begin(), header.end(), port_re); it != std::sregex_iterator(); ++it) {
    ++n_ports;
    const std::string name = (*it)[4], range = no_spaces((*it)[3]);
    std::string width = "1";
    std::smatch m;
    if (std::regex_match(range, m, std::regex(R"((.*)-1:0)"))) width = m[1];
    else if (std::regex_match(range, m, std::regex(R"((\d+):0)"))) width = std::to_string(std::stoi(m[1]) + 1);
    else if (std::regex_match(range, m, std::regex(R"((.*):0)"))) width = m[1].str() + "+1";
    if (!range.empty() && width == "1") width = "?" + range;
    ASSERT_TRUE(ports.count(name)) << "port " << name << " is not in docs/ENGINE.md";
    ASSERT_GE(ports.at(name).size(), 2u);
    EXPECT_EQ(no_spaces(ports.at(name)[0]), (*it)[1].str()) << "direction of " << name;
    EXPECT_EQ(no_spaces(ports.at(name)[1]), width) << "width of " << name;
  }
  EXPECT_EQ(static_cast<int>(ports.size()), n_ports) << "docs/ENGINE.md lists ports the RTL does not have";
  EXPECT_GE(n_ports, 30);
}

}  // namespace
}  // namespace mor
