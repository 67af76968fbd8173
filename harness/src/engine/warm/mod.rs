//! Warm mode: a pool of long-running sandboxed containers per image, each case run by the
//! container's own agent.
//!
//! Why this file is long: the pool and its lease are one lifecycle — the pool makes leases and
//! a lease gives its container back to (or retires it through) the pool; split into sibling
//! files they would import each other, which the module rules forbid.
//!
//! A fresh container per case costs create → start → wait → remove (≈ 0.35 s on 2 cores); a
//! `docker exec` into a running container about a third of that, a request to the agent in
//! it a few milliseconds (the `agent` module says why that matters). Property runs start thousands of
//! containers, so `rawconf explore --mode warm` (and `run --mode warm`) run cases in pooled
//! containers. `fresh` stays the default: goldens pin fresh-mode records, and a test checks
//! that warm mode reproduces them exactly.
//!
//! **Same sandbox.** A pool container is created by [`crate::engine::container::create`] with the
//! fresh mode's `HostConfig` (no network, read-only root, tmpfs `/tmp`, every capability
//! dropped, no-new-privileges, memory and pids limits) and labels (so `rawconf clean`, Ctrl-C
//! and the next run's reaping find it); only its entrypoint differs: the `agent`, a dash
//! loop (`/bin/sh`, Essential in Debian and present in every language image), and one more
//! bind, the agent's channel dir at `/run/rawconf-warm`.
//!
//! **One layout per container.** The task's data dirs are fixed paths (`/var/inputs`,
//! `/var/outputs`) and binds are fixed at creation, so each pool container owns a scratch dir
//! (`rawconf-warm-<owner>-XXXXXX`) whose `inputs/` and `outputs/` are bound at the task's paths
//! ([`Layout`]). Never two cases at once in one container: a [`Lease`] holds it for one case,
//! and returning it empties both dirs from the host (the dirs themselves stay: the binds
//! follow their inodes).
//!
//! **One agent per container, no exec per case.** The container's PID 1 is a small dash
//! loop (`agent`) that reads a request from a FIFO in a host dir bound into it, runs the
//! case in a subshell and answers with its exit code. Before each case it makes the
//! container as clean as a fresh one (alone, no System V IPC object, `/tmp`, `/dev/shm` and
//! `/dev/mqueue` empty) or answers "dirty" without running it; the container is then
//! replaced and the case runs once more in a new one, on the same dirs. After each case it
//! kills every process the case left, as a fresh container's end does. The program sees
//! the container's environment and working directory (two differences from fresh mode: it
//! is not PID 1, and dash passes the environment on in its own order — the same variables
//! and values).
//!
//! **Recycling.** A container is removed — and a new one made on the next lease — after a
//! timeout (removal is what kills the case's process tree), an OOM kill, a dirty container,
//! an engine error, a host dir that cannot be emptied, or [`PoolConfig::recycle_after`]
//! cases; and after a non-zero exit if [`PoolConfig::recycle_on_exit`] asks. Not by default:
//! a case that exits non-zero leaves no more behind than one that exits zero (the agent
//! kills its processes and the next case's check empties every writable place either way),
//! while replacing the container costs a start of ≈ 0.3 s of CPU — on a property run, where
//! most shrink steps fail, that is most of warm mode's gain.
//!
//! **Why bollard and an agent, not testcontainers.** testcontainers' lifecycle (RAII removal of
//! a started container) would fit, but here it buys little and costs a lot: a missing image
//! makes it try a registry pull (there is none on these machines); its way to run a command
//! in a container is `docker exec`, which costs what the agent saves, and has no timeout and
//! no kill, so recycling on timeout is ours anyway; the sandbox `HostConfig` and labels would have
//! to be passed through its host-config modifier, a second copy of [`crate::engine::container`]'s; and
//! its default features add a TLS and BuildKit stack to the build. The pool keeps every id it
//! created and [`Pool::shutdown`] removes them; a harness that dies leaves labelled containers
//! that the next run reaps, exactly like fresh ones.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bollard::Docker;

mod agent;

