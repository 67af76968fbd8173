//! `rawconf bench`: what rawconf costs against the engine's own floor, in one run, on the same
//! images and inputs.
//!
//! Every figure is a median of `reps` runs of one case (`a = 3`, `b = 4`) per language:
//!
//! - **floor** — the container the case needs and nothing else: same image, the same argv
//!   rawconf rendered for the case (taken from a warm-up run's record, so it is the case's own
//!   command, not `true`), the same binds and the same sandbox, through the Engine API
//!   (create → start → wait → inspect → logs → remove: [`crate::engine::container::run`]). No
//!   templating, no input files, no collection, no judging.
//! - **fresh** — the reference runtime, one new container per case (the default, goldens).
//! - **warm** — the reference runtime on a pool of running containers driven by exec
//!   ([`crate::engine::warm`]), when asked for.
//! - **flytekit** — flytekit's own local executor through `adapters/flytekit/run.sh`
//!   (flytekit-local profile), skipped with a note when its venv is absent.
//!
//! Then the suite runner ([`crate::run::run`], goldens ignored) over the first cases of the
//! suite for every language, once per `-j` value asked for: wall time per case, speed-up over
//! `-j 1` and parallel efficiency (speed-up ÷ min(jobs, cores): the share of the ideal the
//! machine's cores allow).
//!
//! Measurements interleave floor, fresh and warm within each repetition, so a load change on
//! the machine shifts all of them alike. Nothing here passes or fails: speed targets are read
//! off the report, never asserted in timed tests.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bollard::Docker;

use crate::engine::container::{self, Bind, ContainerSpec, Sandbox};
use crate::engine::warm::{Pool, PoolConfig};
use crate::error::{Error, Result};
use crate::judge::golden::GoldenMode;
use crate::protocol::literal::{Literal, LiteralMap, Primitive};
use crate::protocol::profile::Profile;
use crate::report::CaseResult;
use crate::run::{RunObserver, RunPlan};
use crate::runtime::{Adapter, Attempt, Executed, Execution, Reference, Runtime};
use crate::spec::language::Language;
use crate::spec::suite::Suite;

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    /// Timed runs per language and per runtime (after one untimed warm-up).
    pub reps: usize,
    /// Timed flytekit runs per language (each takes seconds); 0 skips flytekit.
    pub flytekit_reps: usize,
    /// `adapters/flytekit/run.sh`, or `None` (with the reason) when its venv is absent.
    pub flytekit: std::result::Result<PathBuf, String>,
    /// The `-j` values of the suite runs; empty skips them.
    pub jobs: Vec<usize>,
    /// Cases of the suite per language in each suite run.
    pub suite_cases: usize,
    /// Measure warm mode too (single cases and suite runs).
    pub warm: bool,
    /// The warm pool's settings.
    pub pool: PoolConfig,
}

/// Medians for one language.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LanguageTimes {
    /// The language.
    pub language: String,
    /// The engine floor.
    pub floor: Duration,
    /// rawconf, one fresh container per case.
    pub fresh: Duration,
    /// rawconf, warm mode.
    pub warm: Option<Duration>,
    /// flytekit's local executor through its adapter, or why it was not measured.
    pub flytekit: std::result::Result<Duration, String>,
}

/// One suite run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SuiteRun {
    /// `fresh` or `warm`.
    pub mode: &'static str,
    /// Jobs at once.
    pub jobs: usize,
    /// Trials run.
    pub trials: usize,
    /// Wall time of the whole run.
    pub wall: Duration,
}

impl SuiteRun {
    /// Wall time per trial.
    pub fn per_case(&self) -> Duration {
        self.wall / self.trials.max(1) as u32
    }
}

