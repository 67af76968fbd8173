//! Hostile output directories: what an image under test can leave behind to hang the harness or
//! blow up its records — FIFOs, sockets, symlinks out of the directory, ten thousand files,
//! deep trees, huge files. Each must be contained (no hang, bounded record) and reported with a
//! reason. The first trials build the directory on the host (no Docker); the `docker/` trials
//! make the probe fixture image (`tests/fixtures/probe`) do it for real through `rawconf exec`.

use crate::support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use libtest_mimic::{Failed, Trial};
use rawconf::protocol::literal::{LiteralType, SimpleType, TypedInterface, Variable, VariableMap};
use rawconf::protocol::outputs::{CollectRequest, Collected, collect_outputs};
use rawconf::protocol::profile::Profile;
use support::DockerGate;

use rawconf::protocol::record::{
    FileContent, RECORD_MAX_BYTES, RECORD_MAX_DEPTH, RECORD_MAX_FILES, snapshot_dir,
};

/// A fresh directory under the target's temp dir.
fn scratch(name: &str) -> PathBuf {
    support::scratch("hostile", name)
}

fn mkfifo(path: &Path) -> Result<(), Failed> {
    let st = Command::new("mkfifo").arg(path).status()?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("mkfifo {} failed", path.display()).into())
    }
}

fn interface(names: &[&str]) -> TypedInterface {
    TypedInterface {
        outputs: VariableMap {
            variables: names
                .iter()
                .map(|n| {
                    (
                        (*n).to_owned(),
                        Variable {
                            literal_type: LiteralType::Simple(SimpleType::Float),
                            description: String::new(),
                        },
                    )
                })
                .collect::<BTreeMap<_, _>>(),
        },
        ..Default::default()
    }
}

/// Runs `f` on another thread and fails if it does not finish within `limit`: a hang is the bug
/// these trials look for, and must not hang the test binary too.
fn within<T: Send + 'static>(
    limit: Duration,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Failed> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit)
        .map_err(|_| format!("{what} did not return within {limit:?}: it blocks").into())
}

fn error_of(c: &Collected) -> Result<String, Failed> {
    match c {
        Collected::Error(e) => Ok(format!("{}: {}", e.code, e.message)),
        Collected::Outputs(m) => Err(format!("expected an error, got {m:?}").into()),
    }
}

fn collect(dir: &Path, names: &[&str], profile: Profile) -> Result<Collected, Failed> {
    let dir = dir.to_path_buf();
    let iface = interface(names);
    within(Duration::from_secs(20), "collect_outputs", move || {
        collect_outputs(&CollectRequest {
            interface: &iface,
            dir: &dir,
            container_dir: Some("/var/outputs"),
            raw_output_prefix: None,
            profile,
        })
        .map_err(|e| e.to_string())
    })?
    .map_err(Failed::from)
}

fn expect(cond: bool, what: String) -> Result<(), Failed> {
    if cond { Ok(()) } else { Err(what.into()) }
}

fn fifo_output(profile: Profile, file: &'static str) -> Result<(), Failed> {
    let dir = scratch(&format!("fifo-{file}-{profile:?}"));
    mkfifo(&dir.join(file))?;
    let got = error_of(&collect(&dir, &["area"], profile)?)?;
    expect(
        got.contains("FIFO") && got.contains("not a regular file"),
        format!("a FIFO `{file}` must be refused with a reason, got `{got}`"),
    )?;
    let snap = within(Duration::from_secs(20), "snapshot_dir", move || {
        snapshot_dir(&dir).map_err(|e| e.to_string())
    })??;
    expect(
        snap.files.get(file)
            == Some(&FileContent::Special {
                special: "FIFO".into(),
            }),
        format!("the record must list the FIFO as special: {:?}", snap.files),
    )
}

fn socket_output() -> Result<(), Failed> {
    let dir = scratch("socket");
    let _listener = std::os::unix::net::UnixListener::bind(dir.join("area"))?;
    let got = error_of(&collect(&dir, &["area"], Profile::Backend)?)?;
    expect(
        got.contains("socket"),
        format!("a socket must be named: `{got}`"),
    )
}

