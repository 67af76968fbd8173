//! Running the adapter program once: stdin in, stdout and stderr out, within a deadline.
//!
//! The adapter runs in its own process group, so everything it started (a `docker` client, a
//! Python interpreter, a shell pipeline) can be stopped together: on expiry the group gets
//! SIGTERM (a chance to remove its containers), then SIGKILL after [`GRACE`]. When the adapter
//! exits on its own, whatever it left running in its group is killed, so no stray process
//! holds the pipes open or outlives the case.

use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process_group};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

/// Time between SIGTERM and SIGKILL of the adapter's process group.
pub const GRACE: Duration = Duration::from_secs(3);
/// How long the pipes may stay open after the adapter exited and its group was killed
/// (a descendant that left the group can hold them).
const PIPE_GRACE: Duration = Duration::from_secs(2);
/// Bytes of stdout kept (a result with large `files` fits well below this).
pub const STDOUT_CAP: usize = 64 << 20;
/// Bytes of stderr kept.
pub const STDERR_CAP: usize = 1 << 20;

/// What one run of the adapter did.
#[derive(Debug)]
pub struct Invocation {
    /// How it ended; `None` when the deadline expired and the group was killed.
    pub status: Option<ExitStatus>,
    /// Everything it printed on stdout (capped).
    pub stdout: Vec<u8>,
    /// Everything it printed on stderr (capped).
    pub stderr: Vec<u8>,
    /// Wall time.
    pub elapsed: Duration,
}

/// The program, its arguments and extra environment.
#[derive(Debug, Clone, Copy)]
pub struct Program<'a> {
    /// Path or name of the executable.
    pub program: &'a Path,
    /// Its arguments.
    pub args: &'a [String],
    /// Extra environment variables.
    pub env: &'a [(String, String)],
}

/// Runs `program` in `cwd`, writes `input` to its stdin and closes it, and waits at most
/// `limit`. `Err` only when the program cannot be started.
pub async fn invoke(
    program: Program<'_>,
    cwd: &Path,
    input: &[u8],
    limit: Duration,
) -> std::io::Result<Invocation> {
    let started = Instant::now();
    let mut cmd = tokio::process::Command::new(program.program);
    cmd.args(program.args)
        .current_dir(cwd)
        .envs(program.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = cmd.spawn()?;
    let group = child
        .id()
        .and_then(|id| Pid::from_raw(i32::try_from(id).ok()?));

    let stdout = Arc::new(Mutex::new(Vec::new()));
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let readers = [
        child
            .stdout
            .take()
            .map(|p| tokio::spawn(drain(p, stdout.clone(), STDOUT_CAP))),
        child
            .stderr
            .take()
            .map(|p| tokio::spawn(drain(p, stderr.clone(), STDERR_CAP))),
    ];
    if let Some(mut stdin) = child.stdin.take() {
        let input = input.to_vec();
        // An adapter that exits without reading its request gets a broken pipe: not our error.
        tokio::spawn(async move {
            let _ = stdin.write_all(&input).await;
            let _ = stdin.shutdown().await;
        });
    }

    let status = match tokio::time::timeout(limit, child.wait()).await {
        Ok(status) => Some(status?),
        Err(_) => {
            signal(group, Signal::TERM);
            if tokio::time::timeout(GRACE, child.wait()).await.is_err() {
                signal(group, Signal::KILL);
                let _ = child.wait().await;
            }
            None
        }
    };
    // Whatever the adapter left behind in its group goes with it.
    signal(group, Signal::KILL);
    for reader in readers.into_iter().flatten() {
        let abort = reader.abort_handle();
        if tokio::time::timeout(PIPE_GRACE, reader).await.is_err() {
            abort.abort();
        }
    }
    let take = |buf: &Arc<Mutex<Vec<u8>>>| std::mem::take(&mut *buf.lock().expect("not poisoned"));
    Ok(Invocation {
        status,
        stdout: take(&stdout),
        stderr: take(&stderr),
        elapsed: started.elapsed(),
    })
}

fn signal(group: Option<Pid>, sig: Signal) {
    if let Some(pid) = group {
        // ESRCH (the group is gone) is the normal case after a clean exit.
        let _ = kill_process_group(pid, sig);
    }
}

/// Reads `pipe` to its end into `buf`, keeping at most `cap` bytes (and draining the rest, so
/// the writer never blocks on a full pipe).
async fn drain(mut pipe: impl AsyncRead + Unpin, buf: Arc<Mutex<Vec<u8>>>, cap: usize) {
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        match pipe.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let mut b = buf.lock().expect("not poisoned");
                let room = cap.saturating_sub(b.len());
                b.extend_from_slice(&chunk[..n.min(room)]);
            }
        }
    }
}
