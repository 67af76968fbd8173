//! The record of one case: every byte that crossed the protocol, made explicit.
//!
//! The same record is what a golden snapshot holds, what `rawconf exec` prints and what
//! `report.json` carries. Text snapshots trim trailing whitespace, so the record is serialized
//! as JSON, where a trailing newline is the visible escape `\n`.
//!
//! File contents are strings when they are valid UTF-8. Anything else uses a documented
//! escape, an object instead of a string: `{"base64": "<standard base64 of the bytes>"}`;
//! symbolic links are `{"symlink": "<target>"}` (never followed), and files larger than
//! [`RECORD_CAP`] are `{"truncated": <size>, "base64": "<first bytes>"}`.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Bytes of one file kept in a record.
pub const RECORD_CAP: u64 = 64 * 1024;

/// The content of one file in a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FileContent {
    /// Valid UTF-8, verbatim.
    Text(String),
    /// Not UTF-8: the exact bytes in standard base64.
    Binary {
        /// Standard base64 (RFC 4648, with padding).
        base64: String,
    },
    /// A symbolic link (not followed).
    Symlink {
        /// The link's target, as stored.
        symlink: String,
    },
    /// A file larger than [`RECORD_CAP`]: its size and its first bytes.
    Truncated {
        /// The full size in bytes.
        truncated: u64,
        /// The first [`RECORD_CAP`] bytes in base64.
        base64: String,
    },
}

impl FileContent {
    /// Wraps bytes: text when they are UTF-8, base64 otherwise.
    pub fn from_bytes(bytes: Vec<u8>) -> FileContent {
        match String::from_utf8(bytes) {
            Ok(s) => FileContent::Text(s),
            Err(e) => FileContent::Binary {
                base64: base64::engine::general_purpose::STANDARD.encode(e.as_bytes()),
            },
        }
    }

    /// The exact bytes, when the record holds all of them.
    pub fn bytes(&self) -> Option<Vec<u8>> {
        match self {
            FileContent::Text(s) => Some(s.as_bytes().to_vec()),
            FileContent::Binary { base64 } => base64::engine::general_purpose::STANDARD
                .decode(base64)
                .ok(),
            FileContent::Symlink { .. } | FileContent::Truncated { .. } => None,
        }
    }
}

/// Everything one case produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The container's argv after template rendering (command, then args).
    pub argv: Vec<String>,
    /// Files the runtime wrote into the input directory, by relative path.
    pub input_files: BTreeMap<String, FileContent>,
    /// The container's exit code (`null` when it was killed by the timeout).
    pub exit_code: Option<i64>,
    /// Whether the timeout killed the container.
    pub timed_out: bool,
    /// Files the container left in the output directory, by relative path.
    pub files: BTreeMap<String, FileContent>,
    /// The collected result: `{"outputs": LiteralMap}` or `{"error": ContainerError}` (protobuf
    /// JSON of Flyte IDL).
    pub result: serde_json::Value,
}

impl Record {
    /// The record as the golden snapshot stores it: pretty JSON, keys in a fixed order.
    pub fn to_golden(&self) -> String {
        serde_json::to_string_pretty(self).expect("records serialize")
    }
}

/// Lists a directory recursively without following symlinks, reading at most
/// [`RECORD_CAP`] bytes of each file. Directories appear through their files only.
pub fn snapshot_dir(dir: &Path) -> Result<BTreeMap<String, FileContent>> {
    use std::io::Read;
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1)
    {
        let entry = entry.map_err(|e| Error::io(dir, e.into()))?;
        let rel = entry
            .path()
            .strip_prefix(dir)
            .expect("under root")
            .to_string_lossy()
            .replace('\\', "/");
        let ft = entry.file_type();
        if ft.is_symlink() {
            let target =
                std::fs::read_link(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
            out.insert(
                rel,
                FileContent::Symlink {
                    symlink: target.to_string_lossy().into_owned(),
                },
            );
        } else if ft.is_file() {
            let file = std::fs::File::open(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
            let size = file
                .metadata()
                .map_err(|e| Error::io(entry.path(), e))?
                .len();
            let mut bytes = Vec::new();
            file.take(RECORD_CAP)
                .read_to_end(&mut bytes)
                .map_err(|e| Error::io(entry.path(), e))?;
            let content = if size > RECORD_CAP {
                FileContent::Truncated {
                    truncated: size,
                    base64: base64::engine::general_purpose::STANDARD.encode(&bytes),
                }
            } else {
                FileContent::from_bytes(bytes)
            };
            out.insert(rel, content);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contents_round_trip_through_json() {
        for bytes in [
            b"37.699112".to_vec(),
            b"x\n".to_vec(),
            vec![0xff, 0x00, b'\n'],
        ] {
            let c = FileContent::from_bytes(bytes.clone());
            let json = serde_json::to_string(&c).unwrap();
            let back: FileContent = serde_json::from_str(&json).unwrap();
            assert_eq!(back.bytes().unwrap(), bytes, "{json}");
        }
        assert_eq!(
            serde_json::to_string(&FileContent::from_bytes(vec![0xff])).unwrap(),
            r#"{"base64":"/w=="}"#
        );
    }
}
