//! From a drawn [`TypedInput`] to what a runtime is handed: the interface type, the literal,
//! and the blob table.
//!
//! Blob bytes are written into a temp dir of the explorer's and named by the fixture URIs the
//! suites use (`s3://rawconf-fixtures/…`, [`crate::protocol::blobs`]): the runtime resolves
//! them through the same [`Blobs`] table as a suite's `tests/fixtures/blobs`, so the explorer
//! exercises the path every blob case takes — only with a temp root. The URI is derived from
//! the content, so a case renders the same command line in every run (and its reproduction).

use std::collections::BTreeMap;
use std::path::Path;

use super::strategy::{Shape, TypedInput, Value};
use crate::error::{Error, Result};
use crate::protocol::blobs::{BlobSource, Blobs, FIXTURE_BUCKET};
use crate::protocol::literal::{
    Binary, Blob, BlobType, Dimensionality, Literal, LiteralMap, LiteralType, Primitive, Scalar,
    SimpleType, Union,
};

/// The explored input's name.
pub const NAME: &str = "x";

/// What a runtime gets for one case.
#[derive(Debug, Clone)]
pub struct Handed {
    /// The declared type of `x`.
    pub literal_type: LiteralType,
    /// `{x: literal}`.
    pub inputs: LiteralMap,
    /// Every blob URI of the literal → its bytes under the temp root.
    pub blobs: Blobs,
}

/// The literal type of a shape.
pub fn literal_type(shape: &Shape) -> LiteralType {
    let blob = |dimensionality| {
        LiteralType::Blob(BlobType {
            format: String::new(),
            dimensionality,
        })
    };
    match shape {
        Shape::Int => LiteralType::Simple(SimpleType::Integer),
        Shape::Float => LiteralType::Simple(SimpleType::Float),
        Shape::Str => LiteralType::Simple(SimpleType::String),
        Shape::Bool => LiteralType::Simple(SimpleType::Boolean),
        Shape::File => blob(Dimensionality::Single),
        Shape::Dir => blob(Dimensionality::Multipart),
        Shape::Struct => LiteralType::Simple(SimpleType::Struct),
        Shape::Binary => LiteralType::Simple(SimpleType::Binary),
        Shape::None => LiteralType::Simple(SimpleType::None),
        Shape::List(s) => LiteralType::Collection(Box::new(literal_type(s))),
        Shape::Map(s) => LiteralType::Map(Box::new(literal_type(s))),
        Shape::Union(s) => {
            LiteralType::Union(vec![literal_type(s), LiteralType::Simple(SimpleType::None)])
        }
    }
}

/// The fixture URI a blob's content is known by.
pub fn blob_uri(source: &BlobSource) -> String {
    format!("{FIXTURE_BUCKET}explore/{}", source.digest())
}

impl TypedInput {
    /// Writes the input's blobs under `root` and returns what the runtime is handed.
    /// `Err` only when `root` cannot be written (a harness fault, named by path).
    pub fn hand(&self, root: &Path) -> Result<Handed> {
        let mut blobs = BTreeMap::new();
        let literal = to_literal(&self.shape, &self.value, root, &mut blobs)?;
        Ok(Handed {
            literal_type: literal_type(&self.shape),
            inputs: LiteralMap {
                literals: [(NAME.to_owned(), literal)].into(),
            },
            blobs: Blobs(blobs),
        })
    }

    /// The literal alone, blobs named but not written (for reports and render checks).
    pub fn literal(&self) -> Literal {
        literal_only(&self.shape, &self.value)
    }
}

fn blob_literal(source: &BlobSource, dimensionality: Dimensionality) -> Literal {
    Literal::Scalar(Scalar::Blob(Blob {
        uri: blob_uri(source),
        blob_type: BlobType {
            format: String::new(),
            dimensionality,
        },
    }))
}

fn source_of(value: &Value) -> Option<(BlobSource, Dimensionality)> {
    match value {
        Value::File(b) => Some((BlobSource::Bytes(b.clone()), Dimensionality::Single)),
        Value::Dir(t) => Some((BlobSource::Tree(t.clone()), Dimensionality::Multipart)),
        _ => None,
    }
}

