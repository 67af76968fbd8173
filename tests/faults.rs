//! Faults of the environment, each with its documented exit code and a report of what ran:
//! the Docker engine unreachable from the start (96) or going away mid-run (96, the report holds
//! the cases that ran, `meta.aborted` says why), an image missing (`harness-error`, 101), a work
//! dir (`TMPDIR`) that is not a directory or whose file system is full (96, report written), and
//! adapters that print garbage, nothing, or hang (101 / 100, report written).
//!
//! The engine "going away" is simulated without touching the real daemon, which other users
//! share: rawconf talks to it through a Unix-socket proxy (in this file) that is cut after the
//! second case. The missing image is a throwaway tag of the probe image, made and removed here.
//! The full file system is a 256 KiB tmpfs mounted under this target's temp dir (root only;
//! ignored otherwise) and unmounted afterwards.

use crate::support;

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libtest_mimic::{Failed, Trial};
use serde_json::Value;

use support::TestResult;

/// A fresh directory under the target's temp dir.
fn scratch(name: &str) -> PathBuf {
    support::scratch("faults", name)
}

/// The probe's protocol cases that render templates: quick, and each one a container.
const FILTER: &str = "probe/protocol/template/*";

/// How many trials [`FILTER`] selects, counted from the suite (it grows with the suite).
fn selected() -> usize {
    let suite = rawconf::spec::suite::Suite::named(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/suites"),
        "protocol",
    )
    .expect("the protocol suite loads");
    suite
        .cases
        .iter()
        .filter(|c| c.id.starts_with("template/"))
        .count()
}

/// `rawconf ARGS` from the repository root with `env`, killed after `limit`.
fn rawconf(args: &[&str], env: &[(&str, &Path)], limit: Duration) -> Result<Output, Failed> {
    rawconf_pid(args, env, limit).map(|(out, _)| out)
}

