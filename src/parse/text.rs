//! STUB: `text` parser (see parse/mod.rs).
