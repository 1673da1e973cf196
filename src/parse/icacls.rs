//! STUB: `icacls` parser (see parse/mod.rs).
