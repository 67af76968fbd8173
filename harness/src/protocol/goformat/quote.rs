//! Go's two ways of quoting a value inside an error message.
//!
//! * `strconv.Quote` (used by `*strconv.NumError`): a double-quoted Go string literal. Each
//!   UTF-8 rune is kept if `unicode.IsPrint` (letters, marks, numbers, punctuation, symbols and
//!   the ASCII space); `"` and `\` get a backslash; `\a \b \f \n \r \t \v` use their short
//!   escapes; other runes below U+0020 and U+007F become `\xHH`, other non-printable runes
//!   `\uHHHH` or `\UHHHHHHHH`; each byte of invalid UTF-8 becomes `\xHH`
//!   (Go `src/strconv/quote.go`, `appendQuotedWith`/`appendEscapedRune`).
//! * The `time` package's private `quote` (used by `ParseDuration` and `ParseError`): only `"`
//!   and `\` are escaped; every byte of a non-ASCII or control rune is written as `\xHH`
//!   (Go `src/time/format.go`, `quote`).

use unicode_general_category::{GeneralCategory as G, get_general_category};

/// Go `unicode.IsPrint`/`strconv.IsPrint`: L, M, N, P, S categories plus U+0020.
fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    !matches!(
        get_general_category(c),
        G::SpaceSeparator
            | G::LineSeparator
            | G::ParagraphSeparator
            | G::Control
            | G::Format
            | G::Surrogate
            | G::PrivateUse
            | G::Unassigned
    )
}

/// Decode one UTF-8 sequence the way Go's `range` over a string does: `(char, width)`, or
/// `None` with width 1 for an invalid byte.
fn next_rune(s: &[u8]) -> (Option<char>, usize) {
    let max = s.len().min(4);
    for w in 1..=max {
        if let Ok(t) = std::str::from_utf8(&s[..w]) {
            return (t.chars().next(), w);
        }
    }
    (None, 1)
}

/// Go `strconv.Quote` on raw bytes.
pub fn strconv_quote(s: &[u8]) -> String {
    let mut out = String::from("\"");
    let mut i = 0;
    while i < s.len() {
        let (r, w) = next_rune(&s[i..]);
        match r {
            None => out.push_str(&format!("\\x{:02x}", s[i])),
            Some(c) => match c {
                '"' | '\\' => {
                    out.push('\\');
                    out.push(c)
                }
                _ if is_print(c) => out.push(c),
                '\x07' => out.push_str("\\a"),
                '\x08' => out.push_str("\\b"),
                '\x0c' => out.push_str("\\f"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\x0b' => out.push_str("\\v"),
                _ if (c as u32) < 0x20 || c as u32 == 0x7f => {
                    out.push_str(&format!("\\x{:02x}", c as u32))
                }
                _ if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
                _ => out.push_str(&format!("\\U{:08x}", c as u32)),
            },
        }
        i += w;
    }
    out.push('"');
    out
}

/// The `time` package's `quote`, on raw bytes.
pub fn time_quote(s: &[u8]) -> String {
    let mut out = String::from("\"");
    let mut i = 0;
    while i < s.len() {
        let (r, w) = next_rune(&s[i..]);
        match r {
            Some(c) if (c as u32) >= 0x20 && (c as u32) < 0x80 => {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            _ => {
                for b in &s[i..i + w] {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
        }
        i += w;
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes() {
        assert_eq!(strconv_quote(b"3.14\r"), r#""3.14\r""#);
        assert_eq!(
            strconv_quote("a\u{7f}é\u{200b}\"".as_bytes()),
            r#""a\x7fé\u200b\"""#
        );
        assert_eq!(strconv_quote(b"\xff"), r#""\xff""#);
        assert_eq!(time_quote("1µs\n".as_bytes()), r#""1\xc2\xb5s\x0a""#);
    }
}
