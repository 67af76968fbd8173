//! The data every reporter reads. `report.json` is this, serialized (schema:
//! `docs/report.schema.json`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::judge::ellipse::oracle::Judgement;
use crate::judge::outcome::Outcome;
use crate::protocol::record::Record;

use super::provenance::{Declared, ExpectationsMeta, ShardCheck};

/// Facts about the run, so a report can be traced and reproduced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMeta {
    /// rawconf's version.
    pub rawconf_version: String,
    /// The suite's name.
    pub suite: String,
    /// SHA-256 of the suite file.
    pub suite_digest: String,
    /// The profile results were judged against.
    pub profile: String,
    /// The runtime that executed the cases (`reference` or `cmd:…`).
    pub runtime: String,
    /// Image reference and engine id per language.
    pub images: BTreeMap<String, BTreeMap<String, String>>,
    /// Seeds of randomized parts (none for golden suites).
    pub seeds: Vec<u64>,
    /// The host name.
    pub host: String,
    /// RFC 3339 UTC start time.
    pub started_at: String,
    /// RFC 3339 UTC end time.
    pub finished_at: String,
    /// The shard, `I/N`, when the run was one of several.
    pub shard: Option<String>,
    /// The data folders the run did not take from their defaults, by the variable or flag that
    /// chose each (`--languages-dir`, `RAWCONF_SUITES_DIR`, `RAWCONF_GOLDEN_DIR`); absent when
    /// every one is the default. A run on forked goldens or cases is recognisable by it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, String>,
    /// Why the run stopped before its selection was done (the Docker engine went away, the
    /// work dir filled up), with how many cases ran; absent for a complete run. The results
    /// are the ones obtained before it stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aborted: Option<String>,
    /// The platform's settings the runtime ran executions with (`max-node-retries-system-failures`
    /// for the reference runtime), for suites whose cases belong to an execution; absent
    /// otherwise.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub platform: BTreeMap<String, String>,
    /// The vendor's expectations file the run applied (`--expectations`); absent without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expectations: Option<ExpectationsMeta>,
}

/// The result of one language × case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseResult {
    /// `<language>/<suite>/<case>`: the trial name.
    pub id: String,
    /// The language.
    pub language: String,
    /// The suite.
    pub suite: String,
    /// The case id.
    pub case: String,
    /// The input LiteralMap (protobuf JSON).
    pub inputs: serde_json::Value,
    /// The verdict.
    pub outcome: Outcome,
    /// Why (empty for a plain pass).
    pub reason: String,
    /// Wall time of the case.
    pub duration_ms: u64,
    /// Everything the case produced (absent if it never ran).
    pub record: Option<Record>,
    /// The oracle's verdict on `area`, when there was one.
    pub judgement: Option<Judgement>,
    /// The parsed area, for the cross-language table (non-finite as `"inf"`, `"-inf"`, `"NaN"`).
    #[serde(with = "super::nonfinite::option")]
    pub area: Option<f64>,
    /// Container stdout (lossy UTF-8, capped).
    pub stdout: String,
    /// Container stderr (lossy UTF-8, capped).
    pub stderr: String,
    /// A command that reruns this case alone.
    pub reproduce: String,
    /// Remarks that do not change the outcome but every report shows (e.g. an error message
    /// that differs from the reference's, which is not normative for a `cmd:` runtime).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The vendor's expectations-file entry behind an `xfail` (or a stale one behind an
    /// `xpass`); absent for rawconf's own declarations and undeclared results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared: Option<Declared>,
}

/// One row of the cross-language table: each language's area for a case, and whether every
/// pair that produced a value agrees within the looser precision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Divergence {
    /// The case id.
    pub case: String,
    /// Language → parsed area (`None`: no value; non-finite as `"inf"`, `"-inf"`, `"NaN"`).
    #[serde(with = "super::nonfinite::map")]
    pub areas: BTreeMap<String, Option<f64>>,
    /// Pairs that disagree, as `a≠b`.
    pub disagreements: Vec<String>,
}

