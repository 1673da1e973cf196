//! Helpers shared by the session tests: sessions over the in-process simulator and over its
//! servers, and the expected output of a command computed by the simulated machine directly.
#![allow(dead_code)]

use std::time::Duration;

use sacdoc::sac::{Credentials, Secret, Session, SessionOptions};
use sacdoc::sim::machine::{load_scenario, Machine, ShellState};
use sacdoc::transport::Link;

/// The scenario's documented account.
pub fn creds(scenario: &str) -> Credentials {
    let sc = load_scenario(scenario).expect("scenario");
    let c = sc.credentials.first().expect("scenario account").clone();
    Credentials { user: c.user, domain: c.domain, password: Secret::new(c.password) }
}

pub fn options(scenario: &str, timeout_s: u64) -> SessionOptions {
    SessionOptions {
        credentials: creds(scenario),
        keep_channel: false,
        timeout: Duration::from_secs(timeout_s),
        max_time: None,
        output_limit: 16 * 1024 * 1024,
        profile: None,
        transcript: None,
        cancel: None,
    }
}

/// An in-process simulated VM.
pub fn sim_link(scenario: &str, query: &str) -> Box<dyn Link> {
    Box::new(sacdoc::sim::open(scenario, query).expect("open the simulator"))
}

/// A session logged in to a cmd channel of an in-process VM. The budget is generous: on a loaded
/// 2-core machine running the whole suite, typing through the key-dropping quirks (pauses of up
/// to 3 s before repeated keys once a debounce is suspected) can take most of 20 s.
pub fn sim_session(scenario: &str, query: &str) -> Session {
    let mut s = Session::attach(sim_link(scenario, query), options(scenario, 60)).expect("attach");
    s.ensure_cmd().expect("cmd channel");
    s
}

/// What `command` prints on a fresh, booted machine of `scenario` (output, exit code).
pub fn expected(scenario: &str, command: &str) -> (String, i32) {
    let sc = load_scenario(scenario).expect("scenario");
    let mut m = Machine::new(&sc);
    m.boot();
    let mut shell = ShellState { user: creds(scenario).user, ..ShellState::default() };
    let r = m.exec(&mut shell, command);
    (r.output, r.exit_code)
}

/// What `command` prints on a fresh, booted machine as a run with `query` serves it (the profile
/// picks the Windows build that `ver` and the banner show).
pub fn expected_in(scenario: &str, query: &str, command: &str) -> (String, i32) {
    let mut m = sacdoc::sim::prepared_machine(scenario, query).expect("machine");
    m.boot();
    let mut shell = ShellState { user: creds(scenario).user, ..ShellState::default() };
    let r = m.exec(&mut shell, command);
    (r.output, r.exit_code)
}
