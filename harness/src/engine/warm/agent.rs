//! The agent: PID 1 of every pool container, a dash loop that runs one case per request.
//!
//! **Why not `docker exec`.** An exec goes through dockerd, containerd, a shim and `runc exec`
//! — about 80 ms of CPU per case on these machines (measured: 783 property-run cases cost
//! 60 CPU-seconds of exec machinery against 51 for the five programs themselves). A property
//! run on 2 cores is CPU-bound, so that overhead is the difference between 1.8× and 3× faster
//! than a fresh container per case. The agent is already inside the container: a case costs
//! one fork of dash and the program's own exec (about 2 ms for `true`).
//!
//! **The channel.** Each pool container gets its own host dir, bound read-write at
//! [`CTL_AT`], holding four FIFOs and one file. The host opens every FIFO read-write, so no
//! open ever blocks and no read ever sees end-of-file (the FIFO-hang class of bugs cannot
//! happen here: every wait has the case's timeout, and a stopped container is noticed by
//! polling the engine):
//!
//! - `argv` (a file): the case's argv as `set -- 'arg' …` in dash quoting, preceded by
//!   `unset PWD OLDPWD` when the image does not set `PWD` itself;
//! - `go`: the host writes one request line, a nonce; the agent blocks reading it;
//! - `out`, `err`: the case's stdout and stderr (the program sees a FIFO, as it sees a pipe
//!   in a fresh container); the host drains both while the case runs, capped as fresh mode;
//! - `status`: the agent answers `<nonce> <exit code>`, or `<nonce> dirty <why>` when it could
//!   not make the container clean and did not run the case. Lines with another nonce (a case
//!   that wrote into the FIFO) are ignored.
//!
//! **A clean container for every case.** Before a case the agent checks that it is alone
//! (zombies aside, they are reaped as it goes), that no System V IPC object exists, and
//! empties `/tmp`, `/dev/shm` and `/dev/mqueue` — everything a fresh container starts empty
//! that a case can write to (the root file system is read-only). The case runs in a subshell
//! with stdin from `/dev/null` and `exec`s its argv, in the container's environment and
//! working directory. When it exits the agent kills every other process in the container
//! (`kill -9 -1` from PID 1 spares only PID 1): what a fresh container does when its
//! program, PID 1 there, exits. Only then does it answer, so the output FIFOs hold all the
//! case will ever write.
//!
//! **What a case can still do.** It sees [`CTL_AT`] and can write into the FIFOs: at worst it
//! garbles its own result or, by queueing a request, that of the next case of the same image.
//! An image can make its own results anything it likes anyway; it cannot reach the host or
//! another image's containers.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bollard::Docker;
use tokio::io::AsyncReadExt;
use tokio::net::unix::pipe;

use crate::engine::container::push_capped;
use crate::error::{Error, Result};
use crate::text::sh_quoted;

/// Where the channel dir is bound in a pool container.
pub(super) const CTL_AT: &str = "/run/rawconf-warm";

