//! The explorer's own expectation of a case, derived structurally from the drawn value by the
//! rules of protocol-2 §4 (copilot's `flytecopilot/data/download.go` and propeller's
//! `template.go`) — deliberately *not* by calling the runtime's writer, which would only judge
//! the runtime against itself.
//!
//! | value | under `/var/inputs/x` |
//! |---|---|
//! | integer, boolean, string | a file: decimal, `true`/`false`, the UTF-8 bytes |
//! | float | a file: Go's `FormatFloat(x, 'f', -1, 64)` — shortest round-trip digits, never an exponent (Rust's `Display` prints the same digits; `±Inf`, `NaN` spelled as Go does) |
//! | file blob | a file with the object's bytes |
//! | directory blob | a directory, every object at its relative path |
//! | list | a directory `0 … n-1`, recursively; `[]` an empty directory |
//! | map | a directory with one entry per key; `{}` an empty directory [inferred, as for `[]`] |
//! | struct | a file of compact jsonpb (judged as JSON: the same object, no whitespace outside strings) |
//! | binary | a file with the raw bytes, whatever the tag |
//! | none | a file `null` |
//! | union | its value, at the same path (`null` for the none variant) |
//!
//! Three rules decide the rest of a case. A NaN or ±Inf anywhere (outside structs and binaries)
//! makes copilot's `json.Marshal` of the value map fail — for YAML too, which marshals JSON
//! first — *after* the files and `inputs.pb` are written: no metadata file, an
//! `InputDownloadFailed` result. With YAML, the same happens when a string of the document (a
//! value, a map key, a struct's key or string) holds a character go-yaml's reader forbids even
//! in quotes — DEL, a C1 control other than NEL, U+FFFE, U+FFFF — which `json.Marshal` leaves
//! raw (ghodss/yaml parses the JSON text as YAML; the first run of this explorer found the
//! model missing this rule, which `protocol::inputs` had). And a map key that is not one path component (empty, `.`,
//! `..`, or holding `/`) is `path.Join`ed by copilot into the map's own directory, its parent
//! or a nested path: the protocol fixes no result for it, and rawconf refuses such an input
//! with a usage error rather than write outside the input dir — the model expects that refusal.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::input::blob_uri;
use super::strategy::Value;
use crate::protocol::blobs::BlobSource;

/// One entry expected under the input directory.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// A directory.
    Dir,
    /// A file with exactly these bytes.
    Bytes(Vec<u8>),
    /// A struct's file: compact JSON of this object (its number texts are jsonpb's choice).
    Json(Json),
}

/// What the explorer expects of one case.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    /// `Some(why)`: the runtime is expected to refuse the input (an odd map key).
    pub refused: Option<String>,
    /// Relative `/`-separated path under the input dir → entry (metadata files excluded).
    pub tree: BTreeMap<String, Entry>,
    /// A NaN or ±Inf: the metadata file is not written and the result is `InputDownloadFailed`.
    pub marshal_fails: bool,
    /// `Some(fragment)`: rendering `{{.inputs.x}}` fails with an error containing it.
    pub render_fails: Option<String>,
    /// The render's text where the model knows it without Go's formatting (integers,
    /// booleans, strings, blob URIs, lists of those); `None` for floats and msgpack, whose
    /// `%v` text is left to `protocol::template` (checked against Go by `tests/go_oracle.rs`).
    pub render_text: Option<String>,
}

/// The expectation for `x = value`, its metadata file YAML when `yaml`.
pub fn expect(name: &str, value: &Value, yaml: bool) -> Expected {
    let mut tree = BTreeMap::new();
    walk(value, name, &mut tree);
    Expected {
        refused: odd_key(value)
            .map(|k| format!("map key {k:?} is not one path component (copilot path.Joins it)")),
        tree,
        marshal_fails: non_finite(value) || (yaml && yaml_forbids(value)),
        render_fails: render_failure(value),
        render_text: render_text(value),
    }
}

