//! Protocol core: tables for every example of protocol.md §3.4, §4.2, §4.3, §5.2, §5.3 and §9
//! (items 1–8, 13–16), properties over floats and arbitrary output files, the CLI, and a
//! cross-check of `inputs.pb` with the real `flyteidl` Python package.

use crate::support;
use libtest_mimic::Trial;
// Equality failures print a line diff of the two sides (similar-asserts).
use similar_asserts::assert_eq;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;
use rawconf::protocol::goformat::{format_f, format_v, parse_float};
use rawconf::protocol::inputs::{InputFormat, InputsRequest, write_inputs};
use rawconf::protocol::literal::*;
use rawconf::protocol::outputs::{CollectRequest, Collected, collect_outputs};
use rawconf::protocol::profile::Profile;
use rawconf::protocol::template::{TemplateContext, render};

fn prim(p: Primitive) -> Literal {
    Literal::primitive(p)
}

fn map(items: &[(&str, Literal)]) -> LiteralMap {
    LiteralMap {
        literals: items
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    }
}

fn ts(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, nanos: i32) -> Timestamp {
    let days = rawconf::protocol::goformat::timefmt::days_from_civil(y, mo, d);
    Timestamp {
        seconds: days * 86_400 + h * 3600 + mi * 60 + s,
        nanos,
    }
}

/// The context of `TestReplaceTemplateCommandArgs` (template_test.go).
fn go_test_ctx(inputs: LiteralMap) -> TemplateContext {
    TemplateContext {
        input_prefix: "input/blah".into(),
        output_prefix: "output/blah".into(),
        raw_output_prefix: "s3://custom-bucket".into(),
        per_retry_unique_key: "per-retry-unique-key".into(),
        namespace: "test-namespace".into(),
        task_template_path: Some("s3://task-path".into()),
        inputs,
        ..Default::default()
    }
}

fn one(arg: &str, ctx: &TemplateContext) -> Result<String, String> {
    render(&[arg.to_string()], ctx)
        .map(|v| v[0].clone())
        .map_err(|e| e.message)
}

// §3.4 and §9 items 7–8: the backend's grammar, order and errors.
fn backend_template(arg: &str, want: &str) {
    let s = |v: &str| prim(Primitive::String(v.into()));
    let inputs = map(&[
        ("arr", Literal::Collection(vec![s("a"), s("b")])),
        (
            "arr2",
            Literal::Collection(vec![
                Literal::Collection(vec![s("a"), s("b")]),
                Literal::Collection(vec![
                    prim(Primitive::Integer(1)),
                    prim(Primitive::Integer(2)),
                ]),
            ]),
        ),
        (
            "date",
            prim(Primitive::Datetime(ts(1900, 1, 1, 1, 1, 1, 1))),
        ),
        ("ds", prim(Primitive::Datetime(ts(1900, 1, 1, 1, 1, 1, 1)))),
        ("table", s("t1")),
        ("hr", s("7")),
        ("min", prim(Primitive::Integer(15))),
    ]);
    assert_eq!(one(arg, &go_test_ctx(inputs)).unwrap(), want);
}

fn backend_template_errors_and_special_cases() {
    let inputs = map(&[("x", prim(Primitive::Integer(1)))]);
    let ctx = go_test_ctx(inputs.clone());
    assert_eq!(
        one("{{ .Inputs.blah }}", &ctx).unwrap_err(),
        "0: input template [{{ .Inputs.blah }}]: requested input is not found [blah]\r\n"
    );
    // Name lookup is case-sensitive even though the keyword is not.
    assert!(one("{{.inputs.X}}", &ctx).is_err());
    // nil input: placeholders untouched, no error.
    assert_eq!(
        one("{{ .Inputs.arr }}", &go_test_ctx(LiteralMap::default())).unwrap(),
        "{{ .Inputs.arr }}"
    );
    assert_eq!(render(&[], &ctx).unwrap(), Vec::<String>::new());
    // Task template path error.
    let mut no_path = ctx.clone();
    no_path.task_template_path = None;
    assert!(one("{{ .TaskTemplatePath }}", &no_path).is_err());
    // Namespace embedded in earlier values (and Inputs too).
    let mut embedded = ctx.clone();
    embedded.raw_output_prefix = "s3://bucket/{{ .Namespace}}".into();
    embedded.prev_checkpoint_prefix = "s3://prev/{{.namespace}}/{{.inputs.x}}".into();
    embedded.checkpoint_output_prefix = "s3://cur/{{ .Namespace }}".into();
    assert_eq!(
        render(
            &[
                "{{.RawOutputDataPrefix}}".into(),
                "{{.PrevCheckpointPrefix}}".into(),
                "{{.CheckpointOutputPrefix}}".into()
            ],
            &embedded
        )
        .unwrap(),
        [
            "s3://bucket/test-namespace",
            "s3://prev/test-namespace/1",
            "s3://cur/test-namespace"
        ]
    );
    // $-expansion of non-input values; input values are literal.
    let mut dollar = ctx.clone();
    dollar.output_prefix = "s3://b/$1x/${name}/$$/$0".into();
    assert_eq!(
        one("{{.OutputPrefix}}", &dollar).unwrap(),
        "s3://b///$/{{.OutputPrefix}}"
    );
    let lit = go_test_ctx(map(&[("v", prim(Primitive::String("$1${x}".into())))]));
    assert_eq!(one("{{.inputs.v}}", &lit).unwrap(), "$1${x}");
    // Maps and none are errors.
    let bad = go_test_ctx(map(&[
        ("m", Literal::Map(inputs.clone())),
        ("n", Literal::Scalar(Scalar::NoneType)),
    ]));
    assert!(
        one("{{.inputs.m}}", &bad)
            .unwrap_err()
            .contains("unexpected primitive type [*core.Literal_Map]")
    );
    assert!(
        one("{{.inputs.n}}", &bad)
            .unwrap_err()
            .contains("[*core.Scalar_NoneType]")
    );
    // Special characters of the unique key.
    let mut key = ctx.clone();
    key.per_retry_unique_key = "33 per retry-unique-key".into();
    assert_eq!(
        one("{{.PerRetryUniqueKey}}", &key).unwrap(),
        "aper_retry_unique_key"
    );
}

