//! Languages: one folder each under `languages/`, described by a `language.toml` manifest.
//!
//! Adding a language is adding a folder — the ellipse program, a `Dockerfile` with `ARG BASE`
//! (and any other base it needs) and the manifest. Nothing in Rust names a language.
//!
//! ```toml
//! name = "python"                      # must equal the folder name
//! suites = ["ellipse"]                 # the suites it joins ([] for an image no suite runs)
//! command = ["python", "calculate-ellipse-area.py", "{{.inputs.a}}", "{{.inputs.b}}", "/var/outputs"]
//! arithmetic = "f64"                   # f64 | f32 | decimal20 | r15
//! metadata = "[from python rawcontainer]"   # exact bytes of the `metadata` file
//!
//! [image.bases.BASE]                   # one table per `ARG` base of the Dockerfile
//! suite = "bookworm"                   # Debian suite for the offline (mmdebstrap) path
//! packages = ["python3-minimal"]
//!
//! [expected-failures.backend]          # per profile: glob over `<suite>/<case>` → reason
//! "ellipse/plus-infinity" = "why this input cannot work in this language"
//!
//! [[limitation]]                       # known limitations: which *inputs* fail, how and why
//! id = "read-signed-infinity"          # (predicates for the property runner, see
//! failure = "exit"                     # `explore::limitations`)
//! when.argument = '^[+-]Inf$'
//! reason = "why these inputs fail this way"
//! ```
//!
//! `arithmetic`, `metadata` and `[[limitation]]` describe an ellipse program
//! ([`EllipseProgram`]): given together or not at all. A suite judged by the ellipse oracle
//! (`judge = "ellipse"`) refuses to run a language without one; a language for another suite
//! (the protocol probe, `languages/probe/`, with `suites = ["protocol"]`) leaves them out and
//! never appears in an ellipse run, so adding it changes no ellipse golden.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::protocol::profile::Profile;

/// The arithmetic a language's program uses, which decides how close its `area` must be to
/// π·a·b computed exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Arithmetic {
    /// IEEE 754 binary64, printed with the shortest round-trip digits.
    F64,
    /// IEEE 754 binary32 (Haskell's `Float`): inputs and product rounded to 24 bits.
    F32,
    /// Decimal with 20 digits after the point (`bc -l`, `scale=20`).
    Decimal20,
    /// Binary64 printed with 15 significant digits (R's `as.character`).
    R15,
}

/// One Debian-built base image a Dockerfile `ARG` points at on the offline path.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseRecipe {
    /// Debian suite, e.g. `bookworm`.
    pub suite: String,
    /// Debian packages installed into the root filesystem.
    #[serde(default)]
    pub packages: Vec<String>,
}

/// How a language's image is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSpec {
    /// The Dockerfile, relative to the language folder.
    pub dockerfile: String,
    /// Offline recipes, keyed by the Dockerfile `ARG` they replace (`BASE`, `BUILD_BASE`).
    pub bases: BTreeMap<String, BaseRecipe>,
    /// The defaults the Dockerfile gives those `ARG`s: the official images used online.
    pub online_defaults: BTreeMap<String, String>,
}

/// A language: its folder, its task command and what its program is expected to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Language {
    /// Identifier, equal to the folder name (`python`).
    pub name: String,
    /// The language folder (the image build context).
    pub dir: PathBuf,
    /// The suites this language joins.
    pub suites: Vec<String>,
    /// The task's command, with `{{.inputs.x}}` templates, as the original example declares it
    /// (a suite's case may replace it).
    pub command: Vec<String>,
    /// The ellipse program the folder holds, if any: what the ellipse judge checks it against.
    pub ellipse: Option<EllipseProgram>,
    /// How the image is built.
    pub image: ImageSpec,
    /// Expected failures: profile → glob over `<suite>/<case>` → reason.
    pub expected_failures: BTreeMap<Profile, BTreeMap<String, String>>,
}

