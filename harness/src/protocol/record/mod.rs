//! The record of one case: every byte that crossed the protocol, made explicit.
//!
//! The same record is what a golden snapshot holds, what `rawconf exec` prints and what
//! `report.json` carries. Text snapshots trim trailing whitespace, so the record is serialized
//! as JSON, where a trailing newline is the visible escape `\n`.
//!
//! File contents are strings when they are valid UTF-8. Anything else uses a documented
//! escape, an object instead of a string: `{"base64": "<standard base64 of the bytes>"}`;
//! symbolic links are `{"symlink": "<target>"}` (never followed), FIFOs, sockets and devices are
//! `{"special": "<kind>"}` (never opened), and files larger than [`RECORD_CAP`] are
//! `{"truncated": <size>, "base64": "<first bytes>"}`.
//!
//! A record is bounded whatever the container left behind: at most [`RECORD_MAX_FILES`] entries
//! and [`RECORD_MAX_BYTES`] bytes of content per listing, at most [`RECORD_MAX_DEPTH`] levels
//! deep; what does not fit is counted in `files_omitted` (`input_files_omitted`), so a golden
//! shows that the listing is partial. Both fields are absent when nothing was left out.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

mod canonical;
pub use canonical::{HOST_OUTPUT_DIR, canonical_context, replace_in_strings};
mod execution;

pub use execution::{AttemptRecord, ExecutionRecord, PriorRecord};

/// Bytes of one file kept in a record.
pub const RECORD_CAP: u64 = 64 * 1024;

/// Entries (files, symlinks, special files) listed per directory snapshot. The ellipse task
/// writes two files; 256 leaves room for any honest task while 10 000 files from a hostile image
/// no longer make a 54 MiB golden (each entry costs at most [`RECORD_CAP`] plus its name).
pub const RECORD_MAX_FILES: usize = 256;

/// Bytes of file content kept per directory snapshot, over all files: 1 MiB keeps a record,
/// its golden and `report.json` small enough to diff and to hold in memory for every case of a
/// run, and still holds sixteen files at the full per-file cap.
pub const RECORD_MAX_BYTES: u64 = 1024 * 1024;

/// Directory levels walked below the snapshot root. Deeper trees are only a way to make paths
/// longer than `PATH_MAX`; what lies below is counted as omitted (at least one entry per
/// directory at the limit).
pub const RECORD_MAX_DEPTH: usize = 32;

/// Entries visited at most, listed or not, so that a directory holding millions of files cannot
/// stall the harness in a walk that only counts them.
pub const RECORD_MAX_WALK: usize = 100_000;

/// What a snapshot left out, and why. Counts are lower bounds when the walk itself stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Omitted {
    /// Entries not listed.
    pub entries: u64,
    /// Bytes of content not kept: the full size of unlisted files plus what files cut short to
    /// fit [`RECORD_MAX_BYTES`] lost below [`RECORD_CAP`].
    pub bytes: u64,
    /// Why, each reason once (e.g. `more than 256 entries`), in a fixed order.
    pub reasons: Vec<String>,
}

impl Omitted {
    fn because(&mut self, reason: String) {
        if !self.reasons.contains(&reason) {
            self.reasons.push(reason);
        }
    }
}

/// A directory listing within the record's caps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DirListing {
    /// Listed entries, by relative path.
    pub files: BTreeMap<String, FileContent>,
    /// What was left out; `None` when the listing is complete.
    pub omitted: Option<Omitted>,
}

/// The content of one file in a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FileContent {
    /// Valid UTF-8, verbatim.
    Text(String),
    /// A file larger than [`RECORD_CAP`] (or than what was left of [`RECORD_MAX_BYTES`]): its
    /// size and its first bytes. (Listed before `Binary`: untagged deserialization tries the
    /// variants in order, and `Binary` would accept this shape too.)
    Truncated {
        /// The full size in bytes.
        truncated: u64,
        /// The first bytes kept, in base64.
        base64: String,
    },
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
    /// Neither a regular file, a directory nor a symlink: never opened (a FIFO would block).
    Special {
        /// Its kind: `FIFO`, `socket`, `block device`, `character device`.
        special: String,
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
            FileContent::Symlink { .. }
            | FileContent::Truncated { .. }
            | FileContent::Special { .. } => None,
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
    /// What the input listing left out (absent when complete).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_files_omitted: Option<Omitted>,
    /// Files the container left in the output directory, by relative path.
    pub files: BTreeMap<String, FileContent>,
    /// What the output listing left out over the caps (absent when complete).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files_omitted: Option<Omitted>,
    /// The collected result: `{"outputs": LiteralMap}` or `{"error": ContainerError}` (protobuf
    /// JSON of Flyte IDL).
    pub result: serde_json::Value,
    /// Attempts, cache status and prior runs, for a case that belongs to an execution; absent
    /// otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution: Option<ExecutionRecord>,
}

impl Record {
    /// The record as the golden snapshot stores it: pretty JSON, keys in a fixed order.
    pub fn to_golden(&self) -> String {
        serde_json::to_string_pretty(self).expect("records serialize")
    }
}