use crate::engine::container::{self, Bind, ContainerRun, ContainerSpec, Sandbox};
use crate::error::{Error, Result};

/// Knobs of a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolConfig {
    /// A container is replaced after this many cases (and after a timeout, an OOM kill, an
    /// engine error or a dirty container).
    pub recycle_after: u32,
    /// Also replace the container after a case that exited non-zero (off by default: see the
    /// module doc, "Recycling").
    pub recycle_on_exit: bool,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            recycle_after: 64,
            recycle_on_exit: false,
        }
    }
}

/// What a pool container is made for: cases with the same layout can share one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Layout {
    /// Image reference.
    pub image: String,
    /// Container environment, `NAME=value`.
    pub env: Vec<String>,
    /// Where the input dir is bound, read-only (`None`: no input dir, flytekit-local).
    pub input_at: Option<String>,
    /// Where the output dir is bound, read-write.
    pub output_at: String,
    /// Isolation and limits (as fresh mode's).
    pub sandbox: Sandbox,
}

/// One pooled container and the scratch dir bound into it.
#[derive(Debug)]
struct Warm {
    id: String,
    dir: tempfile::TempDir,
    /// The agent's channel (its own dir: a replacement container never inherits its FIFOs);
    /// boxed, so a lease stays small to move around.
    chan: Box<agent::Channel>,
    uses: u32,
    /// The image's entrypoint and cmd (for tasks that give no command), and whether the
    /// container's environment sets `PWD` itself (then the agent keeps it for the case).
    image: Arc<ImageDefaults>,
}

#[derive(Debug, Default)]
struct ImageDefaults {
    entrypoint: Vec<String>,
    cmd: Vec<String>,
    sets_pwd: bool,
}

/// Counters, for reports and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PoolStats {
    /// Containers created.
    pub created: usize,
    /// Containers removed before shutdown (failure, timeout, dirty, age).
    pub recycled: usize,
    /// Cases executed.
    pub cases: usize,
}

/// A pool of warm containers, shared by every job of a run.
#[derive(Debug)]
pub struct Pool {
    docker: Docker,
    run_id: String,
    config: PoolConfig,
    idle: Mutex<HashMap<Layout, Slots>>,
    /// Woken whenever a background start finishes (a waiting lease looks again).
    started: tokio::sync::Notify,
    closed: std::sync::atomic::AtomicBool,
    /// Background removals under way (shutdown waits for them).
    removing: AtomicUsize,
    images: Mutex<HashMap<String, Arc<ImageDefaults>>>,
    live: Mutex<Vec<String>>,
    created: AtomicUsize,
    recycled: AtomicUsize,
    cases: AtomicUsize,
}

