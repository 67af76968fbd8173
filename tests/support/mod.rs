//! Helpers shared by every area of the integration tests (`tests/integration.rs`).

use std::path::PathBuf;
use std::sync::OnceLock;

use tokio::runtime::Runtime;

pub mod fixture;
pub mod shared;

pub use shared::SharedReference;

/// The repository's `languages/` folder.
pub fn languages_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("languages")
}

/// One multi-threaded runtime shared by every trial of a test binary.
pub fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("tokio runtime")
    })
}

/// How Docker-dependent trials should behave on this machine.
pub enum DockerGate {
    /// The engine answered: run the trials.
    Available(bollard::Docker),
    /// The user opted out with `RAWCONF_SKIP_DOCKER=1`: mark trials ignored and say so.
    OptedOut,
    /// The engine is unreachable: every trial fails with this message.
    Unreachable(String),
}

/// Connects once; the result decides how the Docker trials behave.
pub fn docker_gate() -> &'static DockerGate {
    static GATE: OnceLock<DockerGate> = OnceLock::new();
    GATE.get_or_init(|| {
        if rawconf::env::skip_docker() {
            return DockerGate::OptedOut;
        }
        match runtime().block_on(rawconf::engine::docker::connect()) {
            Ok(d) => DockerGate::Available(d),
            Err(e) => DockerGate::Unreachable(format!(
                "{e}\nThese tests need Docker. Set RAWCONF_SKIP_DOCKER=1 to skip them (they are then reported as ignored)."
            )),
        }
    })
}

/// Whether Docker trials are to be marked ignored (the user set `RAWCONF_SKIP_DOCKER=1`).
pub fn skip_docker() -> bool {
    matches!(docker_gate(), DockerGate::OptedOut)
}

/// The engine for a Docker trial, or the failure that says why there is none: unreachable
/// (fails loudly), or opted out (the trial should have been marked ignored).
pub fn docker() -> Result<bollard::Docker, String> {
    match docker_gate() {
        DockerGate::Available(d) => Ok(d.clone()),
        DockerGate::Unreachable(why) => Err(why.clone()),
        DockerGate::OptedOut => {
            Err("opted out of Docker; this trial should have been ignored".into())
        }
    }
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The folder of the suites, `tests/suites`.
pub fn suites_dir() -> PathBuf {
    repo().join("tests/suites")
}

/// The suite `name`, loaded from `tests/suites/<name>.toml`.
pub fn suite(name: &str) -> rawconf::spec::suite::Suite {
    rawconf::spec::suite::Suite::named(&suites_dir(), name)
        .unwrap_or_else(|e| panic!("suite `{name}` loads: {e}"))
}

/// The `rawconf` binary this test target was built with, as a command to add arguments to.
pub fn rawconf() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_rawconf"))
}

