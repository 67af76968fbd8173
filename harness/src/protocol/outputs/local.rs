//! flytekit's `ContainerTask._get_output_dict` + `_convert_output_val_to_correct_type`
//! (`flytekit/core/container_task.py`, protocol.md §5.1 step 11): no `_ERROR`, no trimming, no
//! size cap, no extension fallback; the whole file is read as text (UTF-8, universal newlines:
//! `\r\n` and `\r` become `\n`) and converted with Python's rules. Failures are Python
//! exceptions, reported as `ContainerError{code: <exception type>, message: <str(exception)>}`.

use std::io;

use regex::Regex;

use super::beneath::Beneath;
use super::fsread::{OpenError, kind_name, read_capped};
use super::{CollectRequest, Collected};
use crate::protocol::goformat::timefmt::days_from_civil;
use crate::protocol::literal::{
    Blob, BlobType, ContainerError, Dimensionality, Duration, Literal, LiteralMap, LiteralType,
    Primitive, Scalar, SimpleType, Timestamp,
};
use crate::protocol::pyformat::py_repr_str;
use crate::{Error, Result};

/// Read cap for the local profile: flytekit has none; rawconf still bounds memory (16 MiB).
const LOCAL_READ_CAP: u64 = 16 * 1024 * 1024;

fn exception(kind: &str, message: String) -> Collected {
    Collected::Error(ContainerError {
        code: kind.into(),
        message,
        ..Default::default()
    })
}

/// Python's `open()` of a missing path.
fn not_found(shown: &str) -> Collected {
    exception(
        "FileNotFoundError",
        format!(
            "[Errno 2] No such file or directory: {}",
            py_repr_str(shown)
        ),
    )
}

/// Python's `open()` of a directory.
fn is_a_directory(shown: &str) -> Collected {
    exception(
        "IsADirectoryError",
        format!("[Errno 21] Is a directory: {}", py_repr_str(shown)),
    )
}

