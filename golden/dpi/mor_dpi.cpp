// libmor_dpi: the golden model's scalar functions behind the DPI-C interface of mor_dpi.h. Thin wrappers only: each
// argument is checked, mapped to the model's types and passed to the function of model/include/mor/core/ that the
// RTL, the SystemC engine and the CUDA kernels are checked against.
#include "mor_dpi.h"

#include <atomic>
#include <cstdio>
#include <cstring>

#include "mor/core/amax.hpp"
#include "mor/core/contract.hpp"
#include "mor/core/convert.hpp"
#include "mor/core/decision.hpp"
#include "mor/core/element.hpp"
#include "mor/core/gam.hpp"
#include "mor/core/metric.hpp"
#include "mor/core/scale.hpp"

namespace {

using namespace mor;

std::atomic<int> g_errors{0};

void bad_argument(const char* function, const char* what, long long value) {
  ++g_errors;
  std::fprintf(stderr, "mor_dpi: %s: bad %s %lld (returning 0)\n", function, what, value);
}

bool valid_mode(const char* function, int rounding, int overflow, int nan_mode) {
  if (rounding < 0 || rounding > static_cast<int>(Rounding::kSR)) return bad_argument(function, "rounding", rounding), false;
  if (overflow < 0 || overflow > static_cast<int>(Overflow::kSatFiniteOnly)) return bad_argument(function, "overflow", overflow), false;
  if (nan_mode < 0 || nan_mode > static_cast<int>(NanEncoding::kKeepSign)) return bad_argument(function, "nan_mode", nan_mode), false;
  return true;
}

// The FP8 element formats of the scale rules: the tag's FMAX, or 0 after reporting a bad tag.
float element_fmax(const char* function, int tag) {
  if (tag == static_cast<int>(FormatTag::kE4M3) || tag == static_cast<int>(FormatTag::kE5M2) ||
      tag == static_cast<int>(FormatTag::kE2M3))
    return fmax_of(static_cast<FormatTag>(tag));
  bad_argument(function, "element format tag", tag);
  return 0.0f;
}

// convert<Dst, Src> for run-time formats: Src is dispatched here, Dst by the caller.
template <class Dst>
uint64_t convert_from(int src, uint64_t code, ConvertMode m, uint32_t rand_bits, bool& ok) {
  ok = true;
  switch (static_cast<FormatId>(src)) {
    case FormatId::kFP64: return convert<Dst, FP64>(code, m, rand_bits);
    case FormatId::kFP32: return convert<Dst, FP32>(static_cast<uint32_t>(code), m, rand_bits);
    case FormatId::kBF16: return convert<Dst, BF16>(static_cast<uint16_t>(code), m, rand_bits);
    case FormatId::kFP16: return convert<Dst, FP16>(static_cast<uint16_t>(code), m, rand_bits);
    case FormatId::kE4M3: return convert<Dst, E4M3>(static_cast<uint8_t>(code), m, rand_bits);
    case FormatId::kE5M2: return convert<Dst, E5M2>(static_cast<uint8_t>(code), m, rand_bits);
    case FormatId::kE8M0: return convert<Dst, E8M0>(static_cast<uint8_t>(code), m, rand_bits);
    case FormatId::kE2M3: return convert<Dst, E2M3>(static_cast<uint8_t>(code), m, rand_bits);
    case FormatId::kE3M2: return convert<Dst, E3M2>(static_cast<uint8_t>(code), m, rand_bits);
    case FormatId::kE2M1: return convert<Dst, E2M1>(static_cast<uint8_t>(code), m, rand_bits);
    case FormatId::kUE4M3: return convert<Dst, UE4M3>(static_cast<uint8_t>(code), m, rand_bits);
  }
  ok = false;
  return 0;
}

uint64_t convert_to(int dst, int src, uint64_t code, ConvertMode m, uint32_t rand_bits, bool& ok) {
  ok = false;
  switch (static_cast<FormatId>(dst)) {
    case FormatId::kFP64: return convert_from<FP64>(src, code, m, rand_bits, ok);
    case FormatId::kFP32: return convert_from<FP32>(src, code, m, rand_bits, ok);
    case FormatId::kBF16: return convert_from<BF16>(src, code, m, rand_bits, ok);
    case FormatId::kFP16: return convert_from<FP16>(src, code, m, rand_bits, ok);
    case FormatId::kE4M3: return convert_from<E4M3>(src, code, m, rand_bits, ok);
    case FormatId::kE5M2: return convert_from<E5M2>(src, code, m, rand_bits, ok);
    case FormatId::kE8M0: return convert_from<E8M0>(src, code, m, rand_bits, ok);
    case FormatId::kE2M3: return convert_from<E2M3>(src, code, m, rand_bits, ok);
    case FormatId::kE3M2: return convert_from<E3M2>(src, code, m, rand_bits, ok);
    case FormatId::kE2M1: return convert_from<E2M1>(src, code, m, rand_bits, ok);
    case FormatId::kUE4M3: return convert_from<UE4M3>(src, code, m, rand_bits, ok);
  }
  return 0;
}

template <class Fmt>
QuantizedElement element_as(uint32_t x, uint32_t scale) {
  return quantize_element<Fmt>(x, scale, kFp8Default);
}

QuantizedElement element(uint32_t x, uint32_t scale, FormatTag tag) {
  switch (tag) {
    case FormatTag::kE5M2: return element_as<E5M2>(x, scale);
    case FormatTag::kE2M3: return element_as<E2M3>(x, scale);
    default: return element_as<E4M3>(x, scale);
  }
}

uint32_t element_error_fx(uint32_t x, uint32_t dequant) {
  return f32_is_zero(x) ? 0u : error_fx(relative_error(x, dequant));
}

// Calls visit(x) on the first `count` elements (all if count < 0) of a one-dimensional open array of int (FP32
// bits), in the array's left-to-right order. Returns false (after reporting) if count exceeds the array.
template <class Visit>
bool for_each_element(const char* function, const svOpenArrayHandle h, int count, Visit&& visit) {
  const int size = svSize(h, 1);
  if (count > size) return bad_argument(function, "count (larger than the array)", count), false;
  const int n = count < 0 ? size : count;
  const int left = svLeft(h, 1), step = svLeft(h, 1) <= svRight(h, 1) ? 1 : -1;
  for (int k = 0; k < n; ++k) visit(*static_cast<const uint32_t*>(svGetArrElemPtr1(h, left + k * step)));
  return true;
}

struct NamedConstant {
  const char* name;
  int value;
};

constexpr NamedConstant kConstants[] = {
    {"FMT_FP64", static_cast<int>(FormatId::kFP64)},   {"FMT_FP32", static_cast<int>(FormatId::kFP32)},
    {"FMT_BF16", static_cast<int>(FormatId::kBF16)},   {"FMT_FP16", static_cast<int>(FormatId::kFP16)},
    {"FMT_E4M3", static_cast<int>(FormatId::kE4M3)},   {"FMT_E5M2", static_cast<int>(FormatId::kE5M2)},
    {"FMT_E8M0", static_cast<int>(FormatId::kE8M0)},   {"FMT_E2M3", static_cast<int>(FormatId::kE2M3)},
    {"FMT_E3M2", static_cast<int>(FormatId::kE3M2)},   {"FMT_E2M1", static_cast<int>(FormatId::kE2M1)},
    {"FMT_UE4M3", static_cast<int>(FormatId::kUE4M3)}, {"RND_RNE", static_cast<int>(Rounding::kRNE)},
    {"RND_RNA", static_cast<int>(Rounding::kRNA)},     {"RND_RZ", static_cast<int>(Rounding::kRZ)},
    {"RND_RU", static_cast<int>(Rounding::kRU)},       {"RND_RD", static_cast<int>(Rounding::kRD)},
    {"RND_RTO", static_cast<int>(Rounding::kRTO)},     {"RND_SR", static_cast<int>(Rounding::kSR)},
    {"OVF_SATFINITE", static_cast<int>(Overflow::kSatFinite)},
    {"OVF_NOSAT", static_cast<int>(Overflow::kNoSat)},
    {"OVF_SATFINITE_ONLY", static_cast<int>(Overflow::kSatFiniteOnly)},
    {"NAN_CANON", static_cast<int>(NanEncoding::kCanonical)},
    {"NAN_KEEP_SIGN", static_cast<int>(NanEncoding::kKeepSign)},
    {"TAG_E4M3", static_cast<int>(FormatTag::kE4M3)},  {"TAG_E5M2", static_cast<int>(FormatTag::kE5M2)},
    {"TAG_BF16", static_cast<int>(FormatTag::kBF16)},  {"TAG_E2M3", static_cast<int>(FormatTag::kE2M3)},
    {"REASON_ACCEPTED", static_cast<int>(Reason::kAccepted)},
    {"REASON_REJECTED", static_cast<int>(Reason::kRejected)},
    {"REASON_NONFINITE", static_cast<int>(Reason::kNonFinite)},
    {"REASON_ALL_ZERO", static_cast<int>(Reason::kAllZero)},
    {"SCALE_POW2", 0},                                 {"SCALE_FP32", 1},
    {"ERROR_FRAC_BITS", kErrorFracBits},               {"ENGINE_LANES", kEngineLanes},
};

}  // namespace

