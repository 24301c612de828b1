// How the kernels tile a tensor into blocks and blocks into threads. Plain C++ with MOR_HD, so the host tests
// (tests/gpu/test_kernel_rewrites.cpp) check the index arithmetic and the shuffle masks without a GPU.
//
// A "team" is the set of threads that owns one block: a whole CTA of kCtaThreads for blocks of >= 256 elements, a
// power-of-two slice of a warp (team = elements / 8 threads, one 8-element vector each) for smaller ones.
#pragma once

#include <cstdint>

#include "mor/core/hd.hpp"
#include "mor/kernels/gpu.hpp"

namespace mor::gpu {

inline constexpr int kCtaThreads = 256;
inline constexpr int kWarp = 32;

struct Geometry {
  int64_t rows, cols, br, bc;
  int64_t grid_cols, blocks;
  int vec_per_block;  // 8-element vectors per block
  int vec_per_row;    // bc / 8
  int team;           // threads per block: kCtaThreads, or vec_per_block (<= 32, a power of two)
  int step_rows, step_vecs;  // team = step_rows * vec_per_row + step_vecs: one step of a thread's vector walk

  // First element of vector v of a block (the 2026-11-22 kernels' form: two divisions per vector).
  MOR_HD int64_t vector_element(int64_t block, int v) const {
    const int64_t r = (block / grid_cols) * br + v / vec_per_row, c = (block % grid_cols) * bc + (v % vec_per_row) * 8;
    return r * cols + c;
  }
  MOR_HD int64_t block_origin(int64_t block) const { return (block / grid_cols) * br * cols + (block % grid_cols) * bc; }
  MOR_HD int64_t block_elements() const { return br * bc; }
};

// The vectors lane, lane + team, lane + 2 team, ... of one block, walked with adds only (the divisions happen once
// per block). element() equals Geometry::vector_element(block, lane + k * team) after k advance() calls.
struct VectorWalk {
  int64_t origin;
  int row, vec;
  MOR_HD VectorWalk(const Geometry& g, int64_t block, int lane)
      : origin(g.block_origin(block)), row(lane / g.vec_per_row), vec(lane % g.vec_per_row) {}
  MOR_HD int64_t element(const Geometry& g) const { return origin + row * g.cols + vec * 8; }
  MOR_HD void advance(const Geometry& g) {
    row += g.step_rows;
    vec += g.step_vecs;
    if (vec >= g.vec_per_row) {
      vec -= g.vec_per_row;
      ++row;
    }
  }
};

// The shuffle mask of the team that holds lane `lane_in_warp` (teams are aligned power-of-two slices of a warp).
// Each team shuffles with its own mask, so teams of one warp may take different branches (issue 21: a full mask
// inside a branch that only some teams take is undefined behaviour).
MOR_HD uint32_t team_lane_mask(int lane_in_warp, int team_size) {
  if (team_size >= kWarp) return 0xFFFFFFFFu;
  const int base = lane_in_warp & ~(team_size - 1);
  return ((1u << team_size) - 1u) << base;
}

// Validates a tiling and fills the geometry: block columns a multiple of 8, blocks tiling the tensor exactly, and
// either >= 256 elements per block (one CTA each, at most 131072) or a power of two below 256 (a warp slice).
inline Status make_geometry(int64_t rows, int64_t cols, int64_t br, int64_t bc, Geometry* g) {
  if (rows <= 0 || cols <= 0) return {false, "empty tensor"};
  if (br <= 0 || bc <= 0 || bc % 8 || rows % br || cols % bc)
    return {false, "unsupported tiling: block columns must be a multiple of 8 and blocks must tile the tensor"};
  const int64_t elems = br * bc;
  g->rows = rows;
  g->cols = cols;
  g->br = br;
  g->bc = bc;
  g->grid_cols = cols / bc;
  g->blocks = (rows / br) * g->grid_cols;
  if (elems >= 256) {
    if (elems / 8 > int64_t{kCtaThreads} * 64) return {false, "block too large (more than 131072 elements)"};
    g->team = kCtaThreads;
  } else {
    if (elems & (elems - 1)) return {false, "small blocks must have a power-of-two element count"};
    g->team = static_cast<int>(elems / 8);
  }
  g->vec_per_block = static_cast<int>(elems / 8);
  g->vec_per_row = static_cast<int>(bc / 8);
  g->step_rows = g->team / g->vec_per_row;
  g->step_vecs = g->team % g->vec_per_row;
  return {};
}

}  // namespace mor::gpu