// §3.3, §9 items 1, 3, 4, 5: value formats of the backend template and the input file.
fn float_formats(x: f64, template: &str, file: &str) {
    assert_eq!(format_v(x), template);
    assert_eq!(format_f(x), file);
}

fn huge_and_tiny_input_files_have_every_digit() {
    assert_eq!(format_f(f64::MAX).len(), 309);
    assert!(format_f(5e-324).starts_with("0.000"));
    assert!(format_f(5e-324).ends_with("5"));
}

fn template_values_by_profile(p: Primitive, backend: &str, local: &str) {
    let mut ctx = TemplateContext {
        inputs: map(&[("x", prim(p))]),
        ..Default::default()
    };
    assert_eq!(one("{{.inputs.x}}", &ctx).unwrap(), backend);
    ctx.profile = Profile::FlytekitLocal;
    assert_eq!(one("{{.inputs.x}}", &ctx).unwrap(), local);
}

// §5.1 step 5, §5.2, §5.3, §9 items 7–9: flytekit-local rendering.
fn local_template(arg: &str, dir: Option<&str>, want: &str) {
    let blob = Literal::Scalar(Scalar::Blob(Blob {
        uri: "s3://b/f".into(),
        blob_type: BlobType::default(),
    }));
    let ctx = TemplateContext {
        profile: Profile::FlytekitLocal,
        input_data_dir: dir.map(str::to_string),
        inputs: map(&[
            ("f", prim(Primitive::Float(3.0))),
            ("file", blob),
            (
                "l",
                Literal::Collection(vec![
                    prim(Primitive::Integer(1)),
                    prim(Primitive::Integer(2)),
                ]),
            ),
        ]),
        ..Default::default()
    };
    assert_eq!(one(arg, &ctx).unwrap(), want);
    let err = one("{{.inputs.file}}", &ctx).unwrap_err();
    assert!(err.starts_with(
        "AssertionError: FlyteFile and FlyteDirectory commands should not use the template syntax"
    ));
}

