// The contract is written once (issue 15): no band, FMAX, GAM floor or derived literal may appear in the code of
// model/, rtl/, sim/, kernels/ or in any build file, outside the contract source (model/include/mor/core/contract.hpp
// and format.hpp) and the files generated from it (rtl/include/mor_pkg.sv, mor_pkg.cmake).
//
// The rule, and why:
// - Code only. Comments are text, and so are string literals in C++, CUDA, SystemVerilog and Python (help texts,
//   descriptions). In CMake, shell and make files everything is code: options such as -GFMAX=... are strings there.
// - tests/ and docs/ may write the values out, and should: a test's expected value comes from the spec, not from the
//   code under test, and documentation states the numbers. Their build files (tests/**/CMakeLists.txt) are scanned.
// - A value is found in every spelling: decimal (448, 448.0f, 1e-35f), C hex (0x43E00000u), SystemVerilog
//   (32'h43E0_0000) and the decimal of a bit pattern (1197473792 = 0x47600000, as a -G option would write it).
// - Exceptions name a file and a literal, with the reason; an exception that no longer matches fails the test.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sweep.hpp"

namespace mor {
namespace {

namespace fs = std::filesystem;

// The values, written out here (not taken from the contract: this test must fail if someone copies them).
const std::vector<double> kForbiddenValues = {
    448.0,        // FMAX of E4M3
    57344.0,      // FMAX of E5M2
    7.5,          // FMAX of E2M3, its sub-tensor band
    28672.0,      // sub-tensor E4M3 band
    114688.0,     // sub-tensor E4M3 band in quant-error mode
    939524096.0,  // sub-tensor E5M2 band
    1e-35,        // GAM amax floor
};
const std::set<uint64_t> kForbiddenBits = {
    0x43E00000,  // 448.0f
    0x47600000,  // 57344.0f
    0x40F00000,  // 7.5f
    0x46E00000,  // 28672.0f
    0x47E00000,  // 114688.0f
    0x4E600000,  // 939524096.0f
    0x0554AD2E,  // 1e-35f, the GAM floor
    0x08D4AD2E,  // the E5M2 GAM floor
    0x3B124925,  // RN32(1 / 448), the NV_RCEIL multiplier
};

// Files that are the contract, or generated from it.
const std::set<std::string> kSources = {
    "model/include/mor/core/contract.hpp",
    "model/include/mor/core/format.hpp",
    "rtl/include/mor_pkg.sv",
    "rtl/include/mor_pkg.cmake",
};

struct Exception {
  std::string file, literal, why;
};
const std::vector<Exception> kExceptions = {
    {"model/cli/cmd_golden.cpp", "0x43E00000",
     "a directed converter input of the golden vectors (spec 2: the values at and around FMAX), not the constant"},
    {"model/cli/cmd_golden.cpp", "0x47600000",
     "a directed converter input of the golden vectors (spec 2: the values at and around FMAX), not the constant"},
};

enum class Lang { kCLike, kCpp, kPython, kHash, kNone };

Lang language_of(const fs::path& p) {
  const std::string ext = p.extension().string(), name = p.filename().string();
  if (ext == ".cpp" || ext == ".hpp" || ext == ".h" || ext == ".cu" || ext == ".cuh") return Lang::kCpp;
  if (ext == ".sv" || ext == ".v" || ext == ".vh") return Lang::kCLike;
  if (ext == ".py") return Lang::kPython;
  if (ext == ".cmake" || ext == ".sh" || name == "CMakeLists.txt" || name == "Makefile") return Lang::kHash;
  return Lang::kNone;
}

// The code of a file: comments (and, where they are text, string literals) replaced by spaces, lines kept.
std::string code_of(const std::string& s, Lang lang) {
  std::string out(s);
  auto blank = [&](std::size_t a, std::size_t b) {
    for (std::size_t i = a; i < b && i < out.size(); ++i)
      if (out[i] != '\n') out[i] = ' ';
  };
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    const bool c_like = lang == Lang::kCLike || lang == Lang::kCpp;
    if (c_like && s.compare(i, 2, "//") == 0) {
      const std::size_t e = s.find('\n', i);
      blank(i, e == std::string::npos ? s.size() : e);
      i = e == std::string::npos ? s.size() : e;
    } else if (c_like && s.compare(i, 2, "/*") == 0) {
      const std::size_t e = s.find("*/", i + 2);
      const std::size_t end = e == std::string::npos ? s.size() : e + 2;
      blank(i, end);
      i = end;
    } else if ((lang == Lang::kPython || lang == Lang::kHash) && c == '#') {
      const std::size_t e = s.find('\n', i);
      blank(i, e == std::string::npos ? s.size() : e);
      i = e == std::string::npos ? s.size() : e;
    } else if ((c_like || lang == Lang::kPython) && (c == '"' || (c == '\'' && lang != Lang::kCLike))) {
      const bool triple = lang == Lang::kPython && s.compare(i, 3, std::string(3, c)) == 0;
      const std::string close = triple ? std::string(3, c) : std::string(1, c);
      std::size_t j = i + close.size();
      while (j < s.size() && s.compare(j, close.size(), close) != 0) j += s[j] == '\\' ? 2 : 1;
      const std::size_t end = std::min(s.size(), j + close.size());
      blank(i, end);
      i = end;
    } else {
      ++i;
    }
  }
  return out;
}

// A numeric literal of any of the languages, not part of an identifier.
const std::regex kNumber(
    R"((^|[^\w.'])(\d*'[sS]?[hH][0-9a-fA-F_]+|\d*'[sS]?[dD]\d[\d_]*|0[xX][0-9a-fA-F']+[uUlL]*|(\d[\d']*\.?\d*|\.\d+)([eE][+-]?\d+)?[fFuUlL]*))");

// Whether a literal token spells one of the forbidden values or bit patterns.
bool forbidden(const std::string& token, std::string* normalized) {
  std::string t;
  for (char ch : token)
    if (ch != '_' && ch != '\'') t += ch;
  const std::size_t h = token.find("'h") != std::string::npos ? token.find("'h") : token.find("'H");
  if (h != std::string::npos || t.rfind("0x", 0) == 0 || t.rfind("0X", 0) == 0) {
    std::string digits = h != std::string::npos ? token.substr(h + 2) : t.substr(2);
    std::string clean;
    for (char ch : digits)
      if (std::isxdigit(static_cast<unsigned char>(ch))) clean += ch;
    if (clean.empty() || clean.size() > 16) return false;
    const uint64_t v = std::stoull(clean, nullptr, 16);
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%08llX", static_cast<unsigned long long>(v));
    *normalized = buf;
    return kForbiddenBits.count(v) != 0;
  }
  const std::size_t d = t.find_first_of("dD");  // SystemVerilog decimal: 32'd1197473792 (the quote is gone)
  if (token.find('\'') != std::string::npos && d != std::string::npos) t = t.substr(d + 1);
  while (!t.empty() && std::strchr("fFuUlL", t.back())) t.pop_back();
  if (t.empty() || t == ".") return false;
  const double v = std::strtod(t.c_str(), nullptr);
  *normalized = t;
  for (double f : kForbiddenValues)
    if (v == f || (f < 1e-30 && v != 0 && std::fabs(v - f) <= 1e-6 * f)) return true;
  return t.find_first_of(".eE") == std::string::npos && v >= 0 && v < 1.9e19 &&
         kForbiddenBits.count(static_cast<uint64_t>(v)) != 0;
}

struct Finding {
  std::string file;
  int line;
  std::string literal;
};

std::vector<Finding> scan(const fs::path& root, const std::string& rel) {
  std::ifstream f(root / rel);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string code = code_of(ss.str(), language_of(rel));
  std::vector<Finding> out;
  std::istringstream lines(code);
  std::string l;
  for (int n = 1; std::getline(lines, l); ++n)
    for (auto it = std::sregex_iterator(l.begin(), l.end(), kNumber); it != std::sregex_iterator(); ++it) {
      std::string normalized;
      if (forbidden((*it)[2].str(), &normalized)) out.push_back({rel, n, (*it)[2].str()});
    }
  return out;
}

std::vector<std::string> scanned_files(const fs::path& root) {
  std::vector<std::string> files;
  auto add = [&](const fs::path& p) {
    const std::string rel = fs::relative(p, root).generic_string();
    if (language_of(p) != Lang::kNone && !kSources.count(rel)) files.push_back(rel);
  };
  for (const char* dir : {"model", "rtl", "sim", "kernels", "cmake"})
    for (const auto& e : fs::recursive_directory_iterator(root / dir))
      if (e.is_regular_file()) add(e.path());
  for (const auto& e : fs::recursive_directory_iterator(root / "tests"))
    if (e.is_regular_file() && e.path().filename() == "CMakeLists.txt") add(e.path());
  add(root / "CMakeLists.txt");
  add(root / "Makefile");
  return files;
}

TEST(contract, NoContractLiteralOutsideItsSource) {
  const fs::path root = test::source_path("");
  std::map<std::pair<std::string, std::string>, int> exception_hits;
  std::vector<Finding> findings;
  int files = 0;
  for (const std::string& rel : scanned_files(root)) {
    ++files;
    for (const Finding& f : scan(root, rel)) {
      std::string normalized;
      forbidden(f.literal, &normalized);
      bool excepted = false;
      for (const Exception& x : kExceptions)
        if (x.file == f.file && x.literal == normalized) {
          ++exception_hits[{x.file, x.literal}];
          excepted = true;
        }
      if (!excepted) findings.push_back(f);
    }
  }
  EXPECT_GT(files, 100) << "the scan found too few files under " << root;
  for (const Finding& f : findings)
    ADD_FAILURE() << f.file << ":" << f.line << ": " << f.literal
                  << " is a contract value: take it from contract.hpp (C++/CUDA), mor_pkg:: (RTL) or mor_pkg.cmake";
  for (const Exception& x : kExceptions)
    EXPECT_GT(exception_hits[std::make_pair(x.file, x.literal)], 0)
        << "the exception for " << x.literal << " in " << x.file << " no longer matches: remove it";
}

// The scanner itself: each spelling is found, comments and text are not code.
TEST(contract, LiteralScannerFindsEverySpelling) {
  std::string n;
  for (const char* t : {"448", "448.0f", "57344.0", "1e-35f", "0x43E00000u", "32'h43E0_0000", "1197473792", "7.5f",
                        "939524096.0f", "0x0554ad2e", "148155694"})
    EXPECT_TRUE(forbidden(t, &n)) << t;
  for (const char* t : {"449", "0x43E00001", "32'h7F80_0000", "4", "1e-34", "0.75"}) EXPECT_FALSE(forbidden(t, &n)) << t;
  auto literals = [](const std::string& text, Lang lang) {
    const std::string code = code_of(text, lang);
    std::vector<std::string> found;
    for (auto it = std::sregex_iterator(code.begin(), code.end(), kNumber); it != std::sregex_iterator(); ++it) {
      std::string m;
      if (forbidden((*it)[2].str(), &m)) found.push_back(m);
    }
    return found;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(literals("a = 1; // 448\n/* 448 */ b = 448.0f;", Lang::kCpp), V{"448.0"});
  EXPECT_EQ(literals("x(\"448\", '4') + e4m3_448", Lang::kCpp), V{});
  EXPECT_EQ(literals("set(X \"-GFMAX=1197473792\") # 448", Lang::kHash), V{"1197473792"});
  EXPECT_EQ(literals("assign a = 32'h43E0_0000; // 448\n$display(\"448\");", Lang::kCLike), V{"0x43E00000"});
  EXPECT_EQ(literals("x = 9'd448 + 8'h1", Lang::kCLike), V{"448"});
  EXPECT_EQ(literals("'''448''' + FMAX_448 + 57344  # 448", Lang::kPython), V{"57344"});
}

}  // namespace
}  // namespace mor
