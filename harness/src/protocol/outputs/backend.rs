//! copilot's `RecursiveUpload` (`flytecopilot/data/upload.go`, `utils.go` `IsFileReadable`,
//! `flyteidl/clients/go/coreutils/literals.go` `MakeLiteralForSimpleType`).

use std::io;
use std::path::PathBuf;

use super::beneath::{Beneath, Resolved};
use super::fsread::{
    ERROR_FILE_CAP, OpenError, SIMPLE_FILE_CAP, go_stat_error, kind_name, read_capped,
};
use super::{CollectRequest, Collected};
use crate::protocol::goformat::glob::go_match;
use crate::protocol::goformat::timefmt::validate_timestamp;
use crate::protocol::goformat::{
    go_nanos_to_duration, parse_bool_bytes, parse_float_bytes, parse_go_duration, parse_int_bytes,
    parse_rfc3339,
};
use crate::protocol::literal::{
    Blob, BlobType, ContainerError, Dimensionality, Duration, ErrorKind, ErrorOrigin, Literal,
    LiteralMap, LiteralType, Primitive, Scalar, SimpleType, Timestamp,
};
use crate::{Error, Result};

fn upload_error(message: String) -> Collected {
    Collected::Error(ContainerError {
        code: "OutputUploadFailed".into(),
        message,
        kind: ErrorKind::Recoverable,
        origin: ErrorOrigin::Unknown,
    })
}

/// A declared output (or `_ERROR`) that exists but is not a regular file: a FIFO, a socket, a
/// device. copilot would `ReadFile` it and block forever (a FIFO without writer) or read without
/// end (a device); rawconf reports it instead, as the task's error.
fn not_regular(shown: &str, kind: &str) -> Collected {
    upload_error(format!(
        "rawconf refuses to read [{shown}]: it is a {kind}, not a regular file (copilot's sidecar would block on it or read it without end)"
    ))
}

/// Reads a located file with its cap; a file swapped for a FIFO or device after the `stat` is
/// still refused (the type is checked on the opened descriptor).
fn read_located(
    r: &Resolved,
    cap: u64,
    shown: &str,
) -> Result<std::result::Result<Vec<u8>, Collected>> {
    match read_capped(&r.path, cap) {
        Ok(bytes) => Ok(Ok(bytes)),
        Err(OpenError::NotRegular(kind)) => Ok(Err(not_regular(shown, kind))),
        Err(OpenError::Io(e)) => Err(Error::io(&r.path, e)),
    }
}

/// `MakeLiteralForSimpleType`: trim `" \n\t"` (not `\r`) at both ends, then parse with Go's
/// rules (or keep the text: STRING, ERROR, BINARY). `Err` is copilot's message.
pub fn parse_simple(t: SimpleType, content: &[u8]) -> std::result::Result<Literal, String> {
    let is_trim = |c: &u8| matches!(c, b' ' | b'\n' | b'\t');
    let start = content
        .iter()
        .position(|c| !is_trim(c))
        .unwrap_or(content.len());
    let end = content
        .iter()
        .rposition(|c| !is_trim(c))
        .map_or(start, |i| i + 1);
    let s = &content[start..end.max(start)];
    // [inferred] protobuf-go refuses to marshal a proto3 string field that is not UTF-8, so
    // writing outputs.pb fails with this text (STRING and ERROR keep the text).
    let text = |field: &str| {
        String::from_utf8(s.to_vec())
            .map_err(|_| format!("proto: field flyteidl.core.{field} contains invalid UTF-8"))
    };
    let p = match t {
        SimpleType::Integer => Primitive::Integer(
            parse_int_bytes(s).map_err(|e| format!("failed to parse integer value: {e}"))?,
        ),
        SimpleType::Float => Primitive::Float(
            parse_float_bytes(s).map_err(|e| format!("failed to parse Float value: {e}"))?,
        ),
        SimpleType::Boolean => Primitive::Boolean(
            parse_bool_bytes(s).map_err(|e| format!("failed to parse Bool value: {e}"))?,
        ),
        SimpleType::String => Primitive::String(text("Primitive.string_value")?),
        SimpleType::Duration => {
            let nanos = parse_go_duration(s).map_err(|e| {
                format!("failed to parse Duration, valid formats: e.g. 300ms, -1.5h, 2h45m: {e}")
            })?;
            let (seconds, nanos) = go_nanos_to_duration(nanos);
            Primitive::Duration(Duration { seconds, nanos })
        }
        SimpleType::Datetime => {
            let (seconds, nanos) = parse_rfc3339(s)
                .map_err(|e| format!("failed to parse Datetime in RFC3339 format: {e}"))?;
            validate_timestamp(seconds, nanos)
                .map_err(|e| format!("failed to convert datetime to proto: {e}"))?;
            Primitive::Datetime(Timestamp { seconds, nanos })
        }
        SimpleType::None => return Ok(Literal::Scalar(Scalar::NoneType)),
        // `Error{message: <trimmed content>}`, no node id (protocol-2.md §5, `literals.go`).
        SimpleType::Error => {
            return Ok(Literal::Scalar(Scalar::Error(
                crate::protocol::literal::NodeError {
                    failed_node_id: String::new(),
                    message: text("Error.message")?,
                },
            )));
        }
        // Not validated: whatever is left after trimming is the msgpack payload.
        SimpleType::Binary => {
            return Ok(Literal::Scalar(Scalar::Binary(
                crate::protocol::literal::Binary {
                    value: s.to_vec(),
                    tag: "msgpack".into(),
                },
            )));
        }
        SimpleType::Struct => {
            return parse_struct(s)
                .map(|m| Literal::Scalar(Scalar::Generic(m)))
                .map_err(|e| format!("failed to load generic type as json.: {e}"));
        }
    };
    Ok(Literal::primitive(p))
}

