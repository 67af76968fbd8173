//! Stage 4 of a case: read the output directory back into a literal map or an error, the way
//! flyte-copilot's sidecar does (protocol.md §4.3), or flytekit's local executor (§5.1 step 11).
//!
//! In: a [`CollectRequest`] (declared outputs, output directory, profile). Out: [`Collected`],
//! either the outputs or the error document's `ContainerError` — a task error is a result, not a
//! harness fault.

mod backend;
mod beneath;
mod fsread;
mod local;

pub use backend::parse_simple;
pub use beneath::{Beneath, Resolved};
pub use fsread::{ERROR_FILE_CAP, OpenError, SIMPLE_FILE_CAP, kind_name, open_regular};

use std::path::Path;

use crate::Result;
use crate::protocol::literal::{ContainerError, LiteralMap, TypedInterface};
use crate::protocol::profile::Profile;

/// What to collect, from where.
#[derive(Debug, Clone)]
pub struct CollectRequest<'a> {
    /// The task's interface; only `outputs` is read.
    pub interface: &'a TypedInterface,
    /// The host directory the container wrote into.
    pub dir: &'a Path,
    /// The same directory as the container saw it (e.g. `/var/outputs`), used in error texts as
    /// copilot would print it. `None` uses `dir`.
    pub container_dir: Option<&'a str>,
    /// Where blob outputs "are uploaded": a blob output's URI is `<raw_output_prefix>/<name>`
    /// (copilot's object naming). `None` makes the URI `file://<host path>` — the harness does
    /// not copy anything, the URI just points at the file or directory left by the container.
    pub raw_output_prefix: Option<&'a str>,
    /// Whose behaviour to reproduce.
    pub profile: Profile,
}

/// The outcome of collection.
#[derive(Debug, Clone, PartialEq)]
pub enum Collected {
    /// Every declared output was read (`outputs.pb`).
    Outputs(LiteralMap),
    /// The error document (`errors.pb`): for the backend `OutputUploadFailed`, RECOVERABLE;
    /// for flytekit-local the Python exception (code = exception type, message = its text).
    Error(ContainerError),
}

impl Collected {
    /// `{"outputs": <LiteralMap>}` or `{"error": <ContainerError>}` in protobuf JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Collected::Outputs(m) => serde_json::json!({ "outputs": m.to_json() }),
            Collected::Error(e) => serde_json::json!({ "error": e.to_json() }),
        }
    }
}

/// Collect the declared outputs. `Err` only for harness faults (e.g. the directory itself is
/// unreadable, or an output type rawconf does not model); everything the task did wrong is data.
pub fn collect_outputs(req: &CollectRequest<'_>) -> Result<Collected> {
    match req.profile {
        Profile::Backend => backend::collect(req),
        Profile::FlytekitLocal => local::collect(req),
    }
}
