//! Binary protobuf encoding of a [`LiteralMap`] — the `inputs.pb` copilot writes next to the
//! input files.
//!
//! Hand-written `prost` message structs for just the messages involved, with the field numbers
//! of `flyteidl/core/literals.proto` and `types.proto` (Primitive: integer=1, float_value=2,
//! string_value=3, boolean=4, datetime=5, duration=6; Scalar: primitive=1, blob=2, none_type=5, error=6;
//! Blob: metadata=1, uri=3; Scalar also binary=3, generic=7, structured_dataset=8, union=9;
//! Binary: value=1, tag=2; Error: failed_node_id=1, message=2; Union: value=1, type=2; google.protobuf.Struct: fields=1, Value:
//! null_value=1 … list_value=6; LiteralType: simple=1, collection_type=3, map_value_type=4,
//! blob=5, structured_dataset_type=8, union_type=10; BlobMetadata: type=1; BlobType: format=1, dimensionality=2;
//! Literal: scalar=1, collection=2, map=3; LiteralCollection: literals=1; LiteralMap:
//! literals=1; google.protobuf.Timestamp/Duration: seconds=1, nanos=2). Maps are encoded in
//! key order so the bytes are deterministic (Go's are not; any order decodes the same).

use std::collections::BTreeMap;

use prost::Message;

use super::model::*;

#[derive(Clone, PartialEq, Message)]
struct PbSecondsNanos {
    #[prost(int64, tag = "1")]
    seconds: i64,
    #[prost(int32, tag = "2")]
    nanos: i32,
}

#[derive(Clone, PartialEq, prost::Oneof)]
enum PbPrimitiveValue {
    #[prost(int64, tag = "1")]
    Integer(i64),
    #[prost(double, tag = "2")]
    FloatValue(f64),
    #[prost(string, tag = "3")]
    StringValue(String),
    #[prost(bool, tag = "4")]
    Boolean(bool),
    #[prost(message, tag = "5")]
    Datetime(PbSecondsNanos),
    #[prost(message, tag = "6")]
    Duration(PbSecondsNanos),
}

#[derive(Clone, PartialEq, Message)]
struct PbPrimitive {
    #[prost(oneof = "PbPrimitiveValue", tags = "1, 2, 3, 4, 5, 6")]
    value: Option<PbPrimitiveValue>,
}

#[derive(Clone, PartialEq, Message)]
struct PbBlobType {
    #[prost(string, tag = "1")]
    format: String,
    #[prost(int32, tag = "2")]
    dimensionality: i32,
}

#[derive(Clone, PartialEq, Message)]
struct PbBlobMetadata {
    #[prost(message, optional, tag = "1")]
    r#type: Option<PbBlobType>,
}

#[derive(Clone, PartialEq, Message)]
struct PbBlob {
    #[prost(message, optional, tag = "1")]
    metadata: Option<PbBlobMetadata>,
    #[prost(string, tag = "3")]
    uri: String,
}

#[derive(Clone, PartialEq, Message)]
struct PbVoid {}

#[derive(Clone, PartialEq, Message)]
struct PbBinary {
    #[prost(bytes = "vec", tag = "1")]
    value: Vec<u8>,
    #[prost(string, tag = "2")]
    tag: String,
}

