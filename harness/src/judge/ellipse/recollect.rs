//! Output collection from a record instead of a live directory, for the judge.
//!
//! Part of judging rather than of [`crate::protocol::outputs`]: it reads a [`crate::protocol::record`], and the record
//! module itself uses the output stage's safe file reading.
//!
//! When an input-stage error took the place of the program's result (copilot's downloader
//! failed, yet the container ran), the judge still wants the program's own result: the files
//! the record kept are laid out again in a temporary directory and collected as the sidecar
//! would have.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::protocol::outputs::{CollectRequest, Collected, collect_outputs};
use crate::protocol::profile::Profile;
use crate::protocol::record::FileContent;
use crate::spec::suite::TaskSpec;

/// Collects outputs again from the files a record kept, as the sidecar would have.
///
/// Used when an input-stage error replaced the program's result. Files the record truncated
/// (> 64 KiB) are far above the collector's 1 KiB cap, so their first bytes give the same
/// verdict (a size error, with a smaller size in its message).
pub fn recollect(
    files: &BTreeMap<String, FileContent>,
    task: &TaskSpec,
    profile: Profile,
) -> Result<Collected> {
    let dir = crate::engine::scratch::tempdir("recollect")?;
    for (name, content) in files {
        // Listings are checked when they come in (an adapter's `files`); checked again here,
        // where a name that left the directory would write on the host.
        if !crate::protocol::record::is_listing_path(name) {
            return Err(Error::Usage(format!(
                "rawconf refuses to lay out the recorded file {name:?}: not a relative path inside the output directory"
            )));
        }
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        match content {
            FileContent::Symlink { symlink } => {
                std::os::unix::fs::symlink(symlink, &path).map_err(|e| Error::io(&path, e))?
            }
            FileContent::Truncated { base64, .. } => {
                use base64::Engine as _;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(base64)
                    .unwrap_or_default();
                std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
            }
            // Laid out again as what it was, so the collector refuses it the same way: a
            // socket as a socket, anything else that is not a file (FIFO, device) as a FIFO —
            // nothing will ever write to it, and the collector never opens it for reading.
            FileContent::Special { special } if special == "socket" => {
                std::os::unix::net::UnixListener::bind(&path).map_err(|e| Error::io(&path, e))?;
            }
            FileContent::Special { .. } => {
                rustix::fs::mknodat(
                    rustix::fs::CWD,
                    &path,
                    rustix::fs::FileType::Fifo,
                    rustix::fs::Mode::from_raw_mode(0o600),
                    0,
                )
                .map_err(|e| Error::io(&path, std::io::Error::from(e)))?;
            }
            other => {
                std::fs::write(&path, other.bytes().unwrap_or_default())
                    .map_err(|e| Error::io(&path, e))?;
            }
        }
    }
    collect_outputs(&CollectRequest {
        interface: &task.interface,
        dir: dir.path(),
        container_dir: Some(&task.output_data_dir),
        // A blob output's URI would name this temp dir; the ellipse judge reads primitives only
        // and never puts a recollected URI into a record.
        raw_output_prefix: None,
        profile,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ellipse_task() -> TaskSpec {
        let suites = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/suites");
        crate::spec::suite::Suite::named(&suites, "ellipse")
            .unwrap()
            .task
    }

    /// A FIFO the record lists is laid out as a FIFO again and refused as one — not read as an
    /// empty file (which would turn into a float parse error), and without blocking.
    #[test]
    fn special_files_are_refused_again_not_read_as_empty() {
        for (kind, shown) in [("FIFO", "FIFO"), ("socket", "socket")] {
            let files = BTreeMap::from([
                (
                    "area".to_owned(),
                    FileContent::Special {
                        special: kind.into(),
                    },
                ),
                ("metadata".to_owned(), FileContent::Text("m".into())),
            ]);
            let Collected::Error(e) = recollect(&files, &ellipse_task(), Profile::Backend).unwrap()
            else {
                panic!("a {kind} `area` was collected");
            };
            assert!(e.message.contains(shown), "{kind}: {}", e.message);
        }
    }
}