/// Compares `text` with the insta snapshot `tests/snapshots/<name>.snap`: a difference fails
/// with a line diff (review and accept changes with `cargo insta review`; in CI a missing or
/// different snapshot fails, nothing is written).
pub fn snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(repo().join("tests/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// Where proptest keeps the seeds of failures: `tests/<area>.proptest-regressions`, beside the
/// area's file (as before it was a module; said explicitly, since proptest's default looks for a
/// `lib.rs` or `main.rs` above the file, finds none in `tests/`, and says so on every run).
pub fn regressions_beside_source() -> Option<Box<dyn proptest::test_runner::FailurePersistence>> {
    Some(Box::new(
        proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
    ))
}

/// What a libtest-mimic trial returns.
pub type TestResult = Result<(), libtest_mimic::Failed>;

/// `Ok` when `got == want`; otherwise a failure that says what was compared and shows a line
/// diff of the two (similar-asserts), so a long record or report points at the line that moved.
pub fn ensure_eq(what: &str, got: &str, want: &str) -> TestResult {
    if got == want {
        return Ok(());
    }
    Err(format!(
        "{what}\n{}",
        similar_asserts::SimpleDiff::from_str(got, want, "got", "want")
    )
    .into())
}

/// [`ensure_eq`] for JSON values, compared as values and shown pretty-printed.
pub fn ensure_json_eq(what: &str, got: &serde_json::Value, want: &serde_json::Value) -> TestResult {
    if got == want {
        return Ok(());
    }
    let pretty = |v| serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("<{e}>"));
    ensure_eq(what, &pretty(got), &pretty(want))
}

/// A fresh directory `<prefix>-<name>-<pid>` under the target's temp dir (emptied first).
pub fn scratch(prefix: &str, name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{prefix}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// A run observer that reports nothing (tests read the returned report).
pub struct Quiet;

impl rawconf::run::RunObserver for Quiet {
    fn started(&self, _: usize) {}
    fn finished(&self, _: &rawconf::report::CaseResult) {}
}

/// Runs an adapter's `setup.sh` (`adapters/<name>/setup.sh`: its virtualenv from PyPI, or the
/// one whose lock matches) once per test process; a failure is every caller's, with its output.
pub fn adapter_venv(name: &str) -> Result<(), libtest_mimic::Failed> {
    static SETUPS: OnceLock<
        std::sync::Mutex<std::collections::BTreeMap<String, Result<(), String>>>,
    > = OnceLock::new();
    let mut done = SETUPS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    done.entry(name.to_owned())
        .or_insert_with(|| {
            let script = repo().join(format!("adapters/{name}/setup.sh"));
            let out = std::process::Command::new(&script)
                .stdin(std::process::Stdio::null())
                .output()
                .map_err(|e| format!("{}: {e}", script.display()))?;
            if out.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "adapters/{name}/setup.sh failed ({:?}); it installs from PyPI:\n{}{}",
                    out.status.code(),
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ))
            }
        })
        .clone()
        .map_err(libtest_mimic::Failed::from)
}

/// Says, once, how many trials an opt-out marked ignored: a skipped test is not a pass, and the
/// count is taken from the trials themselves, never kept by hand.
pub fn announce_ignored(trials: &[libtest_mimic::Trial]) {
    let ignored = trials.iter().filter(|t| t.has_ignored_flag()).count();
    if ignored == 0 {
        return;
    }
    let opted: Vec<&str> = [
        ("RAWCONF_SKIP_DOCKER", rawconf::env::skip_docker()),
        ("RAWCONF_SKIP_BROWSER", rawconf::env::skip_browser()),
        ("RAWCONF_SKIP_PODMAN", rawconf::env::skip_podman()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect();
    eprintln!(
        "note: {ignored} of {} trials are ignored (skipped, not passed); opt-outs set: {}",
        trials.len(),
        if opted.is_empty() {
            "none (see the notes above)".to_owned()
        } else {
            opted.join(", ")
        }
    );
}

/// Fails the whole run before any trial starts if two trials share a name: a filter or a
/// report line would then be ambiguous.
pub fn refuse_duplicate_names(trials: &[libtest_mimic::Trial]) {
    let mut seen = std::collections::BTreeMap::<&str, usize>::new();
    for t in trials {
        *seen.entry(t.name()).or_default() += 1;
    }
    let doubled: Vec<String> = seen
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(name, n)| format!("{name} ({n}×)"))
        .collect();
    assert!(
        doubled.is_empty(),
        "trial names must be unique: {}",
        doubled.join(", ")
    );
}

/// The command line of a libtest-mimic binary, with `--test-threads` defaulting to the run's
/// default jobs (cores + 1) instead of the cores: most trials wait on the Docker engine, and
/// `rawconf bench` measured a third job on two cores filling those waits (1.87× over one job,
/// where two gave 1.56×). `--test-threads N` still decides.
pub fn arguments() -> libtest_mimic::Arguments {
    let mut args = libtest_mimic::Arguments::from_args();
    if args.test_threads.is_none() {
        args.test_threads = Some(rawconf::run::default_jobs());
    }
    args
}
