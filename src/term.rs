//! Terminal emulation of what the console shows: a `vt100` screen per channel, snapshots, and text
//! extraction with console wrapping undone.
//!
//! STUB: owned by the client-core work.
