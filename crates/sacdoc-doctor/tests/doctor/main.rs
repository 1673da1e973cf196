//! The doctor on the simulated machine, every scenario: found, fixed, checked.
//!
//! One test binary per group (each file is a module), so the suite links a handful of
//! binaries instead of one per file.

mod doctor_machine;