pub(super) fn collect(req: &CollectRequest<'_>) -> Result<Collected> {
    let shown_dir = req
        .container_dir
        .map(str::to_string)
        .unwrap_or_else(|| req.dir.display().to_string());
    let at = Beneath {
        host: req.dir,
        shown: &shown_dir,
        container: req.container_dir,
    };
    let mut out = LiteralMap::default();
    for (name, var) in &req.interface.outputs.variables {
        if name.contains('/') || name == ".." || name == "." {
            return Err(Error::Usage(format!(
                "output name `{name}` would leave the output directory"
            )));
        }
        let host = req.dir.join(name);
        let shown = format!("{}/{name}", shown_dir.trim_end_matches('/'));
        let lit = match &var.literal_type {
            LiteralType::Blob(blob) => match at.stat(&host) {
                Ok(r) if !r.meta.is_file() && !r.meta.is_dir() => {
                    return Ok(exception(
                        "OSError",
                        format!(
                            "rawconf refuses to read {}: it is a {}, not a regular file",
                            py_repr_str(&shown),
                            kind_name(r.meta.file_type())
                        ),
                    ));
                }
                Ok(r) => Literal::Scalar(Scalar::Blob(Blob {
                    uri: format!("file://{}", r.path.display()),
                    blob_type: BlobType {
                        format: String::new(),
                        dimensionality: if r.meta.is_dir() {
                            Dimensionality::Multipart
                        } else {
                            Dimensionality::Single
                        },
                    },
                })),
                // A missing file: flytekit 1.16.31 builds the FlyteFile and its type engine
                // then refuses it (seen through adapters/flytekit on the protocol suite; the
                // message names flytekit's own sandbox path, so only its shape is kept here).
                Err(_) if blob.dimensionality == Dimensionality::Single => {
                    return Ok(exception(
                        "FlyteAssertion",
                        format!(
                            "USER:AssertionError: error=Cannot convert from Flyte Serialized object (Literal) to <class 'flytekit.types.file.file.FlyteFile'>. Expected a file, but {shown} is not a file."
                        ),
                    ));
                }
                Err(_) => {
                    return Ok(exception(
                        "TypeError",
                        format!(
                            "Failed to convert output in position {name}: {shown} does not exist"
                        ),
                    ));
                }
            },
            LiteralType::Simple(t) => {
                let bytes = match at.stat(&host).and_then(|r| {
                    if r.meta.is_dir() {
                        Err(io::Error::new(
                            io::ErrorKind::IsADirectory,
                            "is a directory",
                        ))
                    } else if !r.meta.is_file() {
                        Err(OpenError::NotRegular(kind_name(r.meta.file_type())).into())
                    } else {
                        read_capped(&r.path, LOCAL_READ_CAP).map_err(io::Error::from)
                    }
                }) {
                    Ok(b) => b,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        return Ok(not_found(&shown));
                    }
                    Err(e) if e.kind() == io::ErrorKind::IsADirectory => {
                        return Ok(is_a_directory(&shown));
                    }
                    // flytekit's `open(path).read()` would block on a FIFO (or never end on a
                    // device): rawconf reports it instead.
                    Err(e) if e.kind() == io::ErrorKind::InvalidInput => {
                        return Ok(exception(
                            "OSError",
                            format!("rawconf refuses to read {}: {e}", py_repr_str(&shown)),
                        ));
                    }
                    Err(e) => return Ok(exception("OSError", e.to_string())),
                };
                let text = match String::from_utf8(bytes) {
                    Ok(t) => t.replace("\r\n", "\n").replace('\r', "\n"),
                    Err(e) => {
                        return Ok(exception(
                            "UnicodeDecodeError",
                            format!(
                                "'utf-8' codec can't decode byte at position {}: invalid utf-8",
                                e.utf8_error().valid_up_to()
                            ),
                        ));
                    }
                };
                match convert(*t, &text) {
                    Ok(l) => l,
                    Err((kind, msg)) => return Ok(exception(kind, msg)),
                }
            }
            // A list or map output: flytekit opens the path as a file (seen through
            // adapters/flytekit, flytekit 1.16.31: a directory gives IsADirectoryError, its
            // message naming flytekit's own sandbox path); a file would reach
            // `issubclass(List[int], bool)` [inferred from container_task.py].
            LiteralType::Collection(_)
            | LiteralType::Map(_)
            | LiteralType::Union(_)
            | LiteralType::StructuredDataset => {
                return Ok(match at.stat(&host) {
                    Ok(r) if r.meta.is_dir() => is_a_directory(&shown),
                    Ok(_) => {
                        exception("TypeError", "issubclass() arg 1 must be a class".to_owned())
                    }
                    Err(_) => not_found(&shown),
                });
            }
        };
        out.literals.insert(name.clone(), lit);
    }
    Ok(Collected::Outputs(out))
}

type Conv = std::result::Result<Literal, (&'static str, String)>;

fn convert(t: SimpleType, value: &str) -> Conv {
    let p = match t {
        SimpleType::Boolean => Primitive::Boolean(value.to_lowercase() != "false"),
        SimpleType::String => Primitive::String(value.to_string()),
        SimpleType::Float => Primitive::Float(py_float(value).ok_or_else(|| {
            (
                "ValueError",
                format!("could not convert string to float: {}", py_repr_str(value)),
            )
        })?),
        SimpleType::Integer => Primitive::Integer(py_int(value).map_err(|big| match big {
            // Python's int() reads it; the protobuf Literal's int64 cannot hold it (seen with
            // flytekit 1.16.31 through adapters/flytekit).
            Some(digits) => ("ValueError", format!("Value out of range: {digits}")),
            None => (
                "ValueError",
                format!(
                    "invalid literal for int() with base 10: {}",
                    py_repr_str(value)
                ),
            ),
        })?),
        SimpleType::Duration => py_timedelta(value)
            .ok_or_else(|| ("ValueError", "Invalid timedelta string format".to_string()))?,
        SimpleType::Datetime => py_fromisoformat(value).ok_or_else(|| {
            (
                "ValueError",
                format!("Invalid isoformat string: {}", py_repr_str(value)),
            )
        })?,
        other => {
            return Err((
                "TypeError",
                format!(
                    "rawconf: flytekit-local conversion of {} is not modelled",
                    other.name()
                ),
            ));
        }
    };
    Ok(Literal::primitive(p))
}

/// Python `str.strip()` whitespace (str.isspace), as `int()`/`float()` strip it.
fn py_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c))
}

/// Digits with single `_` between digits (PEP 515), returned without the underscores.
fn underscored(s: &str) -> Option<String> {
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'_'
            && !(i > 0 && b[i - 1].is_ascii_digit() && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            return None;
        }
    }
    Some(s.replace('_', ""))
}

