//! A module of `tests/warm.rs`: the reference runtime on a second engine, Podman, through its
//! Docker-compatible API — fresh and warm, both suites — must give the records the goldens hold
//! (recorded on Docker), and leave no container behind.
//!
//! The test starts its own `podman system service` on a socket in a temp dir and stops it at the
//! end. Podman's default ulimits are above what an OCI runtime without `CAP_SYS_RESOURCE` (a
//! nested engine, like CI's) may set, so the service gets a `containers.conf` with
//! `default_ulimits` at or below this process's hard limits — the configuration docs/images.md's
//! "Podman as the engine" section asks of a user.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use libtest_mimic::Failed;

/// A `podman system service` this test started; stopped (and its dir removed) on drop.
struct Service {
    child: Child,
    dir: tempfile::TempDir,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(self.dir.path());
    }
}

impl Service {
    fn start() -> Result<Service, Failed> {
        let dir = tempfile::Builder::new()
            .prefix("rawconf-podman-")
            .tempdir()?;
        let hard = |r| {
            rustix::process::getrlimit(r)
                .maximum
                .map_or(u64::MAX, |m| m)
        };
        let nproc = hard(rustix::process::Resource::Nproc).min(4096);
        let nofile = hard(rustix::process::Resource::Nofile).min(1024);
        let conf = dir.path().join("containers.conf");
        std::fs::write(
            &conf,
            format!(
                "[containers]\ndefault_ulimits = [\"nproc={nproc}:{nproc}\", \"nofile={nofile}:{nofile}\"]\n"
            ),
        )?;
        let sock = dir.path().join("podman.sock");
        let child = Command::new("podman")
            .args(["system", "service", "--time=0"])
            .arg(format!("unix://{}", sock.display()))
            .env("CONTAINERS_CONF", &conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot start `podman system service` ({e}); install Debian's `podman`, or set RAWCONF_SKIP_PODMAN=1 to skip this test (it is then reported as ignored)"
                )
            })?;
        let service = Service { child, dir };
        let started = Instant::now();
        while !sock.exists() {
            if started.elapsed() > Duration::from_secs(30) {
                return Err("podman's socket did not appear within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(service)
    }

    fn host(&self) -> String {
        format!("unix://{}", self.dir.path().join("podman.sock").display())
    }

    /// `rawconf ARGS` against this engine; fails with its output unless it exits 0. Returns
    /// the rawconf process's id (its containers carry it as a label).
    fn rawconf(&self, args: &[&str], report: &Path) -> Result<u32, Failed> {
        let child = super::support::rawconf()
            .args(args)
            .arg("--report-dir")
            .arg(report)
            .env("DOCKER_HOST", self.host())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let pid = child.id();
        let out = child.wait_with_output()?;
        if !out.status.success() {
            return Err(format!(
                "rawconf {} on Podman: {}\n{}\n{}",
                args.join(" "),
                out.status,
                tail(&out.stdout),
                tail(&out.stderr)
            )
            .into());
        }
        Ok(pid)
    }

    /// Containers labelled as made by rawconf process `pid`, as Podman lists them.
    fn containers_of(&self, pid: u32) -> Result<Vec<String>, Failed> {
        let out = Command::new("podman")
            .args([
                "--url",
                &self.host(),
                "ps",
                "-a",
                "--format",
                "{{.ID}} {{.Status}}",
            ])
            .arg("--filter")
            .arg(format!(
                "label={}={pid}",
                rawconf::engine::container::LABEL_PID
            ))
            .output()?;
        if !out.status.success() {
            return Err(format!("podman ps: {}", tail(&out.stderr)).into());
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect())
    }
}

fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// Images built on Podman, then `--suite all` (ellipse and protocol, backend profile) fresh and
/// warm: every case as its golden says, no container left. (The profile changes what is
/// judged, not how containers run: one profile is enough to prove the engine.)
pub fn suites_on_podman() -> Result<(), Failed> {
    let service = Service::start()?;
    let work = tempfile::tempdir()?;
    let build = super::support::rawconf()
        .args(["images", "build"])
        .env("DOCKER_HOST", service.host())
        .output()?;
    if !build.status.success() {
        return Err(format!("rawconf images build on Podman:\n{}", tail(&build.stderr)).into());
    }
    for (name, args) in [
        ("fresh-backend", &["run", "--suite", "all"][..]),
        (
            "warm-backend",
            &["run", "--suite", "all", "--mode", "warm"][..],
        ),
    ] {
        let report = work.path().join(name);
        let pid = service.rawconf(args, &report)?;
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(report.join("report.json"))?)?;
        let counts = &v["counts"];
        let ran: u64 = counts
            .as_object()
            .map(|m| m.values().filter_map(serde_json::Value::as_u64).sum())
            .unwrap_or(0);
        let good = counts["pass"].as_u64().unwrap_or(0) + counts["xfail"].as_u64().unwrap_or(0);
        if ran < 200 || good != ran {
            return Err(format!("{name} on Podman: {counts}").into());
        }
        let left = service.containers_of(pid)?;
        if !left.is_empty() {
            return Err(format!("{name} on Podman left containers behind: {left:?}").into());
        }
        eprintln!("  podman {name}: {counts}");
    }
    Ok(())
}
