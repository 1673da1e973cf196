//! STUB: `firewall` parser (see parse/mod.rs).
