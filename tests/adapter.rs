//! The adapter runtime (`--runtime 'cmd:…'`, docs/adapter.md), end to end.
//!
//! - `fakes/*` (no Docker): the fake adapters of `tests/fixtures/adapters/` break the contract
//!   one way each; every breakage must become the right outcome with a message naming the
//!   adapter, the case and what was expected. `fakes/request` checks what an adapter receives.
//! - `cli/*` (no Docker): usage errors of `--runtime` and `--bless`.
//! - `reference-adapter/*` (Docker): `adapters/reference/adapter.py`, a real runtime, must reach
//!   the reference runtime's goldens; through `result-only.py` (which drops everything but the
//!   result) the oracle judges the `area` literal instead of the file.
//! - `flytekit-adapter/*` (Docker, PyPI): `adapters/flytekit/`, real flytekit (pinned) whose
//!   `ContainerTask` runs the case, judged against the `flytekit-local` goldens. The trials run
//!   `adapters/flytekit/setup.sh` themselves (a venv under `target/`, from PyPI).
//! - `docs/*`: the examples in docs/adapter.md are what rawconf and the reference adapter
//!   actually exchange (`RAWCONF_UPDATE_DOCS=1` rewrites them), and they fit the schema.
//!
//! ```sh
//! cargo test --test integration -- reference-adapter/   # the reference adapter (Docker)
//! cargo test --test integration -- fakes/   # the failure paths only (no Docker)
//! RAWCONF_UPDATE_DOCS=1 cargo test --test integration -- docs/   # regenerate the doc examples
//! ```

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use libtest_mimic::{Failed, Trial};
use rawconf::Language;
use rawconf::engine::image::Builder;
use rawconf::judge::ellipse::oracle::Basis;
use rawconf::judge::golden::GoldenMode;
use rawconf::judge::outcome::Outcome;
use rawconf::protocol::literal::LiteralMap;
use rawconf::protocol::profile::Profile;
use rawconf::report::CaseResult;
use rawconf::run::{RunPlan, run_case, trial_id};
use rawconf::runtime::adapter::Request;
use rawconf::runtime::{Adapter, Execution};
use rawconf::spec::expect::Expectations;
use rawconf::spec::suite::Suite;
use serde_json::Value;

use support::TestResult;

use support::repo;

fn fake(name: &str) -> String {
    repo()
        .join("tests/fixtures/adapters")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn reference_adapter() -> String {
    repo()
        .join("adapters/reference/adapter.py")
        .to_string_lossy()
        .into_owned()
}

fn adapter(spec: &str) -> Adapter {
    Adapter::parse(spec)
        .expect("a valid runtime string")
        .with_rawconf_bin(env!("CARGO_BIN_EXE_rawconf"))
}

struct Fixture {
    suite: Suite,
    langs: Vec<Language>,
    expectations: Expectations,
}

fn fixture() -> &'static Fixture {
    static F: std::sync::OnceLock<Fixture> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let langs = Language::discover(&support::languages_dir()).expect("languages load");
        let suite = Suite::named(&repo().join("tests/suites"), "ellipse").expect("suite loads");
        let expectations = Expectations::new(&langs, &suite).expect("expectations load");
        Fixture {
            suite,
            langs,
            expectations,
        }
    })
}

fn language(name: &str) -> &'static Language {
    fixture()
        .langs
        .iter()
        .find(|l| l.name == name)
        .unwrap_or_else(|| panic!("language `{name}` exists"))
}

/// Runs one case through `runtime` as `rawconf run` would.
fn run_one(
    runtime: &Adapter,
    suite: &Suite,
    lang: &Language,
    image: &str,
    case: &str,
    golden: GoldenMode,
) -> CaseResult {
    run_profile(runtime, suite, lang, image, case, golden, Profile::Backend)
}

fn run_profile(
    runtime: &Adapter,
    suite: &Suite,
    lang: &Language,
    image: &str,
    case: &str,
    golden: GoldenMode,
    profile: Profile,
) -> CaseResult {
    let plan = RunPlan::builder(suite.clone(), runtime)
        .language(lang.clone(), image)
        .profile(profile)
        .jobs(1)
        .golden(golden)
        .golden_root(repo().join("golden"))
        .build()
        .expect("the plan builds");
    let case = suite
        .cases
        .iter()
        .find(|c| c.id == case)
        .unwrap_or_else(|| panic!("case `{case}` exists"));
    support::runtime().block_on(run_case(
        &plan,
        runtime,
        &fixture().expectations,
        lang,
        image,
        case,
        "adapter-test",
    ))
}

