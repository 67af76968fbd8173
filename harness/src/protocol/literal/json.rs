//! Protobuf JSON mapping (proto3 canonical JSON) of the IDL subset in [`super::model`].
//!
//! Output follows protobuf-go's `protojson`: lowerCamelCase names, int64 as a JSON string, double
//! as a number in Go's `encoding/json` spelling (`3`, `1e-7`, `1e+21`) or the strings `NaN`,
//! `Infinity`, `-Infinity`, Duration as `"1.500s"`, Timestamp as RFC 3339 UTC with 0/3/6/9
//! fractional digits, enums by name, default (zero) fields omitted.
//!
//! Input accepts every spelling a protobuf JSON parser accepts: lowerCamelCase or the original
//! proto field name (`floatValue`/`float_value`), int64 as a number or a string, doubles as a
//! number or a string (incl. `NaN`/`Infinity`/`-Infinity`), enums by name or number, `null` for an
//! absent field. Unknown fields are an error (as in protojson), except `hash` and `metadata` of a
//! Literal, which are accepted and dropped (nothing in the raw protocol reads them).
//! Errors name the JSON path of the offending field.
//!
//! Why this file is long: one `impl` per IDL message, reading and writing side by side,
//! so the mapping rules of a message (names, defaults, oneofs) are checked against each other in one
//! place; the helpers above them are shared by all.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::model::*;
use crate::protocol::goformat::duration::{parse_proto_json_duration, proto_json_duration};
use crate::protocol::goformat::timefmt::{
    MAX_TIMESTAMP_SECONDS, MIN_TIMESTAMP_SECONDS, parse_rfc3339, proto_json_timestamp,
};
use crate::protocol::goformat::{format_json, format_v};

/// A protobuf-JSON document that does not fit the expected message; names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct JsonError {
    /// JSON path of the field, e.g. `literals.a.scalar.primitive.floatValue`.
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
}

type R<T> = Result<T, JsonError>;

fn fail<T>(path: &str, message: impl Into<String>) -> R<T> {
    Err(JsonError {
        path: if path.is_empty() {
            "$".into()
        } else {
            path.into()
        },
        message: message.into(),
    })
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Go-JSON number text for a finite double, or the protobuf JSON string for a non-finite one.
pub fn float_to_json(x: f64) -> Value {
    match format_json(x) {
        Ok(text) => serde_json::from_str(&text).unwrap_or(Value::Null),
        Err(_) if x.is_nan() => Value::String("NaN".into()),
        Err(_) if x > 0.0 => Value::String("Infinity".into()),
        Err(_) => Value::String("-Infinity".into()),
    }
}

/// An object's fields by proto name, accepting both the JSON name and the original name.
struct Fields<'a> {
    path: String,
    map: &'a Map<String, Value>,
    used: Vec<&'a str>,
}

