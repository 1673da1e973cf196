//! Helpers shared by the `sim_sac_*` tests: a simulated VM behind its in-process link, read until
//! a pattern arrives, and the expected output of a command on a fresh machine.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use sacdoc_sim::machine::{load_scenario, scenario_names, Scenario};
use sacdoc_sim::sac::SimOptions;
use sacdoc_sim::SimLink;

/// The built-in scenario the tests run (a healthy Windows Server).
pub fn scenario() -> Scenario {
    assert!(scenario_names().contains(&"healthy"), "{:?}", scenario_names());
    load_scenario("healthy").unwrap_or_else(|e| panic!("scenario healthy: {e}"))
}

pub struct Vm {
    pub link: SimLink,
    pub seen: Vec<u8>,
}

impl Vm {
    pub fn new(query: &str) -> Vm {
        let sc = scenario();
        let mut opts = SimOptions::from_settings(sc.sac.clone());
        opts.apply_query(query).unwrap();
        Vm { link: SimLink::new(&sc, &opts), seen: Vec::new() }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.link.write_all(bytes).unwrap();
    }

    /// Reads until `pat` appears in what arrived after the last call; returns that part.
    pub fn until(&mut self, pat: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut buf = [0u8; 4096];
        loop {
            if let Some(pos) = find(&self.seen, pat.as_bytes()) {
                let end = pos + pat.len();
                let got: Vec<u8> = self.seen.drain(..end).collect();
                return String::from_utf8_lossy(&got).into_owned();
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {pat:?}; got {:?}",
                String::from_utf8_lossy(&self.seen)
            );
            match self.link.read(&mut buf) {
                Ok(0) => panic!(
                    "link closed waiting for {pat:?}; got {:?}",
                    String::from_utf8_lossy(&self.seen)
                ),
                Ok(n) => self.seen.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(e) => panic!("read: {e}"),
            }
        }
    }

    /// Everything that arrives within `ms` milliseconds.
    pub fn drain(&mut self, ms: u64) -> String {
        let deadline = Instant::now() + Duration::from_millis(ms);
        let mut buf = [0u8; 4096];
        while Instant::now() < deadline {
            match self.link.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => self.seen.extend_from_slice(&buf[..n]),
                Err(_) => {}
            }
        }
        String::from_utf8_lossy(&std::mem::take(&mut self.seen)).into_owned()
    }
}

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A VM already at `SAC>` with the CMD command available.
pub fn at_sac(extra: &str) -> Vm {
    let q = if extra.is_empty() {
        "start=sac&seed=1".to_string()
    } else {
        format!("start=sac&seed=1&{extra}")
    };
    Vm::new(&q)
}

/// The first credential of the scenario.
pub fn creds() -> (String, String, String) {
    let sc = scenario();
    let c = sc.credentials.first().cloned();
    c.map_or_else(
        || ("azureuser".into(), String::new(), "Sim-Passw0rd!".into()),
        |c| (c.user, c.domain, c.password),
    )
}

/// A VM viewing Cmd0001, logged in, with everything up to the first prompt read.
pub fn logged_in(extra: &str) -> (Vm, String) {
    let mut vm = Vm::new(&format!("start=login&seed=2&{extra}"));
    let (user, domain, password) = creds();
    vm.send(format!("{user}\r{domain}\r{password}\r").as_bytes());
    let shown = vm.until("Password: ");
    assert!(shown.ends_with("Password: "), "{shown:?}");
    let rest = vm.drain(400);
    (vm, rest)
}

/// What the scenario's machine prints for a line, run on a fresh copy of it.
pub fn expected_output(line: &str) -> String {
    let sc = scenario();
    let mut m = sacdoc_sim::machine::Machine::new(&sc);
    m.boot();
    m.exec(&mut sacdoc_sim::machine::ShellState::default(), line).output
}

pub fn vt_text(p: &vt100::Parser) -> String {
    let rows: Vec<String> = p.screen().rows(0, 80).map(|r| r.trim_end().to_string()).collect();
    rows.join("\n")
}
