//! Blob inputs without object storage: the remote-looking URIs a suite gives its files and
//! directories, and the local data behind them.
//!
//! A blob input's URI is visible to the task (`{{.inputs.f}}` renders it, protocol.md §3.3) and
//! so to every golden. It must therefore not depend on the machine: a suite's blobs are named
//! `s3://rawconf-fixtures/<path>` ([`FIXTURE_BUCKET`]) whatever checkout or temp dir holds
//! their bytes. The run keeps a [`Blobs`] table from each such URI to its [`BlobSource`]; when a
//! runtime needs the bytes it asks for a [`Mirror`] — URI → local path — in which inline
//! content has been written to a content-addressed file under rawconf's cache dir. The reference
//! runtime's downloader reads through the mirror; an adapter gets it as the request's `blobs`
//! object (docs/adapter.md, "Blob inputs").

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The bucket every suite blob lives in, as the task sees it.
pub const FIXTURE_BUCKET: &str = "s3://rawconf-fixtures/";

/// Where the bytes of one blob URI come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobSource {
    /// A file or directory under the suite's fixtures folder (`tests/fixtures/blobs/…`).
    Fixture(PathBuf),
    /// One file's bytes, given in the suite.
    Bytes(Vec<u8>),
    /// A directory given in the suite: relative `/`-separated path → bytes.
    Tree(BTreeMap<String, Vec<u8>>),
}

impl BlobSource {
    /// A short content digest, so that equal inline content gets the same URI in every run.
    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        match self {
            BlobSource::Fixture(p) => h.update(p.to_string_lossy().as_bytes()),
            BlobSource::Bytes(b) => {
                h.update(b"file\0");
                h.update(b);
            }
            BlobSource::Tree(t) => {
                h.update(b"tree\0");
                for (path, bytes) in t {
                    h.update((path.len() as u64).to_le_bytes());
                    h.update(path.as_bytes());
                    h.update((bytes.len() as u64).to_le_bytes());
                    h.update(bytes);
                }
            }
        }
        h.finalize()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// URI → local path: how a runtime reads the blobs of one case.
pub type Mirror = BTreeMap<String, PathBuf>;

/// The blobs one case refers to, by URI.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Blobs(pub BTreeMap<String, BlobSource>);

/// No blobs: for executions that do not come from a suite.
pub static NO_BLOBS: Blobs = Blobs(BTreeMap::new());

impl Blobs {
    /// Whether the case has no blob inputs.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Local paths for every URI: fixtures as they are; inline content written once to
    /// `<cache>/blobs/<digest>` (by a rename, so concurrent cases never see half a file).
    pub fn mirror(&self) -> Result<Mirror> {
        self.0
            .iter()
            .map(|(uri, source)| Ok((uri.clone(), materialize(source)?)))
            .collect()
    }
}

fn materialize(source: &BlobSource) -> Result<PathBuf> {
    if let BlobSource::Fixture(p) = source {
        return Ok(p.clone());
    }
    let dir = crate::env::cache_dir().join("blobs");
    let target = dir.join(source.digest());
    if target.exists() {
        return Ok(target);
    }
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let staging = tempfile::Builder::new()
        .prefix(".staging-")
        .tempdir_in(&dir)
        .map_err(|e| Error::io(&dir, e))?;
    let tmp = staging.path().join("blob");
    match source {
        BlobSource::Bytes(b) => std::fs::write(&tmp, b).map_err(|e| Error::io(&tmp, e))?,
        BlobSource::Tree(t) => {
            std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
            for (rel, bytes) in t {
                let p = tmp.join(rel);
                if let Some(parent) = p.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
                }
                std::fs::write(&p, bytes).map_err(|e| Error::io(&p, e))?;
            }
        }
        BlobSource::Fixture(_) => unreachable!("returned above"),
    }
    // Another case may have won the race: its copy has the same content.
    if let Err(e) = std::fs::rename(&tmp, &target)
        && !target.exists()
    {
        return Err(Error::io(&target, e));
    }
    Ok(target)
}

/// Reads a mirror file (`rawconf inputs write --blobs FILE`): a JSON object URI → local path.
pub fn read_mirror(path: &Path) -> Result<Mirror> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str::<BTreeMap<String, PathBuf>>(&text).map_err(|e| Error::Manifest {
        path: path.to_path_buf(),
        message: format!(
            "expected a JSON object mapping each blob URI to a local path (the request's `blobs`): {e}"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_separate_files_from_trees_and_paths_from_bytes() {
        let file = BlobSource::Bytes(b"a".to_vec());
        let tree = BlobSource::Tree([("a".to_string(), Vec::new())].into());
        let tree2 = BlobSource::Tree([("".to_string(), b"a".to_vec())].into());
        assert_ne!(file.digest(), tree.digest());
        assert_ne!(tree.digest(), tree2.digest());
        assert_eq!(file.digest(), BlobSource::Bytes(b"a".to_vec()).digest());
        assert_eq!(file.digest().len(), 16);
    }
}
