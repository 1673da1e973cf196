//! Connection options shared by every command that talks to a console (target, credentials,
//! recording), resolved once: flag > environment (`SACDOC_*`) > default.
//!
//! STUB: owned by the client-core work.
