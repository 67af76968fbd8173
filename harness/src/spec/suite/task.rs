//! A suite file's task tables: the suite's `[task]` and each case's `[case.task]` override,
//! resolved into a [`TaskSpec`]; the type names a suite file may use; input values converted
//! from TOML to literals.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::blob::BlobContext;
use super::execution::TaskMeta;
use super::{TaskSpec, parse_timeout};
use crate::protocol::inputs::InputFormat;
use crate::protocol::literal::{
    Binary, BlobType, Dimensionality, Duration, Literal, LiteralMap, LiteralType, Primitive,
    Scalar, SimpleType, Timestamp, TypedInterface, Union, Variable, VariableMap,
};

/// A case's `[case.task]`: every field optional, replacing the suite's.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTaskOverride {
    pub(super) inputs: Option<BTreeMap<String, String>>,
    pub(super) outputs: Option<BTreeMap<String, String>>,
    pub(super) input_data_dir: Option<String>,
    pub(super) output_data_dir: Option<String>,
    pub(super) timeout: Option<String>,
    pub(super) command: Option<Vec<String>>,
    pub(super) args: Option<Vec<String>>,
    pub(super) env: Option<BTreeMap<String, String>>,
    pub(super) format: Option<String>,
    /// `TaskMetadata.retries.retries`.
    pub(super) retries: Option<u32>,
    /// `TaskMetadata.discoverable`.
    pub(super) cache: Option<bool>,
    /// `TaskMetadata.discovery_version`.
    pub(super) cache_version: Option<String>,
}

/// Resolves a task table: `o`'s parts over `base` (the suite's task), or `o` alone (which
/// must then name every required part). `field` names the table in error messages.
pub(super) fn resolve_task(
    o: &RawTaskOverride,
    base: Option<&TaskSpec>,
    field: &str,
    doc: &crate::spec::tomlerr::Doc<'_>,
) -> std::result::Result<TaskSpec, String> {
    let at = |part: &str| doc.at(&format!("{field}.{part}"));
    let missing = |part: &str| format!("{}field `{field}.{part}` is missing", doc.at(field));
    let located = |part: &str, e: String| format!("{}{e}", at(part));
    let inputs = match &o.inputs {
        Some(m) => variables(m, &format!("{field}.inputs")).map_err(|e| located("inputs", e))?,
        None => base
            .ok_or_else(|| missing("inputs"))?
            .interface
            .inputs
            .clone(),
    };
    let outputs = match &o.outputs {
        Some(m) => variables(m, &format!("{field}.outputs")).map_err(|e| located("outputs", e))?,
        None => base
            .ok_or_else(|| missing("outputs"))?
            .interface
            .outputs
            .clone(),
    };
    let timeout = match &o.timeout {
        Some(t) => parse_timeout(t).ok_or_else(|| {
            format!(
                "{}field `{field}.timeout`: expected a duration such as `60s`, `2m`, `500ms` or `1h`, found `{t}`",
                at("timeout")
            )
        })?,
        None => base.ok_or_else(|| missing("timeout"))?.timeout,
    };
    let format = match &o.format {
        Some(f) => f
            .parse::<InputFormat>()
            .map_err(|e| format!("{}field `{field}.format`: {e}", at("format")))?,
        None => base.map(|b| b.format).unwrap_or_default(),
    };
    let pick = |own: &Option<String>, from: fn(&TaskSpec) -> &String, part: &str| {
        own.clone()
            .or_else(|| base.map(|b| from(b).clone()))
            .ok_or_else(|| missing(part))
    };
    if let Some(cmd) = &o.command
        && (cmd.is_empty() || cmd[0].is_empty())
    {
        return Err(format!(
            "{}field `{field}.command`: expected a non-empty list whose first element is the program",
            at("command")
        ));
    }
    let base_meta = base.map(|b| b.meta.clone()).unwrap_or_default();
    let cache = o.cache.unwrap_or(base_meta.cache_version.is_some());
    let cache_version = o.cache_version.clone().or(base_meta.cache_version.clone());
    let cache_version = match (cache, cache_version) {
        (false, _) => None,
        (true, Some(v)) if !v.is_empty() => Some(v),
        (true, _) => {
            // flytekit refuses `cache=True` without a version too (base_task.py).
            return Err(format!(
                "{}field `{field}.cache_version`: a cached task (`cache = true`) needs a non-empty `cache_version`",
                at("cache")
            ));
        }
    };
    let meta = TaskMeta {
        retries: o.retries.unwrap_or(base_meta.retries),
        cache_version,
    };
    Ok(TaskSpec {
        meta,
        interface: TypedInterface { inputs, outputs },
        command: o
            .command
            .clone()
            .or_else(|| base.and_then(|b| b.command.clone())),
        args: o
            .args
            .clone()
            .or_else(|| base.map(|b| b.args.clone()))
            .unwrap_or_default(),
        env: match &o.env {
            Some(e) => e.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            None => base.map(|b| b.env.clone()).unwrap_or_default(),
        },
        format,
        input_data_dir: pick(&o.input_data_dir, |b| &b.input_data_dir, "input_data_dir")?,
        output_data_dir: pick(
            &o.output_data_dir,
            |b| &b.output_data_dir,
            "output_data_dir",
        )?,
        timeout,
    })
}

