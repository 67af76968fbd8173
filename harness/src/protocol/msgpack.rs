//! The msgpack side of a `Binary` literal: how a suite's value becomes msgpack bytes, and how the
//! backend's template engine prints msgpack bytes — Go's `fmt.Sprintf("%v", v)` of the value
//! `github.com/shamaton/msgpack/v2` decodes into an `any` (protocol-2.md §4, `template.go`
//! `serializeLiteral`).
//!
//! Go's `%v`: `<nil>`, `true`, integers in decimal, a float64 as `strconv.FormatFloat(x, 'g',
//! -1, 64)` (a float32 with 32-bit shortest digits), a string as itself, an array or a byte
//! string as `[a b c]`, a map as `map[k:v k2:v2]` with keys sorted (`fmt` sorts map keys).

use rmpv::Value;

use crate::protocol::goformat::format_v;

/// msgpack bytes of a value, every integer in its shortest form and every float as a float64
/// (what Python's `msgpack.packb` writes for a dict of ints, floats, strings and bools).
pub fn encode(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, v).expect("writing to a Vec cannot fail");
    out
}

/// Go's `%v` of the decoded value; `Err` when the bytes are not one msgpack value (the text is
/// rawconf's, prefixed as the backend's `failed to unmarshal messagepack bytes`).
pub fn go_v(bytes: &[u8]) -> Result<String, String> {
    let mut rd = bytes;
    let v = rmpv::decode::read_value(&mut rd)
        .map_err(|e| format!("failed to unmarshal messagepack bytes, err:[{e}]"))?;
    // shamaton's Unmarshal refuses bytes left over after the value.
    if !rd.is_empty() {
        return Err(format!(
            "failed to unmarshal messagepack bytes, err:[{} bytes after the value]",
            rd.len()
        ));
    }
    let mut out = String::new();
    write_v(&v, &mut out)?;
    Ok(out)
}

fn write_v(v: &Value, out: &mut String) -> Result<(), String> {
    match v {
        Value::Nil => out.push_str("<nil>"),
        Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Integer(i) => out.push_str(&i.to_string()),
        Value::F32(x) => {
            // The shortest decimal that reads back as this float32 is also the shortest for the
            // float64 it names, so Go's 32-bit `%v` is `format_v` of that decimal.
            let shortest: f64 = format!("{x:e}").parse().unwrap_or(f64::from(*x));
            out.push_str(&format_v(if x.is_finite() {
                shortest
            } else {
                f64::from(*x)
            }));
        }
        Value::F64(x) => out.push_str(&format_v(*x)),
        Value::String(s) => out.push_str(&String::from_utf8_lossy(s.as_bytes())),
        Value::Binary(b) => {
            let items: Vec<String> = b.iter().map(u8::to_string).collect();
            out.push_str(&format!("[{}]", items.join(" ")));
        }
        Value::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_v(x, out)?;
            }
            out.push(']');
        }
        Value::Map(entries) => {
            let mut pairs = Vec::with_capacity(entries.len());
            for (k, x) in entries {
                let (mut ks, mut xs) = (String::new(), String::new());
                write_v(k, &mut ks)?;
                write_v(x, &mut xs)?;
                pairs.push((sort_key(k), ks, xs));
            }
            pairs.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
            out.push_str("map[");
            for (i, (_, k, x)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                out.push_str(x);
            }
            out.push(']');
        }
        Value::Ext(tag, _) => {
            return Err(format!(
                "rawconf does not model Go's %v of msgpack extension type {tag}"
            ));
        }
    }
    Ok(())
}

/// How `fmt` orders keys of one kind: numbers by value, strings by bytes, false before true.
/// Keys of mixed kinds are ordered by kind here; Go orders them by type, which rawconf does not
/// model (a suite's msgpack map has string keys only).
#[derive(PartialEq, PartialOrd)]
enum SortKey {
    Bool(bool),
    Number(f64),
    Text(Vec<u8>),
    Other,
}

fn sort_key(v: &Value) -> SortKey {
    match v {
        Value::Boolean(b) => SortKey::Bool(*b),
        Value::Integer(i) => SortKey::Number(i.as_f64().unwrap_or(0.0)),
        Value::F32(x) => SortKey::Number(f64::from(*x)),
        Value::F64(x) => SortKey::Number(*x),
        Value::String(s) => SortKey::Text(s.as_bytes().to_vec()),
        _ => SortKey::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flytes_own_example() {
        // template_test.go: {"a": 1, "b": true, "c": 1.1, "d": "string"}.
        let v = Value::Map(vec![
            (Value::from("d"), Value::from("string")),
            (Value::from("a"), Value::from(1)),
            (Value::from("c"), Value::F64(1.1)),
            (Value::from("b"), Value::from(true)),
        ]);
        assert_eq!(go_v(&encode(&v)).unwrap(), "map[a:1 b:true c:1.1 d:string]");
        let nested = Value::Array(vec![Value::Nil, Value::F32(0.1), Value::F64(1e21)]);
        assert_eq!(go_v(&encode(&nested)).unwrap(), "[<nil> 0.1 1e+21]");
        assert!(go_v(b"\x92\x01").is_err());
        assert!(go_v(b"\x01\x02").is_err());
    }
}
