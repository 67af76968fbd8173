//! A struct (`google.protobuf.Struct`) input as copilot's downloader writes it
//! (`download.go`, `handleGeneric`).
//!
//! The file: `jsonpb.Marshaler{}` — compact, keys sorted, numbers in Go's `encoding/json`
//! spelling (`1`, `1.5`, `1e+21`), strings with Go's escaping (`<` as `\u003c`), `null` for a
//! null value. `inputs.json`: the `*structpb.Struct` itself goes through `encoding/json`, which
//! finds the `MarshalJSON` method protobuf-go generates for `Struct` (protojson) and compacts
//! its output: the struct's plain JSON (`{"a":1}`), keys sorted, HTML characters escaped by
//! `encoding/json`, `\b`/`\f` in protojson's short form. (Checked against Go 1.19 with
//! protobuf-go 1.28 in `tests/go_oracle.rs`; an earlier reading of the generated types, which
//! printed `{"fields":{"a":{"Kind":{"NumberValue":1}}}}`, was wrong.)

use serde_json::{Map, Value};

use super::gojson::go_json_string;
use super::varmap::VarValue;
use crate::protocol::goformat::format_json;

/// The struct file's text.
pub fn jsonpb(m: &Map<String, Value>) -> String {
    let mut out = String::new();
    write_object(m, &mut out);
    out
}

fn write_object(m: &Map<String, Value>, out: &mut String) {
    // serde_json's map is ordered by key: the order jsonpb sorts map entries in.
    out.push('{');
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        go_json_string(k, out);
        out.push(':');
        write_value(v, out);
    }
    out.push('}');
}

fn write_value(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            out.push_str(&format_json(x).unwrap_or_else(|_| "\"NaN\"".into()));
        }
        Value::String(s) => go_json_string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(x, out);
            }
            out.push(']');
        }
        Value::Object(m) => write_object(m, out),
    }
}

/// The `VarValue` `encoding/json` sees for a `*structpb.Struct`: the struct's own JSON value,
/// since `encoding/json` calls its `MarshalJSON` (protojson).
pub fn go_json_value(m: &Map<String, Value>) -> VarValue {
    VarValue::Proto(Box::new(object(m)))
}

fn object(m: &Map<String, Value>) -> VarValue {
    VarValue::Map(m.iter().map(|(k, v)| (k.clone(), value(v))).collect())
}

fn value(v: &Value) -> VarValue {
    match v {
        Value::Null => VarValue::Null,
        Value::Bool(b) => VarValue::Bool(*b),
        // protojson spells a double as encoding/json does (`1`, `1e+21`, `1e-7`).
        Value::Number(n) => VarValue::Float(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => VarValue::String(s.clone()),
        Value::Array(a) => VarValue::List(a.iter().map(value).collect()),
        Value::Object(m) => object(m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_and_varmap() {
        let v: Value =
            serde_json::json!({"b": [1.0, "x<", null], "a": {"z": true, "y": 1e21}, "e": {}});
        let Value::Object(m) = v else { unreachable!() };
        assert_eq!(
            jsonpb(&m),
            r#"{"a":{"y":1e+21,"z":true},"b":[1,"x\u003c",null],"e":{}}"#
        );
        let json = super::super::gojson::marshal(&go_json_value(&m)).unwrap();
        assert_eq!(
            json,
            r#"{"a":{"y":1e+21,"z":true},"b":[1,"x\u003c",null],"e":{}}"#
        );
        let mut m = Map::new();
        m.insert("\u{8}".into(), Value::String("\u{c}\u{1}".into()));
        let json = super::super::gojson::marshal(&go_json_value(&m)).unwrap();
        assert_eq!(json, r#"{"\b":"\f\u0001"}"#);
    }
}
