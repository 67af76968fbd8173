//! Drawing typed inputs beyond floats: a [`Shape`] (the declared type) first, then a
//! [`Value`] of that shape, so that every list is homogeneous and every literal matches the
//! interface the task declares — as flytekit would send it.
//!
//! Why a value model of our own rather than drawing [`Literal`](crate::protocol::literal::Literal)s directly: blobs must carry
//! their *bytes* (the explorer writes them to a temp dir and names them by a fixture URI), and
//! shrinking must simplify those bytes and file trees like any other part of the input. A
//! [`Value`] holds everything; [`TypedInput::literal`] turns it into the literal a runtime gets.
//!
//! The classes are the ones the protocol treats differently (protocol-2 §4): lists of random
//! length (0..=4) and nesting (≤ 3 levels), maps whose keys are odd as path components (`/`,
//! `.`, `..`, empty, unicode, spaces), single files and directory trees with random names and
//! bytes, structs from random JSON, binaries (msgpack and another tag), none and unions. Every
//! strategy is built from proptest combinators, so a failing input shrinks to a small one:
//! shorter lists, fewer keys, smaller trees, simpler scalars.

use std::collections::BTreeMap;

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde_json::{Map, Value as Json};

use crate::protocol::inputs::InputFormat;

/// The declared type of the explored input (`x`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// `INTEGER`.
    Int,
    /// `FLOAT`.
    Float,
    /// `STRING`.
    Str,
    /// `BOOLEAN`.
    Bool,
    /// A single-file blob.
    File,
    /// A multipart (directory) blob.
    Dir,
    /// `STRUCT`.
    Struct,
    /// `BINARY`.
    Binary,
    /// `NONE`.
    None,
    /// `LIST<T>`.
    List(Box<Shape>),
    /// `MAP<T>`.
    Map(Box<Shape>),
    /// `T | None`: the union flytekit declares for `Optional[T]`.
    Union(Box<Shape>),
}

/// A value of a [`Shape`], with the bytes of its blobs.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An integer.
    Int(i64),
    /// A float (NaN and ±Inf included: copilot's `json.Marshal` refuses them).
    Float(f64),
    /// A string (unicode, empty, newlines; never NUL, which no argv can carry).
    Str(String),
    /// A boolean.
    Bool(bool),
    /// A file blob's bytes.
    File(Vec<u8>),
    /// A directory blob: `/`-separated relative path → bytes (at least one file: object
    /// storage has no empty directories).
    Dir(BTreeMap<String, Vec<u8>>),
    /// A struct: a JSON object.
    Struct(Map<String, Json>),
    /// A binary: its tag and bytes.
    Binary {
        /// `msgpack` or another tag.
        tag: String,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// The none literal.
    None,
    /// A list.
    List(Vec<Value>),
    /// A map, by key.
    Map(BTreeMap<String, Value>),
    /// A union's value: `Some(v)` holds the declared variant, `None` the none variant.
    Union(Option<Box<Value>>),
}

/// One drawn case: the input `x`'s type and value, and the metadata file the task asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedInput {
    /// The declared type.
    pub shape: Shape,
    /// The value.
    pub value: Value,
    /// `inputs.json` or `inputs.yaml` (`DataLoadingConfig.format`).
    pub format: InputFormat,
}

/// Every typed input: a shape, a value of it, a metadata format.
pub fn typed_input() -> BoxedStrategy<TypedInput> {
    (shape(), prop_oneof![3 => Just(true), 1 => Just(false)])
        .prop_flat_map(|(shape, json)| {
            value(&shape).prop_map(move |value| TypedInput {
                shape: shape.clone(),
                value,
                format: if json {
                    InputFormat::Json
                } else {
                    InputFormat::Yaml
                },
            })
        })
        .boxed()
}

/// Shapes: scalars and blobs, nested in lists and maps up to three levels, unions of scalars.
pub fn shape() -> BoxedStrategy<Shape> {
    let scalar = prop_oneof![
        Just(Shape::Int),
        Just(Shape::Float),
        Just(Shape::Str),
        Just(Shape::Bool),
    ];
    let leaf = prop_oneof![
        4 => scalar.clone(),
        2 => Just(Shape::File),
        2 => Just(Shape::Dir),
        1 => Just(Shape::Struct),
        1 => Just(Shape::Binary),
        1 => Just(Shape::None),
        1 => scalar.prop_map(|s| Shape::Union(Box::new(s))),
    ];
    leaf.prop_recursive(3, 12, 1, |inner| {
        prop_oneof![
            3 => inner.clone().prop_map(|s| Shape::List(Box::new(s))),
            2 => inner.prop_map(|s| Shape::Map(Box::new(s))),
        ]
    })
    .boxed()
}