extern "C" {

unsigned long long mor_dpi_convert(int dst, int src, unsigned long long code, int rounding, int overflow, int nan_mode,
                                   unsigned int rand_bits) {
  if (!valid_mode("mor_dpi_convert", rounding, overflow, nan_mode)) return 0;
  const ConvertMode m{static_cast<Rounding>(rounding), static_cast<Overflow>(overflow), static_cast<NanEncoding>(nan_mode)};
  bool ok = false;
  const uint64_t out = convert_to(dst, src, code, m, rand_bits, ok);
  if (!ok) bad_argument("mor_dpi_convert", "format id (dst or src)", dst * 100LL + src);
  return out;
}

unsigned int mor_dpi_gam_group_scale(unsigned int group_amax, int tag) {
  const float fmax = element_fmax("mor_dpi_gam_group_scale", tag);
  return fmax == 0.0f ? 0u : gam_group_scale(group_amax, fmax);
}

unsigned int mor_dpi_gam_block_scale(unsigned int group_scale, unsigned int block_amax, int tag) {
  const float fmax = element_fmax("mor_dpi_gam_block_scale", tag);
  return fmax == 0.0f ? 0u : gam_block_scale(group_scale, block_amax, fmax);
}

unsigned int mor_dpi_gam_exp_offset(unsigned int group_scale, unsigned int block_scale) {
  return gam_exp_offset(group_scale, block_scale);
}

unsigned int mor_dpi_block_scale(unsigned int block_amax, int tag, int rule) {
  const float fmax = element_fmax("mor_dpi_block_scale", tag);
  if (fmax == 0.0f) return 0;
  if (rule == 0) return mor_e8_rz_scale(block_amax, fmax);
  if (rule == 1) return fp32_block_scale(block_amax, fmax);
  bad_argument("mor_dpi_block_scale", "scale rule", rule);
  return 0;
}

void mor_dpi_element(unsigned int x, unsigned int scale, int tag, unsigned char* code, unsigned int* dequant,
                     unsigned int* e_fx) {
  *code = 0;
  *dequant = 0;
  *e_fx = 0;
  if (element_fmax("mor_dpi_element", tag) == 0.0f) return;
  const QuantizedElement q = element(x, scale, static_cast<FormatTag>(tag));
  *code = q.code;
  *dequant = q.dequant;
  *e_fx = element_error_fx(x, q.dequant);
}

void mor_dpi_block_stats(const svOpenArrayHandle x, int count, svBit propagate_nan, unsigned int* amax,
                         unsigned int* min_nonzero, unsigned int* nnz, unsigned int* nonfinite) {
  BlockStats s;
  const NanPolicy policy = propagate_nan ? NanPolicy::kPropagateNan : NanPolicy::kIgnoreNan;
  for_each_element("mor_dpi_block_stats", x, count, [&](uint32_t v) { stats_add(s, v, policy); });
  *amax = s.amax;
  *min_nonzero = s.min_nonzero;
  *nnz = s.nnz;
  *nonfinite = s.nonfinite;
}

unsigned long long mor_dpi_block_err_sum(const svOpenArrayHandle x, int count, unsigned int scale, int tag) {
  if (element_fmax("mor_dpi_block_err_sum", tag) == 0.0f) return 0;
  uint64_t sum = 0;
  for_each_element("mor_dpi_block_err_sum", x, count, [&](uint32_t v) {
    sum += element_error_fx(v, element(v, scale, static_cast<FormatTag>(tag)).dequant);
  });
  return sum;
}

void mor_dpi_tensor_decision(unsigned long long nonfinite, unsigned long long nnz, unsigned long long err_sum,
                             unsigned int threshold_fx, int candidate_tag, int* tag, int* reason) {
  *tag = 0;
  *reason = 0;
  if (candidate_tag != static_cast<int>(FormatTag::kE4M3) && candidate_tag != static_cast<int>(FormatTag::kE5M2))
    return bad_argument("mor_dpi_tensor_decision", "candidate tag", candidate_tag);
  const TensorDecision d = tensor_decision(nonfinite, nnz, err_sum, threshold_fx, static_cast<FormatTag>(candidate_tag));
  *tag = static_cast<int>(d.tag);
  *reason = static_cast<int>(d.reason);
}

unsigned int mor_dpi_subtensor_dynamic_range(unsigned int block_amax, unsigned int block_min_nonzero) {
  return subtensor_dynamic_range(block_amax, block_min_nonzero);
}

void mor_dpi_subtensor_band(unsigned int dynamic_range, svBit nonfinite, svBit quant_error, svBit e5m2_to_bf16,
                            svBit enable_e2m3, int* tag, svBit* measure) {
  const SubTensorBand b = subtensor_band(dynamic_range, nonfinite != 0, {quant_error != 0, e5m2_to_bf16 != 0, enable_e2m3 != 0});
  *tag = static_cast<int>(b.tag);
  *measure = b.measure ? 1 : 0;
}

int mor_dpi_subtensor_quant_error_choice(unsigned long long e4m3_err_sum, unsigned long long e5m2_err_sum) {
  return static_cast<int>(subtensor_quant_error_choice(e4m3_err_sum, e5m2_err_sum));
}

int mor_dpi_subtensor_tensor_tag(unsigned long long e4m3_elements, unsigned long long e5m2_elements,
                                 unsigned long long bf16_elements, unsigned long long e2m3_elements) {
  const uint64_t per_format[kFormatTagCount] = {e4m3_elements, e5m2_elements, bf16_elements, e2m3_elements};
  return static_cast<int>(subtensor_tensor_tag(per_format));
}

unsigned int mor_dpi_threshold_fx(double threshold) {
  if (!(threshold >= 0.0 && threshold < 2.0)) {
    bad_argument("mor_dpi_threshold_fx", "threshold (x 1e6)", static_cast<long long>(threshold * 1e6));
    return 0;
  }
  return threshold_fx(threshold);
}

int mor_dpi_constant(const char* name) {
  for (const NamedConstant& c : kConstants)
    if (std::strcmp(c.name, name) == 0) return c.value;
  return -1;
}

int mor_dpi_error_count(void) { return g_errors.load(); }

}  // extern "C"
