//! STUB: `certs` parser (see parse/mod.rs).
