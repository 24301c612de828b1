// Compiled, never run: mor_dpi.h (the C side of libmor_dpi) and the prototypes Verilator generates from
// mor_dpi_pkg.sv's imports, in one translation unit. A function whose argument or result types differ between the
// two is a "conflicting declaration" error, so the package and the library cannot drift apart unnoticed.
#include "mor_dpi.h"
#include "Vtb_quantizer_dpi__Dpi.h"
