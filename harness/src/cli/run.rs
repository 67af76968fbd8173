//! `rawconf run` (the main job) and `rawconf exec` (one ad-hoc case).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rawconf::golden::GoldenMode;
use rawconf::image::{Builder, Built};
use rawconf::literal::{Literal, LiteralMap, LiteralType, Primitive, SimpleType};
use rawconf::profile::Profile;
use rawconf::report::{self, CaseResult};
use rawconf::run::{RunObserver, RunPlan, Shard};
use rawconf::runtime::{Adapter, AnyRuntime, Attempt, Execution, Reference, Runtime};
use rawconf::suite::Suite;
use rawconf::text::first_line;
use rawconf::{Error, ExitCode, Language, Result};

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The suite to run (a file `<name>.toml` in the suites folder).
    #[arg(long, default_value = "ellipse")]
    suite: String,
    /// Languages to run (repeatable; default: all).
    #[arg(long = "language", value_name = "LANG")]
    languages: Vec<String>,
    /// Only trials whose id `<lang>/<suite>/<case>` matches this glob.
    #[arg(long, value_name = "GLOB")]
    filter: Option<String>,
    /// Containers at once (default: the number of cores).
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,
    /// Semantics to judge against: backend (normative) or flytekit-local.
    #[arg(long, default_value = "backend")]
    profile: Profile,
    /// The runtime under test: `reference` (the built-in Docker runtime) or `cmd:PROGRAM ARGS…`,
    /// an adapter program speaking the JSON contract of docs/adapter.md.
    #[arg(long, default_value = "reference", value_name = "RUNTIME")]
    runtime: String,
    /// Time an adapter gets beyond the task's timeout before it is stopped (e.g. `30s`).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    adapter_margin: Duration,
    /// Where report.json, junit.xml, summary.md and report.html go.
    #[arg(long, value_name = "DIR", default_value = "target/rawconf-report")]
    report_dir: PathBuf,
    /// Run only slice I of N of the selection, e.g. `2/4`.
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
    /// Write every record as its new golden snapshot instead of comparing (review with git diff).
    #[arg(long)]
    bless: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ExecArgs {
    /// The language whose image runs the case.
    #[arg(long)]
    language: String,
    /// An input value, `name=value` (repeatable); floats use Go's ParseFloat syntax.
    #[arg(long = "input", value_name = "NAME=VALUE")]
    inputs: Vec<String>,
    /// The suite whose task interface applies.
    #[arg(long, default_value = "ellipse")]
    suite: String,
    /// Semantics to reproduce.
    #[arg(long, default_value = "backend")]
    profile: Profile,
    /// Print the record as one JSON object (argv, exit_code, files, result, …).
    #[arg(long)]
    json: bool,
    /// The runtime: `reference` or `cmd:PROGRAM ARGS…` (see `rawconf run --help`).
    #[arg(long, default_value = "reference", value_name = "RUNTIME")]
    runtime: String,
    /// Time an adapter gets beyond the task's timeout before it is stopped.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    adapter_margin: Duration,
}

fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("expected a duration such as `30s`: {e}"))
}

/// The runtime named on the command line. Checked before anything touches Docker, so a typo
/// is a usage error, not a setup error.
enum Chosen {
    Reference,
    Adapter(Adapter),
}

fn choose_runtime(spec: &str, margin: Duration) -> Result<Chosen> {
    if spec == "reference" {
        return Ok(Chosen::Reference);
    }
    let mut adapter = Adapter::parse(spec)?.with_margin(margin);
    // Adapters that reuse rawconf's protocol commands call this very binary.
    if let Ok(me) = std::env::current_exe() {
        adapter = adapter.with_rawconf_bin(me);
    }
    Ok(Chosen::Adapter(adapter))
}

impl Chosen {
    fn build(self, docker: bollard::Docker) -> AnyRuntime {
        match self {
            Chosen::Reference => AnyRuntime::Reference(Reference::new(docker)),
            Chosen::Adapter(a) => AnyRuntime::Adapter(a),
        }
    }
}

pub(crate) async fn images_for(langs: &[Language]) -> Result<(bollard::Docker, Vec<Built>)> {
    let docker = rawconf::docker::connect().await?;
    reap_dead_runs(&docker).await;
    // A cold build takes minutes: show the same per-language progress as `images build`
    // (hidden when stderr is not a terminal).
    let progress = std::sync::Arc::new(super::images::Progress::new(langs));
    let builder = Builder::new(docker.clone()).observer(progress.clone());
    let mut built = Vec::new();
    for (lang, result) in langs.iter().zip(builder.ensure_all(langs).await) {
        progress.finish(&lang.name, if result.is_ok() { "ready" } else { "failed" });
        built.push(result?);
    }
    for b in built.iter().filter(|b| !b.fresh) {
        eprintln!("built {} in {:.1}s", b.image, b.duration.as_secs_f64());
    }
    Ok((docker, built))
}

