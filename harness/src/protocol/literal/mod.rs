//! Literals: the typed values of the raw container protocol and their two wire forms (protobuf
//! JSON for files and vendors, binary protobuf for `inputs.pb`).

pub(crate) mod json;
mod model;
mod proto;

pub use json::{JsonError, float_to_json, go_float, struct_from_json, to_go_json, to_json_with};
pub use model::*;
pub use proto::canonical_literal_map;
