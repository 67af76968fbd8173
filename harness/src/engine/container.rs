//! Running one container to completion in a sandbox, through the Engine API.
//!
//! The images under test are untrusted: each runs with no network, a read-only root
//! filesystem (only the bound output dir and a small tmpfs `/tmp` are writable), every
//! capability dropped, `no-new-privileges`, memory and pids limits, and a timeout that kills
//! it. Every container carries the labels in [`LABEL_RUN`]/[`LABEL_PID`] and is removed when
//! it ends; containers of harness processes that died are reaped by [`reap_orphans`].
//!
//! Kubernetes semantics: the task's `command` replaces the image's entrypoint and its `args`
//! replace the image's `cmd`; the image's working directory is kept.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig, Mount, MountType};
use bollard::query_parameters::{
    CreateContainerOptions, KillContainerOptions, ListContainersOptions, LogsOptions,
    RemoveContainerOptions, WaitContainerOptions,
};
use futures_util::StreamExt;

use crate::error::{Error, Result};

/// Label holding the id of the harness run that created a container.
pub const LABEL_RUN: &str = "rawconf.run";
/// Label holding the process id of the harness that created a container (for reaping).
pub const LABEL_PID: &str = "rawconf.pid";
/// Label holding that process's start time (clock ticks since boot), so that a recycled pid
/// is not taken for the owner (see [`crate::engine::scratch::Owner`]).
pub const LABEL_PID_START: &str = "rawconf.pid-start";

/// Bytes of stdout and of stderr kept per container; the rest is dropped and flagged.
pub const LOG_CAP: usize = 1 << 20;

/// Resource limits and isolation for a container under test.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sandbox {
    /// Memory limit in bytes (swap is disabled: memory-swap equals memory).
    pub memory_bytes: i64,
    /// Maximum number of processes.
    pub pids: i64,
    /// Size of the tmpfs mounted at `/tmp`.
    pub tmp_bytes: u64,
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox {
            memory_bytes: 1 << 30,
            pids: 256,
            tmp_bytes: 64 << 20,
        }
    }
}

/// A host directory bound into the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    /// Host path (must exist; it is never created by the engine).
    pub host: PathBuf,
    /// Path inside the container.
    pub container: String,
    /// Mounted read-only.
    pub read_only: bool,
}

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSpec {
    /// Image reference.
    pub image: String,
    /// Replaces the image entrypoint (Kubernetes `command`).
    pub command: Vec<String>,
    /// Replaces the image cmd (Kubernetes `args`).
    pub args: Vec<String>,
    /// Environment, `NAME=value`.
    pub env: Vec<String>,
    /// Bound directories.
    pub binds: Vec<Bind>,
    /// Wall-clock limit; the container is killed when it expires.
    pub timeout: Duration,
    /// Isolation and limits.
    pub sandbox: Sandbox,
}

/// What happened to a container.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ContainerRun {
    /// Exit code; `None` when it was killed by the timeout.
    pub exit_code: Option<i64>,
    /// Whether the timeout killed it.
    pub timed_out: bool,
    /// Whether the kernel's OOM killer ended it.
    pub oom_killed: bool,
    /// Captured stdout (at most 1 MiB).
    pub stdout: Vec<u8>,
    /// Captured stderr (at most 1 MiB).
    pub stderr: Vec<u8>,
    /// Wall time from start to exit.
    pub duration: Duration,
}

/// Runs `spec` to completion and removes the container, whatever happens.
pub async fn run(docker: &Docker, spec: &ContainerSpec, run_id: &str) -> Result<ContainerRun> {
    let id = create(docker, spec, run_id).await?;
    let result = start_and_wait(docker, &id, spec).await;
    let removed = remove(docker, &id).await;
    let run = result?;
    removed?;
    Ok(run)
}

