#!/bin/sh
# Ellipse area with GNU bc: `-l` loads the math library (scale=20) and 4*a(1) is pi.
# The arguments are pasted into the bc program as text, so whatever the runtime renders
# for a and b (e.g. Go's `1e+06`) is what bc has to parse. tee writes the result to the
# output file and echoes it, newline included, as the original example does.
echo "4*a(1) * $1 * $2" | bc -l | tee "$3/area"
echo "[from shell rawcontainer]" | tee "$3/metadata"
