/* The MoR golden model as DPI-C functions: the C side of mor_dpi_pkg.sv (IEEE 1800 Annex H type mapping).
 *
 * Every function is the model's own code (model/include/mor/core/: convert.hpp, gam.hpp, element.hpp, amax.hpp,
 * metric.hpp, decision.hpp, contract.hpp), compiled into libmor_dpi; nothing is written again here. Values are
 * bit patterns: FP32 as `unsigned int`, codes in the low bits. Enumerations (format ids, rounding, overflow, NaN
 * modes, tags, reasons) are the model's; mor_dpi_pkg.sv names them, and mor_dpi_check_constants() in the package
 * compares its names with mor_dpi_constant() below, so the two sides cannot drift apart.
 *
 * A bad argument (unknown format or mode) prints one line on stderr, counts an error (mor_dpi_error_count) and
 * returns 0. A testbench checks mor_dpi_error_count() == 0 at the end.
 */
#ifndef MOR_DPI_H
#define MOR_DPI_H

#include "svdpi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- converters: every format of the model's table to every other, every mode ---- */

/* dst, src: format ids (MOR_FMT_*); rounding 0 RNE .. 6 SR (rand_bits used under SR), overflow 0 SATFINITE,
 * 1 NOSAT, 2 SATFINITE_ONLY, nan_mode 0 canonical, 1 keep sign. Returns the dst code. */
unsigned long long mor_dpi_convert(int dst, int src, unsigned long long code, int rounding, int overflow, int nan_mode,
                                   unsigned int rand_bits);

/* ---- scales ---- */

/* GAM (DECISIONS D3): r_g = RN32(FMAX / max(a_g, floor)); s_j by the bit splice; k_j = exp(s_j) - exp(r_g).
 * tag (MOR_TAG_E4M3 or MOR_TAG_E5M2) selects FMAX and the floor. */
unsigned int mor_dpi_gam_group_scale(unsigned int group_amax, int tag);
unsigned int mor_dpi_gam_block_scale(unsigned int group_scale, unsigned int block_amax, int tag);
unsigned int mor_dpi_gam_exp_offset(unsigned int group_scale, unsigned int block_scale);
/* Sub-tensor block scales: rule 0 = power of two (E8 RZ, the engine's default), 1 = FP32 RN32(FMAX / amax). */
unsigned int mor_dpi_block_scale(unsigned int block_amax, int tag, int rule);

/* ---- element path (spec 5, D4, D5): y = RN32(x * s), code = cvt(y) (RNE, SATFINITE), d = RN32(decode / s),
 * e_fx = floor(min(|RN32(RN32(d - x) / x)|, 2) * 2^24), 0 for a zero x (the canonical metric skips zeros). ---- */
void mor_dpi_element(unsigned int x, unsigned int scale, int tag, unsigned char* code, unsigned int* dequant,
                     unsigned int* e_fx);

/* ---- block statistics (D1) over the first `count` elements (all if count < 0) of an open array of FP32 bits:
 * amax (|x| bits), smallest nonzero |x| (Inf bits if none), nonzero and non-finite counts; NaN is ignored in amax
 * unless propagate_nan. ---- */
void mor_dpi_block_stats(const svOpenArrayHandle x, int count, svBit propagate_nan, unsigned int* amax,
                         unsigned int* min_nonzero, unsigned int* nnz, unsigned int* nonfinite);
/* The canonical error sum of a block quantized with `scale` to `tag`: the sum of e_fx over its nonzero elements. */
unsigned long long mor_dpi_block_err_sum(const svOpenArrayHandle x, int count, unsigned int scale, int tag);

/* ---- decisions (decision.hpp: the one source of them) ---- */

/* Tensor-level MoR for one FP8 candidate: {tag, reason}. */
void mor_dpi_tensor_decision(unsigned long long nonfinite, unsigned long long nnz, unsigned long long err_sum,
                             unsigned int threshold_fx, int candidate_tag, int* tag, int* reason);
/* Sub-tensor: DR = RN32(amax / min_nonzero) (1 for an all-zero block); its band; the quant-error choice; the tensor's
 * summary tag from the elements per format (indexed by tag). */
unsigned int mor_dpi_subtensor_dynamic_range(unsigned int block_amax, unsigned int block_min_nonzero);
void mor_dpi_subtensor_band(unsigned int dynamic_range, svBit nonfinite, svBit quant_error, svBit e5m2_to_bf16,
                            svBit enable_e2m3, int* tag, svBit* measure);
int mor_dpi_subtensor_quant_error_choice(unsigned long long e4m3_err_sum, unsigned long long e5m2_err_sum);
int mor_dpi_subtensor_tensor_tag(unsigned long long e4m3_elements, unsigned long long e5m2_elements,
                                 unsigned long long bf16_elements, unsigned long long e2m3_elements);
/* T_fx = floor(T * 2^24), T in [0, 2). */
unsigned int mor_dpi_threshold_fx(double threshold);

/* ---- housekeeping ---- */

/* The model's value of a named constant ("FMT_E4M3", "RND_SR", "TAG_BF16", "REASON_ALL_ZERO", ...; the names of
 * mor_dpi_pkg.sv without the MOR_ prefix), or -1 for an unknown name. */
int mor_dpi_constant(const char* name);
/* Bad arguments seen so far. */
int mor_dpi_error_count(void);

#ifdef __cplusplus
}
#endif

#endif /* MOR_DPI_H */