impl<'a> Fields<'a> {
    fn new(v: &'a Value, path: &str) -> R<Fields<'a>> {
        match v {
            Value::Object(map) => Ok(Fields {
                path: path.to_string(),
                map,
                used: Vec::new(),
            }),
            other => fail(
                path,
                format!("expected a JSON object, found {}", kind(other)),
            ),
        }
    }

    /// The value of a field named `json` (lowerCamelCase) or `proto` (snake_case); `null` counts
    /// as absent. Both present is an error, as in protojson.
    fn get(&mut self, json: &'a str, proto: &'a str) -> R<Option<(&'a Value, String)>> {
        let a = self.map.get_key_value(json);
        let b = if proto != json {
            self.map.get_key_value(proto)
        } else {
            None
        };
        if a.is_some() && b.is_some() {
            return fail(&self.path, format!("duplicate field `{json}` / `{proto}`"));
        }
        match a.or(b) {
            Some((k, v)) => {
                self.used.push(k.as_str());
                if v.is_null() {
                    Ok(None)
                } else {
                    Ok(Some((v, join(&self.path, k))))
                }
            }
            None => Ok(None),
        }
    }

    /// A proto3 `string` field: absent (or `null`) is the empty string, anything but a string
    /// an error naming the field.
    fn text(&mut self, json: &'a str, proto: &'a str) -> R<String> {
        Ok(self
            .get(json, proto)?
            .map(|(v, p)| string(v, &p))
            .transpose()?
            .unwrap_or_default())
    }

    fn ignore(&mut self, name: &'a str) {
        if let Some((k, _)) = self.map.get_key_value(name) {
            self.used.push(k.as_str());
        }
    }

    fn finish(self) -> R<()> {
        for k in self.map.keys() {
            if !self.used.contains(&k.as_str()) {
                return fail(&join(&self.path, k), "unknown field");
            }
        }
        Ok(())
    }
}

/// "a string", "an array", … — how error messages name the JSON kind that was found.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn int64(v: &Value, path: &str) -> R<i64> {
    let from_text = |t: &str| -> Option<i64> {
        if let Ok(i) = t.parse::<i64>() {
            return Some(i);
        }
        let f: f64 = t.parse().ok()?;
        (f.fract() == 0.0 && f.abs() < 9.223_372_036_854_776e18).then_some(f as i64)
    };
    let got = match v {
        Value::Number(n) => n.as_i64().or_else(|| from_text(&n.to_string())),
        Value::String(s) if !s.trim().is_empty() && s.trim() == s => from_text(s),
        _ => None,
    };
    got.map_or_else(
        || {
            fail(
                path,
                format!("expected an int64 (number or decimal string), found {v}"),
            )
        },
        Ok,
    )
}

fn double(v: &Value, path: &str) -> R<f64> {
    match v {
        Value::Number(n) => n
            .as_f64()
            .map_or_else(|| fail(path, "number out of range for a double"), Ok),
        Value::String(s) => match s.as_str() {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            t => match serde_json::from_str::<Value>(t) {
                Ok(Value::Number(n)) if t.trim() == t => n
                    .as_f64()
                    .map_or_else(|| fail(path, "number out of range for a double"), Ok),
                _ => fail(path, format!("expected a double, found the string {t:?}")),
            },
        },
        other => fail(path, format!("expected a double, found {}", kind(other))),
    }
}

fn string(v: &Value, path: &str) -> R<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        other => fail(path, format!("expected a string, found {}", kind(other))),
    }
}

fn boolean(v: &Value, path: &str) -> R<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => fail(
            path,
            format!("expected true or false, found {}", kind(other)),
        ),
    }
}

fn enum_value(v: &Value, path: &str, names: &[&str]) -> R<usize> {
    match v {
        Value::String(s) => names.iter().position(|n| n == s).map_or_else(
            || {
                fail(
                    path,
                    format!("unknown enum name {s:?}, expected one of {names:?}"),
                )
            },
            Ok,
        ),
        Value::Number(n) => match n.as_u64() {
            Some(i) if (i as usize) < names.len() => Ok(i as usize),
            _ => fail(
                path,
                format!("enum number {n} out of range 0..{}", names.len()),
            ),
        },
        other => fail(
            path,
            format!("expected an enum name or number, found {}", kind(other)),
        ),
    }
}

fn timestamp(v: &Value, path: &str) -> R<Timestamp> {
    let s = string(v, path)?;
    let (seconds, nanos) = parse_rfc3339(s.as_bytes()).map_err(|e| JsonError {
        path: path.into(),
        message: format!("invalid Timestamp: {e}"),
    })?;
    if !(MIN_TIMESTAMP_SECONDS..MAX_TIMESTAMP_SECONDS).contains(&seconds) {
        return fail(path, "Timestamp out of range 0001-01-01..9999-12-31");
    }
    Ok(Timestamp { seconds, nanos })
}

fn duration(v: &Value, path: &str) -> R<Duration> {
    let s = string(v, path)?;
    parse_proto_json_duration(&s).map_or_else(
        || {
            fail(
                path,
                format!("invalid Duration {s:?}, expected e.g. \"3600s\" or \"1.500s\""),
            )
        },
        |(seconds, nanos)| Ok(Duration { seconds, nanos }),
    )
}

