//! Stage 2 of a case: materialize the input directory the way flyte-copilot's downloader does
//! (protocol.md §4.2).
//!
//! In: an [`InputsRequest`] (input literals, target directory, metadata format, profile).
//! Out: an [`InputListing`] — the files written, and copilot's `InputDownloadFailed` error when
//! copilot would have reported one (as data: the files written before the failure stay).

mod gojson;
mod structs;
mod varmap;
mod write;
mod yaml;
mod yaml_scalar;

pub use varmap::VarValue;
pub use write::{
    InputFormat, InputListing, InputsRequest, WrittenEntry, write_inputs, write_inputs_from,
};