/// Everything one `rawconf bench` measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BenchReport {
    /// Per-language medians.
    pub languages: Vec<LanguageTimes>,
    /// Suite runs, by mode and jobs.
    pub suite_runs: Vec<SuiteRun>,
    /// Logical cores of this machine.
    pub cores: usize,
    /// `/proc/loadavg` before and after: a loaded machine makes every figure noisy.
    pub load: (String, String),
    /// Timed repetitions per language.
    pub reps: usize,
}

/// Times `n` runs of `f` and returns the median.
async fn median_of<F, Fut, T>(n: usize, mut f: F) -> Result<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut times = Vec::with_capacity(n);
    for _ in 0..n.max(1) {
        let t = Instant::now();
        f().await?;
        times.push(t.elapsed());
    }
    Ok(median(times))
}

/// The median of some durations (the upper one of an even count).
pub fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs.get(xs.len() / 2).copied().unwrap_or_default()
}

/// The benchmark case: the example's own input.
pub fn bench_inputs() -> LiteralMap {
    LiteralMap {
        literals: BTreeMap::from([
            ("a".to_owned(), Literal::primitive(Primitive::Float(3.0))),
            ("b".to_owned(), Literal::primitive(Primitive::Float(4.0))),
        ]),
    }
}

/// The floor's container for a case: the image, the argv rawconf rendered (from a record), the
/// task's binds and the default sandbox — what the reference runtime hands the engine.
pub fn floor_spec(
    image: &str,
    argv: &[String],
    suite: &Suite,
    inputs: &std::path::Path,
    outputs: &std::path::Path,
) -> ContainerSpec {
    ContainerSpec {
        image: image.to_owned(),
        command: argv.to_vec(),
        args: Vec::new(),
        env: Vec::new(),
        binds: vec![
            Bind {
                host: inputs.to_owned(),
                container: suite.task.input_data_dir.clone(),
                read_only: true,
            },
            Bind {
                host: outputs.to_owned(),
                container: suite.task.output_data_dir.clone(),
                read_only: false,
            },
        ],
        timeout: suite.task.timeout,
        sandbox: Sandbox::default(),
    }
}

fn executed(attempt: Attempt, what: &str) -> Result<Box<Executed>> {
    match attempt {
        Attempt::Executed(e) => Ok(e),
        Attempt::Unsupported(n) | Attempt::TimedOut(n) | Attempt::Broken(n) => Err(
            Error::docker_state(format!("bench: {what} did not run the case: {}", n.reason)),
        ),
    }
}

struct Quiet;
impl RunObserver for Quiet {
    fn started(&self, _total: usize) {}
    fn finished(&self, _result: &CaseResult) {}
}

