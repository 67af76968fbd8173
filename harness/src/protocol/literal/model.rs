//! The subset of Flyte IDL (`flyteidl.core`) the raw container protocol moves around.
//!
//! Only what a raw container can receive or produce is modelled: primitives, blobs, the none
//! type, structs, binary, unions, structured datasets (by URI), error values (an `ERROR`
//! output), collections and maps of literals (templates and input files handle them), the
//! simple and blob literal types of an interface, and copilot's error document. Field names and enum values
//! follow `flyteidl/protos/flyteidl/core/{literals,types,interface,errors}.proto`.

use std::collections::BTreeMap;

/// `google.protobuf.Timestamp`: seconds since the Unix epoch and non-negative nanos. Kept as the
/// two protobuf fields (not a calendar type) so that every value round-trips bit for bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp {
    /// Seconds since 1970-01-01T00:00:00Z (0001-01-01 … 9999-12-31 for a valid timestamp).
    pub seconds: i64,
    /// Nanoseconds, 0 ≤ nanos < 10^9.
    pub nanos: i32,
}

/// `google.protobuf.Duration`: seconds and same-signed nanos.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Duration {
    /// Whole seconds (±315,576,000,000 at most).
    pub seconds: i64,
    /// Nanoseconds, same sign as `seconds`, |nanos| < 10^9.
    pub nanos: i32,
}

/// `flyteidl.core.Primitive`: the one-of of scalar values a task can exchange as text.
#[derive(Debug, Clone, PartialEq)]
pub enum Primitive {
    /// `integer` (int64).
    Integer(i64),
    /// `float_value` (double); NaN and ±Inf are legal values.
    Float(f64),
    /// `string_value`.
    String(String),
    /// `boolean`.
    Boolean(bool),
    /// `datetime`.
    Datetime(Timestamp),
    /// `duration`.
    Duration(Duration),
}

/// `flyteidl.core.BlobType.BlobDimensionality`: a single file or a directory ("multipart").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Dimensionality {
    /// `SINGLE = 0`: one file.
    #[default]
    Single,
    /// `MULTIPART = 1`: a directory of files.
    Multipart,
}

/// `flyteidl.core.BlobType`: format tag and dimensionality.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct BlobType {
    /// Free-form format, e.g. `csv`; empty when unknown (copilot always uploads with `""`).
    pub format: String,
    /// File or directory.
    pub dimensionality: Dimensionality,
}

/// `flyteidl.core.Blob` (with its `BlobMetadata.type` flattened in): a file or directory by URI.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Blob {
    /// Where the data lives (`s3://…`, `file://…` or a local path inside `inputs.pb`).
    pub uri: String,
    /// `metadata.type`.
    pub blob_type: BlobType,
}

/// `flyteidl.core.Scalar`, restricted to the cases a raw container can exchange.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// `primitive`.
    Primitive(Primitive),
    /// `blob`.
    Blob(Blob),
    /// `none_type` (`flyteidl.core.Void`): an explicit "no value".
    NoneType,
    /// `generic` (`google.protobuf.Struct`): a JSON object. Its numbers are doubles, as in a
    /// Struct; `serde_json`'s map keeps keys sorted, the order jsonpb writes them in.
    Generic(serde_json::Map<String, serde_json::Value>),
    /// `binary`: bytes and the tag that says how to read them (`msgpack` for flytekit's
    /// dataclasses and dicts).
    Binary(Binary),
    /// `union`: one variant's value and that variant's type (`Optional[T]` = none is a union
    /// holding the none literal).
    Union(Box<Union>),
    /// `structured_dataset`: only its URI (copilot refuses to download one at all).
    StructuredDataset(String),
    /// `error`: what copilot makes of an output declared `ERROR` (the file's trimmed text as
    /// the message). A raw container never receives one as an input value it can use.
    Error(NodeError),
}

/// `flyteidl.core.Error` (types.proto): an error value a node produced, carried as a literal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NodeError {
    /// `failed_node_id`: the node that failed (copilot leaves it empty).
    pub failed_node_id: String,
    /// `message`.
    pub message: String,
}

/// `flyteidl.core.Binary`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Binary {
    /// `value`: the bytes.
    pub value: Vec<u8>,
    /// `tag`: their encoding (`msgpack`, or anything else).
    pub tag: String,
}

/// `flyteidl.core.Union`.
#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    /// `value`: the literal of the chosen variant.
    pub value: Literal,
    /// `type`: the chosen variant's type.
    pub variant: LiteralType,
}

