//! PowerShell as the simulated cmd channel runs it: `powershell -Command "..."` one-liners and the
//! interactive `PS C:\...>` prompt.
//!
//! STUB: owned by the simulated-machine (security/PowerShell) work.
