//! The simulated file system: directories, files (bytes) and ACLs; `icacls`, `takeown`.
//!
//! STUB: owned by the simulated-machine (security/PowerShell) work. The state work uses the file API
//! for redirection (`>`, `>>`), `type`, `md`, `del`, `reg export`.

/// Files, directories and their ACLs. Paths compare case-insensitively.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct FileSystem {}
