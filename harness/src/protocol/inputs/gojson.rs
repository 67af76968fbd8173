//! Go `encoding/json.Marshal` of a [`VarValue`] tree: compact, map keys sorted, strings with
//! Go's escaping (`<`, `>`, `&`, U+2028, U+2029 as `\u003c`…; `\n \r \t` short; other control
//! characters `\u00XX`; `"` and `\` escaped), floats per [`crate::protocol::goformat::format_json`], and
//! `json: unsupported value: NaN` for a non-finite float (Go `src/encoding/json/encode.go`).

use super::varmap::VarValue;
use crate::protocol::goformat::format_json;

/// Marshal like Go; `Err` is Go's error text.
pub fn marshal(v: &VarValue) -> Result<String, String> {
    let mut out = String::new();
    write(v, &mut out, false)?;
    Ok(out)
}

/// Go's JSON string encoding (with HTML escaping, as `json.Marshal` does).
pub fn go_json_string(s: &str, out: &mut String) {
    json_string(s, out, false);
}

/// `proto`: protojson's escaping (`\b` and `\f` short), as `encoding/json` keeps it when it
/// compacts a `MarshalJSON` result (still escaping `<`, `>`, `&`, U+2028 and U+2029).
fn json_string(s: &str, out: &mut String, proto: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' if proto => out.push_str("\\b"),
            '\u{c}' if proto => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write(v: &VarValue, out: &mut String, proto: bool) -> Result<(), String> {
    match v {
        VarValue::Null => out.push_str("null"),
        VarValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        VarValue::Int(i) => out.push_str(&i.to_string()),
        VarValue::Float(x) => out.push_str(&format_json(*x)?),
        VarValue::String(s) | VarValue::Time(s) => json_string(s, out, proto),
        VarValue::Proto(x) => write(x, out, true)?,
        VarValue::List(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(x, out, proto)?;
            }
            out.push(']');
        }
        VarValue::Map(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(k, out, proto);
                out.push(':');
                write(x, out, proto)?;
            }
            out.push('}');
        }
    }
    Ok(())
}