/// What a language's ellipse program is declared to do, for the ellipse judge and the property
/// runner (the manifest's `arithmetic`, `metadata` and `[[limitation]]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EllipseProgram {
    /// The arithmetic model of the program.
    pub arithmetic: Arithmetic,
    /// Exact bytes the program writes to `metadata`.
    pub metadata: String,
    /// Known limitations of the program: predicates over inputs that explain a failure found
    /// by the property runner (`[[limitation]]`).
    pub limitations: Vec<crate::spec::limitation::Limitation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    name: String,
    suites: Vec<String>,
    command: Vec<String>,
    arithmetic: Option<Arithmetic>,
    metadata: Option<String>,
    image: RawImage,
    #[serde(default, rename = "expected-failures")]
    expected_failures: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    limitation: Vec<crate::spec::limitation::RawLimitation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawImage {
    #[serde(default = "default_dockerfile")]
    dockerfile: String,
    bases: BTreeMap<String, BaseRecipe>,
}

fn default_dockerfile() -> String {
    "Dockerfile".to_owned()
}

/// The manifest file name inside a language folder.
pub const MANIFEST: &str = "language.toml";

impl Language {
    /// Loads and validates `dir/language.toml`.
    pub fn load(dir: &Path) -> Result<Language> {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        Language::from_text(dir, &text, &|p| std::fs::read_to_string(p))
    }

    /// Validates manifest `text` as if it were `dir/language.toml`, reading the Dockerfile it
    /// names through `read` instead of the disk. [`Language::load`] is this with the real file
    /// system; the entry exists so the parser can be fuzzed from bytes (`fuzz/`) without a
    /// temp dir per input. The folder name check uses `dir`'s last component.
    pub fn from_text(
        dir: &Path,
        text: &str,
        read: &dyn Fn(&Path) -> std::io::Result<String>,
    ) -> Result<Language> {
        let path = dir.join(MANIFEST);
        let bad = |message: String| Error::Manifest {
            path: path.clone(),
            message,
        };
        let doc = crate::spec::tomlerr::Doc::new(text);
        let raw: RawManifest = toml::from_str(text).map_err(|e| bad(doc.describe(&e, HINTS)))?;

        let folder = dir
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        if raw.name != folder {
            return Err(bad(format!(
                "{}field `name`: expected the folder name `{folder}`, found `{}`",
                doc.at("name"),
                raw.name
            )));
        }
        if raw.command.is_empty() || raw.command[0].is_empty() {
            return Err(bad(format!(
                "{}field `command`: expected a non-empty list whose first element is the program",
                doc.at("command")
            )));
        }
        if let Some(s) = raw.suites.iter().find(|s| !valid_suite_name(s)) {
            return Err(bad(format!(
                "{}field `suites`: `{s}` is not a suite name (a-z, 0-9, `-`)",
                doc.at("suites")
            )));
        }
        let limitations =
            crate::spec::limitation::validate(raw.limitation, &path.display().to_string())
                .map_err(bad)?;
        let ellipse = match (raw.arithmetic, raw.metadata) {
            (Some(arithmetic), Some(metadata)) => Some(EllipseProgram {
                arithmetic,
                metadata,
                limitations,
            }),
            (None, None) if limitations.is_empty() => None,
            (a, m) => {
                let missing = if a.is_none() {
                    "arithmetic"
                } else {
                    "metadata"
                };
                let present = if a.is_some() {
                    "arithmetic"
                } else if m.is_some() {
                    "metadata"
                } else {
                    "limitation"
                };
                return Err(bad(format!(
                    "{}field `{missing}` is missing at the top level; an ellipse program is described by `arithmetic`, `metadata` (and `[[limitation]]`) together",
                    doc.at(present)
                )));
            }
        };
        if raw.image.bases.is_empty() {
            return Err(bad(format!(
                "{}field `image.bases`: expected at least one base (e.g. `[image.bases.BASE]`)",
                doc.at("image.bases")
            )));
        }
        for (arg, base) in &raw.image.bases {
            if base.suite.is_empty() || !base.suite.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(bad(format!(
                    "{}field `image.bases.{arg}.suite`: expected a Debian suite name such as `bookworm`, found `{}`",
                    doc.at(&format!("image.bases.{arg}.suite")),
                    base.suite
                )));
            }
            if let Some(p) = base.packages.iter().find(|p| !valid_package(p)) {
                return Err(bad(format!(
                    "{}field `image.bases.{arg}.packages`: `{p}` is not a Debian package name (lower-case letters, digits, `+`, `-`, `.`)",
                    doc.at(&format!("image.bases.{arg}.packages"))
                )));
            }
        }

