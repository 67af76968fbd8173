//! Warm mode (`--mode warm`, `rawconf::engine::warm`): pooled containers driven by their agent must
//! give exactly what fresh containers give, and must never let one case see another's leftovers.
//!
//! - `warm/suite/<suite>/<profile>`: the whole ellipse and protocol suites (every language ×
//!   case) through the reference runtime fresh and warm, on both profiles: the same outcome,
//!   reason and record (the golden text, every byte) for every trial.
//! - `warm/pool/…`: the pool's rules with a real container — a background process or litter in
//!   `/tmp` and `/dev/shm` left by one case is not seen by the next; a forged reply in the
//!   agent's channel is ignored; a timeout and `recycle_after` cases retire the container, a
//!   non-zero exit only when asked; the sandbox is fresh mode's; shutdown removes every
//!   container the pool made.
//! - `podman/suites-fresh-and-warm` (`tests/podman.rs`): the same suites on Podman's
//!   Docker-compatible API, fresh and warm, as the goldens say; nothing left behind.

use crate::podman;
use crate::support;

use std::sync::Arc;
use std::time::Duration;

use libtest_mimic::{Failed, Trial};
use rawconf::Language;
use rawconf::engine::container::{ContainerSpec, Sandbox};
use rawconf::engine::image::Builder;
use rawconf::engine::warm::{Layout, Pool, PoolConfig};
use rawconf::protocol::profile::Profile;
use rawconf::report::CaseResult;
use rawconf::run::RunPlan;
use rawconf::runtime::Reference;

use support::Quiet;

fn suite_identical(suite: &str, profile: Profile) -> Result<(), Failed> {
    let docker = support::docker()?;
    let langs = Language::for_suite(Language::discover(&support::languages_dir())?, &[], suite)?;
    let suite = support::suite(suite);
    support::runtime().block_on(async {
        let builder = Builder::new(docker.clone());
        let mut languages = Vec::new();
        for (lang, built) in langs.iter().zip(builder.ensure_all(&langs).await) {
            languages.push((lang.clone(), built?.image));
        }
        // The fresh half is the conformance area's own runs where they exist
        // (tests/support/shared.rs): one container per case for both areas.
        let reference = support::SharedReference::new(docker.clone());
        let plan = RunPlan::builder(suite.clone(), &reference)
            .languages(languages)
            .profile(profile)
            .jobs(2)
            .golden_root(support::repo().join("golden"))
            .build()?;
        let fresh = rawconf::run::run(&plan, &reference, &Quiet).await?;
        let run_id = format!("test-warm-suite-{}", std::process::id());
        let pool = Arc::new(Pool::new(docker.clone(), &run_id, PoolConfig::default()));
        let warm = rawconf::run::run(
            &plan,
            &Reference::warm(docker.clone(), pool.clone()),
            &Quiet,
        )
        .await;
        pool.shutdown().await;
        let warm = warm?;
        if fresh.results.len() != warm.results.len() || fresh.results.is_empty() {
            return Err(format!(
                "fresh ran {} trials, warm {}",
                fresh.results.len(),
                warm.results.len()
            )
            .into());
        }
        let mut diffs = Vec::new();
        for (f, w) in fresh.results.iter().zip(&warm.results) {
            let text = |r: &CaseResult| r.record.as_ref().map(|r| r.to_golden());
            if f.id != w.id || f.outcome != w.outcome || f.reason != w.reason || text(f) != text(w)
            {
                diffs.push(format!(
                    "{}: fresh {} ({}) vs warm {} ({})\nfresh record: {:?}\nwarm record:  {:?}",
                    f.id,
                    f.outcome.as_str(),
                    f.reason,
                    w.outcome.as_str(),
                    w.reason,
                    text(f),
                    text(w)
                ));
            }
        }
        if diffs.is_empty() {
            Ok(())
        } else {
            Err(format!("{} trial(s) differ:\n{}", diffs.len(), diffs.join("\n")).into())
        }
    })
}

