//! The downloader's algorithm (`flytecopilot/data/download.go`, `DownloadInputs`).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::varmap::VarValue;
use crate::protocol::blobs::Mirror;
use crate::protocol::goformat::{
    duration_to_go_nanos, format_f, go_duration_string, rfc3339_nano_utc, timestamp_string,
};
use crate::protocol::literal::{
    Blob, ContainerError, Dimensionality, ErrorKind, ErrorOrigin, Literal, LiteralMap, Primitive,
    Scalar,
};
use crate::protocol::profile::Profile;
use crate::{Error, Result};

/// `DataLoadingConfig.format`: which metadata file accompanies `inputs.pb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputFormat {
    /// `inputs.json` (the default).
    #[default]
    Json,
    /// `inputs.yaml`.
    Yaml,
    /// Nothing besides `inputs.pb`.
    Proto,
}

impl std::str::FromStr for InputFormat {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(InputFormat::Json),
            "yaml" => Ok(InputFormat::Yaml),
            "proto" => Ok(InputFormat::Proto),
            _ => Err(format!(
                "unknown format `{s}` (expected json, yaml or proto)"
            )),
        }
    }
}

/// What to materialize, and where.
#[derive(Debug, Clone)]
pub struct InputsRequest<'a> {
    /// The task's input literals.
    pub inputs: &'a LiteralMap,
    /// Host directory to write into (created if missing).
    pub dir: &'a Path,
    /// The same directory as the container sees it (e.g. `/var/inputs`): copilot writes the
    /// local path of each blob into `inputs.pb`/`inputs.json`. `None` uses `dir` itself.
    pub container_dir: Option<&'a str>,
    /// Metadata file format.
    pub format: InputFormat,
    /// Whose behaviour to reproduce.
    pub profile: Profile,
}

/// One entry written into the input directory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WrittenEntry {
    /// Path relative to the input directory, `/`-separated.
    pub path: String,
    /// `file` or `dir`.
    pub kind: &'static str,
}

/// Result of materialization: the entries written (sorted) and copilot's error, if any.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InputListing {
    /// Everything now in the directory that this stage wrote.
    pub entries: Vec<WrittenEntry>,
    /// `ContainerError{code: InputDownloadFailed, kind: RECOVERABLE}` when copilot would have
    /// written `errors.pb` instead of finishing (the files written before stay, as in copilot).
    pub error: Option<ContainerError>,
}

fn download_error(message: String) -> ContainerError {
    ContainerError {
        code: "InputDownloadFailed".into(),
        message,
        kind: ErrorKind::Recoverable,
        origin: ErrorOrigin::Unknown,
    }
}

/// Materialize the inputs. Harness faults (an unwritable directory) are `Err`; copilot's own
/// failures are data in [`InputListing::error`].
///
/// The `flytekit-local` profile writes nothing: flytekit's local executor never creates input
/// files (it only bind-mounts blobs referenced by path, which is the runtime's job), so the
/// listing is empty.
pub fn write_inputs(req: &InputsRequest<'_>) -> Result<InputListing> {
    write_inputs_from(req, &Mirror::new())
}

/// [`write_inputs`] reading blobs through `mirror` (URI → local path, see [`crate::protocol::blobs`]):
/// a blob whose URI is in it is copied from that path, as copilot would download the object.
pub fn write_inputs_from(req: &InputsRequest<'_>, mirror: &Mirror) -> Result<InputListing> {
    if req.profile == Profile::FlytekitLocal {
        return Ok(InputListing::default());
    }
    fs::create_dir_all(req.dir).map_err(|e| Error::io(req.dir, e))?;
    let shown = req
        .container_dir
        .map(str::to_string)
        .unwrap_or_else(|| req.dir.display().to_string());
    let mut listing = InputListing::default();
    // An empty input map: copilot's RecursiveDownload returns a nil map and marshaling it fails
    // (protocol.md §4.2, [inferred]); nothing is written.
    if req.inputs.literals.is_empty() {
        listing.error = Some(download_error("proto: Marshal called with nil".to_string()));
        return Ok(listing);
    }
    // Copilot downloads all variables concurrently and reports the first failure in Go map order
    // (unspecified); we write every variable and report the first failure by name.
    let mut vars = BTreeMap::new();
    let mut local = LiteralMap::default();
    let mut first_error = None;
    for (name, lit) in &req.inputs.literals {
        let host = req.dir.join(name);
        let shown_path = go_path_join(&shown, name);
        match write_literal(lit, &host, &shown_path, mirror) {
            Ok((v, l)) => {
                vars.insert(name.clone(), v);
                local.literals.insert(name.clone(), l);
            }
            Err(WriteError::Disk(fault)) => return Err(fault),
            Err(WriteError::Copilot(e)) => {
                first_error.get_or_insert_with(|| {
                    format!(
                        "failed to download input variable from remote store: variable [{name}] download/store failed: {e}"
                    )
                });
            }
        }
    }
    if let Some(message) = first_error {
        listing.entries = list(req.dir)?;
        listing.error = Some(download_error(message));
        return Ok(listing);
    }
    let pb = req.dir.join("inputs.pb");
    fs::write(&pb, local.encode_protobuf()).map_err(|e| Error::io(&pb, e))?;
    let map = VarValue::Map(vars);
    // NaN/±Inf: json.Marshal fails *after* the per-variable files and inputs.pb were written;
    // copilot then writes errors.pb. Reproduced: the files stay, the error is returned as data.
    let meta = match req.format {
        InputFormat::Json => Some(("inputs.json", super::gojson::marshal(&map))),
        InputFormat::Yaml => Some(("inputs.yaml", super::yaml::marshal(&map))),
        InputFormat::Proto => None,
    };
    if let Some((file, content)) = meta {
        match content {
            Ok(text) => {
                let p = req.dir.join(file);
                fs::write(&p, text).map_err(|e| Error::io(&p, e))?;
            }
            Err(e) => {
                listing.error = Some(download_error(format!("failed to marshal out inputs: {e}")))
            }
        }
    }
    listing.entries = list(req.dir)?;
    Ok(listing)
}

