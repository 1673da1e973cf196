//! The SAC session: get to `SAC>` from any state, open and log in to cmd channels, switch channels.
//!
//! STUB: owned by the client-core work.
