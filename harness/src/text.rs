//! Small text helpers shared by the judge, the reporters and the CLI.

/// The first line of `s` that is not blank, trimmed: the headline of an error message or a
/// reason (`"\n  file not found …\nmore"` → `"file not found …"`).
pub fn first_line(s: &str) -> &str {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
}

#[cfg(test)]
mod tests {
    use super::first_line;

    #[test]
    fn skips_blank_lines_and_trims() {
        assert_eq!(first_line("\n  \n  a b \nc"), "a b");
        assert_eq!(first_line("one\ntwo"), "one");
        assert_eq!(first_line(""), "");
        assert_eq!(first_line(" \n\t\n"), "");
    }
}
