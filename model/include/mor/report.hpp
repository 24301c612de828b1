// JSON reports of quantization results, shared by `mor quantize`, `mor analyze` and `mor-sim`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mor/policy.hpp"
#include "mor/tensor.hpp"

namespace mor {

// The error of a fake-quantized tensor against its input, on the canonical grid and as the FP32 reference mean.
struct ErrorSummary {
  uint64_t err_sum = 0, nnz = 0;
  double mre = 0.0;      // err_sum / nnz / 2^24 (the canonical metric as a number)
  float mre_fp32 = 0.0f;  // FP32 reference metric, elements summed in row-major order
};
ErrorSummary measure_error(const Tensor& t, const std::vector<uint32_t>& dequant);
// The error of a policy's output as the policy summed it while writing it (QuantResult::output_err_*: the same
// canonical sum; the FP32 sum in D5's order over the result's blocks), or measure_error where it did not sum FP32.
ErrorSummary output_error(const Tensor& t, const QuantResult& r);

std::string hex32(uint32_t bits);
nlohmann::ordered_json report_json(const Tensor& t, const QuantResult& r, const std::string& profile,
                                   bool include_blocks = true);

}  // namespace mor
