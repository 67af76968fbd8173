//! Go's `strconv.ParseFloat(s, 64)`, `strconv.ParseInt(s, 10, 64)` and `strconv.ParseBool`,
//! with Go's exact error texts. This is how copilot's sidecar turns an output file into a
//! FLOAT, INTEGER or BOOLEAN literal.
//!
//! Facts used (Go `src/strconv/atof.go`, `atoi.go`, `atob.go`):
//!
//! * Specials first: an optional sign, then `inf` or `infinity` (any case), or `nan` (any case,
//!   **no sign allowed**). Only `inf` is consumed from `infinit`, so `infinit` is a syntax error.
//! * Otherwise an optional sign, then decimal digits with at most one `.`, or `0x`/`0X` and hex
//!   digits, which then *require* a `p` exponent (binary). A decimal exponent is `e`/`E`, sign,
//!   digits. `_` may appear anywhere in the scan but the whole prefix must then pass
//!   `underscoreOK`: every `_` between digits (a base prefix counts as a digit).
//! * The exponent accumulates only while it is `< 10000` (`if e < 10000 { e = e*10 + d }`), so
//!   absurd exponents saturate rather than overflow.
//! * Decimal conversion is correctly rounded (round half to even); we delegate the rounding of
//!   the normalized digit string to Rust's correctly rounded `f64::from_str`. Hex conversion
//!   rounds half to even with a sticky bit for truncated digits. Underflow to zero is **not**
//!   an error; overflow is `value out of range` (Go also returns ±Inf with it).
//! * If the number does not cover the whole string (or a range error has trailing text), the
//!   error is `invalid syntax`.
//! * Errors read `strconv.<Func>: parsing <strconv.Quote(s)>: <invalid syntax|value out of range>`.
//! * `ParseInt(s, 10, 64)`: optional sign, ASCII digits only (no `_` for an explicit base 10),
//!   range error past `i64`; the error names the original string.
//! * `ParseBool` accepts exactly `1 t T TRUE true True 0 f F FALSE false False`.

use super::quote::strconv_quote;

/// Why a Go `strconv` parse failed (`strconv.ErrSyntax` or `strconv.ErrRange`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumErrorKind {
    /// `invalid syntax`.
    Syntax,
    /// `value out of range`.
    Range,
}

/// Go's `*strconv.NumError`: the function name, the input and the reason. Its `Display` is Go's
/// `Error()` text byte for byte, because copilot puts that text into its error documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumError {
    /// `ParseFloat`, `ParseInt` or `ParseBool`.
    pub func: &'static str,
    /// The input as given (raw bytes: output files need not be UTF-8).
    pub num: Vec<u8>,
    /// Syntax or range.
    pub kind: NumErrorKind,
}

impl std::fmt::Display for NumError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let why = match self.kind {
            NumErrorKind::Syntax => "invalid syntax",
            NumErrorKind::Range => "value out of range",
        };
        write!(
            f,
            "strconv.{}: parsing {}: {}",
            self.func,
            strconv_quote(&self.num),
            why
        )
    }
}

impl std::error::Error for NumError {}

fn err(func: &'static str, s: &[u8], kind: NumErrorKind) -> NumError {
    NumError {
        func,
        num: s.to_vec(),
        kind,
    }
}

/// The raw result of scanning a float prefix (Go's `readFloat`).
struct Scan {
    neg: bool,
    hex: bool,
    /// Significant digits (decimal: ASCII digits; hex: up to 16 nibbles kept in `mantissa`).
    digits: Vec<u8>,
    /// Decimal: position of the decimal point relative to `digits`.
    /// Hex: binary exponent such that value = mantissa × 2^exp.
    exp: i64,
    mantissa: u64,
    trunc: bool,
    /// Bytes consumed.
    n: usize,
}

fn lower(c: u8) -> u8 {
    c | 0x20
}