/// The first map key, anywhere in the value, that is not a single path component.
pub fn odd_key(value: &Value) -> Option<&str> {
    match value {
        Value::Map(m) => m.iter().find_map(|(k, v)| {
            if is_component(k) {
                odd_key(v)
            } else {
                Some(k.as_str())
            }
        }),
        Value::List(items) => items.iter().find_map(odd_key),
        Value::Union(Some(v)) => odd_key(v),
        _ => None,
    }
}

fn is_component(k: &str) -> bool {
    !k.is_empty() && k != "." && k != ".." && !k.contains('/') && !k.contains('\0')
}

fn non_finite(value: &Value) -> bool {
    match value {
        Value::Float(x) => !x.is_finite(),
        Value::List(items) => items.iter().any(non_finite),
        Value::Map(m) => m.values().any(non_finite),
        Value::Union(Some(v)) => non_finite(v),
        _ => false,
    }
}

/// A character go-yaml's reader rejects even inside quotes, which `json.Marshal` leaves raw.
pub fn yaml_forbidden(c: char) -> bool {
    c == '\u{7f}'
        || (('\u{80}'..='\u{9f}').contains(&c) && c != '\u{85}')
        || c == '\u{fffe}'
        || c == '\u{ffff}'
}

fn yaml_forbids(value: &Value) -> bool {
    let bad = |s: &str| s.chars().any(yaml_forbidden);
    fn json_bad(j: &Json) -> bool {
        match j {
            Json::String(s) => s.chars().any(yaml_forbidden),
            Json::Array(items) => items.iter().any(json_bad),
            Json::Object(m) => m
                .iter()
                .any(|(k, v)| k.chars().any(yaml_forbidden) || json_bad(v)),
            _ => false,
        }
    }
    match value {
        Value::Str(s) => bad(s),
        Value::Struct(m) => m.iter().any(|(k, v)| bad(k) || json_bad(v)),
        Value::List(items) => items.iter().any(yaml_forbids),
        Value::Map(m) => m.iter().any(|(k, v)| bad(k) || yaml_forbids(v)),
        Value::Union(Some(v)) => yaml_forbids(v),
        _ => false,
    }
}

/// Go's `strconv.FormatFloat(x, 'f', -1, 64)`.
pub fn go_f(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{x}")
    }
}

fn walk(value: &Value, path: &str, out: &mut BTreeMap<String, Entry>) {
    let mut file = |bytes: Vec<u8>| {
        out.insert(path.to_owned(), Entry::Bytes(bytes));
    };
    match value {
        Value::Int(i) => file(i.to_string().into_bytes()),
        Value::Float(x) => file(go_f(*x).into_bytes()),
        Value::Str(s) => file(s.clone().into_bytes()),
        Value::Bool(b) => file(b.to_string().into_bytes()),
        Value::File(b) => file(b.clone()),
        Value::Binary { bytes, .. } => file(bytes.clone()),
        Value::None | Value::Union(None) => file(b"null".to_vec()),
        Value::Struct(m) => {
            out.insert(path.to_owned(), Entry::Json(Json::Object(m.clone())));
        }
        Value::Union(Some(v)) => walk(v, path, out),
        Value::Dir(t) => {
            out.insert(path.to_owned(), Entry::Dir);
            for (rel, bytes) in t {
                let parts: Vec<&str> = rel.split('/').collect();
                for depth in 1..parts.len() {
                    out.insert(format!("{path}/{}", parts[..depth].join("/")), Entry::Dir);
                }
                out.insert(format!("{path}/{rel}"), Entry::Bytes(bytes.clone()));
            }
        }
        Value::List(items) => {
            out.insert(path.to_owned(), Entry::Dir);
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{path}/{i}"), out);
            }
        }
        Value::Map(m) => {
            out.insert(path.to_owned(), Entry::Dir);
            for (k, item) in m {
                walk(item, &format!("{path}/{k}"), out);
            }
        }
    }
}

