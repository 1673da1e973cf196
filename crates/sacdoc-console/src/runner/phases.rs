//! Where a capture's time goes: typing, waiting for screens, quiet waits, helper lines.
//!
//! A painted console's capture costs far more than its bytes at the line rate, and the rest is
//! waiting; these figures say which wait, so `sacdoc bench` can print them and a change can be
//! judged by them. Each span is counted once, in the innermost phase open at the time (a helper
//! line's typing counts as typing, not as the helper's), per thread: a session's runner runs on
//! the thread that called it.

use std::cell::RefCell;
use std::time::{Duration, Instant};

/// A kind of time spent by the runner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Typing command lines and waiting for their echo (repairs included).
    Typing,
    /// From Enter on a capture line until the first screen or the prompt shows.
    FirstScreen,
    /// Waiting for the next screen after a key at `-- More --`.
    NextScreen,
    /// A key at `-- More --` until the console answers it.
    Key,
    /// Reading the screen's rows (CPU only).
    Read,
    /// Reading a screen to its end after it was recognised (cursor placed, or a quiet spell).
    Settle,
    /// Quiet waits after the last screen, before it is read for the last time.
    Tail,
    /// Quitting `more` and starting the packed spool's paging.
    Repack,
    /// Rows fetched again by number (missing, cut short, or in doubt).
    Fetch,
    /// Helper lines: `cls`, the stored-line checks (their typing counts as typing).
    Helper,
    /// Waiting for the prompt (and its quiet spell) after a helper line.
    HelperWait,
    /// Deleting the spool files.
    Cleanup,
    /// The streaming console's capture (typing excluded).
    Stream,
}

impl Phase {
    pub const ALL: [Phase; 13] = [
        Phase::Typing,
        Phase::FirstScreen,
        Phase::NextScreen,
        Phase::Key,
        Phase::Read,
        Phase::Settle,
        Phase::Tail,
        Phase::Repack,
        Phase::Fetch,
        Phase::Helper,
        Phase::HelperWait,
        Phase::Cleanup,
        Phase::Stream,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Phase::Typing => "typing and echo",
            Phase::FirstScreen => "command until first screen",
            Phase::NextScreen => "next screen after a key",
            Phase::Key => "key at -- More -- answered",
            Phase::Read => "reading screens (CPU)",
            Phase::Settle => "screen settle",
            Phase::Tail => "quiet after last screen",
            Phase::Repack => "quit more, pack",
            Phase::Fetch => "rows fetched again",
            Phase::Helper => "helper lines",
            Phase::HelperWait => "prompt after helper",
            Phase::Cleanup => "delete spool",
            Phase::Stream => "streamed capture",
        }
    }
}

/// Time and count per phase.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Phases {
    spent: Vec<(Phase, Duration, u32)>,
}

impl Phases {
    fn add(&mut self, phase: Phase, d: Duration, count: u32) {
        match self.spent.iter_mut().find(|(p, _, _)| *p == phase) {
            Some((_, t, c)) => {
                *t += d;
                *c += count;
            }
            None => self.spent.push((phase, d, count)),
        }
    }

    /// Time and number of spans of `phase`.
    pub fn get(&self, phase: Phase) -> (Duration, u32) {
        self.spent
            .iter()
            .find(|(p, _, _)| *p == phase)
            .map_or((Duration::ZERO, 0), |(_, t, c)| (*t, *c))
    }

    pub fn total(&self) -> Duration {
        self.spent.iter().map(|(_, t, _)| *t).sum()
    }

    /// The phases that took any time, in [`Phase::ALL`] order.
    pub fn rows(&self) -> Vec<(Phase, Duration, u32)> {
        Phase::ALL
            .iter()
            .map(|&p| {
                let (t, c) = self.get(p);
                (p, t, c)
            })
            .filter(|(_, t, c)| *c > 0 || !t.is_zero())
            .collect()
    }

    /// `self` minus `earlier` (an earlier snapshot of the same counters).
    pub fn since(&self, earlier: &Phases) -> Phases {
        let mut out = Phases::default();
        for (p, t, c) in &self.spent {
            let (t0, c0) = earlier.get(*p);
            out.add(*p, t.saturating_sub(t0), c.saturating_sub(c0));
        }
        out
    }
}

#[derive(Default)]
struct State {
    totals: Phases,
    /// The open phases, innermost last, with the time the innermost one was last resumed.
    open: Vec<Phase>,
    since: Option<Instant>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// Runs `f`, counting the time it takes (less the phases opened inside it) as `phase`.
pub fn timed<T>(phase: Phase, f: impl FnOnce() -> T) -> T {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        let now = Instant::now();
        if let (Some(&outer), Some(t)) = (s.open.last(), s.since) {
            s.totals.add(outer, now - t, 0);
        }
        s.totals.add(phase, Duration::ZERO, 1);
        s.open.push(phase);
        s.since = Some(now);
    });
    let out = f();
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        let now = Instant::now();
        if let Some(t) = s.since {
            s.totals.add(phase, now - t, 0);
        }
        s.open.pop();
        s.since = Some(now);
    });
    out
}

/// The counters of this thread so far.
pub fn snapshot() -> Phases {
    STATE.with(|s| s.borrow().totals.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_phases_are_not_counted_twice() {
        let before = snapshot();
        let t0 = Instant::now();
        timed(Phase::Helper, || {
            std::thread::sleep(Duration::from_millis(5));
            timed(Phase::Typing, || std::thread::sleep(Duration::from_millis(20)));
        });
        let outer = t0.elapsed();
        let d = snapshot().since(&before);
        let (helper, n) = d.get(Phase::Helper);
        let (typing, m) = d.get(Phase::Typing);
        assert_eq!((n, m), (1, 1));
        assert!(typing >= Duration::from_millis(20));
        assert!(helper >= Duration::from_millis(5));
        // The helper's own share excludes the typing inside it: the two add up to no more than
        // the time the whole took.
        assert_eq!(d.total(), helper + typing);
        assert!(d.total() <= outer, "{helper:?} + {typing:?} > {outer:?}");
    }
}
