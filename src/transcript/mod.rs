//! Session transcripts as asciicast v2: a recorder that tees any link, and a reader.
//!
//! STUB: owned by the transport work.
