// printf into a std::string, of any length (the report and package writers build their lines with it).
#pragma once

#include <cstdarg>
#include <string>

namespace mor {

std::string vstrformat(const char* fmt, va_list ap);
std::string strformat(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace mor
