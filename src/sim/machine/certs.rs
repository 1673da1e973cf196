//! The simulated certificate stores (`Cert:\LocalMachine\Remote Desktop` and others).
//!
//! STUB: owned by the simulated-machine (security/PowerShell) work.

/// Certificate stores by name.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct CertStore {}
