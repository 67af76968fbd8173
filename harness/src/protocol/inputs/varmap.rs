//! Copilot's `VarMap`: the Go-native value of every input, which `inputs.json`/`inputs.yaml`
//! serialize (`flytecopilot/data/download.go`, `handlePrimitive`/`handleLiteral`).

use std::collections::BTreeMap;

/// A Go value as copilot's downloader produces it for one input.
#[derive(Debug, Clone, PartialEq)]
pub enum VarValue {
    /// Go `nil`: a none literal, and — by a variable-shadowing bug in `handlePrimitive`
    /// (`v, err := ptypes.Duration(...)` declares a new `v`) — every duration.
    Null,
    /// A string (also a blob's local path).
    String(String),
    /// A bool.
    Bool(bool),
    /// An int64.
    Int(i64),
    /// A float64 (NaN/±Inf make `json.Marshal` fail).
    Float(f64),
    /// A `time.Time`, kept as its RFC3339Nano UTC text (its JSON form).
    Time(String),
    /// A collection.
    List(Vec<VarValue>),
    /// A map (sorted: Go's `encoding/json` sorts map keys).
    Map(BTreeMap<String, VarValue>),
    /// A `*structpb.Struct` (the tree of its JSON value): `encoding/json` calls its
    /// `MarshalJSON`, i.e. protojson, and compacts the result. The JSON is the plain tree's,
    /// except that protojson writes `\b` and `\f` in short form (Go oracle, protobuf-go 1.28).
    Proto(Box<VarValue>),
}

impl VarValue {
    /// The tree with every [`VarValue::Proto`] replaced by its content: what the YAML side
    /// sees once ghodss has parsed the JSON back.
    pub fn plain(&self) -> VarValue {
        match self {
            VarValue::Proto(v) => v.plain(),
            VarValue::List(l) => VarValue::List(l.iter().map(VarValue::plain).collect()),
            VarValue::Map(m) => {
                VarValue::Map(m.iter().map(|(k, v)| (k.clone(), v.plain())).collect())
            }
            v => v.clone(),
        }
    }
}