impl Record {
    /// Applies `f` to every text a runtime's run-specific values can show up in: each argv
    /// element, each output file held as text, each string of the result (object keys
    /// untouched). The one walk behind [`Record::canonicalise`] and
    /// [`crate::protocol::record::canonical_context`].
    pub fn texts_mut(&mut self, f: impl Fn(&mut String)) {
        self.argv.iter_mut().for_each(&f);
        for content in self.files.values_mut() {
            if let FileContent::Text(t) = content {
                f(t);
            }
        }
        strings_mut(&mut self.result, &f);
        if let Some(execution) = &mut self.execution {
            for result in execution.results_mut() {
                strings_mut(result, &f);
            }
        }
    }
}

/// Applies `f` to every string inside `v` (object keys untouched).
pub fn strings_mut(v: &mut serde_json::Value, f: &impl Fn(&mut String)) {
    match v {
        serde_json::Value::String(s) => f(s),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|i| strings_mut(i, f)),
        serde_json::Value::Object(m) => m.values_mut().for_each(|i| strings_mut(i, f)),
        _ => {}
    }
}

/// Whether `name` can be a key of a listing: a relative path of plain components (no empty,
/// `.` or `..` component, no leading `/`, no NUL). A walked listing only ever holds such paths;
/// one reported by an adapter is checked against this before anything is laid out on the host
/// from it, so that a listing can never name a place outside its directory.
pub fn is_listing_path(name: &str) -> bool {
    !name.contains('\0') && name.split('/').all(|c| !matches!(c, "" | "." | ".."))
}

/// Lists a directory recursively without following symlinks or opening anything but regular
/// files, within the caps ([`RECORD_CAP`] per file, [`RECORD_MAX_FILES`], [`RECORD_MAX_BYTES`],
/// [`RECORD_MAX_DEPTH`], [`RECORD_MAX_WALK`]). Directories appear through their entries only.
/// An entry that cannot be read is counted as omitted, not an error: the directory was written
/// by the image under test. `Err` only when `dir` itself cannot be listed.
pub fn snapshot_dir(dir: &Path) -> Result<DirListing> {
    std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut listing = Listing::default();
    let walk = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1)
        .max_depth(RECORD_MAX_DEPTH + 1);
    for (visited, entry) in walk.into_iter().enumerate() {
        if visited >= RECORD_MAX_WALK {
            listing.omit(0, format!("walk stopped after {RECORD_MAX_WALK} entries"));
            break;
        }
        let entry = match entry {
            Ok(e) => e,
            Err(_) => {
                listing.omit(0, "unreadable entries".to_owned());
                continue;
            }
        };
        let Ok(rel) = entry.path().strip_prefix(dir) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        let ft = entry.file_type();
        if entry.depth() > RECORD_MAX_DEPTH {
            listing.omit(
                0,
                format!("deeper than {RECORD_MAX_DEPTH} levels (not walked)"),
            );
            continue;
        }
        if ft.is_dir() {
            continue;
        }
        if listing.full() {
            // Only the size, from the walk's own `lstat`: nothing is opened past the cap.
            let size = if ft.is_file() {
                entry.metadata().map_or(0, |m| m.len())
            } else {
                0
            };
            listing.omit(size, format!("more than {RECORD_MAX_FILES} entries"));
            continue;
        }
        listing.add(rel, read_entry(entry.path(), ft));
    }
    Ok(listing.finish())
}

/// Applies the record's caps to a listing reported by someone else (an adapter's `files`):
/// the same bounds as [`snapshot_dir`], contents longer than what is left of the budget
/// truncated.
pub fn cap_listing(files: BTreeMap<String, FileContent>) -> DirListing {
    // The walk's order (depth first, names sorted per directory), not the map's: `a/x` comes
    // before `a-b` there, so the same entries are kept as when rawconf walks the directory.
    let mut files: Vec<(String, FileContent)> = files.into_iter().collect();
    files.sort_by(|(a, _), (b, _)| a.split('/').cmp(b.split('/')));
    let mut listing = Listing::default();
    for (rel, content) in files {
        if listing.full() {
            listing.omit(
                reported_size(&content),
                format!("more than {RECORD_MAX_FILES} entries"),
            );
        } else {
            listing.add(rel, Entry::Reported(content));
        }
    }
    listing.finish()
}

/// One entry as read: its content with its full size, or a content that costs no bytes.
enum Entry {
    /// A regular file: the first bytes (at most [`RECORD_CAP`]) and the full size.
    Bytes(Vec<u8>, u64),
    /// A symlink, a special file or an unreadable file: kept as is, costs no bytes.
    Free(FileContent),
    /// A content from another listing, capped like a read file.
    Reported(FileContent),
    /// Could not be read at all.
    Unreadable,
}

