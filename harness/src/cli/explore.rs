//! `rawconf explore`: property runs over the ellipse task, with a findings table.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rawconf::engine::warm::PoolConfig;
use rawconf::engine::workspace::Mode;
use rawconf::explore::{
    DockerExecutor, ExploreConfig, Explorer, Regressions, literals, random_seed,
};
use rawconf::protocol::profile::Profile;
use rawconf::spec::suite::Suite;
use rawconf::{Error, ExitCode, Language, Result};

#[derive(Debug, Args)]
pub(crate) struct ExploreArgs {
    /// Generated cases per language (default: $RAWCONF_PROPTEST_CASES, else 64).
    #[arg(long, value_name = "N")]
    cases: Option<u32>,
    /// The seed the cases are drawn from (default: $RAWCONF_PROPTEST_SEED, else random).
    /// Printed on every run; pass it back to repeat the run.
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Languages to explore (repeatable; default: all).
    #[arg(long = "language", value_name = "LANG")]
    languages: Vec<String>,
    /// Print one JSON object per finding instead of the table.
    #[arg(long)]
    json: bool,
    /// Semantics to judge against: backend (normative) or flytekit-local.
    #[arg(long, default_value = "backend")]
    profile: Profile,
    /// The suite whose task is explored (its interface must be the ellipse task's).
    #[arg(long, default_value = "ellipse")]
    suite: String,
    /// Containers at once (default: the number of cores + 1, measured by `rawconf bench`).
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,
    /// Stop shrinking one finding after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 90)]
    max_shrink_time: u64,
    /// Shrink only new findings; known ones keep the first input that showed them.
    #[arg(long)]
    no_shrink_known: bool,
    /// Also write findings.jsonl and summary.md (Markdown) into this folder.
    #[arg(long, value_name = "DIR")]
    report_dir: Option<PathBuf>,
    /// Do not append the minimal inputs of new findings to the regressions file.
    #[arg(long)]
    no_persist: bool,
    /// `fresh`: a new container per case; `warm`: cases exec'd in pooled running containers
    /// (same sandbox, a clean container per case, recycled after a failure; several times faster).
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
    /// Explore the literal types instead of the ellipse task's floats: random lists, maps
    /// with odd keys, file trees, structs, binaries, none and unions, run by the probe.
    #[arg(long)]
    literals: bool,
}

pub(crate) async fn explore(args: ExploreArgs, languages_dir: &Path) -> Result<ExitCode> {
    if args.literals {
        return explore_literals(args, languages_dir).await;
    }
    let suite = Suite::named(&rawconf::env::suites_dir(), &args.suite)?;
    // Only the languages that take part in the suite (the probe is not an ellipse program).
    let langs = Language::for_suite(
        Language::discover(languages_dir)?,
        &args.languages,
        &suite.name,
    )?;
    let regressions_path = Regressions::path_for(&rawconf::env::regressions_dir(), &suite.name);
    let regressions = Regressions::load(&regressions_path)?;
    let (cases, seed) = cases_and_seed(&args)?;
    let replayed = regressions
        .cases
        .iter()
        .filter(|r| r.profile == args.profile)
        .count();
    if cases == 0 && replayed == 0 {
        eprintln!("error: --cases 0 and no regressions to replay; nothing ran");
        return Ok(ExitCode::NothingRan);
    }
    eprintln!(
        "explore: seed {seed} (repeat with --seed {seed}), {cases} cases per language, {replayed} regressions from {}",
        regressions_path.display()
    );

    let docker = rawconf::engine::docker::connect().await?;
    super::run::reap_dead_runs(&docker).await;
    super::run::cleanup_on_interrupt(docker.clone());
    let mut executor = DockerExecutor::prepare(docker.clone(), &langs).await?;
    if args.mode == Mode::Warm {
        executor = executor.warm(
            docker,
            PoolConfig {
                recycle_after: args.warm_recycle.max(1),
                recycle_on_exit: args.warm_recycle_failed,
            },
        );
    }
    let mut config = ExploreConfig::new(cases, seed);
    config.profile = args.profile;
    config.jobs = args.jobs.unwrap_or_else(rawconf::run::default_jobs);
    config.max_shrink_time = Duration::from_secs(args.max_shrink_time);
    config.shrink_known = !args.no_shrink_known;
    let explorer = Explorer::new(&executor, &suite, langs, regressions, config)?;

    // The explorer blocks on the runtime for every container: leave the async context.
    let exploration = tokio::task::block_in_place(|| {
        let done = AtomicBool::new(false);
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {elapsed} {msg}").expect("static template"),
        );
        std::thread::scope(|s| {
            let ticker = s.spawn(|| {
                while !done.load(Ordering::Relaxed) {
                    bar.set_message(format!("{} containers run", explorer.runs()));
                    bar.tick();
                    std::thread::sleep(Duration::from_millis(200));
                }
                bar.finish_and_clear();
            });
            let result = explorer.explore();
            done.store(true, Ordering::Relaxed);
            let _ = ticker.join();
            result
        })
    });
    executor.shutdown().await;
    let exploration = exploration?;
    if let Some(stats) = executor.pool_stats() {
        eprintln!(
            "explore: warm mode: {} cases in {} containers ({} recycled)",
            stats.cases, stats.created, stats.recycled
        );
    }

    if args.json {
        for f in &exploration.findings {
            println!("{}", f.to_json_line());
        }
        eprintln!("{}", exploration.headline());
    } else {
        print!("{}", exploration.to_table(100));
        println!("\n{}", exploration.headline());
        let new: Vec<_> = exploration.new_findings().collect();
        if !new.is_empty() {
            println!("\nnew findings:");
            for f in new {
                println!("  {} a={} b={}: {}", f.language, f.a, f.b, f.reason);
                println!("    reproduce: {}", f.reproduce);
            }
        }
    }
    if let Some(dir) = &args.report_dir {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let lines: String = exploration
            .findings
            .iter()
            .map(|f| f.to_json_line() + "\n")
            .collect();
        let jsonl = dir.join("findings.jsonl");
        std::fs::write(&jsonl, lines).map_err(|e| Error::io(&jsonl, e))?;
        let md = dir.join("summary.md");
        std::fs::write(&md, exploration.to_markdown()).map_err(|e| Error::io(&md, e))?;
        eprintln!("reports: {}/{{findings.jsonl,summary.md}}", dir.display());
    }
    if !args.no_persist {
        let persist = explorer.to_persist(&exploration.findings);
        let written = Regressions::append(&regressions_path, &persist)?;
        if written > 0 {
            eprintln!(
                "persisted {written} new finding(s) to {} (replayed by every run from now on)",
                regressions_path.display()
            );
        }
    }
    eprintln!("explore: seed {seed}");
    Ok(if exploration.new_findings().next().is_some() {
        ExitCode::ConformanceFailure
    } else {
        ExitCode::Success
    })
}

