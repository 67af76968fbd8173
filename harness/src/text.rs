//! Small text helpers shared by the judge, the reporters and the CLI.

/// The first line of `s` that is not blank, trimmed: the headline of an error message or a
/// reason (`"\n  file not found …\nmore"` → `"file not found …"`).
pub fn first_line(s: &str) -> &str {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
}

/// `s` as one word for POSIX sh: in single quotes, each `'` written as `'\''`. Used for the
/// mmdebstrap hooks and the warm agent's argv file, where any byte but NUL may appear.
pub fn sh_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::{first_line, sh_quoted};

    #[test]
    fn sh_quoting_survives_quotes_and_spaces() {
        assert_eq!(sh_quoted("a b"), "'a b'");
        assert_eq!(sh_quoted("it's"), r"'it'\''s'");
        assert_eq!(sh_quoted(""), "''");
    }

    #[test]
    fn skips_blank_lines_and_trims() {
        assert_eq!(first_line("\n  \n  a b \nc"), "a b");
        assert_eq!(first_line("one\ntwo"), "one");
        assert_eq!(first_line(""), "");
        assert_eq!(first_line(" \n\t\n"), "");
    }
}
