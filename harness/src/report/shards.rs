//! `rawconf report merge`: one report from the shard reports of one run (`rawconf run --shard
//! I/N`), as if the run had not been cut.
//!
//! The shards must be of the same run: same rawconf version, suite digests, profile, runtime,
//! expectations digest and image ids, one shard strategy and count, every shard 1..N exactly
//! once and no case in two of them; anything else is refused, since a merged report that
//! silently mixes two runs would certify what never ran. The checks that only the whole
//! selection can make — an expected-failure entry that matches nothing — are rerun on the
//! union from what each shard recorded in its `shard_check`: an entry unused by every shard
//! is unused by the union.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{Divergence, RunReport};
use crate::error::{Error, Result};
use crate::judge::ellipse::oracle;
use crate::spec::language::Arithmetic;

/// The entries present in every list (in the first list's order): unused by the union.
pub fn intersect<'a>(lists: impl IntoIterator<Item = &'a [String]>) -> Vec<String> {
    let mut it = lists.into_iter();
    let Some(first) = it.next() else {
        return Vec::new();
    };
    let mut common: BTreeSet<&String> = first.iter().collect();
    for list in it {
        let here: BTreeSet<&String> = list.iter().collect();
        common.retain(|e| here.contains(e));
    }
    let mut out: Vec<String> = Vec::new();
    for e in first {
        if common.contains(e) && !out.contains(e) {
            out.push(e.clone());
        }
    }
    out
}

/// One shard report and where it came from (named in refusals).
pub struct ShardReport {
    /// Where it was read from, e.g. the report dir.
    pub source: String,
    /// The report.
    pub report: RunReport,
}

