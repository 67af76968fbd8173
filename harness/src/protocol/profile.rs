//! The semantics a result is judged against.
//!
//! The raw container protocol has two real implementations that disagree in many details
//! (protocol.md §6): Flyte's backend (propeller's templating + copilot's data plane), which is
//! normative, and flytekit's local executor. Every protocol stage takes a [`Profile`] so the same
//! case can be evaluated under either.

use std::fmt;
use std::str::FromStr;

/// Which implementation's behaviour a stage reproduces.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// Flyte propeller + flyte-copilot (the normative behaviour).
    #[default]
    Backend,
    /// flytekit ≥ 1.12 `ContainerTask` local execution.
    FlytekitLocal,
}

impl Profile {
    /// Every profile, in the order reports list them.
    pub const ALL: [Profile; 2] = [Profile::Backend, Profile::FlytekitLocal];

    /// The spelling used on the command line and in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Backend => "backend",
            Profile::FlytekitLocal => "flytekit-local",
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Profile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "backend" => Ok(Profile::Backend),
            "flytekit-local" => Ok(Profile::FlytekitLocal),
            other => Err(format!(
                "unknown profile `{other}`; accepted: {}",
                Profile::ALL.map(Profile::as_str).join(" | ")
            )),
        }
    }
}
