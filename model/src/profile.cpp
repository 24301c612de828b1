#include "mor/profile.hpp"

#include <cctype>

namespace mor {
namespace {

Profile make(const char* name, const char* description) {
  Profile p;
  p.name = name;
  p.description = description;
  return p;
}

std::vector<Profile> build() {
  std::vector<Profile> v;
  v.push_back(make("PROJECT_DEFAULT", "RNE, SATFINITE, canonical NaN, IGNORE_NAN, exact fixed-point metric (D0-D8)"));

  // What differs from the project default, and what MOR_REF cannot follow: DECISIONS "Profiles".
  Profile ref = make("MOR_REF", "the reference code (boryiings/mor e58c2bb): FP32 metric summed in its CUDA "
                                "reduction order, zero inputs out as +0, BF16 output rounded ties-away with its NaN "
                                "mangling, no group amax floor; sub-tensor: FP32 block scales, quant-error mode "
                                "comparing FP32 sums of |d/x - 1|");
  ref.metric = MetricKind::kFp32Reference;
  ref.rules.bf16 = Bf16Rounding::kMorRef;
  ref.subtensor_error_form = ErrorForm::kMorRef;
  ref.zero_inputs_positive = true;
  ref.gam_group_floor = false;
  ref.subtensor_scale = BlockScaleRule::kFp32;
  v.push_back(ref);

  Profile te = make("TE_SM90", "TransformerEngine on Hopper: current / blockwise scaling, RNE SATFINITE, "
                               "IGNORE_NAN amax, dequantization by multiplying with scale_inv = RN32(1/scale)");
  te.rules.dequant = DequantMode::kMultiplyByInverse;
  v.push_back(te);

  Profile te_mx = make("TE_MXFP8", "TransformerEngine MXFP8: 1x32 blocks, NV_RCEIL E8M0 scales, RNE SATFINITE");
  v.push_back(te_mx);

  Profile ocp = make("OCP_MX", "OCP MX v1.0: 1x32 blocks, OCP_FLOOR E8M0 scales (block max may saturate), RNE "
                               "SATFINITE");
  ocp.mx_rule = MxScaleRule::kOcpFloor;
  v.push_back(ocp);

  Profile mld = make("ML_DTYPES", "ml_dtypes astype: RNE, overflow to NaN (E4M3) / Inf (E5M2), NaN keeps its sign");
  mld.rules.mode = {Rounding::kRNE, Overflow::kNoSat, NanEncoding::kKeepSign};
  v.push_back(mld);

  Profile mx = make("MICROXCALING", "microsoft/microxcaling defaults: OCP_FLOOR scales, ties away from zero, "
                                    "saturation of +-Inf, -0 written as +0, PROPAGATE_NAN amax");
  mx.rules.mode = {Rounding::kRNA, Overflow::kSatFinite, NanEncoding::kCanonical};
  mx.rules.negative_zero_to_positive = true;
  mx.rules.nan_policy = NanPolicy::kPropagateNan;
  mx.mx_rule = MxScaleRule::kOcpFloor;
  v.push_back(mx);
  return v;
}

std::string canonical_name(std::string_view s) {
  std::string out;
  for (char c : s) out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

const std::vector<Profile>& all_profiles() {
  static const std::vector<Profile> profiles = build();
  return profiles;
}

std::optional<Profile> find_profile(std::string_view name) {
  const std::string want = canonical_name(name);
  for (const auto& p : all_profiles())
    if (p.name == want) return p;
  return std::nullopt;
}

std::string profile_choices() {
  std::string s;
  for (const auto& p : all_profiles()) s += (s.empty() ? "" : "|") + p.name;
  return s;
}

}  // namespace mor