fn tmp(name: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("protocol-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

// §4.2 and §9 items 2, 3, 10: input files.
fn input_files_match_copilot() {
    let dir = tmp("inputs");
    let inputs = map(&[
        ("s", prim(Primitive::String("héllo <&>".into()))),
        ("b", prim(Primitive::Boolean(false))),
        ("i", prim(Primitive::Integer(-42))),
        ("f", prim(Primitive::Float(1e-5))),
        ("g", prim(Primitive::Float(1e21))),
        ("h", prim(Primitive::Float(1234567.0))),
        (
            "t",
            prim(Primitive::Datetime(ts(2024, 3, 5, 12, 0, 0, 500_000_000))),
        ),
        (
            "d",
            prim(Primitive::Duration(Duration {
                seconds: 97_323,
                nanos: 5000,
            })),
        ),
        ("n", Literal::Scalar(Scalar::NoneType)),
        (
            "l",
            Literal::Collection(vec![
                prim(Primitive::Integer(1)),
                prim(Primitive::Float(2.5)),
            ]),
        ),
    ]);
    let listing = write_inputs(&InputsRequest {
        inputs: &inputs,
        dir: &dir,
        container_dir: Some("/var/inputs"),
        format: InputFormat::Json,
        profile: Profile::Backend,
    })
    .unwrap();
    assert_eq!(listing.error, None);
    let read = |n: &str| std::fs::read_to_string(dir.join(n)).unwrap();
    let expect: BTreeMap<&str, &str> = [
        ("s", "héllo <&>"),
        ("b", "false"),
        ("i", "-42"),
        ("f", "0.00001"),
        ("g", "1000000000000000000000"),
        ("h", "1234567"),
        ("t", "2024-03-05T12:00:00.5Z"),
        ("d", "27h2m3.000005s"),
        ("n", "null"),
        ("l/0", "1"),
        ("l/1", "2.5"),
    ]
    .into();
    for (name, want) in expect {
        assert_eq!(read(name), want, "{name}");
    }
    assert_eq!(
        read("inputs.json"),
        r#"{"b":false,"d":null,"f":0.00001,"g":1e+21,"h":1234567,"i":-42,"l":[1,2.5],"n":null,"s":"héllo \u003c\u0026\u003e","t":"2024-03-05T12:00:00.5Z"}"#
    );
    // NaN: files and inputs.pb are written, then json.Marshal fails (error as data).
    let dir2 = tmp("inputs-nan");
    let nan = map(&[("a", prim(Primitive::Float(f64::NAN)))]);
    let listing = write_inputs(&InputsRequest {
        inputs: &nan,
        dir: &dir2,
        container_dir: None,
        format: InputFormat::Json,
        profile: Profile::Backend,
    })
    .unwrap();
    let err = listing.error.unwrap();
    assert_eq!(
        (err.code.as_str(), err.message.as_str(), err.kind),
        (
            "InputDownloadFailed",
            "failed to marshal out inputs: json: unsupported value: NaN",
            ErrorKind::Recoverable
        )
    );
    assert_eq!(std::fs::read_to_string(dir2.join("a")).unwrap(), "NaN");
    assert!(dir2.join("inputs.pb").exists() && !dir2.join("inputs.json").exists());
    // YAML goes through go-yaml: 0.00005 → 5e-05, 3.0 → 3.
    let dir3 = tmp("inputs-yaml");
    let y = map(&[
        ("a", prim(Primitive::Float(0.00005))),
        ("b", prim(Primitive::Float(3.0))),
    ]);
    write_inputs(&InputsRequest {
        inputs: &y,
        dir: &dir3,
        container_dir: None,
        format: InputFormat::Yaml,
        profile: Profile::Backend,
    })
    .unwrap();
    assert_eq!(
        std::fs::read_to_string(dir3.join("inputs.yaml")).unwrap(),
        "a: 5e-05\nb: 3\n"
    );
    // flytekit-local writes nothing.
    let dir4 = tmp("inputs-local");
    let listing = write_inputs(&InputsRequest {
        inputs: &y,
        dir: &dir4,
        container_dir: None,
        format: InputFormat::Json,
        profile: Profile::FlytekitLocal,
    })
    .unwrap();
    assert!(listing.entries.is_empty() && std::fs::read_dir(&dir4).unwrap().next().is_none());
}

fn iface(items: &[(&str, LiteralType)]) -> TypedInterface {
    TypedInterface {
        outputs: VariableMap {
            variables: items
                .iter()
                .map(|(k, t)| {
                    (
                        k.to_string(),
                        Variable {
                            literal_type: t.clone(),
                            description: String::new(),
                        },
                    )
                })
                .collect(),
        },
        ..Default::default()
    }
}

fn collect_one(t: SimpleType, files: &[(&str, &[u8])], profile: Profile) -> Collected {
    let dir = tmp(&format!("out-{:?}-{}", t, files.len()));
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let i = iface(&[("o", LiteralType::Simple(t))]);
    collect_outputs(&CollectRequest {
        interface: &i,
        dir: &dir,
        container_dir: Some("/var/outputs"),
        raw_output_prefix: None,
        profile,
    })
    .unwrap()
}

fn ok_prim(c: Collected) -> Primitive {
    match c {
        Collected::Outputs(m) => match m.literals.get("o") {
            Some(Literal::Scalar(Scalar::Primitive(p))) => p.clone(),
            other => panic!("not a primitive: {other:?}"),
        },
        Collected::Error(e) => panic!("error: {}", e.message),
    }
}

fn err_msg(c: Collected) -> String {
    match c {
        Collected::Error(e) => e.message,
        Collected::Outputs(m) => panic!("unexpected outputs {m:?}"),
    }
}

// §4.3 and §9 items 5, 6, 13, 14, 16: the backend's output parsing.
fn backend_outputs_parse(t: SimpleType, bytes: &[u8], want: Primitive) {
    let got = ok_prim(collect_one(t, &[("o", bytes)], Profile::Backend));
    match (&got, &want) {
        (Primitive::Float(a), Primitive::Float(b)) => assert_eq!(a.to_bits(), b.to_bits()),
        _ => assert_eq!(got, want),
    }
}

fn backend_outputs_errors(t: SimpleType, bytes: &[u8], want: &str) {
    assert_eq!(
        err_msg(collect_one(t, &[("o", bytes)], Profile::Backend)),
        want
    );
}

fn backend_output_files_and_error_file() {
    // Missing, extension fallback (exactly one), size cap, directory, _ERROR precedence.
    assert_eq!(
        err_msg(collect_one(SimpleType::String, &[], Profile::Backend)),
        "file not found at path [/var/outputs/o]: stat /var/outputs/o: no such file or directory"
    );
    assert_eq!(
        ok_prim(collect_one(
            SimpleType::String,
            &[("o.txt", b"x")],
            Profile::Backend
        )),
        Primitive::String("x".into())
    );
    assert!(
        err_msg(collect_one(
            SimpleType::String,
            &[("o.txt", b"x"), ("o.md", b"y")],
            Profile::Backend
        ))
        .starts_with("file not found")
    );
    let big = vec![b'1'; 1025];
    assert_eq!(
        err_msg(collect_one(
            SimpleType::String,
            &[("o", &big)],
            Profile::Backend
        )),
        "maximum allowed filesize is [1024], but found [1025]"
    );
    assert_eq!(
        ok_prim(collect_one(
            SimpleType::String,
            &[("o", &big[..1024])],
            Profile::Backend
        )),
        Primitive::String("1".repeat(1024))
    );
    assert_eq!(
        err_msg(collect_one(
            SimpleType::Float,
            &[("o", b"1"), ("_ERROR", b"boom\n")],
            Profile::Backend
        )),
        "User Error: boom\n"
    );
    assert_eq!(
        err_msg(collect_one(
            SimpleType::Float,
            &[("_ERROR", b"")],
            Profile::Backend
        )),
        "User Error: "
    );
    let dir = tmp("errdir");
    std::fs::create_dir_all(dir.join("_ERROR")).unwrap();
    std::fs::create_dir_all(dir.join("o")).unwrap();
    let i = iface(&[("o", LiteralType::Simple(SimpleType::Float))]);
    let req = CollectRequest {
        interface: &i,
        dir: &dir,
        container_dir: Some("/var/outputs"),
        raw_output_prefix: None,
        profile: Profile::Backend,
    };
    assert_eq!(
        err_msg(collect_outputs(&req).unwrap()),
        "error file is a directory"
    );
    std::fs::remove_dir(dir.join("_ERROR")).unwrap();
    assert_eq!(
        err_msg(collect_outputs(&req).unwrap()),
        "expected file for type [FLOAT], found dir at path [/var/outputs/o]"
    );
    std::fs::write(dir.join("_ERROR"), vec![b'e'; 1024 * 1024 + 1]).unwrap();
    assert_eq!(
        err_msg(collect_outputs(&req).unwrap()),
        "error file too large 1048577"
    );
    // Symlinks out of the directory are not followed.
    let dir = tmp("symlink");
    std::os::unix::fs::symlink("/etc/hostname", dir.join("o")).unwrap();
    let req = CollectRequest {
        interface: &i,
        dir: &dir,
        container_dir: None,
        raw_output_prefix: None,
        profile: Profile::Backend,
    };
    assert!(err_msg(collect_outputs(&req).unwrap()).contains("Flyte does not have permissions"));
    // Blobs: file → SINGLE, directory → MULTIPART, URI under the raw prefix.
    let dir = tmp("blobs");
    std::fs::write(dir.join("f"), b"data").unwrap();
    std::fs::create_dir_all(dir.join("d")).unwrap();
    let bi = iface(&[
        ("f", LiteralType::Blob(BlobType::default())),
        ("d", LiteralType::Blob(BlobType::default())),
    ]);
    let req = CollectRequest {
        interface: &bi,
        dir: &dir,
        container_dir: None,
        raw_output_prefix: Some("s3://raw"),
        profile: Profile::Backend,
    };
    let Collected::Outputs(m) = collect_outputs(&req).unwrap() else {
        panic!("blob outputs failed")
    };
    let blob = |n: &str| match &m.literals[n] {
        Literal::Scalar(Scalar::Blob(b)) => b.clone(),
        _ => panic!(),
    };
    assert_eq!(
        (blob("f").uri.as_str(), blob("f").blob_type.dimensionality),
        ("s3://raw/f", Dimensionality::Single)
    );
    assert_eq!(
        (blob("d").uri.as_str(), blob("d").blob_type.dimensionality),
        ("s3://raw/d", Dimensionality::Multipart)
    );
    // Unsupported types.
    let ci = iface(&[(
        "c",
        LiteralType::Collection(Box::new(LiteralType::Simple(SimpleType::Integer))),
    )]);
    let req = CollectRequest {
        interface: &ci,
        dir: &dir,
        container_dir: None,
        raw_output_prefix: None,
        profile: Profile::Backend,
    };
    assert_eq!(
        err_msg(collect_outputs(&req).unwrap()),
        "currently CoPilot uploader does not support [collection_type:{simple:INTEGER}], system error"
    );
}

// §5.1 step 11, §5.3, §9 items 5, 6, 13, 14: flytekit-local conversion.
fn local_outputs(t: SimpleType, bytes: &[u8], want: Primitive) {
    let mut files: Vec<(&str, &[u8])> = vec![("o", bytes)];
    files.push(("_ERROR", b"ignored locally"));
    assert_eq!(
        ok_prim(collect_one(t, &files, Profile::FlytekitLocal)),
        want
    );
}

fn local_output_errors() {
    let e = collect_one(
        SimpleType::Float,
        &[("_ERROR", b"x")],
        Profile::FlytekitLocal,
    );
    let Collected::Error(e) = e else {
        panic!("expected an error")
    };
    assert_eq!(e.code, "FileNotFoundError");
    assert_eq!(
        e.message,
        "[Errno 2] No such file or directory: '/var/outputs/o'"
    );
    assert_eq!(
        err_msg(collect_one(
            SimpleType::Float,
            &[("o", b"abc")],
            Profile::FlytekitLocal
        )),
        "could not convert string to float: 'abc'"
    );
    assert_eq!(
        err_msg(collect_one(
            SimpleType::Duration,
            &[("o", b"-1 day, 23:59:59")],
            Profile::FlytekitLocal
        )),
        "Invalid timedelta string format"
    );
    // Python reads an integer beyond int64; flytekit's Literal cannot hold it (flytekit 1.16.31).
    assert_eq!(
        err_msg(collect_one(
            SimpleType::Integer,
            &[("o", b" +0009_223_372_036_854_775_808\n")],
            Profile::FlytekitLocal
        )),
        "Value out of range: 9223372036854775808"
    );
    assert_eq!(
        err_msg(collect_one(
            SimpleType::Integer,
            &[("o", b"1.5")],
            Profile::FlytekitLocal
        )),
        "invalid literal for int() with base 10: '1.5'"
    );
    let big = vec![b'7'; 2000];
    assert!(matches!(
        collect_one(SimpleType::String, &[("o", &big)], Profile::FlytekitLocal),
        Collected::Outputs(_)
    ));
}

fn any_literal() -> impl Strategy<Value = Literal> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(|i| prim(Primitive::Integer(i))),
        any::<f64>().prop_map(|x| prim(Primitive::Float(x))),
        ".*".prop_map(|s| prim(Primitive::String(s))),
        any::<bool>().prop_map(|b| prim(Primitive::Boolean(b))),
        (-62_135_596_800i64..253_402_300_800, 0i32..1_000_000_000)
            .prop_map(|(seconds, nanos)| prim(Primitive::Datetime(Timestamp { seconds, nanos }))),
        (0i64..315_576_000_000, 0i32..1_000_000_000, any::<bool>()).prop_map(|(s, n, neg)| {
            let (seconds, nanos) = if neg { (-s, -n) } else { (s, n) };
            prim(Primitive::Duration(Duration { seconds, nanos }))
        }),
        ("[a-z:/]{0,12}", any::<bool>()).prop_map(|(uri, multi)| Literal::Scalar(Scalar::Blob(
            Blob {
                uri,
                blob_type: BlobType {
                    format: String::new(),
                    dimensionality: if multi {
                        Dimensionality::Multipart
                    } else {
                        Dimensionality::Single
                    }
                },
            }
        ))),
        Just(Literal::Scalar(Scalar::NoneType)),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Literal::Collection),
            prop::collection::btree_map("[a-z]{1,4}", inner, 0..4)
                .prop_map(|m| Literal::Map(LiteralMap { literals: m })),
        ]
    })
}

