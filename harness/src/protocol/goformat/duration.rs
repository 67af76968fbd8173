//! Durations in the four spellings the protocol meets: Go `time.Duration.String()` (input files),
//! Go `time.ParseDuration` (output files), the protobuf *text* form of `google.protobuf.Duration`
//! (backend templates) and Python's `str(timedelta)` (flytekit-local templates).
//!
//! Facts used: Go `src/time/time.go` (`Duration.String`, `fmtFrac`, `fmtInt`), Go
//! `src/time/format.go` (`ParseDuration`, `leadingInt`, `leadingFraction`, `unitMap`: `ns us µs
//! μs ms s m h`), golang/protobuf `ptypes/duration.go` (`Duration`: range ±315576000000 s, nanos
//! with the same sign, and "is out of range for time.Duration" past ±2^63 ns), protobuf-go text
//! format (non-zero fields in field order, `seconds:N nanos:M`, empty for zero), CPython
//! `datetime.timedelta.__str__`.

use super::quote::time_quote;

const NANOS_PER_SEC: i128 = 1_000_000_000;

/// Go `time.Duration(nanos).String()`: `1h0m0s`, `1.5s`, `300ms`, `5µs`, `0s`.
pub fn go_duration_string(nanos: i64) -> String {
    let neg = nanos < 0;
    let mut u = nanos.unsigned_abs();
    let mut out: Vec<u8> = Vec::new(); // built backwards
    if u < 1_000_000_000 {
        if u == 0 {
            return "0s".into();
        }
        let prec;
        out.push(b's');
        if u < 1_000 {
            prec = 0;
            out.push(b'n');
        } else if u < 1_000_000 {
            prec = 3;
            out.extend_from_slice(
                "µ".as_bytes()
                    .iter()
                    .rev()
                    .copied()
                    .collect::<Vec<_>>()
                    .as_slice(),
            );
        } else {
            prec = 6;
            out.push(b'm');
        }
        u = frac(&mut out, u, prec);
        int(&mut out, u);
    } else {
        out.push(b's');
        u = frac(&mut out, u, 9);
        int(&mut out, u % 60);
        u /= 60;
        if u > 0 {
            out.push(b'm');
            int(&mut out, u % 60);
            u /= 60;
            if u > 0 {
                out.push(b'h');
                int(&mut out, u);
            }
        }
    }
    if neg {
        out.push(b'-');
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn frac(out: &mut Vec<u8>, mut v: u64, prec: usize) -> u64 {
    let mut print = false;
    for _ in 0..prec {
        let digit = (v % 10) as u8;
        print = print || digit != 0;
        if print {
            out.push(b'0' + digit);
        }
        v /= 10;
    }
    if print {
        out.push(b'.');
    }
    v
}

fn int(out: &mut Vec<u8>, mut v: u64) {
    if v == 0 {
        out.push(b'0');
    }
    while v > 0 {
        out.push(b'0' + (v % 10) as u8);
        v /= 10;
    }
}

/// Go `time.ParseDuration`: the duration in nanoseconds, or Go's error text
/// (`time: invalid duration "x"`, `time: missing unit in duration "3600"`,
/// `time: unknown unit "d" in duration "1d"`).
pub fn parse_go_duration(s: &[u8]) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", time_quote(s));
    let mut rest = s;
    let mut neg = false;
    if let Some(&c) = rest.first()
        && (c == b'-' || c == b'+')
    {
        neg = c == b'-';
        rest = &rest[1..];
    }
    if rest == b"0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    const LIMIT: u64 = 1 << 63;
    let mut d: u64 = 0;
    while !rest.is_empty() {
        if !(rest[0] == b'.' || rest[0].is_ascii_digit()) {
            return Err(invalid());
        }
        // leadingInt
        let mut v: u64 = 0;
        let mut i = 0;
        while i < rest.len() && rest[i].is_ascii_digit() {
            if v > LIMIT / 10 {
                return Err(invalid());
            }
            v = v * 10 + (rest[i] - b'0') as u64;
            if v > LIMIT {
                return Err(invalid());
            }
            i += 1;
        }
        let pre = i > 0;
        rest = &rest[i..];
        let (mut f, mut scale, mut post) = (0u64, 1f64, false);
        if rest.first() == Some(&b'.') {
            rest = &rest[1..];
            let mut i = 0;
            let mut overflow = false;
            while i < rest.len() && rest[i].is_ascii_digit() {
                if !overflow {
                    if f > (LIMIT - 1) / 10 {
                        overflow = true;
                    } else {
                        let y = f * 10 + (rest[i] - b'0') as u64;
                        if y > LIMIT {
                            overflow = true;
                        } else {
                            f = y;
                            scale *= 10.0;
                        }
                    }
                }
                i += 1;
            }
            post = i > 0;
            rest = &rest[i..];
        }
        if !pre && !post {
            return Err(invalid());
        }
        let mut i = 0;
        while i < rest.len() && !(rest[i] == b'.' || rest[i].is_ascii_digit()) {
            i += 1;
        }
        if i == 0 {
            return Err(format!("time: missing unit in duration {}", time_quote(s)));
        }
        let unit_name = &rest[..i];
        rest = &rest[i..];
        let unit: u64 = match unit_name {
            b"ns" => 1,
            b"us" => 1_000,
            b"\xc2\xb5s" | b"\xce\xbcs" => 1_000,
            b"ms" => 1_000_000,
            b"s" => 1_000_000_000,
            b"m" => 60_000_000_000,
            b"h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    time_quote(unit_name),
                    time_quote(s)
                ));
            }
        };
        if v > LIMIT / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            // Go: float64 arithmetic, truncated to an integer.
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > LIMIT {
                return Err(invalid());
            }
        }
        d += v;
        if d > LIMIT {
            return Err(invalid());
        }
    }
    if neg {
        return Ok((d as i128).wrapping_neg() as i64);
    }
    if d > LIMIT - 1 {
        return Err(invalid());
    }
    Ok(d as i64)
}

