//! Parser throughput (STUB: owned by the parser work).
fn main() {}
