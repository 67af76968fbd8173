//! Timestamps: Go `time.Parse(time.RFC3339, s)` (output files), Go RFC3339Nano formatting in UTC
//! (`ptypes.TimestampString`: templates and input files), the protobuf JSON form, and Python's
//! `str(datetime)` (flytekit-local templates).
//!
//! Facts used: Go ≥ 1.20 `src/time/format.go` `Parse` tries the strict fast path
//! `parseRFC3339` (`src/time/format_rfc3339.go`: fixed widths, year 0000–9999, `T`, optional
//! `.digits`, `Z` or `±hh:mm` with hh ≤ 23, mm ≤ 59) and falls back to the general layout parser
//! on `2006-01-02T15:04:05Z07:00`, whose quirks are kept here: a one-digit hour is accepted,
//! a `,` may introduce the fraction, an offset hour up to 24 and minute up to 60 is accepted,
//! errors are `parsing time "v" as "2006-01-02T15:04:05Z07:00": cannot parse "rest" as "elem"`
//! or `parsing time "v": <field> out of range` / `: extra text: "rest"`. Fractions beyond 9 digits
//! are truncated. golang/protobuf `ptypes.TimestampProto` then rejects instants before
//! 0001-01-01 or from 10000-01-01 on (`timestamp: seconds:N before 0001-01-01`).
//!
//! Which Go: the offset range check (`hh ≤ 23`) is Go ≥ 1.23 (golang/go#67470); flytecopilot's
//! `go.mod` asks for `go 1.22`, so a copilot built with 1.22 would still accept `+25:00`. The
//! differential test against Debian's Go 1.19 (`tests/go_oracle.rs`) counts exactly those values
//! and prints them rather than failing.

use super::duration::proto_text_pair;
use super::quote::time_quote;

/// Seconds from 0001-01-01T00:00:00Z to the Unix epoch, negated (protobuf's minimum).
pub const MIN_TIMESTAMP_SECONDS: i64 = -62_135_596_800;
/// Seconds of 10000-01-01T00:00:00Z (protobuf's exclusive maximum).
pub const MAX_TIMESTAMP_SECONDS: i64 = 253_402_300_800;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01: `(year, month, day)`.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in(month: i64, year: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn split(seconds: i64) -> ((i64, i64, i64), i64, i64, i64) {
    let days = seconds.div_euclid(86_400);
    let rem = seconds.rem_euclid(86_400);
    (civil_from_days(days), rem / 3600, rem / 60 % 60, rem % 60)
}

/// Go `t.UTC().Format(time.RFC3339Nano)` (what `ptypes.TimestampString` returns): trailing
/// zeros of the fraction removed, `Z` suffix.
pub fn rfc3339_nano_utc(seconds: i64, nanos: i32) -> String {
    let ((y, mo, d), h, mi, s) = split(seconds);
    let mut out = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
    if nanos != 0 {
        let f = format!("{nanos:09}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// golang/protobuf `ptypes.TimestampString`: RFC3339Nano, or `(timestamp: … )` for an invalid
/// Timestamp.
pub fn timestamp_string(seconds: i64, nanos: i32) -> String {
    match validate_timestamp(seconds, nanos) {
        Ok(()) => rfc3339_nano_utc(seconds, nanos),
        Err(e) => format!("({e})"),
    }
}

/// golang/protobuf `validateTimestamp` error texts.
pub fn validate_timestamp(seconds: i64, nanos: i32) -> Result<(), String> {
    let text = proto_text_pair(seconds, nanos);
    if seconds < MIN_TIMESTAMP_SECONDS {
        Err(format!("timestamp: {text} before 0001-01-01"))
    } else if seconds >= MAX_TIMESTAMP_SECONDS {
        Err(format!("timestamp: {text} after 10000-01-01"))
    } else if !(0..1_000_000_000).contains(&nanos) {
        Err(format!("timestamp: {text}: nanos not in range [0, 1e9)"))
    } else {
        Ok(())
    }
}

/// Protobuf JSON form of a Timestamp: UTC, `Z`, 0/3/6/9 fractional digits.
pub fn proto_json_timestamp(seconds: i64, nanos: i32) -> String {
    let ((y, mo, d), h, mi, s) = split(seconds);
    let mut out = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
    if nanos != 0 {
        let f = format!("{nanos:09}");
        let f = if f.ends_with("000000") {
            &f[..3]
        } else if f.ends_with("000") {
            &f[..6]
        } else {
            &f[..]
        };
        out.push('.');
        out.push_str(f);
    }
    out.push('Z');
    out
}

/// Python `str(datetime)` of the aware UTC datetime flytekit makes from a Timestamp
/// (microsecond resolution, truncated): `2024-03-05 12:00:00+00:00`,
/// `2024-03-05 12:00:00.500000+00:00`.
pub fn python_datetime_str(seconds: i64, nanos: i32) -> String {
    let ((y, mo, d), h, mi, s) = split(seconds);
    let us = nanos / 1000;
    let mut out = format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}");
    if us != 0 {
        out.push_str(&format!(".{us:06}"));
    }
    out.push_str("+00:00");
    out
}

const LAYOUT: &str = "2006-01-02T15:04:05Z07:00";

fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0i64, |a, c| a * 10 + (c - b'0') as i64))
}

