//! The SAC driver as Windows behaves on the wire: banner, `SAC>` line discipline, commands, events,
//! channels, switch screens, cmd-channel login, output profiles and quirks.
//!
//! STUB: owned by the SAC-driver work.

/// SAC-level settings of a scenario (`[sac]` in its file). Every field has a default.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct SacSettings {}