fn special(s: &[u8]) -> Option<(f64, usize)> {
    let first = *s.first()?;
    let (sign, nsign, rest) = match first {
        b'+' => (1.0, 1, &s[1..]),
        b'-' => (-1.0, 1, &s[1..]),
        _ => (1.0, 0, s),
    };
    let prefix = |word: &[u8]| {
        rest.iter()
            .zip(word)
            .take_while(|(a, b)| lower(**a) == **b)
            .count()
    };
    if nsign == 1 || lower(first) == b'i' {
        let mut n = prefix(b"infinity");
        if 3 < n && n < 8 {
            n = 3;
        }
        if n == 3 || n == 8 {
            return Some((sign * f64::INFINITY, nsign + n));
        }
    } else if lower(first) == b'n' && prefix(b"nan") == 3 {
        return Some((go_nan(), 3));
    }
    None
}

/// Go's `math.NaN()` is the bit pattern `0x7FF8000000000001`, not Rust's `f64::NAN`
/// (`0x7FF8000000000000`). The bits matter: a FLOAT literal parsed by copilot carries them into
/// `outputs.pb` (a protobuf double is its raw 64 bits). Found by the Go oracle test.
pub const GO_NAN_BITS: u64 = 0x7FF8_0000_0000_0001;

fn go_nan() -> f64 {
    f64::from_bits(GO_NAN_BITS)
}

