//! SAC sessions and the runner over every link, faults, reboots, transcripts replayed, the doctor over SAC.
//!
//! One test binary per group (each file is a module), so the suite links a handful of
//! binaries instead of one per file.

mod capture_noise;
mod doctor_sac;
mod password_noise;
mod replay_transcripts;
#[path = "../session_common/mod.rs"]
mod session_common;
mod session_faults;
mod session_links;
mod session_pack;
mod session_painted_pages;
mod session_parallel;
mod session_reboot;
mod session_sim;
mod session_spools;
mod session_telnet;
mod sim_powershell;
