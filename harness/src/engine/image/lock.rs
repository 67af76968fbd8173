//! Cross-process exclusive locks on files in the cache directory.
//!
//! A `Mutex` cannot coordinate nextest's processes or two `rawconf` invocations; an advisory
//! file lock can, and the kernel drops it when a process dies, so a crash never wedges a build.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A held lock; released on drop.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

/// Blocks (on a blocking thread) until the lock at `path` is held.
pub async fn acquire(path: PathBuf) -> Result<FileLock> {
    tokio::task::spawn_blocking(move || acquire_blocking(&path))
        .await
        .map_err(|e| Error::Internal(format!("lock task failed: {e}")))?
}

fn acquire_blocking(path: &Path) -> Result<FileLock> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    file.lock().map_err(|e| Error::io(path, e))?;
    Ok(FileLock { _file: file })
}
