//! `rawconf run` (the main job); the runtime choice and image preparation `rawconf exec`
//! shares.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rawconf::engine::image::{Builder, Built};
use rawconf::engine::warm::{Pool, PoolConfig};
use rawconf::engine::workspace::Mode;
use rawconf::judge::golden::GoldenMode;
use rawconf::protocol::profile::Profile;
use rawconf::report::CaseResult;
use rawconf::run::{RunObserver, Shard, ShardStrategy, suites};
use rawconf::runtime::{AnyRuntime, Reference, RuntimeChoice};
use rawconf::spec::suite::Suite;
use rawconf::text::first_line;
use rawconf::{Error, ExitCode, Language, Result};

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The suite to run (a file `<name>.toml` in the suites folder), or `all`: every suite,
    /// each with the languages that join it, in one report.
    #[arg(long, default_value = "ellipse")]
    suite: String,
    /// Languages to run (repeatable; default: all).
    #[arg(long = "language", value_name = "LANG")]
    languages: Vec<String>,
    /// Only trials whose id `<lang>/<suite>/<case>` matches this glob.
    #[arg(long, value_name = "GLOB")]
    filter: Option<String>,
    /// Containers at once (default: the number of cores + 1, measured by `rawconf bench`).
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
    /// Run only slice I of N of the selection, e.g. `2/4`; merge the shards' reports with
    /// `rawconf report merge`.
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
    /// How `--shard` deals trials: `modulo` (in turn: even shards) or `hash` (by a stable hash
    /// of the trial id: a case keeps its shard as the suite grows).
    #[arg(
        long,
        value_name = "STRATEGY",
        default_value = "modulo",
        requires = "shard"
    )]
    shard_strategy: ShardStrategy,
    /// The runtime vendor's expected failures (TOML, docs/expectations.md): covered results
    /// are the vendor's xfails, a listed case that passes or an entry that matches nothing
    /// fails the run.
    #[arg(long, value_name = "FILE")]
    expectations: Option<PathBuf>,
    /// Write every record as its new golden snapshot instead of comparing (review with git diff).
    #[arg(long)]
    bless: bool,
    /// Exit 0 even when no case passed because every one was unavailable (the runtime answered
    /// 33); without it such a run exits 104, so "supports nothing" is never green.
    #[arg(long)]
    allow_unavailable: bool,
    /// Judge a `cmd:` runtime's error messages byte for byte (default: an error whose code and
    /// kind match but whose message differs passes, with a note).
    #[arg(long)]
    strict_messages: bool,
    /// `fresh`: a new container per case (goldens are recorded this way); `warm`: cases exec'd
    /// in pooled running containers, same sandbox, same records (reference runtime only).
    #[arg(long, default_value = "fresh", value_name = "MODE")]
    mode: Mode,
    /// Warm mode: replace a pooled container after this many cases.
    #[arg(long, value_name = "N", default_value_t = PoolConfig::default().recycle_after)]
    warm_recycle: u32,
    /// Warm mode: also replace a container after a case that exited non-zero (by default only
    /// timeouts, OOM kills, dirty containers and age retire one: every case starts in a clean
    /// container either way, the agent checks it).
    #[arg(long)]
    warm_recycle_failed: bool,
}

pub(super) fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("expected a duration such as `30s`: {e}"))
}

pub(super) async fn images_for(langs: &[Language]) -> Result<(bollard::Docker, Vec<Built>)> {
    let docker = rawconf::engine::docker::connect().await?;
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
    let cleaned = rawconf::engine::clean::clean(Ok(docker), false).await;
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
            let _ = rawconf::engine::container::remove_own(&docker).await;
            // `exit` skips the destructors that would remove the case directories.
            rawconf::engine::scratch::remove_own();
            std::process::exit(130);
        }
    });
}

/// The progress bar of a run: one per suite, restarted when the next suite starts.
pub(super) struct Bar(ProgressBar);

impl Bar {
    fn new() -> Bar {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {wide_msg}")
                .expect("static template"),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        Bar(bar)
    }
}