impl Pool {
    /// An empty pool; containers are made on demand, labelled with `run_id`.
    pub fn new(docker: Docker, run_id: &str, config: PoolConfig) -> Pool {
        Pool {
            docker,
            run_id: run_id.to_owned(),
            config,
            idle: Mutex::default(),
            started: tokio::sync::Notify::new(),
            closed: std::sync::atomic::AtomicBool::new(false),
            removing: AtomicUsize::new(0),
            images: Mutex::default(),
            live: Mutex::default(),
            created: AtomicUsize::new(0),
            recycled: AtomicUsize::new(0),
            cases: AtomicUsize::new(0),
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> PoolStats {
        PoolStats {
            created: self.created.load(Ordering::Relaxed),
            recycled: self.recycled.load(Ordering::Relaxed),
            cases: self.cases.load(Ordering::Relaxed),
        }
    }

    /// A container for one case of `layout`: an idle one, one being started in the
    /// background, or a new one. Afterwards the layout is topped up to one spare (started in
    /// the background), so a case that fails — and so retires its container — never makes the
    /// next case wait for a container start.
    pub async fn lease(self: &Arc<Self>, layout: &Layout) -> Result<Lease> {
        let warm = loop {
            let notified = self.started.notified();
            tokio::pin!(notified);
            // Registered before looking, so a start finishing in between is not missed.
            notified.as_mut().enable();
            let waiting = {
                let mut idle = lock(&self.idle);
                let slots = idle.entry(layout.clone()).or_default();
                match slots.ready.pop() {
                    Some(w) => break w,
                    None => slots.starting > 0,
                }
            };
            if !waiting {
                break self.start(layout, None).await?;
            }
            notified.await;
        };
        self.top_up(layout);
        Ok(Lease {
            pool: self.clone(),
            layout: layout.clone(),
            warm: Some(warm),
            healthy: true,
        })
    }

    /// Creates and starts a container for `layout`, on `dir` or a new scratch dir.
    async fn start(&self, layout: &Layout, dir: Option<tempfile::TempDir>) -> Result<Warm> {
        let dir = match dir {
            Some(d) => d,
            None => {
                let d = crate::engine::scratch::tempdir("warm")?;
                for sub in ["inputs", "outputs"] {
                    let p = d.path().join(sub);
                    std::fs::create_dir_all(&p).map_err(|e| Error::io(&p, e))?;
                    // Every capability is dropped in the container: it must not need to own it.
                    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o777))
                        .map_err(|e| Error::io(&p, e))?;
                }
                d
            }
        };
        let image = self.image_defaults(&layout.image).await?;
        let chan = Box::new(agent::Channel::new()?);
        let mut binds = vec![Bind {
            host: chan.host_dir().to_owned(),
            container: agent::CTL_AT.into(),
            read_only: false,
        }];
        if let Some(at) = &layout.input_at {
            binds.push(Bind {
                host: dir.path().join("inputs"),
                container: at.clone(),
                read_only: true,
            });
        }
        binds.push(Bind {
            host: dir.path().join("outputs"),
            container: layout.output_at.clone(),
            read_only: false,
        });
        let spec = ContainerSpec {
            image: layout.image.clone(),
            command: vec![
                "/bin/sh".into(),
                "-c".into(),
                agent::AGENT.into(),
                "rawconf-warm".into(),
                agent::CTL_AT.into(),
            ],
            args: Vec::new(),
            env: layout.env.clone(),
            binds,
            timeout: std::time::Duration::MAX,
            sandbox: layout.sandbox.clone(),
        };
        let id = container::create(&self.docker, &spec, &self.run_id).await?;
        lock(&self.live).push(id.clone());
        self.created.fetch_add(1, Ordering::Relaxed);
        if let Err(e) = self.docker.start_container(&id, None).await {
            self.remove(&id).await;
            return Err(container::start_error(
                &layout.image,
                "a warm-mode pool (its agent is a /bin/sh loop; an image without /bin/sh needs --mode fresh) ",
                e,
            ));
        }
        Ok(Warm {
            id,
            dir,
            chan,
            uses: 0,
            image,
        })
    }

    async fn image_defaults(&self, image: &str) -> Result<Arc<ImageDefaults>> {
        if let Some(d) = lock(&self.images).get(image) {
            return Ok(d.clone());
        }
        let info = self
            .docker
            .inspect_image(image)
            .await
            .map_err(|e| Error::docker(format!("inspecting image {image}: {e}"), e))?;
        let config = info.config.unwrap_or_default();
        let d = Arc::new(ImageDefaults {
            entrypoint: config.entrypoint.unwrap_or_default(),
            cmd: config.cmd.unwrap_or_default(),
            sets_pwd: config
                .env
                .unwrap_or_default()
                .iter()
                .any(|e| e.starts_with("PWD=")),
        });
        lock(&self.images).insert(image.to_owned(), d.clone());
        Ok(d)
    }

    /// Force-removes a container (which kills whatever runs in it); errors are ignored — a
    /// container that cannot be removed now is labelled and reaped later.
    async fn remove(&self, id: &str) {
        let _ = container::remove(&self.docker, id).await;
        lock(&self.live).retain(|x| x != id);
    }