/// Merges the shard reports of one run into the report of the whole run. `arithmetic` gives
/// each language's declared arithmetic, to recompute the cross-language table across shards;
/// `case_order` the suites' case ids in file order, which a run's table follows (cases it does
/// not list come last, in the order the shards hold them).
pub fn merge_shards(
    mut shards: Vec<ShardReport>,
    arithmetic: &dyn Fn(&str) -> Arithmetic,
    case_order: &[String],
) -> Result<RunReport> {
    let refuse = |m: String| Err(Error::Merge(m));
    if shards.is_empty() {
        return refuse("no shard report given".into());
    }
    let mut slots: BTreeMap<usize, String> = BTreeMap::new();
    let mut total = None;
    for s in &shards {
        let m = &s.report.meta;
        let (Some(shard), Some(_)) = (&m.shard, &s.report.shard_check) else {
            return refuse(format!(
                "{} is not a shard report of this rawconf (no `meta.shard` or `shard_check`); merge the reports of `rawconf run --shard I/N`",
                s.source
            ));
        };
        let (i, n) = shard
            .split_once('/')
            .and_then(|(i, n)| Some((i.parse::<usize>().ok()?, n.parse::<usize>().ok()?)))
            .ok_or_else(|| Error::Merge(format!("{}: bad `meta.shard` `{shard}`", s.source)))?;
        match total {
            None => total = Some(n),
            Some(t) if t != n => {
                return refuse(format!(
                    "{} is shard {shard} but {} was cut into {t}",
                    s.source, shards[0].source
                ));
            }
            Some(_) => {}
        }
        if let Some(other) = slots.insert(i, s.source.clone()) {
            return refuse(format!(
                "shard {shard} is given twice: {other} and {}",
                s.source
            ));
        }
    }
    let n = total.unwrap_or(0);
    let missing: Vec<String> = (1..=n)
        .filter(|i| !slots.contains_key(i))
        .map(|i| format!("{i}/{n}"))
        .collect();
    if !missing.is_empty() {
        return refuse(format!(
            "shard(s) {} missing: all of 1..{n} must be given, each once",
            missing.join(", ")
        ));
    }
    same_run(&shards)?;
    shards.sort_by_key(|s| {
        slots
            .iter()
            .find(|(_, src)| **src == s.source)
            .map(|(i, _)| *i)
    });

    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for s in &shards {
        for r in &s.report.results {
            if let Some(other) = seen.insert(r.id.clone(), s.source.clone()) {
                return refuse(format!(
                    "case `{}` is in two shards: {other} and {}",
                    r.id, s.source
                ));
            }
        }
    }
    let aborted: Vec<String> = shards
        .iter()
        .filter_map(|s| {
            let m = &s.report.meta;
            m.aborted
                .as_ref()
                .map(|a| format!("shard {} {a}", m.shard.as_deref().unwrap_or("?")))
        })
        .collect();
    let checks: Vec<_> = shards
        .iter()
        .filter_map(|s| s.report.shard_check.clone())
        .collect();
    let selected = checks.first().map_or(0, |c| c.selected);
    if aborted.is_empty() && seen.len() != selected {
        return refuse(format!(
            "the shards hold {} case(s) but the selection they were cut from had {selected}",
            seen.len()
        ));
    }
    let complete = aborted.is_empty() && checks.iter().all(|c| c.complete);

    let mut it = shards.into_iter().map(|s| s.report);
    let mut all = it.next().expect("one shard at least");
    let mut hosts = vec![all.meta.host.clone()];
    for r in it {
        all.meta.started_at = all.meta.started_at.min(r.meta.started_at);
        all.meta.finished_at = all.meta.finished_at.max(r.meta.finished_at);
        if !hosts.contains(&r.meta.host) {
            hosts.push(r.meta.host);
        }
        all.meta.data.extend(r.meta.data);
        all.results.extend(r.results);
        all.divergence.extend(r.divergence);
    }
    all.meta.host = hosts.join(", ");
    all.meta.shard = None;
    all.meta.aborted = (!aborted.is_empty()).then(|| aborted.join("; "));
    // A run's order: suite by suite (as `meta.suite` lists them; `--suite all` joins one
    // report per suite), each suite's results by trial id.
    let suites: Vec<String> = all.meta.suite.split('+').map(str::to_owned).collect();
    all.results.sort_by_key(|r| {
        (
            suites
                .iter()
                .position(|s| *s == r.suite)
                .unwrap_or(usize::MAX),
            r.id.clone(),
        )
    });
    all.recount();
    all.divergence = join_divergence(std::mem::take(&mut all.divergence), arithmetic);
    all.divergence.sort_by_key(|d| {
        case_order
            .iter()
            .position(|c| *c == d.case)
            .unwrap_or(usize::MAX)
    });
    let (unused, vendor) = if complete {
        (
            intersect(checks.iter().map(|c| c.unused_expectations.as_slice())),
            intersect(
                checks
                    .iter()
                    .map(|c| c.unused_vendor_expectations.as_slice()),
            ),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    all.unused_expectations = unused;
    all.unused_vendor_expectations = vendor;
    all.shard_check = None;
    Ok(all)
}

/// Refuses shards that are not of one run.
fn same_run(shards: &[ShardReport]) -> Result<()> {
    let first = &shards[0];
    let facts = |r: &RunReport| -> Vec<(&'static str, String)> {
        let m = &r.meta;
        let check = r.shard_check.clone().unwrap_or_default();
        let ids: BTreeMap<&String, Option<&String>> =
            m.images.iter().map(|(l, i)| (l, i.get("id"))).collect();
        vec![
            ("rawconf version", m.rawconf_version.clone()),
            ("suite", m.suite.clone()),
            ("suite digest", m.suite_digest.clone()),
            ("profile", m.profile.clone()),
            ("runtime", m.runtime.clone()),
            (
                "expectations digest",
                m.expectations
                    .as_ref()
                    .map_or("none".into(), |e| e.sha256.clone()),
            ),
            ("image ids", format!("{ids:?}")),
            ("shard strategy", check.strategy.clone()),
            ("selection size", check.selected.to_string()),
            // Shards run on other cases or goldens (a fork) are not one run either.
            ("data folders", format!("{:?}", m.data)),
        ]
    };
    let want = facts(&first.report);
    for s in &shards[1..] {
        for ((what, a), (_, b)) in want.iter().zip(facts(&s.report)) {
            if *a != b {
                return Err(Error::Merge(format!(
                    "the shards are not of one run: {what} differs — {} has `{a}`, {} has `{b}`",
                    first.source, s.source
                )));
            }
        }
    }
    Ok(())
}

/// One cross-language row per case from the shards' partial rows; pairs that met only in the
/// union are compared here, with the looser declared precision as a run does.
fn join_divergence(
    rows: Vec<Divergence>,
    arithmetic: &dyn Fn(&str) -> Arithmetic,
) -> Vec<Divergence> {
    let mut order: Vec<String> = Vec::new();
    let mut areas: BTreeMap<String, BTreeMap<String, Option<f64>>> = BTreeMap::new();
    for row in rows {
        if !order.contains(&row.case) {
            order.push(row.case.clone());
        }
        areas.entry(row.case).or_default().extend(row.areas);
    }
    order
        .into_iter()
        .map(|case| {
            let areas = areas.remove(&case).unwrap_or_default();
            let values: Vec<(&String, f64)> = areas
                .iter()
                .filter_map(|(l, a)| a.map(|a| (l, a)))
                .collect();
            let mut disagreements = Vec::new();
            for (i, (lx, ax)) in values.iter().enumerate() {
                for (ly, ay) in &values[i + 1..] {
                    let tol = oracle::pair_tolerance(arithmetic(lx), arithmetic(ly));
                    if !oracle::agree(*ax, *ay, tol) {
                        disagreements.push(format!("{lx}≠{ly}"));
                    }
                }
            }
            Divergence {
                case,
                areas,
                disagreements,
            }
        })
        .collect()
}
