//! Go's float64 → text conversions: `fmt` `%v`, `strconv.FormatFloat(x, 'f'|'g'|'e', -1, 64)` and
//! `encoding/json`'s number form.
//!
//! Facts used (Go `src/strconv/ftoa.go`, `src/fmt/format.go`, `src/encoding/json/encode.go`):
//!
//! * Precision `-1` means the *shortest* decimal digits that parse back to the same float64
//!   (closest to the exact value among the shortest). Rust's `{:e}` on `f64` produces exactly
//!   that digit string (shortest and closest; no ties are possible for binary doubles), so the
//!   digits come from Rust and only the layout is Go's.
//! * `%v` on a float64 is `%g` with precision -1; for the shortest form `%g` picks exponent
//!   notation iff the decimal exponent (x = d.ddd × 10^exp) is `< -4` or `>= 6` — "if precision
//!   was the shortest possible, use precision 6 for this decision" (`ftoa.go`, case `'g'`).
//!   The exponent has a sign and at least two digits (`e+06`, `e-05`, `e+308`).
//! * `'f'` with precision -1 never uses an exponent: `1e21` → `1000000000000000000000`.
//! * Infinities and NaN are `+Inf`, `-Inf`, `NaN` from strconv; `fmt` keeps the `+` of `+Inf`
//!   and never prints a sign on `NaN`.
//! * `encoding/json` uses `'f'` unless `|x| < 1e-6` or `|x| >= 1e21` (then `'e'`), and rewrites a
//!   two-digit negative exponent `e-07` to `e-7`; it refuses NaN and ±Inf
//!   (`json: unsupported value: NaN`).

/// The shortest round-trip decimal digits of a finite float64, in Go's `decimal` terms.
///
/// `digits` has no leading or trailing zeros (empty for zero), and the value is
/// `0.digits × 10^point`, i.e. `point` is Go's `dp` (decimal point position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortestDigits {
    /// Whether the sign bit is set (also for `-0`).
    pub negative: bool,
    /// The significant decimal digits, ASCII `0`–`9`; empty for zero.
    pub digits: String,
    /// Position of the decimal point relative to the start of `digits`.
    pub point: i32,
}

impl ShortestDigits {
    /// Decompose a finite float. Why Rust's `{:e}`: it is the shortest-and-closest digit
    /// string, the same one Go's Ryu-based shortest formatting produces.
    pub fn of(x: f64) -> ShortestDigits {
        let negative = x.is_sign_negative();
        if x == 0.0 {
            return ShortestDigits {
                negative,
                digits: String::new(),
                point: 0,
            };
        }
        let text = format!("{:e}", x.abs());
        let (mantissa, exp) = text.split_once('e').unwrap_or((text.as_str(), "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
        let (digits, point) = tie_to_even(x.abs(), digits, exp + 1);
        ShortestDigits {
            negative,
            digits,
            point,
        }
    }

    fn sign(&self) -> &'static str {
        if self.negative { "-" } else { "" }
    }

    /// `%f` layout with `prec` fractional digits (digits beyond `self.digits` are zeros).
    fn layout_f(&self, prec: usize) -> String {
        let d = self.digits.as_bytes();
        let mut out = String::from(self.sign());
        if self.point > 0 {
            for i in 0..self.point as usize {
                out.push(*d.get(i).unwrap_or(&b'0') as char);
            }
        } else {
            out.push('0');
        }
        if prec > 0 {
            out.push('.');
            for i in 0..prec {
                let j = self.point as i64 + i as i64;
                let c = if j >= 0 {
                    d.get(j as usize).copied()
                } else {
                    None
                };
                out.push(c.unwrap_or(b'0') as char);
            }
        }
        out
    }

    /// `%e` layout with all shortest digits: `d.ddde±XX`.
    fn layout_e(&self) -> String {
        let mut out = String::from(self.sign());
        let d = if self.digits.is_empty() {
            "0"
        } else {
            self.digits.as_str()
        };
        out.push_str(&d[..1]);
        if d.len() > 1 {
            out.push('.');
            out.push_str(&d[1..]);
        }
        // Go: for zero the exponent is 0; otherwise dp-1.
        let exp = if self.digits.is_empty() {
            0
        } else {
            self.point - 1
        };
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        out.push_str(&e.to_string());
        out
    }

    fn frac_digits_f(&self) -> usize {
        (self.digits.len() as i64 - self.point as i64).max(0) as usize
    }
}

/// Go's shortest formatting (Ryu, `src/strconv/ftoaryu.go`) rounds an *exact* tie between the
/// two nearest n-digit candidates to the even digit; Rust's `{:e}` rounds such a tie up
/// (e.g. 240895092512863.125 is `…863.12` in Go, `…863.13` in Rust). A tie needs the exact
/// binary value to have exactly n+1 significant digits ending in 5, so we look at the exact
/// expansion (Rust's `{:.800e}` is exact: every float64 has at most 767 significant digits) and
/// pick the even neighbour.
fn tie_to_even(abs: f64, digits: String, point: i32) -> (String, i32) {
    let n = digits.len();
    // A tie needs 10^(point-n) <= ulp, i.e. at least 16 shortest digits: skip the slow check.
    if n < 16 {
        return (digits, point);
    }
    let exact = format!("{abs:.800e}");
    let (m, e) = exact.split_once('e').unwrap_or((exact.as_str(), "0"));
    let exact_point: i32 = e.parse::<i32>().unwrap_or(0) + 1;
    let exact_digits: String = m.chars().filter(|c| c.is_ascii_digit()).collect();
    let exact_digits = exact_digits.trim_end_matches('0');
    if exact_point != point && exact_point + 1 != point {
        return (digits, point);
    }
    if exact_digits.len() != n + 1 || !exact_digits.ends_with('5') {
        return (digits, point);
    }
    let lower = &exact_digits[..n];
    let last = lower.as_bytes()[n - 1] - b'0';
    if last.is_multiple_of(2) {
        // Even lower neighbour: Go keeps it (the digit string of the truncation).
        let trimmed = lower.trim_end_matches('0');
        return (trimmed.to_string(), exact_point);
    }
    // Odd lower neighbour: round up (with carry).
    let mut bytes = lower.as_bytes().to_vec();
    let mut i = n;
    let mut p = exact_point;
    loop {
        if i == 0 {
            bytes.insert(0, b'1');
            p += 1;
            break;
        }
        i -= 1;
        if bytes[i] == b'9' {
            bytes[i] = b'0';
        } else {
            bytes[i] += 1;
            break;
        }
    }
    let up = String::from_utf8(bytes).unwrap_or_default();
    (up.trim_end_matches('0').to_string(), p)
}

fn non_finite(x: f64) -> Option<&'static str> {
    if x.is_nan() {
        Some("NaN")
    } else if x == f64::INFINITY {
        Some("+Inf")
    } else if x == f64::NEG_INFINITY {
        Some("-Inf")
    } else {
        None
    }
}

