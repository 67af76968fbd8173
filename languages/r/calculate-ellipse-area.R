#!/usr/bin/env Rscript
# Ellipse area in R: doubles, printed with as.character (15 significant digits) and
# written with writeLines, which ends every line with a newline.

args <- commandArgs(trailingOnly = TRUE)

write_output <- function(output_dir, name, value) {
  path <- sprintf("%s/%s", output_dir, name)
  connection <- file(path)
  writeLines(as.character(value), connection)
  close(connection)
}

main <- function(a, b, output_dir) {
  area <- pi * as.double(a) * as.double(b)
  print(area)
  write_output(output_dir, "area", area)
  write_output(output_dir, "metadata", "[from R rawcontainer]")
}

main(args[1], args[2], args[3])
