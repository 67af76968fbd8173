//! Running a suite: select language × case pairs, execute them concurrently through a
//! runtime, judge each, compare with its golden, decide the outcome, build the report.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::SystemTime;

use futures_util::StreamExt;
use globset::GlobMatcher;

use crate::error::Result;

mod reproduce;
mod shard;
use crate::expect::Expectations;
use crate::golden::{self, GoldenMode};
use crate::judge;
use crate::language::Language;
use crate::oracle;
use crate::outcome::{Outcome, decide};
use crate::profile::Profile;
use crate::report::{CaseResult, Counts, Divergence, RunMeta, RunReport};
use crate::runtime::{Attempt, Execution, NotRun, Runtime};
use crate::suite::{Case, Suite};
pub use reproduce::{data_overrides, reproduce};
pub use shard::{Shard, ShardStrategy, fnv1a64};

/// Everything a run needs besides the runtime.
#[derive(Debug, Clone)]
pub struct RunPlan {
    /// The suite.
    pub suite: Suite,
    /// The languages to run, with their image references.
    pub languages: Vec<(Language, String)>,
    /// The semantics to judge against.
    pub profile: Profile,
    /// Only trials whose id `<lang>/<suite>/<case>` matches.
    pub filter: Option<GlobMatcher>,
    /// Only one slice of the selection.
    pub shard: Option<Shard>,
    /// Containers at once.
    pub jobs: usize,
    /// Golden handling.
    pub golden: GoldenMode,
    /// The golden folder.
    pub golden_root: PathBuf,
    /// How the runtime is named in the report and reproduction commands.
    pub runtime_name: String,
    /// Engine ids of the images, by language (for the report).
    pub image_ids: BTreeMap<String, String>,
    /// Judge a `cmd:` runtime's error messages byte for byte too (by default a message-only
    /// difference is a note, see [`crate::normative`]).
    pub strict_messages: bool,
}

/// Receives progress while a run goes on.
pub trait RunObserver: Send + Sync {
    /// The run selected `total` trials.
    fn started(&self, total: usize);
    /// One trial finished.
    fn finished(&self, result: &CaseResult);
}

/// The default number of cases at once: one more than the cores. Measured with `rawconf bench`
/// on 2 cores (fresh mode, 40 trials): `-j 2` ran 1.56× faster than `-j 1`, `-j 3` 1.87× and
/// `-j 4` 1.82× — a fresh case waits on the engine (create, start, remove) long enough that a
/// third job fills the gaps, and a fourth only adds contention. Warm mode is CPU-bound (an exec
/// waits little) and gains nothing past the cores either way.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()) + 1
}

/// The trial id of a language × case: `<language>/<suite>/<case>`.
pub fn trial_id(language: &str, suite: &str, case: &str) -> String {
    format!("{language}/{suite}/{case}")
}

/// The language × case pairs a plan selects, in a stable order.
pub fn select(plan: &RunPlan) -> Vec<(usize, usize)> {
    let pairs = select_all(plan);
    match plan.shard {
        Some(s) => pairs
            .into_iter()
            .enumerate()
            .filter(|(i, (li, ci))| {
                let id = trial_id(
                    &plan.languages[*li].0.name,
                    &plan.suite.name,
                    &plan.suite.cases[*ci].id,
                );
                s.holds(*i, &id)
            })
            .map(|(_, p)| p)
            .collect(),
        None => pairs,
    }
}

/// The pairs the plan selects before it is cut into shards.
fn select_all(plan: &RunPlan) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for (li, (lang, _)) in plan.languages.iter().enumerate() {
        for (ci, case) in plan.suite.cases.iter().enumerate() {
            let id = trial_id(&lang.name, &plan.suite.name, &case.id);
            if plan.filter.as_ref().is_none_or(|f| f.is_match(&id)) {
                pairs.push((li, ci));
            }
        }
    }
    pairs
}