fn many_files() -> Result<(), Failed> {
    let dir = scratch("many");
    let line = "x".repeat(100);
    for i in 0..10_000 {
        std::fs::write(dir.join(format!("f{i:05}")), &line)?;
    }
    std::fs::write(dir.join("area"), "1.5")?;
    let started = Instant::now();
    let d = dir.clone();
    let snap = within(Duration::from_secs(60), "snapshot_dir", move || {
        snapshot_dir(&d).map_err(|e| e.to_string())
    })??;
    let omitted = snap.omitted.clone().ok_or("no files_omitted flag")?;
    expect(
        snap.files.len() == RECORD_MAX_FILES && omitted.entries == 10_001 - RECORD_MAX_FILES as u64,
        format!(
            "{} listed, {} omitted; expected {RECORD_MAX_FILES} and the rest",
            snap.files.len(),
            omitted.entries
        ),
    )?;
    expect(
        // `area` sorts first and is listed; every omitted file holds 100 bytes.
        omitted.bytes == (10_001 - RECORD_MAX_FILES as u64) * 100,
        format!("omitted bytes {}", omitted.bytes),
    )?;
    let record = rawconf::protocol::record::Record {
        argv: Vec::new(),
        input_files: BTreeMap::new(),
        input_files_omitted: None,
        exit_code: Some(0),
        timed_out: false,
        files: snap.files,
        files_omitted: snap.omitted,
        result: serde_json::json!({}),
        execution: None,
    };
    let golden = record.to_golden();
    expect(
        golden.len() < 100_000
            && golden.contains("\"files_omitted\"")
            && golden.contains("more than 256 entries"),
        format!(
            "the record is {} bytes; expected a small one with the flag",
            golden.len()
        ),
    )?;
    // Collection still finds the declared output among them.
    match collect(&dir, &["area"], Profile::Backend)? {
        Collected::Outputs(m) if m.literals.contains_key("area") => {}
        other => return Err(format!("area not collected: {other:?}").into()),
    }
    eprintln!(
        "  10 001 files: record {} bytes, {:?}",
        golden.len(),
        started.elapsed()
    );
    Ok(())
}

fn byte_budget() -> Result<(), Failed> {
    let dir = scratch("bytes");
    // 24 files of 100 KiB: the first 16 fill the 1 MiB budget at 64 KiB each.
    let blob = vec![b'7'; 100 * 1024];
    for i in 0..24 {
        std::fs::write(dir.join(format!("big{i:02}")), &blob)?;
    }
    let snap = snapshot_dir(&dir)?;
    let kept: usize = snap
        .files
        .values()
        .map(|c| match c {
            FileContent::Truncated { base64, .. } => {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD
                    .decode(base64)
                    .map_or(0, |b| b.len())
            }
            other => other.bytes().map_or(0, |b| b.len()),
        })
        .sum();
    let omitted = snap.omitted.ok_or("no files_omitted flag")?;
    expect(
        kept as u64 <= RECORD_MAX_BYTES
            && snap.files.len() == 16
            && omitted.entries == 8
            && omitted
                .reasons
                .iter()
                .any(|r| r.contains("bytes of content")),
        format!(
            "kept {kept} bytes in {} files, omitted {omitted:?}",
            snap.files.len()
        ),
    )
}

fn deep_tree() -> Result<(), Failed> {
    let dir = scratch("deep");
    let mut p = dir.clone();
    for i in 0..(RECORD_MAX_DEPTH + 8) {
        p = p.join(format!("d{i}"));
    }
    std::fs::create_dir_all(&p)?;
    std::fs::write(p.join("leaf"), "x")?;
    std::fs::write(dir.join("area"), "2")?;
    let snap = snapshot_dir(&dir)?;
    let omitted = snap
        .omitted
        .ok_or("no files_omitted flag for a deep tree")?;
    expect(
        snap.files.contains_key("area")
            && omitted.reasons.iter().any(|r| r.contains("deeper than")),
        format!("{:?} / {omitted:?}", snap.files.keys().collect::<Vec<_>>()),
    )
}

/// A directory `levels` deep below `base` (`base/d/d/…`), created fresh.
fn deep_dir(base: &Path, levels: usize) -> PathBuf {
    let d = (0..levels).fold(base.to_path_buf(), |p, _| p.join("d"));
    let _ = std::fs::remove_dir_all(base);
    std::fs::create_dir_all(&d).expect("deep dir");
    d
}

