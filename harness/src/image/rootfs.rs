//! Debian root filesystems made with `mmdebstrap`, cached on disk by recipe.
//!
//! The tarball outlives the image imported from it, so a removed image is re-imported
//! without downloading packages again. No mirror is written anywhere: mmdebstrap picks
//! Debian's default unless the user sets `RAWCONF_DEBIAN_MIRROR`.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use super::context::{BuildEvent, Ctx, TAIL_LINES};
use super::lock;
use super::plan::{BasePlan, MMDEBSTRAP_OPTIONS};
use crate::error::{Error, Result};

/// Returns the cached tarball for `base`, making it first if needed.
pub(crate) async fn ensure_tarball(ctx: &Ctx<'_>, base: &BasePlan) -> Result<PathBuf> {
    let dir = ctx.cache.join("rootfs");
    let tarball = dir.join(format!("{}.tar", base.key));
    if tarball.is_file() {
        return Ok(tarball);
    }
    let _lock = lock::acquire(
        ctx.cache
            .join("locks")
            .join(format!("rootfs-{}.lock", base.key)),
    )
    .await?;
    if tarball.is_file() {
        return Ok(tarball);
    }
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let step = format!(
        "mmdebstrap {} ({})",
        base.recipe.suite,
        base.recipe.packages.join(", ")
    );
    let _permit = ctx.heavy.acquire().await.expect("semaphore never closed");
    ctx.emit(BuildEvent::Step {
        language: ctx.language,
        step: &step,
    });
    let partial = dir.join(format!(".{}.{}.partial.tar", base.key, std::process::id()));
    let result = run_mmdebstrap(ctx, base, &partial, &step).await;
    if let Err(e) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, &tarball).map_err(|e| Error::io(&tarball, e))?;
    Ok(tarball)
}

async fn run_mmdebstrap(ctx: &Ctx<'_>, base: &BasePlan, target: &Path, step: &str) -> Result<()> {
    let mut cmd = Command::new("mmdebstrap");
    cmd.args(MMDEBSTRAP_OPTIONS);
    if !base.recipe.packages.is_empty() {
        cmd.arg(format!("--include={}", base.recipe.packages.join(",")));
    }
    cmd.arg(&base.recipe.suite).arg(target);
    if let Some(mirror) = crate::env::debian_mirror() {
        cmd.arg(mirror);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let fail = |message: String, tail: Vec<String>| Error::ImageBuild {
        language: ctx.language.to_owned(),
        step: step.to_owned(),
        message,
        tail,
    };
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::MissingTool {
                tool: "mmdebstrap".into(),
                hint: "the offline image path builds Debian root filesystems with it; install it \
                       with `sudo apt-get install mmdebstrap` (Debian/Ubuntu), or build on the \
                       official bases with `rawconf images build --online`"
                    .into(),
            });
        }
        Err(e) => return Err(fail(format!("cannot start mmdebstrap: {e}"), Vec::new())),
    };

    // Both streams feed one tail, so an error shows what mmdebstrap said last.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    for reader in [
        Box::new(stdout) as Box<dyn tokio::io::AsyncRead + Unpin + Send>,
        Box::new(stderr),
    ] {
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(reader).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);
    let mut tail = VecDeque::with_capacity(TAIL_LINES);
    while let Some(line) = rx.recv().await {
        ctx.emit(BuildEvent::Output {
            language: ctx.language,
            line: &line,
        });
        if tail.len() == TAIL_LINES {
            tail.pop_front();
        }
        tail.push_back(line);
    }
    let status = child
        .wait()
        .await
        .map_err(|e| fail(format!("waiting for mmdebstrap: {e}"), Vec::new()))?;
    if status.success() {
        Ok(())
    } else {
        Err(fail(format!("mmdebstrap {status}"), tail.into()))
    }
}
