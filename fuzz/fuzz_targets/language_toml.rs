//! Fuzz target: the language manifest parser (`Language::from_text`, i.e. `language.toml`
//! with its `[expected-failures.*]` and `[[limitation]]` entries) from arbitrary text.
//!
//! The folder is named after the manifest's own `name` when it has a usable one, so inputs get
//! past the folder-name check into the later validation; the Dockerfile is a fixed text that
//! declares the usual `ARG BASE` / `ARG BUILD_BASE` (`missing` as `image.dockerfile` reads as
//! an I/O error). Invariants: no panic; an error names the manifest path.
#![no_main]

use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use rawconf::Language;

const DOCKERFILE: &str =
    "ARG BUILD_BASE=haskell:9\nARG BASE=debian:bookworm-slim\nFROM ${BASE}\nARG NODEFAULT\n";

fn folder(text: &str) -> PathBuf {
    let name = toml::from_str::<toml::Table>(text)
        .ok()
        .and_then(|t| t.get("name").and_then(|n| n.as_str().map(str::to_owned)))
        .filter(|n| !n.is_empty() && n != "." && n != ".." && !n.contains('/') && !n.contains('\0'))
        .unwrap_or_else(|| "fuzz".to_owned());
    Path::new("/nonexistent/languages").join(name)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let dir = folder(text);
    let read = |p: &Path| {
        if p.ends_with("missing") {
            Err(std::io::Error::from(std::io::ErrorKind::NotFound))
        } else {
            Ok(DOCKERFILE.to_owned())
        }
    };
    match Language::from_text(&dir, text, &read) {
        Ok(lang) => {
            let _ = lang.joins("ellipse");
        }
        Err(e) => {
            assert!(
                e.to_string().contains("language.toml"),
                "error names the file: {e}"
            );
        }
    }
});
