"""The wire-load estimate beside the unplaced figures (docs/cost.md, docs/energy.md).

The SKY130 HD Liberty file's own wire-load models ("Small" ... "Huge") give 0.33 fF to a fanout-1 net, a tenth of
one input pin, which moves no slack (measured: 0.000 ns on a pipelined lane). This estimate is stated instead:
  - capacitance per micron of routed wire: 0.136233 fF/um, the met2 value OpenROAD-flow-scripts uses for sky130hd
    (platforms/sky130hd/setRC.tcl, `set_layer_rc -layer met2 -capacitance 1.36233E-04` pF/um, correlated against
    placed and routed designs);
  - length of a net with fanout f: 10 um * (f + 1), an assumption (a local net in a dense datapath: a few cell pitches
    to each sink). Resistance is left out (short nets).
So a fanout-1 net gets 2.7 fF, fanout 4 gets 6.8 fF. The flow cuts its pipelines with this load included and OpenSTA
reports the worst slack both unplaced and with this model (as a Liberty wire_load group, below).
"""
CAP_PF_PER_UM = 1.36233e-4
UM_PER_FANOUT = 10.0


def wire_length_um(fanout):
    return UM_PER_FANOUT * (fanout + 1)


def wire_cap_pf(fanout):
    return CAP_PF_PER_UM * wire_length_um(fanout) if fanout > 0 else 0.0


LIBRARY = "mor_wire_estimate"
MODEL = "mor_est"


def liberty_text():
    """A Liberty file holding only the estimate as a wire_load group, for OpenSTA's set_wire_load_model."""
    fanouts = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64]
    lines = [f"library ({LIBRARY}) {{", '  time_unit : "1ns";', '  voltage_unit : "1V";', '  current_unit : "1mA";',
             '  capacitive_load_unit (1.0, "pf");', '  pulling_resistance_unit : "1kohm";',
             '  leakage_power_unit : "1nW";']
    for key in ("input_threshold_pct_rise", "output_threshold_pct_rise", "input_threshold_pct_fall",
                "output_threshold_pct_fall"):
        lines.append(f"  {key} : 50.0;")
    for key, v in (("slew_lower_threshold_pct_rise", 20.0), ("slew_upper_threshold_pct_rise", 80.0),
                   ("slew_lower_threshold_pct_fall", 20.0), ("slew_upper_threshold_pct_fall", 80.0)):
        lines.append(f"  {key} : {v};")
    lines += [f'  wire_load ("{MODEL}") {{', f"    capacitance : {CAP_PF_PER_UM};", "    resistance : 0.0;",
              f"    slope : {UM_PER_FANOUT};"]
    lines += [f"    fanout_length ({f}, {wire_length_um(f)});" for f in fanouts]
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"
