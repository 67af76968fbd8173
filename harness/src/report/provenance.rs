//! The parts of a report that say who declared what and how a shard was cut: a vendor's
//! expected failures on results, the expectations file in `meta`, and what a shard report
//! records so that `rawconf report merge` can rerun the whole run's checks on the union.

use serde::{Deserialize, Serialize};

/// Which expectations file a run applied (`rawconf run --expectations`), so a report — and
/// every shard of one run — can be traced to the exact bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectationsMeta {
    /// The path as given on the command line.
    pub path: String,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
}

/// The vendor's entry that covers a result: on an `xfail` it declared, and on an `xpass` when
/// it went stale. rawconf's own expected failures (manifests, suites) carry none, so a report
/// keeps the two apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declared {
    /// Who declared it: always `vendor` (rawconf's own declarations are not marked).
    pub by: String,
    /// The expectations file.
    pub file: String,
    /// The entry's line in it (1-based).
    pub line: usize,
    /// The entry's glob over trial ids.
    pub case: String,
    /// The outcome it expects: `fail` or `unavailable`.
    pub outcome: String,
    /// The error code it expects, when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Why, as the vendor wrote it.
    pub reason: String,
}

/// What a shard report (`rawconf run --shard I/N`) records beyond its results so that the
/// merge can decide what only the whole selection can: which expected-failure entries match
/// nothing (an entry unused by every shard is unused by the union), and whether every case of
/// the selection is in some shard.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardCheck {
    /// How trials were dealt to shards: `modulo` or `hash`.
    pub strategy: String,
    /// How many trials the selection held before it was cut into shards.
    pub selected: usize,
    /// Whether the selection before sharding was a whole suite (no `--filter`, no
    /// `--language`) and the shard ran to its end: only then can an entry matching nothing be
    /// a typo.
    pub complete: bool,
    /// rawconf's own expected-failure entries that matched no trial of this shard.
    pub unused_expectations: Vec<String>,
    /// The vendor's entries that matched no trial of this shard.
    pub unused_vendor_expectations: Vec<String>,
}

impl ShardCheck {
    /// Joins the checks of several suites' runs of one shard (`--suite all`).
    pub fn join(self, other: ShardCheck) -> ShardCheck {
        let mut unused = self.unused_expectations;
        unused.extend(other.unused_expectations);
        ShardCheck {
            strategy: self.strategy,
            selected: self.selected + other.selected,
            complete: self.complete && other.complete,
            unused_expectations: unused,
            // Applied once to the joined report, never per suite.
            unused_vendor_expectations: self.unused_vendor_expectations,
        }
    }
}
