//! More than one suite in one run (`rawconf run --suite all`): which languages run which
//! suite, whether the selection holds any case at all, and the suites run one after the other
//! into reports that [`crate::report::RunReport::merge`] joins.

use std::collections::BTreeMap;

use globset::GlobMatcher;

use super::{RunBuilder, RunObserver, RunPlan, run, select, trial_id};
use crate::error::{Error, Result};
use crate::report::RunReport;
use crate::runtime::Runtime;
use crate::spec::language::Language;
use crate::spec::suite::Suite;

/// Which languages run each suite. `every_suite` (`--suite all`): each suite with the
/// languages that join it, `names` picking among them; one suite: naming a language that does
/// not join it is a usage error.
pub fn pair(
    suites: Vec<Suite>,
    all: &[Language],
    names: &[String],
    every_suite: bool,
) -> Result<Vec<(Suite, Vec<Language>)>> {
    suites
        .into_iter()
        .map(|suite| {
            let langs = if every_suite {
                Language::select(all.to_vec(), names)?
                    .into_iter()
                    .filter(|l| l.joins(&suite.name))
                    .collect()
            } else {
                Language::for_suite(all.to_vec(), names, &suite.name)?
            };
            Ok((suite, langs))
        })
        .collect()
}

/// Whether any language × case of `pairs` passes `filter`: an empty selection is reported
/// before any image is built or container started.
pub fn any_selected(pairs: &[(Suite, Vec<Language>)], filter: Option<&GlobMatcher>) -> bool {
    pairs.iter().any(|(suite, langs)| {
        langs.iter().any(|l| {
            suite.cases.iter().any(|c| {
                let id = trial_id(&l.name, &suite.name, &c.id);
                filter.is_none_or(|f| f.is_match(&id))
            })
        })
    })
}

/// Every trial id of `pairs`, unfiltered.
pub fn trial_ids(pairs: &[(Suite, Vec<Language>)]) -> Vec<String> {
    pairs
        .iter()
        .flat_map(|(suite, langs)| {
            langs.iter().flat_map(move |l| {
                suite
                    .cases
                    .iter()
                    .map(move |c| trial_id(&l.name, &suite.name, &c.id))
            })
        })
        .collect()
}

/// Every language some suite of `pairs` runs, once, in first-seen order (the images to build).
pub fn languages_needed(pairs: &[(Suite, Vec<Language>)]) -> Vec<Language> {
    let mut needed: Vec<Language> = Vec::new();
    for l in pairs.iter().flat_map(|(_, langs)| langs) {
        if !needed.iter().any(|n| n.name == l.name) {
            needed.push(l.clone());
        }
    }
    needed
}

/// One plan per suite of `pairs`, each language with its image from `images` (by language
/// name), the rest of each plan as `configure` sets it: `rawconf run`'s plans, whoever builds
/// them.
pub fn plans<R: Runtime>(
    pairs: Vec<(Suite, Vec<Language>)>,
    runtime: &R,
    images: &BTreeMap<String, String>,
    configure: impl Fn(RunBuilder) -> RunBuilder,
) -> Result<Vec<RunPlan>> {
    pairs
        .into_iter()
        .map(|(suite, langs)| {
            let languages = langs.into_iter().map(|l| {
                let image = images.get(&l.name).cloned().unwrap_or_default();
                (l, image)
            });
            configure(RunPlan::builder(suite, runtime).languages(languages)).build()
        })
        .collect()
}

/// Runs `plans` one after the other (each with `jobs` cases at once), skipping a plan that
/// selects nothing. Stops after a plan whose run was aborted (the environment failed) or at a
/// harness fault; the reports of the plans that ran are handed back with the fault, so what
/// ran is still reported.
pub async fn run_each<R: Runtime>(
    plans: Vec<RunPlan>,
    runtime: &R,
    observer: &dyn RunObserver,
) -> (Vec<RunReport>, Option<Error>) {
    let mut reports = Vec::new();
    for plan in plans {
        if select(&plan).is_empty() {
            continue;
        }
        match run(&plan, runtime, observer).await {
            Ok(report) => {
                let stop = report.meta.aborted.is_some();
                reports.push(report);
                if stop {
                    break;
                }
            }
            Err(e) => return (reports, Some(e)),
        }
    }
    (reports, None)
}
