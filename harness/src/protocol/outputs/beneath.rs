//! Resolving a path the image wrote **inside the output directory as its root**, the way the
//! sidecar resolves it inside its own container — never on the host.
//!
//! Why not `canonicalize`: it resolves a symlink the image wrote against the *host's* file
//! system. `../../../../etc/passwd` then reaches the host's `/etc/passwd` from a shallow temp
//! dir and nothing from a deep one, so the same image gives different records on different
//! machines, and an untrusted image can learn whether a host path exists from the error it gets
//! back. Here every step is taken by hand from a directory descriptor inside the output
//! directory: one component at a time (`openat`/`statat`/`readlinkat` with `O_NOFOLLOW`),
//! symlink targets spliced into the remaining components, `..` popped from the stack of
//! directories already walked. A step that would leave the directory — `..` at its top, an
//! absolute target outside the container's own path of the directory — is refused with the
//! link and its literal target, before anything outside is looked at. The answer therefore
//! depends on the output directory's contents alone.
//!
//! Portable: only POSIX `*at` calls (Linux's `openat2(RESOLVE_IN_ROOT)` would clamp an escape to
//! the root instead of refusing it, and could not map an absolute link to `/var/outputs/x`).

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs::{File, Metadata};
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStringExt;
use std::path::{Component, Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};

/// Linux's `MAXSYMLINKS`: more links than this in one resolution is a loop (`ELOOP`).
const MAX_SYMLINKS: usize = 40;

/// A path inside the output directory, resolved without leaving it.
#[derive(Debug)]
pub struct Resolved {
    /// The host path of what the path names: the output directory joined with real
    /// directories only (every symlink on the way replaced by its target, never canonicalised,
    /// so it starts with the directory exactly as the caller spelled it).
    pub path: PathBuf,
    /// Its metadata (of the target, like Go's `os.Stat`), read from a descriptor opened with
    /// `O_PATH | O_NOFOLLOW`.
    pub meta: Metadata,
}

/// The output directory as a root: where it is on the host, how messages spell it, and where
/// the image saw it (an absolute symlink into that path stays inside).
#[derive(Debug, Clone, Copy)]
pub struct Beneath<'a> {
    /// The directory on the host.
    pub host: &'a Path,
    /// The directory as messages show it (the container's path, or the host's when unknown).
    pub shown: &'a str,
    /// The directory as the container saw it (`/var/outputs`); `None`: every absolute link
    /// leaves it.
    pub container: Option<&'a str>,
}

impl Beneath<'_> {
    /// `os.Stat` of `path` (the output directory joined with a relative path), with every
    /// symlink resolved inside the directory.
    ///
    /// Errors: `NotFound` (missing, or a dangling link inside), `NotADirectory`,
    /// `PermissionDenied` with a message naming the link and its literal target when a link
    /// leaves the directory, an `Other` "too many levels of symbolic links" after 40 links.
    pub fn stat(&self, path: &Path) -> io::Result<Resolved> {
        let rel = path.strip_prefix(self.host).map_err(|_| {
            io::Error::other(format!(
                "rawconf: {} is not inside the output directory {}",
                path.display(),
                self.host.display()
            ))
        })?;
        let root = rustix::fs::open(
            self.host,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        let mut walk = Walk {
            at: self,
            root,
            dirs: Vec::new(),
            pending: rel.components().map(owned).collect(),
            links: 0,
        };
        walk.run()
    }
}

/// One resolution in progress.
struct Walk<'a, 'b> {
    at: &'b Beneath<'a>,
    root: OwnedFd,
    /// Real directories below the root, each opened `O_PATH | O_NOFOLLOW`, with its name.
    dirs: Vec<(OwnedFd, OsString)>,
    /// Components still to walk (`..` kept as `..`).
    pending: VecDeque<OsString>,
    links: usize,
}

