// SystemC smoke test: a clocked SystemC driver feeds the Verilated (--sc) FP32->E4M3 lane and checks every code
// against the golden model. Proves that SystemC, Verilator's SystemC output and the model link into one binary.
#include <systemc.h>

#include <cstdio>

#include "Vsc_cvt_f32_e4m3.h"
#include "mor/core/convert.hpp"

SC_MODULE(CvtChecker) {
  sc_in<bool> clk;
  sc_out<uint32_t> f32;
  sc_out<uint32_t> rounding_mode;
  sc_out<uint32_t> overflow_mode;
  sc_out<uint32_t> rand_bits;
  sc_out<bool> nan_mode;
  sc_in<uint32_t> code;
  long checked = 0, mismatches = 0;

  void run() {
    for (uint32_t mode = 0; mode < 2; ++mode) {
      for (uint32_t hi = 0; hi < 65536; ++hi) {
        const uint32_t bits = (hi << 16) | (hi & 0x1u ? 0x8000u : 0u);  // every BF16 pattern, half of them with a tie
        f32.write(bits);
        rounding_mode.write(0);
        rand_bits.write(0);
        overflow_mode.write(mode);
        nan_mode.write(false);
        wait(clk.posedge_event());
        const mor::ConvertMode m{mor::Rounding::kRNE, mode ? mor::Overflow::kNoSat : mor::Overflow::kSatFinite,
                                 mor::NanEncoding::kCanonical};
        const uint32_t want = mor::convert<mor::E4M3, mor::FP32>(bits, m);
        if (code.read() != want && mismatches++ < 5)
          std::printf("MISMATCH f32=%08x mode=%u rtl=%02x model=%02x\n", bits, mode, code.read(), want);
        ++checked;
      }
    }
    sc_stop();
  }
  SC_CTOR(CvtChecker) {
    SC_THREAD(run);
  }
};

int sc_main(int, char*[]) {
  sc_clock clk("clk", 1, SC_NS);
  sc_signal<uint32_t> f32, rounding_mode, overflow_mode, rand_bits, code;
  sc_signal<bool> nan_mode;
  Vsc_cvt_f32_e4m3 dut("dut");
  dut.f32(f32);
  dut.rounding_mode(rounding_mode);
  dut.overflow_mode(overflow_mode);
  dut.rand_bits(rand_bits);
  dut.nan_mode(nan_mode);
  dut.code(code);
  CvtChecker chk("chk");
  chk.clk(clk);
  chk.f32(f32);
  chk.rounding_mode(rounding_mode);
  chk.overflow_mode(overflow_mode);
  chk.rand_bits(rand_bits);
  chk.nan_mode(nan_mode);
  chk.code(code);
  sc_start();
  std::printf("systemc smoke: %ld codes checked against the model, %ld mismatches\n", chk.checked, chk.mismatches);
  return chk.mismatches == 0 && chk.checked == 2 * 65536 ? 0 : 1;
}
