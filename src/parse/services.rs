//! STUB: `services` parser (see parse/mod.rs).
