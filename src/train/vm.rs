//! The simulated VM of a training session, shared: the console (the text UI's engine) reads and
//! writes it as a link, and the grader looks at the same machine when the trainee says done.
//!
//! [`TrainTarget`] is the connector the session opens; [`TrainVm`] keeps the link so the grader
//! can read the machine's state and its command journal, and notes when each journal line
//! appeared (wall-clock), so graded events can be placed in the transcript as markers.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::sim::machine::Machine;
use crate::sim::SimLink;
use crate::transport::{Connector, Link, OpenError};

#[derive(Debug, Default)]
struct Shared {
    link: Option<SimLink>,
    opened: Option<Instant>,
    /// When each journal entry was first seen, by index.
    stamps: Vec<Instant>,
    bytes_in: u64,
    bytes_out: u64,
}

impl Shared {
    fn note_journal(&mut self) {
        let Some(link) = &self.link else { return };
        let n = link.console().driver().machine().journal.len();
        let now = Instant::now();
        while self.stamps.len() < n {
            self.stamps.push(now);
        }
    }
}

/// What the line cost so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LineCost {
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// Since the link was opened.
    pub elapsed: Duration,
}

/// A handle on the session's VM (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct TrainVm {
    inner: Arc<Mutex<Shared>>,
}

impl TrainVm {
    fn lock(&self) -> MutexGuard<'_, Shared> {
        // A panic on another thread while holding the lock leaves the data usable for reading.
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A copy of the machine as it is now; `None` before the link was opened.
    pub fn machine(&self) -> Option<Machine> {
        self.lock().link.as_ref().map(|l| l.console().driver().machine().clone())
    }

    /// Seconds since the link was opened at which each journal entry appeared, by index.
    pub fn stamps(&self) -> Vec<f64> {
        let s = self.lock();
        let Some(t0) = s.opened else { return Vec::new() };
        s.stamps.iter().map(|t| t.saturating_duration_since(t0).as_secs_f64()).collect()
    }

    pub fn cost(&self) -> LineCost {
        let s = self.lock();
        LineCost {
            bytes_in: s.bytes_in,
            bytes_out: s.bytes_out,
            elapsed: s.opened.map(|t| t.elapsed()).unwrap_or_default(),
        }
    }
}

/// The connector of a training session: `sim:SCENARIO?QUERY`, opened once.
#[derive(Debug)]
pub struct TrainTarget {
    pub scenario: String,
    pub query: String,
    pub vm: TrainVm,
    /// A random exercise: the scenario's name is kept out of the status bar, the link's
    /// description and the transcript (the report card reveals it).
    pub hidden: bool,
}

/// What a hidden exercise is called until the report card.
pub const HIDDEN_NAME: &str = "random-exercise";

impl std::fmt::Display for TrainTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = if self.hidden { HIDDEN_NAME } else { self.scenario.as_str() };
        if self.query.is_empty() {
            write!(f, "sim:{name}")
        } else {
            write!(f, "sim:{name}?{}", self.query)
        }
    }
}

impl Connector for TrainTarget {
    fn open(&self) -> Result<Box<dyn Link>, OpenError> {
        let link = crate::sim::open(&self.scenario, &self.query)
            .map_err(|e| OpenError::new(self.to_string(), e))?;
        let describe = self.to_string();
        let mut s = self.vm.lock();
        s.link = Some(link);
        s.opened = Some(Instant::now());
        s.stamps.clear();
        Ok(Box::new(SharedLink { vm: self.vm.clone(), describe }))
    }

    /// Reopening would start a new VM and lose the trainee's work.
    fn can_reconnect(&self) -> bool {
        false
    }
}

/// The link the console uses: every call goes to the shared VM.
struct SharedLink {
    vm: TrainVm,
    describe: String,
}

fn gone() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::NotConnected, "the training VM is not open")
}

impl Read for SharedLink {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut s = self.vm.lock();
        let r = s.link.as_mut().ok_or_else(gone)?.read(buf);
        if let Ok(n) = r {
            s.bytes_in += n as u64;
        }
        s.note_journal();
        r
    }
}

impl Write for SharedLink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut s = self.vm.lock();
        let r = s.link.as_mut().ok_or_else(gone)?.write(buf);
        if let Ok(n) = r {
            s.bytes_out += n as u64;
        }
        s.note_journal();
        r
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Link for SharedLink {
    fn describe(&self) -> String {
        self.describe.clone()
    }
}
