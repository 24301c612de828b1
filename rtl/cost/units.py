"""What the cost flow builds: the cost units (rtl/cost/cost_units.sv and a few rtl/src modules) with their roles,
and the five quantizers of the comparison composed from them (docs/cost.md).

Roles: "lane" (one element per cycle, one per lane), "beat" (one beat of LANES elements per cycle), "block" (once per
block), "tensor" (once per tensor) are combinational and pipelined to the clock by the flow; "seq" units hold a
loop (an accumulator, an iterative divider) and are timed as written. `sim` names the energy harness's kind
(rtl/cost/energy_harness.cpp); None: not simulated (its dynamic energy per element is negligible: once per tensor).
`shared` lists the input ports that are the same for every lane (a scale): logic whose whole input cone is those
ports, and its registers, is counted once per quantizer, not once per lane.
"""
from collections import namedtuple

Unit = namedtuple("Unit", "name top params what role sim shared input")

UNITS = [
    # ---- lanes, FP32 and BF16 inputs --------------------------------------------------------------------------
    Unit("cost_cs_lane", "cost_cs_lane", {}, "current-scaling lane: FP32 multiply by the tensor scale + E4M3 convert",
         "lane", "cs_lane", ("scale",), "fp32"),
    Unit("cost_cs_lane_bf16", "cost_cs_lane_bf16", {}, "current-scaling lane, BF16 inputs", "lane", "cs_lane",
         ("scale",), "bf16"),
    Unit("cost_mx_lane", "cost_mx_lane", {}, "MXFP8 lane: x * 2^(127-c) + E4M3 convert", "lane", "mx_lane",
         ("scale_e8m0",), "fp32"),
    Unit("cost_mx_lane_bf16", "cost_mx_lane_bf16", {}, "MXFP8 lane, BF16 inputs", "lane", "mx_lane",
         ("scale_e8m0",), "bf16"),
    # The interval lane (issue 16; H16b shrinks mor_error_lane_interval): keep these two rows easy to find.
    Unit("cost_mor_tl_lane_interval", "cost_mor_tl_lane_interval", {},
         "MoR tensor-level lane, interval metric (K = 6, no divider): multiply, E4M3, decode, bounds", "lane",
         "tl_interval_lane", ("block_scale",), "fp32"),
    Unit("cost_mor_tl_lane_interval_bf16", "cost_mor_tl_lane_interval_bf16", {},
         "MoR tensor-level lane, interval metric, BF16 inputs", "lane", "tl_interval_lane", ("block_scale",), "bf16"),
    Unit("cost_mor_tl_lane_dqtable", "cost_mor_tl_lane_dqtable", {},
         "MoR tensor-level lane, canonical metric: dequantize by the shared table, error divider", "lane",
         "tl_dqtable_lane", ("block_scale", "dq_entries"), "fp32"),
    Unit("cost_mor_tl_lane_dqtable_bf16", "cost_mor_tl_lane_dqtable_bf16", {},
         "MoR tensor-level lane, canonical metric, BF16 inputs", "lane", "tl_dqtable_lane",
         ("block_scale", "dq_entries"), "bf16"),
    Unit("cost_mor_st_lane_pow2", "cost_mor_st_lane_pow2", {},
         "MoR sub-tensor lane: E4M3 / E5M2 with the E8 block scale, or BF16", "lane", "st_lane",
         ("scale_e8m0", "tag"), "fp32"),
    Unit("cost_mor_st_lane_pow2_bf16", "cost_mor_st_lane_pow2_bf16", {}, "MoR sub-tensor lane, BF16 inputs", "lane",
         "st_lane", ("scale_e8m0", "tag"), "bf16"),
    # ---- per beat ----------------------------------------------------------------------------------------------
    Unit("cost_beat_stats_amax", "cost_beat_stats", {"WHICH": 0}, "32-lane amax tree", "beat", "beat_stats_0", (),
         "fp32"),
    Unit("cost_beat_stats_amax_bf16", "cost_beat_stats", {"WHICH": 0, "IN_BITS": 16}, "32-lane amax tree, BF16",
         "beat", "beat_stats_0", (), "bf16"),
    Unit("cost_beat_stats_tl", "cost_beat_stats", {"WHICH": 1}, "32-lane amax, NNZ and non-finite count", "beat",
         "beat_stats_1", (), "fp32"),
    Unit("cost_beat_stats_tl_bf16", "cost_beat_stats", {"WHICH": 1, "IN_BITS": 16},
         "32-lane amax, NNZ and non-finite count, BF16", "beat", "beat_stats_1", (), "bf16"),
    Unit("cost_beat_stats_st", "cost_beat_stats", {"WHICH": 2}, "32-lane amax, smallest nonzero, non-finite count",
         "beat", "beat_stats_2", (), "fp32"),
    Unit("cost_beat_stats_st_bf16", "cost_beat_stats", {"WHICH": 2, "IN_BITS": 16},
         "32-lane amax, smallest nonzero, non-finite count, BF16", "beat", "beat_stats_2", (), "bf16"),
    Unit("cost_err_tree", "cost_err_tree", {}, "32-lane error sum (26-bit e_fx, widths as needed)", "beat", "err_tree",
         (), "fp32"),
    Unit("cost_mx_scale", "cost_mx_scale", {}, "NV_RCEIL E8M0 block scale", "beat", "mx_scale", (), "fp32"),
    Unit("cost_st_block_cmp", "cost_st_block_cmp", {},
         "sub-tensor block decision by comparators: tag and E8 scale, no divider", "beat", "st_block_cmp", (), "fp32"),
    # ---- per block, per tensor (rtl/src modules and cost units) -------------------------------------------------
    Unit("mor_gam_offset_cmp", "mor_gam_offset_cmp", {}, "GAM block step by comparators (per block)", "block",
         "gam_offset_cmp", ("group_scale", "thr_a", "thr_b"), "fp32"),
    Unit("mor_div_finish", "mor_div_finish", {}, "divide: normalize, round, pack, special cases (per tensor)",
         "tensor", None, (), "fp32"),
    Unit("mor_f32_unpack", "mor_f32_unpack", {}, "an operand of the divider: class, exponent, normalized significand "
         "(per tensor)", "tensor", None, (), "fp32"),
    # ---- sequential: timed as written ---------------------------------------------------------------------------
    Unit("cost_amax_acc", "cost_amax_acc", {}, "running max register", "seq", "amax_acc", (), "fp32"),
    Unit("cost_err_acc", "cost_err_acc", {}, "64-bit error accumulator + compare with T_fx * NNZ", "seq", "err_acc",
         (), "fp32"),
    Unit("cost_count_acc", "cost_count_acc", {}, "40-bit NNZ counter", "seq", "count_acc", (), "fp32"),
    Unit("cost_iter_div", "cost_iter_div", {}, "iterative significand divider, 1 bit per cycle (once per tensor)",
         "seq", None, (), "fp32"),
    Unit("cost_iter_mul", "cost_iter_mul", {}, "T_fx * NNZ, shift and add (once per tensor)", "seq", None, (), "fp32"),
]

