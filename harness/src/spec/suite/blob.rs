//! A suite's blob values: a file (`BLOB`) or a directory (`MULTIPART_BLOB`) given inline or as
//! a fixture under `tests/fixtures/blobs/`, named by a host-independent URI (see
//! [`crate::protocol::blobs`]).
//!
//! ```toml
//! f = { fixture = "hello.txt" }                    # tests/fixtures/blobs/hello.txt
//! f = { text = "two\nlines" }                      # inline UTF-8 bytes
//! f = { base64 = "AAH/" }                          # inline bytes of any kind
//! d = { fixture = "tree" }                         # a fixture directory, nested paths kept
//! d = { files = { "a.txt" = "x", "sub/b.txt" = "y" } }   # an inline tree
//! ```

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use base64::Engine;

use crate::protocol::blobs::{BlobSource, Blobs, FIXTURE_BUCKET};
use crate::protocol::literal::{Blob, BlobType, Dimensionality, Literal, Scalar};

/// What converting a case's values needs besides the types: where fixtures live, and the table
/// that collects every blob the case refers to.
pub(crate) struct BlobContext<'a> {
    /// `tests/fixtures/blobs` beside the suite's folder.
    pub(crate) fixtures: &'a Path,
    /// Filled with each blob's URI and source.
    pub(crate) blobs: &'a mut Blobs,
}

/// The fixtures folder of a suite file: `<suite dir>/../fixtures/blobs`.
pub(crate) fn fixtures_dir(suite_path: &Path) -> PathBuf {
    suite_path
        .parent()
        .unwrap_or(Path::new("."))
        .join("..")
        .join("fixtures")
        .join("blobs")
}

/// The blob literal of `v` (a table with exactly one of the keys above), or why not.
pub(crate) fn convert_blob(
    t: &BlobType,
    v: &toml::Value,
    ctx: &mut BlobContext<'_>,
) -> Result<Literal, String> {
    let dir = t.dimensionality == Dimensionality::Multipart;
    let keys = if dir {
        "`fixture` (a directory under tests/fixtures/blobs) or `files` (a table of relative path → text)"
    } else {
        "`fixture` (a file under tests/fixtures/blobs), `text` or `base64`"
    };
    let table = match v {
        toml::Value::Table(t) if t.len() == 1 => t,
        _ => return Err(format!("expected a table with exactly one key, {keys}")),
    };
    let (key, value) = table.iter().next().expect("one entry");
    let text = |what: &str| {
        value
            .as_str()
            .ok_or_else(|| format!("`{key}` must be {what}, found `{value}`"))
    };
    let (uri, source) = match (key.as_str(), dir) {
        ("fixture", _) => {
            let rel = text("a relative path string")?;
            let path = fixture_path(ctx.fixtures, rel, dir)?;
            (format!("{FIXTURE_BUCKET}{rel}"), BlobSource::Fixture(path))
        }
        ("text", false) => inline(BlobSource::Bytes(text("a string")?.as_bytes().to_vec())),
        ("base64", false) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text("a base64 string")?)
                .map_err(|e| format!("`base64` is not valid base64: {e}"))?;
            inline(BlobSource::Bytes(bytes))
        }
        ("files", true) => {
            let files = value.as_table().ok_or_else(|| {
                format!("`files` must be a table of relative path → text, found `{value}`")
            })?;
            let mut tree = BTreeMap::new();
            for (rel, content) in files {
                relative(rel)?;
                let content = content.as_str().ok_or_else(|| {
                    format!("`files.\"{rel}\"` must be the file's text, found `{content}`")
                })?;
                tree.insert(rel.clone(), content.as_bytes().to_vec());
            }
            if tree.is_empty() {
                return Err("`files` is empty: copilot fails on an empty prefix, and rawconf cannot name an empty directory in a suite".into());
            }
            inline(BlobSource::Tree(tree))
        }
        _ => return Err(format!("unknown key `{key}`: expected {keys}")),
    };
    ctx.blobs.0.insert(uri.clone(), source);
    Ok(Literal::Scalar(Scalar::Blob(Blob {
        uri,
        blob_type: t.clone(),
    })))
}

fn inline(source: BlobSource) -> (String, BlobSource) {
    (
        format!("{FIXTURE_BUCKET}inline/{}", source.digest()),
        source,
    )
}

/// A `/`-separated path of plain components (no `..`, no leading `/`, nothing empty).
fn relative(rel: &str) -> Result<(), String> {
    let plain = !rel.is_empty()
        && rel
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && !c.contains('\\'));
    if plain {
        Ok(())
    } else {
        Err(format!(
            "`{rel}` is not a relative path of plain `/`-separated names (no `..`, `.` or empty parts)"
        ))
    }
}

fn fixture_path(fixtures: &Path, rel: &str, dir: bool) -> Result<PathBuf, String> {
    relative(rel)?;
    let path = fixtures.join(rel);
    debug_assert!(
        path.components()
            .all(|c| !matches!(c, Component::Prefix(_)))
    );
    let ok = if dir { path.is_dir() } else { path.is_file() };
    if ok {
        // Absolute and without `..`, so an adapter started elsewhere finds it too.
        Ok(std::fs::canonicalize(&path).unwrap_or(path))
    } else {
        Err(format!(
            "`fixture = \"{rel}\"`: no {} at {}",
            if dir { "directory" } else { "file" },
            path.display()
        ))
    }
}
