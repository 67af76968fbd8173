//! Fuzz target: output collection (`rawconf::outputs::collect_outputs`, both profiles) and the
//! capped record listing (`rawconf::record::snapshot_dir`) over an output directory the fuzzer
//! fills — regular files with arbitrary bytes, directories, symlinks (also out of the dir),
//! FIFOs and sockets under declared, near-declared and arbitrary names.
//!
//! Invariants: no panic and no hang (a FIFO must never block the collector: libFuzzer's
//! `-timeout` turns a block into a crash), a result for every interface, and collecting twice
//! gives the same result.
#![no_main]

use std::path::{Component, Path};

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use rawconf::literal::{
    BlobType, Dimensionality, LiteralType, SimpleType, TypedInterface, Variable,
};
use rawconf::outputs::{CollectRequest, collect_outputs};
use rawconf::profile::Profile;

/// Names an output directory really holds: the declared outputs, their `name.ext` fallbacks,
/// `_ERROR`, and something else.
const NAMES: [&str; 14] = [
    "area",
    "metadata",
    "_ERROR",
    "n",
    "flag",
    "when",
    "dur",
    "blob",
    "parts",
    "area.txt",
    "n.int",
    "_ERROR.txt",
    "parts/a",
    "other",
];

/// The declarable outputs: name and type.
fn declared(i: u8) -> (&'static str, LiteralType) {
    let blob = |d| {
        LiteralType::Blob(BlobType {
            format: String::new(),
            dimensionality: d,
        })
    };
    match i % 10 {
        0 => ("area", LiteralType::Simple(SimpleType::Float)),
        1 => ("metadata", LiteralType::Simple(SimpleType::String)),
        2 => ("n", LiteralType::Simple(SimpleType::Integer)),
        3 => ("flag", LiteralType::Simple(SimpleType::Boolean)),
        4 => ("when", LiteralType::Simple(SimpleType::Datetime)),
        5 => ("dur", LiteralType::Simple(SimpleType::Duration)),
        6 => ("blob", blob(Dimensionality::Single)),
        7 => ("parts", blob(Dimensionality::Multipart)),
        8 => ("other", LiteralType::Simple(SimpleType::None)),
        _ => (
            "area",
            LiteralType::Collection(Box::new(LiteralType::Simple(SimpleType::Float))),
        ),
    }
}

#[derive(Arbitrary, Debug)]
enum Kind {
    File(Vec<u8>),
    Dir,
    Symlink(String),
    Fifo,
    Socket,
}

#[derive(Arbitrary, Debug)]
enum Name {
    Known(u8),
    Any(String),
}

#[derive(Arbitrary, Debug)]
struct Entry {
    name: Name,
    kind: Kind,
}

#[derive(Arbitrary, Debug)]
struct Input {
    local: bool,
    outputs: Vec<u8>,
    entries: Vec<Entry>,
}

/// A relative path inside the dir (no `..`, no root, no NUL), or `None`.
fn inside(name: &str) -> Option<&str> {
    let p = Path::new(name);
    let ok = !name.is_empty()
        && !name.contains('\0')
        && name.len() < 200
        && p.components().all(|c| matches!(c, Component::Normal(_)));
    ok.then_some(name)
}

/// Creates one entry, never outside `dir` and never through what is already there: every
/// parent must be a real directory (a symlink parent could lead anywhere — this runs as root),
/// and an existing name is left alone (writing to a FIFO would block the fuzzer itself).
fn make(dir: &Path, e: &Entry) {
    let name = match &e.name {
        Name::Known(i) => NAMES[*i as usize % NAMES.len()],
        Name::Any(s) => match inside(s) {
            Some(s) => s,
            None => return,
        },
    };
    let parts: Vec<Component> = Path::new(name).components().collect();
    let mut at = dir.to_path_buf();
    for c in &parts[..parts.len().saturating_sub(1)] {
        at.push(c);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return,
            Err(_) => {
                if std::fs::create_dir(&at).is_err() {
                    return;
                }
            }
        }
    }
    let path = dir.join(name);
    if std::fs::symlink_metadata(&path).is_ok() {
        return;
    }
    let _ = match &e.kind {
        Kind::File(bytes) => std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, bytes)),
        Kind::Dir => std::fs::create_dir(&path),
        Kind::Symlink(target) if !target.contains('\0') => {
            std::os::unix::fs::symlink(target, &path)
        }
        Kind::Symlink(_) => Ok(()),
        Kind::Fifo => rustix::fs::mknodat(
            rustix::fs::CWD,
            &path,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o644),
            0,
        )
        .map_err(std::io::Error::from),
        Kind::Socket => std::os::unix::net::UnixListener::bind(&path).map(drop),
    };
}

fuzz_target!(|input: Input| {
    let tmp = tempfile::tempdir().expect("temp dir");
    for e in input.entries.iter().take(64) {
        make(tmp.path(), e);
    }
    let mut interface = TypedInterface::default();
    for &i in input.outputs.iter().take(12) {
        let (name, literal_type) = declared(i);
        interface.outputs.variables.insert(
            name.to_owned(),
            Variable {
                literal_type,
                description: String::new(),
            },
        );
    }
    let profile = if input.local {
        Profile::FlytekitLocal
    } else {
        Profile::Backend
    };
    let req = CollectRequest {
        interface: &interface,
        dir: tmp.path(),
        container_dir: Some("/var/outputs"),
        raw_output_prefix: None,
        profile,
    };
    let first = collect_outputs(&req).map_err(|e| e.to_string());
    let second = collect_outputs(&req).map_err(|e| e.to_string());
    assert_eq!(first, second, "collection is deterministic");
    let _ = rawconf::record::snapshot_dir(tmp.path());
});
