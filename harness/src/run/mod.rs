//! Running a suite: select language × case pairs, execute them concurrently through a
//! runtime, judge each, compare with its golden, decide the outcome, build the report.

use std::collections::BTreeMap;
use std::time::SystemTime;

use futures_util::StreamExt;

use crate::error::Result;

mod case;
mod plan;
mod reproduce;
mod shard;
pub mod suites;
use crate::judge::ellipse::oracle;
use crate::report::{CaseResult, Counts, Divergence, RunMeta, RunReport};
use crate::runtime::Runtime;
use crate::spec::expect::Expectations;
use crate::spec::language::Language;
pub use case::run_case;
use case::run_case_faulted;
use plan::select_all;
pub use plan::{RunBuilder, RunPlan, default_jobs, select, trial_id};
pub use reproduce::{data_overrides, reproduce};
pub use shard::{Shard, ShardStrategy, fnv1a64};

/// Receives progress while a run goes on.
pub trait RunObserver: Send + Sync {
    /// The run selected `total` trials.
    fn started(&self, total: usize);
    /// One trial finished.
    fn finished(&self, result: &CaseResult);
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
    async fn consider<R: Runtime>(&self, runtime: &R, fault: &crate::Error) {
        let reason = if fault.is_environmental() {
            Some(fault.to_string())
        } else if matches!(fault, crate::Error::Docker { .. }) {
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
                    abort.consider(runtime, &fault).await;
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
        data: plan.data.clone(),
        aborted: aborted.map(|reason| {
            format!(
                "stopped after {} of {} case(s): {reason}",
                results.len(),
                selection.len()
            )
        }),
        platform: if plan.suite.cases.iter().any(|c| c.identity.is_some()) {
            runtime.platform()
        } else {
            BTreeMap::new()
        },
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
                // Areas come from the ellipse judge only, which ran on languages with a program.
                let arithmetic = |r: &CaseResult| {
                    plan.languages
                        .iter()
                        .find(|(l, _)| l.name == r.language)
                        .and_then(|(l, _)| l.ellipse.as_ref())
                        .map(|p| p.arithmetic)
                };
                let (Some(tx), Some(ty)) = (arithmetic(x), arithmetic(y)) else {
                    continue;
                };
                if !oracle::agree(ax, ay, oracle::pair_tolerance(tx, ty)) {
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