fn to_literal(
    shape: &Shape,
    value: &Value,
    root: &Path,
    blobs: &mut BTreeMap<String, BlobSource>,
) -> Result<Literal> {
    if let Some((source, dim)) = source_of(value) {
        let host = root.join(source.digest());
        if !host.exists() {
            write_source(&source, &host)?;
        }
        let literal = blob_literal(&source, dim);
        blobs.insert(blob_uri(&source), BlobSource::Fixture(host));
        return Ok(literal);
    }
    Ok(match (shape, value) {
        (Shape::List(s), Value::List(items)) => Literal::Collection(
            items
                .iter()
                .map(|i| to_literal(s, i, root, blobs))
                .collect::<Result<_>>()?,
        ),
        (Shape::Map(s), Value::Map(m)) => Literal::Map(LiteralMap {
            literals: m
                .iter()
                .map(|(k, v)| Ok((k.clone(), to_literal(s, v, root, blobs)?)))
                .collect::<Result<_>>()?,
        }),
        (Shape::Union(s), Value::Union(Some(v))) => union(to_literal(s, v, root, blobs)?, s),
        _ => literal_only(shape, value),
    })
}

fn union(value: Literal, shape: &Shape) -> Literal {
    Literal::Scalar(Scalar::Union(Box::new(Union {
        value,
        variant: literal_type(shape),
    })))
}

fn literal_only(shape: &Shape, value: &Value) -> Literal {
    let p = |p| Literal::primitive(p);
    match (shape, value) {
        (_, Value::Int(i)) => p(Primitive::Integer(*i)),
        (_, Value::Float(x)) => p(Primitive::Float(*x)),
        (_, Value::Str(s)) => p(Primitive::String(s.clone())),
        (_, Value::Bool(b)) => p(Primitive::Boolean(*b)),
        (_, Value::File(_) | Value::Dir(_)) => {
            let (source, dim) = source_of(value).expect("a blob value");
            blob_literal(&source, dim)
        }
        (_, Value::Struct(m)) => Literal::Scalar(Scalar::Generic(m.clone())),
        (_, Value::Binary { tag, bytes }) => Literal::Scalar(Scalar::Binary(Binary {
            value: bytes.clone(),
            tag: tag.clone(),
        })),
        (_, Value::None) => Literal::Scalar(Scalar::NoneType),
        (Shape::List(s), Value::List(items)) => {
            Literal::Collection(items.iter().map(|i| literal_only(s, i)).collect())
        }
        (Shape::Map(s), Value::Map(m)) => Literal::Map(LiteralMap {
            literals: m
                .iter()
                .map(|(k, v)| (k.clone(), literal_only(s, v)))
                .collect(),
        }),
        (Shape::Union(s), Value::Union(Some(v))) => union(literal_only(s, v), s),
        (_, Value::Union(_)) => Literal::Scalar(Scalar::Union(Box::new(Union {
            value: Literal::Scalar(Scalar::NoneType),
            variant: LiteralType::Simple(SimpleType::None),
        }))),
        // A list or map value under another shape cannot be drawn; shown as its own kind.
        (_, Value::List(items)) => Literal::Collection(
            items
                .iter()
                .map(|i| literal_only(&Shape::None, i))
                .collect(),
        ),
        (_, Value::Map(m)) => Literal::Map(LiteralMap {
            literals: m
                .iter()
                .map(|(k, v)| (k.clone(), literal_only(&Shape::None, v)))
                .collect(),
        }),
    }
}

fn write_source(source: &BlobSource, host: &Path) -> Result<()> {
    match source {
        BlobSource::Bytes(b) => std::fs::write(host, b).map_err(|e| Error::io(host, e)),
        BlobSource::Tree(t) => {
            for (rel, bytes) in t {
                let p = host.join(rel);
                if let Some(parent) = p.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
                }
                std::fs::write(&p, bytes).map_err(|e| Error::io(&p, e))?;
            }
            Ok(())
        }
        BlobSource::Fixture(p) => Err(Error::Internal(format!(
            "a drawn blob is bytes or a tree, not the fixture {}",
            p.display()
        ))),
    }
}
