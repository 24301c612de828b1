#include "mor/report.hpp"

#include <cstdio>
#include <limits>

#include "mor/core/fp32_ops.hpp"
#include "mor/core/metric.hpp"

namespace mor {

std::string hex32(uint32_t bits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", bits);
  return buf;
}

ErrorSummary measure_error(const Tensor& t, const std::vector<uint32_t>& dequant) {
  ErrorSummary s;
  float sum = 0.0f;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const uint32_t x = t.value(i);
    if (f32_is_zero(x) || !f32_is_finite(x)) continue;
    const uint32_t e = relative_error(x, dequant[i]);
    s.err_sum += error_fx(e);
    sum = fadd_rn(sum, f32_from_bits(e));
    ++s.nnz;
  }
  s.mre = s.nnz ? static_cast<double>(s.err_sum) / static_cast<double>(s.nnz) / 16777216.0 : 0.0;
  s.mre_fp32 = s.nnz ? fdiv_rn(sum, static_cast<float>(s.nnz)) : 0.0f;
  return s;
}

ErrorSummary output_error(const Tensor& t, const QuantResult& r) {
  if (!r.has_output_err_fp32 && r.dequant.size() == t.size()) return measure_error(t, r.dequant);
  ErrorSummary s;
  s.err_sum = r.output_err_sum;
  s.nnz = r.output_nnz;
  s.mre = s.nnz ? static_cast<double>(s.err_sum) / static_cast<double>(s.nnz) / 16777216.0 : 0.0;
  s.mre_fp32 = !r.has_output_err_fp32 ? std::numeric_limits<float>::quiet_NaN()  // neither summed nor measurable
               : s.nnz               ? fdiv_rn(r.output_err_fp32, static_cast<float>(s.nnz))
                                     : 0.0f;
  return s;
}

nlohmann::ordered_json report_json(const Tensor& t, const QuantResult& r, const std::string& profile,
                                   bool include_blocks) {
  using J = nlohmann::ordered_json;
  J j;
  j["name"] = t.name;
  j["shape"] = t.file_shape();          // as stored in the input file
  j["view_2d"] = {t.rows, t.cols};      // rows x cols the blocks tile: last dimension = columns
  j["dtype"] = name_of(t.dtype);
  j["policy"] = r.policy;
  j["profile"] = profile;
  j["decision"] = name_of(r.tensor_format);
  j["reason"] = name_of(r.reason);
  j["amax"] = {{"hex", hex32(r.tensor_amax)}, {"value", f32_from_bits(r.tensor_amax)}};
  j["nnz"] = r.nnz;
  j["nonfinite"] = r.nonfinite;
  if (r.policy == "tensor") {
    J m;
    m["canonical"] = {{"err_sum", r.err_sum},
                      {"threshold_fx", r.threshold_fx},
                      {"mre", r.nnz ? static_cast<double>(r.err_sum) / static_cast<double>(r.nnz) / 16777216.0 : 0.0},
                      {"rejects_e4m3", r.canonical_rejects}};
    m["fp32_reference"] = {{"mre", r.mre_fp32}, {"mre_hex", hex32(f32_bits(r.mre_fp32))}, {"rejects_e4m3", r.fp32_rejects}};
    m["decisions_agree"] = r.canonical_rejects == r.fp32_rejects;
    if (r.interval_k)  // --metric interval: the bound sums of the decided candidate, and the exact fallback passes
      m["interval"] = {{"k", r.interval_k}, {"lo_sum", r.interval_lo_sum}, {"hi_sum", r.interval_hi_sum},
                       {"fallbacks", r.interval_fallbacks}, {"fallback", r.interval_fallbacks > 0}};
    j["metric"] = m;
  }
  const ErrorSummary err = output_error(t, r);
  j["output_error"] = {{"mre", err.mre}, {"mre_fp32", err.mre_fp32}};
  J gs = J::array(), ga = J::array();
  for (uint32_t s : r.group_scale) gs.push_back(hex32(s));
  for (uint32_t a : r.group_amax) ga.push_back(hex32(a));
  if (!r.group_scale.empty()) j["group_scale"] = gs;
  if (!r.group_amax.empty()) j["group_amax"] = ga;
  J counts, blocks_c, elems_c;
  for (int f = 0; f < 4; ++f) {
    blocks_c[name_of(static_cast<FormatTag>(f))] = r.blocks_per_format[static_cast<std::size_t>(f)];
    elems_c[name_of(static_cast<FormatTag>(f))] = r.elements_per_format[static_cast<std::size_t>(f)];
  }
  j["counts"] = {{"blocks", blocks_c}, {"elements", elems_c}};
  if (include_blocks) {
    J b;
    b["block_shape"] = {r.block.rows, r.block.cols};
    b["grid"] = {r.block_grid_rows, r.block_grid_cols};
    J tags = J::array(), scales = J::array();
    for (uint8_t tg : r.block_tag) tags.push_back(name_of(static_cast<FormatTag>(tg)));
    for (uint32_t s : r.block_scale) scales.push_back(hex32(s));
    b["tags"] = tags;
    if (!r.block_exp_offset.empty()) b["exp_offsets"] = r.block_exp_offset;
    if (!r.block_scale_e8m0.empty()) b["scale_e8m0"] = r.block_scale_e8m0;
    b["scales"] = scales;
    j["blocks"] = b;
  }
  return j;
}

}  // namespace mor
