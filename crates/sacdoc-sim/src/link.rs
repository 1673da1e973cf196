//! [`SimLink`]: a simulated VM as an in-process [`Link`], the simulator's cheapest transport.
//!
//! The VM is stepped on every read and write with real time, so event delays, painting and
//! `baud=` pacing behave as on a wire. `read` waits up to [`READ_TIMEOUT`] for bytes and then
//! fails with `ErrorKind::TimedOut` ("no data yet"); `Ok(0)` means the VM shut down or a fault cut
//! the link (after which writes fail with `BrokenPipe`).

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use crate::machine::{Machine, Scenario};
use crate::sac::{Console, SimOptions};
use sacdoc_link::Link;

/// How long `read` waits for data before reporting "no data yet".
pub const READ_TIMEOUT: Duration = Duration::from_millis(50);

/// An in-process simulated VM.
#[derive(Debug)]
pub struct SimLink {
    console: Console,
    pending: VecDeque<u8>,
    closed: bool,
    name: String,
    read_timeout: Duration,
}

impl SimLink {
    /// A VM of `scenario` with `opts`, starting now.
    pub fn new(scenario: &Scenario, opts: &SimOptions) -> SimLink {
        let machine = Machine::new(scenario);
        SimLink::from_machine(machine, &scenario.name, opts)
    }

    /// A VM around an already built machine.
    pub fn from_machine(machine: Machine, name: &str, opts: &SimOptions) -> SimLink {
        SimLink {
            console: Console::new(machine, opts, Instant::now()),
            pending: VecDeque::new(),
            closed: false,
            name: name.to_string(),
            read_timeout: READ_TIMEOUT,
        }
    }

    /// Changes how long `read` waits (default 50 ms).
    pub fn set_read_timeout(&mut self, t: Duration) {
        self.read_timeout = t;
    }

    /// The VM behind the link, for inspection in tests.
    pub fn console(&self) -> &Console {
        &self.console
    }

    fn pump(&mut self) {
        if self.closed {
            return;
        }
        let polled = self.console.poll(Instant::now());
        self.pending.extend(polled.bytes);
        if polled.closed {
            self.closed = true;
        }
    }
}

impl Read for SimLink {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let deadline = Instant::now() + self.read_timeout;
        loop {
            self.pump();
            if !self.pending.is_empty() {
                let n = buf.len().min(self.pending.len());
                for (slot, b) in buf.iter_mut().zip(self.pending.drain(..n)) {
                    *slot = b;
                }
                return Ok(n);
            }
            if self.closed {
                return Ok(0);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "no data from the simulated VM",
                ));
            }
            let nap = self.console.next_wake(now).min(deadline - now).max(Duration::from_millis(1));
            std::thread::sleep(nap);
        }
    }
}

impl Write for SimLink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the simulated VM closed the link",
            ));
        }
        let now = Instant::now();
        self.console.poll(now).bytes.into_iter().for_each(|b| self.pending.push_back(b));
        self.console.input(buf, now);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Link for SimLink {
    fn describe(&self) -> String {
        format!("sim:{}", self.name)
    }
}