/// Parse a oneof: exactly one of the given (json, proto) names must be present.
fn one_of<'a>(
    f: &mut Fields<'a>,
    names: &[(&'a str, &'a str)],
) -> R<Option<(usize, &'a Value, String)>> {
    let mut found = None;
    for (i, (j, p)) in names.iter().enumerate() {
        if let Some((v, path)) = f.get(j, p)? {
            if found.is_some() {
                return fail(&path, "more than one field of a oneof is set");
            }
            found = Some((i, v, path));
        }
    }
    Ok(found)
}

impl Primitive {
    /// Parse a `flyteidl.core.Primitive` object.
    pub fn from_json(v: &Value, path: &str) -> R<Primitive> {
        let mut f = Fields::new(v, path)?;
        let names = [
            ("integer", "integer"),
            ("floatValue", "float_value"),
            ("stringValue", "string_value"),
            ("boolean", "boolean"),
            ("datetime", "datetime"),
            ("duration", "duration"),
        ];
        let p = match one_of(&mut f, &names)? {
            None => {
                return fail(
                    path,
                    "a Primitive needs one of integer, floatValue, stringValue, boolean, datetime, duration",
                );
            }
            Some((0, v, p)) => Primitive::Integer(int64(v, &p)?),
            Some((1, v, p)) => Primitive::Float(double(v, &p)?),
            Some((2, v, p)) => Primitive::String(string(v, &p)?),
            Some((3, v, p)) => Primitive::Boolean(boolean(v, &p)?),
            Some((4, v, p)) => Primitive::Datetime(timestamp(v, &p)?),
            Some((_, v, p)) => Primitive::Duration(duration(v, &p)?),
        };
        f.finish()?;
        Ok(p)
    }

    /// Protobuf JSON of this primitive.
    pub fn to_json(&self) -> Value {
        let (k, v) = match self {
            Primitive::Integer(i) => ("integer", Value::String(i.to_string())),
            Primitive::Float(x) => ("floatValue", float_to_json(*x)),
            Primitive::String(s) => ("stringValue", Value::String(s.clone())),
            Primitive::Boolean(b) => ("boolean", Value::Bool(*b)),
            Primitive::Datetime(t) => (
                "datetime",
                Value::String(proto_json_timestamp(t.seconds, t.nanos)),
            ),
            Primitive::Duration(d) => (
                "duration",
                Value::String(proto_json_duration(d.seconds, d.nanos)),
            ),
        };
        obj([(k, v)])
    }
}