fn same(a: &Literal, b: &Literal) -> bool {
    match (a, b) {
        (
            Literal::Scalar(Scalar::Primitive(Primitive::Float(x))),
            Literal::Scalar(Scalar::Primitive(Primitive::Float(y))),
        ) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
        (Literal::Collection(x), Literal::Collection(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Literal::Map(x), Literal::Map(y)) => {
            x.literals.len() == y.literals.len()
                && x.literals
                    .iter()
                    .zip(&y.literals)
                    .all(|((k1, a), (k2, b))| k1 == k2 && same(a, b))
        }
        _ => a == b,
    }
}

fn float_strategy() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::num::f64::NORMAL
            | prop::num::f64::SUBNORMAL
            | prop::num::f64::ZERO
            | prop::num::f64::POSITIVE
            | prop::num::f64::NEGATIVE,
        Just(f64::MAX),
        Just(-0.0),
        Just(5e-324),
        (-30i32..30).prop_map(|e| 10f64.powi(e)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: crate::support::regressions_beside_source(), ..ProptestConfig::default() })]

    /// The backend's template value and copilot's input file both parse back (with Go's
    /// ParseFloat) to the very same bits.
    fn float_text_round_trips(x in float_strategy()) {
        prop_assert_eq!(parse_float(&format_v(x)).unwrap().to_bits(), x.to_bits());
        prop_assert_eq!(parse_float(&format_f(x)).unwrap().to_bits(), x.to_bits());
    }

    /// Protobuf JSON round trip of every literal (through text, as a vendor would see it).
    fn literal_json_round_trip(l in any_literal()) {
        let text = to_go_json(&l.to_json());
        let back = Literal::from_json(&serde_json::from_str(&text).unwrap(), "").unwrap();
        prop_assert!(same(&l, &back), "{:?} → {} → {:?}", l, text, back);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: crate::support::regressions_beside_source(), ..ProptestConfig::default() })]

    /// The collector never panics, whatever bytes and names the container leaves behind.
    fn collector_never_panics(
        files in prop::collection::vec(("[a-z._]{1,6}", prop::collection::vec(any::<u8>(), 0..1100)), 0..6),
        t in 0usize..10,
        profile in prop_oneof![Just(Profile::Backend), Just(Profile::FlytekitLocal)],
    ) {
        let dir = tmp("fuzz");
        for (name, bytes) in &files {
            let _ = std::fs::write(dir.join(name), bytes);
        }
        let i = iface(&[("o", LiteralType::Simple(SimpleType::ALL[t])), ("f", LiteralType::Blob(BlobType::default()))]);
        let request = CollectRequest { interface: &i, dir: &dir, container_dir: None, raw_output_prefix: None, profile };
        let first = collect_outputs(&request);
        // A task's files are data: whatever they hold, the answer is a result, the same twice.
        prop_assert!(first.is_ok(), "files {:?} gave a harness error: {:?}", files, first);
        let first = first.unwrap();
        prop_assert_eq!(&first, &collect_outputs(&request).unwrap());
        if let Collected::Outputs(m) = &first {
            // Outputs means every declared output was read.
            prop_assert!(m.literals.contains_key("o") && m.literals.contains_key("f"), "{:?}", m);
            if profile == Profile::Backend {
                // … from a file of at most 1024 bytes (the sidecar's cap), its own or `o.<ext>`.
                let sizes: Vec<usize> = files.iter().rev()
                    .filter(|(n, _)| n == "o" || n.starts_with("o."))
                    .map(|(_, b)| b.len())
                    .collect();
                prop_assert!(sizes.iter().any(|n| *n <= 1024), "o read from {:?}", files);
            }
        }
    }
}