/// Nanoseconds of a fraction `.ddd…` (or `,ddd…`): at most 9 digits are used (Go truncates).
fn nanos_of(frac: &[u8]) -> i64 {
    let d = &frac[..frac.len().min(9)];
    let mut v = digits(d).unwrap_or(0);
    for _ in d.len()..9 {
        v *= 10;
    }
    v
}

fn instant(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, offset: i64) -> i64 {
    days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset
}

/// Go's strict RFC 3339 fast path; `None` means "fall back to the layout parser".
fn fast_path(v: &[u8]) -> Option<(i64, i32)> {
    if v.len() < 19 {
        return None;
    }
    let num = |r: std::ops::Range<usize>, lo: i64, hi: i64| {
        digits(&v[r]).filter(|x| (lo..=hi).contains(x))
    };
    let y = num(0..4, 0, 9999)?;
    let mo = num(5..7, 1, 12)?;
    let d = num(8..10, 1, days_in(mo, y))?;
    let h = num(11..13, 0, 23)?;
    let mi = num(14..16, 0, 59)?;
    let s = num(17..19, 0, 59)?;
    if !(v[4] == b'-' && v[7] == b'-' && v[10] == b'T' && v[13] == b':' && v[16] == b':') {
        return None;
    }
    let mut rest = &v[19..];
    let mut nsec = 0;
    if rest.len() >= 2 && rest[0] == b'.' && rest[1].is_ascii_digit() {
        let n = 1 + rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        nsec = nanos_of(&rest[1..n]);
        rest = &rest[n..];
    }
    let offset = if rest == b"Z" {
        0
    } else {
        if rest.len() != 6 {
            return None;
        }
        let hr = digits(&rest[1..3]).filter(|x| *x <= 23)?;
        let mm = digits(&rest[4..6]).filter(|x| *x <= 59)?;
        if !((rest[0] == b'-' || rest[0] == b'+') && rest[3] == b':') {
            return None;
        }
        let o = (hr * 60 + mm) * 60;
        if rest[0] == b'-' { -o } else { o }
    };
    Some((instant(y, mo, d, h, mi, s, offset), nsec as i32))
}

fn parse_error(v: &[u8], elem: &str, rest: &[u8]) -> String {
    format!(
        "parsing time {} as {}: cannot parse {} as {}",
        time_quote(v),
        time_quote(LAYOUT.as_bytes()),
        time_quote(rest),
        time_quote(elem.as_bytes())
    )
}

fn range_error(v: &[u8], what: &str) -> String {
    format!("parsing time {}: {what} out of range", time_quote(v))
}

/// `getnum`: one or two digits (`fixed` forces two).
fn getnum(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    let d0 = s.first().filter(|c| c.is_ascii_digit())?;
    match s.get(1).filter(|c| c.is_ascii_digit()) {
        Some(d1) => Some(((d0 - b'0') as i64 * 10 + (d1 - b'0') as i64, &s[2..])),
        None if fixed => None,
        None => Some(((d0 - b'0') as i64, &s[1..])),
    }
}

