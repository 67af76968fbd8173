//! Python's `str()` of the native values flytekit builds from literals — what flytekit's local
//! executor substitutes for `{{.inputs.x}}` (protocol.md §5.2).
//!
//! Facts used: CPython `float.__repr__` (shortest round-trip digits, `repr` style `'r'`: exponent
//! form iff the decimal point position is ≤ -4 or > 16, at least two exponent digits, `.0` added
//! to integral values; `inf`, `-inf`, `nan`), `bool` → `True`/`False`, `list.__repr__`
//! (`[1, 2]`, elements by `repr`), `str.__repr__` (single quotes unless the text has `'` and no
//! `"`), `datetime.__str__` and `timedelta.__str__` (see [`crate::protocol::goformat::timefmt`] and
//! [`crate::protocol::goformat::duration`]).

use crate::protocol::goformat::ShortestDigits;
use crate::protocol::goformat::{python_datetime_str, python_timedelta_str};
use crate::protocol::literal::{Literal, Primitive, Scalar};

/// Python `repr(float)` (= `str(float)` in Python 3).
pub fn py_float(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let d = ShortestDigits::of(x);
    let sign = if d.negative { "-" } else { "" };
    if d.digits.is_empty() {
        return format!("{sign}0.0");
    }
    let (digits, point) = (d.digits.as_str(), d.point);
    if point <= -4 || point > 16 {
        let exp = point - 1;
        let mant = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits.to_string()
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{mant}e{esign}{:02}", exp.unsigned_abs());
    }
    if point <= 0 {
        return format!("{sign}0.{}{digits}", "0".repeat((-point) as usize));
    }
    let p = point as usize;
    if digits.len() <= p {
        format!("{sign}{digits}{}.0", "0".repeat(p - digits.len()))
    } else {
        format!("{sign}{}.{}", &digits[..p], &digits[p..])
    }
}

/// Python `repr(str)`.
pub fn py_repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c)
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn py_primitive(p: &Primitive) -> String {
    match p {
        Primitive::Integer(i) => i.to_string(),
        Primitive::Float(x) => py_float(*x),
        Primitive::String(s) => s.clone(),
        Primitive::Boolean(b) => if *b { "True" } else { "False" }.into(),
        Primitive::Datetime(t) => python_datetime_str(t.seconds, t.nanos),
        Primitive::Duration(d) => python_timedelta_str(d.seconds, d.nanos),
    }
}

/// Python `str()` of the native value of a literal. Collections and maps use `repr` of their
/// elements (`[1, 2]`, `['a', 'b']`, `{'k': 1}`); datetimes/durations inside them are shown with
/// `str()` (an approximation: Python would show `datetime.datetime(...)`).
pub fn py_str(l: &Literal) -> String {
    match l {
        Literal::Scalar(Scalar::Primitive(p)) => py_primitive(p),
        Literal::Scalar(Scalar::Blob(b)) => b.uri.clone(),
        Literal::Scalar(Scalar::NoneType) => "None".into(),
        // flytekit would first turn these into Python values through its type engine, which is
        // not modelled: the text is a Python-like rendering of the literal's data (the probe's
        // flytekit-local expectations declare these cases as departures).
        Literal::Scalar(Scalar::Generic(m)) => py_json(&serde_json::Value::Object(m.clone())),
        Literal::Scalar(Scalar::Binary(b)) => format!("{:?}", b.value),
        Literal::Scalar(Scalar::Union(u)) => py_str(&u.value),
        Literal::Scalar(Scalar::StructuredDataset(uri)) => uri.clone(),
        Literal::Scalar(Scalar::Error(e)) => e.message.clone(),
        Literal::Collection(items) => {
            format!(
                "[{}]",
                items.iter().map(py_repr).collect::<Vec<_>>().join(", ")
            )
        }
        Literal::Map(m) => format!(
            "{{{}}}",
            m.literals
                .iter()
                .map(|(k, v)| format!("{}: {}", py_repr_str(k), py_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Python `str()` of the dict/list/number json.loads would give for `v`.
fn py_json(v: &serde_json::Value) -> String {
    use serde_json::Value as J;
    match v {
        J::Null => "None".into(),
        J::Bool(b) => if *b { "True" } else { "False" }.into(),
        J::Number(n) => n.as_f64().map_or_else(|| n.to_string(), py_float),
        J::String(s) => py_repr_str(s),
        J::Array(a) => format!("[{}]", a.iter().map(py_json).collect::<Vec<_>>().join(", ")),
        J::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, x)| format!("{}: {}", py_repr_str(k), py_json(x)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn py_repr(l: &Literal) -> String {
    match l {
        Literal::Scalar(Scalar::Primitive(Primitive::String(s))) => py_repr_str(s),
        Literal::Scalar(Scalar::Blob(b)) => py_repr_str(&b.uri),
        other => py_str(other),
    }
}

#[cfg(test)]
mod tests {
    use super::py_float;

    #[test]
    fn floats() {
        for (x, want) in [
            (3.0, "3.0"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1e-5, "1e-05"),
            (1e-4, "0.0001"),
            (1234567.0, "1234567.0"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (f64::INFINITY, "inf"),
            (1.5e300, "1.5e+300"),
        ] {
            assert_eq!(py_float(x), want);
        }
    }
}
