# Ellipse area in Julia: Float64 arithmetic, written with string() (shortest digits,
# exponent form outside 1e-4 <= |x| < 1e6) and no trailing newline.

function write_output(output_dir, name, value)
    open(joinpath(output_dir, name), "w") do io
        write(io, string(value))
    end
end

function main(a, b, output_dir)
    area = π * parse(Float64, a) * parse(Float64, b)
    write_output(output_dir, "area", area)
    write_output(output_dir, "metadata", "[from julia rawcontainer]")
end

main(ARGS[1], ARGS[2], ARGS[3])