/// Runs one language × case to a result (never an `Err`: harness faults become
/// `harness-error` results, and a runtime that did not run the case gives `unavailable`,
/// `timeout` or `harness-error` with its reason).
pub async fn run_case<R: Runtime>(
    plan: &RunPlan,
    runtime: &R,
    expectations: &Expectations,
    lang: &Language,
    image: &str,
    case: &Case,
    run_id: &str,
) -> CaseResult {
    run_case_faulted(plan, runtime, expectations, lang, image, case, run_id)
        .await
        .0
}

/// [`run_case`], also handing back the harness fault behind a `harness-error` result, so that
/// [`run`] can tell a fault of the environment (which stops the run) from one of the case.
async fn run_case_faulted<R: Runtime>(
    plan: &RunPlan,
    runtime: &R,
    expectations: &Expectations,
    lang: &Language,
    image: &str,
    case: &Case,
    run_id: &str,
) -> (CaseResult, Option<crate::Error>) {
    let id = trial_id(&lang.name, &plan.suite.name, &case.id);
    let started = std::time::Instant::now();
    let mut result = CaseResult {
        id: id.clone(),
        language: lang.name.clone(),
        suite: plan.suite.name.clone(),
        case: case.id.clone(),
        inputs: case.inputs.to_json(),
        outcome: Outcome::HarnessError,
        reason: String::new(),
        duration_ms: 0,
        record: None,
        judgement: None,
        area: None,
        stdout: String::new(),
        stderr: String::new(),
        reproduce: reproduce(plan, &lang.name, &case.id),
        notes: Vec::new(),
        declared: None,
    };
    let execution = Execution {
        language: lang,
        image,
        task: &case.task,
        inputs: &case.inputs,
        blobs: &case.blobs,
        profile: plan.profile,
        run_id,
    };
    let not_run = |mut result: CaseResult, outcome: Outcome, n: NotRun| {
        result.outcome = outcome;
        result.reason = n.reason;
        result.stdout = String::from_utf8_lossy(&n.stdout).into_owned();
        result.stderr = String::from_utf8_lossy(&n.stderr).into_owned();
        result.duration_ms = n.duration.as_millis() as u64;
        result
    };
    let executed = match runtime.attempt(&execution, &id).await {
        Ok(Attempt::Executed(e)) => e,
        Ok(Attempt::Unsupported(n)) => return (not_run(result, Outcome::Unavailable, n), None),
        Ok(Attempt::TimedOut(n)) => return (not_run(result, Outcome::Timeout, n), None),
        Ok(Attempt::Broken(n)) => return (not_run(result, Outcome::HarnessError, n), None),
        Err(e) => {
            result.reason = e.to_string();
            result.duration_ms = started.elapsed().as_millis() as u64;
            return (result, Some(e));
        }
    };
    let mut executed = executed;
    // Only the ellipse suite has an oracle; the others are judged by their goldens alone (and,
    // under another profile, by where they depart from the backend's golden).
    let (problems, judgement, area) = if plan.suite.name == crate::language::ELLIPSE {
        match judge::judge(lang, &case.task, plan.profile, &case.inputs, &executed) {
            Ok(v) => (v.problems(), v.judgement, v.area),
            Err(e) => {
                result.reason = e.to_string();
                result.duration_ms = started.elapsed().as_millis() as u64;
                return (result, Some(e));
            }
        }
    } else {
        let departures = crate::normative::departures(
            plan.profile,
            &plan.golden_root,
            &plan.suite.name,
            &case.id,
            &lang.name,
            &executed.record,
        );
        (departures, None, None)
    };
    let golden_text = executed.record.to_golden();
    let golden_path = golden::path(
        &plan.golden_root,
        plan.profile.as_str(),
        &plan.suite.name,
        &case.id,
        &lang.name,
    );
    let diff = match plan.golden {
        GoldenMode::Ignore => None,
        // A partial record would erase what the reference runtime pinned.
        GoldenMode::Bless if !executed.reported.is_all() => Some(format!(
            "not blessed: runtime `{}` reported only {} of the record; bless with the reference runtime",
            plan.runtime_name,
            executed.reported.keys().join(", ")
        )),
        GoldenMode::Bless => match golden::write(&golden_path, &golden_text) {
            Ok(()) => None,
            Err(e) => Some(e.to_string()),
        },
        GoldenMode::Check => match golden::read(&golden_path) {
            Ok(Some(g)) if plan.runtime_name != "reference" && !plan.strict_messages => {
                let note = crate::normative::relax_message(&g, &mut executed.record);
                result.notes.extend(note);
                let blobs = crate::normative::relax_blob_uris(&g, &mut executed.record);
                result.notes.extend(blobs);
                if executed.reported.is_all() {
                    golden::compare(Some(&g), &executed.record.to_golden(), &golden_path)
                } else {
                    golden::compare_parts(
                        Some(&g),
                        &executed.record,
                        &executed.reported.keys(),
                        &golden_path,
                    )
                }
            }
            Ok(g) if executed.reported.is_all() => {
                golden::compare(g.as_deref(), &golden_text, &golden_path)
            }
            Ok(g) => golden::compare_parts(
                g.as_deref(),
                &executed.record,
                &executed.reported.keys(),
                &golden_path,
            ),
            Err(e) => Some(e.to_string()),
        },
    };
    let expected = expectations.find(
        plan.profile,
        &lang.name,
        &format!("{}/{}", plan.suite.name, case.id),
    );
    let (outcome, reason) = if executed.record.timed_out && !case.expect_timeout {
        (
            Outcome::Timeout,
            format!("killed after {:?}", case.task.timeout),
        )
    } else {
        decide(&problems, diff.as_deref(), expected)
    };
    result.outcome = outcome;
    result.reason = reason;
    result.judgement = judgement;
    result.area = area;
    result.stdout = String::from_utf8_lossy(&executed.stdout).into_owned();
    result.stderr = String::from_utf8_lossy(&executed.stderr).into_owned();
    result.record = Some(executed.record);
    result.duration_ms = executed.duration.as_millis() as u64;
    (result, None)
}

