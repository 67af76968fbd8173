//! Language discovery and manifest validation (no Docker).

use crate::support;
// Equality failures print a line diff of the two sides (similar-asserts).
use similar_asserts::assert_eq;

use std::path::Path;

use rawconf::engine::image::{ImagePlan, Mode};
use rawconf::{Arithmetic, Error, Language};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const GOOD_MANIFEST: &str = r#"
name = "awk"
suites = ["ellipse"]
command = ["awk", "-f", "area.awk", "{{.inputs.a}}", "{{.inputs.b}}", "/var/outputs"]
arithmetic = "f64"
metadata = "[from awk rawcontainer]\n"

[image.bases.BASE]
suite = "bookworm"
packages = ["gawk"]
"#;

const GOOD_DOCKERFILE: &str =
    "ARG BASE=debian:bookworm-slim\nFROM ${BASE}\nWORKDIR /root\nCOPY area.awk /root/\n";

/// A copy of the repository's languages plus a throwaway sixth folder.
fn languages_with_awk() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    for lang in Language::discover(&support::languages_dir()).unwrap() {
        for entry in std::fs::read_dir(&lang.dir).unwrap() {
            let entry = entry.unwrap();
            let to = root.path().join(&lang.name).join(entry.file_name());
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(entry.path(), to).unwrap();
        }
    }
    let awk = root.path().join("awk");
    write(&awk.join("language.toml"), GOOD_MANIFEST);
    write(&awk.join("Dockerfile"), GOOD_DOCKERFILE);
    write(
        &awk.join("area.awk"),
        "BEGIN { print 3.141592653589793 * ARGV[1] * ARGV[2] }\n",
    );
    root
}

fn the_five_languages_load_with_the_original_commands() {
    let langs = Language::discover(&support::languages_dir()).unwrap();
    let names: Vec<&str> = langs.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["haskell", "julia", "probe", "python", "r", "shell"]);
    let ellipse: Vec<&str> = langs
        .iter()
        .filter(|l| l.joins("ellipse"))
        .map(|l| l.name.as_str())
        .collect();
    assert_eq!(ellipse, ["haskell", "julia", "python", "r", "shell"]);
    let probe = langs.iter().find(|l| l.name == "probe").unwrap();
    assert!(probe.joins("protocol") && !probe.joins("ellipse"));
    let python = langs.iter().find(|l| l.name == "python").unwrap();
    assert_eq!(
        python.command,
        [
            "python",
            "calculate-ellipse-area.py",
            "{{.inputs.a}}",
            "{{.inputs.b}}",
            "/var/outputs"
        ]
    );
    let r = langs.iter().find(|l| l.name == "r").unwrap();
    assert_eq!(r.command[..2], ["Rscript", "--vanilla"]);
    assert_eq!(
        r.ellipse_program().unwrap().metadata,
        "[from R rawcontainer]\n"
    );
    let haskell = langs.iter().find(|l| l.name == "haskell").unwrap();
    assert_eq!(
        haskell.ellipse_program().unwrap().arithmetic,
        Arithmetic::F32
    );
    assert_eq!(
        haskell.image.bases.keys().collect::<Vec<_>>(),
        ["BASE", "BUILD_BASE"]
    );
    let julia = langs.iter().find(|l| l.name == "julia").unwrap();
    assert_eq!(julia.image.bases["BASE"].suite, "bullseye");
    assert_eq!(julia.image.online_defaults["BASE"], "julia:1");
}

fn a_sixth_language_is_just_a_folder() {
    let root = languages_with_awk();
    let langs = Language::discover(root.path()).unwrap();
    assert_eq!(langs.len(), 7, "the five, the probe and awk");
    assert_eq!(langs.iter().filter(|l| l.joins("ellipse")).count(), 6);
    let awk = langs.iter().find(|l| l.name == "awk").unwrap();
    assert_eq!(
        awk.ellipse_program().unwrap().metadata,
        "[from awk rawcontainer]\n"
    );
    assert_eq!(awk.image.online_defaults["BASE"], "debian:bookworm-slim");
    let plan = ImagePlan::new(awk, Mode::Offline).unwrap();
    assert!(plan.tag.starts_with("rawconf-awk:"), "{}", plan.tag);
    assert_eq!(plan.build_args.len(), 1);
    assert!(plan.build_args["BASE"].starts_with("rawconf-base:bookworm-"));
    // The manifest is not part of the build context.
    let files: Vec<String> = plan
        .context
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(files, ["Dockerfile", "area.awk"]);
}

