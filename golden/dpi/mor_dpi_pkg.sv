// The MoR golden model for SystemVerilog testbenches, through DPI-C (library libmor_dpi: golden/dpi/mor_dpi.cpp;
// C prototypes: golden/dpi/mor_dpi.h; how to use it: golden/README.md "Check your own RTL with the DPI-C model").
//
// Values are bit patterns: FP32 as `int unsigned`, codes in the low bits. The constants below are the model's
// enumerations; call mor_dpi_check_constants() once at time 0 and it stops the simulation if any of them differs
// from the library's. Icarus Verilog has no DPI-C (only VPI): there, replay the golden vectors instead.
// No import is `pure`: each one checks its arguments and counts a bad one (mor_dpi_error_count), a side effect a
// simulator may not skip or repeat.
package mor_dpi_pkg;

  // Format ids of the converters (the model's FormatId).
  localparam int MOR_FMT_FP64 = 0, MOR_FMT_FP32 = 1, MOR_FMT_BF16 = 2, MOR_FMT_FP16 = 3, MOR_FMT_E4M3 = 4,
                 MOR_FMT_E5M2 = 5, MOR_FMT_E8M0 = 6, MOR_FMT_E2M3 = 7, MOR_FMT_E3M2 = 8, MOR_FMT_E2M1 = 9,
                 MOR_FMT_UE4M3 = 10;
  // Converter modes (spec 2; the same encodings as the RTL's mode ports).
  localparam int MOR_RND_RNE = 0, MOR_RND_RNA = 1, MOR_RND_RZ = 2, MOR_RND_RU = 3, MOR_RND_RD = 4, MOR_RND_RTO = 5,
                 MOR_RND_SR = 6;
  localparam int MOR_OVF_SATFINITE = 0, MOR_OVF_NOSAT = 1, MOR_OVF_SATFINITE_ONLY = 2;
  localparam int MOR_NAN_CANON = 0, MOR_NAN_KEEP_SIGN = 1;
  // Format tags and reasons on the engine's ports (D8).
  localparam int MOR_TAG_E4M3 = 0, MOR_TAG_E5M2 = 1, MOR_TAG_BF16 = 2, MOR_TAG_E2M3 = 3;
  localparam int MOR_REASON_ACCEPTED = 0, MOR_REASON_REJECTED = 1, MOR_REASON_NONFINITE = 2, MOR_REASON_ALL_ZERO = 3;
  // Sub-tensor block scale rules of mor_dpi_block_scale.
  localparam int MOR_SCALE_POW2 = 0, MOR_SCALE_FP32 = 1;
  localparam int MOR_ERROR_FRAC_BITS = 24;  // e_fx = floor(min(e, 2) * 2^24)
  localparam int MOR_ENGINE_LANES = 32;

  // ---- converters: any format to any format, every mode; rand_bits is read only under MOR_RND_SR ----
  import "DPI-C" function longint unsigned mor_dpi_convert(input int dst, input int src,
      input longint unsigned code, input int rounding, input int overflow, input int nan_mode,
      input int unsigned rand_bits);

  // ---- scales ----
  // GAM (D3): group scale r_g from the group amax; block scale s_j from r_g and the block amax; k_j = exp(s_j) -
  // exp(r_g), what the engine sends as blk_scale in tensor-level mode. tag: MOR_TAG_E4M3 or MOR_TAG_E5M2.
  import "DPI-C" function int unsigned mor_dpi_gam_group_scale(input int unsigned group_amax, input int tag);
  import "DPI-C" function int unsigned mor_dpi_gam_block_scale(input int unsigned group_scale,
      input int unsigned block_amax, input int tag);
  import "DPI-C" function int unsigned mor_dpi_gam_exp_offset(input int unsigned group_scale,
      input int unsigned block_scale);
  // Sub-tensor block scale from the block amax: MOR_SCALE_POW2 (the engine's default) or MOR_SCALE_FP32.
  import "DPI-C" function int unsigned mor_dpi_block_scale(input int unsigned block_amax, input int tag,
      input int rule);

  // ---- the element path: code, dequantized value d (FP32 bits) and e_fx (0 for a zero x) ----
  import "DPI-C" function void mor_dpi_element(input int unsigned x, input int unsigned scale, input int tag,
      output byte unsigned code, output int unsigned dequant, output int unsigned e_fx);

  // ---- block statistics over the first `count` elements of an unpacked array of FP32 bits (all if count < 0) ----
  import "DPI-C" function void mor_dpi_block_stats(input int unsigned x[], input int count, input bit propagate_nan,
      output int unsigned amax, output int unsigned min_nonzero, output int unsigned nnz,
      output int unsigned nonfinite);
  import "DPI-C" function longint unsigned mor_dpi_block_err_sum(input int unsigned x[], input int count,
      input int unsigned scale, input int tag);

  // ---- decisions ----
  import "DPI-C" function void mor_dpi_tensor_decision(input longint unsigned nonfinite,
      input longint unsigned nnz, input longint unsigned err_sum, input int unsigned threshold_fx,
      input int candidate_tag, output int tag, output int reason);
  import "DPI-C" function int unsigned mor_dpi_subtensor_dynamic_range(input int unsigned block_amax,
      input int unsigned block_min_nonzero);
  import "DPI-C" function void mor_dpi_subtensor_band(input int unsigned dynamic_range, input bit nonfinite,
      input bit quant_error, input bit e5m2_to_bf16, input bit enable_e2m3, output int tag, output bit measure);
  import "DPI-C" function int mor_dpi_subtensor_quant_error_choice(input longint unsigned e4m3_err_sum,
      input longint unsigned e5m2_err_sum);
  import "DPI-C" function int mor_dpi_subtensor_tensor_tag(input longint unsigned e4m3_elements,
      input longint unsigned e5m2_elements, input longint unsigned bf16_elements,
      input longint unsigned e2m3_elements);
  import "DPI-C" function int unsigned mor_dpi_threshold_fx(input real threshold);

  // ---- housekeeping ----
  import "DPI-C" function int mor_dpi_constant(input string name);
  import "DPI-C" function int mor_dpi_error_count();

  // Stops the simulation if a constant of this package is not the library's.
  function automatic void mor_dpi_check_constants();
    int bad = 0;
    bad += check_one("FMT_FP64", MOR_FMT_FP64) + check_one("FMT_FP32", MOR_FMT_FP32);
    bad += check_one("FMT_BF16", MOR_FMT_BF16) + check_one("FMT_FP16", MOR_FMT_FP16);
    bad += check_one("FMT_E4M3", MOR_FMT_E4M3) + check_one("FMT_E5M2", MOR_FMT_E5M2);
    bad += check_one("FMT_E8M0", MOR_FMT_E8M0) + check_one("FMT_E2M3", MOR_FMT_E2M3);
    bad += check_one("FMT_E3M2", MOR_FMT_E3M2) + check_one("FMT_E2M1", MOR_FMT_E2M1);
    bad += check_one("FMT_UE4M3", MOR_FMT_UE4M3);
    bad += check_one("RND_RNE", MOR_RND_RNE) + check_one("RND_RNA", MOR_RND_RNA) + check_one("RND_RZ", MOR_RND_RZ);
    bad += check_one("RND_RU", MOR_RND_RU) + check_one("RND_RD", MOR_RND_RD) + check_one("RND_RTO", MOR_RND_RTO);
    bad += check_one("RND_SR", MOR_RND_SR);
    bad += check_one("OVF_SATFINITE", MOR_OVF_SATFINITE) + check_one("OVF_NOSAT", MOR_OVF_NOSAT);
    bad += check_one("OVF_SATFINITE_ONLY", MOR_OVF_SATFINITE_ONLY);
    bad += check_one("NAN_CANON", MOR_NAN_CANON) + check_one("NAN_KEEP_SIGN", MOR_NAN_KEEP_SIGN);
    bad += check_one("TAG_E4M3", MOR_TAG_E4M3) + check_one("TAG_E5M2", MOR_TAG_E5M2);
    bad += check_one("TAG_BF16", MOR_TAG_BF16) + check_one("TAG_E2M3", MOR_TAG_E2M3);
    bad += check_one("REASON_ACCEPTED", MOR_REASON_ACCEPTED) + check_one("REASON_REJECTED", MOR_REASON_REJECTED);
    bad += check_one("REASON_NONFINITE", MOR_REASON_NONFINITE) + check_one("REASON_ALL_ZERO", MOR_REASON_ALL_ZERO);
    bad += check_one("SCALE_POW2", MOR_SCALE_POW2) + check_one("SCALE_FP32", MOR_SCALE_FP32);
    bad += check_one("ERROR_FRAC_BITS", MOR_ERROR_FRAC_BITS) + check_one("ENGINE_LANES", MOR_ENGINE_LANES);
    if (bad != 0) $fatal(1, "mor_dpi_pkg: %0d constants differ from libmor_dpi (stale package or library)", bad);
  endfunction

  function automatic int check_one(input string name, input int value);
    int lib;
    lib = mor_dpi_constant(name);
    if (lib == value) return 0;
    $display("mor_dpi_pkg: MOR_%s is %0d here, %0d in libmor_dpi", name, value, lib);
    return 1;
  endfunction

  // Convenience: FP32 -> an 8-bit format, and an 8-bit code -> FP32 (IEEE decode).
  function automatic byte unsigned mor_dpi_from_f32(input int fmt, input int unsigned f32,
      input int rounding = MOR_RND_RNE, input int overflow = MOR_OVF_SATFINITE, input int nan_mode = MOR_NAN_CANON,
      input int unsigned rand_bits = 0);
    return byte'(mor_dpi_convert(fmt, MOR_FMT_FP32, longint'(f32), rounding, overflow, nan_mode, rand_bits));
  endfunction

  function automatic int unsigned mor_dpi_to_f32(input int fmt, input byte unsigned code);
    return int'(mor_dpi_convert(MOR_FMT_FP32, fmt, longint'(code), MOR_RND_RNE, MOR_OVF_NOSAT, MOR_NAN_KEEP_SIGN, 0));
  endfunction

endpackage