/// Protobuf text form of a `google.protobuf.Duration` message, as `Duration.String()` in Go
/// prints it: zero fields omitted, one space between fields (protobuf-go may randomly use two;
/// we always use one), empty for zero.
pub fn proto_text_duration(seconds: i64, nanos: i32) -> String {
    proto_text_pair(seconds, nanos)
}

/// The same text form for a `google.protobuf.Timestamp` (used inside Go error texts).
pub fn proto_text_pair(seconds: i64, nanos: i32) -> String {
    let mut parts = Vec::new();
    if seconds != 0 {
        parts.push(format!("seconds:{seconds}"));
    }
    if nanos != 0 {
        parts.push(format!("nanos:{nanos}"));
    }
    parts.join(" ")
}

/// golang/protobuf `ptypes.Duration`: the `time.Duration` (nanoseconds) of a protobuf Duration,
/// or Go's error text. Copilot calls it before writing a duration input file.
pub fn duration_to_go_nanos(seconds: i64, nanos: i32) -> Result<i64, String> {
    let text = proto_text_pair(seconds, nanos);
    if !(-315_576_000_000..=315_576_000_000).contains(&seconds) {
        return Err(format!("duration: {text}: seconds out of range"));
    }
    if nanos <= -1_000_000_000 || nanos >= 1_000_000_000 {
        return Err(format!("duration: {text}: nanos out of range"));
    }
    if (seconds < 0 && nanos > 0) || (seconds > 0 && nanos < 0) {
        return Err(format!(
            "duration: {text}: seconds and nanos have different signs"
        ));
    }
    let total = seconds as i128 * NANOS_PER_SEC + nanos as i128;
    i64::try_from(total).map_err(|_| format!("duration: {text} is out of range for time.Duration"))
}

/// golang/protobuf `ptypes.DurationProto`: split nanoseconds into seconds and same-signed nanos.
pub fn go_nanos_to_duration(nanos: i64) -> (i64, i32) {
    (nanos / 1_000_000_000, (nanos % 1_000_000_000) as i32)
}