/// A directory right below `/tmp` (one level), where a relative escape of eight `..` reaches the
/// host's root; `None` when `/tmp` is not writable here.
fn shallow_dir(name: &str) -> Option<PathBuf> {
    let d = Path::new("/tmp").join(format!("rawconf-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir(&d).ok().map(|()| d)
}

/// Symlinks out of the directory, laid out on the host: each is refused, names its literal
/// target, shows no host path, and gives the same answer from a shallow directory (where the
/// relative links reach the host's `/etc/passwd`) as from one 30 levels deep (where they reach
/// nothing), for both profiles.
fn symlink_out() -> Result<(), Failed> {
    let links = [
        ("area", "/etc/passwd"),
        ("_ERROR.txt", "../../../../../../etc/passwd"),
        ("rel", "../../../../../../../../etc/passwd"),
        ("missing", "../../../../../../../../no/such/rawconf/path"),
        ("proc", "/proc/self/cwd"),
    ];
    let deep = deep_dir(&scratch("symlink-deep"), 30);
    let mut places = vec![deep];
    places.extend(shallow_dir("symlink"));
    for profile in [Profile::Backend, Profile::FlytekitLocal] {
        for (name, target) in links.iter().filter(|(n, _)| *n != "_ERROR.txt") {
            let mut seen = BTreeMap::new();
            for dir in &places {
                let _ = std::fs::remove_dir_all(dir.join("o"));
                std::fs::create_dir(dir.join("o"))?;
                for (n, t) in links {
                    std::os::unix::fs::symlink(t, dir.join("o").join(n))?;
                }
                let got = error_of(&collect(&dir.join("o"), &[name], profile)?)?;
                expect(
                    !got.contains("root:") && !got.contains(&*dir.to_string_lossy()),
                    format!("{profile:?} `{name}`: the host shows through: `{got}`"),
                )?;
                seen.insert(dir.display().to_string(), got);
            }
            let answers: std::collections::BTreeSet<_> = seen.values().collect();
            expect(
                answers.len() == 1,
                format!(
                    "{profile:?} `{name}`: the answer depends on where the directory is: {seen:#?}"
                ),
            )?;
            if profile == Profile::Backend {
                let got = answers.into_iter().next().unwrap();
                expect(
                    got.contains(&format!("/var/outputs/{name} -> {target}:")),
                    format!("the refusal must name the link and its literal target: `{got}`"),
                )?;
            }
        }
    }
    let snap = snapshot_dir(&places[0].join("o"))?;
    expect(
        snap.files.get("area")
            == Some(&FileContent::Symlink {
                symlink: "/etc/passwd".into(),
            }),
        format!("{:?}", snap.files),
    )
}

/// `rawconf outputs collect` on a FIFO: must exit promptly with the error as a result.
fn cli_collect_fifo() -> Result<(), Failed> {
    let dir = scratch("cli-fifo");
    let out = dir.join("out");
    std::fs::create_dir_all(&out)?;
    mkfifo(&out.join("area"))?;
    let iface = dir.join("iface.json");
    std::fs::write(
        &iface,
        r#"{"outputs":{"variables":{"area":{"type":{"simple":"FLOAT"}}}}}"#,
    )?;
    let mut child = Command::new(env!("CARGO_BIN_EXE_rawconf"))
        .args(["outputs", "collect", "--interface"])
        .arg(&iface)
        .arg("--dir")
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let started = Instant::now();
    while child.try_wait()?.is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            return Err("`rawconf outputs collect` hangs on a FIFO `area`".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    expect(
        output.status.success() && stdout.contains("OutputUploadFailed") && stdout.contains("FIFO"),
        format!("status {}, stdout {stdout}", output.status),
    )
}

// --- through the binary, with the probe image -------------------------------------------------

/// Runs the `rawconf` binary with the probe fixture as the only language and the probe suite,
/// temp dirs under `tmpdir`; kills it after `limit` (a hang is a failure, not a stuck test).
fn rawconf_probe(
    args: &[&str],
    tmpdir: &Path,
    limit: Duration,
) -> Result<std::process::Output, Failed> {
    let child = probe_command(args, tmpdir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => Ok(out?),
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

fn probe_command(args: &[&str], tmpdir: &Path) -> Command {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rawconf"));
    cmd.arg("--languages-dir")
        .arg(root.join("tests/fixtures"))
        .args(args)
        .current_dir(root)
        .env("TMPDIR", tmpdir)
        .env("RAWCONF_SUITES_DIR", root.join("tests/fixtures/suites"));
    cmd
}

fn docker() -> Result<bollard::Docker, Failed> {
    Ok(support::docker()?)
}

/// `rawconf exec --json` of the probe in `mode`: the record as JSON.
fn exec_probe(mode: &str) -> Result<serde_json::Value, Failed> {
    exec_probe_in(mode, &scratch(&format!("exec-{mode}")))
}

/// [`exec_probe`] with the temp dirs (and so the output dir) under `tmp`.
fn exec_probe_in(mode: &str, tmp: &Path) -> Result<serde_json::Value, Failed> {
    docker()?;
    let started = Instant::now();
    let out = rawconf_probe(
        &[
            "exec",
            "--language",
            "probe",
            "--suite",
            "probe",
            "--json",
            "--input",
            &format!("mode={mode}"),
        ],
        tmp,
        Duration::from_secs(240),
    )?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).map_err(|e| {
        format!(
            "exec {mode}: not one JSON record ({e}); status {}; stderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    let left = leftover_dirs(tmp);
    if !left.is_empty() {
        return Err(format!("exec {mode} left temp dirs: {left:?}").into());
    }
    eprintln!(
        "  {mode}: {:?}, record {} bytes",
        started.elapsed(),
        stdout.len()
    );
    Ok(v)
}

fn leftover_dirs(tmp: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(tmp)
        .map(|r| {
            r.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("rawconf-"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The probe's escape modes (`tests/fixtures/probe/probe.sh`) and the literal target of the
/// link its `out` first leaves the directory through.
const ESCAPES: [(&str, &str); 6] = [
    ("escape", "../../../../../../../../etc/passwd"),
    (
        "escape-missing",
        "../../../../../../../../no/such/rawconf/path",
    ),
    ("escape-absolute", "/etc/passwd"),
    ("escape-proc", "/proc/self/cwd"),
    ("escape-chain", "../../../../../../../../etc"),
    ("escape-directory", "../../../../../../../../etc"),
];

/// The probe's record of `mode` from a shallow temp dir (where eight `..` reach the host's
/// root) and from one 30 levels deep (where they reach nothing): byte-identical, an error that
/// names the escaping link's literal target, nothing of the host in it.
fn escape_records(mode: &str) -> Result<serde_json::Value, Failed> {
    let deep = deep_dir(&scratch(&format!("escape-{mode}")), 30);
    let mut places = vec![deep];
    places.extend(shallow_dir(mode));
    let mut records = Vec::new();
    for tmp in &places {
        let v = exec_probe_in(mode, tmp)?;
        let text = v.to_string();
        let host = [
            tmp.to_string_lossy().into_owned(),
            env!("CARGO_MANIFEST_DIR").to_owned(),
            "root:".to_owned(),
        ];
        if let Some(h) = host.iter().find(|h| text.contains(h.as_str())) {
            return Err(format!("{mode}: the record shows the host ({h}): {}", short(&v)).into());
        }
        records.push((tmp.clone(), v));
    }
    let _ = places.get(1).map(std::fs::remove_dir_all);
    // Compared as text: byte-identical, not merely equal as JSON values (pretty-printed, so a
    // difference shows as a line diff; the printer is the same for both).
    let texts: Vec<String> = records
        .iter()
        .map(|(_, v)| serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("<{e}>")))
        .collect();
    if let [(a, _), (b, _)] = &records[..] {
        support::ensure_eq(
            &format!(
                "{mode}: the record depends on the temp dir ({} vs {})",
                a.display(),
                b.display()
            ),
            &texts[1],
            &texts[0],
        )?;
    }
    Ok(records.remove(0).1)
}

fn escape(mode: &str, target: &str) -> Result<(), Failed> {
    let v = escape_records(mode)?;
    let why = format!("{mode}: a symlink out of the output dir must be refused, naming its target");
    dockerless_or(
        v["result"]["error"]["code"] == "OutputUploadFailed"
            && message(&v).contains(&format!(
                " -> {target}: its target leaves the output directory"
            ))
            && v["files"]["out"]["symlink"].is_string(),
        &why,
    )
    .map_err(|why| Failed::from(format!("{why}\nrecord: {}", short(&v))))
}

/// An image cannot learn whether a host path exists: a link to the host's `/etc/passwd` and one
/// to a path no host has give the same record, but for the target's own text.
fn escape_reveals_nothing() -> Result<(), Failed> {
    // What the image left and what the harness made of it; argv and inputs name the mode.
    let seen = |v: serde_json::Value| {
        serde_json::json!([
            v["exit_code"],
            v["files"],
            v["result"],
            v["stdout"],
            v["stderr"]
        ])
        .to_string()
    };
    let exists = seen(escape_records("escape")?);
    let missing =
        seen(escape_records("escape-missing")?).replace("no/such/rawconf/path", "etc/passwd");
    expect(
        exists == missing,
        format!("the record tells an existing host path from a missing one:\n{exists}\n{missing}"),
    )
}

/// `rawconf run --suite all --profile <profile>` from a copy of the checkout's data 30 levels
/// deep, with `TMPDIR` as deep, against the same run made in this process from the checkout
/// with the test's own temp dir. Every case's result (outcome, reason, record, judgement,
/// output streams, notes) must be byte-identical: nothing about where the checkout or `TMPDIR`
/// is may reach a record.
///
/// The in-process side runs on [`support::SharedReference`], so its containers are the ones
/// the conformance area runs anyway (each case's fresh attempt, once per test process); the
/// deep side is a separate `rawconf` process and runs every container itself.
fn hermetic_suite(profile: &str) -> Result<(), Failed> {
    let docker = docker()?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = scratch(&format!("hermetic-{profile}"));
    let deep = deep_dir(&base.join("deep"), 30);
    let checkout = deep.join("checkout");
    std::fs::create_dir_all(checkout.join("tests/fixtures"))?;
    // The suites' data: blob fixtures sit next to the suites folder (`../fixtures/blobs`).
    for data in [
        "languages",
        "golden",
        "tests/suites",
        "tests/properties",
        "tests/fixtures/blobs",
    ] {
        let st = Command::new("cp")
            .arg("-a")
            .arg(root.join(data))
            .arg(checkout.join(data))
            .status()?;
        expect(st.success(), format!("cp -a {data}: {st}"))?;
    }
    let here = results(&in_process_run(docker, profile.parse()?)?)?;

    let report_dir = base.join("report-deep");
    let out = Command::new(env!("CARGO_BIN_EXE_rawconf"))
        .args([
            "run",
            "--suite",
            "all",
            "--profile",
            profile,
            "--report-dir",
        ])
        .arg(&report_dir)
        .current_dir(&checkout)
        .env("TMPDIR", &deep)
        .env_remove("RAWCONF_LANGUAGES_DIR")
        .env_remove("RAWCONF_SUITES_DIR")
        .env_remove("RAWCONF_GOLDEN_DIR")
        .stdout(Stdio::null())
        .output()?;
    expect(
        out.status.success(),
        format!(
            "run from {} with TMPDIR={}: {}\n{}",
            checkout.display(),
            deep.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ),
    )?;
    let there = results(&serde_json::from_slice(&std::fs::read(
        report_dir.join("report.json"),
    )?)?)?;

    expect(
        here.len() > 200 && here.keys().eq(there.keys()),
        format!("{} and {} cases ran", here.len(), there.len()),
    )?;
    let differing: Vec<String> = here
        .iter()
        .filter(|(id, r)| there.get(*id) != Some(r))
        .map(|(id, r)| {
            let other = &there[id];
            let fields: Vec<&String> = r
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, v)| other.get(k.as_str()) != Some(v))
                .map(|(k, _)| k)
                .collect();
            format!("{id}: {fields:?}\n  {}\n  {}", short(r), short(other))
        })
        .collect();
    expect(
        differing.is_empty(),
        format!(
            "{} of {} results depend on the checkout path or TMPDIR:\n{}",
            differing.len(),
            here.len(),
            differing.join("\n")
        ),
    )?;
    let _ = std::fs::remove_dir_all(&base);
    Ok(())
}

/// What `rawconf run --suite all --profile <profile>` reports, run by this process from the
/// checkout (the CLI's plan: every suite with the languages that join it, judged against
/// `golden/`), as `report.json` would hold it.
fn in_process_run(docker: bollard::Docker, profile: Profile) -> Result<serde_json::Value, Failed> {
    use rawconf::judge::golden::GoldenMode;
    use rawconf::run::suites;

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let suites = rawconf::spec::suite::Suite::all(&support::suites_dir())?;
    let langs = rawconf::Language::discover(&support::languages_dir())?;
    let pairs = suites::pair(suites, &langs, &[], true)?;
    let report = support::runtime().block_on(async {
        let builder = rawconf::engine::image::Builder::new(docker.clone());
        let mut built = Vec::new();
        for lang in suites::languages_needed(&pairs) {
            built.push(builder.ensure(&lang).await?);
        }
        let images = built
            .iter()
            .map(|b| (b.language.clone(), b.image.clone()))
            .collect();
        let image_ids = builder.ids(&built).await;
        let runtime = support::SharedReference::new(docker);
        // The CLI's plans for `--suite all --profile <profile>` (cli/run.rs).
        let plans = suites::plans(pairs, &runtime, &images, |plan| {
            plan.profile(profile)
                .jobs(rawconf::run::default_jobs())
                .golden(GoldenMode::Check)
                .golden_root(root.join("golden"))
                .image_ids(image_ids.clone())
        })?;
        let (reports, fault) = suites::run_each(plans, &runtime, &support::Quiet).await;
        if let Some(e) = fault {
            return Err(e);
        }
        Ok(rawconf::report::RunReport::merge(reports))
    })?;
    let report = report.ok_or("the in-process run selected no case")?;
    Ok(serde_json::to_value(&report)?)
}

/// A report's results by id, without `duration_ms` (wall-clock time is the one field allowed to
/// differ between runs).
fn results(report: &serde_json::Value) -> Result<BTreeMap<String, serde_json::Value>, Failed> {
    Ok(report["results"]
        .as_array()
        .ok_or("the report has no results")?
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.as_object_mut().map(|o| o.remove("duration_ms"));
            (r["id"].as_str().unwrap_or_default().to_owned(), r)
        })
        .collect())
}

fn message(v: &serde_json::Value) -> String {
    v["result"]["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn hostile(mode: &'static str, check: fn(&serde_json::Value) -> Result<(), String>) -> Trial {
    let skip = matches!(support::docker_gate(), DockerGate::OptedOut);
    Trial::test(format!("docker/{mode}"), move || {
        let v = exec_probe(mode)?;
        check(&v).map_err(|why| Failed::from(format!("{why}\nrecord: {}", short(&v))))
    })
    .with_ignored_flag(skip)
}

fn short(v: &serde_json::Value) -> String {
    let mut v = v.clone();
    if let Some(files) = v["files"].as_object_mut()
        && files.len() > 5
    {
        let n = files.len();
        files.retain(|k, _| k == "out");
        files.insert("…".into(), format!("{n} entries").into());
    }
    let text = v.to_string();
    text.chars().take(3000).collect()
}

fn dockerless_or(cond: bool, why: &str) -> Result<(), String> {
    if cond { Ok(()) } else { Err(why.to_owned()) }
}

/// Containers labelled as created by process `pid`.
fn containers_of(docker: &bollard::Docker, pid: u32) -> Result<usize, Failed> {
    let options = bollard::query_parameters::ListContainersOptions {
        all: true,
        filters: Some(std::collections::HashMap::from([(
            "label".to_owned(),
            vec![format!("{}={pid}", rawconf::engine::container::LABEL_PID)],
        )])),
        ..Default::default()
    };
    Ok(support::runtime()
        .block_on(docker.list_containers(Some(options)))?
        .len())
}

/// Starts `rawconf exec` on the probe's 60 s sleep, waits until its container and its case dir
/// exist, kills it with SIGKILL, checks both were left behind; then `then` must clean them.
fn killed_run(name: &str, then: fn(&Path) -> Result<String, Failed>) -> Result<(), Failed> {
    let docker = docker()?;
    let tmp = scratch(&format!("kill-{name}"));
    let mut child = probe_command(
        &[
            "exec",
            "--language",
            "probe",
            "--suite",
            "probe",
            "--input",
            "mode=sleep",
        ],
        &tmp,
    )
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()?;
    let pid = child.id();
    let started = Instant::now();
    let owned = |tmp: &Path| -> Vec<PathBuf> {
        leftover_dirs(tmp)
            .into_iter()
            .filter(|p| p.to_string_lossy().contains(&format!("-p{pid}s")))
            .collect()
    };
    loop {
        if containers_of(&docker, pid)? > 0 && !owned(&tmp).is_empty() {
            break;
        }
        if let Some(st) = child.try_wait()? {
            return Err(format!("rawconf exec ended ({st}) before it could be killed").into());
        }
        if started.elapsed() > Duration::from_secs(240) {
            let _ = child.kill();
            let _ = child.wait();
            return Err("no container and case dir appeared within 240 s".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill()?; // SIGKILL: no destructor, no signal handler runs
    child.wait()?;
    let (left_c, left_d) = (containers_of(&docker, pid)?, owned(&tmp).len());
    if left_c == 0 || left_d == 0 {
        return Err(format!(
            "expected the killed run to leave its container and dir behind (found {left_c} and {left_d}); the test proves nothing otherwise"
        )
        .into());
    }
    let said = then(&tmp)?;
    // Another rawconf process on this engine may have started removing the container first
    // (every run reaps dead runs' containers); on a loaded machine its removal can still be
    // under way when the clean-up returns. The end state is what counts: give it a minute.
    let settled = Instant::now();
    while containers_of(&docker, pid)? != 0 && settled.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(500));
    }
    let (left_c, left_d) = (containers_of(&docker, pid)?, owned(&tmp));
    if left_c != 0 || !left_d.is_empty() {
        return Err(format!(
            "after the clean-up, {left_c} container(s) and dirs {left_d:?} of the killed run remain\n{said}"
        )
        .into());
    }
    eprintln!("  {name}: {}", said.lines().last().unwrap_or_default());
    Ok(())
}

/// `rawconf clean` without an engine: the dead run's dir goes, a live run's, an unowned one and
/// a foreign one stay; exit 96 says the containers were not checked.
fn clean_without_engine() -> Result<(), Failed> {
    use rawconf::engine::scratch::Owner;
    let tmp = scratch("clean-no-engine");
    let me = Owner::current();
    let dead = Owner {
        pid: me.pid,
        start: me.start + 1,
    };
    let dead_dir = tmp.join(format!("rawconf-case-{}-dead01", dead.tag()));
    let live_dir = tmp.join(format!("rawconf-adapter-{}-live01", me.tag()));
    let legacy = tmp.join("rawconf-case-Ab12Cd");
    let foreign = tmp.join(format!("other-case-{}-x", dead.tag()));
    for d in [&dead_dir, &live_dir, &legacy, &foreign] {
        std::fs::create_dir_all(d.join("outputs/sub"))?;
        std::fs::write(d.join("outputs/sub/f"), "x")?;
    }
    let out = probe_command(&["clean"], &tmp)
        .env("DOCKER_HOST", "unix:///nonexistent/rawconf-test.sock")
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    expect(
        out.status.code() == Some(96)
            && !dead_dir.exists()
            && live_dir.exists()
            && legacy.exists()
            && foreign.exists()
            && stdout.contains(&format!("removed temp dir {}", dead_dir.display()))
            && stdout.contains("kept 1 temp dir(s) without an owner")
            && stdout.contains("containers not checked")
            && stderr.contains("containers were not cleaned")
            && !stderr.contains("docker: containers were not cleaned: docker:"),
        format!(
            "status {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
            out.status
        ),
    )
}

/// This module's trials, for `tests/integration.rs`.
pub fn trials() -> Vec<Trial> {
    let skip = matches!(support::docker_gate(), DockerGate::OptedOut);
    let mut docker_trials = vec![
        Trial::test("cleanup/sigkill-then-rawconf-clean", || {
            killed_run("clean", |tmp| {
                let out = rawconf_probe(&["clean"], tmp, Duration::from_secs(60))?;
                let text = String::from_utf8_lossy(&out.stdout).into_owned();
                // The container may be reaped first by any other rawconf process on this engine
                // (every run reaps dead runs' containers): only the end state is checked for
                // it. The temp dir is under this trial's own TMPDIR.
                if !out.status.success() || !text.contains("removed temp dir") {
                    return Err(format!(
                        "rawconf clean: {}\n{text}{}",
                        out.status,
                        String::from_utf8_lossy(&out.stderr)
                    )
                    .into());
                }
                Ok(text)
            })
        })
        .with_ignored_flag(skip),
        Trial::test("cleanup/sigkill-then-next-run-reaps", || {
            killed_run("next-run", |tmp| {
                let out = rawconf_probe(
                    &[
                        "exec",
                        "--language",
                        "probe",
                        "--suite",
                        "probe",
                        "--input",
                        "mode=ok",
                    ],
                    tmp,
                    Duration::from_secs(120),
                )?;
                let text = String::from_utf8_lossy(&out.stderr).into_owned();
                if !out.status.success() || !text.contains("removed temp dir") {
                    return Err(format!("next run: {}\n{text}", out.status).into());
                }
                Ok(text)
            })
        })
        .with_ignored_flag(skip),
        hostile("fifo", |v| {
            dockerless_or(
                message(v).contains("FIFO") && v["files"]["out"]["special"] == "FIFO",
                "a FIFO output must be refused and listed as special",
            )
        }),
        hostile("fifo-error", |v| {
            dockerless_or(
                message(v).contains("_ERROR") && message(v).contains("FIFO"),
                "a FIFO _ERROR must be refused",
            )
        }),
        hostile("many", |v| {
            dockerless_or(
                v["result"]["outputs"]["literals"]["out"].is_object()
                    && v["files"]
                        .as_object()
                        .is_some_and(|f| f.len() == RECORD_MAX_FILES)
                    && v["files_omitted"]["entries"].as_u64()
                        == Some(3001 - RECORD_MAX_FILES as u64),
                "3000 files: out collected, 256 listed, the rest counted",
            )
        }),
        hostile("deep", |v| {
            dockerless_or(
                v["result"]["outputs"]["literals"]["out"].is_object()
                    && v["files_omitted"]["reasons"]
                        .to_string()
                        .contains("deeper than"),
                "a 60-level tree: out collected, the depth flagged",
            )
        }),
        hostile("huge", |v| {
            dockerless_or(
                message(v).contains("maximum allowed filesize is [1024], but found [67108864]")
                    && v["files"]["out"]["truncated"] == 67108864,
                "a 64 MiB output: size error, record truncated",
            )
        }),
        hostile("flood", |v| {
            dockerless_or(
                v["stdout"].as_str().is_some_and(|s| s.len() <= 1 << 20)
                    && v["result"]["outputs"]["literals"]["out"].is_object(),
                "16 MiB of stdout: capped at 1 MiB, the case still collected",
            )
        }),
        hostile("forkbomb", |v| {
            dockerless_or(
                v["timed_out"] == true && v["result"]["error"]["code"] == "Timeout",
                "a fork bomb is held by the pids limit and killed at the timeout",
            )
        }),
        hostile("memhog", |v| {
            dockerless_or(
                v["result"]["error"]["code"] == "UnknownError"
                    || v["result"]["outputs"]["literals"]["out"].is_object(),
                "3 GiB of memory: held by the 1 GiB limit (the pipe's reader is OOM-killed), the case ends with a result",
            )
        }),
        hostile("write-outside", |v| {
            let out = v["files"]["out"].as_str().unwrap_or_default();
            dockerless_or(
                out.split(' ').count() == 5 && !out.contains("=rw"),
                "no write outside the output dir and /tmp may succeed (read-only root, read-only input dir)",
            )
        }),
        hostile("network", |v| {
            dockerless_or(
                v["files"]["out"] == "lo",
                "the container sees only the loopback interface (network none)",
            )
        }),
        hostile("weird-names", |v| {
            let files = v["files"].as_object().cloned().unwrap_or_default();
            dockerless_or(
                v["result"]["outputs"]["literals"]["out"].is_object()
                    && files.len() >= 6
                    && files.keys().any(|k| k.contains('\n'))
                    && files.keys().any(|k| k.starts_with("-leading")),
                "odd file names (newline, tab, a leading dash, non-UTF-8, 255 bytes) are listed and the case collected",
            )
        }),
        hostile("garbage", |v| {
            dockerless_or(
                v["files"]["out"]["base64"].is_string() && v["result"].is_object(),
                "binary garbage in a string output: a result, the bytes kept exactly in base64",
            )
        }),
        hostile("ignore-term", |v| {
            dockerless_or(
                v["timed_out"] == true && v["result"]["error"]["code"] == "Timeout",
                "a TERM-ignoring loop must be killed at the timeout",
            )
        }),
    ];
    for (mode, target) in ESCAPES {
        docker_trials.push(
            Trial::test(format!("docker/{mode}"), move || escape(mode, target))
                .with_ignored_flag(skip),
        );
    }
    docker_trials.push(
        Trial::test(
            "docker/escape-does-not-probe-the-host",
            escape_reveals_nothing,
        )
        .with_ignored_flag(skip),
    );
    for profile in ["backend", "flytekit-local"] {
        docker_trials.push(
            Trial::test(format!("hermetic/suite-all-{profile}"), move || {
                hermetic_suite(profile)
            })
            .with_ignored_flag(skip),
        );
    }
    let mut trials = vec![
        Trial::test("outputs/fifo-area-backend", || {
            fifo_output(Profile::Backend, "area")
        }),
        Trial::test("outputs/fifo-error-file-backend", || {
            fifo_output(Profile::Backend, "_ERROR")
        }),
        Trial::test("outputs/fifo-area-flytekit-local", || {
            fifo_output(Profile::FlytekitLocal, "area")
        }),
        Trial::test("outputs/socket-area", socket_output),
        Trial::test("outputs/symlink-out-of-the-dir", symlink_out),
        Trial::test("outputs/cli-collect-fifo", cli_collect_fifo),
        Trial::test("record/ten-thousand-files", many_files),
        Trial::test("record/byte-budget", byte_budget),
        Trial::test("record/deep-tree", deep_tree),
        Trial::test("cleanup/clean-without-engine", clean_without_engine),
    ];
    trials.append(&mut docker_trials);
    trials
}
