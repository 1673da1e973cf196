//! A simulated Windows Server behind SAC: the SAC driver's behaviour ([`sac`]), a cmd.exe over a
//! small model of Windows state ([`machine`]), built-in scenarios, and servers that speak it over a
//! pty, loopback TCP, a Unix socket or in-process.
//!
//! The simulator is part of the product (demo, training, tests), not test-only code.
//!
//! # Using it
//!
//! In-process (what `sim:SCENARIO?key=value&...` targets open):
//!
//! ```no_run
//! use std::io::{Read, Write};
//! let mut link = sacdoc_sim::open("healthy", "profile=ws2019&start=sac").unwrap();
//! link.write_all(b"\r").unwrap();
//! let mut buf = [0u8; 256];
//! let _ = link.read(&mut buf); // "\r\nSAC>", or a TimedOut error after ~50 ms without data
//! ```
//!
//! [`link::SimLink`] implements [`sacdoc_link::Link`]: `read` waits about 50 ms and then fails
//! with `ErrorKind::TimedOut`; `Ok(0)` means the VM shut down or a fault cut the link. The VM is
//! stepped on every read and write; time is real time.
//!
//! Served ([`server::Server`]):
//! `Server::start(&ServeSpec::new("tcp://127.0.0.1:0", "healthy", "profile=ws2019"))` (or `"pty"`,
//! `"telnet://127.0.0.1:0"` for ser2net's telnet mode, `"unix:PATH"`) returns a handle with
//! `describe()`, `addr()`, `pty_path()`, `events()` and `stop()`; many connections in a row share
//! one VM, so a reconnect resumes where the last client left it. `sacdoc sim SCENARIO --listen ...` is the same server from the command line.
//!
//! Lower down, [`sac::Console`] is one VM as a non-blocking state machine (`input`, `poll(now)`),
//! for callers that want to drive time themselves.
//!
//! Query keys (see [`sac::KNOWN_KEYS`]): `profile=ws2022|ws2019|ws2016` (also the Windows build
//! that `ver`, the cmd banner, `id` and the registry show, unless the scenario sets another:
//! [`SacSettings::fit_os`]), `baud=N`, `start=booting|sac|cmd|login|switch|crashed`, `seed=N`,
//! quirks `dropkeys=1`, `eatchars=1`,
//! `cronly=1` (or `quirks=dropkeys,cronly`) with `dropkeys_ms`, `eatchars_ms`, timings
//! `cmd_delay_ms`, `channel_event_delay_ms`, `restart_delay_ms`, `paint_ms`, `idle_timeout_s`,
//! `cols` (wrap width of the streaming profile), `cmd_failure=none|disabled|not_registered|timeout|failed`,
//! `health_report=1`, `makecab_ms=N`, `missing=makecab[,...]` (programs the VM lacks), faults `drop=RATE`, `dup=RATE`, `corrupt=RATE`, `cut_after=N`,
//! `stall_after=N`, `stall_ms=N`, `reboot_mid_command=1`.
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

pub mod faults;
pub mod link;
pub mod machine;
#[cfg(windows)]
pub mod pipe_server;
pub mod rng;
pub mod sac;
pub mod server;
pub mod telnetd;

pub use link::SimLink;
pub use sac::{SacSettings, SimOptions};

/// Errors of the simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The scenario cannot be loaded; `error` says why (it stands in the middle of the message,
    /// so it is not a separate source).
    /// `error` already names the scenario and, when none has that name, lists the known ones.
    #[error("{}", sacdoc_link::chain(.error))]
    UnknownScenario { name: String, error: Box<machine::ScenarioError>, known: String },
    #[error("unknown simulator option {key:?}; known options: {known}")]
    UnknownOption { key: String, known: String },
    #[error("bad value {value:?} for simulator option {key:?}: {hint}")]
    BadOption { key: String, value: String, hint: String },
    #[error("bad listen address {spec:?}: {hint}")]
    BadListen { spec: String, hint: String },
    #[error("{what}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

/// Loads a scenario and applies a query: the options of one run, and the machine.
pub fn prepare(scenario: &str, query: &str) -> Result<(machine::Scenario, SimOptions), SimError> {
    let sc = machine::load_scenario(scenario).map_err(|error| SimError::UnknownScenario {
        name: scenario.to_string(),
        error: Box::new(error),
        known: machine::scenario_names().join(", "),
    })?;
    let mut opts = SimOptions::from_settings(sc.sac.clone());
    opts.apply_query(query)?;
    Ok((sc, opts))
}

/// The machine a simulator run of `scenario` with `query` serves, powered off (call
/// [`machine::Machine::boot`]): its Windows release follows the query's profile as in
/// [`SacSettings::fit_os`]. Tests compute the outputs a client must see from it.
pub fn prepared_machine(scenario: &str, query: &str) -> Result<machine::Machine, SimError> {
    let (sc, opts) = prepare(scenario, query)?;
    let mut m = machine::Machine::new(&sc);
    opts.sac.fit_os(&mut m);
    Ok(m)
}

/// Opens an in-process simulated VM: `scenario` is a built-in scenario name, `query` the
/// `key=value&...` text of a `sim:SCENARIO?...` target (may be empty).
pub fn open(scenario: &str, query: &str) -> Result<SimLink, SimError> {
    let (sc, opts) = prepare(scenario, query)?;
    Ok(SimLink::new(&sc, &opts))
}
