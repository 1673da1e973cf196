//! STUB: `bcdedit` parser (see parse/mod.rs).