/// A type name of a suite file: the simple types rawconf models; `LIST<T>` and `MAP<T>` of any
/// of them (nested: `LIST<LIST<INTEGER>>`, a map's keys are strings); the two blob shapes (a
/// file, a directory), as inputs and outputs (an output list or map is declared so that
/// copilot's refusal can be judged).
pub(super) fn parse_type(ty: &str) -> Option<LiteralType> {
    let ty = ty.trim();
    let inner = |prefix: &str| {
        ty.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix('>'))
            .and_then(parse_type)
            .map(Box::new)
    };
    if let Some(t) = inner("LIST<") {
        return Some(LiteralType::Collection(t));
    }
    if let Some(t) = inner("MAP<") {
        return Some(LiteralType::Map(t));
    }
    if let Some(rest) = ty.strip_prefix("UNION<").and_then(|r| r.strip_suffix('>')) {
        let variants = split_top_level(rest)
            .into_iter()
            .map(parse_type)
            .collect::<Option<Vec<_>>>()?;
        return (variants.len() >= 2).then_some(LiteralType::Union(variants));
    }
    let blob = |dimensionality| {
        LiteralType::Blob(BlobType {
            format: String::new(),
            dimensionality,
        })
    };
    match ty {
        "BLOB" => Some(blob(Dimensionality::Single)),
        "MULTIPART_BLOB" => Some(blob(Dimensionality::Multipart)),
        "STRUCTURED_DATASET" => Some(LiteralType::StructuredDataset),
        _ => SimpleType::ALL
            .into_iter()
            .find(|t| t.name() == ty)
            .map(LiteralType::Simple),
    }
}