fn read_entry(path: &Path, ft: std::fs::FileType) -> Entry {
    use std::io::Read;
    if ft.is_symlink() {
        return match std::fs::read_link(path) {
            Ok(target) => Entry::Free(FileContent::Symlink {
                symlink: target.to_string_lossy().into_owned(),
            }),
            Err(_) => Entry::Unreadable,
        };
    }
    if !ft.is_file() {
        return Entry::Free(FileContent::Special {
            special: crate::protocol::outputs::kind_name(ft).to_owned(),
        });
    }
    match crate::protocol::outputs::open_regular(path) {
        Ok((file, meta)) => {
            let mut bytes = Vec::new();
            match file.take(RECORD_CAP).read_to_end(&mut bytes) {
                Ok(_) => Entry::Bytes(bytes, meta.len()),
                Err(_) => Entry::Unreadable,
            }
        }
        // Swapped for a FIFO or a device after the walk saw a file.
        Err(crate::protocol::outputs::OpenError::NotRegular(kind)) => {
            Entry::Free(FileContent::Special {
                special: kind.to_owned(),
            })
        }
        Err(crate::protocol::outputs::OpenError::Io(_)) => Entry::Unreadable,
    }
}

/// The caps' bookkeeping while entries come in, in path order.
#[derive(Default)]
struct Listing {
    files: BTreeMap<String, FileContent>,
    bytes: u64,
    omitted: Omitted,
}

impl Listing {
    fn omit(&mut self, bytes: u64, reason: String) {
        self.omitted.entries += 1;
        self.omitted.bytes += bytes;
        self.omitted.because(reason);
    }

    /// Whether the entry cap is reached.
    fn full(&self) -> bool {
        self.files.len() >= RECORD_MAX_FILES
    }

    /// Lists one entry (the caller checked [`Listing::full`]), cutting its content to what is
    /// left of the byte budget.
    fn add(&mut self, rel: String, entry: Entry) {
        let (bytes, size) = match entry {
            Entry::Free(content) => {
                self.files.insert(rel, content);
                return;
            }
            Entry::Unreadable => {
                self.omit(0, "unreadable entries".to_owned());
                return;
            }
            Entry::Bytes(bytes, size) => (bytes, size),
            Entry::Reported(content) => {
                let size = reported_size(&content);
                match content {
                    FileContent::Truncated { base64: b, .. } => {
                        (decode(&b).unwrap_or_default(), size)
                    }
                    other => match other.bytes() {
                        Some(bytes) => (bytes, size),
                        None => {
                            self.files.insert(rel, other);
                            return;
                        }
                    },
                }
            }
        };
        let room = RECORD_MAX_BYTES.saturating_sub(self.bytes);
        if room == 0 && size > 0 {
            self.omit(
                size,
                format!("more than {RECORD_MAX_BYTES} bytes of content"),
            );
            return;
        }
        let keep = (bytes.len() as u64).min(RECORD_CAP).min(room) as usize;
        if keep < bytes.len() && (keep as u64) < RECORD_CAP {
            self.omitted.bytes += (bytes.len() - keep) as u64;
            self.omitted
                .because(format!("more than {RECORD_MAX_BYTES} bytes of content"));
        }
        self.bytes += keep as u64;
        let content = if (keep as u64) < size {
            FileContent::Truncated {
                truncated: size,
                base64: base64::engine::general_purpose::STANDARD.encode(&bytes[..keep]),
            }
        } else {
            FileContent::from_bytes(bytes)
        };
        self.files.insert(rel, content);
    }

    fn finish(self) -> DirListing {
        DirListing {
            files: self.files,
            omitted: (self.omitted.entries > 0 || !self.omitted.reasons.is_empty())
                .then_some(self.omitted),
        }
    }
}

fn decode(b64: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

/// The full size a reported content stands for.
fn reported_size(c: &FileContent) -> u64 {
    match c {
        FileContent::Truncated { truncated, .. } => *truncated,
        FileContent::Text(s) => s.len() as u64,
        FileContent::Binary { base64 } => decode(base64).map_or(0, |b| b.len() as u64),
        FileContent::Symlink { .. } | FileContent::Special { .. } => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reported_listing_is_capped_like_a_walked_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        for i in 0..300 {
            std::fs::write(dir.path().join(format!("a/{i:03}")), "x").unwrap();
        }
        std::fs::write(dir.path().join("a-b"), vec![b'y'; 100_000]).unwrap();
        let walked = snapshot_dir(dir.path()).unwrap();
        let reported = cap_listing(
            walked
                .files
                .clone()
                .into_iter()
                .chain([(
                    "a-b".to_owned(),
                    FileContent::Truncated {
                        truncated: 100_000,
                        base64: String::new(),
                    },
                )])
                .chain((256..300).map(|i| (format!("a/{i:03}"), FileContent::Text("x".into()))))
                .collect(),
        );
        assert_eq!(walked.files.len(), RECORD_MAX_FILES);
        assert!(!walked.files.contains_key("a-b"), "walk order: a/… first");
        assert_eq!(reported, walked);
        assert_eq!(walked.omitted.as_ref().unwrap().entries, 45);
        assert_eq!(walked.omitted.unwrap().bytes, 44 + 100_000);
    }

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