/// Values of `shape`.
pub fn value(shape: &Shape) -> BoxedStrategy<Value> {
    match shape {
        Shape::Int => int().prop_map(Value::Int).boxed(),
        Shape::Float => float().prop_map(Value::Float).boxed(),
        Shape::Str => string().prop_map(Value::Str).boxed(),
        Shape::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Shape::File => bytes().prop_map(Value::File).boxed(),
        Shape::Dir => tree().prop_map(Value::Dir).boxed(),
        Shape::Struct => json_object(2).prop_map(Value::Struct).boxed(),
        Shape::Binary => binary().boxed(),
        Shape::None => Just(Value::None).boxed(),
        Shape::List(s) => vec(value(s), 0..=4).prop_map(Value::List).boxed(),
        Shape::Map(s) => btree_map(map_key(), value(s), 0..=3)
            .prop_map(Value::Map)
            .boxed(),
        Shape::Union(s) => prop_oneof![
            3 => value(s).prop_map(|v| Value::Union(Some(Box::new(v)))),
            1 => Just(Value::Union(None)),
        ]
        .boxed(),
    }
}

fn int() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => -1000i64..1000,
        1 => any::<i64>(),
        1 => prop_oneof![Just(0i64), Just(i64::MIN), Just(i64::MAX), Just(-1)],
    ]
}

/// Floats: ordinary ones, the values whose text is long or unusual (`-0`, `1e21`, `5e-324`,
/// `MAX`), and, rarely, NaN and ±Inf.
fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -1e6f64..1e6,
        2 => proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO,
        2 => prop_oneof![
            Just(0.0),
            Just(-0.0),
            Just(1e21),
            Just(1e-7),
            Just(0.1),
            Just(5e-324),
            Just(f64::MAX),
            Just(-f64::MAX),
        ],
        1 => prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY)],
    ]
}

/// Strings: ASCII words, unicode, empty, whitespace and newlines (never NUL).
fn string() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z]{0,6}",
        2 => "[^\\x00]{0,8}",
        1 => prop_oneof![
            Just(String::new()),
            Just(" ".to_owned()),
            Just("a\nb".to_owned()),
            Just("tab\there ".to_owned()),
            Just("ünï 中".to_owned()),
            Just("[x,y]".to_owned()),
        ],
    ]
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => vec(any::<u8>(), 0..24),
        1 => "[a-z \n]{0,12}".prop_map(String::into_bytes),
    ]
}

/// Map keys, odd ones as often as plain ones: a key becomes a path component on disk.
pub fn map_key() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-z]{1,4}",
        2 => "[^\\x00]{1,5}",
        1 => prop_oneof![
            Just("/".to_owned()),
            Just(".".to_owned()),
            Just("..".to_owned()),
            Just(String::new()),
            Just("a/b".to_owned()),
            Just("../up".to_owned()),
        ],
        3 => prop_oneof![
            Just("two words".to_owned()),
            Just(" lead".to_owned()),
            Just("trail ".to_owned()),
            Just("ünï".to_owned()),
            Just("a.b".to_owned()),
            Just(".hidden".to_owned()),
        ],
    ]
}

/// One file or directory name in a blob tree: never empty, `.` or `..`, no `/`, NUL or
/// newline (the probe lists one path per line), no space at either end.
fn tree_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z0-9_]{1,5}(\\.[a-z]{1,3})?",
        1 => "[a-zA-Zäöü中 .-]{0,4}[a-zA-Zäöü中_]",
    ]
    .prop_filter("not `.` or `..`", |n| n != "." && n != "..")
}

/// A directory tree: 1..=4 files at depth ≤ 3. A path that is also another's directory is
/// dropped (a file and a directory cannot share a name), keeping at least one file.
pub fn tree() -> impl Strategy<Value = BTreeMap<String, Vec<u8>>> {
    vec((vec(tree_name(), 1..=3), bytes()), 1..=4).prop_map(|files| {
        let mut out: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for (parts, content) in files {
            let path = parts.join("/");
            let clash = out.keys().any(|p| {
                p == &path
                    || p.starts_with(&format!("{path}/"))
                    || path.starts_with(&format!("{p}/"))
            });
            if !clash {
                out.insert(path, content);
            }
        }
        out
    })
}

/// A JSON object as a struct holds it: numbers are doubles (integers, large, negative,
/// fractional), keys any unicode, values nested up to `depth` levels.
pub fn json_object(depth: u32) -> BoxedStrategy<Map<String, Json>> {
    btree_map(json_key(), json_value(depth), 0..=3)
        .prop_map(|m| m.into_iter().collect())
        .boxed()
}

fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![3 => "[a-z]{1,4}", 1 => "[^\\x00]{0,4}"]
}

fn json_number() -> impl Strategy<Value = Json> {
    prop_oneof![
        3 => (-1000i64..1000).prop_map(|i| Json::from(i as f64)),
        1 => prop_oneof![Just(1e21), Just(-2.5), Just(0.1), Just(1e300), Just(-1e-300), Just(2f64.powi(53))]
            .prop_map(Json::from),
        1 => (-1e9f64..1e9).prop_map(Json::from),
    ]
}

fn json_value(depth: u32) -> BoxedStrategy<Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        json_number(),
        string().prop_map(Json::String),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    prop_oneof![
        4 => leaf,
        1 => vec(json_value(depth - 1), 0..=3).prop_map(Json::Array),
        1 => json_object(depth - 1).prop_map(Json::Object),
    ]
    .boxed()
}

/// Binaries: msgpack of a small value (what flytekit writes for dataclasses and dicts), or
/// raw bytes under another tag.
fn binary() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => msgpack_value(2).prop_map(|v| {
            let mut bytes = Vec::new();
            rmpv::encode::write_value(&mut bytes, &v).expect("writing to a Vec cannot fail");
            Value::Binary { tag: "msgpack".into(), bytes }
        }),
        1 => (prop_oneof![Just("json".to_owned()), Just(String::new()), "[a-z]{1,6}"], bytes())
            .prop_map(|(tag, bytes)| Value::Binary { tag, bytes }),
    ]
}

fn msgpack_value(depth: u32) -> BoxedStrategy<rmpv::Value> {
    let leaf = prop_oneof![
        (-1000i64..1000).prop_map(rmpv::Value::from),
        any::<bool>().prop_map(rmpv::Value::from),
        "[a-z ]{0,5}".prop_map(rmpv::Value::from),
        prop_oneof![Just(1.5f64), Just(-0.25), Just(1e21)].prop_map(rmpv::Value::from),
        Just(rmpv::Value::Nil),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    prop_oneof![
        3 => leaf,
        1 => vec(msgpack_value(depth - 1), 0..=3).prop_map(rmpv::Value::Array),
        1 => btree_map("[a-z]{1,3}", msgpack_value(depth - 1), 0..=3).prop_map(|m| {
            rmpv::Value::Map(m.into_iter().map(|(k, v)| (rmpv::Value::from(k), v)).collect())
        }),
    ]
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngSeed, TestRunner};

    fn runner(seed: u64) -> TestRunner {
        TestRunner::new(Config {
            rng_seed: RngSeed::Fixed(seed),
            ..Config::default()
        })
    }

    fn fits(shape: &Shape, v: &Value) -> bool {
        match (shape, v) {
            (Shape::Int, Value::Int(_))
            | (Shape::Float, Value::Float(_))
            | (Shape::Str, Value::Str(_))
            | (Shape::Bool, Value::Bool(_))
            | (Shape::File, Value::File(_))
            | (Shape::Struct, Value::Struct(_))
            | (Shape::Binary, Value::Binary { .. })
            | (Shape::None, Value::None) => true,
            (Shape::Dir, Value::Dir(t)) => !t.is_empty(),
            (Shape::List(s), Value::List(items)) => {
                items.len() <= 4 && items.iter().all(|i| fits(s, i))
            }
            (Shape::Map(s), Value::Map(m)) => m.len() <= 3 && m.values().all(|i| fits(s, i)),
            (Shape::Union(s), Value::Union(v)) => v.as_ref().is_none_or(|v| fits(s, v)),
            _ => false,
        }
    }

    #[test]
    fn values_fit_their_shapes_and_trees_never_clash() {
        let mut r = runner(7);
        for _ in 0..300 {
            let t = typed_input().new_tree(&mut r).unwrap().current();
            assert!(fits(&t.shape, &t.value), "{t:?}");
        }
        for _ in 0..100 {
            let t = tree().new_tree(&mut r).unwrap().current();
            for a in t.keys() {
                assert!(!t.keys().any(|b| b.starts_with(&format!("{a}/"))), "{t:?}");
            }
        }
    }

    #[test]
    fn a_list_shrinks_towards_the_empty_list() {
        let mut r = runner(3);
        let mut tree = value(&Shape::List(Box::new(Shape::Int)))
            .new_tree(&mut r)
            .unwrap();
        while tree.simplify() {}
        assert_eq!(tree.current(), Value::List(Vec::new()));
    }
}