fn image_tags_follow_the_build_inputs_only() {
    let root = languages_with_awk();
    let dir = root.path().join("awk");
    let tag = |mode| {
        ImagePlan::new(&Language::load(&dir).unwrap(), mode)
            .unwrap()
            .tag
    };
    let before = tag(Mode::Offline);
    assert_eq!(before, tag(Mode::Offline), "tags are deterministic");
    assert_ne!(
        before,
        tag(Mode::Online),
        "offline and online images differ"
    );

    // Editing what the task expects does not rebuild the image …
    write(
        &dir.join("language.toml"),
        &GOOD_MANIFEST.replace("[from awk", "[by awk"),
    );
    assert_eq!(before, tag(Mode::Offline));
    // … editing the program does,
    write(&dir.join("area.awk"), "BEGIN { print 0 }\n");
    let after_script = tag(Mode::Offline);
    assert_ne!(before, after_script);
    // … and so does changing the Debian recipe.
    write(
        &dir.join("language.toml"),
        &GOOD_MANIFEST.replace("\"gawk\"", "\"gawk\", \"bc\""),
    );
    assert_ne!(after_script, tag(Mode::Offline));
}

/// Writes a broken manifest into a fresh `awk` folder and returns the error text.
fn manifest_error(manifest: &str, dockerfile: &str) -> String {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("awk");
    write(&dir.join("language.toml"), manifest);
    write(&dir.join("Dockerfile"), dockerfile);
    let err = Language::load(&dir).unwrap_err();
    assert!(matches!(err, Error::Manifest { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("awk/language.toml"),
        "error names the file: {text}"
    );
    text
}

/// Each broken manifest's whole message is pinned by an insta snapshot
/// (`tests/snapshots/manifest-errors.snap`, temp paths redacted), so a change of wording shows as
/// a diff; the asserts say which part of each message the test is about.
fn malformed_manifests_name_file_field_and_expectation() {
    let mut seen = Vec::new();
    let mut error = |what: &str, manifest: &str, dockerfile: &str| {
        let e = manifest_error(manifest, dockerfile);
        seen.push(format!("## {what}\n{}", redact_tmp(&e)));
        e
    };
    let e = error(
        "an arithmetic the oracle does not know",
        &GOOD_MANIFEST.replace("\"f64\"", "\"f16\""),
        GOOD_DOCKERFILE,
    );
    assert!(e.contains("f16") && e.contains("decimal20"), "{e}");

    let e = error(
        "a name that is not the folder's",
        &GOOD_MANIFEST.replace("name = \"awk\"", "name = \"gawk\""),
        GOOD_DOCKERFILE,
    );
    assert!(e.contains("field `name`") && e.contains("`awk`"), "{e}");

    let e = error(
        "a misspelt field",
        &GOOD_MANIFEST.replace("metadata =", "metadta ="),
        GOOD_DOCKERFILE,
    );
    assert!(e.contains("metadta"), "{e}");

    let e = error(
        "a number in the command",
        &GOOD_MANIFEST.replace(r#"command = ["awk","#, r#"command = [1,"#),
        GOOD_DOCKERFILE,
    );
    assert!(
        e.contains("field `command[0]`") && e.contains("expected a string"),
        "{e}"
    );

    let e = error(
        "an empty base suite",
        &GOOD_MANIFEST.replace("suite = \"bookworm\"", "suite = \"\""),
        GOOD_DOCKERFILE,
    );
    assert!(e.contains("image.bases.BASE.suite"), "{e}");

    let e = error(
        "a Dockerfile without the base argument",
        GOOD_MANIFEST,
        "FROM debian:bookworm-slim\n",
    );
    assert!(
        e.contains("image.bases.BASE") && e.contains("ARG BASE="),
        "{e}"
    );

    let e = error(
        "a base argument without a default",
        GOOD_MANIFEST,
        "ARG BASE\nFROM ${BASE}\n",
    );
    assert!(e.contains("without a default"), "{e}");

    let e = error(
        "an empty command",
        &GOOD_MANIFEST.replace("command = [", "command = [] #"),
        GOOD_DOCKERFILE,
    );
    assert!(e.contains("field `command`"), "{e}");

    support::snapshot("manifest-errors", &seen.join("\n\n"));
}

/// The message with the temp dir's path (which differs per run) replaced by `<tmp>`.
fn redact_tmp(message: &str) -> String {
    let re = regex::Regex::new(r"/[^ ]*/awk/").expect("a valid regex");
    re.replace_all(message, "<tmp>/awk/").into_owned()
}

fn unknown_language_selection_is_a_usage_error() {
    let all = Language::discover(&support::languages_dir()).unwrap();
    let err = Language::select(all, &["cobol".into()]).unwrap_err();
    assert!(matches!(err, Error::Usage(_)));
    assert!(err.to_string().contains("cobol") && err.to_string().contains("python"));
}

fn manifest_errors_give_line_field_and_accepted_values() {
    // The issue's example: a number where an enum is expected.
    let e = manifest_error(&GOOD_MANIFEST.replace("\"f64\"", "64"), GOOD_DOCKERFILE);
    assert!(
        e.contains("line 5, column 14")
            && e.contains("field `arithmetic`")
            && e.contains("`f64` | `f32` | `decimal20` | `r15`"),
        "{e}"
    );
    assert!(!e.contains("at byte"), "{e}");

    let e = manifest_error(
        &GOOD_MANIFEST.replace("packages = [\"gawk\"]", "packages = \"gawk\""),
        GOOD_DOCKERFILE,
    );
    assert!(
        e.contains("line 10, column 12")
            && e.contains("field `image.bases.BASE.packages`")
            && e.contains("expected a sequence"),
        "{e}"
    );

    let e = manifest_error(
        &GOOD_MANIFEST.replace("metadata = \"[from awk rawcontainer]\\n\"\n", ""),
        GOOD_DOCKERFILE,
    );
    assert!(
        e.contains("field `metadata` is missing at the top level"),
        "{e}"
    );

    let e = manifest_error(
        &GOOD_MANIFEST.replace("suite = \"bookworm\"\n", ""),
        GOOD_DOCKERFILE,
    );
    assert!(
        e.contains("field `image.bases.BASE.suite` is missing in `image.bases.BASE` (line 8")
            && e.contains("bookworm"),
        "{e}"
    );

    let e = manifest_error(
        &format!("{GOOD_MANIFEST}\n[expected-failures.backnd]\n\"ellipse/x\" = \"why\"\n"),
        GOOD_DOCKERFILE,
    );
    assert!(
        e.contains("line 12")
            && e.contains("field `expected-failures.backnd`")
            && e.contains("backend | flytekit-local"),
        "{e}"
    );

    let e = manifest_error(
        &GOOD_MANIFEST.replace("name = \"awk\"", "name = \"gawk\""),
        GOOD_DOCKERFILE,
    );
    assert!(e.contains("line 2, column 1: field `name`"), "{e}");
}

const GOOD_SUITE: &str = r#"suite = "mini"
judge = "golden"

[task]
inputs = { a = "FLOAT" }
outputs = { area = "FLOAT" }
input_data_dir = "/var/inputs"
output_data_dir = "/var/outputs"
timeout = "60s"

[[case]]
id = "one"
inputs = { a = 1.0 }

[[case]]
id = "two"
inputs = { a = 2.0 }
"#;

fn suite_error(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mini.toml");
    write(&path, text);
    let err = rawconf::spec::suite::Suite::load(&path).unwrap_err();
    assert!(matches!(err, Error::Manifest { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("mini.toml"), "error names the file: {text}");
    text
}

fn every_manifest_error_has_a_line_and_column() {
    let cases = [
        (
            GOOD_MANIFEST.replace("suites = [\"ellipse\"]", "suites = [\"Ellipse\"]"),
            "line 3, column 1: field `suites`",
        ),
        (
            GOOD_MANIFEST.replace("metadata = \"[from awk rawcontainer]\\n\"\n", ""),
            "line 5, column 1: field `metadata` is missing",
        ),
        (
            format!("{GOOD_MANIFEST}\n[expected-failures.backend]\n\"ellipse/x\" = \" \"\n"),
            "line 13, column 1: field `expected-failures.backend.\"ellipse/x\"`: expected a reason",
        ),
        (
            format!("{GOOD_MANIFEST}\n[expected-failures.backend]\n\"ellipse/[x\" = \"why\"\n"),
            // `[` reads as an index in the dotted path, so the table's line is named.
            "line 12, column 20: field `expected-failures.backend.\"ellipse/[x\"`: expected a glob",
        ),
    ];
    for (manifest, expected) in cases {
        let e = manifest_error(&manifest, GOOD_DOCKERFILE);
        assert!(e.contains(expected), "expected {expected:?} in:\n{e}");
    }
    let e = manifest_error(GOOD_MANIFEST, "FROM debian\n");
    assert!(
        e.contains("field `image.bases.BASE`: expected the Dockerfile") && e.contains("line "),
        "{e}"
    );
}

fn a_suite_names_its_judge() {
    let e = suite_error(&GOOD_SUITE.replace("judge = \"golden\"\n", ""));
    assert!(e.contains("judge"), "{e}");
    let e = suite_error(&GOOD_SUITE.replace("judge = \"golden\"", "judge = \"oracle\""));
    assert!(
        e.contains("line 2, column 9: field `judge`") && e.contains("`ellipse`"),
        "{e}"
    );
}

fn suite_errors_give_line_field_and_accepted_values() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("mini.toml"), GOOD_SUITE);
    rawconf::spec::suite::Suite::load(&dir.path().join("mini.toml")).expect("the good suite loads");

    let e = suite_error(&GOOD_SUITE.replace("timeout = \"60s\"", "timeout = 60"));
    assert!(
        e.contains("line 9, column 11")
            && e.contains("field `task.timeout`")
            && e.contains("\"60s\""),
        "{e}"
    );

    let e = suite_error(&GOOD_SUITE.replace("timeout = \"60s\"", "timeout = \"60\""));
    assert!(
        e.contains("line 9, column 1: field `task.timeout`") && e.contains("`2m`"),
        "{e}"
    );

    let e = suite_error(&GOOD_SUITE.replace("a = \"FLOAT\"", "a = \"DOUBLE\""));
    assert!(
        e.contains("line 5")
            && e.contains("field `task.inputs.a`")
            && e.contains(
                "INTEGER, FLOAT, STRING, BOOLEAN, DATETIME, DURATION, NONE, STRUCT, BINARY, ERROR, BLOB, MULTIPART_BLOB, STRUCTURED_DATASET, LIST<T>, MAP<T> or UNION<T1, T2, …>"
            )
            && e.contains("`DOUBLE`"),
        "{e}"
    );

    let e = suite_error(&GOOD_SUITE.replace("id = \"two\"", "id = 2"));
    assert!(
        e.contains("line 16, column 6")
            && e.contains("field `case[1].id`")
            && e.contains("kebab-case"),
        "{e}"
    );

    let e = suite_error(&GOOD_SUITE.replace("inputs = { a = 2.0 }", "inputs = { a = \"2\" }"));
    assert!(
        e.contains("line 17")
            && e.contains("field `case[1].inputs` (id `two`)")
            && e.contains("must be a FLOAT"),
        "{e}"
    );

    let e = suite_error(&GOOD_SUITE.replace("[[case]]\nid = \"one\"", "[[case]]\nidd = \"one\""));
    assert!(
        e.contains("field `case[0].idd`") && e.contains("expected one of `id`"),
        "{e}"
    );
}

/// Blob inputs of a suite: a fixture that is missing or of the wrong kind, a key that is not a
/// blob's, a path that climbs out of the fixtures folder, bad base64 — each names the case,
/// the input and what was expected.
fn suite_blob_inputs_are_checked_and_named_by_uri() {
    let blob_suite = |ty: &str, value: &str| {
        GOOD_SUITE
            .replace("a = \"FLOAT\"", &format!("a = \"{ty}\""))
            .replace(
                "inputs = { a = 1.0 }",
                &format!("inputs = {{ a = {value} }}"),
            )
            .replace(
                "inputs = { a = 2.0 }",
                &format!("inputs = {{ a = {value} }}"),
            )
    };
    let cases = [
        ("BLOB", r#"{ fixture = "nope.txt" }"#, "no file at"),
        ("BLOB", r#"{ fixture = "tree" }"#, "no file at"),
        (
            "MULTIPART_BLOB",
            r#"{ fixture = "hello.txt" }"#,
            "no directory at",
        ),
        (
            "BLOB",
            r#"{ fixture = "../blobs/hello.txt" }"#,
            "not a relative path of plain",
        ),
        ("BLOB", r#"{ files = { x = "1" } }"#, "unknown key `files`"),
        ("BLOB", r#"{ base64 = "@@" }"#, "not valid base64"),
        ("BLOB", r#"{ text = "a", base64 = "" }"#, "exactly one key"),
        ("BLOB", r#""s3://bucket/x""#, "must be a BLOB"),
        ("MULTIPART_BLOB", r#"{ files = {} }"#, "`files` is empty"),
        (
            "LIST<BLOB>",
            r#"[{ text = "ok" }, { fixture = 1 }]"#,
            "[1]: `fixture` must be",
        ),
    ];
    for (ty, value, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let fixtures = dir.path().join("fixtures/blobs");
        std::fs::create_dir_all(fixtures.join("tree")).unwrap();
        write(&fixtures.join("hello.txt"), "hi");
        std::fs::create_dir_all(dir.path().join("suites")).unwrap();
        let path = dir.path().join("suites/mini.toml");
        write(&path, &blob_suite(ty, value));
        let e = rawconf::spec::suite::Suite::load(&path)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("mini.toml")
                && e.contains("field `case[0].inputs` (id `one`)")
                && e.contains("input `a`")
                && e.contains(expected),
            "{ty} {value}: expected `{expected}` in: {e}"
        );
    }
    // Good values: fixture URIs name the path, inline ones a digest; the case keeps the sources.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("fixtures/blobs/tree/sub")).unwrap();
    write(&dir.path().join("fixtures/blobs/tree/sub/x"), "x");
    std::fs::create_dir_all(dir.path().join("suites")).unwrap();
    let path = dir.path().join("suites/mini.toml");
    write(
        &path,
        &blob_suite(
            "LIST<MULTIPART_BLOB>",
            r#"[{ fixture = "tree" }, { files = { "a/b" = "c" } }]"#,
        ),
    );
    let suite = rawconf::spec::suite::Suite::load(&path).unwrap();
    let case = &suite.cases[0];
    let uris: Vec<&String> = case.blobs.0.keys().collect();
    assert_eq!(uris.len(), 2, "{uris:?}");
    assert!(
        uris.iter().any(|u| *u == "s3://rawconf-fixtures/tree"),
        "{uris:?}"
    );
    assert!(
        uris.iter()
            .any(|u| u.starts_with("s3://rawconf-fixtures/inline/")),
        "{uris:?}"
    );
    let mirror = case.blobs.mirror().unwrap();
    let inline = mirror
        .iter()
        .find(|(u, _)| u.contains("/inline/"))
        .unwrap()
        .1;
    assert_eq!(std::fs::read_to_string(inline.join("a/b")).unwrap(), "c");
}

fn every_base_of_a_debian_suite_starts_from_one_root() {
    let root = languages_with_awk();
    let langs = Language::discover(root.path()).unwrap();
    let bases: Vec<_> = langs
        .iter()
        .flat_map(|l| ImagePlan::new(l, Mode::Offline).unwrap().bases)
        .collect();
    let roots = |suite: &str| {
        let mut keys: Vec<&str> = bases
            .iter()
            .filter(|b| b.recipe.suite == suite)
            .map(|b| b.root_key.as_str())
            .collect();
        keys.sort();
        keys.dedup();
        keys
    };
    // Six bookworm bases (shell, python, r, haskell ×2, probe, awk), one root.
    assert_eq!(roots("bookworm").len(), 1, "{bases:#?}");
    assert!(roots("bookworm")[0].starts_with("bookworm-root-"));
    assert_eq!(roots("bullseye").len(), 1);
    assert_ne!(roots("bookworm")[0], roots("bullseye")[0]);
    // Packages name the base, not the root.
    let ghc = bases.iter().find(|b| b.recipe.packages == ["ghc"]).unwrap();
    let python = bases
        .iter()
        .find(|b| b.recipe.packages == ["python3-minimal"])
        .unwrap();
    assert_ne!(ghc.key, python.key);
    assert_eq!(ghc.root_key, python.root_key);
}

/// This module's trials, for `tests/integration.rs`.
pub fn trials() -> Vec<libtest_mimic::Trial> {
    crate::unit_trials!("languages";
        the_five_languages_load_with_the_original_commands,
        a_sixth_language_is_just_a_folder,
        image_tags_follow_the_build_inputs_only,
        malformed_manifests_name_file_field_and_expectation,
        unknown_language_selection_is_a_usage_error,
        manifest_errors_give_line_field_and_accepted_values,
        every_manifest_error_has_a_line_and_column,
        a_suite_names_its_judge,
        suite_errors_give_line_field_and_accepted_values,
        suite_blob_inputs_are_checked_and_named_by_uri,
        every_base_of_a_debian_suite_starts_from_one_root,
    )
}