fn underscore_ok(s: &[u8]) -> bool {
    // saw: b'^' start, b'0' digit or base prefix, b'_' underscore, b'!' other.
    let mut saw = b'^';
    let mut s = s;
    if let Some(&c) = s.first()
        && (c == b'-' || c == b'+')
    {
        s = &s[1..];
    }
    let mut i = 0;
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(lower(s[1]), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = lower(s[1]) == b'x';
    }
    while i < s.len() {
        let c = s[i];
        if c.is_ascii_digit() || hex && (b'a'..=b'f').contains(&lower(c)) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

fn read_float(s: &[u8]) -> Option<Scan> {
    let mut i = 0;
    let mut underscores = false;
    let mut neg = false;
    match s.first() {
        None => return None,
        Some(b'+') => i += 1,
        Some(b'-') => {
            neg = true;
            i += 1
        }
        _ => {}
    }
    let mut hex = false;
    let mut max_mant = 19;
    let mut exp_char = b'e';
    if i + 2 < s.len() && s[i] == b'0' && lower(s[i + 1]) == b'x' {
        hex = true;
        max_mant = 16;
        exp_char = b'p';
        i += 2;
    }
    let (mut sawdot, mut sawdigits) = (false, false);
    let (mut nd, mut nd_mant, mut dp): (i64, i64, i64) = (0, 0, 0);
    let mut mantissa: u64 = 0;
    let mut trunc = false;
    let mut digits = Vec::new();
    while i < s.len() {
        let c = s[i];
        if c == b'_' {
            underscores = true;
        } else if c == b'.' {
            if sawdot {
                break;
            }
            sawdot = true;
            dp = nd;
        } else if c.is_ascii_digit() || hex && (b'a'..=b'f').contains(&lower(c)) {
            sawdigits = true;
            let v = if c.is_ascii_digit() {
                c - b'0'
            } else {
                lower(c) - b'a' + 10
            };
            if v == 0 && nd == 0 {
                dp -= 1; // leading zeros only move the point
            } else {
                nd += 1;
                if !hex {
                    digits.push(c);
                }
                if nd_mant < max_mant {
                    mantissa = mantissa * if hex { 16 } else { 10 } + v as u64;
                    nd_mant += 1;
                } else if v != 0 {
                    trunc = true;
                }
            }
        } else {
            break;
        }
        i += 1;
    }
    if !sawdigits {
        return None;
    }
    if !sawdot {
        dp = nd;
    }
    if hex {
        dp *= 4;
        nd_mant *= 4;
    }
    if i < s.len() && lower(s[i]) == exp_char {
        i += 1;
        let mut esign = 1;
        match s.get(i) {
            Some(b'+') => i += 1,
            Some(b'-') => {
                esign = -1;
                i += 1
            }
            _ => {}
        }
        if !s.get(i).is_some_and(|c| c.is_ascii_digit()) {
            return None;
        }
        let mut e: i64 = 0;
        while i < s.len() && (s[i].is_ascii_digit() || s[i] == b'_') {
            if s[i] == b'_' {
                underscores = true;
            } else if e < 10000 {
                e = e * 10 + (s[i] - b'0') as i64;
            }
            i += 1;
        }
        dp += e * esign;
    } else if hex {
        return None; // a hex mantissa must have a 'p' exponent
    }
    if underscores && !underscore_ok(&s[..i]) {
        return None;
    }
    let exp = if hex {
        if mantissa != 0 { dp - nd_mant } else { 0 }
    } else {
        dp
    };
    Some(Scan {
        neg,
        hex,
        digits,
        exp,
        mantissa,
        trunc,
        n: i,
    })
}

/// Round `mantissa × 2^exp` (plus a sticky bit when `trunc`) to the nearest float64, ties to
/// even; `None` on overflow. Mirrors the semantics of Go's `atofHex`.
fn hex_to_f64(mantissa: u64, exp: i64, trunc: bool) -> Option<f64> {
    if mantissa == 0 {
        return Some(0.0);
    }
    // Normalize to a 128-bit window with the value = m × 2^e.
    let mut m = mantissa as u128;
    let mut e = exp;
    let lz = m.leading_zeros() as i64; // >= 64
    m <<= lz - 10; // top bit at position 117
    e -= lz - 10;
    if trunc {
        m |= 1;
    }
    // Value's binary exponent of the leading bit: 117 + e. float64 normal leading-bit exponent
    // range is [-1022, 1023]; subnormals have a fixed quantum of 2^-1074.
    let lead = 117 + e;
    // Number of bits to keep: 53 for normals, fewer for subnormals.
    let quantum = if lead >= -1022 { lead - 52 } else { -1074 };
    let shift = quantum - e; // bits to drop from m
    let (kept, round_up) = if shift <= 0 {
        (m << (-shift) as u32, false)
    } else if shift >= 128 {
        (0u128, false) // far below half of the smallest subnormal
    } else {
        let kept = m >> shift;
        let rem = m & ((1u128 << shift) - 1);
        let half = 1u128 << (shift - 1);
        let up = rem > half || (rem == half && kept & 1 == 1);
        (kept, up)
    };
    let kept = kept + round_up as u128;
    // value = kept × 2^quantum
    let r = ldexp(kept as f64, quantum); // exact: kept <= 2^53
    if r.is_infinite() { None } else { Some(r) }
}

/// Exact `x × 2^e` for an integer-valued `x <= 2^53` whose result is representable (scaled in
/// steps so no intermediate overflows or loses bits).
fn ldexp(mut x: f64, mut e: i64) -> f64 {
    while e != 0 {
        let step = e.clamp(-1000, 1000);
        x *= 2f64.powi(step as i32);
        e -= step;
    }
    x
}

/// Go `strconv.ParseFloat(s, 64)`. On overflow Go also returns ±Inf; only the error matters here.
pub fn parse_float(s: &str) -> Result<f64, NumError> {
    parse_float_bytes(s.as_bytes())
}

/// [`parse_float`] on raw bytes (output files need not be UTF-8).
pub fn parse_float_bytes(s: &[u8]) -> Result<f64, NumError> {
    const F: &str = "ParseFloat";
    let (value, n, range) = if let Some((v, n)) = special(s) {
        (v, n, false)
    } else {
        let scan = read_float(s).ok_or_else(|| err(F, s, NumErrorKind::Syntax))?;
        let v = if scan.hex {
            hex_to_f64(scan.mantissa, scan.exp, scan.trunc)
        } else if scan.digits.is_empty() {
            Some(0.0)
        } else {
            let text = format!(
                "0.{}e{}",
                std::str::from_utf8(&scan.digits).unwrap_or("0"),
                scan.exp
            );
            text.parse::<f64>().ok().filter(|v| v.is_finite())
        };
        let sign = if scan.neg { -1.0 } else { 1.0 };
        match v {
            Some(v) => (sign * v, scan.n, false),
            None => (sign * f64::INFINITY, scan.n, true),
        }
    };
    if n != s.len() {
        return Err(err(F, s, NumErrorKind::Syntax));
    }
    if range {
        return Err(err(F, s, NumErrorKind::Range));
    }
    Ok(value)
}

/// Go `strconv.ParseInt(s, 10, 64)`.
pub fn parse_int(s: &str) -> Result<i64, NumError> {
    parse_int_bytes(s.as_bytes())
}

/// [`parse_int`] on raw bytes.
pub fn parse_int_bytes(s: &[u8]) -> Result<i64, NumError> {
    const F: &str = "ParseInt";
    let (neg, digits) = match s.first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(err(F, s, NumErrorKind::Syntax));
    }
    let mut v: u128 = 0;
    for &c in digits {
        v = v * 10 + (c - b'0') as u128;
        if v > 1u128 << 64 {
            v = 1u128 << 64; // saturate; already out of range
        }
    }
    let limit = if neg { 1u128 << 63 } else { (1u128 << 63) - 1 };
    if v > limit {
        return Err(err(F, s, NumErrorKind::Range));
    }
    Ok(if neg {
        (v as i128).wrapping_neg() as i64
    } else {
        v as i64
    })
}

/// Go `strconv.ParseBool`.
pub fn parse_bool(s: &str) -> Result<bool, NumError> {
    parse_bool_bytes(s.as_bytes())
}

/// [`parse_bool`] on raw bytes.
pub fn parse_bool_bytes(s: &[u8]) -> Result<bool, NumError> {
    match s {
        b"1" | b"t" | b"T" | b"TRUE" | b"true" | b"True" => Ok(true),
        b"0" | b"f" | b"F" | b"FALSE" | b"false" | b"False" => Ok(false),
        _ => Err(err("ParseBool", s, NumErrorKind::Syntax)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats() {
        for (s, v) in [
            ("1e5", 1e5),
            (".5", 0.5),
            ("5.", 5.0),
            ("+1.5", 1.5),
            ("0x1p-2", 0.25),
            ("1_000.5", 1000.5),
            ("inf", f64::INFINITY),
            ("-Infinity", f64::NEG_INFINITY),
            ("37.69911184307751886128", 37.69911184307752),
            ("1e-400", 0.0),
            ("0x1.fffffffffffffp1023", f64::MAX),
            ("0x1p-1074", 5e-324),
        ] {
            assert_eq!(parse_float(s).unwrap(), v, "{s}");
        }
        assert!(parse_float("NaN").unwrap().is_nan());
        // Go's math.NaN() bits, not Rust's f64::NAN (found by tests/go_oracle.rs).
        assert_eq!(parse_float("nan").unwrap().to_bits(), GO_NAN_BITS);
        assert_eq!(
            parse_float("abc").unwrap_err().to_string(),
            r#"strconv.ParseFloat: parsing "abc": invalid syntax"#
        );
        assert_eq!(
            parse_float("1e400").unwrap_err().to_string(),
            r#"strconv.ParseFloat: parsing "1e400": value out of range"#
        );
        for bad in [
            "", "1,5", "3.14\r", "+nan", "infin", "1__0", "_1", "1_", "0x1", "1e", ".",
        ] {
            assert_eq!(
                parse_float(bad).unwrap_err().kind,
                NumErrorKind::Syntax,
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_float("0x1p1024").unwrap_err().kind,
            NumErrorKind::Range
        );
    }

    #[test]
    fn ints_and_bools() {
        assert_eq!(parse_int("-42").unwrap(), -42);
        assert_eq!(parse_int("-9223372036854775808").unwrap(), i64::MIN);
        assert_eq!(
            parse_int("9223372036854775808").unwrap_err().kind,
            NumErrorKind::Range
        );
        assert_eq!(parse_int("1_000").unwrap_err().kind, NumErrorKind::Syntax);
        assert!(parse_bool("True").unwrap());
        assert!(parse_bool("yes").is_err());
    }
}
