//! Exploring beyond floats: random typed inputs — lists, maps with odd keys, file trees,
//! structs, binaries, none, unions — run as probe tasks and judged stage by stage.
//!
//! The float explorer ([`super`]) hunts edge cases of one task's *numbers* across languages.
//! The protocol's other half is how a runtime lays every literal type out in the input dir,
//! writes `inputs.json`/`inputs.yaml` and renders `{{.inputs.x}}` (protocol-2 §4). Golden
//! cases pin a few hand-picked values of each; this explorer draws many, of random shape and
//! nesting, and runs each one through a runtime with the probe (`languages/probe`), which
//! reports the input dir, the files in it and its argv.
//!
//! | stage | module | in → out |
//! |---|---|---|
//! | generate | [`strategy`] | seed → [`TypedInput`] (type, value, blob bytes) |
//! | hand over | `input.rs` | input → literal + blob table (bytes in a temp dir, fixture URIs) |
//! | expect | [`model`] | value → expected tree, refusal, marshal and render outcome (independent of the runtime's writer) |
//! | execute | `probe.rs`, `run.rs` | probe task → [`crate::runtime::Executed`] or a refusal |
//! | judge | [`judge`] | expected × observed → failures per stage |
//! | explain | [`limits`] | failure + input → the declared limitation that explains it |
//! | group, shrink, report | `run.rs`, [`report`] | → [`LiteralExploration`]: findings table, JSON lines |
//!
//! Used by `rawconf explore --literals` and the `properties/literals/reference` trial of
//! `tests/properties.rs`.

mod input;
pub mod judge;
pub mod limits;
pub mod model;
mod probe;
pub mod report;
mod run;
pub mod strategy;

pub use input::{Handed, NAME, literal_type};
pub use report::{LiteralExploration, LiteralFinding};
pub use run::{Judged, LiteralConfig, LiteralExplorer};
pub use strategy::{Shape, TypedInput, Value, typed_input};

use std::path::Path;

use crate::error::{Error, Result};
use crate::spec::language::Language;

/// The probe language (`<languages_dir>/probe`) every literal case runs; `Err` names the
/// folder when it is missing.
pub fn probe_language(languages_dir: &Path) -> Result<Language> {
    Language::discover(languages_dir)?
        .into_iter()
        .find(|l| l.name == "probe")
        .ok_or_else(|| {
            Error::Usage(format!(
                "the literal explorer runs the probe, but {} has no language `probe` (expected languages/probe/language.toml)",
                languages_dir.display()
            ))
        })
}
