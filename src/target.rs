//! The one target argument every command takes ("COM1", "/dev/ttyS0", "tcp://h:p", "sim:NAME", ...)
//! parsed into a [`Target`], and opened into a [`crate::transport::Link`].
//!
//! STUB: owned by the transport work; the signatures below are the contract other modules use.

use crate::transport::Link;

/// Where the console is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The simulator in-process: `sim:SCENARIO[?profile=ws2019&...]`; `query` is the raw
    /// `key=value&...` text after `?` (empty when absent).
    Sim { scenario: String, query: String },
}

/// A target string that is not one of the accepted forms.
#[derive(Debug, thiserror::Error)]
#[error("bad target {input:?}: {reason}")]
pub struct TargetError {
    pub input: String,
    pub reason: String,
}

/// Opening a target failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot open {target}: {reason}")]
pub struct OpenError {
    pub target: String,
    pub reason: String,
}

impl std::str::FromStr for Target {
    type Err = TargetError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.strip_prefix("sim:") {
            Some(rest) => {
                let (scenario, query) = rest.split_once('?').unwrap_or((rest, ""));
                Ok(Target::Sim { scenario: scenario.to_string(), query: query.to_string() })
            }
            None => Err(TargetError { input: s.to_string(), reason: "not implemented yet".into() }),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Sim { scenario, query } if query.is_empty() => write!(f, "sim:{scenario}"),
            Target::Sim { scenario, query } => write!(f, "sim:{scenario}?{query}"),
        }
    }
}

impl Target {
    /// Opens the link. The caller wraps it in a recorder.
    pub fn open(&self) -> Result<Box<dyn Link>, OpenError> {
        Err(OpenError { target: self.to_string(), reason: "not implemented yet".into() })
    }
}
