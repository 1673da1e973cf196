//! Fault injection on the simulator's output, for reliability tests of clients: drop, duplicate or
//! corrupt bytes at a rate, cut the link after N bytes, stall after N bytes, reboot the VM in the
//! middle of a command. Faults touch only the bytes going from the VM to the client.
//!
//! Everything is driven by a seeded generator so a failing run can be repeated with `seed=N`.

use std::time::{Duration, Instant};

use crate::rng::Rng;

/// Which faults to inject. All off by default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultConfig {
    /// Probability (0..=1) that an output byte is lost.
    pub drop: f64,
    /// Probability that an output byte is sent twice.
    pub dup: f64,
    /// Probability that an output byte has one bit flipped.
    pub corrupt: f64,
    /// Close the link once this many bytes have been sent (once per VM: a reconnect works).
    pub cut_after: Option<u64>,
    /// Stop sending once this many bytes have been sent.
    pub stall_after: Option<u64>,
    /// How long a stall lasts, in milliseconds; 0 = for ever.
    pub stall_ms: u64,
    /// The next command run in a cmd channel reboots the VM before its output is complete.
    pub reboot_mid_command: bool,
    /// Drop, dup and corrupt start once this many bytes have been sent (0: from the first), so
    /// a test can put the noise on one phase (a capture) and not on the login before it.
    pub noise_after: u64,
    /// Output bytes (counted from 0 on each connection) that are lost: one precise fault, for a
    /// test that needs a given byte's loss (the echo of one key).
    pub drop_at: Vec<u64>,
    /// Output bytes (counted from 0) that are sent twice.
    pub dup_at: Vec<u64>,
    /// Output bytes (counted from 0) sent with their lowest bit flipped.
    pub corrupt_at: Vec<u64>,
    /// Seed of the generator; `None` = from the clock.
    pub seed: Option<u64>,
}

impl FaultConfig {
    /// True when no byte-level fault is configured (the fast path).
    pub fn is_clean(&self) -> bool {
        self.drop <= 0.0
            && self.dup <= 0.0
            && self.corrupt <= 0.0
            && self.cut_after.is_none()
            && self.stall_after.is_none()
            && self.drop_at.is_empty()
            && self.dup_at.is_empty()
            && self.corrupt_at.is_empty()
    }
}

/// What the injector did to a piece of output.
#[derive(Debug, Default)]
pub struct Faulted {
    /// The bytes to send now.
    pub bytes: Vec<u8>,
    /// The link must be closed now (after sending `bytes`).
    pub cut: bool,
}

/// Applies a [`FaultConfig`] to the output stream.
#[derive(Debug)]
pub struct FaultInjector {
    cfg: FaultConfig,
    rng: Rng,
    sent: u64,
    cut_done: bool,
    stall_started: Option<Instant>,
    held: Vec<u8>,
}

/// Upper bound of bytes held back during a stall; older bytes beyond it are lost, as a UART's
/// buffer would lose them.
const MAX_HELD: usize = 1 << 20;

impl FaultInjector {
    pub fn new(cfg: FaultConfig) -> FaultInjector {
        let rng = cfg.seed.map_or_else(Rng::from_entropy, |s| Rng::new(s ^ 0xFA17));
        FaultInjector { cfg, rng, sent: 0, cut_done: false, stall_started: None, held: Vec::new() }
    }

    pub fn config(&self) -> &FaultConfig {
        &self.cfg
    }

    /// Starts counting bytes again for a new connection; a cut that happened stays done.
    pub fn new_connection(&mut self) {
        self.sent = 0;
    }

    /// When a stall in progress ends, if it does.
    pub fn stall_ends_at(&self) -> Option<Instant> {
        let started = self.stall_started?;
        (self.cfg.stall_ms > 0).then(|| started + Duration::from_millis(self.cfg.stall_ms))
    }

    /// Passes `input` through the faults at time `now`.
    pub fn apply(&mut self, input: &[u8], now: Instant) -> Faulted {
        let mut out = Faulted::default();
        if self.cfg.is_clean() {
            out.bytes.extend_from_slice(input);
            return out;
        }
        let mut pending: Vec<u8> = std::mem::take(&mut self.held);
        if let Some(end) = self.stall_ends_at() {
            if now >= end {
                self.stall_started = None;
                self.cfg.stall_after = None;
            }
        }
        pending.extend_from_slice(input);
        for (i, &b) in pending.iter().enumerate() {
            if self.stall_started.is_some() {
                self.held.extend_from_slice(&pending[i..]);
                break;
            }
            if self.cfg.stall_after.is_some_and(|n| self.sent >= n) {
                self.stall_started = Some(now);
                self.held.extend_from_slice(&pending[i..]);
                break;
            }
            if !self.cut_done && self.cfg.cut_after.is_some_and(|n| self.sent >= n) {
                self.cut_done = true;
                out.cut = true;
                break;
            }
            let at = self.sent;
            self.sent += 1;
            if self.cfg.drop_at.contains(&at) {
                continue;
            }
            if self.cfg.dup_at.contains(&at) {
                out.bytes.extend_from_slice(&[b, b]);
                continue;
            }
            if self.cfg.corrupt_at.contains(&at) {
                out.bytes.push(b ^ 1);
                continue;
            }
            if self.sent <= self.cfg.noise_after {
                out.bytes.push(b);
                continue;
            }
            if self.cfg.drop > 0.0 && self.rng.next_f64() < self.cfg.drop {
                continue;
            }
            let mut byte = b;
            if self.cfg.corrupt > 0.0 && self.rng.next_f64() < self.cfg.corrupt {
                byte ^= 1 << (self.rng.next_u64() % 8);
            }
            out.bytes.push(byte);
            if self.cfg.dup > 0.0 && self.rng.next_f64() < self.cfg.dup {
                out.bytes.push(byte);
            }
        }
        if self.held.len() > MAX_HELD {
            let excess = self.held.len() - MAX_HELD;
            self.held.drain(..excess);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_happens_once_at_the_byte_count() {
        let mut f = FaultInjector::new(FaultConfig { cut_after: Some(5), ..Default::default() });
        let now = Instant::now();
        let r = f.apply(b"0123456789", now);
        assert_eq!(r.bytes, b"01234");
        assert!(r.cut);
        f.new_connection();
        let r = f.apply(b"abcdefgh", now);
        assert_eq!(r.bytes, b"abcdefgh");
        assert!(!r.cut);
    }

    #[test]
    fn precise_faults_hit_their_bytes_only() {
        let cfg = FaultConfig {
            drop_at: vec![1, 4],
            dup_at: vec![2],
            corrupt_at: vec![5],
            ..Default::default()
        };
        let mut f = FaultInjector::new(cfg);
        let now = Instant::now();
        assert_eq!(f.apply(b"abc", now).bytes, b"acc");
        assert_eq!(f.apply(b"def", now).bytes, b"dg");
    }

    #[test]
    fn stall_holds_bytes_until_it_ends() {
        let cfg = FaultConfig { stall_after: Some(3), stall_ms: 100, ..Default::default() };
        let mut f = FaultInjector::new(cfg);
        let t0 = Instant::now();
        assert_eq!(f.apply(b"abcdef", t0).bytes, b"abc");
        assert_eq!(f.apply(b"gh", t0 + Duration::from_millis(50)).bytes, b"");
        assert_eq!(f.apply(b"", t0 + Duration::from_millis(150)).bytes, b"defgh");
    }
}
