//! A link that reopens its target when it is lost (USB adapter unplugged, ser2net restarted, the
//! relay died), with backoff and a bounded number of attempts.
//!
//! The wrapper never blocks longer than the read timeout: while the link is down, `read` makes at
//! most one attempt when one is due and otherwise answers "no data yet". Each step is reported
//! through an optional callback and a [`LinkStatus`] the caller can poll; what to do after a
//! reconnect (find `SAC>` again, re-login) is the session layer's decision.

use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::serial::SerialSettings;
use super::{is_no_data, no_data, Control, ControlError, Link, READ_TIMEOUT};
use crate::{Connector, OpenError};

/// How often and how patiently to reconnect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// Attempts after a loss before giving up (0: report the loss and give up at once).
    pub max_attempts: u32,
    /// Wait before the second attempt (the first one is immediate); doubled each time.
    pub initial_delay: Duration,
    /// Upper bound of the wait between attempts.
    pub max_delay: Duration,
}

impl Default for ReconnectPolicy {
    /// Ten attempts over about a minute: long enough for a USB adapter to re-enumerate or a
    /// console server to restart.
    fn default() -> Self {
        ReconnectPolicy {
            max_attempts: 10,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
        }
    }
}

impl ReconnectPolicy {
    /// Wait after failed attempt number `attempt` (1-based) before the next one.
    pub fn delay_after(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.saturating_sub(1)).unwrap_or(u32::MAX);
        self.initial_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// One step of losing and regaining the link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkEvent {
    /// The link was lost; `reason` says how (closed by the far end, an I/O error).
    Lost { reason: String },
    /// Attempt `attempt` of `max` to reopen failed; the next one comes after `retry_in`.
    AttemptFailed { attempt: u32, max: u32, error: String, retry_in: Duration },
    /// The link is back after `attempt` attempts.
    Reconnected { attempt: u32 },
    /// All attempts failed; the link stays down.
    GaveUp { attempts: u32, error: String },
    /// The link came back but the line settings changed since opening could not be set again;
    /// it runs at the settings it opened with.
    SettingsNotRestored { error: String },
}

impl std::fmt::Display for LinkEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkEvent::Lost { reason } => write!(f, "link lost: {reason}"),
            LinkEvent::AttemptFailed { attempt, max, error, retry_in } => write!(
                f,
                "reconnect attempt {attempt} of {max} failed: {error}; retrying in {:.1} s",
                retry_in.as_secs_f64()
            ),
            LinkEvent::Reconnected { attempt } => {
                write!(f, "reconnected (attempt {attempt})")
            }
            LinkEvent::GaveUp { attempts, error } => {
                write!(f, "gave up after {attempts} reconnect attempts: {error}")
            }
            LinkEvent::SettingsNotRestored { error } => {
                write!(f, "reconnected, but the line settings were not set again: {error}")
            }
        }
    }
}

#[derive(Debug, Default)]
struct StatusInner {
    connected: bool,
    reconnects: u64,
    last: Option<LinkEvent>,
}

/// A shared view of the link's state, for a status bar or the session layer.
#[derive(Debug, Clone, Default)]
pub struct LinkStatus(Arc<Mutex<StatusInner>>);