/// `flyteidl.core.Literal`: a scalar, or a collection/map of literals.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `scalar`.
    Scalar(Scalar),
    /// `collection.literals`.
    Collection(Vec<Literal>),
    /// `map`.
    Map(LiteralMap),
}

/// `flyteidl.core.LiteralMap`: named literals (task inputs or outputs). Sorted by name so that
/// every serialization of it is deterministic (Go's map order is not).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LiteralMap {
    /// `literals`.
    pub literals: BTreeMap<String, Literal>,
}

/// `flyteidl.core.SimpleType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SimpleType {
    /// `NONE = 0`.
    None,
    /// `INTEGER = 1`.
    Integer,
    /// `FLOAT = 2`.
    Float,
    /// `STRING = 3`.
    String,
    /// `BOOLEAN = 4`.
    Boolean,
    /// `DATETIME = 5`.
    Datetime,
    /// `DURATION = 6`.
    Duration,
    /// `BINARY = 7`.
    Binary,
    /// `ERROR = 8`.
    Error,
    /// `STRUCT = 9`.
    Struct,
}

impl SimpleType {
    /// All values in enum-number order (index = protobuf number).
    pub const ALL: [SimpleType; 10] = [
        SimpleType::None,
        SimpleType::Integer,
        SimpleType::Float,
        SimpleType::String,
        SimpleType::Boolean,
        SimpleType::Datetime,
        SimpleType::Duration,
        SimpleType::Binary,
        SimpleType::Error,
        SimpleType::Struct,
    ];

    /// The protobuf enum name, e.g. `FLOAT` (what Go's `t.String()` prints in copilot errors).
    pub fn name(self) -> &'static str {
        [
            "NONE", "INTEGER", "FLOAT", "STRING", "BOOLEAN", "DATETIME", "DURATION", "BINARY",
            "ERROR", "STRUCT",
        ][self as usize]
    }
}

/// `flyteidl.core.LiteralType`, restricted to what an interface of a raw container declares.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LiteralType {
    /// `simple`.
    Simple(SimpleType),
    /// `blob`.
    Blob(BlobType),
    /// `collection_type`: kept so that copilot's "does not support" error can be reproduced.
    Collection(Box<LiteralType>),
    /// `map_value_type`: likewise.
    Map(Box<LiteralType>),
    /// `union_type.variants`: an input that holds one of several types (`Optional[T]` is
    /// `T | None`).
    Union(Vec<LiteralType>),
    /// `structured_dataset_type` (columns and format left empty): declared so that copilot's
    /// refusal of such an input can be judged.
    StructuredDataset,
}

/// `flyteidl.core.Variable`: a typed, described interface slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// `type`.
    pub literal_type: LiteralType,
    /// `description`.
    pub description: String,
}

/// `flyteidl.core.VariableMap`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VariableMap {
    /// `variables`, sorted by name (the order rawconf collects outputs in).
    pub variables: BTreeMap<String, Variable>,
}

/// `flyteidl.core.TypedInterface`: what a task takes and returns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TypedInterface {
    /// `inputs`.
    pub inputs: VariableMap,
    /// `outputs`.
    pub outputs: VariableMap,
}

/// `flyteidl.core.ContainerError.Kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ErrorKind {
    /// `NON_RECOVERABLE = 0`.
    #[default]
    NonRecoverable,
    /// `RECOVERABLE = 1`: what copilot always writes.
    Recoverable,
}

/// `flyteidl.core.ExecutionError.ErrorKind`: who is to blame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ErrorOrigin {
    /// `UNKNOWN = 0`: copilot leaves it unset.
    #[default]
    Unknown,
    /// `USER = 1`.
    User,
    /// `SYSTEM = 2`.
    System,
}

/// `flyteidl.core.ContainerError`: what copilot writes to `errors.pb` when it cannot produce
/// outputs (including a user's `_ERROR` file).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContainerError {
    /// `code`, e.g. `OutputUploadFailed`.
    pub code: String,
    /// `message`: Go's error text.
    pub message: String,
    /// `kind`.
    pub kind: ErrorKind,
    /// `origin`.
    pub origin: ErrorOrigin,
}

/// `flyteidl.core.ErrorDocument`: the envelope of `errors.pb`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorDocument {
    /// `error`.
    pub error: ContainerError,
}

impl Literal {
    /// Shorthand for a primitive literal.
    pub fn primitive(p: Primitive) -> Literal {
        Literal::Scalar(Scalar::Primitive(p))
    }
}
