//! The probe task of one case, and reading back what the probe reported.
//!
//! The probe (`languages/probe/probe.sh`) is told, by its arguments, to list the input dir, dump
//! the files the model expects (structs first: their bytes are judged as JSON, which the
//! listing's hash cannot do), dump the metadata file, and report its argv — with
//! `{{.inputs.x}}` after `--` when the model says the value renders (a failing render creates
//! no pod, so the other stages would see nothing). The task declares no outputs: the probe's
//! reports are read from the output dir's files in the record, so a long listing is not cut by
//! copilot's 1024-byte cap on simple outputs.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;

use super::input::NAME;
use super::model::{Entry, Expected};
use crate::protocol::inputs::InputFormat;
use crate::protocol::literal::{LiteralType, TypedInterface, Variable, VariableMap};
use crate::protocol::record::FileContent;
use crate::spec::suite::TaskSpec;

/// Where the task sees its inputs.
pub const INPUT_DIR: &str = "/var/inputs";
/// Where the probe writes its reports.
pub const OUTPUT_DIR: &str = "/var/outputs";
/// At most this many input files are dumped byte for byte (the listing hashes every file).
const MAX_DUMPS: usize = 8;

/// The probe task for one case, and which report holds which file.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The task.
    pub task: TaskSpec,
    /// Report name → the input path (relative to the input dir) it dumps.
    pub dumps: BTreeMap<String, String>,
    /// The metadata file's name (`inputs.json` or `inputs.yaml`).
    pub meta_file: &'static str,
}

/// The probe task that reports what `expected` is about.
pub fn plan(literal_type: &LiteralType, format: InputFormat, expected: &Expected) -> Plan {
    let meta_file = match format {
        InputFormat::Yaml => "inputs.yaml",
        _ => "inputs.json",
    };
    let mut args: Vec<String> = vec![OUTPUT_DIR.into(), "listing".into(), INPUT_DIR.into()];
    let structs = expected
        .tree
        .iter()
        .filter(|(_, e)| matches!(e, Entry::Json(_)));
    let files = expected
        .tree
        .iter()
        .filter(|(_, e)| matches!(e, Entry::Bytes(_)));
    let mut dumps = BTreeMap::new();
    for (i, (path, _)) in structs.chain(files).take(MAX_DUMPS).enumerate() {
        let name = format!("d{i}");
        args.extend(["file".into(), format!("{INPUT_DIR}/{path}"), name.clone()]);
        dumps.insert(name, path.clone());
    }
    args.extend([
        "file".into(),
        format!("{INPUT_DIR}/{meta_file}"),
        "meta".into(),
        "argv".into(),
    ]);
    if expected.render_fails.is_none() {
        args.extend(["--".into(), format!("{{{{.inputs.{NAME}}}}}")]);
    }
    let variable = Variable {
        literal_type: literal_type.clone(),
        description: String::new(),
    };
    let task = TaskSpec {
        interface: TypedInterface {
            inputs: VariableMap {
                variables: [(NAME.to_owned(), variable)].into(),
            },
            outputs: VariableMap::default(),
        },
        command: None,
        args,
        env: Vec::new(),
        format,
        input_data_dir: INPUT_DIR.into(),
        output_data_dir: OUTPUT_DIR.into(),
        timeout: Duration::from_secs(30),
        meta: Default::default(),
    };
    Plan {
        task,
        dumps,
        meta_file,
    }
}

/// One line of the probe's listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listed {
    /// `d path`.
    Dir,
    /// `f path size hash`: the size and the first 16 hex digits of the SHA-256 (`protobuf` for
    /// `inputs.pb`).
    File {
        /// Bytes.
        size: u64,
        /// `sha256[0:16]` or `protobuf`.
        hash: String,
    },
}

/// Parses the probe's `listing` report; `Err` names the line that is not `d PATH` or
/// `f PATH SIZE HASH` (a path may hold spaces, so size and hash are read from the right).
pub fn parse_listing(text: &str) -> Result<BTreeMap<String, Listed>, String> {
    let mut out = BTreeMap::new();
    // Split at `\n` only: a name may end in `\r`, which `str::lines` would drop.
    for line in text.split('\n').filter(|l| !l.is_empty()) {
        if let Some(path) = line.strip_prefix("d ") {
            out.insert(path.to_owned(), Listed::Dir);
        } else if let Some(rest) = line.strip_prefix("f ") {
            let mut it = rest.rsplitn(3, ' ');
            let (hash, size, path) = (it.next(), it.next(), it.next());
            match (hash, size.and_then(|s| s.parse().ok()), path) {
                (Some(hash), Some(size), Some(path)) => {
                    out.insert(
                        path.to_owned(),
                        Listed::File {
                            size,
                            hash: hash.to_owned(),
                        },
                    );
                }
                _ => return Err(format!("expected `f PATH SIZE HASH`, found {line:?}")),
            }
        } else {
            return Err(format!(
                "expected `d PATH` or `f PATH SIZE HASH`, found {line:?}"
            ));
        }
    }
    Ok(out)
}

/// What a `file` step reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dumped {
    /// The exact bytes (≤ 700).
    Bytes(Vec<u8>),
    /// A longer file: its SHA-256 (hex) and size.
    Digest {
        /// Full SHA-256, hex.
        sha256: String,
        /// Bytes.
        size: u64,
    },
    /// `missing` or `directory`.
    Absent(String),
}

/// Parses a `file` report; `Err` says what was expected.
pub fn parse_dump(text: &str) -> Result<Dumped, String> {
    if let Some(b64) = text.strip_prefix("b64:") {
        return base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map(Dumped::Bytes)
            .map_err(|e| format!("expected base64 after `b64:`: {e}"));
    }
    if let Some(rest) = text.strip_prefix("sha256:")
        && let Some((hex, size)) = rest.split_once(" size:")
        && let Ok(size) = size.parse()
    {
        return Ok(Dumped::Digest {
            sha256: hex.to_owned(),
            size,
        });
    }
    if text == "missing" || text == "directory" {
        return Ok(Dumped::Absent(text.to_owned()));
    }
    Err(format!(
        "expected `b64:…`, `sha256:… size:…`, `missing` or `directory`, found {text:?}"
    ))
}

/// The text of report `name` in the output dir's files, if the probe wrote it as text.
pub fn report<'a>(files: &'a BTreeMap<String, FileContent>, name: &str) -> Option<&'a str> {
    match files.get(name) {
        Some(FileContent::Text(s)) => Some(s),
        _ => None,
    }
}

/// `sha256(bytes)` in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The probe's `argv` report for these arguments: each wrapped in `[…]`.
pub fn argv_report(args: &[String]) -> String {
    args.iter().map(|a| format!("[{a}]")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listings_keep_spaces_in_paths() {
        let l =
            parse_listing("d x\nf x/two words 3 abcd\nf inputs.pb 9 protobuf\nd x/\r\n").unwrap();
        assert_eq!(l["x/\r"], Listed::Dir);
        assert_eq!(l["x"], Listed::Dir);
        assert_eq!(
            l["x/two words"],
            Listed::File {
                size: 3,
                hash: "abcd".into()
            }
        );
        assert!(parse_listing("? x").unwrap_err().contains("found \"? x\""));
    }

    #[test]
    fn dumps_are_bytes_digests_or_absent() {
        assert_eq!(parse_dump("b64:AP8=").unwrap(), Dumped::Bytes(vec![0, 255]));
        assert_eq!(
            parse_dump("sha256:ab size:800").unwrap(),
            Dumped::Digest {
                sha256: "ab".into(),
                size: 800
            }
        );
        assert!(parse_dump("nonsense").is_err());
    }
}