/// Go `time.Parse(time.RFC3339, s)` → `(unix seconds, nanos)`, or Go's error text.
pub fn parse_rfc3339(v: &[u8]) -> Result<(i64, i32), String> {
    if let Some(t) = fast_path(v) {
        return Ok(t);
    }
    // General layout parser, chunk by chunk.
    let mut rest = v;
    let lit = |rest: &mut &[u8], c: u8| -> Result<(), String> {
        if rest.first() == Some(&c) {
            *rest = &rest[1..];
            Ok(())
        } else {
            Err(parse_error(v, &(c as char).to_string(), rest))
        }
    };
    // "2006"
    if rest.len() < 4 || !rest[0].is_ascii_digit() {
        return Err(parse_error(v, "2006", rest));
    }
    let y = digits(&rest[..4]).ok_or_else(|| parse_error(v, "2006", rest))?;
    rest = &rest[4..];
    lit(&mut rest, b'-')?;
    let (mo, r) = getnum(rest, true).ok_or_else(|| parse_error(v, "01", rest))?;
    if !(1..=12).contains(&mo) {
        return Err(range_error(v, "month"));
    }
    rest = r;
    lit(&mut rest, b'-')?;
    let (d, r) = getnum(rest, true).ok_or_else(|| parse_error(v, "02", rest))?;
    rest = r;
    lit(&mut rest, b'T')?;
    let (h, r) = getnum(rest, false).ok_or_else(|| parse_error(v, "15", rest))?;
    if h >= 24 {
        return Err(range_error(v, "hour"));
    }
    rest = r;
    lit(&mut rest, b':')?;
    let (mi, r) = getnum(rest, true).ok_or_else(|| parse_error(v, "04", rest))?;
    if mi >= 60 {
        return Err(range_error(v, "minute"));
    }
    rest = r;
    lit(&mut rest, b':')?;
    let (s, r) = getnum(rest, true).ok_or_else(|| parse_error(v, "05", rest))?;
    if s >= 60 {
        return Err(range_error(v, "second"));
    }
    rest = r;
    let mut nsec = 0;
    if rest.len() >= 2 && (rest[0] == b'.' || rest[0] == b',') && rest[1].is_ascii_digit() {
        let n = 1 + rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        nsec = nanos_of(&rest[1..n]);
        rest = &rest[n..];
    }
    // "Z07:00"
    let hold = rest;
    let offset;
    if rest.first() == Some(&b'Z') {
        rest = &rest[1..];
        offset = 0;
    } else {
        if rest.len() < 6 || rest[3] != b':' {
            return Err(parse_error(v, "Z07:00", hold));
        }
        let (sign, hh, mm) = (rest[0], &rest[1..3], &rest[4..6]);
        rest = &rest[6..];
        let hr = getnum(hh, true).map(|x| x.0);
        let mn = hr.and_then(|_| getnum(mm, true).map(|x| x.0));
        let (hr_v, mn_v) = (hr.unwrap_or(0), mn.unwrap_or(0));
        let mut range = None;
        if hr_v > 24 {
            range = Some("time zone offset hour");
        }
        if mn_v > 60 {
            range = Some("time zone offset minute");
        }
        if let Some(what) = range {
            return Err(range_error(v, what));
        }
        if hr.is_none() || mn.is_none() || !(sign == b'+' || sign == b'-') {
            return Err(parse_error(v, "Z07:00", hold));
        }
        let o = (hr_v * 60 + mn_v) * 60;
        offset = if sign == b'-' { -o } else { o };
    }
    if !rest.is_empty() {
        return Err(format!(
            "parsing time {}: extra text: {}",
            time_quote(v),
            time_quote(rest)
        ));
    }
    if d < 1 || d > days_in(mo, y) {
        return Err(format!("parsing time {}: day out of range", time_quote(v)));
    }
    Ok((instant(y, mo, d, h, mi, s, offset), nsec as i32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_and_parse() {
        let s1900 = days_from_civil(1900, 1, 1) * 86_400 + 3661;
        assert_eq!(rfc3339_nano_utc(s1900, 1), "1900-01-01T01:01:01.000000001Z");
        let t = parse_rfc3339(b"2024-03-05T12:00:00.5Z").unwrap();
        assert_eq!(rfc3339_nano_utc(t.0, t.1), "2024-03-05T12:00:00.5Z");
        assert_eq!(
            python_datetime_str(t.0, t.1),
            "2024-03-05 12:00:00.500000+00:00"
        );
        assert_eq!(proto_json_timestamp(t.0, t.1), "2024-03-05T12:00:00.500Z");
        assert_eq!(
            parse_rfc3339(b"2024-03-05 12:00:00+00:00").unwrap_err(),
            r#"parsing time "2024-03-05 12:00:00+00:00" as "2006-01-02T15:04:05Z07:00": cannot parse " 12:00:00+00:00" as "T""#
        );
        assert_eq!(
            parse_rfc3339(b"2024-03-05T1:00:00Z").unwrap().0,
            t.0 - 11 * 3600
        );
        assert_eq!(
            parse_rfc3339(b"2024-03-05T12:00:00+01:00").unwrap().0,
            t.0 - 3600
        );
        assert!(
            parse_rfc3339(b"2024-02-30T12:00:00Z")
                .unwrap_err()
                .ends_with("day out of range")
        );
    }
}