/// The agent's program: `/bin/sh -c AGENT rawconf-warm <ctl dir>`. Built-ins only on the
/// clean path (`[`, globbing, `read`, `kill` are dash built-ins): no fork but the case's.
/// `kill` only sends the signal: the agent then waits (a bounded loop over `/proc`) until the
/// processes it killed are gone or zombies, so the next case's check does not race them.
pub(super) const AGENT: &str = r#"c=$1
others() {
  n=0
  for p in /proc/[0-9]*; do
    IFS= read -r s < "$p/stat" 2>/dev/null || continue
    case "$s" in *") Z "*) ;; *) n=$((n+1)) ;; esac
  done
  n=$((n-1))
}
while :; do
  IFS= read -r nonce < "$c/go" || exit 0
  why=
  others
  [ "$n" -gt 0 ] && why="$n process(es) left"
  for f in /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg; do
    [ -r "$f" ] || continue
    n=0; while IFS= read -r l; do n=$((n+1)); done < "$f"
    [ "$n" -gt 1 ] && why="System V IPC objects left ($f)"
  done
  for f in /tmp/* /tmp/.[!.]* /tmp/..?* /dev/shm/* /dev/shm/.[!.]* /dev/shm/..?* /dev/mqueue/*; do
    if [ -e "$f" ] || [ -L "$f" ]; then
      rm -rf -- "$f" 2>/dev/null
      if [ -e "$f" ] || [ -L "$f" ]; then why="cannot remove $f"; fi
    fi
  done
  if [ -n "$why" ]; then echo "$nonce dirty $why" > "$c/status"; continue; fi
  ( . "$c/argv"; exec "$@" ) < /dev/null > "$c/out" 2> "$c/err"
  rc=$?
  kill -9 -1 2>/dev/null
  i=0
  while others; [ "$n" -gt 0 ] && [ "$i" -lt 2000 ]; do i=$((i+1)); done
  echo "$nonce $rc" > "$c/status"
done
"#;

/// How often a waiting case asks the engine whether its container still runs (a container
/// that stopped would otherwise be noticed only at the case's timeout).
const ALIVE_EVERY: Duration = Duration::from_secs(2);

/// What the agent answered for one case.
#[derive(Debug)]
pub(super) enum Reply {
    /// The case ran and exited with this code (128 + n for signal n).
    Exited(i64),
    /// The container could not be made clean; the case did not run.
    Dirty(String),
    /// No answer within the timeout.
    TimedOut,
}

/// One case's result through the channel.
#[derive(Debug)]
pub(super) struct Finished {
    pub reply: Reply,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub duration: Duration,
}

/// The host end of one container's channel.
#[derive(Debug)]
pub(super) struct Channel {
    dir: tempfile::TempDir,
    go: pipe::Sender,
    status: pipe::Receiver,
    out: pipe::Receiver,
    err: pipe::Receiver,
    next: u64,
}

impl Channel {
    /// A new channel dir with its FIFOs, opened on the host (call inside the tokio runtime).
    pub(super) fn new() -> Result<Channel> {
        let dir = crate::engine::scratch::tempdir("agent")?;
        let path = |name: &str| dir.path().join(name);
        let io = |p: PathBuf| move |e: std::io::Error| Error::io(p, e);
        // The image's user may not be root, and every capability is dropped (no
        // CAP_DAC_OVERRIDE): the dir must be searchable and the FIFOs openable by anyone.
        // mkfifo honours the umask, so the mode is set afterwards.
        let chmod = |p: PathBuf, mode: u32| {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).map_err(io(p))
        };
        chmod(dir.path().to_owned(), 0o755)?;
        for name in ["go", "status", "out", "err"] {
            rustix::fs::mkfifoat(
                rustix::fs::CWD,
                path(name),
                rustix::fs::Mode::from_raw_mode(0o666),
            )
            .map_err(|e| Error::io(path(name), e.into()))?;
            chmod(path(name), 0o666)?;
        }
        let receiver = |name: &str| {
            pipe::OpenOptions::new()
                .read_write(true)
                .open_receiver(path(name))
                .map_err(io(path(name)))
        };
        Ok(Channel {
            go: pipe::OpenOptions::new()
                .read_write(true)
                .open_sender(path("go"))
                .map_err(io(path("go")))?,
            status: receiver("status")?,
            out: receiver("out")?,
            err: receiver("err")?,
            next: 0,
            dir,
        })
    }

    /// The host dir to bind at [`CTL_AT`].
    pub(super) fn host_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `argv` in the container `id` (its agent reading this channel), within `timeout`.
    pub(super) async fn run(
        &mut self,
        docker: &Docker,
        id: &str,
        argv: &[String],
        keep_pwd: bool,
        timeout: Duration,
    ) -> Result<Finished> {
        let mut script = String::new();
        if !keep_pwd {
            script.push_str("unset PWD OLDPWD\n");
        }
        script.push_str("set --");
        for a in argv {
            script.push(' ');
            script.push_str(&sh_quoted(a));
        }
        script.push('\n');
        let argv_path = self.dir.path().join("argv");
        let partial = self.dir.path().join(".argv.partial");
        std::fs::write(&partial, script).map_err(|e| Error::io(&partial, e))?;
        std::fs::rename(&partial, &argv_path).map_err(|e| Error::io(&argv_path, e))?;

        // Whatever a previous case left in the FIFOs is not this case's.
        let mut scratch = vec![0u8; 64 * 1024];
        for r in [&self.status, &self.out, &self.err] {
            while matches!(r.try_read(&mut scratch), Ok(n) if n > 0) {}
        }
        self.next += 1;
        let nonce = format!("{:x}-{}", std::process::id(), self.next);
        let request = format!("{nonce}\n");
        let started = Instant::now();
        // One short line into a FIFO the host also reads: never blocks (PIPE_BUF is atomic).
        let mut written = 0;
        while written < request.len() {
            self.go.writable().await.map_err(|e| self.fault("go", e))?;
            match self.go.try_write(&request.as_bytes()[written..]) {
                Ok(n) => written += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(self.fault("go", e)),
            }
        }

        let (mut out, mut err, mut status) = (Vec::new(), Vec::new(), Vec::new());
        let (mut ob, mut eb, mut sb) = (vec![0u8; 16384], vec![0u8; 16384], [0u8; 256]);
        let deadline = tokio::time::Instant::now() + timeout;
        let mut alive_at = tokio::time::Instant::now() + ALIVE_EVERY;
        let reply = loop {
            if let Some(reply) = parse_status(&status, &nonce) {
                break reply;
            }
            tokio::select! {
                r = self.out.read(&mut ob) => {
                    let n = r.map_err(|e| Error::io(self.dir.path().join("out"), e))?;
                    push_capped(&mut out, &ob[..n]);
                }
                r = self.err.read(&mut eb) => {
                    let n = r.map_err(|e| Error::io(self.dir.path().join("err"), e))?;
                    push_capped(&mut err, &eb[..n]);
                }
                r = self.status.read(&mut sb) => {
                    let n = r.map_err(|e| Error::io(self.dir.path().join("status"), e))?;
                    status.extend_from_slice(&sb[..n]);
                    // Bounded: a case that floods the status FIFO garbles only its own reply.
                    if status.len() > 64 * 1024 {
                        let keep = status.len() - 4096;
                        status.drain(..keep);
                    }
                }
                () = tokio::time::sleep_until(deadline) => break Reply::TimedOut,
                () = tokio::time::sleep_until(alive_at) => {
                    alive_at += ALIVE_EVERY;
                    let running = docker
                        .inspect_container(id, None)
                        .await
                        .ok()
                        .and_then(|c| c.state)
                        .and_then(|s| s.running);
                    if running != Some(true) {
                        return Err(Error::docker_state(format!(
                            "warm mode: pool container {id} stopped while running a case"
                        )));
                    }
                }
            }
        };
        let duration = started.elapsed();
        // Every process of the case is dead before the agent answers: what is left in the
        // FIFOs is the rest of its output.
        for (r, buf) in [(&self.out, &mut out), (&self.err, &mut err)] {
            while let Ok(n) = r.try_read(&mut scratch) {
                if n == 0 {
                    break;
                }
                push_capped(buf, &scratch[..n]);
            }
        }
        Ok(Finished {
            reply,
            stdout: out,
            stderr: err,
            duration,
        })
    }

    fn fault(&self, name: &str, e: std::io::Error) -> Error {
        Error::io(self.dir.path().join(name), e)
    }
}

/// The reply for `nonce` in what the status FIFO gave so far, once its line is complete.
fn parse_status(status: &[u8], nonce: &str) -> Option<Reply> {
    let text = String::from_utf8_lossy(status);
    let mut complete = text.split_inclusive('\n').filter(|l| l.ends_with('\n'));
    let rest = complete.find_map(|l| l.trim_end().strip_prefix(nonce)?.strip_prefix(' '))?;
    Some(match rest.strip_prefix("dirty ") {
        Some(why) => Reply::Dirty(why.to_owned()),
        // An agent that cannot parse its own `$?` is broken: report it as a dirty container.
        None => match rest.parse() {
            Ok(code) => Reply::Exited(code),
            Err(_) => Reply::Dirty(format!("unreadable status `{rest}`")),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_are_matched_by_nonce_and_complete() {
        assert!(parse_status(b"", "a-1").is_none());
        assert!(parse_status(b"a-1 0", "a-1").is_none(), "incomplete line");
        assert!(matches!(
            parse_status(b"a-1 3\n", "a-1"),
            Some(Reply::Exited(3))
        ));
        // A forged line with another nonce (or a prefix of this one) is skipped.
        assert!(matches!(
            parse_status(b"a-12 0\nforged 0\na-1 137\n", "a-1"),
            Some(Reply::Exited(137))
        ));
        assert!(matches!(
            parse_status(b"a-1 dirty 2 process(es) left\n", "a-1"),
            Some(Reply::Dirty(w)) if w == "2 process(es) left"
        ));
        assert!(matches!(
            parse_status(b"a-1 x\n", "a-1"),
            Some(Reply::Dirty(_))
        ));
    }
}