        let dockerfile_path = dir.join(&raw.image.dockerfile);
        let dockerfile = read(&dockerfile_path).map_err(|e| Error::Manifest {
            path: path.clone(),
            message: format!(
                "{}field `image.dockerfile`: cannot read `{}`: {e}",
                doc.at("image.dockerfile"),
                dockerfile_path.display()
            ),
        })?;
        let args = dockerfile_args(&dockerfile);
        let mut online_defaults = BTreeMap::new();
        for arg in raw.image.bases.keys() {
            match args.get(arg) {
                Some(Some(default)) => {
                    online_defaults.insert(arg.clone(), default.clone());
                }
                Some(None) => {
                    return Err(bad(format!(
                        "{}field `image.bases.{arg}`: the Dockerfile declares `ARG {arg}` without a default; expected `ARG {arg}=<official image>` for the online path",
                        doc.at(&format!("image.bases.{arg}"))
                    )));
                }
                None => {
                    return Err(bad(format!(
                        "{}field `image.bases.{arg}`: expected the Dockerfile `{}` to declare `ARG {arg}=<image>`",
                        doc.at(&format!("image.bases.{arg}")),
                        dockerfile_path.display()
                    )));
                }
            }
        }

        let mut expected_failures = BTreeMap::new();
        for (key, globs) in raw.expected_failures {
            let profile: Profile = key.parse().map_err(|e| {
                bad(format!(
                    "{}field `expected-failures.{key}`: {e}",
                    doc.at(&format!("expected-failures.{key}"))
                ))
            })?;
            for (glob, reason) in &globs {
                if let Err(e) = globset::Glob::new(glob) {
                    return Err(bad(format!(
                        "{}field `expected-failures.{key}.\"{glob}\"`: expected a glob over `<suite>/<case>`: {e}",
                        doc.at(&format!("expected-failures.{key}.{glob}"))
                    )));
                }
                if reason.trim().is_empty() {
                    return Err(bad(format!(
                        "{}field `expected-failures.{key}.\"{glob}\"`: expected a reason, found an empty string",
                        doc.at(&format!("expected-failures.{key}.{glob}"))
                    )));
                }
            }
            expected_failures.insert(profile, globs);
        }