/// Creates (does not start) a sandboxed, labelled container for `spec`; returns its id.
/// Also used by [`crate::engine::warm`] for pool containers, so both modes share one sandbox.
pub async fn create(docker: &Docker, spec: &ContainerSpec, run_id: &str) -> Result<String> {
    let mounts = spec
        .binds
        .iter()
        .map(|b| Mount {
            target: Some(b.container.clone()),
            source: Some(b.host.to_string_lossy().into_owned()),
            typ: Some(MountType::BIND),
            read_only: Some(b.read_only),
            ..Default::default()
        })
        .collect();
    let host_config = HostConfig {
        mounts: Some(mounts),
        network_mode: Some("none".into()),
        readonly_rootfs: Some(true),
        tmpfs: Some(HashMap::from([(
            "/tmp".to_owned(),
            format!("rw,nosuid,nodev,size={}", spec.sandbox.tmp_bytes),
        )])),
        cap_drop: Some(vec!["ALL".into()]),
        security_opt: Some(vec!["no-new-privileges".into()]),
        memory: Some(spec.sandbox.memory_bytes),
        memory_swap: Some(spec.sandbox.memory_bytes),
        pids_limit: Some(spec.sandbox.pids),
        ..Default::default()
    };
    let me = crate::engine::scratch::Owner::current();
    let labels = HashMap::from([
        (LABEL_RUN.to_owned(), run_id.to_owned()),
        (LABEL_PID.to_owned(), me.pid.to_string()),
        (LABEL_PID_START.to_owned(), me.start.to_string()),
    ]);
    let body = ContainerCreateBody {
        image: Some(spec.image.clone()),
        entrypoint: Some(spec.command.clone()),
        cmd: Some(spec.args.clone()),
        env: Some(spec.env.clone()),
        labels: Some(labels),
        network_disabled: Some(true),
        tty: Some(false),
        host_config: Some(host_config),
        ..Default::default()
    };
    let created = docker
        .create_container(None::<CreateContainerOptions>, body)
        .await
        .map_err(|e| {
            if crate::engine::docker::is_not_found(&e) {
                Error::docker_state(format!(
                    "image {} is not present; build it with `rawconf images build`",
                    spec.image
                ))
            } else {
                Error::docker(format!("creating a container of {}: {e}", spec.image), e)
            }
        })?;
    Ok(created.id)
}

/// Why the engine refused to start a container of `image`, with what to do about it when the
/// cause is known. `what` says which container (empty for a case's own).
///
/// Podman's Docker-compatible service gives containers `RLIMIT_NPROC` and `RLIMIT_NOFILE` far
/// above the host's hard limits; an OCI runtime without `CAP_SYS_RESOURCE` — a nested or
/// rootless engine — then cannot set them and every container fails with `error setting rlimit
/// type 6`. rawconf does not set ulimits itself: with any `Ulimits` in a request Podman ignores
/// `default_ulimits` of containers.conf and adds its own `nproc` of 1048576, and no fixed `nproc`
/// is safe (with every capability dropped the container's root counts against all of the host
/// root's processes). The fix is the engine's configuration, so the message says where it goes.
pub fn start_error(image: &str, what: &str, e: bollard::errors::Error) -> Error {
    let text = e.to_string();
    let hint = if text.contains("error setting rlimit") {
        " — the engine could not apply its default resource limits (ulimits) to the container: \
         they are above this host's hard limits. With Podman, set limits at or below `ulimit -Hu` \
         and `ulimit -Hn` in containers.conf, e.g. `[containers]` \
         `default_ulimits = [\"nproc=4096:4096\", \"nofile=1024:1024\"]` (docs/images.md, \"Podman as the engine\")."
    } else {
        ""
    };
    Error::docker(format!("starting {what}container of {image}: {e}{hint}"), e)
}