/// [`rawconf`], also giving the child's pid (its containers carry it as a label).
fn rawconf_pid(
    args: &[&str],
    env: &[(&str, &Path)],
    limit: Duration,
) -> Result<(Output, u32), Failed> {
    let mut cmd = support::rawconf();
    cmd.args(args)
        .current_dir(support::repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn()?;
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => Ok((out?, pid)),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            Err(format!(
                "`rawconf {}` did not finish within {limit:?}",
                args.join(" ")
            )
            .into())
        }
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn expect_code(out: &Output, code: i32) -> TestResult {
    if out.status.code() == Some(code) {
        Ok(())
    } else {
        Err(format!("expected exit {code}, got {}", text(out)).into())
    }
}

fn expect_stderr(out: &Output, needle: &str) -> TestResult {
    if String::from_utf8_lossy(&out.stderr).contains(needle) {
        Ok(())
    } else {
        Err(format!("stderr lacks `{needle}`: {}", text(out)).into())
    }
}

/// `report.json` of a report dir, which must exist.
fn report(dir: &Path) -> Result<Value, Failed> {
    let path = dir.join("report.json");
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(serde_json::from_slice(&bytes)?)
}

fn results(r: &Value) -> Vec<(String, String, String)> {
    r["results"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    let s = |k: &str| x[k].as_str().unwrap_or_default().to_owned();
                    (s("id"), s("outcome"), s("reason"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// rawconf's temp dirs left in `tmp` (its own `TMPDIR`).
fn leaked_dirs(tmp: &Path) -> Vec<String> {
    std::fs::read_dir(tmp)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("rawconf-"))
                .collect()
        })
        .unwrap_or_default()
}

/// Containers carrying rawconf's owner label for `pid`.
fn containers_of(pid: u32) -> Result<Vec<String>, Failed> {
    let out = Command::new("docker")
        .args([
            "ps",
            "-aq",
            "--filter",
            &format!("label={}={pid}", rawconf::engine::container::LABEL_PID),
        ])
        .output()?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect())
}

// ---------------------------------------------------------------------------------------------
// The engine.

fn daemon_unreachable() -> TestResult {
    let tmp = scratch("unreachable");
    let reports = tmp.join("report");
    let host = format!("unix://{}", tmp.join("no-engine.sock").display());
    for args in [
        vec![
            "run",
            "--suite",
            "protocol",
            "--language",
            "probe",
            "--filter",
            FILTER,
        ],
        vec![
            "exec",
            "--language",
            "python",
            "--input",
            "a=3",
            "--input",
            "b=4",
        ],
    ] {
        let mut all = args.clone();
        let rd = reports.to_string_lossy().into_owned();
        if args[0] == "run" {
            all.extend(["--report-dir", rd.as_str()]);
        }
        let out = rawconf(
            &all,
            &[("DOCKER_HOST", Path::new(&host)), ("TMPDIR", &tmp)],
            Duration::from_secs(60),
        )?;
        expect_code(&out, 96)?;
        expect_stderr(&out, "is unreachable")?;
        expect_stderr(&out, &host)?;
    }
    Ok(())
}

/// A Unix-socket proxy to the real engine that stops (closes every connection and its socket)
/// when the `cut`-th container create request arrives, without forwarding it.
struct Proxy {
    path: PathBuf,
    stopped: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<UnixStream>>>,
}

impl Proxy {
    fn start(path: PathBuf, upstream: PathBuf, cut: usize) -> std::io::Result<Proxy> {
        let listener = UnixListener::bind(&path)?;
        listener.set_nonblocking(true)?;
        let proxy = Proxy {
            path,
            stopped: Arc::new(AtomicBool::new(false)),
            conns: Arc::new(Mutex::new(Vec::new())),
        };
        let creates = Arc::new(AtomicUsize::new(0));
        let (stopped, conns, path) = (
            proxy.stopped.clone(),
            proxy.conns.clone(),
            proxy.path.clone(),
        );
        std::thread::spawn(move || {
            while !stopped.load(Ordering::SeqCst) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let _ = client.set_nonblocking(false);
                let Ok(server) = UnixStream::connect(&upstream) else {
                    continue;
                };
                {
                    let mut c = conns.lock().expect("lock");
                    c.extend(client.try_clone().ok());
                    c.extend(server.try_clone().ok());
                }
                let (mut c_in, mut s_out) = (client.try_clone().expect("clone"), server);
                let mut s_in = s_out.try_clone().expect("clone");
                let mut c_out = client;
                let (stopped, conns, creates, path) = (
                    stopped.clone(),
                    conns.clone(),
                    creates.clone(),
                    path.clone(),
                );
                std::thread::spawn(move || {
                    let mut buf = vec![0u8; 64 * 1024];
                    while let Ok(n) = c_in.read(&mut buf) {
                        if n == 0 || stopped.load(Ordering::SeqCst) {
                            break;
                        }
                        let chunk = &buf[..n];
                        let here = chunk
                            .windows(b"/containers/create".len())
                            .filter(|w| *w == b"/containers/create")
                            .count();
                        if here > 0 && creates.fetch_add(here, Ordering::SeqCst) + here >= cut {
                            stop(&stopped, &conns, &path);
                            break;
                        }
                        if s_out.write_all(chunk).is_err() {
                            break;
                        }
                    }
                });
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut s_in, &mut c_out);
                });
            }
        });
        Ok(proxy)
    }

    fn stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }
}

fn stop(stopped: &AtomicBool, conns: &Mutex<Vec<UnixStream>>, path: &Path) {
    stopped.store(true, Ordering::SeqCst);
    let _ = std::fs::remove_file(path);
    for c in conns.lock().expect("lock").iter() {
        let _ = c.shutdown(std::net::Shutdown::Both);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        stop(&self.stopped, &self.conns, &self.path);
    }
}

/// The real engine's Unix socket (the proxy speaks only Unix sockets).
fn engine_socket() -> Result<PathBuf, Failed> {
    let host = rawconf::env::docker_host();
    match host.strip_prefix("unix://") {
        Some(p) => Ok(PathBuf::from(p)),
        None => Err(format!("this trial proxies a Unix socket; DOCKER_HOST is {host}").into()),
    }
}

