//! Persisted regressions: inputs every property run replays *before* its generated cases.
//!
//! proptest's own `proptest-regressions` files store RNG seeds, which replay the same input only
//! while the strategy stays exactly the same. rawconf stores the inputs themselves, in Go's
//! `ParseFloat` syntax (what `rawconf exec --input` takes), in
//! `tests/properties/<suite>.regressions.toml`:
//!
//! ```toml
//! [[case]]
//! language = "shell"            # optional: only this language (default: every language)
//! profile = "backend"           # optional (default: backend)
//! a = "1e-05"
//! b = "0"
//! expect = ["exponent-form"]    # optional: the limitation ids this case must show;
//!                               # [] = it must pass; absent = it must not be a new finding
//! note = "why this case is here"
//! ```
//!
//! A new finding is appended automatically (without `expect`, so it is re-run forever and fails
//! until it is fixed or declared as a limitation). Entries with `expect` pin a known limitation
//! to its smallest input: if the limitation stops showing there, the run fails, so the list and
//! the table in docs/findings.md never go stale.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::protocol::goformat::{format_v, parse_float};
use crate::protocol::profile::Profile;

/// One replayed case.
#[derive(Debug, Clone, PartialEq)]
pub struct Regression {
    /// Input `a`.
    pub a: f64,
    /// Input `b`.
    pub b: f64,
    /// The only language it runs on (`None`: every language).
    pub language: Option<String>,
    /// The profile it applies to.
    pub profile: Profile,
    /// The limitation ids it must show (`Some([])`: it must pass).
    pub expect: Option<Vec<String>>,
    /// Why it is here.
    pub note: String,
    /// Its position in the file (`case[i]`), for messages.
    pub index: usize,
}

/// A regressions file.
#[derive(Debug, Clone, Default)]
pub struct Regressions {
    /// The file.
    pub path: PathBuf,
    /// Its entries, in file order.
    pub cases: Vec<Regression>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    case: Vec<RawCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    a: String,
    b: String,
    language: Option<String>,
    profile: Option<String>,
    expect: Option<Vec<String>>,
    #[serde(default)]
    note: String,
}

const HEADER: &str = "\
# Inputs the property runs replay before their generated cases, forever (see
# harness/src/explore/regressions.rs). a, b: Go ParseFloat syntax, as `rawconf exec --input`.
# language: only that language (default: all); expect: the limitation ids the case must show
# ([] = must pass; absent = must not be a new finding). New findings are appended here.
";

impl Regressions {
    /// The regressions file of a suite: `<dir>/<suite>.regressions.toml`.
    pub fn path_for(dir: &Path, suite: &str) -> PathBuf {
        dir.join(format!("{suite}.regressions.toml"))
    }