/// Removes the containers and temp dirs of rawconf processes that died, saying so.
pub(crate) async fn reap_dead_runs(docker: &bollard::Docker) {
    let cleaned = rawconf::clean::clean(Ok(docker), false).await;
    if !cleaned.is_empty() {
        for line in cleaned.report() {
            eprintln!("{line}");
        }
    }
}

/// Removes this process's containers and temp dirs when the user interrupts, then exits 130.
pub(crate) fn cleanup_on_interrupt(docker: bollard::Docker) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\ninterrupted: removing this run's containers");
            let _ = rawconf::container::remove_own(&docker).await;
            // `exit` skips the destructors that would remove the case directories.
            rawconf::scratch::remove_own();
            std::process::exit(130);
        }
    });
}

struct Bar(ProgressBar);

impl RunObserver for Bar {
    fn started(&self, total: usize) {
        self.0.set_length(total as u64);
    }
    fn finished(&self, r: &CaseResult) {
        self.0.inc(1);
        self.0
            .set_message(format!("{} {}", r.id, r.outcome.as_str()));
        if r.outcome.is_failure() {
            self.0.println(format!(
                "{} {}: {}",
                r.outcome.as_str().to_uppercase(),
                r.id,
                first_line(&r.reason)
            ));
        }
    }
}