impl RunObserver for Bar {
    fn started(&self, total: usize) {
        self.0.reset();
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
    let chosen = RuntimeChoice::parse(&args.runtime, args.adapter_margin)?;
    if args.bless && matches!(chosen, RuntimeChoice::Adapter(_)) {
        return Err(Error::Usage(
            "--bless writes the goldens every runtime is compared with; bless with `--runtime reference`".into(),
        ));
    }
    if args.mode == Mode::Warm && (args.bless || matches!(chosen, RuntimeChoice::Adapter(_))) {
        return Err(Error::Usage(
            "--mode warm runs the reference runtime's cases in pooled containers; goldens are blessed and adapters run with fresh containers".into(),
        ));
    }
    // The expectations file is checked before anything runs: a typo is a usage error.
    let vendor = args
        .expectations
        .as_deref()
        .map(rawconf::report::vendor::VendorExpectations::load)
        .transpose()?;
    let suites_dir = rawconf::env::suites_dir();
    let suites = if args.suite == ALL_SUITES {
        Suite::all(&suites_dir)?
    } else {
        vec![Suite::named(&suites_dir, &args.suite)?]
    };
    let filter = args
        .filter
        .as_deref()
        .map(|g| {
            globset::Glob::new(g)
                .map(|g| g.compile_matcher())
                .map_err(|e| Error::Usage(format!("--filter `{g}`: {e}")))
        })
        .transpose()?;
    let all_langs = Language::discover(languages_dir)?;
    let pairs = suites::pair(
        suites,
        &all_langs,
        &args.languages,
        args.suite == ALL_SUITES,
    )?;
    if !suites::any_selected(&pairs, filter.as_ref()) {
        eprintln!("error: the selection matched no case; nothing ran");
        return Ok(ExitCode::NothingRan);
    }
    let needed = suites::languages_needed(&pairs);
    let (docker, built) = images_for(&needed).await?;
    cleanup_on_interrupt(docker.clone());
    let pool = (args.mode == Mode::Warm).then(|| {
        Arc::new(Pool::new(
            docker.clone(),
            &format!("run-warm-{}", std::process::id()),
            PoolConfig {
                recycle_after: args.warm_recycle.max(1),
                recycle_on_exit: args.warm_recycle_failed,
            },
        ))
    });
    let runtime = match &pool {
        Some(p) => AnyRuntime::Reference(Reference::warm(docker.clone(), p.clone())),
        None => chosen.build(docker.clone()),
    };
    let images: BTreeMap<String, String> = built
        .iter()
        .map(|b| (b.language.clone(), b.image.clone()))
        .collect();
    let image_ids = Builder::new(docker.clone()).ids(&built).await;
    let golden_root = rawconf::judge::golden::golden_root();
    let plans = suites::plans(pairs, &runtime, &images, |plan| {
        plan.profile(args.profile)
            .filter(filter.clone())
            .shard(args.shard.map(|s| Shard {
                strategy: args.shard_strategy,
                ..s
            }))
            .jobs(args.jobs.unwrap_or_else(rawconf::run::default_jobs))
            .golden(if args.bless {
                GoldenMode::Bless
            } else {
                GoldenMode::Check
            })
            .golden_root(golden_root.clone())
            .image_ids(image_ids.clone())
            .strict_messages(args.strict_messages)
    })?;
    let bar = Bar::new();
    let (reports, fault) = suites::run_each(plans, &runtime, &bar).await;
    bar.0.finish_and_clear();
    // The warm pool (if any) is removed whatever happened to the run.
    if let Some(p) = &pool {
        p.shutdown().await;
    }
    let Some(mut report) = rawconf::report::RunReport::merge(reports) else {
        if let Some(e) = fault {
            return Err(e);
        }
        eprintln!("error: the selection matched no case; nothing ran");
        return Ok(ExitCode::NothingRan);
    };
    // Only a whole suite's selection, run to its end, can show that an entry matches nothing.
    let complete = filter.is_none()
        && args.languages.is_empty()
        && report.meta.aborted.is_none()
        && fault.is_none();
    if let Some(check) = &mut report.shard_check {
        check.complete &= complete;
    }
    if let Some(vendor) = &vendor {
        // Entries for suites this run did not select are out of its scope, not stale.
        let elsewhere = if args.suite == ALL_SUITES {
            Vec::new()
        } else {
            let others: Vec<Suite> = Suite::all(&suites_dir)?
                .into_iter()
                .filter(|s| s.name != args.suite)
                .collect();
            suites::trial_ids(&suites::pair(others, &all_langs, &[], true)?)
        };
        rawconf::report::vendor::apply(&mut report, vendor, complete, &elsewhere);
    }
    let code = super::finish::finish(&report, &args.report_dir, args.allow_unavailable)?;
    if args.bless {
        println!(
            "blessed {} golden snapshot(s) under {}",
            report.results.len(),
            golden_root.display()
        );
    }
    if let Some(e) = fault {
        eprintln!(
            "the reports hold the {} case(s) that ran before this error",
            report.results.len()
        );
        return Err(e);
    }
    Ok(code)
}

/// `--suite all`: every suite file of the suites folder, one report.
const ALL_SUITES: &str = "all";
