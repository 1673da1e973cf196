//! A simulated Windows Server behind SAC: the SAC driver's behaviour ([`sac`]), a cmd.exe over a
//! small model of Windows state ([`machine`]), built-in scenarios, and servers that speak it over a
//! pty, loopback TCP, a Unix socket or in-process.
//!
//! The simulator is part of the product (demo, training, tests), not test-only code.

pub mod machine;
pub mod sac;
