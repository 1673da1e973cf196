//! The whole simulated Windows state.
//!
//! STUB: owned by the simulated-machine (state) work.

/// Everything the simulated commands read and change.
#[derive(Debug, Clone, Default)]
pub struct WinState {
    /// Files, directories and their ACLs (drives C: and, on the recovery VM, F:).
    pub fs: super::fs::FileSystem,
    /// Certificate stores (`Cert:\LocalMachine\<store>`).
    pub certs: super::certs::CertStore,
    /// Windows Firewall rules.
    pub firewall: super::firewall::Firewall,
}