/// `A, LIST<B>, MAP<UNION<C, D>>` split at the commas outside any `<…>`.
fn split_top_level(s: &str) -> Vec<&str> {
    let (mut depth, mut start, mut out) = (0usize, 0usize, Vec::new());
    for (i, c) in s.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// How a suite file spells a type (the inverse of [`parse_type`]), for messages.
pub(super) fn type_name(t: &LiteralType) -> String {
    match t {
        LiteralType::Simple(s) => s.name().to_owned(),
        LiteralType::Blob(b) if b.dimensionality == Dimensionality::Multipart => {
            "MULTIPART_BLOB".into()
        }
        LiteralType::Blob(_) => "BLOB".into(),
        LiteralType::Collection(t) => format!("LIST<{}>", type_name(t)),
        LiteralType::Map(t) => format!("MAP<{}>", type_name(t)),
        LiteralType::Union(vs) => format!(
            "UNION<{}>",
            vs.iter().map(type_name).collect::<Vec<_>>().join(", ")
        ),
        LiteralType::StructuredDataset => "STRUCTURED_DATASET".into(),
    }
}

/// Every type a suite can declare, as its messages list them.
pub(super) const TYPES: &str = "INTEGER, FLOAT, STRING, BOOLEAN, DATETIME, DURATION, NONE, STRUCT, BINARY, ERROR, BLOB, MULTIPART_BLOB, STRUCTURED_DATASET, LIST<T>, MAP<T> or UNION<T1, T2, …>";

pub(super) fn variables(
    raw: &BTreeMap<String, String>,
    field: &str,
) -> std::result::Result<VariableMap, String> {
    let variables = raw
        .iter()
        .map(|(name, ty)| {
            parse_type(ty)
                .map(|literal_type| {
                    (
                        name.clone(),
                        Variable {
                            literal_type,
                            description: String::new(),
                        },
                    )
                })
                .ok_or_else(|| format!("field `{field}.{name}`: expected {TYPES}, found `{ty}`"))
        })
        .collect::<std::result::Result<_, _>>()?;
    Ok(VariableMap { variables })
}

/// A suite value as a literal of type `ty`: a TOML array for `LIST<T>`, a table for `MAP<T>`
/// (any key, including `/`, `.` and the empty string), a blob table for `BLOB` /
/// `MULTIPART_BLOB` (see [`super::blob`]), `{ none = true }` for `NONE`, `{ error = "…" }` for
/// `ERROR`, scalars as their simple type says. `Err(None)`: the value is not of the type at all;
/// `Err(Some(why))`: it is, but malformed (a missing fixture).
pub(super) fn convert(
    ty: &LiteralType,
    v: &toml::Value,
    ctx: &mut BlobContext<'_>,
) -> std::result::Result<Literal, Option<String>> {
    let ty = match (ty, v) {
        (LiteralType::Collection(t), toml::Value::Array(items)) => {
            return items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    convert(t, item, ctx).map_err(|e| e.map(|e| format!("[{i}]: {e}")))
                })
                .collect::<std::result::Result<Vec<_>, _>>()
                .map(Literal::Collection);
        }
        (LiteralType::Map(t), toml::Value::Table(m)) => {
            return m
                .iter()
                .map(|(k, i)| {
                    convert(t, i, ctx)
                        .map(|l| (k.clone(), l))
                        .map_err(|e| e.map(|e| format!("[{k:?}]: {e}")))
                })
                .collect::<std::result::Result<BTreeMap<_, _>, _>>()
                .map(|literals| Literal::Map(LiteralMap { literals }));
        }
        (LiteralType::Blob(b), toml::Value::Table(_)) => {
            return super::blob::convert_blob(b, v, ctx).map_err(Some);
        }
        // `NONE` has one value, spelled `{ none = true }` (TOML has no null).
        (LiteralType::Simple(SimpleType::None), toml::Value::Table(t)) => {
            return match t.get("none") {
                Some(toml::Value::Boolean(true)) if t.len() == 1 => {
                    Ok(Literal::Scalar(crate::protocol::literal::Scalar::NoneType))
                }
                _ => Err(Some(
                    "a NONE value is written `{ none = true }`".to_string(),
                )),
            };
        }
        (LiteralType::Simple(SimpleType::Struct), toml::Value::Table(t)) => {
            return match (t.get("struct"), t.len()) {
                (Some(toml::Value::Table(m)), 1) => {
                    let fields = m
                        .iter()
                        .map(|(k, x)| {
                            Ok((
                                k.clone(),
                                toml_to_json(x).map_err(|e| format!("struct.{k}: {e}"))?,
                            ))
                        })
                        .collect::<std::result::Result<serde_json::Map<_, _>, String>>()
                        .map_err(Some)?;
                    Ok(Literal::Scalar(Scalar::Generic(fields)))
                }
                _ => Err(Some(
                    "a STRUCT value is written `{ struct = { <key> = <value>, … } }`".to_string(),
                )),
            };
        }
        (LiteralType::Simple(SimpleType::Error), toml::Value::Table(t)) => {
            return match (t.get("error"), t.len()) {
                (Some(toml::Value::String(message)), 1) => Ok(Literal::Scalar(Scalar::Error(
                    crate::protocol::literal::NodeError {
                        failed_node_id: String::new(),
                        message: message.clone(),
                    },
                ))),
                _ => Err(Some(
                    "an ERROR value is written `{ error = \"<message>\" }`".to_string(),
                )),
            };
        }
        (LiteralType::Simple(SimpleType::Binary), toml::Value::Table(t)) => {
            return binary_value(t)
                .map(|b| Literal::Scalar(Scalar::Binary(b)))
                .map_err(Some);
        }
        (LiteralType::StructuredDataset, toml::Value::Table(t)) => {
            return match (t.get("uri"), t.len()) {
                (Some(toml::Value::String(uri)), 1) => {
                    Ok(Literal::Scalar(Scalar::StructuredDataset(uri.clone())))
                }
                _ => Err(Some(
                    "a STRUCTURED_DATASET value is written `{ uri = \"<uri>\" }`".to_string(),
                )),
            };
        }
        // A union value is the first variant, in declaration order, that the value converts to.
        (LiteralType::Union(variants), _) => {
            let mut why = Vec::new();
            for variant in variants {
                match convert(variant, v, ctx) {
                    Ok(value) => {
                        return Ok(Literal::Scalar(Scalar::Union(Box::new(Union {
                            value,
                            variant: variant.clone(),
                        }))));
                    }
                    Err(Some(e)) => why.push(format!("as {}: {e}", type_name(variant))),
                    Err(None) => {}
                }
            }
            return Err(if why.is_empty() {
                None
            } else {
                Some(why.join("; "))
            });
        }
        (LiteralType::Simple(t), _) => t,
        _ => return Err(None),
    };
    let p = match (ty, v) {
        (SimpleType::Float, toml::Value::Float(f)) => Primitive::Float(*f),
        (SimpleType::Float, toml::Value::Integer(i)) => Primitive::Float(*i as f64),
        (SimpleType::Integer, toml::Value::Integer(i)) => Primitive::Integer(*i),
        (SimpleType::String, toml::Value::String(s)) => Primitive::String(s.clone()),
        (SimpleType::Boolean, toml::Value::Boolean(b)) => Primitive::Boolean(*b),
        (SimpleType::Datetime, toml::Value::String(s)) => {
            let (seconds, nanos) =
                crate::protocol::goformat::parse_rfc3339(s.as_bytes()).map_err(|_| None)?;
            Primitive::Datetime(Timestamp { seconds, nanos })
        }
        (SimpleType::Duration, toml::Value::String(s)) => {
            let n = crate::protocol::goformat::parse_go_duration(s.as_bytes()).map_err(|_| None)?;
            let (seconds, nanos) = crate::protocol::goformat::go_nanos_to_duration(n);
            Primitive::Duration(Duration { seconds, nanos })
        }
        _ => return Err(None),
    };
    Ok(Literal::primitive(p))
}