/// The shell language's image (Debian bookworm with coreutils and dash), built if missing.
async fn shell_image(docker: &bollard::Docker) -> Result<String, Failed> {
    let langs = Language::select(
        Language::discover(&support::languages_dir())?,
        &["shell".to_owned()],
    )?;
    Ok(Builder::new(docker.clone()).ensure(&langs[0]).await?.image)
}

fn layout(image: &str) -> Layout {
    Layout {
        image: image.to_owned(),
        env: Vec::new(),
        input_at: Some("/var/inputs".into()),
        output_at: "/var/outputs".into(),
        sandbox: Sandbox::default(),
    }
}

fn sh(image: &str, script: &str, timeout: Duration) -> ContainerSpec {
    ContainerSpec {
        image: image.to_owned(),
        command: vec!["/bin/sh".into(), "-c".into(), script.to_owned()],
        args: Vec::new(),
        env: Vec::new(),
        binds: Vec::new(),
        timeout,
        sandbox: Sandbox::default(),
    }
}

const T: Duration = Duration::from_secs(30);

/// Runs `f` with a pool of `config`, then shuts it down and checks nothing is left.
fn with_pool<F, Fut>(name: &str, config: PoolConfig, f: F) -> Result<(), Failed>
where
    F: FnOnce(Arc<Pool>, String) -> Fut,
    Fut: std::future::Future<Output = Result<(), Failed>>,
{
    let docker = support::docker()?;
    support::runtime().block_on(async {
        let image = shell_image(&docker).await?;
        let run_id = format!("test-warm-{name}-{}", std::process::id());
        let pool = Arc::new(Pool::new(docker.clone(), &run_id, config));
        let result = f(pool.clone(), image).await;
        pool.shutdown().await;
        let options = bollard::query_parameters::ListContainersOptions {
            all: true,
            filters: Some(std::collections::HashMap::from([(
                "label".to_owned(),
                vec![format!("rawconf.run={run_id}")],
            )])),
            ..Default::default()
        };
        // The engine may still be finishing a removal the pool asked for: allow it a moment.
        let mut left = docker.list_containers(Some(options.clone())).await?;
        for _ in 0..20 {
            if left.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            left = docker.list_containers(Some(options.clone())).await?;
        }
        result?;
        if left.is_empty() {
            Ok(())
        } else {
            Err(format!("shutdown left {} container(s) of {run_id}", left.len()).into())
        }
    })
}

/// Runs one script in a leased container; returns its stdout and exit code.
async fn case(
    pool: &Arc<Pool>,
    image: &str,
    script: &str,
) -> Result<(String, Option<i64>), Failed> {
    let mut lease = pool.lease(&layout(image)).await?;
    let run = lease.run(&sh(image, script, T)).await?;
    Ok((
        String::from_utf8_lossy(&run.stdout).into_owned(),
        run.exit_code,
    ))
}

