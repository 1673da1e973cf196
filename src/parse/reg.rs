//! STUB: `reg` parser (see parse/mod.rs).
