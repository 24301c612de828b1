"""SKY130 memory model of the cost flow (docs/memory-model.md): memories as OpenRAM SRAM macros.

A memory of W words of B bits is tiled with the macro below, 32 bits wide and 512 words deep: ceil(B / 32) macros
side by side for the width, ceil(W / 512) rows of them for the depth. Area = macros x macro area; energy per access
of a word = the macros a B-bit word occupies x the macro's read or write energy; leakage = macros x macro leakage.

Source (VLSIDA/sky130_sram_macros, the OpenRAM macros of the SKY130 PDK):
  - sky130_sram_2kbyte_1rw1r_32x512_8: 16 kbit, one read-write and one read port, 32-bit words, 512 words.
    LEF `SIZE 683.1 BY 416.54 ;` (commit 965df15, the repository's newest; its Liberty file gives area 284538.474).
  - Read, write and idle energy per clock cycle and the clock-to-data time: the SPICE-characterized Liberty file of
    the same macro (stored version 0178860, datasheet.info dated 2023-08-25): clk0 internal power, write
    (!csb0 & !web0) 2.554 + 2.793 pJ, read (!csb0 & web0) 2.707 + 2.420 pJ (rise + fall of the clock), deselected
    (csb0) 1.147 + 1.169 pJ; dout0 2.14 - 2.51 ns after the clock; minimum period 5.156 ns; leakage 0.00138 mW.
  - A single-port macro of the same size is smaller (sky130_sram_2kbyte_1rw_32x512_8, LEF `SIZE 483.86 BY 326.1`,
    0.158 mm^2, stored version 6489706); a ping-pong buffer only needs one port per bank, so the dual-port figure
    is an upper bound. The figures here use the dual-port macro, the one taped out on the OpenRAM test chip.
"""
import math

MACRO = "sky130_sram_2kbyte_1rw1r_32x512_8"
MACRO_WORDS = 512
MACRO_BITS = 32
MACRO_W_UM, MACRO_H_UM = 683.1, 416.54
MACRO_AREA_MM2 = MACRO_W_UM * MACRO_H_UM * 1e-6
WRITE_PJ = 2.554 + 2.793   # per macro access (one 32-bit word)
READ_PJ = 2.707 + 2.420
IDLE_PJ = 1.147 + 1.169    # a clocked, deselected macro, per cycle
CLK_TO_Q_NS = 2.51
MIN_PERIOD_NS = 5.156
LEAKAGE_MW = 0.001379771
SINGLE_PORT = ("sky130_sram_2kbyte_1rw_32x512_8", 483.86, 326.1)


def macros(words, bits):
    """Macros for a memory of `words` x `bits`: (count, across the width, rows for the depth)."""
    across = math.ceil(bits / MACRO_BITS)
    rows = math.ceil(words / MACRO_WORDS)
    return across * rows, across, rows


def memory(words, bits, writes_per_cycle_words=0.0, reads_per_cycle_words=0.0):
    """Area (mm^2), bits, macros, energy per word write and read (pJ), leakage (mW) of one memory."""
    logical = (words, bits)
    if bits < MACRO_BITS:  # narrow entries are packed several to a macro word
        per_word = MACRO_BITS // bits
        words, bits = math.ceil(words / per_word), MACRO_BITS
    count, across, rows = macros(words, bits)
    return {"words": logical[0], "bits_per_word": logical[1], "bits": logical[0] * logical[1], "macros": count, "across": across,
            "rows": rows, "area_mm2": count * MACRO_AREA_MM2, "write_pj_per_word": across * WRITE_PJ,
            "read_pj_per_word": across * READ_PJ, "leakage_mw": count * LEAKAGE_MW,
            "area_mm2_single_port": count * SINGLE_PORT[1] * SINGLE_PORT[2] * 1e-6}


def facts():
    return {"macro": MACRO, "size_um": [MACRO_W_UM, MACRO_H_UM], "area_mm2": round(MACRO_AREA_MM2, 6),
            "bits": MACRO_WORDS * MACRO_BITS, "um2_per_bit": round(MACRO_AREA_MM2 * 1e6 / (MACRO_WORDS * MACRO_BITS), 2),
            "write_pj": WRITE_PJ, "read_pj": READ_PJ, "idle_pj": IDLE_PJ, "clk_to_q_ns": CLK_TO_Q_NS,
            "min_period_ns": MIN_PERIOD_NS, "leakage_mw": LEAKAGE_MW,
            "single_port": {"macro": SINGLE_PORT[0], "size_um": list(SINGLE_PORT[1:]),
                            "area_mm2": round(SINGLE_PORT[1] * SINGLE_PORT[2] * 1e-6, 6)}}
