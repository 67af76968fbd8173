//! Warm mode: a pool of long-running sandboxed containers per image, each case run by exec.
//!
//! Why this file is long: the pool and its lease are one lifecycle — the pool makes leases and
//! a lease gives its container back to (or retires it through) the pool; split into sibling
//! files they would import each other, which the module rules forbid.
//!
//! A fresh container per case costs create → start → wait → remove (≈ 0.35 s on 2 cores); an
//! exec into a running container costs about a third of that. Property runs start thousands of
//! containers, so `rawconf explore --mode warm` (and `run --mode warm`) run cases in pooled
//! containers. `fresh` stays the default: goldens pin fresh-mode records, and a test checks
//! that warm mode reproduces them exactly.
//!
//! **Same sandbox.** A pool container is created by [`crate::container::create`] with the
//! fresh mode's `HostConfig` (no network, read-only root, tmpfs `/tmp`, every capability
//! dropped, no-new-privileges, memory and pids limits) and labels (so `rawconf clean`, Ctrl-C
//! and the next run's reaping find it); only its entrypoint differs: `sleep infinity` (Debian
//! coreutils, present in every language image).
//!
//! **One layout per container.** The task's data dirs are fixed paths (`/var/inputs`,
//! `/var/outputs`) and binds are fixed at creation, so each pool container owns a scratch dir
//! (`rawconf-warm-<owner>-XXXXXX`) whose `inputs/` and `outputs/` are bound at the task's paths
//! ([`Layout`]). Never two cases at once in one container: a [`Lease`] holds it for one case,
//! and returning it empties both dirs from the host (the dirs themselves stay: the binds
//! follow their inodes).
//!
//! **A clean container for every case.** Each exec runs the case through `/bin/sh -c` with a
//! short prelude ([`PRELUDE`]) that checks that no process of an earlier case is left (only
//! PID 1 and the shell itself) nor any System V IPC object, empties `/tmp`, `/dev/shm` and
//! `/dev/mqueue` (all start empty in a fresh container), drops the `PWD` that dash exports, and then `exec`s the case's argv — the
//! program replaces the shell, with the container's environment and working directory, as in
//! a fresh container (two differences: it is not PID 1, and dash passes the environment on in
//! its own order — the same variables and values). If the prelude cannot make the
//! container clean it exits [`DIRTY`] with a marker instead of running the case; the
//! container is then replaced and the case runs once more in a new one, on the same dirs.
//!
//! **Recycling.** A container is removed — and a new one made on the next lease — after a
//! non-zero exit, a timeout (removal is what kills the exec'd process tree: an exec has no
//! kill of its own), an engine error, a host dir that cannot be emptied, or
//! [`PoolConfig::recycle_after`] cases.
//!
//! **Why bollard's exec and not testcontainers.** testcontainers' lifecycle (RAII removal of a
//! started container) would fit, but here it buys little and costs a lot: a missing image makes
//! it try a registry pull (there is none on these machines); its exec has no timeout and no
//! kill, so recycling on timeout is ours anyway; the sandbox `HostConfig` and labels would have
//! to be passed through its host-config modifier, a second copy of [`crate::container`]'s; and
//! its default features add a TLS and BuildKit stack to the build. The pool keeps every id it
//! created and [`Pool::shutdown`] removes them; a harness that dies leaves labelled containers
//! that the next run reaps, exactly like fresh ones.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bollard::Docker;
use bollard::exec::StartExecResults;
use bollard::models::ExecConfig;

use crate::container::{self, Bind, ContainerRun, ContainerSpec, Sandbox};
use crate::error::{Error, Result};

/// Exit status of the prelude when it could not make the container clean (with [`MARKER`] on
/// stderr); the case did not run.
pub const DIRTY: i64 = 125;

/// What the prelude prints before exiting [`DIRTY`].
const MARKER: &str = "rawconf-warm: container not clean:";

/// The shell prelude of every exec: fail with [`DIRTY`] unless the container is as a fresh
/// one would be, then replace the shell with the case's argv (`"$@"`). No fork on the clean
/// path: globbing and `[` are dash built-ins; `rm` runs only when there is something to remove.
pub const PRELUDE: &str = r#"n=0
for p in /proc/[0-9]*; do n=$((n+1)); done
if [ "$n" -gt 2 ]; then echo "rawconf-warm: container not clean: $((n-2)) process(es) left" >&2; exit 125; fi
for f in /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg; do
  if [ -r "$f" ]; then
    n=0; while IFS= read -r l; do n=$((n+1)); done < "$f"
    if [ "$n" -gt 1 ]; then echo "rawconf-warm: container not clean: System V IPC objects left ($f)" >&2; exit 125; fi
  fi