async fn start_and_wait(docker: &Docker, id: &str, spec: &ContainerSpec) -> Result<ContainerRun> {
    let started = Instant::now();
    docker
        .start_container(id, None)
        .await
        .map_err(|e| start_error(&spec.image, "", e))?;
    let mut wait = docker.wait_container(
        id,
        Some(WaitContainerOptions {
            condition: "not-running".into(),
        }),
    );
    // A non-zero exit arrives as an Err from bollard; the exit code is read from inspect below.
    let timed_out = tokio::time::timeout(spec.timeout, wait.next())
        .await
        .is_err();
    let duration = started.elapsed();
    if timed_out {
        let _ = docker
            .kill_container(
                id,
                Some(KillContainerOptions {
                    signal: "KILL".into(),
                }),
            )
            .await;
    }
    let state = docker
        .inspect_container(id, None)
        .await
        .map_err(|e| Error::docker(format!("inspecting container of {}: {e}", spec.image), e))?
        .state
        .unwrap_or_default();
    let (stdout, stderr) = logs(docker, id).await?;
    Ok(ContainerRun {
        exit_code: if timed_out { None } else { state.exit_code },
        timed_out,
        oom_killed: state.oom_killed.unwrap_or(false),
        stdout,
        stderr,
        duration,
    })
}

async fn logs(docker: &Docker, id: &str) -> Result<(Vec<u8>, Vec<u8>)> {
    let stream = docker.logs(
        id,
        Some(LogsOptions {
            stdout: true,
            stderr: true,
            ..Default::default()
        }),
    );
    let (mut out, mut err) = (Vec::new(), Vec::new());
    drain_capped(stream, &mut out, &mut err, "reading logs").await?;
    Ok((out, err))
}

/// Removes every container this process created (on interrupt).
pub async fn remove_own(docker: &Docker) -> Result<usize> {
    let own = format!("{LABEL_PID}={}", std::process::id());
    let mut removed = 0;
    for c in labelled(docker, &own).await? {
        if let Some(id) = c.id
            && remove(docker, &id).await.is_ok()
        {
            removed += 1;
        }
    }
    Ok(removed)
}

/// A rawconf container whose owner process is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orphan {
    /// Container id.
    pub id: String,
    /// Container name (without the leading `/`).
    pub name: String,
    /// Its [`LABEL_RUN`].
    pub run: String,
    /// Its [`LABEL_PID`], if it parses.
    pub pid: Option<u32>,
}

/// The containers carrying [`LABEL_RUN`] whose owner ([`LABEL_PID`], [`LABEL_PID_START`]) no
/// longer runs. Containers without rawconf's labels are never listed, whatever their name.
///
/// A process counts as alive when `/proc/<pid>` exists on this host with the same start time;
/// with a remote engine the check can only err on the side of keeping containers.
pub async fn orphans(docker: &Docker) -> Result<Vec<Orphan>> {
    let mut out = Vec::new();
    for c in labelled(docker, LABEL_RUN).await? {
        let labels = c.labels.clone().unwrap_or_default();
        let pid = labels.get(LABEL_PID).and_then(|p| p.parse::<u32>().ok());
        let start = labels
            .get(LABEL_PID_START)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0);
        if pid.is_some_and(|pid| crate::engine::scratch::Owner { pid, start }.alive()) {
            continue;
        }
        let Some(id) = c.id else { continue };
        out.push(Orphan {
            id,
            name: c
                .names
                .and_then(|n| n.into_iter().next())
                .map(|n| n.trim_start_matches('/').to_owned())
                .unwrap_or_default(),
            run: labels.get(LABEL_RUN).cloned().unwrap_or_default(),
            pid,
        });
    }
    Ok(out)
}

