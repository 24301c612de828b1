#!/usr/bin/env python3
"""A replay must fail on a wrong golden value. Writes a copy of a vector file with one expected value changed, runs
the replay command on it (+vectors=COPY appended) and passes only if the replay exits nonzero and names a mismatch.

  replay_wrong_vector.py cvt|quantizer VECTORS -- COMMAND [ARGS...]

cvt: the 500th vector's expected code gets its lowest bit flipped; quantizer: the first code beat's lane 0 code.
"""
import os
import subprocess
import sys
import tempfile


def mutate(kind, lines):
    seen = 0
    for k, line in enumerate(lines):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        if kind == "cvt" and len(fields) == 6:
            seen += 1
            if seen == 500:
                fields[5] = format(int(fields[5], 16) ^ 1, "02x")
                lines[k] = " ".join(fields) + "\n"
                return lines
        if kind == "quantizer" and fields[0] == "O":
            fields[2] = fields[2][:-1] + format(int(fields[2][-1], 16) ^ 1, "x")  # lane 0 is the last digit pair
            lines[k] = " ".join(fields) + "\n"
            return lines
    sys.exit(f"replay_wrong_vector.py: nothing to change in the {kind} vectors")


def main():
    if len(sys.argv) < 5 or sys.argv[1] not in ("cvt", "quantizer") or sys.argv[3] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    kind, vectors, command = sys.argv[1], sys.argv[2], sys.argv[4:]
    with open(vectors) as f:
        lines = mutate(kind, f.readlines())
    with tempfile.TemporaryDirectory() as d:
        wrong = os.path.join(d, "wrong.hex")
        with open(wrong, "w") as f:
            f.writelines(lines)
        r = subprocess.run(command + [f"+vectors={wrong}"], capture_output=True, text=True)
    out = r.stdout + r.stderr
    print(out[-2000:])
    named = "MISMATCH" in out or "code beat" in out
    if r.returncode != 0 and named and "PASS:" not in out:
        print("PASS: the replay rejected the wrong vector")
        return 0
    print(f"FAIL: the replay exited {r.returncode} on a wrong vector (mismatch named: {named})")
    return 1


if __name__ == "__main__":
    sys.exit(main())
