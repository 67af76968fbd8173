//! The one place rawconf reads environment variables, so every knob is documented here.
//!
//! | variable | effect |
//! |---|---|
//! | `RAWCONF_CACHE_DIR` | where rootfs tarballs and lock files live (default: `$XDG_CACHE_HOME/rawconf`, else `~/.cache/rawconf`) |
//! | `RAWCONF_DEBIAN_MIRROR` | a Debian mirror URL for `mmdebstrap` (default: none, so mmdebstrap uses Debian's default) |
//! | `RAWCONF_SKIP_DOCKER` | `1` turns Docker-dependent tests into reported skips instead of failures |
//! | `RAWCONF_SKIP_PODMAN` | `1` skips (and says so) the test that runs the suites on Podman's Docker-compatible API |
//! | `RAWCONF_SKIP_BROWSER` | `1` skips (and says so) the test that renders `report.html` in headless Chromium |
//! | `RAWCONF_SUITES_DIR` | the folder holding `<suite>.toml` case files (default: `./tests/suites`, else the source tree's) |
//! | `RAWCONF_GOLDEN_DIR` | the golden snapshot folder (default: `./golden`, else the source tree's) |
//! | `DOCKER_HOST` | the Docker engine (read by bollard; default: the local Unix socket) |
//! | `RAWCONF_LANGUAGES_DIR` | the folder holding `languages/<lang>/` (default: `./languages`, else the source tree's) |
//! | `RAWCONF_PROPTEST_CASES` | generated property cases per language (`cargo test`: default 8; `rawconf explore`: default 64; nightly: 256) |
//! | `RAWCONF_PROPTEST_SEED` | the seed of the property cases (default: a fresh random seed, printed so the run can be repeated) |
//! | `RAWCONF_REGRESSIONS_DIR` | the folder holding `<suite>.regressions.toml`, inputs replayed before every property run (default: `./tests/properties`, else the source tree's) |
//! | `FLYTEKIT_VENV` | the flytekit adapter's virtualenv (default: `target/flytekit-venv`; read by `adapters/flytekit/run.sh`, and by `rawconf bench` to skip flytekit when it is absent) |
//! | `CI` | set (and not `0`/`false`): the property test does not write new findings into the regressions file |

use std::path::PathBuf;

/// Directory for caches that survive between runs (rootfs tarballs, locks).
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = non_empty("RAWCONF_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = non_empty("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("rawconf");
    }
    if let Some(home) = non_empty("HOME") {
        return PathBuf::from(home).join(".cache").join("rawconf");
    }
    std::env::temp_dir().join("rawconf-cache")
}

/// The Debian mirror override for `mmdebstrap`, if the user set one.
pub fn debian_mirror() -> Option<String> {
    non_empty("RAWCONF_DEBIAN_MIRROR")
}

/// Whether the user opted out of Docker-dependent tests (`RAWCONF_SKIP_DOCKER=1`).
///
/// Any value other than empty, `0` or `false` counts as opting out, so a typo never silently
/// turns tests into failures or passes.
pub fn skip_docker() -> bool {
    match non_empty("RAWCONF_SKIP_DOCKER") {
        None => false,
        Some(v) => !matches!(v.as_str(), "0" | "false"),
    }
}

/// Whether the user opted out of the tests that run the suites on Podman
/// (`RAWCONF_SKIP_PODMAN=1`); without it, a missing `podman` fails them.
pub fn skip_podman() -> bool {
    non_empty("RAWCONF_SKIP_PODMAN").is_some_and(|v| !matches!(v.as_str(), "0" | "false"))
}

/// Whether the user opted out of the headless-browser test of `report.html`
/// (`RAWCONF_SKIP_BROWSER=1`); without it, a missing `chromium` fails that test.
pub fn skip_browser() -> bool {
    non_empty("RAWCONF_SKIP_BROWSER").is_some_and(|v| !matches!(v.as_str(), "0" | "false"))
}