/// Protobuf JSON form of a Duration: `3600s`, `1.500s`, `-0.000000001s` (0, 3, 6 or 9
/// fractional digits).
pub fn proto_json_duration(seconds: i64, nanos: i32) -> String {
    let neg = seconds < 0 || nanos < 0;
    let mut s = format!(
        "{}{}.{:09}",
        if neg { "-" } else { "" },
        seconds.unsigned_abs(),
        nanos.unsigned_abs()
    );
    for _ in 0..2 {
        if s.ends_with("000") {
            s.truncate(s.len() - 3);
        }
    }
    if s.ends_with(".000") {
        s.truncate(s.len() - 4);
    }
    s + "s"
}

/// Parse the protobuf JSON form of a Duration (`-?digits(.1-9 digits)?s`).
pub fn parse_proto_json_duration(s: &str) -> Option<(i64, i32)> {
    let body = s.strip_suffix('s')?;
    let (neg, body) = match body.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, body),
    };
    let (int_part, frac_part) = match body.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (body, None),
    };
    if int_part.is_empty() || !int_part.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let secs: i64 = int_part.parse().ok()?;
    let mut nanos: i64 = 0;
    if let Some(f) = frac_part {
        if f.is_empty() || f.len() > 9 || !f.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        nanos = format!("{f:0<9}").parse().ok()?;
    }
    if secs > 315_576_000_000 {
        return None;
    }
    Some(if neg {
        (-secs, -(nanos as i32))
    } else {
        (secs, nanos as i32)
    })
}

/// Python `str(timedelta)` of the timedelta flytekit builds from a protobuf Duration
/// (`Duration.ToTimedelta`: nanoseconds rounded toward zero to microseconds):
/// `1:00:00.000005`, `0:00:00`, `-1 day, 23:59:58.500000`, `2 days, 0:00:00`.
pub fn python_timedelta_str(seconds: i64, nanos: i32) -> String {
    let micros_total = seconds as i128 * 1_000_000 + (nanos as i128 / 1_000);
    let days = micros_total.div_euclid(86_400_000_000);
    let rem = micros_total.rem_euclid(86_400_000_000);
    let secs = rem / 1_000_000;
    let us = rem % 1_000_000;
    let mut out = String::new();
    if days != 0 {
        let plural = if days.abs() != 1 { "s" } else { "" };
        out.push_str(&format!("{days} day{plural}, "));
    }
    out.push_str(&format!(
        "{}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    ));
    if us != 0 {
        out.push_str(&format!(".{us:06}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_strings() {
        let h = 3_600_000_000_000i64;
        assert_eq!(go_duration_string(h), "1h0m0s");
        assert_eq!(go_duration_string(1_500_000_000), "1.5s");
        assert_eq!(go_duration_string(300_000_000), "300ms");
        assert_eq!(go_duration_string(5_000), "5µs");
        assert_eq!(go_duration_string(0), "0s");
        assert_eq!(go_duration_string(-1_000_000_000), "-1s");
        assert_eq!(go_duration_string(i64::MIN), "-2562047h47m16.854775808s");
        assert_eq!(parse_go_duration(b"1h0m0s"), Ok(h));
        assert_eq!(parse_go_duration(b"-1.5h"), Ok(-h * 3 / 2));
        assert_eq!(
            parse_go_duration(b"3600").unwrap_err(),
            r#"time: missing unit in duration "3600""#
        );
        assert_eq!(
            parse_go_duration(b"1d").unwrap_err(),
            r#"time: unknown unit "d" in duration "1d""#
        );
        assert_eq!(
            proto_text_duration(1, 500_000_000),
            "seconds:1 nanos:500000000"
        );
        assert_eq!(proto_json_duration(1, 500_000_000), "1.500s");
        assert_eq!(python_timedelta_str(3600, 5_000), "1:00:00.000005");
        assert_eq!(python_timedelta_str(-86400, 0), "-1 day, 0:00:00");
    }
}