/// jsonpb's `Unmarshal` into a `google.protobuf.Struct`: the first JSON value of the text is
/// read (what follows it is not looked at [inferred]); `null` is the empty Struct; an object's
/// values become Struct values (numbers doubles); any other top-level value is Go's
/// `encoding/json` type error; no value at all is `EOF`.
fn parse_struct(
    s: &[u8],
) -> std::result::Result<serde_json::Map<String, serde_json::Value>, String> {
    use serde_json::Value;
    let mut stream = serde_json::Deserializer::from_slice(s).into_iter::<Value>();
    let v = match stream.next() {
        None => return Err("EOF".into()),
        Some(Ok(v)) => v,
        // Go's syntax errors are not modelled word for word.
        Some(Err(e)) => return Err(format!("rawconf: invalid JSON: {e}")),
    };
    let found = match &v {
        Value::Null => return Ok(serde_json::Map::new()),
        Value::Object(_) => {
            return crate::protocol::literal::struct_from_json(&v, "")
                .map_err(|e| format!("rawconf: {e}"));
        }
        Value::Array(_) => "array",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Bool(_) => "bool",
    };
    Err(format!(
        "bad StructValue: json: cannot unmarshal {found} into Go value of type map[string]json.RawMessage"
    ))
}

/// Go `path.Join(dir, name)` for display.
fn join_shown(dir: &str, name: &str) -> String {
    let d = dir.trim_end_matches('/');
    if d.is_empty() && dir.starts_with('/') {
        format!("/{name}")
    } else {
        format!("{d}/{name}")
    }
}

/// `IsFileReadable(path, true)`: the path itself, or exactly one `<name>.*` beside it.
fn locate(at: &Beneath<'_>, name: &str, shown: &str) -> std::result::Result<Resolved, String> {
    let dir = at.host;
    let host = dir.join(name);
    match at.stat(&host) {
        Ok(r) => Ok(r),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let pattern = format!("{name}.*");
            let mut matches: Vec<PathBuf> = Vec::new();
            if let Ok(entries) = std::fs::read_dir(dir) {
                for entry in entries.flatten() {
                    let fname = entry.file_name().to_string_lossy().into_owned();
                    match go_match(&pattern, &fname) {
                        Ok(true) => matches.push(entry.path()),
                        Ok(false) => {}
                        Err(_) => {
                            matches.clear();
                            matches.push(PathBuf::new());
                            matches.push(PathBuf::new());
                            break;
                        }
                    }
                }
            }
            if matches.len() == 1
                && let Ok(r) = at.stat(&matches[0])
            {
                return Ok(r);
            }
            Err(format!(
                "file not found at path [{shown}]: {}",
                go_stat_error(shown, &e)
            ))
        }
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => Err(format!(
            "unable to read file [{shown}], Flyte does not have permissions: {}",
            go_stat_error(shown, &e)
        )),
        Err(e) => Err(format!("failed to read file: {}", go_stat_error(shown, &e))),
    }
}

/// A declared output name must stay inside the directory (copilot would `path.Join` it).
fn checked_name(name: &str) -> Result<&str> {
    if name.is_empty() || name.starts_with('/') || name.split('/').any(|c| c == ".." || c == ".") {
        return Err(Error::Usage(format!(
            "output name `{name}` would leave the output directory; rawconf refuses to read it"
        )));
    }
    Ok(name)
}

