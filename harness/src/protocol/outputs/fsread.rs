//! Reading the container's output directory safely: never follow a symlink to a target outside
//! the directory ([`super::Beneath`] resolves every path inside it), never read more than a cap (+1 byte to detect "too large"), and never open
//! anything but a regular file.
//!
//! The image under test is hostile by assumption. A FIFO named `area` would block a plain
//! `open(2)` for reading forever (no writer ever comes); a device node could be read without
//! end. So every read goes through [`open_regular`]: `O_NONBLOCK | O_NOFOLLOW` makes the open
//! itself return at once whatever the path is, and `fstat` on the *opened descriptor* decides —
//! there is no window between a check and the open in which the path could be swapped.

use std::fs::{File, FileType, Metadata};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// copilot's `maxPrimitiveSize`: a simple-typed output file may hold at most 1024 bytes.
pub const SIMPLE_FILE_CAP: u64 = 1024;
/// copilot's `_ERROR` limit: 1 MiB.
pub const ERROR_FILE_CAP: u64 = 1024 * 1024;

/// What a directory entry is, in words for messages and records: `regular file`, `directory`,
/// `symlink`, `FIFO`, `socket`, `block device`, `character device`.
pub fn kind_name(ft: FileType) -> &'static str {
    if ft.is_file() {
        "regular file"
    } else if ft.is_dir() {
        "directory"
    } else if ft.is_symlink() {
        "symlink"
    } else if ft.is_fifo() {
        "FIFO"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_block_device() {
        "block device"
    } else if ft.is_char_device() {
        "character device"
    } else {
        "special file"
    }
}

/// Why [`open_regular`] refused or failed.
#[derive(Debug)]
pub enum OpenError {
    /// The path exists but is not a regular file (a FIFO, a socket, a device, a directory…);
    /// the value is its kind as [`kind_name`] spells it.
    NotRegular(&'static str),
    /// The open or the `fstat` failed.
    Io(io::Error),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::NotRegular(kind) => {
                write!(
                    f,
                    "it is a {kind}, not a regular file; rawconf reads only regular files"
                )
            }
            OpenError::Io(e) => e.fmt(f),
        }
    }
}

impl From<OpenError> for io::Error {
    fn from(e: OpenError) -> io::Error {
        match e {
            OpenError::Io(e) => e,
            not @ OpenError::NotRegular(_) => {
                io::Error::new(io::ErrorKind::InvalidInput, not.to_string())
            }
        }
    }
}

/// Opens `path` for reading only if it is a regular file, without ever blocking: the open uses
/// `O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC` (a FIFO opens at once, a symlink at the last component
/// fails with `ELOOP`), then `fstat` of the descriptor checks the type. Returns the file and its
/// metadata (the size is the descriptor's, not a stale `stat`'s).
pub fn open_regular(path: &Path) -> Result<(File, Metadata), OpenError> {
    let opened = File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path);
    let f = match opened {
        Ok(f) => f,
        // A socket cannot be opened at all (ENXIO), a symlink not through O_NOFOLLOW (ELOOP):
        // name what is there instead of the errno.
        Err(e) if matches!(e.raw_os_error(), Some(libc::ENXIO) | Some(libc::ELOOP)) => {
            return Err(match std::fs::symlink_metadata(path) {
                Ok(m) if !m.is_file() => OpenError::NotRegular(kind_name(m.file_type())),
                _ => OpenError::Io(e),
            });
        }
        Err(e) => return Err(OpenError::Io(e)),
    };
    let meta = f.metadata().map_err(OpenError::Io)?;
    if !meta.is_file() {
        return Err(OpenError::NotRegular(kind_name(meta.file_type())));
    }
    Ok((f, meta))
}

/// Read at most `cap + 1` bytes of a regular file (see [`open_regular`]).
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, OpenError> {
    let (f, _) = open_regular(path)?;
    let mut buf = Vec::new();
    f.take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(OpenError::Io)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn mkfifo(path: &Path) {
        let st = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .unwrap();
        assert!(st.success(), "mkfifo {}", path.display());
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("area");
        mkfifo(&fifo);
        match read_capped(&fifo, 10) {
            Err(OpenError::NotRegular(kind)) => assert_eq!(kind, "FIFO"),
            other => panic!("expected NotRegular, got {other:?}"),
        }
    }

    #[test]
    fn a_socket_and_a_symlink_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("s");
        let _l = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        assert!(matches!(
            open_regular(&sock),
            Err(OpenError::NotRegular("socket"))
        ));
        let link = dir.path().join("l");
        std::os::unix::fs::symlink("/etc/hostname", &link).unwrap();
        assert!(matches!(
            open_regular(&link),
            Err(OpenError::NotRegular("symlink"))
        ));
        assert!(matches!(
            open_regular(Path::new("/dev/null")),
            Err(OpenError::NotRegular("character device"))
        ));
        let file = dir.path().join("f");
        std::fs::write(&file, b"0123456789").unwrap();
        assert_eq!(read_capped(&file, 4).unwrap(), b"01234");
    }
}
