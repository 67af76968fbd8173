//! The golden step of a run: bless a record as the new snapshot, or check it against the one
//! blessed before — byte for byte, or on the parts an adapter reported, relaxing for an
//! independent runtime only what the protocol leaves open ([`super::normative`]).
//!
//! A golden that cannot be read or written is a harness fault (an [`Error`]), never a diff: a
//! diff says the runtime did something else, and an unreadable file says nothing about it.

use std::path::Path;

use crate::error::{Error, Result};
use crate::protocol::profile::Profile;
use crate::runtime::Executed;

use super::{GoldenMode, compare, normative, path, read, write};

/// How a run treats goldens, and for which runtime.
#[derive(Debug, Clone, Copy)]
pub struct GoldenStep<'a> {
    /// Check, bless or ignore.
    pub mode: GoldenMode,
    /// The golden folder.
    pub root: &'a Path,
    /// The profile whose goldens apply.
    pub profile: Profile,
    /// The suite's name (its folder under the profile's).
    pub suite: &'a str,
    /// The runtime's name, for the refusal to bless a partial record.
    pub runtime: &'a str,
    /// Whether the runtime is independent of the one goldens are blessed from: its error
    /// messages and blob URIs are then compared as notes, not bytes.
    pub relax: bool,
}

/// What the golden step found.
#[derive(Debug, Default)]
pub struct Settled {
    /// `None` when the record matches (or was blessed); otherwise a diff or why not.
    pub diff: Option<String>,
    /// What was relaxed, for the reports.
    pub notes: Vec<String>,
}

impl GoldenStep<'_> {
    /// Blesses or checks the record of `language` × `case`. The record may be rewritten where
    /// an independent runtime's differs only in what the protocol leaves open, so the report
    /// shows what was compared.
    pub fn settle(&self, case: &str, language: &str, executed: &mut Executed) -> Result<Settled> {
        let at = path(self.root, self.profile.as_str(), self.suite, case, language);
        let mut settled = Settled::default();
        match self.mode {
            GoldenMode::Ignore => {}
            // A partial record would erase what the reference runtime pinned.
            GoldenMode::Bless if !executed.reported.is_all() => {
                settled.diff = Some(format!(
                    "not blessed: runtime `{}` reported only {} of the record; bless with the reference runtime",
                    self.runtime,
                    executed.reported.keys().join(", ")
                ));
            }
            GoldenMode::Bless => write(&at, &executed.record.to_golden())?,
            GoldenMode::Check => {
                let golden = read(&at)?;
                if let (Some(g), true) = (&golden, self.relax) {
                    settled
                        .notes
                        .extend(normative::relax_message(g, &mut executed.record));
                    settled
                        .notes
                        .extend(normative::relax_blob_uris(g, &mut executed.record));
                }
                settled.diff = if executed.reported.is_all() {
                    compare(golden.as_deref(), &executed.record.to_golden(), &at)
                } else {
                    compare_parts(golden.as_deref(), executed, &at)?
                };
            }
        }
        Ok(settled)
    }
}

/// [`compare`] on the parts of the record the runtime reported (`result` and whatever else it
/// could see): for runtimes that cannot see every byte, such as an adapter that reports no
/// input files. The golden is the reference runtime's full record; both sides are cut down to
/// those parts and diffed as pretty JSON. A golden that is not a JSON record is a fault.
fn compare_parts(golden: Option<&str>, executed: &Executed, at: &Path) -> Result<Option<String>> {
    let Some(golden) = golden else {
        return Ok(compare(None, "", at));
    };
    let golden: serde_json::Value = serde_json::from_str(golden).map_err(|e| Error::Manifest {
        path: at.to_path_buf(),
        message: format!(
            "expected a JSON record after the snapshot header ({e}); re-bless it with the reference runtime"
        ),
    })?;
    let actual = serde_json::to_value(&executed.record)
        .map_err(|e| Error::Internal(format!("a record does not serialize: {e}")))?;
    let keys = executed.reported.keys();
    let cut = |v: &serde_json::Value| {
        let parts: serde_json::Map<String, serde_json::Value> = keys
            .iter()
            .map(|k| ((*k).to_owned(), v.get(*k).cloned().unwrap_or_default()))
            .collect();
        serde_json::to_string_pretty(&parts).unwrap_or_default()
    };
    let (g, a) = (cut(&golden), cut(&actual));
    if g == a {
        return Ok(None);
    }
    let diff = similar::TextDiff::from_lines(&g, &a)
        .unified_diff()
        .context_radius(2)
        .header("golden", "actual")
        .to_string();
    Ok(Some(format!(
        "(compared the parts the runtime reported: {})\n{diff}",
        keys.join(", ")
    )))
}
