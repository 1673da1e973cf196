//! The simulated Windows Firewall rules; `netsh advfirewall firewall` and the NetSecurity cmdlets.
//!
//! STUB: owned by the simulated-machine (security/PowerShell) work.

/// Firewall rules.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Firewall {}