/// How many results had each outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts(pub BTreeMap<Outcome, usize>);

impl Counts {
    /// Whether the run failed: any failing outcome, or nothing ran.
    pub fn failed(&self) -> bool {
        self.total() == 0 || self.0.iter().any(|(o, n)| o.is_failure() && *n > 0)
    }

    /// Number of results.
    pub fn total(&self) -> usize {
        self.0.values().sum()
    }

    /// Number with one outcome.
    pub fn get(&self, o: Outcome) -> usize {
        self.0.get(&o).copied().unwrap_or(0)
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(o, n)| format!("{n} {}", o.as_str()))
            .collect();
        write!(f, "{} cases: {}", self.total(), parts.join(", "))
    }
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// Run metadata.
    pub meta: RunMeta,
    /// Outcome counts.
    pub counts: Counts,
    /// One entry per language × case, sorted by id.
    pub results: Vec<CaseResult>,
    /// The cross-language table, one row per case.
    pub divergence: Vec<Divergence>,
    /// Expected-failure entries that matched no case that ran (stale).
    pub unused_expectations: Vec<String>,
    /// The vendor's expectations-file entries that matched no trial of a complete selection
    /// (a typo, or a case that is gone): they fail the run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unused_vendor_expectations: Vec<String>,
    /// What a shard report records for `rawconf report merge` (only on `--shard` runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard_check: Option<ShardCheck>,
}

impl RunReport {
    /// One report of several runs of the same runtime and profile (`rawconf run --suite all`):
    /// results, counts and findings together; `meta.suite` lists the suites joined by `+` and
    /// `meta.suite_digest` their digests likewise. `None` for no report.
    pub fn merge(reports: Vec<RunReport>) -> Option<RunReport> {
        let mut it = reports.into_iter();
        let mut all = it.next()?;
        for r in it {
            all.meta.suite = format!("{}+{}", all.meta.suite, r.meta.suite);
            all.meta.suite_digest = format!("{}+{}", all.meta.suite_digest, r.meta.suite_digest);
            all.meta.images.extend(r.meta.images);
            all.meta.data.extend(r.meta.data);
            all.meta.finished_at = r.meta.finished_at;
            all.meta.aborted = all.meta.aborted.or(r.meta.aborted);
            for (o, n) in r.counts.0 {
                *all.counts.0.entry(o).or_default() += n;
            }
            all.results.extend(r.results);
            all.divergence.extend(r.divergence);
            all.unused_expectations.extend(r.unused_expectations);
            all.unused_vendor_expectations
                .extend(r.unused_vendor_expectations);
            all.shard_check = match (all.shard_check, r.shard_check) {
                (Some(a), Some(b)) => Some(a.join(b)),
                (a, b) => a.or(b),
            };
        }
        Some(all)
    }

    /// Recounts the outcomes from the results (after expectations changed some).
    pub fn recount(&mut self) {
        let mut counts = Counts::default();
        for r in &self.results {
            *counts.0.entry(r.outcome).or_default() += 1;
        }
        self.counts = counts;
    }

    /// Languages in the report, sorted.
    pub fn languages(&self) -> Vec<String> {
        let mut l: Vec<String> = self.results.iter().map(|r| r.language.clone()).collect();
        l.sort();
        l.dedup();
        l
    }

    /// Case ids in first-seen order.
    pub fn cases(&self) -> Vec<String> {
        let mut c: Vec<String> = Vec::new();
        for r in &self.results {
            if !c.contains(&r.case) {
                c.push(r.case.clone());
            }
        }
        c
    }

    /// The result for a language × case.
    pub fn get(&self, language: &str, case: &str) -> Option<&CaseResult> {
        self.results
            .iter()
            .find(|r| r.language == language && r.case == case)
    }
}
