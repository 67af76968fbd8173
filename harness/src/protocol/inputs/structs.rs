//! A struct (`google.protobuf.Struct`) input as copilot's downloader writes it
//! (`download.go`, `handleGeneric`).
//!
//! The file: `jsonpb.Marshaler{}` — compact, keys sorted, numbers in Go's `encoding/json`
//! spelling (`1`, `1.5`, `1e+21`), strings with Go's escaping (`<` as `\u003c`), `null` for a
//! null value. `inputs.json`: the `*structpb.Struct` itself goes through `encoding/json`, which
//! knows nothing of protobuf — so it prints the Go struct's exported fields: `{"fields":{"a":
//! {"Kind":{"NumberValue":1}}}}`, a nested struct as `{"Kind":{"StructValue":{"fields":…}}}`, a
//! list as `{"Kind":{"ListValue":{"values":[…]}}}`, null as `{"Kind":{"NullValue":0}}`, and an
//! empty struct or list as `{}` (`omitempty`) [inferred from the generated Go types].

use std::collections::BTreeMap;

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

/// The `VarValue` `encoding/json` sees for a `*structpb.Struct`.
pub fn go_json_value(m: &Map<String, Value>) -> VarValue {
    let mut out = BTreeMap::new();
    if !m.is_empty() {
        let fields = m
            .iter()
            .map(|(k, v)| (k.clone(), value(v)))
            .collect::<BTreeMap<_, _>>();
        out.insert("fields".to_string(), VarValue::Map(fields));
    }
    VarValue::Map(out)
}

fn value(v: &Value) -> VarValue {
    let (kind, inner) = match v {
        Value::Null => ("NullValue", VarValue::Int(0)),
        Value::Bool(b) => ("BoolValue", VarValue::Bool(*b)),
        Value::Number(n) => (
            "NumberValue",
            VarValue::Float(n.as_f64().unwrap_or(f64::NAN)),
        ),
        Value::String(s) => ("StringValue", VarValue::String(s.clone())),
        Value::Array(a) => {
            let mut list = BTreeMap::new();
            if !a.is_empty() {
                list.insert(
                    "values".to_string(),
                    VarValue::List(a.iter().map(value).collect()),
                );
            }
            ("ListValue", VarValue::Map(list))
        }
        Value::Object(m) => ("StructValue", go_json_value(m)),
    };
    let mut k = BTreeMap::new();
    k.insert(kind.to_string(), inner);
    let mut outer = BTreeMap::new();
    outer.insert("Kind".to_string(), VarValue::Map(k));
    VarValue::Map(outer)
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
            r#"{"fields":{"a":{"Kind":{"StructValue":{"fields":{"y":{"Kind":{"NumberValue":1e+21}},"z":{"Kind":{"BoolValue":true}}}}}},"b":{"Kind":{"ListValue":{"values":[{"Kind":{"NumberValue":1}},{"Kind":{"StringValue":"x\u003c"}},{"Kind":{"NullValue":0}}]}}},"e":{"Kind":{"StructValue":{}}}}}"#
        );
    }
}