UNIT_BY_NAME = {u.name: u for u in UNITS}


def v(name, inp):
    """The unit of that name for the input type: BF16 variants are NAME_bf16 where one exists."""
    return UNIT_BY_NAME.get(f"{name}_bf16", UNIT_BY_NAME[name]).name if inp == "bf16" else name


# The once-per-tensor divider shared by all per-tensor quotients: the iterative significand divider, its operands'
# unpack and its rounding (mor_div_finish, pipelined).
TENSOR_DIVIDER = [("cost_iter_div", 1, "tensor"), ("mor_f32_unpack", 2, "tensor"), ("mor_div_finish", 1, "tensor")]


def quantizers(inp, lanes, block_elems):
    """The quantizers of the comparison for one input type. Each: name, key, lane unit, [(unit, count, rate)],
    extra registers [(what, bits, rate)], memories [(what, words, bits)], beat delay (units whose latency the beat
    waits for), passes, notes. rate: 'beat' (once per beat), 'block' (once per block), 'tensor' (once per tensor)."""
    beat_rate = "beat"
    q = []
    q.append(dict(
        key="cs", name="current scaling (TE, per tensor)", lane=v("cost_cs_lane", inp),
        units=[(v("cost_beat_stats_amax", inp), 1, beat_rate), ("cost_amax_acc", 1, beat_rate)] + TENSOR_DIVIDER,
        regs=[], memories=[], delay=[], passes=2,
        note="pass 1: tensor amax; pass 2: quantize. Scale RN32(448 / amax) on the shared iterative divider."))
    q.append(dict(
        key="mx", name="MXFP8 (NV_RCEIL, 1x32 blocks)", lane=v("cost_mx_lane", inp),
        units=[(v("cost_beat_stats_amax", inp), 1, beat_rate), ("cost_mx_scale", 1, beat_rate)],
        regs=[], memories=[], delay=[v("cost_beat_stats_amax", inp), "cost_mx_scale"], passes=1,
        note="one pass: the beat waits in a register delay line while its block amax and scale are formed."))
    tl_common = [(v("cost_beat_stats_tl", inp), 1, beat_rate), ("cost_amax_acc", 2, beat_rate),
                 ("cost_count_acc", 1, beat_rate), ("mor_gam_offset_cmp", 1, "block"),
                 ("cost_iter_mul", 1, "tensor")] + TENSOR_DIVIDER
    q.append(dict(
        key="tl_interval", name="MoR tensor-level, interval metric", lane=v("cost_mor_tl_lane_interval", inp),
        units=tl_common + [("cost_err_tree", 2, beat_rate), ("cost_err_acc", 2, beat_rate)],
        regs=[], memories=[], delay=[], passes=2,
        note="pass 1: statistics and block amax (out on the metadata port); pass 2: quantize, Sum lo and Sum hi. "
             "An undecided tensor needs a third, exact pass on the shared divider (0 of 552 measured decisions)."))
    q.append(dict(
        key="tl_canonical", name="MoR tensor-level, canonical metric", lane=v("cost_mor_tl_lane_dqtable", inp),
        units=tl_common + [("cost_err_tree", 1, beat_rate), ("cost_err_acc", 1, beat_rate)],
        regs=[("dequantize table (8 x 28 bits, loaded once per tensor from the shared divider)", 224, "tensor")],
        memories=[], delay=[], passes=2,
        note="as above with the canonical err_sum: the dequantize table of r_g's significand, a divider per lane "
             "for (d - x) / x."))
    st_stats = [(v("cost_beat_stats_st", inp), 1, beat_rate)]
    in_bits = 16 if inp == "bf16" else 32
    q.append(dict(
        key="st_1x32", name="MoR sub-tensor, 1x32 blocks, no buffer", lane=v("cost_mor_st_lane_pow2", inp),
        units=st_stats + [("cost_st_block_cmp", 1, beat_rate)], regs=[], memories=[],
        delay=[v("cost_beat_stats_st", inp), "cost_st_block_cmp"], passes=1,
        note="one block per beat: the beat waits for its statistics and decision in a register delay line."))
    q.append(dict(
        key="st_128_buffer", name="MoR sub-tensor, 128x128 blocks, double buffer",
        lane=v("cost_mor_st_lane_pow2", inp),
        units=st_stats + [("cost_amax_acc", 2, beat_rate), ("cost_st_block_cmp", 1, "block")], regs=[],
        memories=[("block double buffer", 2 * block_elems // lanes, lanes * in_bits)], delay=[], passes=1,
        note="one pass: a block is written to one buffer while the previous block is read from the other."))
    q.append(dict(
        key="st_128_twopass", name="MoR sub-tensor, 128x128 blocks, two passes",
        lane=v("cost_mor_st_lane_pow2", inp),
        units=st_stats + [("cost_amax_acc", 2, beat_rate), ("cost_st_block_cmp", 1, "block")], regs=[],
        memories=[("tag-and-scale memory (2-bit tag + 8-bit E8 scale per block, 4096 blocks)", 4096, 10)], delay=[],
        passes=2,
        note="pass 1: block decisions into a small memory; pass 2: quantize. Or the decisions leave on a metadata "
             "port and come back with pass 2 (no memory)."))
    return q