pub(crate) async fn run(args: RunArgs, languages_dir: &Path) -> Result<ExitCode> {
    let chosen = choose_runtime(&args.runtime, args.adapter_margin)?;
    if args.bless && matches!(chosen, Chosen::Adapter(_)) {
        return Err(Error::Usage(
            "--bless writes the goldens every runtime is compared with; bless with `--runtime reference`".into(),
        ));
    }
    let langs = Language::select(Language::discover(languages_dir)?, &args.languages)?;
    let suite = Suite::named(&rawconf::env::suites_dir(), &args.suite)?;
    let filter = args
        .filter
        .as_deref()
        .map(|g| {
            globset::Glob::new(g)
                .map(|g| g.compile_matcher())
                .map_err(|e| Error::Usage(format!("--filter `{g}`: {e}")))
        })
        .transpose()?;
    // An empty selection is reported before any image is built or container started.
    let any_selected = langs.iter().any(|l| {
        suite.cases.iter().any(|c| {
            let id = rawconf::run::trial_id(&l.name, &suite.name, &c.id);
            filter.as_ref().is_none_or(|f| f.is_match(&id))
        })
    });
    if !any_selected {
        eprintln!("error: the selection matched no case; nothing ran");
        return Ok(ExitCode::NothingRan);
    }
    let (docker, built) = images_for(&langs).await?;
    cleanup_on_interrupt(docker.clone());
    let runtime = chosen.build(docker.clone());
    let mut image_ids = BTreeMap::new();
    for b in &built {
        if let Ok(info) = docker.inspect_image(&b.image).await {
            image_ids.insert(b.language.clone(), info.id.unwrap_or_default());
        }
    }
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let plan = RunPlan {
        suite,
        languages: langs
            .into_iter()
            .zip(built.iter().map(|b| b.image.clone()))
            .collect(),
        profile: args.profile,
        filter,
        shard: args.shard,
        jobs: args.jobs.unwrap_or(cores),
        golden: if args.bless {
            GoldenMode::Bless
        } else {
            GoldenMode::Check
        },
        golden_root: rawconf::golden::golden_root(),
        runtime_name: runtime.name(),
        image_ids,
    };
    let selected = rawconf::run::select(&plan).len();
    if selected == 0 {
        eprintln!("error: the selection matched no case; nothing ran");
        return Ok(ExitCode::NothingRan);
    }
    let bar = ProgressBar::new(selected as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {wide_msg}")
            .expect("static template"),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let observer = Arc::new(Bar(bar.clone()));
    let report = rawconf::run::run(&plan, &runtime, observer.as_ref()).await?;
    bar.finish_and_clear();

    print!("{}", report::to_matrix(&report));
    let failures: Vec<&CaseResult> = report
        .results
        .iter()
        .filter(|r| r.outcome.is_failure())
        .collect();
    if !failures.is_empty() {
        println!("\nfailures:");
        for r in &failures {
            println!(
                "  {} ({}): {}",
                r.id,
                r.outcome.as_str(),
                first_line(&r.reason)
            );
            println!("    reproduce: {}", r.reproduce);
        }
    }
    for stale in &report.unused_expectations {
        println!("warning: expected failure matches no case: {stale}");
    }
    report::write_all(&report, &args.report_dir)?;
    println!(
        "\nreports: {}/{{report.json,junit.xml,summary.md,report.html}}",
        args.report_dir.display()
    );
    if args.bless {
        println!(
            "blessed {} golden snapshot(s) under {}",
            report.results.len(),
            plan.golden_root.display()
        );
    }

    let counts = &report.counts;
    Ok(if counts.total() == 0 {
        ExitCode::NothingRan
    } else if counts.get(rawconf::outcome::Outcome::HarnessError) > 0 {
        ExitCode::HarnessError
    } else if counts.failed() {
        ExitCode::ConformanceFailure
    } else {
        ExitCode::Success
    })
}

/// Parses `name=value` pairs against the suite's input types.
fn parse_inputs(pairs: &[String], suite: &Suite) -> Result<LiteralMap> {
    let mut literals = BTreeMap::new();
    for pair in pairs {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| Error::Usage(format!("--input `{pair}`: expected NAME=VALUE")))?;
        let var = suite
            .task
            .interface
            .inputs
            .variables
            .get(name)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "--input `{name}`: the {} task has no such input (inputs: {})",
                    suite.name,
                    suite
                        .task
                        .interface
                        .inputs
                        .variables
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
        let bad = |what: String| Error::Usage(format!("--input `{pair}`: {what}"));
        let p = match var.literal_type {
            LiteralType::Simple(SimpleType::Float) => Primitive::Float(
                rawconf::goformat::parse_float(value).map_err(|e| bad(e.to_string()))?,
            ),
            LiteralType::Simple(SimpleType::Integer) => Primitive::Integer(
                rawconf::goformat::parse_int(value).map_err(|e| bad(e.to_string()))?,
            ),
            LiteralType::Simple(SimpleType::Boolean) => Primitive::Boolean(
                rawconf::goformat::parse_bool(value).map_err(|e| bad(e.to_string()))?,
            ),
            LiteralType::Simple(SimpleType::String) => Primitive::String(value.to_owned()),
            ref other => {
                return Err(bad(format!(
                    "inputs of type {other:?} are not supported by exec"
                )));
            }
        };
        literals.insert(name.to_owned(), Literal::primitive(p));
    }
    let missing: Vec<&String> = suite
        .task
        .interface
        .inputs
        .variables
        .keys()
        .filter(|k| !literals.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Usage(format!(
            "missing --input for {}",
            missing
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(LiteralMap { literals })
}

pub(crate) async fn exec(args: ExecArgs, languages_dir: &Path) -> Result<ExitCode> {
    let langs = Language::select(
        Language::discover(languages_dir)?,
        std::slice::from_ref(&args.language),
    )?;
    let suite = Suite::named(&rawconf::env::suites_dir(), &args.suite)?;
    let inputs = parse_inputs(&args.inputs, &suite)?;
    let chosen = choose_runtime(&args.runtime, args.adapter_margin)?;
    let (docker, built) = images_for(&langs).await?;
    cleanup_on_interrupt(docker.clone());
    let runtime = chosen.build(docker);
    let trial = rawconf::run::trial_id(&langs[0].name, &suite.name, "exec");
    let attempt = runtime
        .attempt(
            &Execution {
                language: &langs[0],
                image: &built[0].image,
                task: &suite.task,
                inputs: &inputs,
                profile: args.profile,
                run_id: &format!("exec-{}", std::process::id()),
            },
            &trial,
        )
        .await?;
    let executed = match attempt {
        Attempt::Executed(e) => e,
        Attempt::Unsupported(n) => {
            return Ok(not_run(args.json, "unavailable", &n, ExitCode::Failure));
        }
        Attempt::TimedOut(n) => {
            return Ok(not_run(
                args.json,
                "timeout",
                &n,
                ExitCode::ConformanceFailure,
            ));
        }
        Attempt::Broken(n) => {
            return Ok(not_run(
                args.json,
                "harness-error",
                &n,
                ExitCode::HarnessError,
            ));
        }
    };
    let partial = (!executed.reported.is_all()).then(|| executed.reported.keys());
    if args.json {
        let mut v = serde_json::to_value(&executed.record).expect("record serializes");
        v["stdout"] = String::from_utf8_lossy(&executed.stdout)
            .into_owned()
            .into();
        v["stderr"] = String::from_utf8_lossy(&executed.stderr)
            .into_owned()
            .into();
        if let Some(keys) = &partial {
            v["reported"] = keys.clone().into();
        }
        println!("{v}");
    } else {
        println!("{}", executed.record.to_golden());
        if let Some(keys) = &partial {
            eprintln!(
                "note: the runtime reported only {}; the other parts of the record are empty",
                keys.join(", ")
            );
        }
    }
    Ok(ExitCode::Success)
}

/// Prints why an `exec` case did not run and returns its exit code.
fn not_run(json: bool, outcome: &str, n: &rawconf::runtime::NotRun, code: ExitCode) -> ExitCode {
    let stdout = String::from_utf8_lossy(&n.stdout);
    let stderr = String::from_utf8_lossy(&n.stderr);
    if json {
        println!(
            "{}",
            serde_json::json!({"outcome": outcome, "reason": n.reason, "stdout": stdout, "stderr": stderr})
        );
    } else {
        eprintln!("{outcome}: {}", n.reason);
        if !stderr.trim().is_empty() {
            eprintln!("--- runtime stderr ---\n{}", stderr.trim_end());
        }
    }
    code
}