fn daemon_stops_mid_run() -> TestResult {
    support::docker()?;
    let tmp = scratch("stops");
    let work = tmp.join("tmp");
    std::fs::create_dir_all(&work)?;
    let reports = tmp.join("report");
    let sock = tmp.join("engine.sock");
    // The third container create is never forwarded: two cases ran, the third meets a dead engine.
    let proxy = Proxy::start(sock.clone(), engine_socket()?, 3)?;
    let host = PathBuf::from(format!("unix://{}", sock.display()));
    let rd = reports.to_string_lossy().into_owned();
    let child_args = [
        "run",
        "--suite",
        "protocol",
        "--language",
        "probe",
        "--filter",
        FILTER,
        "-j",
        "1",
        "--report-dir",
        &rd,
    ];
    let (out, pid) = rawconf_pid(
        &child_args,
        &[("DOCKER_HOST", &host), ("TMPDIR", &work)],
        Duration::from_secs(300),
    )?;
    if !proxy.stopped() {
        return Err(format!("the proxy was never cut: {}", text(&out)).into());
    }
    expect_code(&out, 96)?;
    expect_stderr(&out, "stopped answering mid-run")?;
    expect_stderr(&out, "the reports hold the results obtained")?;
    let r = report(&reports)?;
    let aborted = r["meta"]["aborted"].as_str().unwrap_or_default();
    if !aborted.starts_with(&format!("stopped after 3 of {} case(s)", selected()))
        || !aborted.contains("stopped answering")
    {
        return Err(format!("meta.aborted: `{aborted}`").into());
    }
    let res = results(&r);
    let passed = res.iter().filter(|(_, o, _)| o == "pass").count();
    let broken: Vec<_> = res
        .iter()
        .filter(|(_, o, _)| o == "harness-error")
        .collect();
    if res.len() != 3 || passed != 2 || broken.len() != 1 {
        return Err(format!("expected 2 passes and 1 harness error, got {res:?}").into());
    }
    let summary = std::fs::read_to_string(reports.join("summary.md"))?;
    if !summary.contains("STOPPED") || !summary.contains("stopped answering") {
        return Err(format!("summary.md does not say the run stopped:\n{summary}").into());
    }
    // Nothing left behind: no container of the run (through the real engine), no temp dir.
    let leaked = leaked_dirs(&work);
    if !leaked.is_empty() {
        return Err(format!("temp dirs left behind: {leaked:?}").into());
    }
    let containers = containers_of(pid)?;
    if !containers.is_empty() {
        return Err(format!("containers of the run left behind: {containers:?}").into());
    }
    Ok(())
}

fn image_missing() -> TestResult {
    use rawconf::run::RunPlan;
    let docker = support::docker()?;
    let probe = rawconf::Language::load(&support::languages_dir().join("probe"))?;
    let built = support::runtime()
        .block_on(rawconf::engine::image::Builder::new(docker.clone()).ensure(&probe))?;
    // A throwaway tag of the probe image, removed again: only the tag goes, the image stays.
    let tag = format!("rawconf-faults-missing:{}", std::process::id());
    let ok = |args: &[&str]| -> TestResult {
        let out = Command::new("docker").args(args).output()?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("docker {}: {}", args.join(" "), text(&out)).into())
        }
    };
    ok(&["tag", &built.image, &tag])?;
    ok(&["rmi", &tag])?;
    use support::Quiet;
    let runtime = rawconf::runtime::Reference::new(docker.clone());
    let plan = RunPlan::builder(support::suite("protocol"), &runtime)
        .language(probe, tag.clone())
        .filter(Some(
            globset::Glob::new("probe/protocol/template/input*")?.compile_matcher(),
        ))
        .jobs(1)
        .golden_root(support::repo().join("golden"))
        .build()?;
    let report = support::runtime().block_on(rawconf::run::run(&plan, &runtime, &Quiet))?;
    if report.results.is_empty() {
        return Err("the filter selected no case".into());
    }
    for r in &report.results {
        if r.outcome != rawconf::judge::outcome::Outcome::HarnessError
            || !r.reason.contains(&format!("image {tag} is not present"))
        {
            return Err(format!("{}: {} — {}", r.id, r.outcome.as_str(), r.reason).into());
        }
    }
    // The engine is alive: one missing image is that case's fault, not a reason to stop.
    if let Some(why) = &report.meta.aborted {
        return Err(format!("the run stopped: {why}").into());
    }
    ok(&["image", "inspect", "--format", "{{.Id}}", &built.image])
}