impl LinkStatus {
    fn with<T>(&self, f: impl FnOnce(&mut StatusInner) -> T) -> T {
        match self.0.lock() {
            Ok(mut g) => f(&mut g),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }
    /// True while the link is up.
    pub fn connected(&self) -> bool {
        self.with(|s| s.connected)
    }
    /// How many times the link came back; a change tells the session to resynchronise.
    pub fn reconnects(&self) -> u64 {
        self.with(|s| s.reconnects)
    }
    /// The latest event, if any.
    pub fn last_event(&self) -> Option<LinkEvent> {
        self.with(|s| s.last.clone())
    }
}

/// Something that opens the link again.
pub type Opener = Box<dyn FnMut() -> Result<Box<dyn Link>, OpenError> + Send>;
/// Something told about every [`LinkEvent`].
pub type EventSink = Box<dyn FnMut(&LinkEvent) + Send>;

enum State {
    Up(Box<dyn Link>),
    /// `attempts` made so far since the loss; the next is due at `next_at`.
    Down {
        attempts: u32,
        next_at: Instant,
        last_error: String,
    },
    GaveUp(String),
}

/// A link that reopens itself; see the module docs.
pub struct ReconnectingLink {
    name: String,
    opener: Opener,
    policy: ReconnectPolicy,
    state: State,
    sink: Option<EventSink>,
    status: LinkStatus,
    secret: bool,
    /// Line settings changed since opening, applied again after every reopen.
    settings: Option<SerialSettings>,
}

impl ReconnectingLink {
    /// Opens `target` now (failing as [`Connector::open`] does) and reopens it when lost.
    pub fn open<C: Connector + Clone + 'static>(
        target: &C,
        policy: ReconnectPolicy,
    ) -> Result<Self, OpenError> {
        let t = target.clone();
        Self::with_opener(target.to_string(), Box::new(move || t.open()), policy)
    }

    /// Opens with `opener` now and reopens with it when lost.
    pub fn with_opener(
        name: String,
        mut opener: Opener,
        policy: ReconnectPolicy,
    ) -> Result<Self, OpenError> {
        let link = opener()?;
        let status = LinkStatus::default();
        status.with(|s| s.connected = true);
        Ok(ReconnectingLink {
            name,
            opener,
            policy,
            state: State::Up(link),
            sink: None,
            status,
            secret: false,
            settings: None,
        })
    }

    /// Calls `sink` with every event (from the thread doing the I/O).
    pub fn on_event(mut self, sink: impl FnMut(&LinkEvent) + Send + 'static) -> Self {
        self.sink = Some(Box::new(sink));
        self
    }

    /// A handle on the state, to poll from anywhere.
    pub fn status(&self) -> LinkStatus {
        self.status.clone()
    }

    fn report(&mut self, event: LinkEvent) {
        if let Some(sink) = self.sink.as_mut() {
            sink(&event);
        }
        let connected = matches!(self.state, State::Up(_));
        self.status.with(|s| {
            s.connected = connected;
            if matches!(event, LinkEvent::Reconnected { .. }) {
                s.reconnects += 1;
            }
            s.last = Some(event);
        });
    }

    fn lost(&mut self, reason: String) {
        self.state =
            State::Down { attempts: 0, next_at: Instant::now(), last_error: reason.clone() };
        self.report(LinkEvent::Lost { reason: reason.clone() });
        if self.policy.max_attempts == 0 {
            self.give_up(0, reason);
        }
    }

    fn give_up(&mut self, attempts: u32, error: String) {
        let msg = format!(
            "the link to {} was lost and {attempts} reconnect attempts failed (last: {error})",
            self.name
        );
        self.state = State::GaveUp(msg);
        self.report(LinkEvent::GaveUp { attempts, error });
    }

    /// Makes one attempt if one is due. Returns true when the link is up afterwards.
    fn try_reconnect(&mut self) -> bool {
        let State::Down { attempts, next_at, .. } = self.state else {
            return matches!(self.state, State::Up(_));
        };
        if Instant::now() < next_at {
            return false;
        }
        let attempt = attempts + 1;
        match (self.opener)() {
            Ok(mut link) => {
                link.set_secret(self.secret);
                let restored = match self.settings {
                    Some(settings) => link.set_line_settings(&settings).err(),
                    None => None,
                };
                self.state = State::Up(link);
                self.report(LinkEvent::Reconnected { attempt });
                if let Some(e) = restored {
                    self.report(LinkEvent::SettingsNotRestored { error: super::chain(&e) });
                }
                true
            }
            Err(e) => {
                let error = e.reason();
                if attempt >= self.policy.max_attempts {
                    self.give_up(attempt, error);
                } else {
                    let retry_in = self.policy.delay_after(attempt);
                    self.state = State::Down {
                        attempts: attempt,
                        next_at: Instant::now() + retry_in,
                        last_error: error.clone(),
                    };
                    let max = self.policy.max_attempts;
                    self.report(LinkEvent::AttemptFailed { attempt, max, error, retry_in });
                }
                false
            }
        }
    }