/// A component as a name to walk: `..` stays `..`, the root and `.` are dropped later.
fn owned(c: Component<'_>) -> OsString {
    match c {
        Component::ParentDir => OsString::from(".."),
        Component::Normal(n) => n.to_os_string(),
        Component::CurDir | Component::RootDir | Component::Prefix(_) => OsString::from("."),
    }
}

impl Walk<'_, '_> {
    fn here(&self) -> &OwnedFd {
        self.dirs.last().map_or(&self.root, |(fd, _)| fd)
    }

    /// The relative path walked so far, for the resolved host path and for messages.
    fn walked(&self) -> PathBuf {
        self.dirs.iter().map(|(_, n)| n.as_os_str()).collect()
    }

    fn shown(&self, rel: &Path) -> String {
        let rel = rel.to_string_lossy();
        if rel.is_empty() {
            self.at.shown.to_owned()
        } else {
            format!("{}/{rel}", self.at.shown.trim_end_matches('/'))
        }
    }

    fn escape(&self, link: &Path, target: &Path) -> io::Error {
        io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "rawconf refuses to follow the symlink {} -> {}: its target leaves the output directory",
                self.shown(link),
                target.to_string_lossy()
            ),
        )
    }

    fn run(&mut self) -> io::Result<Resolved> {
        // The link whose target is being walked now, for a `..` that climbs out of the root.
        let mut last_link: Option<(PathBuf, PathBuf)> = None;
        while let Some(name) = self.pending.pop_front() {
            if name == "." || name.is_empty() {
                continue;
            }
            if name == ".." {
                if self.dirs.pop().is_none() {
                    return Err(match &last_link {
                        Some((link, target)) => self.escape(link, target),
                        // The caller's own path climbs out: a harness bug, not the image's.
                        None => io::Error::other("rawconf: a path climbs out of the output dir"),
                    });
                }
                continue;
            }
            let st = rustix::fs::statat(self.here(), &name, AtFlags::SYMLINK_NOFOLLOW)?;
            match FileType::from_raw_mode(st.st_mode) {
                FileType::Symlink => {
                    let link = self.walked().join(&name);
                    let target = PathBuf::from(OsString::from_vec(
                        rustix::fs::readlinkat(self.here(), &name, Vec::new())?.into_bytes(),
                    ));
                    self.links += 1;
                    if self.links > MAX_SYMLINKS {
                        return Err(io::Error::other("too many levels of symbolic links"));
                    }
                    if target.as_os_str().is_empty() {
                        return Err(io::ErrorKind::NotFound.into());
                    }
                    let inner = if target.is_absolute() {
                        match self.inside_container(&target) {
                            Some(rest) => {
                                self.dirs.clear();
                                rest
                            }
                            None => return Err(self.escape(&link, &target)),
                        }
                    } else {
                        target.components().map(owned).collect()
                    };
                    for c in inner.into_iter().rev() {
                        self.pending.push_front(c);
                    }
                    last_link = Some((link, target));
                }
                FileType::Directory => {
                    let fd = rustix::fs::openat(
                        self.here(),
                        &name,
                        OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                        Mode::empty(),
                    )?;
                    self.dirs.push((fd, name));
                }
                _ if !self.pending.iter().all(|c| c == ".") => {
                    return Err(io::ErrorKind::NotADirectory.into());
                }
                _ => {
                    let fd = rustix::fs::openat(
                        self.here(),
                        &name,
                        OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                        Mode::empty(),
                    )?;
                    let meta = File::from(fd).metadata()?;
                    let path = self.at.host.join(self.walked()).join(&name);
                    return Ok(Resolved { path, meta });
                }
            }
        }
        // Ends on a directory (the root itself, or a directory reached last).
        let meta = File::from(self.here().try_clone()?).metadata()?;
        Ok(Resolved {
            path: self.at.host.join(self.walked()),
            meta,
        })
    }

    /// The components of an absolute `target` below the container's path of the output
    /// directory, or `None` when it points elsewhere in the container.
    fn inside_container(&self, target: &Path) -> Option<VecDeque<OsString>> {
        let base = Path::new(self.at.container?);
        let mut t = target.components();
        for b in base.components() {
            if t.next() != Some(b) {
                return None;
            }
        }
        Some(t.map(owned).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn at(dir: &Path) -> Beneath<'_> {
        Beneath {
            host: dir,
            shown: "/var/outputs",
            container: Some("/var/outputs"),
        }
    }

    fn refusal(dir: &Path, name: &str) -> String {
        let e = at(dir).stat(&dir.join(name)).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::PermissionDenied, "{e}");
        e.to_string()
    }

    #[test]
    fn links_inside_are_followed_and_the_path_is_not_canonicalised() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("a/b")).unwrap();
        std::fs::write(d.join("a/b/f"), b"x").unwrap();
        symlink("a/b/f", d.join("rel")).unwrap();
        symlink("/var/outputs/a/b/f", d.join("abs")).unwrap();
        symlink("b/../b/f", d.join("a/dotdot")).unwrap();
        symlink("a", d.join("dirlink")).unwrap();
        symlink("rel", d.join("chain")).unwrap();
        for name in ["rel", "abs", "a/dotdot", "chain", "dirlink/b/f"] {
            let r = at(d).stat(&d.join(name)).unwrap();
            assert_eq!(r.path, d.join("a/b/f"), "{name}");
            assert!(r.meta.is_file() && r.meta.len() == 1, "{name}");
        }
        let r = at(d).stat(&d.join("dirlink")).unwrap();
        assert!(r.meta.is_dir());
        assert_eq!(r.path, d.join("a"));
    }

    #[test]
    fn escapes_are_refused_naming_the_link_and_its_literal_target() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("sub")).unwrap();
        symlink("../../../../../../../../etc/passwd", d.join("rel")).unwrap();
        symlink("/etc/passwd", d.join("abs")).unwrap();
        symlink("/proc/self/cwd", d.join("proc")).unwrap();
        symlink("../rel", d.join("sub/chain")).unwrap();
        symlink("/var/outputs/../inputs", d.join("around")).unwrap();
        symlink("..", d.join("up")).unwrap();
        assert_eq!(
            refusal(d, "rel"),
            "rawconf refuses to follow the symlink /var/outputs/rel -> ../../../../../../../../etc/passwd: its target leaves the output directory"
        );
        assert!(refusal(d, "abs").contains("/var/outputs/abs -> /etc/passwd:"));
        assert!(refusal(d, "proc").contains("/var/outputs/proc -> /proc/self/cwd:"));
        assert!(refusal(d, "sub/chain").contains("/var/outputs/rel -> ../../"));
        assert!(refusal(d, "around").contains("-> /var/outputs/../inputs:"));
        assert!(refusal(d, "up/x").contains("/var/outputs/up -> ..:"));
        // The same refusal whatever exists outside: a target that is missing on the host.
        symlink("../../../../no/such/host/path", d.join("missing")).unwrap();
        assert!(refusal(d, "missing").contains("-> ../../../../no/such/host/path:"));
    }

    #[test]
    fn dangling_loops_and_files_as_directories() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        symlink("nowhere", d.join("dangling")).unwrap();
        symlink("loop", d.join("loop")).unwrap();
        std::fs::write(d.join("file"), b"").unwrap();
        let kind = |n: &str| at(d).stat(&d.join(n)).unwrap_err().kind();
        assert_eq!(kind("dangling"), io::ErrorKind::NotFound);
        assert_eq!(kind("absent"), io::ErrorKind::NotFound);
        assert_eq!(kind("file/x"), io::ErrorKind::NotADirectory);
        let e = at(d).stat(&d.join("loop")).unwrap_err();
        assert_eq!(e.to_string(), "too many levels of symbolic links");
    }
}
