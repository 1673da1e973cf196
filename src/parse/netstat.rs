//! STUB: `netstat` parser (see parse/mod.rs).