/// Go `path.Join(dir, name)` for the simple names copilot joins (cleans `//`, `.` and `..`).
fn go_path_join(dir: &str, name: &str) -> String {
    let joined = format!("{dir}/{name}");
    let abs = joined.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for c in joined.split('/') {
        match c {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if abs => {}
            c => parts.push(c),
        }
    }
    let s = parts.join("/");
    if abs {
        format!("/{s}")
    } else if s.is_empty() {
        ".".into()
    } else {
        s
    }
}

type Written = std::result::Result<(VarValue, Literal), WriteError>;

/// Why one variable was not written: what copilot would have reported (the task's error, data),
/// or the harness's own work dir failing — full, over quota, read-only — which is not the task's
/// doing and must not pass for copilot's `InputDownloadFailed` (a fault that stops the run).
enum WriteError {
    Copilot(String),
    Disk(Error),
}

impl From<String> for WriteError {
    fn from(message: String) -> WriteError {
        WriteError::Copilot(message)
    }
}

/// An I/O failure on `path`: the environment's when [`Error::is_environmental`], else copilot's
/// error text `message`.
fn io_failure(path: &Path, e: std::io::Error, message: String) -> WriteError {
    let fault = Error::io(path, e);
    if fault.is_environmental() {
        WriteError::Disk(fault)
    } else {
        WriteError::Copilot(message)
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> std::result::Result<(), WriteError> {
    fs::write(path, bytes).map_err(|e| {
        let message = format!("open {}: {e}", path.display());
        io_failure(path, e, message)
    })
}

fn create_dir(host: &Path) -> std::result::Result<(), WriteError> {
    fs::create_dir_all(host).map_err(|e| {
        let message = format!("failed to create directory [{}]: {e}", host.display());
        io_failure(host, e, message)
    })
}

fn write_literal(lit: &Literal, host: &Path, shown: &str, mirror: &Mirror) -> Written {
    match lit {
        Literal::Scalar(Scalar::Primitive(p)) => {
            let (v, bytes) = match p {
                Primitive::String(s) => (VarValue::String(s.clone()), s.clone().into_bytes()),
                Primitive::Boolean(b) => (VarValue::Bool(*b), b.to_string().into_bytes()),
                Primitive::Integer(i) => (VarValue::Int(*i), i.to_string().into_bytes()),
                Primitive::Float(x) => (VarValue::Float(*x), format_f(*x).into_bytes()),
                Primitive::Datetime(t) => (
                    VarValue::Time(rfc3339_nano_utc(t.seconds, t.nanos)),
                    timestamp_string(t.seconds, t.nanos).into_bytes(),
                ),
                Primitive::Duration(d) => {
                    let nanos = duration_to_go_nanos(d.seconds, d.nanos)?;
                    // The `null` in inputs.json is copilot's shadowed `v` (see VarValue::Null).
                    (VarValue::Null, go_duration_string(nanos).into_bytes())
                }
            };
            write_file(host, &bytes)?;
            Ok((v, lit.clone()))
        }
        Literal::Scalar(Scalar::NoneType) => {
            write_file(host, b"null")?;
            Ok((VarValue::Null, lit.clone()))
        }
        Literal::Scalar(Scalar::Generic(m)) => {
            write_file(host, super::structs::jsonpb(m).as_bytes())?;
            Ok((super::structs::go_json_value(m), lit.clone()))
        }
        Literal::Scalar(Scalar::Binary(b)) => {
            use base64::Engine as _;
            write_file(host, &b.value)?;
            // `[]byte` in Go's encoding/json is a standard base64 string.
            let text = base64::engine::general_purpose::STANDARD.encode(&b.value);
            Ok((VarValue::String(text), lit.clone()))
        }
        Literal::Scalar(Scalar::Union(u)) => {
            // The value is written as itself at the same path; inputs.pb keeps the union around
            // the downloaded value [inferred].
            let (v, inner) = write_literal(&u.value, host, shown, mirror)?;
            let union = crate::protocol::literal::Union {
                value: inner,
                variant: u.variant.clone(),
            };
            Ok((v, Literal::Scalar(Scalar::Union(Box::new(union)))))
        }
        Literal::Scalar(Scalar::StructuredDataset(_)) => {
            Err("unsupported scalar type [*core.Scalar_StructuredDataset]"
                .to_string()
                .into())
        }
        // The downloader's scalar switch has no case for an error value [inferred].
        Literal::Scalar(Scalar::Error(_)) => Err("unsupported scalar type [*core.Scalar_Error]"
            .to_string()
            .into()),
        Literal::Scalar(Scalar::Blob(b)) => {
            copy_blob(b, host, mirror)?;
            let local = Blob {
                uri: shown.to_string(),
                blob_type: b.blob_type.clone(),
            };
            Ok((
                VarValue::String(shown.to_string()),
                Literal::Scalar(Scalar::Blob(local)),
            ))
        }
        Literal::Collection(items) => {
            create_dir(host)?;
            let mut vs = Vec::new();
            let mut ls = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let (v, l) = write_literal(
                    item,
                    &host.join(i.to_string()),
                    &go_path_join(shown, &i.to_string()),
                    mirror,
                )?;
                vs.push(v);
                ls.push(l);
            }
            Ok((VarValue::List(vs), Literal::Collection(ls)))
        }
        Literal::Map(m) => {
            create_dir(host)?;
            let mut vs = BTreeMap::new();
            let mut lm = LiteralMap::default();
            for (k, item) in &m.literals {
                // copilot `path.Join`s the key: `a/b`, `..` or `` would name another place —
                // outside the input dir for `../…`. rawconf never writes there on the host, and
                // does not model what the sidecar would do inside its own container.
                if k.is_empty() || k == "." || k == ".." || k.contains('/') || k.contains('\0') {
                    return Err(WriteError::Disk(Error::Usage(format!(
                        "rawconf does not model the map key {k:?} of input {shown}: only keys that are one path component (no `/`, not empty, `.` or `..`) are written"
                    ))));
                }
                let (v, l) = write_literal(item, &host.join(k), &go_path_join(shown, k), mirror)?;
                vs.insert(k.clone(), v);
                lm.literals.insert(k.clone(), l);
            }
            Ok((VarValue::Map(vs), Literal::Map(lm)))
        }
    }
}

/// Copy a blob from the mirror's local copy of its URI, or from a local URI (`file://…` or an
/// absolute path). Copilot would fetch it from object storage or HTTP; the harness only runs
/// against local data, so any other URI is reported the way copilot reports an unreadable blob.
fn copy_blob(b: &Blob, to: &Path, mirror: &Mirror) -> std::result::Result<(), WriteError> {
    let mirrored = mirror.get(&b.uri).map(|p| p.to_string_lossy().into_owned());
    let src = match &mirrored {
        Some(p) => p.as_str(),
        None => b.uri.strip_prefix("file://").unwrap_or(&b.uri),
    };
    if !src.starts_with('/') {
        return Err(format!(
            "failed when looking up Blob: rawconf reads only local blobs (file:// or an absolute path), got [{}]",
            b.uri
        )
        .into());
    }
    let src = PathBuf::from(src);
    let copied = match b.blob_type.dimensionality {
        Dimensionality::Single => fs::copy(&src, to).map(|_| ()),
        Dimensionality::Multipart => copy_dir(&src, to),
    };
    copied.map_err(|e| {
        let message = format!("failed when looking up Blob: {}: {e}", src.display());
        io_failure(to, e, message)
    })
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        let target = to.join(entry.file_name());
        if ty.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else if ty.is_file() {
            fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

fn list(dir: &Path) -> Result<Vec<WrittenEntry>> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1).sort_by_file_name() {
        let entry = entry.map_err(|e| Error::io(dir, e.into()))?;
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        out.push(WrittenEntry {
            path: rel.to_string_lossy().replace('\\', "/"),
            kind: if entry.file_type().is_dir() {
                "dir"
            } else {
                "file"
            },
        });
    }
    Ok(out)
}