fn obj<const N: usize>(fields: [(&str, Value); N]) -> Value {
    Value::Object(
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

impl BlobType {
    fn from_json(v: &Value, path: &str) -> R<BlobType> {
        let mut f = Fields::new(v, path)?;
        let format = f.text("format", "format")?;
        let dimensionality = match f.get("dimensionality", "dimensionality")? {
            Some((v, p)) => [Dimensionality::Single, Dimensionality::Multipart]
                [enum_value(v, &p, &["SINGLE", "MULTIPART"])?],
            None => Dimensionality::Single,
        };
        f.finish()?;
        Ok(BlobType {
            format,
            dimensionality,
        })
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        if !self.format.is_empty() {
            m.insert("format".into(), Value::String(self.format.clone()));
        }
        if self.dimensionality == Dimensionality::Multipart {
            m.insert("dimensionality".into(), Value::String("MULTIPART".into()));
        }
        Value::Object(m)
    }
}

impl Blob {
    fn from_json(v: &Value, path: &str) -> R<Blob> {
        let mut f = Fields::new(v, path)?;
        let uri = f.text("uri", "uri")?;
        let blob_type = match f.get("metadata", "metadata")? {
            Some((m, mp)) => {
                let mut mf = Fields::new(m, &mp)?;
                let t = mf
                    .get("type", "type")?
                    .map(|(v, p)| BlobType::from_json(v, &p))
                    .transpose()?;
                mf.finish()?;
                t.unwrap_or_default()
            }
            None => BlobType::default(),
        };
        f.finish()?;
        Ok(Blob { uri, blob_type })
    }

    fn to_json(&self) -> Value {
        obj([
            ("metadata", obj([("type", self.blob_type.to_json())])),
            ("uri", Value::String(self.uri.clone())),
        ])
    }
}

impl Scalar {
    fn from_json(v: &Value, path: &str) -> R<Scalar> {
        let mut f = Fields::new(v, path)?;
        let s = match one_of(
            &mut f,
            &[
                ("primitive", "primitive"),
                ("blob", "blob"),
                ("noneType", "none_type"),
                ("generic", "generic"),
                ("binary", "binary"),
                ("union", "union"),
                ("structuredDataset", "structured_dataset"),
                ("error", "error"),
            ],
        )? {
            None => {
                return fail(
                    path,
                    "a Scalar needs one of primitive, blob, noneType, generic, binary, union, structuredDataset, error (schema scalars are outside the raw protocol)",
                );
            }
            Some((0, v, p)) => Scalar::Primitive(Primitive::from_json(v, &p)?),
            Some((1, v, p)) => Scalar::Blob(Blob::from_json(v, &p)?),
            Some((2, v, p)) => {
                Fields::new(v, &p)?.finish()?;
                Scalar::NoneType
            }
            Some((3, v, p)) => Scalar::Generic(struct_from_json(v, &p)?),
            Some((4, v, p)) => Scalar::Binary(Binary::from_json(v, &p)?),
            Some((5, v, p)) => {
                let mut uf = Fields::new(v, &p)?;
                let value = match uf.get("value", "value")? {
                    Some((v, p)) => Literal::from_json(v, &p)?,
                    None => return fail(&p, "a Union needs a `value`"),
                };
                let variant = match uf.get("type", "type")? {
                    Some((v, p)) => LiteralType::from_json(v, &p)?,
                    None => return fail(&p, "a Union needs the `type` of its value"),
                };
                uf.finish()?;
                Scalar::Union(Box::new(Union { value, variant }))
            }
            Some((7, v, p)) => Scalar::Error(NodeError::from_json(v, &p)?),
            Some((_, v, p)) => {
                let mut sf = Fields::new(v, &p)?;
                sf.ignore("metadata");
                let uri = sf.text("uri", "uri")?;
                sf.finish()?;
                Scalar::StructuredDataset(uri)
            }
        };
        f.finish()?;
        Ok(s)
    }

    fn to_json(&self) -> Value {
        match self {
            Scalar::Primitive(p) => obj([("primitive", p.to_json())]),
            Scalar::Blob(b) => obj([("blob", b.to_json())]),
            Scalar::NoneType => obj([("noneType", Value::Object(Map::new()))]),
            Scalar::Generic(m) => obj([("generic", Value::Object(m.clone()))]),
            Scalar::Binary(b) => obj([("binary", b.to_json())]),
            Scalar::Union(u) => obj([(
                "union",
                obj([("value", u.value.to_json()), ("type", u.variant.to_json())]),
            )]),
            Scalar::StructuredDataset(uri) => {
                let mut m = Map::new();
                if !uri.is_empty() {
                    m.insert("uri".into(), Value::String(uri.clone()));
                }
                obj([("structuredDataset", Value::Object(m))])
            }
            Scalar::Error(e) => obj([("error", e.to_json())]),
        }
    }
}

impl NodeError {
    fn from_json(v: &Value, path: &str) -> R<NodeError> {
        let mut f = Fields::new(v, path)?;
        let failed_node_id = f.text("failedNodeId", "failed_node_id")?;
        let message = f.text("message", "message")?;
        f.finish()?;
        Ok(NodeError {
            failed_node_id,
            message,
        })
    }

    /// protojson: empty strings are left out, as for every proto3 scalar field.
    fn to_json(&self) -> Value {
        let mut m = Map::new();
        for (key, text) in [
            ("failedNodeId", &self.failed_node_id),
            ("message", &self.message),
        ] {
            if !text.is_empty() {
                m.insert(key.into(), Value::String(text.clone()));
            }
        }
        Value::Object(m)
    }
}

/// A `google.protobuf.Struct` in protobuf JSON: any JSON object. Its numbers are doubles (a
/// Struct holds no integers), so `1` and `1.0` are the same value; a number a double cannot hold
/// exactly is rounded as protojson would.
pub fn struct_from_json(v: &Value, path: &str) -> R<Map<String, Value>> {
    match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, x)| Ok((k.clone(), struct_value(x, &join(path, k))?)))
            .collect(),
        other => fail(
            path,
            format!(
                "expected a JSON object (a google.protobuf.Struct), found {}",
                kind(other)
            ),
        ),
    }
}

