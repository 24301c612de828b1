// Names of formats and conversion knobs as users type them (CLI, JSON configs, reports). Host only.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mor/core/convert.hpp"
#include "mor/core/format.hpp"
#include "mor/policy.hpp"

namespace mor {

std::optional<FormatId> parse_format(std::string_view name);
std::optional<Rounding> parse_rounding(std::string_view name);
std::optional<Overflow> parse_overflow(std::string_view name);
std::optional<NanEncoding> parse_nan_encoding(std::string_view name);

const char* name_of(FormatId f);
const char* name_of(Rounding r);
const char* name_of(Overflow o);
const char* name_of(NanEncoding n);

// "rne|rna|rz|..." for help texts and error messages.
std::string rounding_choices();
std::string overflow_choices();
std::string nan_choices();

// Largest block or group dimension the tools accept: a block larger than the tensor is one partial block, and this
// bound keeps every product of dimensions far from int64 overflow.
inline constexpr int64_t kMaxBlockDim = int64_t{1} << 31;

// "ROWSxCOLS" with 1 <= each <= kMaxBlockDim ("128x128", "1x32"). On failure returns nullopt and says why in `why`.
std::optional<BlockShape> parse_block_shape(std::string_view text, std::string* why);

}  // namespace mor
