"""Ellipse area in Python: IEEE doubles, written with str() and no trailing newline."""

import math
import sys


def write_output(output_dir, name, value):
    with open(f"{output_dir}/{name}", "w") as out:
        out.write(str(value))


def main(a, b, output_dir):
    area = math.pi * float(a) * float(b)
    write_output(output_dir, "area", area)
    write_output(output_dir, "metadata", "[from python rawcontainer]")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