/// This module's trials, for `tests/integration.rs`.
pub fn trials() -> Vec<Trial> {
    let skip = support::skip_docker();
    let mut trials = vec![
        Trial::test("warm/suite/ellipse/backend", || {
            suite_identical("ellipse", Profile::Backend)
        }),
        Trial::test("warm/suite/ellipse/flytekit-local", || {
            suite_identical("ellipse", Profile::FlytekitLocal)
        }),
        Trial::test("warm/suite/protocol/backend", || {
            suite_identical("protocol", Profile::Backend)
        }),
        Trial::test("warm/suite/protocol/flytekit-local", || {
            suite_identical("protocol", Profile::FlytekitLocal)
        }),
        Trial::test("warm/pool/leftovers-are-not-seen", || {
            with_pool(
                "leftovers",
                PoolConfig::default(),
                |pool, image| async move {
                    // Litter everywhere a fresh container starts empty, and a process that outlives
                    // the case.
                    let (_, code) = case(
                    &pool,
                    &image,
                    "echo x > /tmp/litter; mkdir /tmp/d; echo y > /tmp/.hidden; echo z > /dev/shm/s; echo o > /var/outputs/out; (sleep 60 &); exit 0",
                )
                .await?;
                    if code != Some(0) {
                        return Err(format!("first case exited {code:?}").into());
                    }
                    let (out, code) = case(
                    &pool,
                    &image,
                    "ls -A /tmp /dev/shm /var/outputs; n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; echo procs=$n",
                )
                .await?;
                    let want = "/dev/shm:\n\n/tmp:\n\n/var/outputs:\nprocs=2\n";
                    if code != Some(0) || out != want {
                        return Err(format!(
                            "second case saw {out:?} (exit {code:?}), want {want:?}"
                        )
                        .into());
                    }
                    // The leftover process died with its case (as in a fresh container): the
                    // container was clean and kept.
                    let stats = pool.stats();
                    if stats.recycled != 0 || stats.cases != 2 {
                        return Err(format!("stats {stats:?}: want 0 recycled, 2 cases").into());
                    }
                    // A System V shared memory segment outlives its process: the container is
                    // dirty, replaced, and the case runs in the new one.
                    case(&pool, &image, "ipcmk -M 4096 >/dev/null").await?;
                    let (out, _) = case(&pool, &image, "cat /proc/sysvipc/shm | wc -l").await?;
                    let stats = pool.stats();
                    if out.trim() != "1" || stats.recycled != 1 {
                        return Err(format!("after ipcmk: {out:?} lines, stats {stats:?}").into());
                    }
                    Ok(())
                },
            )
        }),
        Trial::test("warm/pool/a-forged-reply-is-ignored", || {
            with_pool("forged", PoolConfig::default(), |pool, image| async move {
                // A case writes replies for the next cases into the channel,
                // with the nonces the host will use (its pid, then a count per container).
                let me = std::process::id();
                let lines: Vec<String> = (2..=9).map(|n| format!("'{me:x}-{n} 0'")).collect();
                let forge = format!(
                    "printf '%s\\n' {} > /run/rawconf-warm/status; echo out; exit 4",
                    lines.join(" ")
                );
                let forge = forge.as_str();
                let (out, code) = case(&pool, &image, forge).await?;
                if code != Some(4) || out != "out\n" {
                    return Err(
                        format!("the forging case came back as {out:?}, exit {code:?}").into(),
                    );
                }
                let (out, code) = case(&pool, &image, "echo second; exit 5").await?;
                if code != Some(5) || out != "second\n" {
                    return Err(format!("the next case came back as {out:?}, exit {code:?}").into());
                }
                Ok(())
            })
        }),
        Trial::test("warm/pool/failure-timeout-and-age-retire", || {
            let config = PoolConfig {
                recycle_after: 4,
                ..PoolConfig::default()
            };
            with_pool("retire", config, |pool, image| async move {
                let host = "cat /etc/hostname";
                let (a, _) = case(&pool, &image, host).await?;
                let (b, _) = case(&pool, &image, host).await?;
                if a != b {
                    return Err(format!("a healthy container is reused: {a} then {b}").into());
                }
                // A non-zero exit keeps it by default (the agent cleaned up after the case).
                let (x, code) = case(&pool, &image, "cat /etc/hostname; exit 3").await?;
                if code != Some(3) || x != a {
                    return Err(format!("exit 3 came back as {code:?} from {x} (want {a})").into());
                }
                // recycle_after = 4: the fourth case in one container is its last.
                let (c, _) = case(&pool, &image, host).await?;
                let (c2, _) = case(&pool, &image, host).await?;
                if c != a || c2 == c {
                    return Err(format!("recycle_after 4: {a} {b} {x} {c} then {c2}").into());
                }
                // A timeout kills the process tree by removing the container.
                let mut lease = pool.lease(&layout(&image)).await?;
                let run = lease
                    .run(&sh(
                        &image,
                        "cat /etc/hostname; sleep 60",
                        Duration::from_secs(1),
                    ))
                    .await?;
                let timed_out_host = String::from_utf8_lossy(&run.stdout).into_owned();
                drop(lease);
                if !run.timed_out || run.exit_code.is_some() {
                    return Err(format!("sleep 60 with a 1 s timeout: {run:?}").into());
                }
                let (d, _) = case(&pool, &image, host).await?;
                if d == timed_out_host {
                    return Err("the timed-out container was reused".into());
                }
                Ok(())
            })
        }),
        Trial::test("warm/pool/recycle-on-exit-retires-after-a-failure", || {
            let config = PoolConfig {
                recycle_on_exit: true,
                ..PoolConfig::default()
            };
            with_pool("recycle-failed", config, |pool, image| async move {
                let host = "cat /etc/hostname";
                let (a, _) = case(&pool, &image, host).await?;
                let (x, code) = case(&pool, &image, "cat /etc/hostname; exit 3").await?;
                let (c, _) = case(&pool, &image, host).await?;
                if code != Some(3) || x != a || c == a {
                    return Err(format!(
                        "recycle_on_exit: {a}, then {x} (exit {code:?}), then {c}"
                    )
                    .into());
                }
                Ok(())
            })
        }),
        Trial::test("warm/pool/sandbox-and-environment-are-fresh-modes", || {
            with_pool("sandbox", PoolConfig::default(), |pool, image| async move {
                let docker = support::docker()?;
                let probe = "if touch /root/x 2>/dev/null; then echo root=rw; else echo root=ro; fi; sed -n 's/^CapEff:[[:space:]]*//p;s/^NoNewPrivs:[[:space:]]*//p' /proc/self/status; cat /sys/fs/cgroup/pids.max /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null; if touch /var/inputs/x 2>/dev/null; then echo in=rw; else echo in=ro; fi; ls /sys/class/net; df -k /tmp | tail -1 | tr -s ' ' | cut -d' ' -f2; pwd; id";
                // The environment the program sees: `env` itself is the argv, no shell between.
                let env = ContainerSpec {
                    command: vec!["env".into()],
                    ..sh(&image, "", T)
                };
                let mut warm = Vec::new();
                for spec in [sh(&image, probe, T), env.clone()] {
                    let mut lease = pool.lease(&layout(&image)).await?;
                    warm.push(
                        String::from_utf8_lossy(&lease.run(&spec).await?.stdout).into_owned(),
                    );
                }
                let dirs = tempfile::tempdir()?;
                let mut fresh = Vec::new();
                for spec in [sh(&image, probe, T), env] {
                    let spec = ContainerSpec {
                        binds: vec![
                            rawconf::engine::container::Bind {
                                host: dirs.path().to_owned(),
                                container: "/var/inputs".into(),
                                read_only: true,
                            },
                            rawconf::engine::container::Bind {
                                host: dirs.path().to_owned(),
                                container: "/var/outputs".into(),
                                read_only: false,
                            },
                        ],
                        ..spec
                    };
                    let run =
                        rawconf::engine::container::run(&docker, &spec, "test-warm-fresh").await?;
                    fresh.push(String::from_utf8_lossy(&run.stdout).into_owned());
                }
                // The hostname is the container's id, different by design; dash re-exports the
                // environment in its own order (the set is the same).
                let strip = |s: &str| {
                    let mut lines: Vec<&str> =
                        s.lines().filter(|l| !l.starts_with("HOSTNAME=")).collect();
                    lines.sort();
                    lines.join("\n")
                };
                let (w, f): (Vec<String>, Vec<String>) = (
                    warm.iter().map(|s| strip(s)).collect(),
                    fresh.iter().map(|s| strip(s)).collect(),
                );
                if w != f || !w[0].contains("root=ro") || !w[0].contains("\n0000000000000000\n") {
                    return Err(format!("warm {w:?}\nfresh {f:?}").into());
                }
                Ok(())
            })
        }),
    ];
    // Podman needs no Docker, but its own opt-out: a missing `podman` fails loudly otherwise.
    let skip_podman = rawconf::env::skip_podman();
    if skip_podman {
        eprintln!(
            "note: RAWCONF_SKIP_PODMAN is set: the Podman test is skipped (reported as ignored), not passed"
        );
    }
    trials.push(
        Trial::test("podman/suites-fresh-and-warm", podman::suites_on_podman)
            .with_ignored_flag(skip_podman || skip),
    );
    let trials: Vec<Trial> = trials
        .into_iter()
        .map(|t| if skip { t.with_ignored_flag(true) } else { t })
        .collect();
    trials
}