/// `google.protobuf.Value`.
#[derive(Clone, PartialEq, prost::Oneof)]
enum PbKind {
    #[prost(enumeration = "PbNullValue", tag = "1")]
    Null(i32),
    #[prost(double, tag = "2")]
    Number(f64),
    #[prost(string, tag = "3")]
    Str(String),
    #[prost(bool, tag = "4")]
    Bool(bool),
    #[prost(message, tag = "5")]
    Struct(PbStruct),
    #[prost(message, tag = "6")]
    List(PbListValue),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
enum PbNullValue {
    NullValue = 0,
}

#[derive(Clone, PartialEq, Message)]
struct PbValue {
    #[prost(oneof = "PbKind", tags = "1, 2, 3, 4, 5, 6")]
    kind: Option<PbKind>,
}

#[derive(Clone, PartialEq, Message)]
struct PbListValue {
    #[prost(message, repeated, tag = "1")]
    values: Vec<PbValue>,
}

/// `google.protobuf.Struct`.
#[derive(Clone, PartialEq, Message)]
struct PbStruct {
    #[prost(btree_map = "string, message", tag = "1")]
    fields: BTreeMap<String, PbValue>,
}

/// `flyteidl.core.Error` (types.proto): failed_node_id=1, message=2.
#[derive(Clone, PartialEq, Message)]
struct PbError {
    #[prost(string, tag = "1")]
    failed_node_id: String,
    #[prost(string, tag = "2")]
    message: String,
}

#[derive(Clone, PartialEq, Message)]
struct PbStructuredDataset {
    #[prost(string, tag = "1")]
    uri: String,
}

/// `flyteidl.core.LiteralType` as plain optional fields (one is set, so the bytes are a oneof's).
#[derive(Clone, PartialEq, Message)]
struct PbLiteralType {
    #[prost(int32, optional, tag = "1")]
    simple: Option<i32>,
    #[prost(message, optional, boxed, tag = "3")]
    collection_type: Option<Box<PbLiteralType>>,
    #[prost(message, optional, boxed, tag = "4")]
    map_value_type: Option<Box<PbLiteralType>>,
    #[prost(message, optional, tag = "5")]
    blob: Option<PbBlobType>,
    #[prost(message, optional, tag = "8")]
    structured_dataset_type: Option<PbVoid>,
    #[prost(message, optional, tag = "10")]
    union_type: Option<PbUnionType>,
}

#[derive(Clone, PartialEq, Message)]
struct PbUnionType {
    #[prost(message, repeated, tag = "1")]
    variants: Vec<PbLiteralType>,
}

#[derive(Clone, PartialEq, Message)]
struct PbUnion {
    #[prost(message, optional, boxed, tag = "1")]
    value: Option<Box<PbLiteral>>,
    #[prost(message, optional, tag = "2")]
    r#type: Option<PbLiteralType>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
enum PbScalarValue {
    #[prost(message, tag = "1")]
    Primitive(PbPrimitive),
    #[prost(message, tag = "2")]
    Blob(PbBlob),
    #[prost(message, tag = "3")]
    Binary(PbBinary),
    #[prost(message, tag = "5")]
    NoneType(PbVoid),
    #[prost(message, tag = "6")]
    Error(PbError),
    #[prost(message, tag = "7")]
    Generic(PbStruct),
    #[prost(message, tag = "8")]
    StructuredDataset(PbStructuredDataset),
    #[prost(message, tag = "9")]
    Union(PbUnion),
}

#[derive(Clone, PartialEq, Message)]
struct PbScalar {
    #[prost(oneof = "PbScalarValue", tags = "1, 2, 3, 5, 7, 8, 9")]
    value: Option<PbScalarValue>,
}

#[derive(Clone, PartialEq, Message)]
struct PbLiteralCollection {
    #[prost(message, repeated, tag = "1")]
    literals: Vec<PbLiteral>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
enum PbLiteralValue {
    #[prost(message, tag = "1")]
    Scalar(PbScalar),
    #[prost(message, tag = "2")]
    Collection(PbLiteralCollection),
    #[prost(message, tag = "3")]
    Map(PbLiteralMap),
}

#[derive(Clone, PartialEq, Message)]
struct PbLiteral {
    #[prost(oneof = "PbLiteralValue", tags = "1, 2, 3")]
    value: Option<PbLiteralValue>,
}

#[derive(Clone, PartialEq, Message)]
struct PbLiteralMap {
    #[prost(btree_map = "string, message", tag = "1")]
    literals: BTreeMap<String, PbLiteral>,
}

fn primitive(p: &Primitive) -> PbPrimitive {
    let value = match p {
        Primitive::Integer(i) => PbPrimitiveValue::Integer(*i),
        Primitive::Float(x) => PbPrimitiveValue::FloatValue(*x),
        Primitive::String(s) => PbPrimitiveValue::StringValue(s.clone()),
        Primitive::Boolean(b) => PbPrimitiveValue::Boolean(*b),
        Primitive::Datetime(t) => PbPrimitiveValue::Datetime(PbSecondsNanos {
            seconds: t.seconds,
            nanos: t.nanos,
        }),
        Primitive::Duration(d) => PbPrimitiveValue::Duration(PbSecondsNanos {
            seconds: d.seconds,
            nanos: d.nanos,
        }),
    };
    PbPrimitive { value: Some(value) }
}

fn literal(l: &Literal) -> PbLiteral {
    let value = match l {
        Literal::Scalar(Scalar::Primitive(p)) => PbLiteralValue::Scalar(PbScalar {
            value: Some(PbScalarValue::Primitive(primitive(p))),
        }),
        Literal::Scalar(Scalar::Blob(b)) => PbLiteralValue::Scalar(PbScalar {
            value: Some(PbScalarValue::Blob(PbBlob {
                metadata: Some(PbBlobMetadata {
                    r#type: Some(PbBlobType {
                        format: b.blob_type.format.clone(),
                        dimensionality: b.blob_type.dimensionality as i32,
                    }),
                }),
                uri: b.uri.clone(),
            })),
        }),
        Literal::Scalar(Scalar::NoneType) => PbLiteralValue::Scalar(PbScalar {
            value: Some(PbScalarValue::NoneType(PbVoid {})),
        }),
        Literal::Scalar(Scalar::Generic(m)) => PbLiteralValue::Scalar(PbScalar {
            value: Some(PbScalarValue::Generic(pb_struct(m))),
        }),
        Literal::Scalar(Scalar::Binary(b)) => PbLiteralValue::Scalar(PbScalar {
            value: Some(PbScalarValue::Binary(PbBinary {
                value: b.value.clone(),
                tag: b.tag.clone(),
            })),
        }),
        Literal::Scalar(Scalar::StructuredDataset(uri)) => PbLiteralValue::Scalar(PbScalar {
            value: Some(PbScalarValue::StructuredDataset(PbStructuredDataset {
                uri: uri.clone(),
            })),
        }),
        Literal::Scalar(Scalar::Error(e)) => PbLiteralValue::Scalar(PbScalar {
            value: Some(PbScalarValue::Error(PbError {
                failed_node_id: e.failed_node_id.clone(),
                message: e.message.clone(),
            })),
        }),
        Literal::Scalar(Scalar::Union(u)) => PbLiteralValue::Scalar(PbScalar {
            value: Some(PbScalarValue::Union(PbUnion {
                value: Some(Box::new(literal(&u.value))),
                r#type: Some(literal_type(&u.variant)),
            })),
        }),
        Literal::Collection(items) => PbLiteralValue::Collection(PbLiteralCollection {
            literals: items.iter().map(literal).collect(),
        }),
        Literal::Map(m) => PbLiteralValue::Map(literal_map(m)),
    };
    PbLiteral { value: Some(value) }
}

fn pb_struct(m: &serde_json::Map<String, serde_json::Value>) -> PbStruct {
    PbStruct {
        fields: m.iter().map(|(k, v)| (k.clone(), pb_value(v))).collect(),
    }
}

fn pb_value(v: &serde_json::Value) -> PbValue {
    use serde_json::Value as J;
    let kind = match v {
        J::Null => PbKind::Null(PbNullValue::NullValue as i32),
        J::Bool(b) => PbKind::Bool(*b),
        J::Number(n) => PbKind::Number(n.as_f64().unwrap_or(f64::NAN)),
        J::String(s) => PbKind::Str(s.clone()),
        J::Array(a) => PbKind::List(PbListValue {
            values: a.iter().map(pb_value).collect(),
        }),
        J::Object(m) => PbKind::Struct(pb_struct(m)),
    };
    PbValue { kind: Some(kind) }
}

fn literal_type(t: &LiteralType) -> PbLiteralType {
    let mut out = PbLiteralType::default();
    match t {
        LiteralType::Simple(s) => out.simple = Some(*s as i32),
        LiteralType::Blob(b) => {
            out.blob = Some(PbBlobType {
                format: b.format.clone(),
                dimensionality: b.dimensionality as i32,
            })
        }
        LiteralType::Collection(t) => out.collection_type = Some(Box::new(literal_type(t))),
        LiteralType::Map(t) => out.map_value_type = Some(Box::new(literal_type(t))),
        LiteralType::Union(vs) => {
            out.union_type = Some(PbUnionType {
                variants: vs.iter().map(literal_type).collect(),
            })
        }
        LiteralType::StructuredDataset => out.structured_dataset_type = Some(PbVoid {}),
    }
    out
}

fn literal_map(m: &LiteralMap) -> PbLiteralMap {
    PbLiteralMap {
        literals: m
            .literals
            .iter()
            .map(|(k, v)| (k.clone(), literal(v)))
            .collect(),
    }
}

impl LiteralMap {
    /// The binary protobuf encoding of this `flyteidl.core.LiteralMap`.
    pub fn encode_protobuf(&self) -> Vec<u8> {
        literal_map(self).encode_to_vec()
    }
}

/// `inputs.pb` judged as the `LiteralMap` it encodes, not as bytes: decoded and encoded again in
/// rawconf's one spelling (fields in number order, map entries in key order, every NaN the
/// quiet NaN `0x7FF8000000000000`). `None` when the bytes do not decode, or carry anything the
/// decoded message does not (unknown or repeated fields, overlong varints, explicit defaults:
/// the re-encoding would be shorter) — those are judged byte for byte and fail.
///
/// Why: copilot writes the file with Go's `proto.Marshal`, which is not deterministic — with two
/// or more inputs the map entries come in a different order run to run — and a request in
/// protobuf JSON carries a NaN only as `"NaN"`, whose payload each decoder chooses (Go's
/// `math.NaN()` is `0x7FF8000000000001`, Python's and Rust's `0x7FF8000000000000`). Neither is
/// fixed by the protocol, so neither may decide a verdict.
pub fn canonical_literal_map(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut m = PbLiteralMap::decode(bytes).ok()?;
    if m.encoded_len() != bytes.len() {
        return None;
    }
    m.literals.values_mut().for_each(quiet_nans);
    Some(m.encode_to_vec())
}

fn quiet_nans(l: &mut PbLiteral) {
    match &mut l.value {
        Some(PbLiteralValue::Scalar(PbScalar {
            value:
                Some(PbScalarValue::Primitive(PbPrimitive {
                    value: Some(PbPrimitiveValue::FloatValue(x)),
                })),
        })) if x.is_nan() => *x = f64::NAN,
        Some(PbLiteralValue::Collection(c)) => c.literals.iter_mut().for_each(quiet_nans),
        Some(PbLiteralValue::Map(m)) => m.literals.values_mut().for_each(quiet_nans),
        _ => {}
    }
}

#[cfg(test)]
mod canonical_tests {
    use super::*;

