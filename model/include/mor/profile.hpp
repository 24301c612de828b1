// Named profiles (spec 8.3): each reproduces one peer's behaviour, bit for bit where the peer defines it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mor/policy.hpp"

namespace mor {

struct Profile {
  std::string name;
  std::string description;
  ElementRules rules;
  MetricKind metric = MetricKind::kCanonical;  // tensor-level decision, and the sums of sub-tensor quant-error mode
  bool gam_group_floor = true;
  MxScaleRule mx_rule = MxScaleRule::kNvRceil;
  BlockScaleRule subtensor_scale = BlockScaleRule::kE8RZ;
  ErrorForm subtensor_error_form = ErrorForm::kSpec;  // sub-tensor quant-error mode
  bool zero_inputs_positive = false;                  // tensor-level: zero inputs come out +0
};

// PROJECT_DEFAULT, MOR_REF, TE_SM90, TE_MXFP8, OCP_MX, ML_DTYPES, MICROXCALING.
const std::vector<Profile>& all_profiles();
std::optional<Profile> find_profile(std::string_view name);  // case-insensitive, '-' and '_' alike
std::string profile_choices();

}  // namespace mor
