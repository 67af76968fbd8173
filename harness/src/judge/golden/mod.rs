//! Golden snapshots: `golden/<profile>/<suite>/<case>@<language>.snap`, in insta's format.
//!
//! This module is the golden format's one definition: `rawconf run` reads the files and compares
//! byte for byte (after insta's own trailing-whitespace normalisation, which the JSON record
//! makes harmless), and `rawconf run --bless` writes them with [`HEADER`]. `cargo test` asserts
//! the same files with insta (so `cargo insta review` blesses them) with settings that make
//! insta write exactly this header, and `.config/insta.yaml` requires a *full* match — header
//! included — so a file only one of the two writers would produce fails the conformance tests.

pub mod normative;
mod step;

pub use step::{GoldenStep, Settled};

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// What to do with goldens during a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GoldenMode {
    /// Compare; a missing or different golden fails the case.
    #[default]
    Check,
    /// Write every record as the new golden (review the diff in git).
    Bless,
    /// Do not look at goldens (e.g. for runtimes whose records are not comparable).
    Ignore,
}

/// The metadata block of every golden: what insta writes for `tests/conformance.rs` with the
/// expression omitted and no description.
pub const HEADER: &str = "---\nsource: tests/conformance.rs\n---\n";

/// The folder holding `<profile>/<suite>/…` (default: the source tree's `golden/`).
pub fn golden_root() -> PathBuf {
    crate::env::golden_dir()
}

/// The snapshot path of one language × case.
pub fn path(root: &Path, profile: &str, suite: &str, case: &str, language: &str) -> PathBuf {
    root.join(profile)
        .join(suite)
        .join(format!("{case}@{language}.snap"))
}

/// The contents of a snapshot file (after its `---` metadata block), or `None` if missing.
pub fn read(path: &Path) -> Result<Option<String>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    };
    let malformed = || Error::Manifest {
        path: path.to_path_buf(),
        message: "expected an insta snapshot: a `---` metadata block, then the contents".into(),
    };
    let rest = text.strip_prefix("---\n").ok_or_else(malformed)?;
    let end = rest.find("\n---\n").ok_or_else(malformed)?;
    Ok(Some(rest[end + 5..].to_owned()))
}

/// Writes `contents` as the golden at `path`.
pub fn write(path: &Path, contents: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    std::fs::write(path, format!("{HEADER}{}\n", contents.trim_end()))
        .map_err(|e| Error::io(path, e))
}

/// `None` when `actual` matches the golden; otherwise a unified diff (golden → actual) or a
/// note that there is no golden yet.
pub fn compare(golden: Option<&str>, actual: &str, path: &Path) -> Option<String> {
    let Some(golden) = golden else {
        return Some(format!(
            "no golden snapshot at {} — review the record and bless it (`cargo insta review` after `cargo test`, or `rawconf run --bless`)",
            path.display()
        ));
    };
    let (g, a) = (golden.trim_end(), actual.trim_end());
    if g == a {
        return None;
    }
    let diff = similar::TextDiff::from_lines(g, a)
        .unified_diff()
        .context_radius(2)
        .header("golden", "actual")
        .to_string();
    Some(diff)
}
