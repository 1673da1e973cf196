//! STUB: `tasklist` parser (see parse/mod.rs).