fn struct_value(v: &Value, path: &str) -> R<Value> {
    Ok(match v {
        Value::Number(n) => {
            let x = n.as_f64().ok_or_else(|| JsonError {
                path: path.into(),
                message: "number out of range for a double".into(),
            })?;
            serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
        }
        Value::Array(a) => Value::Array(
            a.iter()
                .enumerate()
                .map(|(i, x)| struct_value(x, &format!("{path}[{i}]")))
                .collect::<R<_>>()?,
        ),
        Value::Object(_) => Value::Object(struct_from_json(v, path)?),
        other => other.clone(),
    })
}

impl Binary {
    fn from_json(v: &Value, path: &str) -> R<Binary> {
        use base64::Engine as _;
        let mut f = Fields::new(v, path)?;
        let value = match f.get("value", "value")? {
            Some((v, p)) => {
                let text = string(v, &p)?;
                // protojson accepts standard and URL-safe base64, padded or not.
                let cleaned: String = text
                    .trim_end_matches('=')
                    .chars()
                    .map(|c| match c {
                        '-' => '+',
                        '_' => '/',
                        c => c,
                    })
                    .collect();
                base64::engine::general_purpose::STANDARD_NO_PAD
                    .decode(cleaned)
                    .map_err(|e| JsonError {
                        path: p.clone(),
                        message: format!("expected base64 bytes: {e}"),
                    })?
            }
            None => Vec::new(),
        };
        let tag = f.text("tag", "tag")?;
        f.finish()?;
        Ok(Binary { value, tag })
    }

    fn to_json(&self) -> Value {
        use base64::Engine as _;
        let mut m = Map::new();
        if !self.value.is_empty() {
            m.insert(
                "value".into(),
                Value::String(base64::engine::general_purpose::STANDARD.encode(&self.value)),
            );
        }
        if !self.tag.is_empty() {
            m.insert("tag".into(), Value::String(self.tag.clone()));
        }
        Value::Object(m)
    }
}

impl Literal {
    /// Parse a `flyteidl.core.Literal` object; `path` prefixes error locations.
    pub fn from_json(v: &Value, path: &str) -> R<Literal> {
        let mut f = Fields::new(v, path)?;
        f.ignore("hash");
        f.ignore("metadata");
        let l = match one_of(
            &mut f,
            &[
                ("scalar", "scalar"),
                ("collection", "collection"),
                ("map", "map"),
            ],
        )? {
            None => return fail(path, "a Literal needs one of scalar, collection, map"),
            Some((0, v, p)) => Literal::Scalar(Scalar::from_json(v, &p)?),
            Some((1, v, p)) => {
                let mut cf = Fields::new(v, &p)?;
                let items = match cf.get("literals", "literals")? {
                    Some((Value::Array(a), ap)) => a
                        .iter()
                        .enumerate()
                        .map(|(i, x)| Literal::from_json(x, &format!("{ap}[{i}]")))
                        .collect::<R<Vec<_>>>()?,
                    Some((other, ap)) => {
                        return fail(&ap, format!("expected an array, found {}", kind(other)));
                    }
                    None => Vec::new(),
                };
                cf.finish()?;
                Literal::Collection(items)
            }
            Some((_, v, p)) => Literal::Map(LiteralMap::from_json(v, &p)?),
        };
        f.finish()?;
        Ok(l)
    }