    fn down_error(&self) -> io::Error {
        match &self.state {
            State::GaveUp(msg) => io::Error::new(io::ErrorKind::NotConnected, msg.clone()),
            State::Down { attempts, last_error, .. } => io::Error::new(
                io::ErrorKind::NotConnected,
                format!(
                    "the link to {} is down ({last_error}); reconnecting, {attempts} of {} \
                     attempts made",
                    self.name, self.policy.max_attempts
                ),
            ),
            State::Up(_) => io::Error::new(io::ErrorKind::NotConnected, "link state changed"),
        }
    }
}

impl Read for ReconnectingLink {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let State::Up(link) = &mut self.state {
            match link.read(buf) {
                Ok(0) if !buf.is_empty() => self.lost("the far end closed the link".into()),
                Ok(n) => return Ok(n),
                Err(e) if is_no_data(&e) => return Err(e),
                Err(e) if super::is_final(&e) => {
                    let msg = e.to_string();
                    self.state = State::GaveUp(msg.clone());
                    self.report(LinkEvent::GaveUp { attempts: 0, error: msg });
                    return Err(e);
                }
                Err(e) => self.lost(e.to_string()),
            }
        }
        if self.try_reconnect() {
            return Err(no_data());
        }
        match self.state {
            State::Down { next_at, .. } => {
                let pause = next_at.saturating_duration_since(Instant::now()).min(READ_TIMEOUT);
                std::thread::sleep(pause);
                Err(no_data())
            }
            _ => Err(self.down_error()),
        }
    }
}

impl Write for ReconnectingLink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !matches!(self.state, State::Up(_)) && !self.try_reconnect() {
            return Err(self.down_error());
        }
        let State::Up(link) = &mut self.state else {
            return Err(self.down_error());
        };
        match link.write(buf) {
            Err(e) if !is_no_data(&e) => {
                let msg = e.to_string();
                self.lost(msg);
                Err(e)
            }
            other => other,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.state {
            State::Up(link) => link.flush(),
            _ => Ok(()),
        }
    }
}

impl Link for ReconnectingLink {
    fn describe(&self) -> String {
        self.name.clone()
    }

    fn set_secret(&mut self, on: bool) {
        self.secret = on;
        if let State::Up(link) = &mut self.state {
            link.set_secret(on);
        }
    }

    fn mark(&mut self, label: &str) {
        if let State::Up(link) = &mut self.state {
            link.mark(label);
        }
    }

    fn reconnects(&self) -> Option<u64> {
        Some(self.status.reconnects())
    }

    fn send_break(&mut self, duration: Duration) -> Result<(), ControlError> {
        match &mut self.state {
            State::Up(link) => link.send_break(duration),
            _ => Err(ControlError::failed(&self.name, Control::Break, self.down_error())),
        }
    }

    fn line_settings(&self) -> Option<SerialSettings> {
        match &self.state {
            State::Up(link) => link.line_settings(),
            _ => self.settings,
        }
    }

    /// Sets the line now and again on every reopen, so a lost link comes back at the speed the
    /// user chose rather than the one it was first opened with.
    fn set_line_settings(&mut self, settings: &SerialSettings) -> Result<(), ControlError> {
        match &mut self.state {
            State::Up(link) => {
                link.set_line_settings(settings)?;
                self.settings = Some(*settings);
                Ok(())
            }
            _ => Err(ControlError::failed(&self.name, Control::LineSettings, self.down_error())),
        }
    }
}
