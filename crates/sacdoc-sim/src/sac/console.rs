//! One simulated VM as its serial port sees it: the [`SacDriver`], then faults, then the line's
//! pace (`baud / 10` bytes per second). In-process links and servers drive a `Console` with
//! [`Console::input`] and [`Console::poll`]; it does no I/O and never blocks.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::driver::SacDriver;
use super::options::SimOptions;
use crate::faults::FaultInjector;
use crate::machine::Machine;

/// Bytes that leave the line at a fixed rate.
#[derive(Debug)]
struct Pacer {
    queue: VecDeque<u8>,
    byte_time: Option<Duration>,
    next_free: Instant,
}

impl Pacer {
    fn new(baud: Option<u32>, now: Instant) -> Pacer {
        let byte_time = baud.map(|b| Duration::from_secs_f64(10.0 / f64::from(b.max(1))));
        Pacer { queue: VecDeque::new(), byte_time, next_free: now }
    }

    /// Keeps only the first `keep` bytes still waiting to be sent.
    fn truncate(&mut self, keep: usize) {
        self.queue.truncate(keep);
    }

    fn push(&mut self, bytes: &[u8], now: Instant) {
        if self.queue.is_empty() && self.next_free < now {
            self.next_free = now;
        }
        self.queue.extend(bytes);
    }

    fn release(&mut self, now: Instant, out: &mut Vec<u8>) {
        let Some(bt) = self.byte_time else {
            out.extend(self.queue.drain(..));
            return;
        };
        while self.next_free <= now {
            let Some(b) = self.queue.pop_front() else { break };
            out.push(b);
            self.next_free += bt;
        }
    }

    fn is_idle(&self) -> bool {
        self.queue.is_empty()
    }
}

/// What [`Console::poll`] hands over.
#[derive(Debug, Default)]
pub struct Polled {
    /// Bytes to deliver to the client now.
    pub bytes: Vec<u8>,
    /// The link closes after these bytes (VM off, or a `cut_after` fault).
    pub closed: bool,
}

/// A VM behind its serial line.
#[derive(Debug)]
pub struct Console {
    driver: SacDriver,
    faults: FaultInjector,
    pacer: Pacer,
    cut_pending: bool,
}

impl Console {
    /// A live count of the refused cmd-channel logins of this VM.
    pub fn failed_logins(&self) -> std::sync::Arc<std::sync::atomic::AtomicU32> {
        self.driver.failed_logins()
    }

    /// A VM from a machine and options, as of `now`.
    pub fn new(machine: Machine, opts: &SimOptions, now: Instant) -> Console {
        Console {
            driver: SacDriver::new(machine, opts, now),
            faults: FaultInjector::new(opts.faults.clone()),
            pacer: Pacer::new(opts.baud, now),
            cut_pending: false,
        }
    }

    /// The driver (for inspection: screens, view, machine).
    pub fn driver(&self) -> &SacDriver {
        &self.driver
    }

    /// What the client typed.
    pub fn input(&mut self, bytes: &[u8], now: Instant) {
        if bytes.contains(&0x03) {
            // Ctrl+C stops the output that has not left the machine yet.
            self.pacer.truncate(self.driver.ctrlc_keep());
        }
        self.driver.feed(bytes, now);
    }

    /// A new client connected (server): a cut fault will not repeat, byte counts start again.
    pub fn new_connection(&mut self) {
        self.faults.new_connection();
        self.cut_pending = false;
    }

    /// Advances the VM to `now` and returns what the line delivers by then.
    pub fn poll(&mut self, now: Instant) -> Polled {
        self.driver.tick(now, self.pacer.is_idle());
        let produced = self.driver.take_output();
        let faulted = self.faults.apply(&produced, now);
        self.pacer.push(&faulted.bytes, now);
        self.cut_pending |= faulted.cut;
        let mut out = Polled::default();
        self.pacer.release(now, &mut out.bytes);
        if self.pacer.is_idle() && (self.cut_pending || self.driver.is_off()) {
            out.closed = true;
            self.cut_pending = false;
        }
        out
    }

    /// How long a caller may sleep before something can change without input.
    pub fn next_wake(&self, now: Instant) -> Duration {
        let cap = Duration::from_millis(20);
        let mut wake =
            self.driver.next_deadline().map_or(cap, |t| t.saturating_duration_since(now));
        if !self.pacer.is_idle() {
            wake = wake.min(self.pacer.next_free.saturating_duration_since(now));
        }
        if let Some(t) = self.faults.stall_ends_at() {
            wake = wake.min(t.saturating_duration_since(now));
        }
        wake.min(cap)
    }
}