        Ok(Language {
            name: raw.name,
            dir: dir.to_path_buf(),
            suites: raw.suites,
            command: raw.command,
            ellipse,
            image: ImageSpec {
                dockerfile: raw.image.dockerfile,
                bases: raw.image.bases,
                online_defaults,
            },
            expected_failures,
        })
    }

    /// Loads every language under `root` (each sub-folder with a `language.toml`), sorted by name.
    pub fn discover(root: &Path) -> Result<Vec<Language>> {
        let entries = std::fs::read_dir(root).map_err(|e| Error::io(root, e))?;
        let mut dirs = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(root, e))?;
            let path = entry.path();
            if path.join(MANIFEST).is_file() {
                dirs.push(path);
            }
        }
        dirs.sort();
        dirs.iter().map(|d| Language::load(d)).collect()
    }

    /// The ellipse program, or why the ellipse judge cannot judge this language.
    pub fn ellipse_program(&self) -> Result<&EllipseProgram> {
        self.ellipse.as_ref().ok_or_else(|| Error::Manifest {
            path: self.dir.join(MANIFEST),
            message: "expected `arithmetic` and `metadata` at the top level: a suite judged by the ellipse oracle runs this language, and they describe its program".into(),
        })
    }

    /// The known limitations of its ellipse program (none without a program).
    pub fn limitations(&self) -> &[crate::spec::limitation::Limitation] {
        self.ellipse.as_ref().map_or(&[], |p| &p.limitations)
    }

    /// Whether this language joins `suite`.
    pub fn joins(&self, suite: &str) -> bool {
        self.suites.iter().any(|s| s == suite)
    }

    /// The languages of `all` that join `suite`, picked by name (empty: every one that joins);
    /// naming a language that does not join the suite is a usage error.
    pub fn for_suite(all: Vec<Language>, names: &[String], suite: &str) -> Result<Vec<Language>> {
        let chosen = Language::select(all, names)?;
        if let Some(l) = chosen.iter().find(|l| !names.is_empty() && !l.joins(suite)) {
            return Err(Error::Usage(format!(
                "language `{}` does not join suite `{suite}` (its manifest lists: {})",
                l.name,
                l.suites.join(", ")
            )));
        }
        Ok(chosen.into_iter().filter(|l| l.joins(suite)).collect())
    }

    /// Picks the named languages out of `all`; an empty selection means all of them.
    pub fn select(all: Vec<Language>, names: &[String]) -> Result<Vec<Language>> {
        if names.is_empty() {
            return Ok(all);
        }
        let mut chosen = Vec::new();
        for name in names {
            match all.iter().find(|l| &l.name == name) {
                Some(l) => chosen.push(l.clone()),
                None => {
                    let known: Vec<&str> = all.iter().map(|l| l.name.as_str()).collect();
                    return Err(Error::Usage(format!(
                        "unknown language `{name}`; known: {}",
                        known.join(", ")
                    )));
                }
            }
        }
        Ok(chosen)
    }
}

/// Accepted values named in deserialization errors, by field path (see [`crate::spec::tomlerr`]).
const HINTS: crate::spec::tomlerr::Hints<'static> = &[
    ("arithmetic", "`f64` | `f32` | `decimal20` | `r15`"),
    ("name", "a string, the folder name"),
    (
        "command",
        "a list of strings: the program, then its arguments (`{{.inputs.a}}` templates)",
    ),
    (
        "metadata",
        "a string: the exact bytes of the `metadata` file",
    ),
    (
        "image.bases.*.suite",
        "a Debian suite name such as `bookworm`",
    ),
    (
        "image.bases.*.packages",
        "a list of Debian package names such as `[\"gawk\"]`",
    ),
    (
        "expected-failures",
        "a table per profile (`backend` | `flytekit-local`) of glob = reason",
    ),
    (
        "expected-failures.*",
        "a table of `\"<suite>/<case glob>\" = \"reason\"`",
    ),
    (
        "limitation[*].profiles",
        "a list of `backend` | `flytekit-local`",
    ),
];

fn valid_suite_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn valid_package(p: &str) -> bool {
    p.len() >= 2
        && p.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && p.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c))
}

/// The `ARG name[=default]` declarations of a Dockerfile, by name.
fn dockerfile_args(text: &str) -> BTreeMap<String, Option<String>> {
    let re = regex::Regex::new(r"(?im)^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S+))?\s*$")
        .expect("static regex");
    re.captures_iter(text)
        .map(|c| (c[1].to_owned(), c.get(2).map(|m| m.as_str().to_owned())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfile_args_with_and_without_defaults() {
        let args = dockerfile_args("ARG BASE=python:3.12-slim\nFROM ${BASE}\narg X\n");
        assert_eq!(args["BASE"].as_deref(), Some("python:3.12-slim"));
        assert_eq!(args["X"], None);
    }

    #[test]
    fn package_names() {
        assert!(valid_package("r-base-core"));
        assert!(valid_package("libstdc++6"));
        assert!(!valid_package("Bc"));
        assert!(!valid_package("bc; rm -rf /"));
    }
}