/// Why a run stopped early, set by the first case whose fault is the environment's.
#[derive(Default)]
struct Abort(std::sync::Mutex<Option<String>>);

impl Abort {
    fn reason(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Records `fault` as the reason to stop when it is the environment's: a full or
    /// unwritable work dir, or a Docker fault while the engine no longer answers a ping.
    async fn judge<R: Runtime>(&self, runtime: &R, fault: &crate::Error) {
        let reason = if fault.is_environmental() {
            Some(fault.to_string())
        } else if matches!(fault, crate::Error::Docker(_)) {
            runtime.check_alive().await.err().map(|e| e.to_string())
        } else {
            None
        };
        if let Some(reason) = reason {
            self.0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get_or_insert(reason);
        }
    }
}

/// Runs the plan's selection through `runtime` and builds the report.
///
/// A case whose harness fault is the environment's (the Docker engine stopped answering, the
/// work dir is full or unwritable) stops the run: cases not yet started are skipped, those in
/// flight finish, and the report holds the results obtained with the reason in
/// `meta.aborted` (the CLI writes it and exits 96).
pub async fn run<R: Runtime>(
    plan: &RunPlan,
    runtime: &R,
    observer: &dyn RunObserver,
) -> Result<RunReport> {
    let started_at = SystemTime::now();
    let langs: Vec<Language> = plan.languages.iter().map(|(l, _)| l.clone()).collect();
    let expectations = Expectations::new(&langs, &plan.suite)?;
    let selection = select(plan);
    observer.started(selection.len());
    let run_id = format!(
        "run-{}-{}",
        std::process::id(),
        started_at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis())
    );
    let abort = Abort::default();
    let mut results: Vec<CaseResult> = futures_util::stream::iter(selection.iter().copied())
        .map(|(li, ci)| {
            let (lang, image) = &plan.languages[li];
            let case = &plan.suite.cases[ci];
            let expectations = &expectations;
            let run_id = &run_id;
            let abort = &abort;
            async move {
                if abort.reason().is_some() {
                    return None;
                }
                let (r, fault) =
                    run_case_faulted(plan, runtime, expectations, lang, image, case, run_id).await;
                if let Some(fault) = fault {
                    abort.judge(runtime, &fault).await;
                }
                observer.finished(&r);
                Some(r)
            }
        })
        .buffer_unordered(plan.jobs.max(1))
        .filter_map(std::future::ready)
        .collect()
        .await;
    let aborted = abort.reason();
    results.sort_by(|a, b| a.id.cmp(&b.id));

