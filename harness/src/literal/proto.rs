//! Binary protobuf encoding of a [`LiteralMap`] — the `inputs.pb` copilot writes next to the
//! input files.
//!
//! Hand-written `prost` message structs for just the messages involved, with the field numbers
//! of `flyteidl/core/literals.proto` and `types.proto` (Primitive: integer=1, float_value=2,
//! string_value=3, boolean=4, datetime=5, duration=6; Scalar: primitive=1, blob=2, none_type=5;
//! Blob: metadata=1, uri=3; BlobMetadata: type=1; BlobType: format=1, dimensionality=2;
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

#[derive(Clone, PartialEq, prost::Oneof)]
enum PbScalarValue {
    #[prost(message, tag = "1")]
    Primitive(PbPrimitive),
    #[prost(message, tag = "2")]
    Blob(PbBlob),
    #[prost(message, tag = "5")]
    NoneType(PbVoid),
}

#[derive(Clone, PartialEq, Message)]
struct PbScalar {
    #[prost(oneof = "PbScalarValue", tags = "1, 2, 5")]
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
        Literal::Collection(items) => PbLiteralValue::Collection(PbLiteralCollection {
            literals: items.iter().map(literal).collect(),
        }),
        Literal::Map(m) => PbLiteralValue::Map(literal_map(m)),
    };
    PbLiteral { value: Some(value) }
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
