#include "mor/names.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace mor {
namespace {

template <class E, std::size_t N>
using Table = std::array<std::pair<const char*, E>, N>;

constexpr Table<Rounding, 7> kRounding{{{"rne", Rounding::kRNE},
                                        {"rna", Rounding::kRNA},
                                        {"rz", Rounding::kRZ},
                                        {"ru", Rounding::kRU},
                                        {"rd", Rounding::kRD},
                                        {"rto", Rounding::kRTO},
                                        {"sr", Rounding::kSR}}};
constexpr Table<Overflow, 3> kOverflow{{{"satfinite", Overflow::kSatFinite},
                                        {"nosat", Overflow::kNoSat},
                                        {"satfinite-only", Overflow::kSatFiniteOnly}}};
constexpr Table<NanEncoding, 2> kNan{{{"canon", NanEncoding::kCanonical}, {"keep-sign", NanEncoding::kKeepSign}}};

template <class E, std::size_t N>
std::optional<E> lookup(const Table<E, N>& t, std::string_view name) {
  for (const auto& [n, e] : t)
    if (name == n) return e;
  return std::nullopt;
}

template <class E, std::size_t N>
const char* reverse(const Table<E, N>& t, E e) {
  for (const auto& [n, v] : t)
    if (v == e) return n;
  return "?";
}

template <class E, std::size_t N>
std::string choices(const Table<E, N>& t) {
  std::string s;
  for (const auto& [n, e] : t) s += (s.empty() ? "" : "|") + std::string(n);
  return s;
}

}  // namespace

std::optional<FormatId> parse_format(std::string_view name) {
  if (name == "f32") return FormatId::kFP32;  // short spellings used by the CLI
  if (name == "f16") return FormatId::kFP16;
  if (name == "f64") return FormatId::kFP64;
  for (int i = 0; i < static_cast<int>(std::size(kAllFormats)); ++i)
    if (name == kAllFormats[i]->name) return static_cast<FormatId>(i);
  return std::nullopt;
}

std::optional<Rounding> parse_rounding(std::string_view name) { return lookup(kRounding, name); }
std::optional<Overflow> parse_overflow(std::string_view name) { return lookup(kOverflow, name); }
std::optional<NanEncoding> parse_nan_encoding(std::string_view name) { return lookup(kNan, name); }

const char* name_of(FormatId f) { return spec_of(f).name; }
const char* name_of(Rounding r) { return reverse(kRounding, r); }
const char* name_of(Overflow o) { return reverse(kOverflow, o); }
const char* name_of(NanEncoding n) { return reverse(kNan, n); }

std::string rounding_choices() { return choices(kRounding); }
std::string overflow_choices() { return choices(kOverflow); }
std::string nan_choices() { return choices(kNan); }

std::optional<BlockShape> parse_block_shape(std::string_view text, std::string* why) {
  const auto x = text.find('x');
  int64_t dim[2] = {0, 0};
  const std::string_view part[2] = {text.substr(0, x), x == std::string_view::npos ? "" : text.substr(x + 1)};
  for (int k = 0; k < 2; ++k) {
    const char* end = part[k].data() + part[k].size();
    const auto r = std::from_chars(part[k].data(), end, dim[k]);
    if (x == std::string_view::npos || part[k].empty() || r.ptr != end || (r.ec != std::errc() && r.ec != std::errc::result_out_of_range)) {
      *why = "is not ROWSxCOLS with positive integers (e.g. 128x128, 1x32)";
      return std::nullopt;
    }
    if (r.ec == std::errc::result_out_of_range || dim[k] < 1 || dim[k] > kMaxBlockDim) {
      *why = "is out of range: each dimension must be 1 to " + std::to_string(kMaxBlockDim);
      return std::nullopt;
    }
  }
  return BlockShape{dim[0], dim[1]};
}

}  // namespace mor
