//! The one place rawconf reads environment variables, so every knob is documented here.
//!
//! | variable | effect |
//! |---|---|
//! | `RAWCONF_CACHE_DIR` | where rootfs tarballs and lock files live (default: `$XDG_CACHE_HOME/rawconf`, else `~/.cache/rawconf`) |
//! | `RAWCONF_DEBIAN_MIRROR` | a Debian mirror URL for `mmdebstrap` (default: none, so mmdebstrap uses Debian's default) |
//! | `RAWCONF_SKIP_DOCKER` | `1` turns Docker-dependent tests into reported skips instead of failures |
//! | `RAWCONF_SUITES_DIR` | the folder holding `<suite>.toml` case files (default: `./tests/suites`, else the source tree's) |
//! | `RAWCONF_GOLDEN_DIR` | the golden snapshot folder (default: `./golden`, else the source tree's) |
//! | `DOCKER_HOST` | the Docker engine (read by bollard; default: the local Unix socket) |
//! | `RAWCONF_LANGUAGES_DIR` | the folder holding `languages/<lang>/` (default: `./languages`, else the source tree's) |

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

/// The folder that holds one sub-folder per language.
pub fn languages_dir() -> PathBuf {
    if let Some(dir) = non_empty("RAWCONF_LANGUAGES_DIR") {
        return PathBuf::from(dir);
    }
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
    if let Some(dir) = non_empty("RAWCONF_SUITES_DIR") {
        return PathBuf::from(dir);
    }
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
    if let Some(dir) = non_empty("RAWCONF_GOLDEN_DIR") {
        return PathBuf::from(dir);
    }
    let here = PathBuf::from("golden");
    if PathBuf::from("languages").is_dir() && here.is_dir() {
        return here;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("golden")
}

fn non_empty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}
