//! A runtime vendor's own known departures: `rawconf run --expectations FILE`.
//!
//! rawconf's expected failures ([`crate::spec::expect`]) describe the *images*; a vendor running
//! their runtime through rawconf needs to declare where *their runtime* departs, in their own
//! repository, without editing rawconf's data. Each entry names trial ids by glob, the outcome
//! it expects (`fail`, optionally with the error code, or `unavailable`) and why. A result the
//! entry covers becomes an `xfail` marked as the vendor's ([`crate::report::Declared`]); a
//! listed case that passes is an `xpass` and fails the run, and so does an entry that matches
//! no trial of a complete selection — the file never goes stale silently. The file is checked
//! before anything runs: a missing reason, an unknown key, a bad glob or outcome is a usage
//! error with its line and column. Format: `docs/expectations.md`.

mod apply;

use std::path::{Path, PathBuf};

use globset::{Glob, GlobMatcher};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::spec::tomlerr::{Doc, Hints};

pub use apply::apply;

/// The outcome an entry expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expected {
    /// The case fails (its record differs from the golden, a problem was found).
    Fail,
    /// The runtime does not run the case (it answered 33).
    Unavailable,
}

impl Expected {
    /// The name used in the file and the reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Expected::Fail => "fail",
            Expected::Unavailable => "unavailable",
        }
    }
}

/// One entry of an expectations file.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Its line in the file (1-based), for messages that name it.
    pub line: usize,
    /// The glob over trial ids `<language>/<suite>/<case>`, as written.
    pub case: String,
    matcher: GlobMatcher,
    /// The outcome it expects.
    pub outcome: Expected,
    /// The error code the result must carry (`fail` only).
    pub code: Option<String>,
    /// The profiles it applies to; empty: every profile.
    pub profiles: Vec<String>,
    /// Why.
    pub reason: String,
}

impl Entry {
    /// Whether the entry applies to a run judged against `profile`.
    pub fn applies_to(&self, profile: &str) -> bool {
        self.profiles.is_empty() || self.profiles.iter().any(|p| p == profile)
    }

    /// Whether its glob matches a trial id.
    pub fn matches(&self, id: &str) -> bool {
        self.matcher.is_match(id)
    }
}

/// A parsed and checked expectations file.
#[derive(Debug, Clone)]
pub struct VendorExpectations {
    /// The path as given.
    pub path: PathBuf,
    /// SHA-256 of its bytes, lowercase hex.
    pub sha256: String,
    /// The entries, in file order (the first that matches a trial covers it).
    pub entries: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    expect: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    case: String,
    outcome: Expected,
    reason: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    profile: Option<Profiles>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Profiles {
    One(String),
    Many(Vec<String>),
}

const HINTS: Hints<'static> = &[
    ("", "`[[expect]]` tables"),
    (
        "expect[*]",
        "the keys `case`, `outcome`, `reason`, `code`, `profile`",
    ),
    (
        "expect[*].profile",
        "`backend`, `flytekit-local` or a list of them",
    ),
];

impl VendorExpectations {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<VendorExpectations> {
        let bytes = std::fs::read(path).map_err(|e| Error::Expectations {
            path: path.into(),
            message: format!("cannot read it: {e}"),
        })?;
        let text = String::from_utf8(bytes.clone()).map_err(|e| Error::Expectations {
            path: path.into(),
            message: format!("not UTF-8 text: {e}"),
        })?;
        let mut parsed = VendorExpectations::parse(path, &text)?;
        parsed.sha256 = format!("{:x}", Sha256::digest(&bytes));
        Ok(parsed)
    }

