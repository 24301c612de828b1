// Driver for the coverage builds of the golden-vector testbenches (coverage.sh): the main Verilator 5.006
// generates for --binary does not write coverage data, so this one runs the testbench to $finish and then writes
// it. VTOP is the Verilated class, passed on the compiler command line together with its header.
#include <memory>

#include "verilated.h"
#include "verilated_cov.h"

int main(int argc, char** argv) {
  auto context = std::make_unique<VerilatedContext>();
  context->commandArgs(argc, argv);
  auto top = std::make_unique<VTOP>(context.get());
  while (!context->gotFinish()) {
    top->eval();
    if (!top->eventsPending()) break;
    context->time(top->nextTimeSlot());
  }
  top->final();
  context->coveragep()->write(VL_STRINGIFY(COVERAGE_FILE));
  return context->gotFinish() ? 0 : 1;
}
