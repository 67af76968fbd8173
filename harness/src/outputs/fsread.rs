//! Reading the container's output directory safely: never follow a symlink to a target outside
//! the directory, never read more than a cap (+1 byte to detect "too large").

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// copilot's `maxPrimitiveSize`: a simple-typed output file may hold at most 1024 bytes.
pub const SIMPLE_FILE_CAP: u64 = 1024;
/// copilot's `_ERROR` limit: 1 MiB.
pub const ERROR_FILE_CAP: u64 = 1024 * 1024;

/// A path inside the output directory, resolved without escaping it.
#[derive(Debug)]
pub struct Resolved {
    /// The real path (symlinks inside the directory resolved).
    pub path: PathBuf,
    /// Its metadata (of the target, like Go's `os.Stat`).
    pub meta: Metadata,
}

/// `os.Stat` restricted to `root`: a symlink is followed only if its target stays inside
/// `root`; otherwise it is reported as `PermissionDenied` with a message saying why.
pub fn stat_inside(root: &Path, path: &Path) -> io::Result<Resolved> {
    let lmeta = std::fs::symlink_metadata(path)?;
    if !lmeta.file_type().is_symlink() {
        return Ok(Resolved {
            path: path.to_path_buf(),
            meta: lmeta,
        });
    }
    let real = std::fs::canonicalize(path)?;
    let root = std::fs::canonicalize(root)?;
    if !real.starts_with(&root) {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "rawconf refuses to follow a symlink out of the output directory (to {})",
                real.display()
            ),
        ));
    }
    let meta = std::fs::metadata(&real)?;
    Ok(Resolved { path: real, meta })
}

/// Read at most `cap + 1` bytes of a regular file, refusing a symlink at the last component.
pub fn read_capped(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let f = File::options()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    let mut buf = Vec::new();
    f.take(cap + 1).read_to_end(&mut buf)?;
    Ok(buf)
}

/// Go's text for an `os.Stat` failure: `stat <path>: no such file or directory`.
pub fn go_stat_error(shown: &str, e: &io::Error) -> String {
    let why = match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied if e.raw_os_error().is_some() => {
            "permission denied".to_string()
        }
        io::ErrorKind::NotADirectory => "not a directory".to_string(),
        _ => e.to_string(),
    };
    format!("stat {shown}: {why}")
}
