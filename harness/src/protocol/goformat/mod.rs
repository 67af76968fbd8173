//! Go's formatting and parsing, as pure functions.
//!
//! The backend is written in Go, so "what the protocol does" with a number, a duration or a
//! timestamp is whatever Go's `fmt`, `strconv`, `time` and `encoding/json` do with it. Each
//! submodule reproduces one family exactly (digits, layout, accepted syntax and error texts) and
//! cites the Go source it follows; none of them copies Go's code.

pub mod atof;
pub mod duration;
pub mod float;
pub mod glob;
pub mod quote;
pub mod timefmt;

pub use atof::{
    NumError, NumErrorKind, parse_bool, parse_bool_bytes, parse_float, parse_float_bytes,
    parse_int, parse_int_bytes,
};
pub use duration::{
    duration_to_go_nanos, go_duration_string, go_nanos_to_duration, parse_go_duration,
    proto_text_duration, python_timedelta_str,
};
pub use float::{ShortestDigits, format_e, format_f, format_g, format_json, format_v};
pub use quote::{strconv_quote, time_quote};
pub use timefmt::{parse_rfc3339, python_datetime_str, rfc3339_nano_utc, timestamp_string};