    /// Parses and checks `text`, naming `path` in errors (the digest is left empty).
    pub fn parse(path: &Path, text: &str) -> Result<VendorExpectations> {
        let doc = Doc::new(text);
        let bad = |message: String| Error::Expectations {
            path: path.into(),
            message,
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            // The first `[[expect]]` header's span is the key `expect` itself, so an error
            // there is located as `expect`: it is entry 0.
            bad(doc
                .describe(&e, HINTS)
                .replacen("field `expect.", "field `expect[0].", 1)
                .replacen("in `expect` (", "in `expect[0]` (", 1))
        })?;
        let mut entries = Vec::new();
        for (i, e) in raw.expect.into_iter().enumerate() {
            let at = |field: &str| {
                let key = format!("expect[{i}].{field}");
                format!("{}field `{key}`", doc.at(&key))
            };
            if e.reason.trim().is_empty() {
                return Err(bad(format!(
                    "{}: is empty; say why the case departs (a link to your issue helps)",
                    at("reason")
                )));
            }
            let matcher = Glob::new(&e.case)
                .map(|g| g.compile_matcher())
                .map_err(|err| {
                    bad(format!(
                        "{}: `{}` is not a glob over trial ids `<language>/<suite>/<case>`: {err}",
                        at("case"),
                        e.case
                    ))
                })?;
            if e.code.is_some() && e.outcome != Expected::Fail {
                return Err(bad(format!(
                    "{}: an error code applies to `outcome = \"fail\"` only",
                    at("code")
                )));
            }
            if e.code.as_deref().is_some_and(|c| c.trim().is_empty()) {
                return Err(bad(format!("{}: is empty", at("code"))));
            }
            let profiles = match e.profile {
                None => Vec::new(),
                Some(Profiles::One(p)) => vec![p],
                Some(Profiles::Many(ps)) => ps,
            };
            for p in &profiles {
                p.parse::<crate::protocol::profile::Profile>()
                    .map_err(|err| bad(format!("{}: {err}", at("profile"))))?;
            }
            entries.push(Entry {
                line: doc.line_at(&format!("expect[{i}].case")).unwrap_or(0),
                case: e.case,
                matcher,
                outcome: e.outcome,
                code: e.code,
                profiles,
                reason: e.reason,
            });
        }
        Ok(VendorExpectations {
            path: path.into(),
            sha256: String::new(),
            entries,
        })
    }

    /// How an entry is named in messages: `FILE line L: \`glob\``.
    pub fn name(&self, entry: &Entry) -> String {
        format!(
            "{} line {}: `{}`",
            self.path.display(),
            entry.line,
            entry.case
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> String {
        VendorExpectations::parse(Path::new("x.toml"), text)
            .expect_err("refused")
            .to_string()
    }

    #[test]
    fn a_good_file_parses_with_lines() {
        let text = "# mine\n[[expect]]\ncase = \"probe/protocol/outputs/*\"\noutcome = \"fail\"\ncode = \"OutputUploadFailed\"\nreason = \"r\"\n\n[[expect]]\ncase = \"*/ellipse/nan\"\noutcome = \"unavailable\"\nprofile = \"backend\"\nreason = \"no NaN\"\n";
        let f = VendorExpectations::parse(Path::new("x.toml"), text).unwrap();
        assert_eq!(f.entries.len(), 2);
        assert_eq!(f.entries[0].line, 3);
        assert_eq!(f.entries[1].line, 9);
        assert!(f.entries[0].matches("probe/protocol/outputs/keep-cr"));
        assert!(f.entries[1].applies_to("backend"));
        assert!(!f.entries[1].applies_to("flytekit-local"));
        assert_eq!(f.name(&f.entries[1]), "x.toml line 9: `*/ellipse/nan`");
    }

    #[test]
    fn bad_files_are_refused_with_line_and_column() {
        let e = refused(
            "[[expect]]\ncase = \"a/b/c\"\noutcome = \"fail\"\nreason = \"r\"\n\n[[expect]]\ncase = \"a/b/d\"\noutcome = \"fail\"\n",
        );
        assert!(
            e.contains("expect[1].reason") && e.contains("missing"),
            "{e}"
        );
        assert!(e.contains("line 6, column 1"), "{e}");
        let e = refused("[[expect]]\ncase = \"a/b/c\"\noutcome = \"fail\"\nreason = \" \"\n");
        assert!(
            e.contains("line 4, column 1") && e.contains("is empty"),
            "{e}"
        );
        let e = refused(
            "[[expect]]\ncase = \"a/b/c\"\noutcome = \"fail\"\nreason = \"r\"\nbogus = 1\n",
        );
        assert!(e.contains("line 5") && e.contains("bogus"), "{e}");
        let e = refused("[[expect]]\ncase = \"a/{b\"\noutcome = \"fail\"\nreason = \"r\"\n");
        assert!(
            e.contains("line 2, column 1") && e.contains("not a glob"),
            "{e}"
        );
        let e = refused("[[expect]]\ncase = \"a/b/c\"\noutcome = \"xfail\"\nreason = \"r\"\n");
        assert!(e.contains("line 3") && e.contains("xfail"), "{e}");
        let e = refused(
            "[[expect]]\ncase = \"a/b/c\"\noutcome = \"fail\"\nprofile = \"cloud\"\nreason = \"r\"\n",
        );
        assert!(e.contains("line 4") && e.contains("cloud"), "{e}");
        let e = refused(
            "[[expect]]\ncase = \"a\"\noutcome = \"unavailable\"\ncode = \"X\"\nreason = \"r\"\n",
        );
        assert!(e.contains("line 4") && e.contains("fail"), "{e}");
        assert!(e.starts_with("expectations file x.toml: "), "{e}");
    }
}