/// Removes one orphan (see [`orphans`]). `Ok(false)` when another process got there first —
/// every rawconf process reaps, so two may race for the same orphan: the engine answers 404
/// (already gone) or 409 (removal already in progress), and neither is a failure.
pub async fn remove_orphan(docker: &Docker, orphan: &Orphan) -> Result<bool> {
    let options = RemoveContainerOptions {
        force: true,
        v: true,
        ..Default::default()
    };
    match docker.remove_container(&orphan.id, Some(options)).await {
        Ok(()) => Ok(true),
        Err(e)
            if crate::engine::docker::is_not_found(&e)
                || matches!(
                    e,
                    bollard::errors::Error::DockerResponseServerError {
                        status_code: 409,
                        ..
                    }
                ) =>
        {
            Ok(false)
        }
        Err(e) => Err(Error::docker(
            format!("removing container {}: {e}", orphan.id),
            e,
        )),
    }
}

/// Removes containers left by harness processes that no longer exist (a crash, a kill -9).
pub async fn reap_orphans(docker: &Docker) -> Result<usize> {
    let mut reaped = 0;
    for o in orphans(docker).await? {
        if remove_orphan(docker, &o).await.unwrap_or(false) {
            reaped += 1;
        }
    }
    Ok(reaped)
}

/// Containers (running or not) carrying `label` (`key` or `key=value`).
async fn labelled(docker: &Docker, label: &str) -> Result<Vec<bollard::models::ContainerSummary>> {
    let options = ListContainersOptions {
        all: true,
        filters: Some(HashMap::from([(
            "label".to_owned(),
            vec![label.to_owned()],
        )])),
        ..Default::default()
    };
    docker
        .list_containers(Some(options))
        .await
        .map_err(|e| Error::docker(format!("listing containers: {e}"), e))
}

/// Force-removes a container and its anonymous volumes.
///
/// A removal that fails is tried again (three times, 200 ms apart): Podman's forced removal of
/// a container that exits at that moment — a warm pool's agent told to stop, a case ending at
/// its timeout — fails with `container not running` and leaves the exited container behind,
/// where a second, plain removal succeeds. A container already gone is removed.
pub async fn remove(docker: &Docker, id: &str) -> Result<()> {
    let options = RemoveContainerOptions {
        force: true,
        v: true,
        ..Default::default()
    };
    let mut tries = 0;
    loop {
        match docker.remove_container(id, Some(options.clone())).await {
            Ok(()) => return Ok(()),
            Err(e) if crate::engine::docker::is_not_found(&e) => return Ok(()),
            Err(e) if tries >= 3 => {
                return Err(Error::docker(format!("removing container {id}: {e}"), e));
            }
            Err(_) => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

/// Appends a Docker output stream (a container's logs, an exec's output) to `out` and `err`,
/// each capped at [`LOG_CAP`], so a flooding program costs bounded memory. Fresh and warm runs
/// both read through here; `what` names the stream in errors. Stopped early (a timeout drops
/// the future), the buffers keep what was read so far.
pub(crate) async fn drain_capped<S>(
    stream: S,
    out: &mut Vec<u8>,
    err: &mut Vec<u8>,
    what: &str,
) -> Result<()>
where
    S: futures_util::Stream<
            Item = std::result::Result<bollard::container::LogOutput, bollard::errors::Error>,
        >,
{
    let mut stream = std::pin::pin!(stream);
    while let Some(item) = stream.next().await {
        let item = item.map_err(|e| Error::docker(format!("{what}: {e}"), e))?;
        let (buf, bytes) = match item {
            bollard::container::LogOutput::StdErr { message } => (&mut *err, message),
            bollard::container::LogOutput::StdOut { message }
            | bollard::container::LogOutput::Console { message } => (&mut *out, message),
            bollard::container::LogOutput::StdIn { .. } => continue,
        };
        push_capped(buf, &bytes);
    }
    Ok(())
}

/// Appends `bytes` to `buf` up to [`LOG_CAP`]; the rest is dropped.
pub(crate) fn push_capped(buf: &mut Vec<u8>, bytes: &[u8]) {
    let room = LOG_CAP.saturating_sub(buf.len());
    buf.extend_from_slice(&bytes[..bytes.len().min(room)]);
}