fn py_float(value: &str) -> Option<f64> {
    let s = underscored(py_strip(value))?;
    let lower = s.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    if lower.len() - body.len() > 1 {
        return None;
    }
    if matches!(body, "inf" | "infinity" | "nan") {
        return lower.parse().ok();
    }
    if body.is_empty()
        || !body
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'+' | b'-'))
    {
        return None;
    }
    lower.parse().ok()
}

/// Python's `int(value)` as an int64: `Err(None)` when Python rejects the text, `Err(Some(n))`
/// with Python's decimal spelling of `n` when Python reads it but it does not fit in int64.
fn py_int(value: &str) -> Result<i64, Option<String>> {
    let s = underscored(py_strip(value)).ok_or(None)?;
    let (sign, body) = match s.strip_prefix('-') {
        Some(b) => ("-", b),
        None => ("", s.strip_prefix('+').unwrap_or(&s)),
    };
    if body.is_empty() || !body.bytes().all(|c| c.is_ascii_digit()) {
        return Err(None);
    }
    s.parse().map_err(|_| {
        let digits = body.trim_start_matches('0');
        Some(format!(
            "{sign}{}",
            if digits.is_empty() { "0" } else { digits }
        ))
    })
}

fn py_timedelta(value: &str) -> Option<Primitive> {
    static RE: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        Regex::new(r"^(?:(\d+) days?, )?(?:(\d+):)?(\d+):(\d+)(?:\.(\d+))?").expect("valid regex")
    });
    let c = RE.captures(value)?;
    let num = |i: usize| -> i128 { c.get(i).and_then(|m| m.as_str().parse().ok()).unwrap_or(0) };
    let micros =
        ((num(1) * 24 + num(2)) * 60 + num(3)) * 60 * 1_000_000 + num(4) * 1_000_000 + num(5);
    let seconds = i64::try_from(micros.div_euclid(1_000_000)).ok()?;
    let nanos = (micros.rem_euclid(1_000_000) * 1000) as i32;
    Some(Primitive::Duration(Duration { seconds, nanos }))
}

/// Python ≥ 3.11 `datetime.fromisoformat` for the common shapes: `YYYY-MM-DD`, then a
/// one-character separator and `HH[:MM[:SS[.fff…]]]`, then `Z` or `±HH:MM[:SS]`. A naive value is
/// taken as UTC (what flytekit's datetime transformer does).
fn py_fromisoformat(value: &str) -> Option<Primitive> {
    static RE: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        Regex::new(r"^(\d{4})-(\d{2})-(\d{2})(?:.(\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d{1,9}))?)?)?)?(Z|[+-]\d{2}:?\d{2}(?::?\d{2})?)?$").expect("valid regex")
    });
    let c = RE.captures(value)?;
    let n = |i: usize| -> i64 { c.get(i).and_then(|m| m.as_str().parse().ok()).unwrap_or(0) };
    let (y, mo, d, h, mi, s) = (n(1), n(2), n(3), n(4), n(5), n(6));
    let dim = [
        31,
        if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
            29
        } else {
            28
        },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if y < 1
        || !(1..=12).contains(&mo)
        || d < 1
        || d > dim[(mo - 1) as usize]
        || h > 23
        || mi > 59
        || s > 59
    {
        return None;
    }
    let micros = c.get(7).map_or(0, |m| {
        let f = format!("{:0<6}", &m.as_str()[..m.as_str().len().min(6)]);
        f.parse::<i64>().unwrap_or(0)
    });
    let offset = match c.get(8).map(|m| m.as_str()) {
        None | Some("Z") => 0,
        Some(z) => {
            let digits: String = z.chars().filter(char::is_ascii_digit).collect();
            let hh: i64 = digits[..2].parse().ok()?;
            let mm: i64 = digits[2..4].parse().ok()?;
            let ss: i64 = digits.get(4..6).and_then(|x| x.parse().ok()).unwrap_or(0);
            let o = hh * 3600 + mm * 60 + ss;
            if z.starts_with('-') { -o } else { o }
        }
    };
    let seconds = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset;
    Some(Primitive::Datetime(Timestamp {
        seconds,
        nanos: (micros * 1000) as i32,
    }))
}