/// The cases per language and the seed: the flags, else `RAWCONF_PROPTEST_CASES` /
/// `RAWCONF_PROPTEST_SEED`, else 64 cases and a random seed (printed, so it can be repeated).
fn cases_and_seed(args: &ExploreArgs) -> Result<(u32, u64)> {
    let cases = match args.cases {
        Some(n) => n,
        None => rawconf::env::proptest_cases()
            .map_err(Error::Usage)?
            .unwrap_or(64),
    };
    let seed = match args.seed {
        Some(s) => s,
        None => rawconf::env::proptest_seed()
            .map_err(Error::Usage)?
            .unwrap_or_else(random_seed),
    };
    Ok((cases, seed))
}

/// `rawconf explore --literals`: the literal explorer over the probe, on the reference runtime.
async fn explore_literals(args: ExploreArgs, languages_dir: &Path) -> Result<ExitCode> {
    let probe = literals::probe_language(languages_dir)?;
    let (cases, seed) = cases_and_seed(&args)?;
    if cases == 0 {
        eprintln!("error: --cases 0: nothing ran");
        return Ok(ExitCode::NothingRan);
    }
    eprintln!("explore --literals: seed {seed} (repeat with --seed {seed}), {cases} cases");
    let docker = rawconf::engine::docker::connect().await?;
    super::run::reap_dead_runs(&docker).await;
    super::run::cleanup_on_interrupt(docker.clone());
    let executor = DockerExecutor::prepare(docker, std::slice::from_ref(&probe)).await?;
    let mut config = literals::LiteralConfig::new(cases, seed);
    config.jobs = args.jobs.unwrap_or_else(rawconf::run::default_jobs);
    config.max_shrink_time = Duration::from_secs(args.max_shrink_time);
    config.shrink_known = !args.no_shrink_known;
    let explorer = literals::LiteralExplorer::new(&executor, probe, config)?;
    // The explorer blocks on the runtime for every container: leave the async context.
    let exploration = tokio::task::block_in_place(|| explorer.explore())?;
    if args.json {
        for f in &exploration.findings {
            println!("{}", f.to_json_line());
        }
    } else {
        print!("{}", exploration.to_table(100));
        for f in exploration.new_findings() {
            println!(
                "\nnew finding: {} = {}\n  {}\n  {}",
                f.r#type,
                f.input,
                f.reason,
                f.what()
            );
            println!("  reproduce: {}", f.reproduce());
        }
    }
    eprintln!("{}", exploration.headline());
    Ok(if exploration.new_findings().next().is_some() {
        ExitCode::ConformanceFailure
    } else {
        ExitCode::Success
    })
}