pub(super) fn collect(req: &CollectRequest<'_>) -> Result<Collected> {
    let outputs = &req.interface.outputs.variables;
    if outputs.is_empty() {
        // "Empty output interface received. Assuming void outputs."
        return Ok(Collected::Outputs(LiteralMap::default()));
    }
    let shown_dir = req
        .container_dir
        .map(str::to_string)
        .unwrap_or_else(|| req.dir.display().to_string());
    let root = req.dir;
    let at = Beneath {
        host: root,
        shown: &shown_dir,
        container: req.container_dir,
    };

    // 1. `_ERROR` first.
    let err_shown = join_shown(&shown_dir, "_ERROR");
    match at.stat(&root.join("_ERROR")) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Ok(upload_error(go_stat_error(&err_shown, &e))),
        Ok(r) if r.meta.len() > ERROR_FILE_CAP => {
            return Ok(upload_error(format!(
                "error file too large {}",
                r.meta.len()
            )));
        }
        Ok(r) if r.meta.is_dir() => return Ok(upload_error("error file is a directory".into())),
        Ok(r) if !r.meta.is_file() => {
            return Ok(not_regular(&err_shown, kind_name(r.meta.file_type())));
        }
        Ok(r) => {
            let bytes = match read_located(&r, ERROR_FILE_CAP, &err_shown)? {
                Ok(b) => b,
                Err(refused) => return Ok(refused),
            };
            if bytes.len() as u64 > ERROR_FILE_CAP {
                return Ok(upload_error(format!(
                    "error file too large {}",
                    bytes.len()
                )));
            }
            // Not trimmed. Invalid UTF-8 is replaced by U+FFFD (a Go error document with it
            // could not even be marshaled).
            return Ok(upload_error(format!(
                "User Error: {}",
                String::from_utf8_lossy(&bytes)
            )));
        }
    }

    // 2. An unsupported type aborts before anything is read (copilot returns from the loop that
    //    starts the per-variable futures).
    for (name, var) in outputs {
        checked_name(name)?;
        if let LiteralType::Collection(_) | LiteralType::Map(_) = var.literal_type {
            return Ok(upload_error(format!(
                "currently CoPilot uploader does not support [{}], system error",
                var.literal_type.proto_text()
            )));
        }
    }

    // 3. Every declared output, in name order (copilot: Go map order, i.e. unspecified; the
    //    first failure wins).
    let mut literals = LiteralMap::default();
    for (name, var) in outputs {
        let shown = join_shown(&shown_dir, name);
        let lit = match &var.literal_type {
            LiteralType::Simple(t) => {
                let r = match locate(&at, name, &shown) {
                    Ok(r) => r,
                    Err(m) => return Ok(upload_error(m)),
                };
                if r.meta.is_dir() {
                    return Ok(upload_error(format!(
                        "expected file for type [{}], found dir at path [{shown}]",
                        t.name()
                    )));
                }
                if !r.meta.is_file() {
                    return Ok(not_regular(&shown, kind_name(r.meta.file_type())));
                }
                if r.meta.len() > SIMPLE_FILE_CAP {
                    return Ok(upload_error(format!(
                        "maximum allowed filesize is [{SIMPLE_FILE_CAP}], but found [{}]",
                        r.meta.len()
                    )));
                }
                let bytes = match read_located(&r, SIMPLE_FILE_CAP, &shown)? {
                    Ok(b) => b,
                    Err(refused) => return Ok(refused),
                };
                if bytes.len() as u64 > SIMPLE_FILE_CAP {
                    return Ok(upload_error(format!(
                        "maximum allowed filesize is [{SIMPLE_FILE_CAP}], but found [{}]",
                        bytes.len()
                    )));
                }
                match parse_simple(*t, &bytes) {
                    Ok(l) => l,
                    Err(m) => return Ok(upload_error(m)),
                }
            }
            LiteralType::Blob(_) => {
                let r = match locate(&at, name, &shown) {
                    Ok(r) => r,
                    Err(m) => return Ok(upload_error(m)),
                };
                // copilot would stream the file to the blob store: a FIFO or device never ends.
                if !r.meta.is_file() && !r.meta.is_dir() {
                    return Ok(not_regular(&shown, kind_name(r.meta.file_type())));
                }
                let dimensionality = if r.meta.is_dir() {
                    Dimensionality::Multipart
                } else {
                    Dimensionality::Single
                };
                let uri = match req.raw_output_prefix {
                    Some(prefix) => format!("{}/{name}", prefix.trim_end_matches('/')),
                    None => format!("file://{}", r.path.display()),
                };
                Literal::Scalar(Scalar::Blob(Blob {
                    uri,
                    blob_type: BlobType {
                        format: String::new(),
                        dimensionality,
                    },
                }))
            }
            other => {
                return Ok(upload_error(format!(
                    "currently CoPilot uploader does not support [{}], system error",
                    other.proto_text()
                )));
            }
        };
        literals.literals.insert(name.clone(), lit);
    }
    Ok(Collected::Outputs(literals))
}
