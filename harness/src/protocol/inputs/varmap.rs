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
}
