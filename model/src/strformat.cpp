#include "mor/strformat.hpp"

#include <cstdio>
#include <vector>

namespace mor {

std::string vstrformat(const char* fmt, va_list ap) {
  // Measured first, then written: a long line is never cut at a fixed buffer size.
  va_list measure;
  va_copy(measure, ap);
  const int n = std::vsnprintf(nullptr, 0, fmt, measure);
  va_end(measure);
  if (n <= 0) return std::string();
  std::vector<char> buf(static_cast<std::size_t>(n) + 1);
  std::vsnprintf(buf.data(), buf.size(), fmt, ap);
  return std::string(buf.data(), static_cast<std::size_t>(n));
}

std::string strformat(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::string s = vstrformat(fmt, ap);
  va_end(ap);
  return s;
}

}  // namespace mor