    /// Loads a regressions file; a missing file is an empty list.
    pub fn load(path: &Path) -> Result<Regressions> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Regressions {
                    path: path.to_path_buf(),
                    cases: Vec::new(),
                });
            }
            Err(e) => return Err(Error::io(path, e)),
        };
        let bad = |message: String| Error::Manifest {
            path: path.to_path_buf(),
            message,
        };
        let raw: RawFile = toml::from_str(&text).map_err(|e| bad(e.message().to_owned()))?;
        let mut cases = Vec::new();
        for (index, c) in raw.case.into_iter().enumerate() {
            let value = |name: &str, text: &str| {
                parse_float(text).map_err(|e| {
                    bad(format!(
                        "field `case[{index}].{name}`: expected a float in Go's ParseFloat syntax (e.g. `1e-05`, `+Inf`), found `{text}`: {e}"
                    ))
                })
            };
            let profile = match &c.profile {
                None => Profile::Backend,
                Some(p) => p
                    .parse()
                    .map_err(|e| bad(format!("field `case[{index}].profile`: {e}")))?,
            };
            cases.push(Regression {
                a: value("a", &c.a)?,
                b: value("b", &c.b)?,
                language: c.language,
                profile,
                expect: c.expect,
                note: c.note,
                index,
            });
        }
        Ok(Regressions {
            path: path.to_path_buf(),
            cases,
        })
    }

    /// The entries that apply to `language` under `profile`.
    pub fn for_language<'a>(
        &'a self,
        language: &'a str,
        profile: Profile,
    ) -> impl Iterator<Item = &'a Regression> + 'a {
        self.cases.iter().filter(move |c| {
            c.profile == profile && c.language.as_deref().is_none_or(|l| l == language)
        })
    }

    /// Appends entries that are not in the file yet (same language, profile and input bits);
    /// returns how many were written. The file is created with a header if missing.
    pub fn append(path: &Path, new: &[Regression]) -> Result<usize> {
        let existing = Regressions::load(path)?;
        let mut text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(_) => HEADER.to_owned(),
        };
        let mut written: Vec<&Regression> = Vec::new();
        for r in new {
            let same = |o: &&Regression| {
                o.language == r.language
                    && o.profile == r.profile
                    && o.a.to_bits() == r.a.to_bits()
                    && o.b.to_bits() == r.b.to_bits()
            };
            if existing.cases.iter().any(|o| same(&o)) || written.iter().any(same) {
                continue;
            }
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(&entry_text(r));
            written.push(r);
        }
        if !written.is_empty() {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            std::fs::write(path, text).map_err(|e| Error::io(path, e))?;
        }
        Ok(written.len())
    }
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// One entry as TOML text.
pub fn entry_text(r: &Regression) -> String {
    let mut t = String::from("\n[[case]]\n");
    if let Some(l) = &r.language {
        t.push_str(&format!("language = {}\n", quote(l)));
    }
    if r.profile != Profile::Backend {
        t.push_str(&format!("profile = {}\n", quote(r.profile.as_str())));
    }
    t.push_str(&format!("a = {}\n", quote(&format_v(r.a))));
    t.push_str(&format!("b = {}\n", quote(&format_v(r.b))));
    if let Some(e) = &r.expect {
        let ids: Vec<String> = e.iter().map(|i| quote(i)).collect();
        t.push_str(&format!("expect = [{}]\n", ids.join(", ")));
    }
    if !r.note.is_empty() {
        t.push_str(&format!("note = {}\n", quote(&r.note)));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_dedupe() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.regressions.toml");
        assert!(Regressions::load(&path).unwrap().cases.is_empty());
        let r = Regression {
            a: f64::INFINITY,
            b: -0.0,
            language: Some("haskell".into()),
            profile: Profile::Backend,
            expect: Some(vec!["read-signed-infinity".into()]),
            note: "a \"quoted\" note".into(),
            index: 0,
        };
        let subnormal = Regression {
            a: 5e-324,
            b: 1e21,
            language: None,
            expect: None,
            note: String::new(),
            ..r.clone()
        };
        assert_eq!(
            Regressions::append(&path, &[r.clone(), subnormal.clone(), r.clone()]).unwrap(),
            2
        );
        assert_eq!(
            Regressions::append(&path, std::slice::from_ref(&r)).unwrap(),
            0
        );
        let back = Regressions::load(&path).unwrap();
        assert_eq!(back.cases.len(), 2);
        assert_eq!(back.cases[0].a, f64::INFINITY);
        assert!(back.cases[0].b == 0.0 && back.cases[0].b.is_sign_negative());
        assert_eq!(back.cases[0].note, r.note);
        assert_eq!(back.cases[1].a, 5e-324);
        assert_eq!(back.cases[1].language, None);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# Inputs the property runs replay"),
            "{text}"
        );
        assert!(text.contains("a = \"+Inf\"\nb = \"-0\""), "{text}");
        assert_eq!(back.for_language("python", Profile::Backend).count(), 1);
        assert_eq!(back.for_language("haskell", Profile::Backend).count(), 2);
        assert_eq!(
            back.for_language("haskell", Profile::FlytekitLocal).count(),
            0
        );
    }

    #[test]
    fn bad_entries_name_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.regressions.toml");
        for (text, want) in [
            (
                "[[case]]\na = \"1,5\"\nb = \"1\"\n",
                "field `case[0].a`: expected a float in Go's ParseFloat syntax",
            ),
            (
                "[[case]]\na = \"1\"\nb = \"1\"\nprofile = \"k8s\"\n",
                "field `case[0].profile`: unknown profile `k8s`",
            ),
            (
                "[[case]]\na = \"1\"\nb = \"1\"\nc = 1\n",
                "unknown field `c`",
            ),
        ] {
            std::fs::write(&path, text).unwrap();
            let err = Regressions::load(&path).unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
            assert!(err.contains("x.regressions.toml"), "{err}");
        }
    }
}