fn expect_outcome(r: &CaseResult, outcome: Outcome, needles: &[&str]) -> TestResult {
    if r.outcome != outcome {
        return Err(format!(
            "{}: expected {}, got {}: {}\nstderr: {}",
            r.id,
            outcome.as_str(),
            r.outcome.as_str(),
            r.reason,
            r.stderr
        )
        .into());
    }
    for n in needles {
        if !r.reason.contains(n) {
            return Err(
                format!("{}: the reason does not mention `{n}`: {}", r.id, r.reason).into(),
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Fakes: failure paths, no Docker.

/// A version-2 result that breaks one rule (`tests/fixtures/adapters/bad-v2.py MODE`) on an
/// execution case: a harness-error whose reason names the adapter, the case and the field.
fn fake_v2_case(mode: &str, needles: &[&str]) -> TestResult {
    let suite = Suite::named(&repo().join("tests/suites"), "execution")?;
    let spec = format!("cmd:{} {mode}", fake("bad-v2.py"));
    let r = run_one(
        &adapter(&spec),
        &suite,
        language("probe"),
        "rawconf-fake:none",
        "retries/zero",
        GoldenMode::Check,
    );
    let mut all = vec!["probe/execution/retries/zero"];
    all.extend_from_slice(needles);
    expect_outcome(&r, Outcome::HarnessError, &all)?;
    if r.record.is_some() {
        return Err(format!("{}: a refused result has a record", r.id).into());
    }
    Ok(())
}

fn fake_case(script: &str, outcome: Outcome, needles: &'static [&'static str]) -> TestResult {
    let f = fixture();
    let spec = format!("cmd:{}", fake(script));
    let r = run_one(
        &adapter(&spec),
        &f.suite,
        language("python"),
        "rawconf-fake:none",
        "three-by-four",
        GoldenMode::Check,
    );
    // `unavailable` carries the adapter's own words; every other reason names adapter and case.
    let mut all = Vec::new();
    if outcome != Outcome::Unavailable {
        all.extend([spec.as_str(), "python/ellipse/three-by-four"]);
    }
    all.extend_from_slice(needles);
    expect_outcome(&r, outcome, &all)?;
    if r.record.is_some() || r.judgement.is_some() {
        return Err(format!(
            "{}: a case that did not run has a record or judgement",
            r.id
        )
        .into());
    }
    if !r
        .reproduce
        .contains(&format!("--runtime {}", shell_words::quote(&spec)))
    {
        return Err(format!("reproduce lacks the runtime: {}", r.reproduce).into());
    }
    Ok(())
}

fn fake_hang() -> TestResult {
    let f = fixture();
    let mut suite = f.suite.clone();
    suite.task.timeout = Duration::from_secs(1);
    for case in &mut suite.cases {
        case.task.timeout = Duration::from_secs(1);
    }
    let dir = tempfile::tempdir()?;
    let spec = format!(
        "cmd:{} {}",
        fake("hang.sh"),
        shell_words::quote(&dir.path().to_string_lossy())
    );
    let runtime = adapter(&spec).with_margin(Duration::from_secs(1));
    let started = std::time::Instant::now();
    let r = run_one(
        &runtime,
        &suite,
        language("python"),
        "rawconf-fake:none",
        "unit",
        GoldenMode::Check,
    );
    let took = started.elapsed();
    expect_outcome(
        &r,
        Outcome::Timeout,
        &[&spec, "python/ellipse/unit", "did not answer within 2s"],
    )?;
    // 1 s timeout + 1 s margin + SIGTERM grace (ignored by the fake) before SIGKILL.
    if took > Duration::from_secs(15) {
        return Err(format!("stopping the hung adapter took {took:?}").into());
    }
    let pid = std::fs::read_to_string(dir.path().join("child.pid"))?;
    let proc_dir = PathBuf::from(format!("/proc/{}", pid.trim()));
    for _ in 0..50 {
        // A killed child stays a zombie until init reaps it; either way it no longer runs.
        let state = std::fs::read_to_string(proc_dir.join("stat")).unwrap_or_default();
        if state.is_empty() || state.contains(") Z ") {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "the adapter's child {} survived its process group",
        pid.trim()
    )
    .into())
}

fn fake_request() -> TestResult {
    let f = fixture();
    let dir = tempfile::tempdir()?;
    let spec = format!(
        "cmd:{} {}",
        fake("recorder.sh"),
        shell_words::quote(&dir.path().to_string_lossy())
    );
    let lang = language("shell");
    let r = run_one(
        &adapter(&spec),
        &f.suite,
        lang,
        "rawconf-shell:example",
        "negative-zero",
        GoldenMode::Check,
    );
    expect_outcome(&r, Outcome::Unavailable, &["recorded the request"])?;

    let text = std::fs::read_to_string(dir.path().join("request.json"))?;
    let request: Value = serde_json::from_str(&text)?;
    validate("request", &request)?;
    let check = |ok: bool, what: &str| -> TestResult {
        if ok {
            Ok(())
        } else {
            Err(format!("request: {what}\n{text}").into())
        }
    };
    check(request["version"] == 1, "version is 1")?;
    check(
        request["case"] == "shell/ellipse/negative-zero",
        "case is the trial id",
    )?;
    let command: Vec<String> = serde_json::from_value(request["task"]["command"].clone())?;
    check(
        command == lang.command,
        "task.command is the language's command, templates not rendered",
    )?;
    check(
        request["task"]["image"] == "rawconf-shell:example",
        "task.image",
    )?;
    check(
        request["task"]["timeoutSeconds"] == 60,
        "timeoutSeconds is the suite's 60s",
    )?;
    let inputs = LiteralMap::from_json(&request["inputs"], "inputs")?;
    let case = f
        .suite
        .cases
        .iter()
        .find(|c| c.id == "negative-zero")
        .unwrap();
    check(inputs == case.inputs, "inputs round-trip to the case's")?;
    check(
        text.contains("-0.0") && !text.contains(":-0}"),
        "negative zero is spelled -0.0",
    )?;
    let ctx = &request["context"];
    let cwd = std::fs::read_to_string(dir.path().join("cwd"))?;
    let work = ctx["workDir"].as_str().unwrap_or_default();
    check(cwd.trim() == work, "the adapter runs in context.workDir")?;
    for key in ["outputPrefix", "rawOutputPrefix", "taskTemplatePath"] {
        let p = ctx[key].as_str().unwrap_or_default();
        check(
            Path::new(p).parent() == Some(Path::new(work)),
            &format!("context.{key} is inside the work dir"),
        )?;
    }
    let listing = std::fs::read_to_string(dir.path().join("listing"))?;
    for entry in ["output-prefix", "raw-output", "task.json"] {
        check(
            listing.lines().any(|l| l == entry),
            &format!("the work dir holds `{entry}`"),
        )?;
    }
    let task: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("task.json"))?)?;
    check(
        task == request["task"],
        "task.json holds the request's task",
    )?;
    check(
        !Path::new(work).exists(),
        "the work dir is removed after the case",
    )?;
    let bin = std::fs::read_to_string(dir.path().join("rawconf_bin"))?;
    check(
        bin == env!("CARGO_BIN_EXE_rawconf"),
        "RAWCONF_BIN points at the rawconf binary",
    )
}

// ---------------------------------------------------------------------------------------------
// CLI usage errors, no Docker.

/// `rawconf run` exited 0, or the failure with its output.
fn exited_zero(out: &std::process::Output) -> TestResult {
    if out.status.code() == Some(0) {
        return Ok(());
    }
    Err(format!(
        "rawconf run exited {:?}\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
    .into())
}

fn cli(args: &[&str]) -> std::process::Output {
    cli_env(&[], args)
}

fn cli_env(env: &[(&str, &Path)], args: &[&str]) -> std::process::Output {
    support::rawconf()
        .envs(env.iter().copied())
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::null())
        .output()
        .expect("rawconf runs")
}

fn cli_usage(args: &'static [&'static str], needle: &'static str) -> TestResult {
    let out = cli(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(2) || !stderr.contains(needle) {
        return Err(format!(
            "rawconf {}: expected exit 2 mentioning `{needle}`, got {:?}: {stderr}",
            args.join(" "),
            out.status.code()
        )
        .into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The reference adapter, Docker.

fn docker() -> Result<bollard::Docker, Failed> {
    Ok(support::docker()?)
}

fn image(lang: &Language) -> Result<String, Failed> {
    let docker = docker()?;
    let built = support::runtime()
        .block_on(Builder::new(docker).ensure(lang))
        .map_err(|e| e.to_string())?;
    Ok(built.image)
}

fn reference_case(profile: Profile, lang: &str, case: &str) -> TestResult {
    let f = fixture();
    let lang = language(lang);
    let spec = format!("cmd:{} --profile {profile}", reference_adapter());
    let r = run_profile(
        &adapter(&spec),
        &f.suite,
        lang,
        &image(lang)?,
        case,
        GoldenMode::Check,
        profile,
    );
    if r.outcome.is_failure() || r.outcome == Outcome::Unavailable {
        return Err(format!(
            "{}: {}: {}\nstderr: {}",
            r.id,
            r.outcome.as_str(),
            r.reason,
            r.stderr
        )
        .into());
    }
    let record = r.record.as_ref().ok_or("no record")?;
    // flytekit's local executor writes no input files; the backend always does.
    let inputs_expected = profile == Profile::Backend;
    if record.argv.is_empty()
        || record.files.is_empty()
        || record.input_files.is_empty() == inputs_expected
    {
        return Err(format!(
            "{}: the reference adapter reports every part: {record:?}",
            r.id
        )
        .into());
    }
    Ok(())
}

fn result_only_case(lang: &str, case: &str) -> TestResult {
    let f = fixture();
    let lang = language(lang);
    let spec = format!(
        "cmd:python3 {} {}",
        fake("result-only.py"),
        reference_adapter()
    );
    let r = run_one(
        &adapter(&spec),
        &f.suite,
        lang,
        &image(lang)?,
        case,
        GoldenMode::Check,
    );
    expect_outcome(&r, Outcome::Pass, &[])?;
    let record = r.record.as_ref().ok_or("no record")?;
    if !record.files.is_empty() || !record.argv.is_empty() {
        return Err(format!("{}: result-only.py should report the result only", r.id).into());
    }
    match &r.judgement {
        Some(j) if j.basis == Basis::Literal && j.model_ok && j.precision_ok => Ok(()),
        other => Err(format!(
            "{}: expected a literal-basis judgement, got {other:?}",
            r.id
        )
        .into()),
    }
}

/// A runtime that writes `inputs.pb` as Go may — map entries in another order, NaN with Go's
/// payload — gets the same verdicts: the protocol fixes the message, not its bytes. Runs the
/// protocol suite and Python's ellipse cases (NaN among them) through the reference adapter
/// with `go-like-rawconf.py` rewriting each `inputs.pb` it writes, and checks the wrapper did
/// rewrite both.
fn go_like_inputs_pb() -> TestResult {
    docker()?;
    let out_dir = tempfile::tempdir()?;
    let log = out_dir.path().join("rewrites.log");
    let spec = format!(
        "cmd:{} --rawconf {}",
        reference_adapter(),
        repo()
            .join("tests/fixtures/adapters/go-like-rawconf.py")
            .display()
    );
    let out = cli_env(
        &[("GO_LIKE_LOG", &log)],
        &[
            "run",
            "--suite",
            "all",
            "--runtime",
            &spec,
            "--strict-messages",
            "--language",
            "python",
            "--language",
            "probe",
            "--report-dir",
            &out_dir.path().join("report").to_string_lossy(),
        ],
    );
    exited_zero(&out)?;
    let rewrites = std::fs::read_to_string(&log)?;
    let count = |what: &str| rewrites.lines().filter(|l| l.contains(what)).count();
    if count("order") < 10 || count("nan") < 1 {
        return Err(format!(
            "the wrapper rewrote too little to prove anything: {} entry orders, {} NaNs",
            count("order"),
            count("nan")
        )
        .into());
    }
    Ok(())
}

fn cli_run() -> TestResult {
    docker()?;
    let out_dir = tempfile::tempdir()?;
    let spec = "cmd:adapters/reference/adapter.py --profile backend";
    let out = cli(&[
        "run",
        "--runtime",
        spec,
        "--language",
        "python",
        "--filter",
        "python/ellipse/unit",
        "--report-dir",
        &out_dir.path().to_string_lossy(),
    ]);
    exited_zero(&out)?;
    let report: Value = serde_json::from_str(&std::fs::read_to_string(
        out_dir.path().join("report.json"),
    )?)?;
    if report["meta"]["runtime"] != spec {
        return Err(format!("meta.runtime is {}", report["meta"]["runtime"]).into());
    }
    let reproduce = report["results"][0]["reproduce"]
        .as_str()
        .unwrap_or_default();
    if !reproduce.contains("--runtime 'cmd:adapters/reference/adapter.py --profile backend'") {
        return Err(format!("reproduce lacks the runtime: {reproduce}").into());
    }
    if report["counts"]["pass"] != 1 {
        return Err(format!("expected one pass: {}", report["counts"]).into());
    }
    Ok(())
}

/// A runtime that answers 33 ("unsupported") to every case must not get exit 0: the run exits
/// 104 ("nothing ran"), and 0 only with `--allow-unavailable`.
fn cli_all_unavailable() -> TestResult {
    docker()?;
    let spec = format!("cmd:{}", fake("unsupported.sh"));
    for (extra, want) in [(None, 104), (Some("--allow-unavailable"), 0)] {
        let out_dir = tempfile::tempdir()?;
        let report_dir = out_dir.path().to_string_lossy().into_owned();
        let mut args = vec![
            "run",
            "--runtime",
            &spec,
            "--language",
            "python",
            "--filter",
            "python/ellipse/{unit,tenth}",
            "--report-dir",
            &report_dir,
        ];
        args.extend(extra);
        let out = cli(&args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        if out.status.code() != Some(want) || !stdout.contains("2 unavailable") {
            return Err(format!(
                "rawconf {}: expected exit {want} after 2 unavailable cases, got {:?}\n{stdout}\n{}",
                args.join(" "),
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
    }
    Ok(())
}

/// The whole protocol suite through `cmd:adapters/reference/adapter.py` gives, case by case,
/// the outcome and the result the built-in reference runtime gives (and passes).
fn protocol_same_as_builtin(profile: Profile) -> TestResult {
    let docker = docker()?;
    let langs = Language::discover(&support::languages_dir()).expect("languages load");
    let probe = langs
        .into_iter()
        .find(|l| l.joins("protocol"))
        .expect("a language joins the protocol suite");
    let suite = Suite::named(&repo().join("tests/suites"), "protocol").expect("suite loads");
    let image = image(&probe)?;
    // Messages byte for byte: the two runtimes must agree on everything.
    fn strict<R: rawconf::runtime::Runtime>(
        suite: &Suite,
        probe: &Language,
        image: &str,
        profile: Profile,
        runtime: &R,
    ) -> RunPlan {
        RunPlan::builder(suite.clone(), runtime)
            .language(probe.clone(), image)
            .profile(profile)
            .jobs(2)
            .golden_root(repo().join("golden"))
            .strict_messages(true)
            .build()
            .expect("the plan builds")
    }
    use support::Quiet;
    // The built-in side's containers are the conformance area's (tests/support/shared.rs).
    let builtin = support::SharedReference::new(docker);
    let spec = match profile {
        Profile::Backend => format!("cmd:{}", reference_adapter()),
        other => format!("cmd:{} --profile {other}", reference_adapter()),
    };
    let via_cmd = adapter(&spec);
    let (a, b) = support::runtime().block_on(async {
        let a = rawconf::run::run(
            &strict(&suite, &probe, &image, profile, &builtin),
            &builtin,
            &Quiet,
        )
        .await;
        let b = rawconf::run::run(
            &strict(&suite, &probe, &image, profile, &via_cmd),
            &via_cmd,
            &Quiet,
        )
        .await;
        (a, b)
    });
    let (a, b) = (a.map_err(|e| e.to_string())?, b.map_err(|e| e.to_string())?);
    let mut problems = Vec::new();
    for (x, y) in a.results.iter().zip(&b.results) {
        let result = |r: &CaseResult| r.record.as_ref().map(|rec| rec.result.clone());
        if x.id != y.id || x.outcome != y.outcome || result(x) != result(y) {
            problems.push(format!(
                "{}: built-in {} / cmd: {} ({})",
                x.id,
                x.outcome.as_str(),
                y.outcome.as_str(),
                y.reason.lines().next().unwrap_or("")
            ));
        }
        if x.outcome.is_failure() {
            problems.push(format!(
                "{}: {} under the built-in runtime: {}",
                x.id,
                x.outcome.as_str(),
                x.reason
            ));
        }
    }
    if a.results.len() != suite.cases.len() || b.results.len() != suite.cases.len() {
        problems.push(format!(
            "{} cases, {} built-in and {} cmd: results",
            suite.cases.len(),
            a.results.len(),
            b.results.len()
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

// ---------------------------------------------------------------------------------------------
// The flytekit adapter (real flytekit from PyPI, pinned), Docker.

/// Runs adapters/flytekit/setup.sh once per test process (it creates target/flytekit-venv from
/// PyPI, or keeps the one whose lock matches).
fn flytekit_venv() -> Result<(), Failed> {
    support::adapter_venv("flytekit")
}

fn flytekit_case(lang: &str, case: &str, outcome: Outcome) -> TestResult {
    let f = fixture();
    let lang = language(lang);
    let image = image(lang)?;
    flytekit_venv()?;
    let spec = format!("cmd:{}", repo().join("adapters/flytekit/run.sh").display());
    let r = run_profile(
        &adapter(&spec),
        &f.suite,
        lang,
        &image,
        case,
        GoldenMode::Check,
        Profile::FlytekitLocal,
    );
    expect_outcome(&r, outcome, &[])?;
    let record = r.record.as_ref().ok_or("no record")?;
    if record.argv.is_empty() || record.files.is_empty() {
        return Err(format!(
            "{}: flytekit's argv and output dir are observed: {record:?}",
            r.id
        )
        .into());
    }
    Ok(())
}

/// The flytekit adapter's own expectations file (`adapters/flytekit/expectations.toml`) declares
/// where real flytekit departs from the flytekit-local goldens: its `timeout/killed` run is red
/// without it and green with it, the result an `xfail` declared by the vendor.
fn flytekit_expectations() -> TestResult {
    docker()?;
    flytekit_venv()?;
    let dir = tempfile::tempdir()?;
    let spec = format!("cmd:{}", repo().join("adapters/flytekit/run.sh").display());
    let mut codes = Vec::new();
    for with in [false, true] {
        let report = dir.path().join(if with { "with" } else { "without" });
        let mut args = vec![
            "run",
            "--suite",
            "protocol",
            "--profile",
            "flytekit-local",
            "--filter",
            "probe/protocol/timeout/*",
            "--runtime",
            &spec,
        ];
        let file = repo().join("adapters/flytekit/expectations.toml");
        let file = file.to_string_lossy().into_owned();
        if with {
            args.extend(["--expectations", file.as_str()]);
        }
        let rd = report.to_string_lossy().into_owned();
        args.extend(["--report-dir", rd.as_str()]);
        let out = cli(&args);
        let v: Value = serde_json::from_str(&std::fs::read_to_string(report.join("report.json"))?)?;
        codes.push((out.status.code(), v["results"][0]["declared"]["by"].clone()));
    }
    if codes[0].0 != Some(100) || codes[1].0 != Some(0) || codes[1].1 != "vendor" {
        return Err(format!("(exit, declared by) without and with the file: {codes:?}").into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Documentation examples and the schema.

fn schema() -> &'static Value {
    static S: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    S.get_or_init(|| {
        let text = std::fs::read_to_string(repo().join("docs/adapter.schema.json"))
            .expect("docs/adapter.schema.json");
        serde_json::from_str(&text).expect("the schema is JSON")
    })
}

/// Validates `value` against `#/$defs/<def>` of docs/adapter.schema.json.
fn validate(def: &str, value: &Value) -> TestResult {
    let mut root = schema().clone();
    let obj = root.as_object_mut().ok_or("the schema is an object")?;
    obj.remove("anyOf");
    obj.insert("$ref".into(), Value::String(format!("#/$defs/{def}")));
    let validator = jsonschema::validator_for(&root).map_err(|e| format!("schema: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "does not fit #/$defs/{def}:\n{}\n{}",
            errors.join("\n"),
            serde_json::to_string_pretty(value)?
        )
        .into())
    }
}

/// Every literal a request can carry and a result can hold fits docs/adapter.schema.json: each
/// case's inputs and interface in every suite (requests send them as they are), and the outputs
/// of every golden (what an adapter's result must equal). A vendor validating against the
/// published schema must not reject what rawconf sends or expects.
fn schema_holds_every_literal() -> TestResult {
    let mut checked = 0;
    for suite in Suite::all(&repo().join("tests/suites"))? {
        for case in &suite.cases {
            let at = |e: Failed| format!("{}/{}: {e:?}", suite.name, case.id);
            validate("literalMap", &case.inputs.to_json()).map_err(at)?;
            validate("typedInterface", &case.task.interface.to_json()).map_err(at)?;
            checked += 2;
        }
    }
    for entry in walkdir::WalkDir::new(repo().join("golden")) {
        let path = entry?.into_path();
        if path.extension().is_none_or(|e| e != "snap") {
            continue;
        }
        let text = std::fs::read_to_string(&path)?;
        // `---` header `---`, then the record's JSON.
        let json = text
            .splitn(3, "---\n")
            .nth(2)
            .ok_or("a golden without its header")?;
        let record: Value = serde_json::from_str(json)?;
        if let Some(outputs) = record["result"].get("outputs") {
            validate("literalMap", outputs).map_err(|e| format!("{}: {e:?}", path.display()))?;
            checked += 1;
        }
    }
    if checked < 500 {
        return Err(format!("only {checked} literal maps and interfaces checked").into());
    }
    Ok(())
}

static DOC_LOCK: Mutex<()> = Mutex::new(());

/// Compares the JSON block after `<!-- example: NAME -->` in docs/adapter.md with `value`
/// (rewriting it under `RAWCONF_UPDATE_DOCS=1`).
fn doc_example(name: &str, value: &Value) -> TestResult {
    let _guard = DOC_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let path = repo().join("docs/adapter.md");
    let doc = std::fs::read_to_string(&path)?;
    let marker = format!("<!-- example: {name} -->\n```json\n");
    let start = doc
        .find(&marker)
        .ok_or_else(|| format!("docs/adapter.md has no `<!-- example: {name} -->` block"))?
        + marker.len();
    // The block ends at the first line that is exactly the closing fence.
    let close = if doc[start..].starts_with("```\n") {
        start
    } else {
        start + 1 + doc[start..].find("\n```\n").ok_or("unterminated block")?
    };
    let want = serde_json::to_string_pretty(value)? + "\n";
    if doc[start..close] == want {
        return Ok(());
    }
    if std::env::var_os("RAWCONF_UPDATE_DOCS").is_some() {
        std::fs::write(&path, format!("{}{want}{}", &doc[..start], &doc[close..]))?;
        return Ok(());
    }
    let diff = similar::TextDiff::from_lines(&doc[start..close], &want)
        .unified_diff()
        .header("docs/adapter.md", "actual")
        .to_string();
    Err(format!(
        "the `{name}` example in docs/adapter.md is stale (RAWCONF_UPDATE_DOCS=1 rewrites it):\n{diff}"
    )
    .into())
}

/// The request for one case, with the parts that vary per run made stable.
fn example_request(lang: &Language, image: &str, case: &str, work: &Path) -> Value {
    let f = fixture();
    let case = f.suite.cases.iter().find(|c| c.id == case).expect("case");
    let ex = Execution {
        language: lang,
        image,
        task: &f.suite.task,
        inputs: &case.inputs,
        blobs: &case.blobs,
        profile: Profile::Backend,
        run_id: "run-example",
        identity: None,
        prior: &[],
    };
    let trial = trial_id(&lang.name, &f.suite.name, &case.id);
    serde_json::from_str(&Request::new(&ex, &trial, work).to_json_line()).expect("JSON")
}

const EXAMPLE_WORK: &str = "/tmp/rawconf-adapter-Xq3vT9";

fn docs_request() -> TestResult {
    let lang = language("python");
    let request = example_request(
        lang,
        "rawconf-python:87808668c5d862d8",
        "three-by-four",
        Path::new(EXAMPLE_WORK),
    );
    validate("request", &request)?;
    doc_example("request", &request)
}

/// Runs the reference adapter by hand on one case and returns its parsed stdout.
fn exchange(lang: &Language, case: &str) -> Result<Value, Failed> {
    let image = image(lang)?;
    let work = tempfile::Builder::new()
        .prefix("rawconf-adapter-")
        .tempdir()?;
    for d in ["output-prefix", "raw-output"] {
        std::fs::create_dir(work.path().join(d))?;
    }
    let request = example_request(lang, &image, case, work.path());
    std::fs::write(
        work.path().join("task.json"),
        serde_json::to_string(&request["task"])?,
    )?;
    let mut child = Command::new(reference_adapter())
        .env("RAWCONF_BIN", env!("CARGO_BIN_EXE_rawconf"))
        .current_dir(work.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().ok_or("stdin")?;
        stdin.write_all(serde_json::to_string(&request)?.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    if !out.status.success() {
        return Err(format!(
            "the reference adapter exited {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

fn docs_results() -> TestResult {
    let outputs = exchange(language("python"), "three-by-four")?;
    validate("result", &outputs)?;
    let error = exchange(language("shell"), "exponent-boundary-1e6")?;
    validate("result", &error)?;
    if error.get("error").is_none() || outputs.get("outputs").is_none() {
        return Err("expected one result of each form".into());
    }
    // The smallest valid result: the normative output alone, cut from the real one.
    let minimal = serde_json::json!({ "outputs": outputs["outputs"].clone() });
    validate("result", &minimal)?;
    doc_example("result-outputs", &outputs)?;
    doc_example("result-error", &error)?;
    doc_example("result-minimal", &minimal)
}

// ---------------------------------------------------------------------------------------------

/// This module's trials, for `tests/integration.rs`.
pub fn trials() -> Vec<Trial> {
    let skip = support::skip_docker();
    let mut trials = vec![
        Trial::test("fakes/unsupported", || {
            fake_case(
                "unsupported.sh",
                Outcome::Unavailable,
                &["multipart blobs are not supported"],
            )
        }),
        Trial::test("fakes/crash", || {
            fake_case(
                "crash.sh",
                Outcome::HarnessError,
                &["exited with status 1", "expected 0", "fake adapter: boom"],
            )
        }),
        Trial::test("fakes/garbage", || {
            fake_case(
                "garbage.sh",
                Outcome::HarnessError,
                &["not one JSON document", "area is 37.7"],
            )
        }),
        Trial::test("fakes/missing-result", || {
            fake_case(
                "missing-result.sh",
                Outcome::HarnessError,
                &["result field `$`", "missing `outputs`", "or `error`"],
            )
        }),
        Trial::test("fakes/v2-missing-attempts", || {
            fake_v2_case("no-attempts", &["attempts"])
        }),
        Trial::test("fakes/v2-unknown-cache-status", || {
            fake_v2_case("unknown-cache-status", &["cacheStatus", "CACHE_WARM"])
        }),
        Trial::test("fakes/v2-last-attempt-differs", || {
            fake_v2_case(
                "last-differs",
                &["attempts[0]", "the last attempt's outputs or error differ"],
            )
        }),
        Trial::test("fakes/bad-literal", || {
            fake_case(
                "bad-literal.sh",
                Outcome::HarnessError,
                &["result field `outputs.literals.area.scalar.primitive.floatValue`"],
            )
        }),
        Trial::test("fakes/missing-program", || {
            fake_case(
                "no-such-adapter.sh",
                Outcome::HarnessError,
                &["could not be started"],
            )
        }),
        Trial::test("fakes/hang", fake_hang),
        Trial::test("fakes/request", fake_request),
        Trial::test("cli/unknown-runtime", || {
            cli_usage(
                &["run", "--runtime", "docker"],
                "expected `reference` or `cmd:",
            )
        }),
        Trial::test("cli/bless-needs-reference", || {
            cli_usage(
                &["run", "--runtime", "cmd:true", "--bless"],
                "bless with `--runtime reference`",
            )
        }),
        Trial::test("docs/request", docs_request),
        Trial::test(
            "docs/schema-holds-every-suite-literal",
            schema_holds_every_literal,
        ),
    ];
    let docker_trials: Vec<Trial> = [
        ("python", "three-by-four"),
        ("shell", "half"),
        ("haskell", "tenth"),
        ("r", "thousand"),
        ("julia", "negative-zero"),
        ("shell", "exponent-boundary-1e6"),
    ]
    .into_iter()
    .map(|(lang, case)| (Profile::Backend, lang, case))
    .chain([
        (Profile::FlytekitLocal, "python", "three-by-four"),
        (Profile::FlytekitLocal, "shell", "nan"),
        (Profile::FlytekitLocal, "julia", "thousand"),
    ])
    .map(|(profile, lang, case)| {
        Trial::test(
            format!("reference-adapter/{profile}/{lang}/ellipse/{case}"),
            move || reference_case(profile, lang, case),
        )
    })
    .chain(
        [("shell", "three-by-four"), ("haskell", "tenth")]
            .into_iter()
            .map(|(lang, case)| {
                Trial::test(format!("result-only/{lang}/ellipse/{case}"), move || {
                    result_only_case(lang, case)
                })
            }),
    )
    .chain(
        [
            ("python", "three-by-four", Outcome::Pass),
            ("julia", "negative-zero", Outcome::Pass),
            ("haskell", "nan", Outcome::Xfail),
        ]
        .into_iter()
        .map(|(lang, case, outcome)| {
            Trial::test(
                format!("flytekit-adapter/flytekit-local/{lang}/ellipse/{case}"),
                move || flytekit_case(lang, case, outcome),
            )
        }),
    )
    .chain([
        Trial::test("cli/run-reference-adapter", cli_run),
        Trial::test(
            "flytekit-adapter/expectations/timeout-killed-declared",
            flytekit_expectations,
        ),
        Trial::test(
            "go-like/inputs-pb-entry-order-and-nan-payload",
            go_like_inputs_pb,
        ),
        Trial::test("cli/all-unavailable-is-not-green", cli_all_unavailable),
        Trial::test("reference-adapter/protocol-same-as-builtin", || {
            protocol_same_as_builtin(Profile::Backend)
        }),
        Trial::test(
            "reference-adapter/flytekit-local/protocol-same-as-builtin",
            || protocol_same_as_builtin(Profile::FlytekitLocal),
        ),
        Trial::test("docs/results", docs_results),
    ])
    .map(|t| t.with_ignored_flag(skip))
    .collect();
    trials.extend(docker_trials);
    trials
}