done
for f in /tmp/* /tmp/.[!.]* /tmp/..?* /dev/shm/* /dev/shm/.[!.]* /dev/shm/..?* /dev/mqueue/*; do
  if [ -e "$f" ] || [ -L "$f" ]; then
    rm -rf -- "$f" 2>/dev/null
    if [ -e "$f" ] || [ -L "$f" ]; then echo "rawconf-warm: container not clean: cannot remove $f" >&2; exit 125; fi
  fi
done
"#;

/// Knobs of a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolConfig {
    /// A container is replaced after this many cases (also after any failure).
    pub recycle_after: u32,
    /// Replace the container after a case that exited non-zero. A timeout, an OOM kill, an
    /// engine error or a dirty container always retire it.
    pub recycle_on_exit: bool,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            recycle_after: 64,
            recycle_on_exit: true,
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
    uses: u32,
    /// The image's entrypoint and cmd (for tasks that give no command), and whether the
    /// container's environment sets `PWD` itself (then the prelude keeps it).
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
                let d = crate::scratch::tempdir("warm")?;
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
        let mut binds = Vec::new();
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
            command: vec!["sleep".into(), "infinity".into()],
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
            return Err(Error::Docker(format!(
                "warm mode: starting a pool container of {} (entrypoint `sleep infinity`; the image needs coreutils' sleep and /bin/sh, else use --mode fresh): {e}",
                layout.image
            )));
        }
        Ok(Warm {
            id,
            dir,
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
            .map_err(|e| Error::Docker(format!("inspecting image {image}: {e}")))?;
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
            let run = match run {
                Ok(r) => r,
                Err(e) => {
                    self.healthy = false;
                    return Err(e);
                }
            };
            let dirty = run.exit_code == Some(DIRTY)
                && String::from_utf8_lossy(&run.stderr).starts_with(MARKER);
            if dirty && !retried {
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
            if (failed && (self.pool.config.recycle_on_exit || run.oom_killed))
                || run.timed_out
                || dirty
            {
                self.healthy = false;
            }
            return Ok(run);
        }
    }

    async fn exec(&mut self, spec: &ContainerSpec) -> Result<ContainerRun> {
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
            return Err(Error::Docker(format!(
                "creating a container of {}: no command specified (the task has none and the image neither)",
                spec.image
            )));
        }
        let mut script = PRELUDE.to_owned();
        if !warm.image.sets_pwd && !self.layout.env.iter().any(|e| e.starts_with("PWD=")) {
            script.push_str("unset PWD OLDPWD\n");
        }
        script.push_str("exec \"$@\"\n");
        let mut cmd = vec![
            "/bin/sh".to_owned(),
            "-c".to_owned(),
            script,
            "sh".to_owned(),
        ];
        cmd.extend(entry);
        cmd.extend(args);
        let exec = docker
            .create_exec(
                &warm.id,
                ExecConfig {
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    tty: Some(false),
                    cmd: Some(cmd),
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| Error::Docker(format!("warm mode: exec in {}: {e}", spec.image)))?;
        let started = Instant::now();
        let output = match docker.start_exec(&exec.id, None).await {
            Ok(StartExecResults::Attached { output, .. }) => output,
            Ok(StartExecResults::Detached) => {
                return Err(Error::Docker("warm mode: exec started detached".into()));
            }
            Err(e) => {
                return Err(Error::Docker(format!(
                    "warm mode: starting exec in {}: {e}",
                    spec.image
                )));
            }
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let read = container::drain_capped(output, &mut out, &mut err, "reading exec output");
        let timed_out = match tokio::time::timeout(spec.timeout, read).await {
            Ok(r) => {
                r?;
                false
            }
            Err(_) => true,
        };
        let duration = started.elapsed();
        if timed_out {
            // An exec cannot be killed on its own: removing the container kills its tree,
            // before the output dir is read (as fresh mode kills before collecting).
            let id = warm.id.clone();
            self.pool.remove(&id).await;
            self.healthy = false;
            return Ok(ContainerRun {
                exit_code: None,
                timed_out: true,
                oom_killed: false,
                stdout: out,
                stderr: err,
                duration,
            });
        }
        let inspect = docker
            .inspect_exec(&exec.id)
            .await
            .map_err(|e| Error::Docker(format!("warm mode: inspecting exec: {e}")))?;
        let exit_code = inspect.exit_code;
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
        Ok(ContainerRun {
            exit_code,
            timed_out: false,
            oom_killed,
            stdout: out,
            stderr: err,
            duration,
        })
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