/// Runs the benchmark. `note` receives a line per step (progress, skips).
pub async fn bench(
    docker: &Docker,
    languages: &[(Language, String)],
    suite: &Suite,
    config: &BenchConfig,
    note: &(dyn Fn(&str) + Sync),
) -> Result<BenchReport> {
    let load_before = loadavg();
    let inputs = bench_inputs();
    let run_id = format!("bench-{}", std::process::id());
    let fresh = Reference::new(docker.clone());
    let pool = config
        .warm
        .then(|| Arc::new(Pool::new(docker.clone(), &run_id, config.pool.clone())));
    let warm = pool
        .as_ref()
        .map(|p| Reference::warm(docker.clone(), p.clone()));
    let flytekit = match &config.flytekit {
        Ok(run_sh) if config.flytekit_reps > 0 => Some(Adapter::parse(&format!(
            "cmd:{}",
            shell_words::quote(&run_sh.to_string_lossy())
        ))?),
        _ => None,
    };
    let mut rows = Vec::new();
    for (lang, image) in languages {
        note(&format!(
            "{}: floor, fresh{}",
            lang.name,
            if warm.is_some() { ", warm" } else { "" }
        ));
        let ex = |profile| Execution {
            language: lang,
            image,
            task: &suite.task,
            inputs: &inputs,
            blobs: &crate::protocol::blobs::NO_BLOBS,
            profile,
            run_id: &run_id,
            identity: None,
            prior: &[],
        };
        let trial = crate::run::trial_id(&lang.name, &suite.name, "bench");
        // Warm-up (untimed): page cache, the pool's first container; and the argv to replay.
        let first = executed(fresh.attempt(&ex(Profile::Backend), &trial).await?, "fresh")?;
        if let Some(w) = &warm {
            executed(w.attempt(&ex(Profile::Backend), &trial).await?, "warm")?;
        }
        let dirs = crate::engine::scratch::tempdir("case")?;
        let (ind, outd) = (dirs.path().join("inputs"), dirs.path().join("outputs"));
        for d in [&ind, &outd] {
            std::fs::create_dir_all(d).map_err(|e| Error::io(d, e))?;
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o777))
                .map_err(|e| Error::io(d, e))?;
        }
        let spec = floor_spec(image, &first.record.argv, suite, &ind, &outd);
        let (mut floor, mut fr, mut wm) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..config.reps.max(1) {
            let t = Instant::now();
            container::run(docker, &spec, &run_id).await?;
            floor.push(t.elapsed());
            let t = Instant::now();
            executed(fresh.attempt(&ex(Profile::Backend), &trial).await?, "fresh")?;
            fr.push(t.elapsed());
            if let Some(w) = &warm {
                let t = Instant::now();
                executed(w.attempt(&ex(Profile::Backend), &trial).await?, "warm")?;
                wm.push(t.elapsed());
            }
        }
        let flytekit_time = match (&flytekit, &config.flytekit) {
            (Some(a), _) => {
                note(&format!("{}: flytekit", lang.name));
                let once = || async {
                    executed(
                        a.attempt(&ex(Profile::FlytekitLocal), &trial).await?,
                        "flytekit",
                    )
                };
                once().await?; // warm-up: the interpreter's imports
                median_of(config.flytekit_reps, once)
                    .await
                    .map_err(|e| e.to_string())
            }
            (None, Err(why)) => Err(why.clone()),
            (None, Ok(_)) => Err("not measured (--flytekit-reps 0)".to_owned()),
        };
        rows.push(LanguageTimes {
            language: lang.name.clone(),
            floor: median(floor),
            fresh: median(fr),
            warm: warm.is_some().then(|| median(wm)),
            flytekit: flytekit_time,
        });
    }

    let mut suite_runs = Vec::new();
    let mut small = suite.clone();
    small.cases.truncate(config.suite_cases.max(1));
    let modes: Vec<(&'static str, &Reference)> = std::iter::once(("fresh", &fresh))
        .chain(warm.as_ref().map(|w| ("warm", w)))
        .collect();
    for (mode, runtime) in modes {
        for &jobs in &config.jobs {
            note(&format!("suite run: {mode}, -j {jobs}"));
            let plan = RunPlan::builder(small.clone(), runtime)
                .languages(languages.iter().cloned())
                .jobs(jobs)
                .golden(GoldenMode::Ignore)
                .build()?;
            let t = Instant::now();
            let report = crate::run::run(&plan, runtime, &Quiet).await?;
            suite_runs.push(SuiteRun {
                mode,
                jobs,
                trials: report.results.len(),
                wall: t.elapsed(),
            });
        }
    }
    if let Some(p) = pool {
        p.shutdown().await;
    }
    Ok(BenchReport {
        languages: rows,
        suite_runs,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        load: (load_before, loadavg()),
        reps: config.reps.max(1),
    })
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1e3)
}

fn ratio(x: Duration, y: Duration) -> f64 {
    x.as_secs_f64() / y.as_secs_f64().max(1e-9)
}