/// The folder that holds one sub-folder per language.
pub fn languages_dir() -> PathBuf {
    non_empty("RAWCONF_LANGUAGES_DIR").map_or_else(default_languages_dir, PathBuf::from)
}

/// [`languages_dir`] when nobody chose one: `./languages`, else the source tree's.
pub fn default_languages_dir() -> PathBuf {
    let here = PathBuf::from("languages");
    if here.join("python").join("language.toml").is_file() {
        return here;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("languages")
}

/// Where the Docker engine is expected, for messages (bollard reads `DOCKER_HOST` itself).
pub fn docker_host() -> String {
    non_empty("DOCKER_HOST").unwrap_or_else(|| "unix:///var/run/docker.sock".to_owned())
}

/// The folder holding `<suite>.toml` files.
pub fn suites_dir() -> PathBuf {
    non_empty("RAWCONF_SUITES_DIR").map_or_else(default_suites_dir, PathBuf::from)
}

/// [`suites_dir`] when nobody chose one: `./tests/suites`, else the source tree's.
pub fn default_suites_dir() -> PathBuf {
    let here = PathBuf::from("tests").join("suites");
    if here.join("ellipse.toml").is_file() {
        return here;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("suites")
}

/// The folder holding golden snapshots, `<profile>/<suite>/<case>@<lang>.snap`.
pub fn golden_dir() -> PathBuf {
    non_empty("RAWCONF_GOLDEN_DIR").map_or_else(default_golden_dir, PathBuf::from)
}

/// [`golden_dir`] when nobody chose one: `./golden`, else the source tree's.
pub fn default_golden_dir() -> PathBuf {
    let here = PathBuf::from("golden");
    if PathBuf::from("languages").is_dir() && here.is_dir() {
        return here;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("golden")
}

/// The number of generated property cases per language, if the user set one.
///
/// `Err` names the variable and what was expected, so a typo never silently runs the default.
pub fn proptest_cases() -> Result<Option<u32>, String> {
    parse_var(
        "RAWCONF_PROPTEST_CASES",
        "a whole number of cases, e.g. 256",
    )
}

/// The number of literal cases of `properties/literals/reference`, if the user set one
/// (`RAWCONF_PROPTEST_LITERALS`); `Err` names the variable and what was expected.
pub fn proptest_literals() -> Result<Option<u32>, String> {
    parse_var(
        "RAWCONF_PROPTEST_LITERALS",
        "a whole number of literal cases, e.g. 200",
    )
}

/// The seed of the property cases, if the user fixed one (to repeat a printed run).
pub fn proptest_seed() -> Result<Option<u64>, String> {
    parse_var(
        "RAWCONF_PROPTEST_SEED",
        "an unsigned 64-bit seed, as printed by an earlier run",
    )
}

/// The folder holding `<suite>.regressions.toml` files: inputs every property run replays first.
pub fn regressions_dir() -> PathBuf {
    if let Some(dir) = non_empty("RAWCONF_REGRESSIONS_DIR") {
        return PathBuf::from(dir);
    }
    let here = PathBuf::from("tests").join("properties");
    if here.is_dir() {
        return here;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("properties")
}

/// Whether this is a CI run (`CI` set to anything but empty, `0` or `false`): tests then do not
/// write into the source tree (new findings are reported, not persisted).
pub fn ci() -> bool {
    non_empty("CI").is_some_and(|v| !matches!(v.as_str(), "0" | "false"))
}

/// The flytekit adapter's virtualenv, as `adapters/flytekit/run.sh` finds it: `$FLYTEKIT_VENV`,
/// else `<repo>/target/flytekit-venv`.
pub fn flytekit_venv(repo: &std::path::Path) -> PathBuf {
    non_empty("FLYTEKIT_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("target").join("flytekit-venv"))
}

fn parse_var<T: std::str::FromStr>(name: &str, expected: &str) -> Result<Option<T>, String> {
    match non_empty(name) {
        None => Ok(None),
        Some(v) => v.trim().parse().map(Some).map_err(|_| {
            format!("environment variable `{name}`: expected {expected}, found `{v}`")
        }),
    }
}

fn non_empty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}