    /// Protobuf JSON of this literal.
    pub fn to_json(&self) -> Value {
        match self {
            Literal::Scalar(s) => obj([("scalar", s.to_json())]),
            Literal::Collection(items) => obj([(
                "collection",
                obj([(
                    "literals",
                    Value::Array(items.iter().map(Literal::to_json).collect()),
                )]),
            )]),
            Literal::Map(m) => obj([("map", m.to_json())]),
        }
    }
}

impl LiteralMap {
    /// Parse a `flyteidl.core.LiteralMap` object.
    pub fn from_json(v: &Value, path: &str) -> R<LiteralMap> {
        let mut f = Fields::new(v, path)?;
        let mut literals = BTreeMap::new();
        if let Some((m, mp)) = f.get("literals", "literals")? {
            let Value::Object(m) = m else {
                return fail(
                    &mp,
                    format!("expected an object of literals, found {}", kind(m)),
                );
            };
            for (k, x) in m {
                literals.insert(k.clone(), Literal::from_json(x, &join(&mp, k))?);
            }
        }
        f.finish()?;
        Ok(LiteralMap { literals })
    }

    /// Protobuf JSON of this map (`{}` when empty, as protojson prints an empty map).
    pub fn to_json(&self) -> Value {
        if self.literals.is_empty() {
            return Value::Object(Map::new());
        }
        let inner: Map<String, Value> = self
            .literals
            .iter()
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect();
        obj([("literals", Value::Object(inner))])
    }
}

const SIMPLE_NAMES: [&str; 10] = [
    "NONE", "INTEGER", "FLOAT", "STRING", "BOOLEAN", "DATETIME", "DURATION", "BINARY", "ERROR",
    "STRUCT",
];

impl LiteralType {
    /// Parse a `flyteidl.core.LiteralType` object (simple, blob, collectionType, mapValueType).
    pub fn from_json(v: &Value, path: &str) -> R<LiteralType> {
        let mut f = Fields::new(v, path)?;
        f.ignore("metadata");
        f.ignore("annotation");
        f.ignore("structure");
        let t = match one_of(
            &mut f,
            &[
                ("simple", "simple"),
                ("blob", "blob"),
                ("collectionType", "collection_type"),
                ("mapValueType", "map_value_type"),
                ("unionType", "union_type"),
                ("structuredDatasetType", "structured_dataset_type"),
            ],
        )? {
            None => {
                return fail(
                    path,
                    "a LiteralType needs one of simple, blob, collectionType, mapValueType, unionType, structuredDatasetType (other kinds are outside the raw protocol)",
                );
            }
            Some((0, v, p)) => {
                LiteralType::Simple(SimpleType::ALL[enum_value(v, &p, &SIMPLE_NAMES)?])
            }
            Some((1, v, p)) => LiteralType::Blob(BlobType::from_json(v, &p)?),
            Some((2, v, p)) => LiteralType::Collection(Box::new(LiteralType::from_json(v, &p)?)),
            Some((3, v, p)) => LiteralType::Map(Box::new(LiteralType::from_json(v, &p)?)),
            Some((4, v, p)) => {
                let mut uf = Fields::new(v, &p)?;
                let variants = match uf.get("variants", "variants")? {
                    Some((Value::Array(a), ap)) => a
                        .iter()
                        .enumerate()
                        .map(|(i, x)| LiteralType::from_json(x, &format!("{ap}[{i}]")))
                        .collect::<R<Vec<_>>>()?,
                    Some((other, ap)) => {
                        return fail(&ap, format!("expected an array, found {}", kind(other)));
                    }
                    None => Vec::new(),
                };
                uf.finish()?;
                LiteralType::Union(variants)
            }
            Some((_, v, _)) => {
                // Columns, format and the rest do not change what copilot does with it.
                let _ = v;
                LiteralType::StructuredDataset
            }
        };
        f.finish()?;
        Ok(t)
    }

