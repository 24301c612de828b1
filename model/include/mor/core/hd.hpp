// Host/device portability for the scalar model code.
//
// Every header under mor/ that the CUDA kernels share is written against this file only: no <cmath>, no host
// floating-point environment, no std:: algorithms that nvcc cannot run on the device. The math is integer bit
// manipulation, so the same source gives the same bits on the CPU, in the kernels and (by construction) in RTL.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define MOR_HD __host__ __device__ __forceinline__
#else
#define MOR_HD inline
#endif

namespace mor {

// Bit casts that work in host code, in device code and in constant expressions of either.
MOR_HD uint32_t f32_bits(float x) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(x);
#else
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
#endif
}

MOR_HD float f32_from_bits(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
#endif
}

MOR_HD uint64_t f64_bits(double x) {
  uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

MOR_HD double f64_from_bits(uint64_t u) {
  double x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

// Count of leading zeros of a nonzero 64-bit value.
MOR_HD int clz64(uint64_t v) {
#if defined(__CUDA_ARCH__)
  return __clzll(static_cast<long long>(v));
#else
  return __builtin_clzll(v);
#endif
}

MOR_HD int imax(int a, int b) { return a > b ? a : b; }
MOR_HD int imin(int a, int b) { return a < b ? a : b; }

}  // namespace mor