    let mut counts = Counts::default();
    for r in &results {
        *counts.0.entry(r.outcome).or_default() += 1;
    }
    let ran: Vec<(String, String)> = results
        .iter()
        .map(|r| (r.language.clone(), format!("{}/{}", r.suite, r.case)))
        .collect();
    // Only a full, unsharded, unfiltered run can tell that an entry matches nothing; a shard
    // records what it did not use, and `rawconf report merge` intersects them.
    let complete = plan.filter.is_none() && aborted.is_none();
    let unused: Vec<String> = expectations
        .unused(plan.profile, &ran)
        .into_iter()
        .map(|e| format!("{} ({}): {}", e.pattern, e.source, e.reason))
        .collect();
    let shard_check = plan.shard.map(|s| crate::report::ShardCheck {
        strategy: s.strategy.as_str().to_owned(),
        selected: select_all(plan).len(),
        complete,
        unused_expectations: if complete { unused.clone() } else { Vec::new() },
        unused_vendor_expectations: Vec::new(),
    });
    let unused_expectations = if complete && plan.shard.is_none() {
        unused
    } else {
        Vec::new()
    };
    let divergence = divergence(plan, &results);
    let images = plan
        .languages
        .iter()
        .map(|(l, image)| {
            let mut m = BTreeMap::from([("image".to_owned(), image.clone())]);
            if let Some(id) = plan.image_ids.get(&l.name) {
                m.insert("id".to_owned(), id.clone());
            }
            (l.name.clone(), m)
        })
        .collect();
    let meta = RunMeta {
        rawconf_version: env!("CARGO_PKG_VERSION").to_owned(),
        suite: plan.suite.name.clone(),
        suite_digest: plan.suite.digest()?,
        profile: plan.profile.as_str().to_owned(),
        runtime: plan.runtime_name.clone(),
        images,
        seeds: Vec::new(),
        host: hostname(),
        started_at: humantime::format_rfc3339_seconds(started_at).to_string(),
        finished_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        shard: plan.shard.map(|s| format!("{}/{}", s.index, s.total)),
        data: data_overrides(plan),
        aborted: aborted.map(|reason| {
            format!(
                "stopped after {} of {} case(s): {reason}",
                results.len(),
                selection.len()
            )
        }),
        expectations: None,
    };
    Ok(RunReport {
        meta,
        counts,
        results,
        divergence,
        unused_expectations,
        unused_vendor_expectations: Vec::new(),
        shard_check,
    })
}

fn divergence(plan: &RunPlan, results: &[CaseResult]) -> Vec<Divergence> {
    let mut rows = Vec::new();
    for case in &plan.suite.cases {
        let here: Vec<&CaseResult> = results.iter().filter(|r| r.case == case.id).collect();
        if here.is_empty() {
            continue;
        }
        let areas: BTreeMap<String, Option<f64>> =
            here.iter().map(|r| (r.language.clone(), r.area)).collect();
        let mut disagreements = Vec::new();
        for (i, x) in here.iter().enumerate() {
            for y in &here[i + 1..] {
                let (Some(ax), Some(ay)) = (x.area, y.area) else {
                    continue;
                };
                let arithmetic = |r: &CaseResult| {
                    plan.languages
                        .iter()
                        .find(|(l, _)| l.name == r.language)
                        .map_or(crate::Arithmetic::F64, |(l, _)| l.arithmetic)
                };
                if !oracle::agree(ax, ay, oracle::pair_tolerance(arithmetic(x), arithmetic(y))) {
                    disagreements.push(format!("{}≠{}", x.language, y.language));
                }
            }
        }
        rows.push(Divergence {
            case: case.id.clone(),
            areas,
            disagreements,
        });
    }
    rows
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "unknown".into())
}