    /// Removes every container the pool made and their scratch dirs.
    pub async fn shutdown(&self) {
        self.closed.store(true, Ordering::Relaxed);
        // Background starts finish (and remove what they made) before the sweep below. A start
        // on a loaded machine can take seconds; a minute bounds the wait.
        for _ in 0..3000 {
            if lock(&self.idle).values().all(|s| s.starting == 0)
                && self.removing.load(Ordering::SeqCst) == 0
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        lock(&self.idle).clear();
        let ids: Vec<String> = lock(&self.live).clone();
        for id in ids {
            self.remove(&id).await;
        }
    }

    fn give_back(&self, layout: Layout, warm: Warm) {
        lock(&self.idle).entry(layout).or_default().ready.push(warm);
    }

    /// Starts a spare container for `layout` in the background unless one is ready or
    /// starting. Without a runtime (or after shutdown) it does nothing: leases start their own.
    fn top_up(self: &Arc<Self>, layout: &Layout) {
        if self.closed.load(Ordering::Relaxed) {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        {
            let mut idle = lock(&self.idle);
            let slots = idle.entry(layout.clone()).or_default();
            if !slots.ready.is_empty() || slots.starting > 0 {
                return;
            }
            slots.starting += 1;
        }
        let pool = self.clone();
        let layout = layout.clone();
        handle.spawn(async move {
            let started = pool.start(&layout, None).await;
            let late = {
                let mut idle = lock(&pool.idle);
                let slots = idle.entry(layout.clone()).or_default();
                slots.starting -= 1;
                match started {
                    Ok(w) if pool.closed.load(Ordering::Relaxed) => Some(w),
                    Ok(w) => {
                        slots.ready.push(w);
                        None
                    }
                    // A lease that finds nothing starts its own and reports the error.
                    Err(_) => None,
                }
            };
            if let Some(w) = late {
                pool.remove(&w.id).await;
            }
            pool.started.notify_waiters();
        });
    }

    /// Removes a container in the background (from a destructor), and starts a replacement.
    fn discard(self: &Arc<Self>, layout: &Layout, warm: Warm) {
        self.recycled.fetch_add(1, Ordering::Relaxed);
        let pool = self.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(h) => {
                self.removing.fetch_add(1, Ordering::SeqCst);
                h.spawn(async move {
                    pool.remove(&warm.id).await;
                    drop(warm.dir);
                    pool.removing.fetch_sub(1, Ordering::SeqCst);
                });
            }
            // No runtime to remove it on: shutdown (or the next run's reaping) will.
            Err(_) => drop(warm.dir),
        }
        self.top_up(layout);
    }
}

/// The containers of one layout: idle ones, and how many are being started in the background.
#[derive(Debug, Default)]
struct Slots {
    ready: Vec<Warm>,
    starting: usize,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A pool container held for one case. Dropping it gives the container back (its dirs
/// emptied) or, after a failure, removes it.
#[derive(Debug)]
pub struct Lease {
    pool: Arc<Pool>,
    layout: Layout,
    warm: Option<Warm>,
    healthy: bool,
}

impl Lease {
    fn warm(&self) -> &Warm {
        self.warm
            .as_ref()
            .expect("a lease holds its container until dropped")
    }

    /// The host dir bound at the layout's input path (write the case's inputs here).
    pub fn input_dir(&self) -> PathBuf {
        self.warm().dir.path().join("inputs")
    }

    /// The host dir bound at the layout's output path (empty when the lease starts).
    pub fn output_dir(&self) -> PathBuf {
        self.warm().dir.path().join("outputs")
    }

    /// Runs the case's argv (`command` + `args` of `spec`, Kubernetes semantics against the
    /// image's entrypoint and cmd) in the container, within `spec.timeout`. The binds are the
    /// container's own, made with it from the [`Layout`] (`spec.binds` is not consulted), as are
    /// the image, environment and sandbox.
    pub async fn run(&mut self, spec: &ContainerSpec) -> Result<ContainerRun> {
        let mut retried = false;
        loop {
            let run = self.exec(spec).await;
            let (run, dirty) = match run {
                Ok(r) => r,
                Err(e) => {
                    self.healthy = false;
                    return Err(e);
                }
            };
            if dirty && retried {
                self.healthy = false;
                return Err(Error::docker_state(format!(
                    "warm mode: a new container of {} is not clean before its first case ({}); use --mode fresh",
                    spec.image,
                    String::from_utf8_lossy(&run.stderr).trim_end()
                )));
            }
            if dirty {
                // The case did not run: replace the container, keep the dirs (inputs written).
                retried = true;
                let old = self.warm.take().expect("held");
                self.pool.remove(&old.id).await;
                self.pool.recycled.fetch_add(1, Ordering::Relaxed);
                self.warm = Some(self.pool.start(&self.layout, Some(old.dir)).await?);
                continue;
            }
            self.pool.cases.fetch_add(1, Ordering::Relaxed);
            let failed = run.exit_code != Some(0);
            if (failed && (self.pool.config.recycle_on_exit || run.oom_killed)) || run.timed_out {
                self.healthy = false;
            }
            return Ok(run);
        }
    }

    /// The case through the container's agent; `true` when the agent found the container
    /// dirty and did not run it (then `run`'s stderr says why).
    async fn exec(&mut self, spec: &ContainerSpec) -> Result<(ContainerRun, bool)> {
        let docker = self.pool.docker.clone();
        let warm = self.warm.as_mut().expect("held");
        warm.uses += 1;
        let (entry, args) = if spec.command.is_empty() {
            let args = if spec.args.is_empty() {
                warm.image.cmd.clone()
            } else {
                spec.args.clone()
            };
            (warm.image.entrypoint.clone(), args)
        } else {
            (spec.command.clone(), spec.args.clone())
        };
        if entry.is_empty() && args.is_empty() {
            // What creating a fresh container with no command at all answers.
            return Err(Error::docker_state(format!(
                "creating a container of {}: no command specified (the task has none and the image neither)",
                spec.image
            )));
        }
        let argv: Vec<String> = entry.into_iter().chain(args).collect();
        let keep_pwd = warm.image.sets_pwd || self.layout.env.iter().any(|e| e.starts_with("PWD="));
        let done = warm
            .chan
            .run(&docker, &warm.id, &argv, keep_pwd, spec.timeout)
            .await?;
        let exit_code = match done.reply {
            agent::Reply::Exited(code) => Some(code),
            agent::Reply::Dirty(why) => {
                let run = ContainerRun {
                    exit_code: None,
                    timed_out: false,
                    oom_killed: false,
                    stdout: Vec::new(),
                    stderr: format!("rawconf-warm: container not clean: {why}\n").into_bytes(),
                    duration: done.duration,
                };
                return Ok((run, true));
            }
            agent::Reply::TimedOut => {
                // The case cannot be killed on its own: removing the container kills its tree,
                // before the output dir is read (as fresh mode kills before collecting).
                let id = warm.id.clone();
                self.pool.remove(&id).await;
                self.healthy = false;
                let run = ContainerRun {
                    exit_code: None,
                    timed_out: true,
                    oom_killed: false,
                    stdout: done.stdout,
                    stderr: done.stderr,
                    duration: done.duration,
                };
                return Ok((run, false));
            }
        };
        let oom_killed = if exit_code != Some(0) {
            docker
                .inspect_container(&warm.id, None)
                .await
                .ok()
                .and_then(|c| c.state)
                .and_then(|s| s.oom_killed)
                .unwrap_or(false)
        } else {
            false
        };
        let run = ContainerRun {
            exit_code,
            timed_out: false,
            oom_killed,
            stdout: done.stdout,
            stderr: done.stderr,
            duration: done.duration,
        };
        Ok((run, false))
    }
}

/// Empties a directory without removing it (a bind follows the directory's inode).
fn empty_dir(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(&path)?;
        } else {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}

impl Drop for Lease {
    fn drop(&mut self) {
        let Some(warm) = self.warm.take() else {
            return;
        };
        let reusable = self.healthy
            && warm.uses < self.pool.config.recycle_after
            && ["inputs", "outputs"]
                .iter()
                .all(|d| empty_dir(&warm.dir.path().join(d)).is_ok());
        if reusable {
            self.pool.give_back(self.layout.clone(), warm);
        } else {
            self.pool.discard(&self.layout, warm);
        }
    }
}