fn cli_commands() {
    let dir = tmp("cli");
    let inputs = dir.join("in.json");
    std::fs::write(&inputs, r#"{"literals":{"a":{"scalar":{"primitive":{"floatValue":1e6}}},"b":{"scalar":{"primitive":{"float_value":"4"}}}}}"#).unwrap();
    let out = support::rawconf()
        .args(["template", "render", "--inputs"])
        .arg(&inputs)
        .args([
            "--input-prefix",
            "/in",
            "--",
            "{{.inputs.a}}",
            "{{ .Inputs.b }}",
            "{{.Input}}",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r#"["1e+06","4","/in/inputs.pb"]"#
    );
    let out = support::rawconf()
        .args(["template", "render", "--inputs"])
        .arg(&inputs)
        .args(["--", "{{.inputs.c}}"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("requested input is not found [c]"));
    std::fs::write(
        &inputs,
        r#"{"literals":{"a":{"scalar":{"primitive":{"floatValue":[]}}}}}"#,
    )
    .unwrap();
    let out = support::rawconf()
        .args(["template", "render", "--inputs"])
        .arg(&inputs)
        .args(["--", "x"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("literals.a.scalar.primitive.floatValue")
    );

    let od = dir.join("out");
    std::fs::create_dir_all(&od).unwrap();
    std::fs::write(od.join("area"), "37.69911184307751886128\n").unwrap();
    let ifile = dir.join("iface.json");
    std::fs::write(
        &ifile,
        r#"{"outputs":{"variables":{"area":{"type":{"simple":"FLOAT"}}}}}"#,
    )
    .unwrap();
    let out = support::rawconf()
        .args(["outputs", "collect", "--interface"])
        .arg(&ifile)
        .arg("--dir")
        .arg(&od)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r#"{"outputs":{"literals":{"area":{"scalar":{"primitive":{"floatValue":37.69911184307752}}}}}}"#
    );
    std::fs::write(od.join("area"), "abc").unwrap();
    let out = support::rawconf()
        .args(["outputs", "collect", "--interface"])
        .arg(&ifile)
        .arg("--dir")
        .arg(&od)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(r#""code":"OutputUploadFailed""#));

    let idir = dir.join("inputs");
    std::fs::write(
        &inputs,
        r#"{"literals":{"x":{"scalar":{"primitive":{"integer":"7"}}}}}"#,
    )
    .unwrap();
    let out = support::rawconf()
        .args(["inputs", "write", "--format", "yaml", "--inputs"])
        .arg(&inputs)
        .arg("--dir")
        .arg(&idir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(idir.join("inputs.yaml")).unwrap(),
        "x: 7\n"
    );
}

/// The flyteidl version whose Python bindings check our `inputs.pb` bytes.
const FLYTEIDL_VERSION: &str = "1.16.1";

/// A venv with `flyteidl` under the target dir, created once and reused.
fn flyteidl_python() -> PathBuf {
    let venv =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("flyteidl-venv-{FLYTEIDL_VERSION}"));
    let python = venv.join("bin/python");
    let marker = venv.join(".installed");
    if marker.exists() {
        return python;
    }
    let _ = std::fs::remove_dir_all(&venv);
    let out = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .expect("python3 must be installed");
    assert!(
        out.status.success(),
        "python3 -m venv failed (install python3-venv):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            &format!("flyteidl=={FLYTEIDL_VERSION}"),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pip install flyteidl=={FLYTEIDL_VERSION} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&marker, FLYTEIDL_VERSION).unwrap();
    python
}

fn inputs_pb_decodes_with_flyteidl() {
    let m = map(&[
        ("i", prim(Primitive::Integer(-42))),
        ("f", prim(Primitive::Float(1234567.0))),
        ("nan", prim(Primitive::Float(f64::NAN))),
        ("s", prim(Primitive::String("héllo".into()))),
        ("b", prim(Primitive::Boolean(true))),
        (
            "t",
            prim(Primitive::Datetime(ts(2024, 3, 5, 12, 0, 0, 500_000_000))),
        ),
        (
            "d",
            prim(Primitive::Duration(Duration {
                seconds: -1,
                nanos: -500_000_000,
            })),
        ),
        (
            "blob",
            Literal::Scalar(Scalar::Blob(Blob {
                uri: "/var/inputs/blob".into(),
                blob_type: BlobType {
                    format: "csv".into(),
                    dimensionality: Dimensionality::Multipart,
                },
            })),
        ),
        ("none", Literal::Scalar(Scalar::NoneType)),
        // Scalar field 6 and Error's two fields, read back by flyteidl's own classes.
        (
            "err",
            Literal::Scalar(Scalar::Error(NodeError {
                failed_node_id: "n0".into(),
                message: "disk full\r".into(),
            })),
        ),
        (
            "l",
            Literal::Collection(vec![
                prim(Primitive::Integer(1)),
                Literal::Map(map(&[("k", prim(Primitive::String("v".into())))])),
            ]),
        ),
    ]);
    let dir = tmp("pb");
    let pb = dir.join("inputs.pb");
    std::fs::write(&pb, m.encode_protobuf()).unwrap();
    let python = flyteidl_python();
    let script = "import sys\nfrom flyteidl.core import literals_pb2\nfrom google.protobuf.json_format import MessageToJson\nm = literals_pb2.LiteralMap()\nm.ParseFromString(open(sys.argv[1], 'rb').read())\nprint(MessageToJson(m))\n";
    let out = Command::new(&python)
        .args(["-c", script])
        .arg(&pb)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let decoded = LiteralMap::from_json(&theirs, "").unwrap();
    assert!(
        same(&Literal::Map(decoded), &Literal::Map(m)),
        "flyteidl decoded: {theirs}"
    );
}

/// A map key that is not one path component would make copilot `path.Join` its way elsewhere —
/// outside the input dir for `../…`. rawconf refuses it as a usage error and writes nothing
/// outside the directory.
fn map_keys_never_leave_the_input_dir() {
    for key in ["../escape", "a/b", "..", ".", ""] {
        let base = tmp(&format!("map-key-{}", key.len()));
        let dir = base.join("inputs");
        let inputs = LiteralMap {
            literals: BTreeMap::from([(
                "m".to_owned(),
                Literal::Map(LiteralMap {
                    literals: BTreeMap::from([(key.to_owned(), prim(Primitive::Integer(1)))]),
                }),
            )]),
        };
        let got = write_inputs(&InputsRequest {
            inputs: &inputs,
            dir: &dir,
            container_dir: Some("/var/inputs"),
            format: InputFormat::Json,
            profile: Profile::Backend,
        });
        let err = got
            .expect_err(&format!("key {key:?} must be refused"))
            .to_string();
        assert!(err.contains("does not model the map key"), "{key:?}: {err}");
        assert!(
            !base.join("escape").exists(),
            "{key:?} wrote outside the input dir"
        );
    }
}

/// This module's trials, for `tests/integration.rs`.
pub fn trials() -> Vec<libtest_mimic::Trial> {
    let mut trials = crate::unit_trials!("protocol";
        backend_template_errors_and_special_cases,
        huge_and_tiny_input_files_have_every_digit,
        input_files_match_copilot,
        backend_output_files_and_error_file,
        local_output_errors,
        float_text_round_trips,
        literal_json_round_trip,
        collector_never_panics,
        cli_commands,
        inputs_pb_decodes_with_flyteidl,
        map_keys_never_leave_the_input_dir,
    );
    // The tables (one trial per row; they were rstest cases).
    trials.extend(backend_template_trials());
    trials.extend(float_formats_trials());
    trials.extend(template_values_by_profile_trials());
    trials.extend(local_template_trials());
    trials.extend(backend_outputs_parse_trials());
    trials.extend(backend_outputs_errors_trials());
    trials.extend(local_outputs_trials());
    trials
}

/// One trial per row of a table: `rows!(f; label => (args…), …)` makes the trial
/// `protocol/f::label` that calls `f(args…)` (a plain check that panics on failure).
macro_rules! rows {
    ($f:ident; $($label:ident => ($($arg:expr),* $(,)?)),* $(,)?) => {
        vec![$(Trial::test(concat!("protocol/", stringify!($f), "::", stringify!($label)), || {
            $f($($arg),*);
            Ok(())
        })),*]
    };
}

/// `backend_template` once per row of its table (`<row> => (<arguments>)`), named as rstest named them.
fn backend_template_trials() -> Vec<Trial> {
    rows!(backend_template;
        case_01_nothing => ("hello", "hello"),
        case_02_input_file => ("{{ .Input }}", "input/blah/inputs.pb"),
        case_03_output_prefix => ("{{ .OutputPrefix }}", "output/blah"),
        case_04_bad_input_template => ("${{input}}", "${{input}}"),
        case_05_lowercase_raw => ("--switch {{ .rawOutputDataPrefix }}", "--switch s3://custom-bucket"),
        case_06_dollar_raw => ("{{ $RawOutputDataPrefix }}", "s3://custom-bucket"),
        case_07_wrong_name => ("{{ .wrongOutputDataPrefix }}", "{{ .wrongOutputDataPrefix }}"),
        case_08_input_file_doc_name_not_implemented => ("{{ .InputFile }}", "{{ .InputFile }}"),
        case_09_collection => ("--someArg {{ .Inputs.arr }}", "--someArg [a,b]"),
        case_10_nested => ("{{.inputs.arr2}}", "[[a,b],[1,2]]"),
        case_11_date => ("--someArg {{ .Inputs.date }}", "--someArg 1900-01-01T01:01:01.000000001Z"),
        case_12_bad_template_untouched => ("{{ .Inputs.blah blah }}", "{{ .Inputs.blah blah }}"),
        case_13_case_insensitive_key => ("{{ .PerretryuNIqueKey }}", "per_retry_unique_key"),
        case_14_task_template => ("{{ .taskTemplatePath }}", "s3://task-path"),
        case_15_no_prev_checkpoint => ("--prev={{ .PrevCheckpointPrefix }}", "--prev=\"\""),
        case_16_upper_inputs => ("{{ .INPUTS.min }}", "15"),
        case_17_tab_and_newline => ("{{\t$inputs.min\n}}", "15"),
        case_18_no_dot => ("{{inputs.min}}", "{{inputs.min}}"),
        case_19_empty_name => ("{{.inputs.}}", "{{.inputs.}}"),
        case_20_several => ("x{{.inputs.min}}y{{.inputs.hr}}", "x15y7"),
        case_21_multi_line_sql => ("SELECT * FROM {{ .Inputs.table }} WHERE ds = '{{ .Inputs.ds }}' AND hr = {{.Inputs.hr}} AND min = {{ .Inputs.min }}", "SELECT * FROM t1 WHERE ds = '1900-01-01T01:01:01.000000001Z' AND hr = 7 AND min = 15"),
    )
}

/// `float_formats` once per row of its table (`<row> => (<arguments>)`), named as rstest named them.
fn float_formats_trials() -> Vec<Trial> {
    rows!(float_formats;
        case_01 => (3.0, "3", "3"),
        case_02 => (4.0, "4", "4"),
        case_03 => (1.1, "1.1", "1.1"),
        case_04 => (0.1, "0.1", "0.1"),
        case_05 => (37.69911184307752, "37.69911184307752", "37.69911184307752"),
        case_06 => (123456.0, "123456", "123456"),
        case_07 => (1234567.0, "1.234567e+06", "1234567"),
        case_08 => (1e6, "1e+06", "1000000"),
        case_09 => (12345678.9, "1.23456789e+07", "12345678.9"),
        case_10 => (1e16, "1e+16", "10000000000000000"),
        case_11 => (1e20, "1e+20", "100000000000000000000"),
        case_12 => (1e21, "1e+21", "1000000000000000000000"),
        case_13 => (1e-4, "0.0001", "0.0001"),
        case_14 => (1e-5, "1e-05", "0.00001"),
        case_15 => (-0.0, "-0", "-0"),
        case_16 => (f64::INFINITY, "+Inf", "+Inf"),
        case_17 => (f64::NEG_INFINITY, "-Inf", "-Inf"),
        case_18 => (f64::NAN, "NaN", "NaN"),
    )
}

/// `template_values_by_profile` once per row of its table (`<row> => (<arguments>)`), named as rstest named them.
fn template_values_by_profile_trials() -> Vec<Trial> {
    rows!(template_values_by_profile;
        case_01_bool => (Primitive::Boolean(true), "true", "True"),
        case_02_int => (Primitive::Integer(-42), "-42", "-42"),
        case_03_float => (Primitive::Float(3.0), "3", "3.0"),
        case_04_float_big => (Primitive::Float(1e16), "1e+16", "1e+16"),
        case_05_float_nan => (Primitive::Float(f64::NAN), "NaN", "nan"),
        case_06_float_inf => (Primitive::Float(f64::INFINITY), "+Inf", "inf"),
        case_07_string => (Primitive::String("a b".into()), "a b", "a b"),
        case_08_empty => (Primitive::String(String::new()), "", ""),
        case_09_datetime => (Primitive::Datetime(ts(2024, 3, 5, 12, 0, 0, 0)), "2024-03-05T12:00:00Z", "2024-03-05 12:00:00+00:00"),
        case_10_datetime_frac => (Primitive::Datetime(ts(2024, 3, 5, 12, 0, 0, 500_000_000)), "2024-03-05T12:00:00.5Z", "2024-03-05 12:00:00.500000+00:00"),
        case_11_hour => (Primitive::Duration(Duration { seconds: 3600, nanos: 0, }), "seconds:3600", "1:00:00"),
        case_12_hour_5us => (Primitive::Duration(Duration { seconds: 3600, nanos: 5000, }), "seconds:3600 nanos:5000", "1:00:00.000005"),
        case_13_sec_half => (Primitive::Duration(Duration { seconds: 1, nanos: 500_000_000, }), "seconds:1 nanos:500000000", "0:00:01.500000"),
        case_14_ms => (Primitive::Duration(Duration { seconds: 0, nanos: 300_000_000, }), "nanos:300000000", "0:00:00.300000"),
        case_15_zero => (Primitive::Duration(Duration { seconds: 0, nanos: 0, }), "", "0:00:00"),
        case_16_minus_day => (Primitive::Duration(Duration { seconds: -86_400, nanos: 0, }), "seconds:-86400", "-1 day, 0:00:00"),
    )
}

/// `local_template` once per row of its table (`<row> => (<arguments>)`), named as rstest named them.
fn local_template_trials() -> Vec<Trial> {
    rows!(local_template;
        case_01_whole => ("{{.inputs.f}}", Some("/var/inputs"), "3.0"),
        case_02_spaces => ("{{ .inputs.f }}", Some("/var/inputs"), "3.0"),
        case_03_trailing_newline => ("{{.inputs.f}}\n", Some("/var/inputs"), "3.0"),
        case_04_capital => ("{{.Inputs.f}}", Some("/var/inputs"), "{{.Inputs.f}}"),
        case_05_dollar => ("{{$inputs.f}}", Some("/var/inputs"), "{{$inputs.f}}"),
        case_06_embedded => ("x{{.inputs.f}}", Some("/var/inputs"), "x{{.inputs.f}}"),
        case_07_echo => ("echo {{.inputs.f}}", Some("/var/inputs"), "echo {{.inputs.f}}"),
        case_08_missing => ("{{.inputs.missing}}", Some("/var/inputs"), "None"),
        case_09_a_b => ("{{.inputs.a b}}", Some("/var/inputs"), "None"),
        // Found by running real flytekit 1.16.31 on the protocol suite: `if k:` skips an empty key.
        case_10_empty_name => ("{{.inputs.}}", Some("/var/inputs"), "{{.inputs.}}"),
        case_11_path_primitive => ("/var/inputs/f", Some("/var/inputs"), "3.0"),
        case_12_path_trailing_slash_dir => ("/var/inputs/f", Some("/var/inputs/"), "3.0"),
        case_13_path_unknown => ("/var/inputs/x", Some("/var/inputs"), "None"),
        case_14_path_not_at_start => ("--x=/var/inputs/f", Some("/var/inputs"), "--x=/var/inputs/f"),
        case_15_path_blob => ("/var/inputs/file", Some("/var/inputs"), "/var/inputs/file"),
        case_16_no_dir_slash => ("/bin/sh", None, "None"),
        case_17_no_dir_outputs => ("/var/outputs", None, "None"),
        case_18_other_templates => ("{{.OutputPrefix}}", Some("/var/inputs"), "{{.OutputPrefix}}"),
        case_19_list => ("{{.inputs.l}}", Some("/var/inputs"), "[1, 2]"),
    )
}

/// `backend_outputs_parse` once per row of its table (`<row> => (<arguments>)`), named as rstest named them.
fn backend_outputs_parse_trials() -> Vec<Trial> {
    rows!(backend_outputs_parse;
        case_01_bc => (SimpleType::Float, b"37.69911184307751886128\n", Primitive::Float(37.69911184307752)),
        case_02_exp => (SimpleType::Float, b"1e5", Primitive::Float(1e5)),
        case_03_dot5 => (SimpleType::Float, b".5", Primitive::Float(0.5)),
        case_04_five_dot => (SimpleType::Float, b"5.", Primitive::Float(5.0)),
        case_05_plus => (SimpleType::Float, b"+1.5", Primitive::Float(1.5)),
        case_06_inf => (SimpleType::Float, b"Infinity", Primitive::Float(f64::INFINITY)),
        case_07_hex => (SimpleType::Float, b"0x1p-2", Primitive::Float(0.25)),
        case_08_underscore => (SimpleType::Float, b"1_000.5", Primitive::Float(1000.5)),
        case_09_trim => (SimpleType::Float, b" \t3.5\n\n", Primitive::Float(3.5)),
        case_10_int => (SimpleType::Integer, b"-42\n", Primitive::Integer(-42)),
        case_11_bool_t => (SimpleType::Boolean, b"T", Primitive::Boolean(true)),
        case_12_bool_false_nl => (SimpleType::Boolean, b"false\n", Primitive::Boolean(false)),
        case_13_bool_upper => (SimpleType::Boolean, b"FALSE", Primitive::Boolean(false)),
        case_14_bool_0 => (SimpleType::Boolean, b"0", Primitive::Boolean(false)),
        case_15_string_trim => (SimpleType::String, b"  hi\n", Primitive::String("hi".into())),
        case_16_string_cr => (SimpleType::String, b"hi\r\n", Primitive::String("hi\r".into())),
        case_17_string_ws => (SimpleType::String, b" \n\t", Primitive::String(String::new())),
        case_18_dur => (SimpleType::Duration, b"1h0m0s", Primitive::Duration(Duration { seconds: 3600, nanos: 0, })),
        case_19_dur_neg => (SimpleType::Duration, b"-1.5h", Primitive::Duration(Duration { seconds: -5400, nanos: 0, })),
        case_20_dur_us => (SimpleType::Duration, "1µs".as_bytes(), Primitive::Duration(Duration { seconds: 0, nanos: 1000, })),
        case_21_dur_zero => (SimpleType::Duration, b"0", Primitive::Duration(Duration { seconds: 0, nanos: 0, })),
        case_22_dt => (SimpleType::Datetime, b"2024-03-05T12:00:00.5Z", Primitive::Datetime(ts(2024, 3, 5, 12, 0, 0, 500_000_000))),
        case_23_dt_offset => (SimpleType::Datetime, b"2024-03-05T13:00:00+01:00", Primitive::Datetime(ts(2024, 3, 5, 12, 0, 0, 0))),
    )
}

/// `backend_outputs_errors` once per row of its table (`<row> => (<arguments>)`), named as rstest named them.
fn backend_outputs_errors_trials() -> Vec<Trial> {
    rows!(backend_outputs_errors;
        case_01_abc => (SimpleType::Float, b"abc", "failed to parse Float value: strconv.ParseFloat: parsing \"abc\": invalid syntax"),
        case_02_cr => (SimpleType::Float, b"3.14\r\n", "failed to parse Float value: strconv.ParseFloat: parsing \"3.14\\r\": invalid syntax"),
        case_03_comma => (SimpleType::Float, b"1,5", "failed to parse Float value: strconv.ParseFloat: parsing \"1,5\": invalid syntax"),
        case_04_empty => (SimpleType::Float, b"", "failed to parse Float value: strconv.ParseFloat: parsing \"\": invalid syntax"),
        case_05_range => (SimpleType::Float, b"1e400", "failed to parse Float value: strconv.ParseFloat: parsing \"1e400\": value out of range"),
        case_06_int_dot => (SimpleType::Integer, b"1.0", "failed to parse integer value: strconv.ParseInt: parsing \"1.0\": invalid syntax"),
        case_07_yes => (SimpleType::Boolean, b"yes", "failed to parse Bool value: strconv.ParseBool: parsing \"yes\": invalid syntax"),
        case_08_dur_3600 => (SimpleType::Duration, b"3600", "failed to parse Duration, valid formats: e.g. 300ms, -1.5h, 2h45m: time: missing unit in duration \"3600\""),
        case_09_dur_1d => (SimpleType::Duration, b"1d", "failed to parse Duration, valid formats: e.g. 300ms, -1.5h, 2h45m: time: unknown unit \"d\" in duration \"1d\""),
        case_10_dur_py => (SimpleType::Duration, b"1 day, 3:02:03.000005", "failed to parse Duration, valid formats: e.g. 300ms, -1.5h, 2h45m: time: unknown unit \" day, \" in duration \"1 day, 3:02:03.000005\""),
        case_11_dt_space => (SimpleType::Datetime, b"2024-03-05 12:00:00+00:00", "failed to parse Datetime in RFC3339 format: parsing time \"2024-03-05 12:00:00+00:00\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \" 12:00:00+00:00\" as \"T\""),
        case_12_dt_naive => (SimpleType::Datetime, b"2024-03-05T12:00:00", "failed to parse Datetime in RFC3339 format: parsing time \"2024-03-05T12:00:00\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"\" as \"Z07:00\""),
    )
}

/// `local_outputs` once per row of its table (`<row> => (<arguments>)`), named as rstest named them.
fn local_outputs_trials() -> Vec<Trial> {
    rows!(local_outputs;
        case_01_no_trim => (SimpleType::String, b"hi\n", Primitive::String("hi\n".into())),
        case_02_bool_false_nl => (SimpleType::Boolean, b"false\n", Primitive::Boolean(true)),
        case_03_bool_false_upper => (SimpleType::Boolean, b"FALSE", Primitive::Boolean(false)),
        case_04_bool_zero => (SimpleType::Boolean, b"0", Primitive::Boolean(true)),
        case_05_bool_empty => (SimpleType::Boolean, b"", Primitive::Boolean(true)),
        case_06_float_crlf => (SimpleType::Float, b"2.75\r\n", Primitive::Float(2.75)),
        case_07_float_nan_case => (SimpleType::Float, b"Infinity", Primitive::Float(f64::INFINITY)),
        case_08_int_ws => (SimpleType::Integer, b" 7\r\n", Primitive::Integer(7)),
        case_09_int_underscore => (SimpleType::Integer, b"1_000", Primitive::Integer(1000)),
        case_10_td => (SimpleType::Duration, b"1 day, 3:02:03.000005", Primitive::Duration(Duration { seconds: 97_323, nanos: 5000, })),
        case_11_td_frac_as_micros => (SimpleType::Duration, b"0:00:01.5", Primitive::Duration(Duration { seconds: 1, nanos: 5000, })),
        case_12_td_min_sec => (SimpleType::Duration, b"5:30", Primitive::Duration(Duration { seconds: 330, nanos: 0, })),
        case_13_dt => (SimpleType::Datetime, b"2024-03-05 12:00:00+00:00", Primitive::Datetime(ts(2024, 3, 5, 12, 0, 0, 0))),
    )
}