impl BenchReport {
    /// The report as a table with the ratios: rawconf/floor, flytekit/rawconf, fresh/warm and
    /// the suite runs' speed-ups and efficiency.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "rawconf bench: medians of {} runs of a=3, b=4 per language; {} cores; load {} → {}\n\n",
            self.reps, self.cores, self.load.0, self.load.1
        ));
        s.push_str(&format!(
            "{:<9} {:>9} {:>9} {:>9} {:>10}  {:>12} {:>15} {:>11}\n",
            "language",
            "floor",
            "fresh",
            "warm",
            "flytekit",
            "fresh/floor",
            "flytekit/fresh",
            "fresh/warm"
        ));
        let dash = "–".to_owned();
        for r in &self.languages {
            s.push_str(&format!(
                "{:<9} {:>9} {:>9} {:>9} {:>10}  {:>12.2} {:>15} {:>11}\n",
                r.language,
                ms(r.floor),
                ms(r.fresh),
                r.warm.map_or(dash.clone(), ms),
                r.flytekit.as_ref().map_or(dash.clone(), |d| ms(*d)),
                ratio(r.fresh, r.floor),
                r.flytekit
                    .as_ref()
                    .map_or(dash.clone(), |d| format!("{:.2}", ratio(*d, r.fresh))),
                r.warm
                    .map_or(dash.clone(), |w| format!("{:.2}", ratio(r.fresh, w))),
            ));
        }
        let sum = |f: &dyn Fn(&LanguageTimes) -> Option<Duration>| -> Option<Duration> {
            self.languages.iter().map(f).sum::<Option<Duration>>()
        };
        let floor = sum(&|r| Some(r.floor)).unwrap_or_default();
        let fresh = sum(&|r| Some(r.fresh)).unwrap_or_default();
        s.push_str(&format!(
            "\nrawconf/floor     {:.2}  (fresh, all languages: {} vs {})\n",
            ratio(fresh, floor),
            ms(fresh),
            ms(floor)
        ));
        let fk: Vec<&LanguageTimes> = self
            .languages
            .iter()
            .filter(|r| r.flytekit.is_ok())
            .collect();
        if fk.is_empty() {
            let why = self
                .languages
                .first()
                .and_then(|r| r.flytekit.as_ref().err().cloned())
                .unwrap_or_else(|| "no language".into());
            s.push_str(&format!("flytekit/rawconf  skipped: {why}\n"));
        } else {
            let f: Duration = fk.iter().map(|r| *r.flytekit.as_ref().expect("ok")).sum();
            let r: Duration = fk.iter().map(|r| r.fresh).sum();
            s.push_str(&format!(
                "flytekit/rawconf  {:.2}  (flytekit-local through adapters/flytekit vs rawconf fresh, {} languages)\n",
                ratio(f, r),
                fk.len()
            ));
        }
        if let Some(warm) = sum(&|r| r.warm) {
            s.push_str(&format!(
                "fresh/warm        {:.2}  ({} vs {})\n",
                ratio(fresh, warm),
                ms(fresh),
                ms(warm)
            ));
        }
        if !self.suite_runs.is_empty() {
            s.push_str(&format!(
                "\n{:<6} {:>4} {:>7} {:>9} {:>10} {:>9} {:>11}\n",
                "mode", "-j", "trials", "wall", "per case", "speed-up", "efficiency"
            ));
        }
        for run in &self.suite_runs {
            let base = self
                .suite_runs
                .iter()
                .find(|b| b.mode == run.mode && b.jobs == 1);
            let (speedup, eff) = match base {
                Some(b) => {
                    let sp = ratio(b.per_case(), run.per_case());
                    (
                        format!("{sp:.2}×"),
                        format!(
                            "{:.0} %",
                            100.0 * sp / run.jobs.min(self.cores).max(1) as f64
                        ),
                    )
                }
                None => (dash.clone(), dash.clone()),
            };
            s.push_str(&format!(
                "{:<6} {:>4} {:>7} {:>9} {:>10} {:>9} {:>11}\n",
                run.mode,
                run.jobs,
                run.trials,
                format!("{:.1} s", run.wall.as_secs_f64()),
                ms(run.per_case()),
                speedup,
                eff
            ));
        }
        s
    }
}
