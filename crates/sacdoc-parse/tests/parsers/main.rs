//! The parsers on real published captures and simulator output.
//!
//! One test binary per group (each file is a module), so the suite links a handful of
//! binaries instead of one per file.

mod parse_bcdedit;
mod parse_certs;
#[path = "../parse_common/mod.rs"]
mod parse_common;
mod parse_firewall;
mod parse_gpresult;
mod parse_icacls;
mod parse_netstat;
mod parse_pastes;
mod parse_reg;
mod parse_sc;
mod parse_services;
mod parse_tasklist;
