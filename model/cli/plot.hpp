// `mor analyze --plot FILE.png`: one PNG drawn by gnuplot (data and script go through a pipe, so no helper file is
// left beside it; the picture goes through a temporary file renamed into place). Per tensor, one row of two panels:
// the sub-tensor block-format map (4 discrete colours with a legend, row 0 at the top, labelled axes) and the
// histogram of the per-element relative error of the format tensor-level MoR chose.
#pragma once

#include <string>
#include <vector>

#include "mor/policy.hpp"
#include "mor/tensor.hpp"

namespace mor::cli {

inline constexpr std::size_t kMaxPlotTensors = 16;

struct PlotRow {
  const Tensor* tensor;
  QuantResult tensor_level, subtensor;
};

// Before any work: the path ends in .png and gnuplot is on the PATH. Throws UsageError.
void check_plot_option(const std::string& path);
void write_plot(const std::string& path, const std::vector<PlotRow>& rows);

}  // namespace mor::cli
