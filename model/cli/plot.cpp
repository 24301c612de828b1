#include "plot.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "command.hpp"
#include "mor/core/fp32_ops.hpp"
#include "mor/core/metric.hpp"
#include "mor/output_file.hpp"

namespace mor::cli {

namespace {

constexpr std::array<const char*, 4> kTagColour = {"#2b83ba", "#fdae61", "#d7191c", "#7b3294"};  // E4M3 E5M2 BF16 E2M3
constexpr std::array<const char*, 4> kTagLabel = {"E4M3", "E5M2", "BF16", "E2M3"};
constexpr int kPanelWidth = 640, kRowHeight = 440;

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string file = (end > start ? dirs.substr(start, end - start) : ".") + "/" + program;
    if (::access(file.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

std::string quoted(const std::string& s) {  // a gnuplot double-quoted string; "\n" in `s` breaks the line
  std::string q = "\"";
  for (char c : s) {
    if (c == '\n') q += "\\n";
    else if (c == '"' || c == '\\') q += std::string("\\") + c;
    else q += c;
  }
  return q + "\"";
}

// Histogram bins of |relative error|: exact, then decades 1e-9 .. 1 and >= 1.
constexpr int kBins = 12;
std::string bin_label(int b) {
  if (b == 0) return "0";
  if (b == 1) return "<1e-9";
  if (b == kBins - 1) return ">=1";
  return "1e" + std::to_string(b - 11);
}

std::array<uint64_t, kBins> error_histogram(const Tensor& t, const std::vector<uint32_t>& dequant) {
  std::array<uint64_t, kBins> h{};
  for (std::size_t i = 0; i < t.size(); ++i) {
    const uint32_t x = t.value(i);
    if (f32_is_zero(x) || !f32_is_finite(x)) continue;
    const float e = f32_from_bits(relative_error(x, dequant[i]));
    int b = 0;
    if (!(e == 0.0f)) {
      b = 1;
      for (float edge = 1e-9f; b < kBins - 1 && e >= edge; edge *= 10.0f) ++b;  // bin k (2..10): [1e(k-11), 1e(k-10))
    }
    ++h[static_cast<std::size_t>(b)];
  }
  return h;
}

// Whole-block tic marks, about 8 per axis.
int64_t tic_step(int64_t n) { return std::max<int64_t>(1, (n + 7) / 8); }

void block_map_panel(std::ostream& g, const PlotRow& row, int index) {
  const QuantResult& st = row.subtensor;
  g << "$blocks" << index << " << EOD\n";
  for (int64_t r = 0; r < st.block_grid_rows; ++r)
    for (int64_t c = 0; c < st.block_grid_cols; ++c) {
      const int tag = st.block_tag[static_cast<std::size_t>(r * st.block_grid_cols + c)];
      g << c << ' ' << r << ' ' << std::stoi(std::string(kTagColour[static_cast<std::size_t>(tag)] + 1), nullptr, 16) << '\n';
    }
  g << "EOD\n";
  g << "set title " << quoted(row.tensor->name + "\nsub-tensor block formats (" + std::to_string(st.block.rows) + "x" +
                              std::to_string(st.block.cols) + " blocks)") << "\n"
    << "set xlabel 'block column'\nset ylabel 'block row (row 0 at the top)'\n"
    << "set xrange [-0.5:" << st.block_grid_cols << "-0.5]\nset yrange [" << st.block_grid_rows << "-0.5:-0.5]\n"
    << "set xtics out nomirror " << tic_step(st.block_grid_cols) << "\nset ytics out nomirror " << tic_step(st.block_grid_rows)
    << "\nset key outside right top box title 'format' Left reverse samplen 2 spacing 1.3\n"
    << "set style fill solid 1.0 noborder\nunset logscale\n"
    << "plot $blocks" << index << " using 1:2:(0.5):(0.5):3 with boxxyerror lc rgb variable notitle";
  for (std::size_t k = 0; k < kTagLabel.size(); ++k)
    g << ", keyentry with boxes fc rgb '" << kTagColour[k] << "' title '" << kTagLabel[k] << "'";
  g << "\n";
}

void histogram_panel(std::ostream& g, const PlotRow& row, int index) {
  const QuantResult& tl = row.tensor_level;
  const auto h = error_histogram(*row.tensor, tl.dequant);
  g << "$hist" << index << " << EOD\n";
  uint64_t most = 1;
  for (int b = 0; b < kBins; ++b) {
    g << b << ' ' << h[static_cast<std::size_t>(b)] << ' ' << bin_label(b) << '\n';
    most = std::max(most, h[static_cast<std::size_t>(b)]);
  }
  g << "EOD\n";
  if (tl.nnz == 0) g << "set label 1 'no nonzero finite element' at graph 0.5, 0.5 center\n";
  g << "set title " << quoted(row.tensor->name + "\nrelative error of the chosen format: tensor-level " +
                              name_of(tl.tensor_format) + " (" + name_of(tl.reason) + ")") << "\n"
    << "set xlabel '|d - x| / |x| (decade bins; 0 = exact)'\nset ylabel 'elements'\nset xtics autofreq\nset ytics autofreq\n"
    << "set xrange [-0.7:" << kBins - 0.3 << "]\nset yrange [0:" << most + most / 10 + 1 << "]\nunset key\nset xtics rotate by -45\n"
    << "set style fill solid 0.8 border -1\nset boxwidth 0.8\n"
    << "plot $hist" << index << " using 1:2:xtic(3) with boxes lc rgb '" << kTagColour[static_cast<std::size_t>(tl.tensor_format)]
    << "' notitle\nset xtics norotate\nunset label\n";
}

// A whole PNG ends with its IEND chunk.
bool png_complete(const std::string& file) {
  static const unsigned char kIend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
  std::FILE* f = std::fopen(file.c_str(), "rb");
  if (!f) return false;
  unsigned char tail[12] = {};
  const bool ok = std::fseek(f, -12, SEEK_END) == 0 && std::fread(tail, 1, 12, f) == 12;
  std::fclose(f);
  return ok && std::memcmp(tail, kIend, 12) == 0;
}

}  // namespace

void check_plot_option(const std::string& path) {
  if (path.size() < 5 || path.compare(path.size() - 4, 4, ".png") != 0)
    throw UsageError("--plot '" + path + "' must name a .png file");
  if (!on_path("gnuplot")) throw UsageError("--plot needs gnuplot on the PATH (Debian package gnuplot-nox)");
}

void write_plot(const std::string& path, const std::vector<PlotRow>& rows) {
  AtomicFile png(path);
  std::ostringstream g;
  const int n = static_cast<int>(rows.size());
  g << "set terminal pngcairo size " << 2 * kPanelWidth << "," << n * kRowHeight << " font 'DejaVu Sans,10'\n"
    << "set termoption noenhanced\nset output " << quoted(png.temp_path()) << "\n"
    << "set multiplot layout " << n << ",2\n";
  for (int i = 0; i < n; ++i) {
    block_map_panel(g, rows[static_cast<std::size_t>(i)], i);
    histogram_panel(g, rows[static_cast<std::size_t>(i)], i);
  }
  g << "unset multiplot\nset output\n";
  std::FILE* p = ::popen("gnuplot", "w");
  if (!p) throw OutputError("--plot: cannot start gnuplot");
  const std::string script = g.str();
  const bool sent = std::fwrite(script.data(), 1, script.size(), p) == script.size();
  const int status = ::pclose(p);
  if (!sent || status != 0) throw OutputError("--plot " + path + ": gnuplot failed (exit status " + std::to_string(status) + ")");
  if (!png_complete(png.temp_path()))  // gnuplot does not report failed writes
    throw OutputError("cannot write --plot '" + path + "': the picture was not written completely (disk full?)");
  png.commit();
}

}  // namespace mor::cli
