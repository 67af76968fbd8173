//! `inputs.yaml` as ghodss/yaml writes it: `json.Marshal`, then the JSON text is parsed as YAML
//! by go-yaml v2 and re-emitted (`ghodss/yaml` `Marshal` → `JSONToYAML`).
//!
//! Consequences reproduced here:
//! * a JSON number that looks like an integer and fits int64/uint64 stays as written (`3` for the
//!   float 3.0, `0` for -0.0 because `-0` parses as the int 0); any other number becomes a
//!   float64 and is re-printed with `strconv.FormatFloat(f, 'g', -1, 64)` (`0.00005` → `5e-05`,
//!   `100000000000000000000` → `1e+20`);
//! * mapping keys are sorted with go-yaml's "natural" order (`sorter.go` `keyList.Less`: at the
//!   first differing rune a letter sorts after a non-letter, and digit runs compare numerically);
//! * sequences inside a mapping are not indented (`key:\n- a`), nested mappings indent by 2.
//!
//! String quoting is a conservative approximation of libyaml's scalar analysis: plain when the
//! text is obviously safe, double-quoted when it would read back as another type (`"true"`,
//! `"1"`, `""`), single-quoted otherwise, double-quoted with escapes if it has control
//! characters. The probe cases (names and simple values) are all in the exact region.

use super::varmap::VarValue;
use crate::goformat::{format_g, format_json, parse_float};

/// Emit like ghodss/yaml; `Err` is Go's error text (`error marshaling into JSON: …`).
pub fn marshal(v: &VarValue) -> Result<String, String> {
    super::gojson::marshal(v).map_err(|e| format!("error marshaling into JSON: {e}"))?;
    let mut out = String::new();
    match v {
        VarValue::Map(m) if m.is_empty() => out.push_str("{}\n"),
        VarValue::List(l) if l.is_empty() => out.push_str("[]\n"),
        VarValue::Map(_) | VarValue::List(_) => block(v, 0, &mut out),
        scalar => {
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
    Ok(out)
}

fn block(v: &VarValue, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        VarValue::Map(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| natural_cmp(a, b));
            for k in keys {
                let x = &m[k];
                out.push_str(&pad);
                out.push_str(&string_text(k));
                out.push(':');
                match x {
                    VarValue::Map(mm) if !mm.is_empty() => {
                        out.push('\n');
                        block(x, indent + 2, out);
                    }
                    VarValue::List(l) if !l.is_empty() => {
                        out.push('\n');
                        block(x, indent, out);
                    }
                    _ => {
                        out.push(' ');
                        out.push_str(&inline(x));
                        out.push('\n');
                    }
                }
            }
        }
        VarValue::List(items) => {
            for x in items {
                out.push_str(&pad);
                out.push('-');
                match x {
                    VarValue::Map(mm) if !mm.is_empty() => {
                        let mut sub = String::new();
                        block(x, indent + 2, &mut sub);
                        out.push(' ');
                        out.push_str(sub.trim_start());
                    }
                    VarValue::List(l) if !l.is_empty() => {
                        let mut sub = String::new();
                        block(x, indent + 2, &mut sub);
                        out.push(' ');
                        out.push_str(sub.trim_start());
                    }
                    _ => {
                        out.push(' ');
                        out.push_str(&inline(x));
                        out.push('\n');
                    }
                }
            }
        }
        _ => {}
    }
}

fn inline(v: &VarValue) -> String {
    match v {
        VarValue::Map(_) => "{}".into(),
        VarValue::List(_) => "[]".into(),
        s => scalar_text(s),
    }
}

fn scalar_text(v: &VarValue) -> String {
    match v {
        VarValue::Null => "null".into(),
        VarValue::Bool(b) => b.to_string(),
        VarValue::Int(i) => i.to_string(),
        VarValue::Float(x) => number_text(&format_json(*x).unwrap_or_default()),
        VarValue::String(s) | VarValue::Time(s) => string_text(s),
        _ => String::new(),
    }
}

/// A JSON number re-read by go-yaml v2 (`resolve.go`: int, then uint, then float) and printed.
fn number_text(json: &str) -> String {
    if json.parse::<i64>().is_ok() {
        return json
            .parse::<i64>()
            .map(|i| i.to_string())
            .unwrap_or_default();
    }
    if json.parse::<u64>().is_ok() {
        return json.to_string();
    }
    parse_float(json)
        .map(format_g)
        .unwrap_or_else(|_| json.to_string())
}

/// Would a plain scalar with this text resolve to something other than a string (YAML 1.1 as
/// go-yaml v2 reads it)?
fn resolves_to_non_string(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
        "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
        ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
        ".NaN", ".NAN", "<<",
    ];
    if s.is_empty() || WORDS.contains(&s) {
        return true;
    }
    let plain = s.replace('_', "");
    let first = plain.chars().next().unwrap_or(' ');
    (first.is_ascii_digit() || "+-.".contains(first))
        && (parse_float(&plain).is_ok()
            || plain.parse::<i64>().is_ok()
            || plain.starts_with("0x")
            || plain.starts_with("0b")
            || plain.contains(':'))
}

fn string_text(s: &str) -> String {
    if resolves_to_non_string(s) {
        return double_quoted(s);
    }
    if s.chars().any(|c| c.is_control()) {
        return double_quoted(s);
    }
    let first = s.chars().next().unwrap_or(' ');
    let safe_first = first.is_alphanumeric() || first == '_' || first == '/' || first == '.';
    let safe_rest = s
        .chars()
        .all(|c| c.is_alphanumeric() || " _./-+=()@".contains(c));
    if safe_first && safe_rest && !s.ends_with(' ') {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// go-yaml v2 `keyList.Less` for two string keys.
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return if bl {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an
                .saturating_mul(10)
                .saturating_add(ar[ai] as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn
                .saturating_mul(10)
                .saturating_add(br[bi] as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ar[i].cmp(&br[i]);
    }
    ar.len().cmp(&br.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn yaml_numbers_and_order() {
        let mut m = BTreeMap::new();
        m.insert("b".to_string(), VarValue::Float(3.0));
        m.insert("a10".to_string(), VarValue::Float(0.00005));
        m.insert("a9".to_string(), VarValue::Float(-0.0));
        m.insert("d".to_string(), VarValue::Null);
        m.insert("s".to_string(), VarValue::String("true".into()));
        let y = marshal(&VarValue::Map(m)).unwrap();
        assert_eq!(y, "a9: 0\na10: 5e-05\nb: 3\nd: null\ns: \"true\"\n");
    }
}