    /// One map entry (field 1 of `LiteralMap`) as Go would write it.
    fn entry(key: &str, value: &PbLiteral) -> Vec<u8> {
        let mut e = Vec::new();
        prost::encoding::string::encode(1, &key.to_owned(), &mut e);
        prost::encoding::message::encode(2, value, &mut e);
        let mut out = Vec::new();
        prost::encoding::bytes::encode(1, &e, &mut out);
        out
    }

    fn float(x: f64) -> PbLiteral {
        literal(&Literal::primitive(Primitive::Float(x)))
    }

    #[test]
    fn entry_order_and_nan_payload_do_not_matter() {
        let go_nan = f64::from_bits(0x7FF8_0000_0000_0001);
        let ours = LiteralMap {
            literals: [
                (
                    "a".to_owned(),
                    Literal::primitive(Primitive::Float(f64::NAN)),
                ),
                ("b".to_owned(), Literal::primitive(Primitive::Integer(3))),
            ]
            .into(),
        }
        .encode_protobuf();
        let theirs = [
            entry("b", &literal(&Literal::primitive(Primitive::Integer(3)))),
            entry("a", &float(go_nan)),
        ]
        .concat();
        assert_ne!(ours, theirs);
        assert_eq!(canonical_literal_map(&theirs).as_deref(), Some(&ours[..]));
        assert_eq!(canonical_literal_map(&ours).as_deref(), Some(&ours[..]));
    }

    #[test]
    fn what_the_message_does_not_hold_is_left_to_fail() {
        let one = entry("a", &float(1.5));
        // An unknown field 9 (varint 1) after the entry.
        let unknown = [one.clone(), vec![0x48, 0x01]].concat();
        assert_eq!(canonical_literal_map(&unknown), None);
        assert_eq!(canonical_literal_map(b"\xff\xff"), None);
        // Negative zero is carried: it stays what it was.
        let neg = entry("a", &float(-0.0));
        assert_eq!(canonical_literal_map(&neg), Some(neg));
    }
}