// ---------------------------------------------------------------------------------------------
// The work dir.

fn workdir_not_a_directory() -> TestResult {
    support::docker()?;
    let tmp = scratch("notdir");
    let file = tmp.join("not-a-dir");
    std::fs::write(&file, "TMPDIR is this file")?;
    let reports = tmp.join("report");
    let rd = reports.to_string_lossy().into_owned();
    let out = rawconf(
        &[
            "run",
            "--suite",
            "protocol",
            "--language",
            "probe",
            "--filter",
            FILTER,
            "-j",
            "1",
            "--report-dir",
            &rd,
        ],
        &[("TMPDIR", &file)],
        Duration::from_secs(300),
    )?;
    expect_code(&out, 96)?;
    expect_stderr(&out, "cannot make a work dir in")?;
    let r = report(&reports)?;
    let aborted = r["meta"]["aborted"].as_str().unwrap_or_default();
    if !aborted.starts_with(&format!(
        "stopped after 1 of {} case(s): cannot make a work dir",
        selected()
    )) {
        return Err(format!("meta.aborted: `{aborted}`").into());
    }
    let out = rawconf(
        &[
            "exec",
            "--language",
            "python",
            "--input",
            "a=3",
            "--input",
            "b=4",
        ],
        &[("TMPDIR", &file)],
        Duration::from_secs(120),
    )?;
    expect_code(&out, 96)?;
    expect_stderr(&out, "cannot make a work dir in")
}

/// A mounted tmpfs, unmounted when dropped.
struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