    /// Protobuf JSON of this type.
    pub fn to_json(&self) -> Value {
        match self {
            LiteralType::Simple(s) => obj([("simple", Value::String(s.name().into()))]),
            LiteralType::Blob(b) => obj([("blob", b.to_json())]),
            LiteralType::Collection(t) => obj([("collectionType", t.to_json())]),
            LiteralType::Map(t) => obj([("mapValueType", t.to_json())]),
            LiteralType::Union(vs) => obj([(
                "unionType",
                obj([(
                    "variants",
                    Value::Array(vs.iter().map(LiteralType::to_json).collect()),
                )]),
            )]),
            LiteralType::StructuredDataset => {
                obj([("structuredDatasetType", Value::Object(Map::new()))])
            }
        }
    }

    /// Go's `%s` of the `*core.LiteralType` message (protobuf text, compact), as copilot prints
    /// it in "does not support [...]".
    pub fn proto_text(&self) -> String {
        match self {
            LiteralType::Simple(s) => format!("simple:{}", s.name()),
            LiteralType::Blob(b) => {
                let mut parts = Vec::new();
                if !b.format.is_empty() {
                    parts.push(format!("format:{:?}", b.format));
                }
                if b.dimensionality == Dimensionality::Multipart {
                    parts.push("dimensionality:MULTIPART".into());
                }
                format!("blob:{{{}}}", parts.join(" "))
            }
            LiteralType::Collection(t) => format!("collection_type:{{{}}}", t.proto_text()),
            LiteralType::Map(t) => format!("map_value_type:{{{}}}", t.proto_text()),
            LiteralType::Union(vs) => format!(
                "union_type:{{{}}}",
                vs.iter()
                    .map(|t| format!("variants:{{{}}}", t.proto_text()))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            LiteralType::StructuredDataset => "structured_dataset_type:{}".into(),
        }
    }
}

impl VariableMap {
    /// Parse a `flyteidl.core.VariableMap` object.
    pub fn from_json(v: &Value, path: &str) -> R<VariableMap> {
        let mut f = Fields::new(v, path)?;
        let mut variables = BTreeMap::new();
        if let Some((m, mp)) = f.get("variables", "variables")? {
            let Value::Object(m) = m else {
                return fail(
                    &mp,
                    format!("expected an object of variables, found {}", kind(m)),
                );
            };
            for (k, x) in m {
                let vp = join(&mp, k);
                let mut vf = Fields::new(x, &vp)?;
                vf.ignore("artifactPartialId");
                vf.ignore("artifact_partial_id");
                vf.ignore("artifactTag");
                vf.ignore("artifact_tag");
                let literal_type = match vf.get("type", "type")? {
                    Some((t, tp)) => LiteralType::from_json(t, &tp)?,
                    None => return fail(&vp, "a Variable needs a `type`"),
                };
                let description = vf.text("description", "description")?;
                vf.finish()?;
                variables.insert(
                    k.clone(),
                    Variable {
                        literal_type,
                        description,
                    },
                );
            }
        }
        f.finish()?;
        Ok(VariableMap { variables })
    }

    /// Protobuf JSON of this map.
    pub fn to_json(&self) -> Value {
        let inner: Map<String, Value> = self
            .variables
            .iter()
            .map(|(k, v)| {
                let mut m = Map::new();
                m.insert("type".into(), v.literal_type.to_json());
                if !v.description.is_empty() {
                    m.insert("description".into(), Value::String(v.description.clone()));
                }
                (k.clone(), Value::Object(m))
            })
            .collect();
        obj([("variables", Value::Object(inner))])
    }
}

impl TypedInterface {
    /// Parse a `flyteidl.core.TypedInterface` object.
    pub fn from_json(v: &Value, path: &str) -> R<TypedInterface> {
        let mut f = Fields::new(v, path)?;
        let inputs = f
            .get("inputs", "inputs")?
            .map(|(v, p)| VariableMap::from_json(v, &p))
            .transpose()?
            .unwrap_or_default();
        let outputs = f
            .get("outputs", "outputs")?
            .map(|(v, p)| VariableMap::from_json(v, &p))
            .transpose()?
            .unwrap_or_default();
        f.finish()?;
        Ok(TypedInterface { inputs, outputs })
    }