/// A TOML value as the JSON a `google.protobuf.Struct` holds: numbers become doubles, and
/// what JSON cannot hold (a datetime, NaN, ±inf) is refused.
fn toml_to_json(v: &toml::Value) -> std::result::Result<serde_json::Value, String> {
    use serde_json::Value as J;
    Ok(match v {
        toml::Value::String(s) => J::String(s.clone()),
        toml::Value::Integer(i) => serde_json::Number::from_f64(*i as f64)
            .map(J::Number)
            .ok_or("an integer a double cannot hold")?,
        toml::Value::Float(x) => serde_json::Number::from_f64(*x)
            .map(J::Number)
            .ok_or_else(|| format!("{x} is not a JSON number (a Struct holds finite doubles)"))?,
        toml::Value::Boolean(b) => J::Bool(*b),
        toml::Value::Datetime(d) => {
            return Err(format!(
                "{d}: a TOML datetime has no JSON form (write it as a string)"
            ));
        }
        toml::Value::Array(a) => J::Array(
            a.iter()
                .enumerate()
                .map(|(i, x)| toml_to_json(x).map_err(|e| format!("[{i}]: {e}")))
                .collect::<std::result::Result<_, _>>()?,
        ),
        toml::Value::Table(t)
            if t.len() == 1 && t.get("null") == Some(&toml::Value::Boolean(true)) =>
        {
            J::Null
        }
        toml::Value::Table(t) => J::Object(
            t.iter()
                .map(|(k, x)| Ok((k.clone(), toml_to_json(x).map_err(|e| format!("{k}: {e}"))?)))
                .collect::<std::result::Result<_, String>>()?,
        ),
    })
}

/// A TOML value as msgpack: integers and floats as themselves, tables as maps with string keys.
fn toml_to_msgpack(v: &toml::Value) -> std::result::Result<rmpv::Value, String> {
    use rmpv::Value as M;
    Ok(match v {
        toml::Value::String(s) => M::from(s.as_str()),
        toml::Value::Integer(i) => M::from(*i),
        toml::Value::Float(x) => M::F64(*x),
        toml::Value::Boolean(b) => M::Boolean(*b),
        toml::Value::Datetime(d) => {
            return Err(format!("{d}: a TOML datetime has no msgpack form here"));
        }
        toml::Value::Array(a) => M::Array(
            a.iter()
                .enumerate()
                .map(|(i, x)| toml_to_msgpack(x).map_err(|e| format!("[{i}]: {e}")))
                .collect::<std::result::Result<_, _>>()?,
        ),
        toml::Value::Table(t)
            if t.len() == 1 && t.get("null") == Some(&toml::Value::Boolean(true)) =>
        {
            M::Nil
        }
        toml::Value::Table(t) => M::Map(
            t.iter()
                .map(|(k, x)| {
                    Ok((
                        M::from(k.as_str()),
                        toml_to_msgpack(x).map_err(|e| format!("{k}: {e}"))?,
                    ))
                })
                .collect::<std::result::Result<_, String>>()?,
        ),
    })
}

/// `{ msgpack = <value> }` (encoded here, tag `msgpack`) or `{ binary = "<base64>", tag = "<tag>" }`.
fn binary_value(t: &toml::Table) -> std::result::Result<Binary, String> {
    use base64::Engine as _;
    const SYNTAX: &str = "a BINARY value is written `{ msgpack = <value> }` or `{ binary = \"<base64>\", tag = \"<tag>\" }`";
    match (t.get("msgpack"), t.get("binary"), t.get("tag"), t.len()) {
        (Some(v), None, None, 1) => Ok(Binary {
            value: crate::protocol::msgpack::encode(
                &toml_to_msgpack(v).map_err(|e| format!("msgpack: {e}"))?,
            ),
            tag: "msgpack".into(),
        }),
        (None, Some(toml::Value::String(b)), Some(toml::Value::String(tag)), 2) => Ok(Binary {
            value: base64::engine::general_purpose::STANDARD
                .decode(b)
                .map_err(|e| format!("binary: expected standard base64, {e}"))?,
            tag: tag.clone(),
        }),
        _ => Err(SYNTAX.into()),
    }
}