fn workdir_full() -> TestResult {
    support::docker()?;
    let tmp = scratch("full");
    let full = tmp.join("full");
    std::fs::create_dir_all(&full)?;
    let st = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=256k,mode=1777", "rawconf-faults"])
        .arg(&full)
        .status()?;
    if !st.success() {
        return Err(format!(
            "mount -t tmpfs on {} failed ({st}); run as root with CAP_SYS_ADMIN",
            full.display()
        )
        .into());
    }
    let _mount = Mount(full.clone());
    // Fill it: the last write fails with ENOSPC.
    let mut f = std::fs::File::create(full.join("filler"))?;
    let block = vec![0u8; 4096];
    let filled = loop {
        if let Err(e) = f.write_all(&block) {
            break e;
        }
    };
    drop(f);
    if filled.raw_os_error() != Some(libc::ENOSPC) {
        return Err(format!("filling the tmpfs ended with {filled}, not ENOSPC").into());
    }
    let reports = tmp.join("report");
    let rd = reports.to_string_lossy().into_owned();
    let out = rawconf(
        &[
            "run",
            "--suite",
            "protocol",
            "--language",
            "probe",
            "--filter",
            FILTER,
            "-j",
            "1",
            "--report-dir",
            &rd,
        ],
        &[("TMPDIR", &full)],
        Duration::from_secs(300),
    )?;
    expect_code(&out, 96)?;
    expect_stderr(&out, "No space left on device")?;
    let r = report(&reports)?;
    let aborted = r["meta"]["aborted"].as_str().unwrap_or_default();
    if !aborted.starts_with(&format!("stopped after 1 of {} case(s)", selected()))
        || !aborted.contains("No space left")
    {
        return Err(format!("meta.aborted: `{aborted}`").into());
    }
    let leaked = leaked_dirs(&full);
    if !leaked.is_empty() {
        return Err(format!("temp dirs left behind on the full file system: {leaked:?}").into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Adapters, through the CLI: the report is written and the exit code is the documented one.

/// The one protocol case the adapter trials run (its task's timeout is 30 s).
const ONE_CASE: &str = "probe/protocol/template/input";

fn adapter(script: &str, extra: &[&str], code: i32, outcome: &str, needle: &str) -> TestResult {
    support::docker()?;
    let tmp = scratch(&format!("adapter-{script}"));
    let reports = tmp.join("report");
    let rd = reports.to_string_lossy().into_owned();
    let mut spec = format!(
        "cmd:{}",
        support::repo()
            .join("tests/fixtures/adapters")
            .join(script)
            .display()
    );
    for e in extra {
        spec.push(' ');
        spec.push_str(&e.replace("{tmp}", &tmp.to_string_lossy()));
    }
    let started = Instant::now();
    let out = rawconf(
        &[
            "run",
            "--suite",
            "protocol",
            "--language",
            "probe",
            "--filter",
            ONE_CASE,
            "--runtime",
            &spec,
            "--adapter-margin",
            "1s",
            "--report-dir",
            &rd,
        ],
        &[("TMPDIR", &tmp)],
        Duration::from_secs(120),
    )?;
    expect_code(&out, code)?;
    let r = report(&reports)?;
    let res = results(&r);
    match res.as_slice() {
        [(id, o, reason)] if o == outcome && reason.contains(needle) && id == ONE_CASE => {}
        _ => return Err(format!("expected one `{outcome}` naming `{needle}`: {res:?}").into()),
    }
    if started.elapsed() > Duration::from_secs(90) {
        return Err(format!("took {:?}", started.elapsed()).into());
    }
    Ok(())
}

/// An input file that cannot be written for lack of space (`/dev/full` answers every write
/// with ENOSPC) is the harness's fault, not copilot's `InputDownloadFailed`: it was reported as
/// the task's error, so a full work dir failed every case as a conformance failure (exit 100).
fn enospc_writing_inputs() -> TestResult {
    use rawconf::protocol::inputs::{InputsRequest, write_inputs};
    use rawconf::protocol::literal::{Literal, LiteralMap, Primitive};
    let tmp = scratch("enospc");
    std::os::unix::fs::symlink("/dev/full", tmp.join("a"))?;
    let inputs = LiteralMap {
        literals: [("a".to_owned(), Literal::primitive(Primitive::Integer(7)))].into(),
    };
    let written = write_inputs(&InputsRequest {
        inputs: &inputs,
        dir: &tmp,
        container_dir: Some("/var/inputs"),
        format: Default::default(),
        profile: rawconf::protocol::profile::Profile::Backend,
    });
    match written {
        Err(e) if e.is_environmental() && e.to_string().contains("No space left") => Ok(()),
        Err(e) => Err(format!("a fault, but not the environment's: {e}").into()),
        Ok(listing) => Err(format!("ENOSPC became data: {:?}", listing.error).into()),
    }
}

/// This module's trials, for `tests/integration.rs`.
pub fn trials() -> Vec<Trial> {
    let skip = support::skip_docker();
    let docker = |name: &str, f: fn() -> TestResult| Trial::test(name, f).with_ignored_flag(skip);
    let mut trials = [
        Trial::test("faults/engine/unreachable-at-start", daemon_unreachable),
        Trial::test(
            "faults/workdir/enospc-writing-inputs",
            enospc_writing_inputs,
        ),
        docker("faults/engine/stops-mid-run", daemon_stops_mid_run),
        docker("faults/engine/image-missing", image_missing),
        docker("faults/workdir/not-a-directory", workdir_not_a_directory),
        Trial::test("faults/workdir/full", workdir_full).with_ignored_flag(skip || !is_root()),
        docker("faults/adapter/garbage", || {
            adapter(
                "garbage.sh",
                &[],
                101,
                "harness-error",
                "not one JSON document",
            )
        }),
        docker("faults/adapter/nothing", || {
            adapter(
                "silent.sh",
                &[],
                101,
                "harness-error",
                "not one JSON document",
            )
        }),
        docker("faults/adapter/hangs", || {
            adapter(
                "hang.sh",
                &["{tmp}"],
                100,
                "timeout",
                "did not answer within 31s",
            )
        }),
    ];
    if !is_root() && !skip {
        eprintln!("note: not root: faults/workdir/full (a full tmpfs) is ignored, not passed");
    }
    trials.sort_by(|a, b| a.name().cmp(b.name()));
    trials.into()
}
