//! Expected failures: data, with reasons, that never go stale.
//!
//! A language declares, per profile, globs over `<suite>/<case>` with a reason
//! (`[expected-failures.backend]` in its manifest); a case may declare `<profile>/<language>`
//! globs in its suite file. A case that fails and is listed is an *xfail*; a listed case that
//! passes is an *xpass*, which fails the run — so the lists always describe reality.

use globset::{Glob, GlobMatcher};

use crate::error::{Error, Result};
use crate::protocol::profile::Profile;
use crate::spec::language::Language;
use crate::spec::suite::Suite;

/// One declared expected failure.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Expectation {
    /// The glob as written.
    pub pattern: String,
    /// Why the failure is expected.
    pub reason: String,
    /// Where it is declared (a manifest or a suite file).
    pub source: String,
}

struct Entry {
    /// `None`: every profile (`*/<language>` in a suite file).
    profile: Option<Profile>,
    language: GlobMatcher,
    case: GlobMatcher,
    expectation: Expectation,
}

/// Every expectation that applies to one suite.
pub struct Expectations {
    entries: Vec<Entry>,
}

impl std::fmt::Debug for Expectations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|e| &e.expectation))
            .finish()
    }
}

impl Entry {
    fn applies_to(&self, profile: Profile) -> bool {
        self.profile.is_none_or(|p| p == profile)
    }
}

/// Whether a `<suite>/<case>` glob starts with a literal suite name other than `suite`.
fn names_other_suite(pattern: &str, suite: &str) -> bool {
    let first = pattern.split('/').next().unwrap_or_default();
    let literal = !first.contains(['*', '?', '[', '{', '\\']);
    literal && first != suite
}

fn matcher(pattern: &str, source: &str) -> Result<GlobMatcher> {
    Glob::new(pattern)
        .map(|g| g.compile_matcher())
        .map_err(|e| Error::Manifest {
            path: source.into(),
            message: format!("glob `{pattern}`: {e}"),
        })
}

impl Expectations {
    /// Collects the expectations of `langs` and of the cases of `suite`.
    pub fn new(langs: &[Language], suite: &Suite) -> Result<Expectations> {
        let mut entries = Vec::new();
        for lang in langs {
            let source = lang
                .dir
                .join(crate::spec::language::MANIFEST)
                .display()
                .to_string();
            for (profile, globs) in &lang.expected_failures {
                for (pattern, reason) in globs {
                    // A language that joins several suites (the probe) declares each suite's
                    // entries under its name: an entry naming another suite is not this
                    // suite's, neither to match nor to report as unused.
                    if names_other_suite(pattern, &suite.name) {
                        continue;
                    }
                    entries.push(Entry {
                        profile: Some(*profile),
                        language: matcher(&lang.name, &source)?,
                        case: matcher(pattern, &source)?,
                        expectation: Expectation {
                            pattern: format!("{profile}: {pattern}"),
                            reason: reason.clone(),
                            source: source.clone(),
                        },
                    });
                }
            }
        }
        let source = suite.path.display().to_string();
        for case in &suite.cases {
            for (pattern, reason) in &case.xfail {
                let bad = |what: String| Error::Manifest {
                    path: suite.path.clone(),
                    message: format!("case `{}`: field `xfail.\"{pattern}\"`: {what}", case.id),
                };
                let (profile, language) = pattern.split_once('/').ok_or_else(|| {
                    bad("expected `<profile>/<language glob>`, e.g. `backend/*`".into())
                })?;
                let profile = match profile {
                    "*" => None,
                    name => Some(
                        name.parse::<Profile>()
                            .map_err(|e| bad(format!("{e}, or `*` for every profile")))?,
                    ),
                };
                entries.push(Entry {
                    profile,
                    language: matcher(language, &source)?,
                    case: matcher(&format!("{}/{}", suite.name, case.id), &source)?,
                    expectation: Expectation {
                        pattern: format!("{}/{}: {pattern}", suite.name, case.id),
                        reason: reason.clone(),
                        source: source.clone(),
                    },
                });
            }
        }
        Ok(Expectations { entries })
    }

    /// The expectation for `language` running `<suite>/<case>` under `profile`, if any.
    pub fn find(&self, profile: Profile, language: &str, case_path: &str) -> Option<&Expectation> {
        self.entries
            .iter()
            .find(|e| {
                e.applies_to(profile) && e.language.is_match(language) && e.case.is_match(case_path)
            })
            .map(|e| &e.expectation)
    }

    /// Expectations for `profile` that match none of the given `(language, case path)` pairs:
    /// stale entries to delete.
    pub fn unused<'a>(
        &'a self,
        profile: Profile,
        ran: &[(String, String)],
    ) -> Vec<&'a Expectation> {
        self.entries
            .iter()
            .filter(|e| e.applies_to(profile))
            .filter(|e| {
                !ran.iter()
                    .any(|(l, c)| e.language.is_match(l) && e.case.is_match(c))
            })
            .map(|e| &e.expectation)
            .collect()
    }
}