    /// Protobuf JSON of this interface.
    pub fn to_json(&self) -> Value {
        obj([
            ("inputs", self.inputs.to_json()),
            ("outputs", self.outputs.to_json()),
        ])
    }
}

impl ContainerError {
    /// Parse a `flyteidl.core.ContainerError` object.
    pub fn from_json(v: &Value, path: &str) -> R<ContainerError> {
        let mut f = Fields::new(v, path)?;
        f.ignore("timestamp");
        f.ignore("worker");
        let code = f.text("code", "code")?;
        let message = f.text("message", "message")?;
        let kind = match f.get("kind", "kind")? {
            Some((v, p)) => [ErrorKind::NonRecoverable, ErrorKind::Recoverable]
                [enum_value(v, &p, &["NON_RECOVERABLE", "RECOVERABLE"])?],
            None => ErrorKind::NonRecoverable,
        };
        let origin = match f.get("origin", "origin")? {
            Some((v, p)) => [ErrorOrigin::Unknown, ErrorOrigin::User, ErrorOrigin::System]
                [enum_value(v, &p, &["UNKNOWN", "USER", "SYSTEM"])?],
            None => ErrorOrigin::Unknown,
        };
        f.finish()?;
        Ok(ContainerError {
            code,
            message,
            kind,
            origin,
        })
    }

    /// Protobuf JSON of this error (zero-valued fields omitted, as protojson does).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        if !self.code.is_empty() {
            m.insert("code".into(), Value::String(self.code.clone()));
        }
        if !self.message.is_empty() {
            m.insert("message".into(), Value::String(self.message.clone()));
        }
        if self.kind == ErrorKind::Recoverable {
            m.insert("kind".into(), Value::String("RECOVERABLE".into()));
        }
        match self.origin {
            ErrorOrigin::Unknown => {}
            ErrorOrigin::User => {
                m.insert("origin".into(), Value::String("USER".into()));
            }
            ErrorOrigin::System => {
                m.insert("origin".into(), Value::String("SYSTEM".into()));
            }
        }
        Value::Object(m)
    }
}

impl ErrorDocument {
    /// Parse a `flyteidl.core.ErrorDocument` object.
    pub fn from_json(v: &Value, path: &str) -> R<ErrorDocument> {
        let mut f = Fields::new(v, path)?;
        let error = f
            .get("error", "error")?
            .map(|(v, p)| ContainerError::from_json(v, &p))
            .transpose()?
            .unwrap_or_default();
        f.finish()?;
        Ok(ErrorDocument { error })
    }

    /// Protobuf JSON of this document.
    pub fn to_json(&self) -> Value {
        obj([("error", self.error.to_json())])
    }
}

/// Serialize a JSON value with doubles exactly as [`float_to_json`] spelled them.
///
/// Why not plain `serde_json::to_string`: serde_json prints `3.0` for the double 3, while
/// protojson (Go) prints `3`. Re-emitting every float with Go's spelling keeps our JSON textually
/// equal to what a Go implementation of the protocol prints.
pub fn to_go_json(v: &Value) -> String {
    to_json_with(v, &go_float)
}

/// Serialize a JSON value, spelling every double with `float` — the one JSON writer behind
/// [`to_go_json`] and any variant that must spell some doubles differently (the adapter
/// request keeps the sign of negative zero).
pub fn to_json_with(v: &Value, float: &dyn Fn(f64) -> String) -> String {
    let mut out = String::new();
    write_value(v, &mut out, float);
    out
}

/// Go's spelling of a JSON double ([`format_json`]; non-finite values, which JSON cannot hold,
/// fall back to `%v`).
pub fn go_float(x: f64) -> String {
    format_json(x).unwrap_or_else(|_| format_v(x))
}

fn write_value(v: &Value, out: &mut String, float: &dyn Fn(f64) -> String) {
    match v {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(x) => out.push_str(&float(x)),
            None => out.push_str(&n.to_string()),
        },
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(x, out, float);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_value(x, out, float);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}