/// Go `strconv.FormatFloat(x, 'f', -1, 64)`: what copilot writes into an input file.
pub fn format_f(x: f64) -> String {
    if let Some(s) = non_finite(x) {
        return s.to_string();
    }
    let d = ShortestDigits::of(x);
    d.layout_f(d.frac_digits_f())
}

/// Go `strconv.FormatFloat(x, 'e', -1, 64)`.
pub fn format_e(x: f64) -> String {
    if let Some(s) = non_finite(x) {
        return s.to_string();
    }
    ShortestDigits::of(x).layout_e()
}

/// Go `strconv.FormatFloat(x, 'g', -1, 64)`: exponent iff exp < -4 or exp >= 6 (see module doc).
pub fn format_g(x: f64) -> String {
    if let Some(s) = non_finite(x) {
        return s.to_string();
    }
    let d = ShortestDigits::of(x);
    // Go: exp := dp - 1; for zero dp is 0 so exp is -1 (→ %f form "0").
    let exp = d.point - 1;
    if !(-4..6).contains(&exp) {
        d.layout_e()
    } else {
        d.layout_f(d.frac_digits_f())
    }
}

/// Go `fmt.Sprintf("%v", x)` for a float64: `%g` shortest, keeping `+Inf`'s sign. This is how
/// the backend renders `{{.inputs.x}}` for a float.
pub fn format_v(x: f64) -> String {
    format_g(x)
}

/// Go `encoding/json` encoding of a float64, or the error text `json.Marshal` returns for
/// NaN/±Inf (`json: unsupported value: NaN`, with strconv's `'g'` spelling of the value).
pub fn format_json(x: f64) -> Result<String, String> {
    if !x.is_finite() {
        return Err(format!("json: unsupported value: {}", format_g(x)));
    }
    let abs = x.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let mut s = format_e(x);
        // Go's clean-up: e-07 → e-7 (only for a two-digit negative exponent with a leading 0).
        let b = s.as_bytes();
        let n = b.len();
        if n >= 4 && b[n - 4] == b'e' && b[n - 3] == b'-' && b[n - 2] == b'0' {
            s.remove(n - 2);
        }
        Ok(s)
    } else {
        Ok(format_f(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v_examples_from_protocol_md() {
        let cases: &[(f64, &str)] = &[
            (3.0, "3"),
            (1.1, "1.1"),
            (0.1 + 0.2, "0.30000000000000004"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (1e6, "1e+06"),
            (12345678.9, "1.23456789e+07"),
            (1e20, "1e+20"),
            (1e-4, "0.0001"),
            (1e-5, "1e-05"),
            (-0.0, "-0"),
            (0.0, "0"),
            (f64::INFINITY, "+Inf"),
            (f64::NAN, "NaN"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
        ];
        for (x, want) in cases {
            assert_eq!(format_v(*x), *want, "{x:e}");
        }
    }

    #[test]
    fn f_and_json() {
        assert_eq!(format_f(1e21), "1000000000000000000000");
        assert_eq!(format_f(1e-5), "0.00001");
        assert_eq!(format_f(-0.0), "-0");
        assert_eq!(format_json(1e-7).unwrap(), "1e-7");
        assert_eq!(format_json(1e21).unwrap(), "1e+21");
        assert_eq!(format_json(1e-10).unwrap(), "1e-10");
        assert_eq!(format_json(0.00005).unwrap(), "0.00005");
        assert_eq!(
            format_json(f64::NAN).unwrap_err(),
            "json: unsupported value: NaN"
        );
    }
}