/// Why `{{.inputs.x}}` cannot be rendered (protocol-2 §4, last column), or `None` when it can:
/// primitives, blobs (their URI), msgpack binaries and lists of those render; a map, struct,
/// none, union or another binary tag does not — also inside a list.
pub fn render_failure(value: &Value) -> Option<String> {
    match value {
        Value::List(items) => items.iter().find_map(render_failure),
        Value::Map(_) => Some("received an unexpected primitive type [*core.Literal_Map]".into()),
        Value::Struct(_) => Some("[*core.Scalar_Generic]".into()),
        Value::None => Some("[*core.Scalar_NoneType]".into()),
        Value::Union(_) => Some("[*core.Scalar_Union]".into()),
        Value::Binary { tag, .. } if tag != "msgpack" => {
            Some(format!("unsupported binary tag [{tag}]"))
        }
        _ => None,
    }
}

/// `serializeLiteral`'s text by protocol-2 §4: a list is `[` its elements `,` joined `]`, a
/// blob its remote URI.
pub fn render_text(value: &Value) -> Option<String> {
    match value {
        Value::Int(i) => Some(i.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Str(s) => Some(s.clone()),
        Value::File(b) => Some(blob_uri(&BlobSource::Bytes(b.clone()))),
        Value::Dir(t) => Some(blob_uri(&BlobSource::Tree(t.clone()))),
        Value::List(items) => items
            .iter()
            .map(render_text)
            .collect::<Option<Vec<_>>>()
            .map(|v| format!("[{}]", v.join(","))),
        _ => None,
    }
}

/// Whether `text` is compact JSON: no whitespace outside strings (what jsonpb writes).
pub fn is_compact(text: &str) -> bool {
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if c.is_whitespace() {
            return false;
        }
    }
    true
}

/// Whether two JSON values are the same struct: numbers compared as doubles (a Struct holds
/// doubles; jsonpb may write `1e+21` where the value was written `1000000000000000000000`).
pub fn same_json(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_json(a, b))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| ka == kb && same_json(va, vb))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_maps_and_trees_become_directories() {
        let v = Value::List(vec![
            Value::Map([("k".to_owned(), Value::Float(1e21))].into()),
            Value::List(vec![]),
            Value::Dir([("a/b.txt".to_owned(), b"z".to_vec())].into()),
        ]);
        let e = expect("x", &v, false);
        let paths: Vec<&str> = e.tree.keys().map(String::as_str).collect();
        assert_eq!(
            paths,
            ["x", "x/0", "x/0/k", "x/1", "x/2", "x/2/a", "x/2/a/b.txt"]
        );
        assert_eq!(
            e.tree["x/0/k"],
            Entry::Bytes(b"1000000000000000000000".to_vec())
        );
        assert_eq!(
            e.render_fails.as_deref(),
            Some("received an unexpected primitive type [*core.Literal_Map]")
        );
        assert!(e.refused.is_none() && !e.marshal_fails);
        let ints = Value::List(vec![Value::List(vec![Value::Int(-1)]), Value::List(vec![])]);
        assert_eq!(
            expect("x", &ints, false).render_text.as_deref(),
            Some("[[-1],[]]")
        );
    }

    #[test]
    fn odd_keys_are_refused_and_non_finite_floats_fail_the_marshal() {
        let v = Value::Map([("..".to_owned(), Value::Float(f64::NAN))].into());
        let e = expect("x", &v, false);
        assert!(e.refused.unwrap().contains("\"..\""));
        assert!(e.marshal_fails);
        let del = Value::List(vec![Value::Str("a\u{7f}".into())]);
        assert!(expect("x", &del, true).marshal_fails);
        assert!(!expect("x", &del, false).marshal_fails);
        assert_eq!(go_f(f64::NEG_INFINITY), "-Inf");
        assert_eq!(go_f(-0.0), "-0");
        assert_eq!(go_f(5e-324).len(), 326);
    }

    #[test]
    fn compact_json_allows_spaces_only_in_strings() {
        assert!(is_compact(r#"{"a b":[1,"x \" y"]}"#));
        assert!(!is_compact(r#"{"a": 1}"#));
        let a: Json = serde_json::from_str(r#"{"n":1e21}"#).unwrap();
        let b: Json = serde_json::from_str(r#"{"n":1000000000000000000000}"#).unwrap();
        assert!(same_json(&a, &b));
    }
}
