//! `rawconf bench`: the engine floor, rawconf fresh and warm, flytekit, and `-j` scaling in
//! one run (the measuring is in the library, `rawconf::bench`).

use std::path::Path;

use clap::Args;
use rawconf::bench::{BenchConfig, bench};
use rawconf::engine::warm::PoolConfig;
use rawconf::spec::suite::Suite;
use rawconf::{Error, ExitCode, Language, Result};

#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    /// Languages to measure (repeatable; default: all).
    #[arg(long = "language", value_name = "LANG")]
    languages: Vec<String>,
    /// Timed runs per language for the floor, fresh and warm (medians are printed).
    #[arg(long, value_name = "N", default_value_t = 5)]
    reps: usize,
    /// Timed flytekit runs per language (about 2.5 s each); 0 skips flytekit.
    #[arg(long, value_name = "N", default_value_t = 3)]
    flytekit_reps: usize,
    /// The `-j` values of the suite runs, comma-separated (default: 1, cores, the default `-j`
    /// of run and explore, 2 × cores).
    #[arg(long, value_name = "N,N,…", value_delimiter = ',')]
    jobs: Vec<usize>,
    /// Cases of the suite per language in each suite run.
    #[arg(long, value_name = "N", default_value_t = 6)]
    suite_cases: usize,
    /// Do not measure warm mode.
    #[arg(long)]
    no_warm: bool,
    /// The suite whose task and cases are used.
    #[arg(long, default_value = "ellipse")]
    suite: String,
    /// Print the measurements as one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

pub(crate) async fn run(args: BenchArgs, languages_dir: &Path) -> Result<ExitCode> {
    let suite = Suite::named(&rawconf::env::suites_dir(), &args.suite)?;
    // Only the languages that take part in the suite (the probe is not an ellipse program).
    let langs = Language::for_suite(
        Language::discover(languages_dir)?,
        &args.languages,
        &suite.name,
    )?;
    let repo = languages_dir.parent().unwrap_or(Path::new("."));
    let run_sh = repo.join("adapters").join("flytekit").join("run.sh");
    let venv = rawconf::env::flytekit_venv(repo);
    let flytekit = if !run_sh.is_file() {
        Err(format!("{} not found", run_sh.display()))
    } else if !venv.join("bin").join("python").exists() {
        Err(format!(
            "no venv at {}; run adapters/flytekit/setup.sh first",
            venv.display()
        ))
    } else {
        Ok(run_sh)
    };
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let jobs = if args.jobs.is_empty() {
        let mut j = vec![1, cores, rawconf::run::default_jobs(), 2 * cores];
        j.sort();
        j.dedup();
        j
    } else {
        args.jobs.clone()
    };
    if jobs.contains(&0) {
        return Err(Error::Usage(
            "--jobs: every value must be at least 1".into(),
        ));
    }
    let (docker, built) = super::run::images_for(&langs).await?;
    super::run::cleanup_on_interrupt(docker.clone());
    let languages: Vec<(Language, String)> = langs
        .into_iter()
        .zip(built.into_iter().map(|b| b.image))
        .collect();
    let config = BenchConfig {
        reps: args.reps,
        flytekit_reps: args.flytekit_reps,
        flytekit,
        jobs,
        suite_cases: args.suite_cases,
        warm: !args.no_warm,
        pool: PoolConfig::default(),
    };
    let report = bench(&docker, &languages, &suite, &config, &|line| {
        eprintln!("bench: {line}")
    })
    .await?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&report).expect("the report serializes")
        );
    } else {
        print!("{}", report.to_text());
    }
    Ok(ExitCode::Success)
}
