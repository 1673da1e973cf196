//! STUB: `sc` parser (see parse/mod.rs).
