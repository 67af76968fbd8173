-- Ellipse area in Haskell. The arguments are read as single-precision Float (as in the
-- original example), so the product is rounded to 24 bits and overflows above ~3.4e38;
-- `show` prints the shortest Float digits with no trailing newline.
import System.Environment (getArgs)

area :: Float -> Float -> Float
area a b = pi * a * b

writeOutput :: FilePath -> String -> String -> IO ()
writeOutput dir name = writeFile (dir ++ "/" ++ name)

main :: IO ()
main = do
  [a, b, dir] <- getArgs
  writeOutput dir "area" (show (area (read a) (read b)))
  writeOutput dir "metadata" "[from haskell rawcontainer]"
