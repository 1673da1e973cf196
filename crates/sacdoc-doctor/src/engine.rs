//! Runs checks over a [`Shell`]: each command line runs once per diagnosis and its output is shared
//! by every check that asks for it; progress goes to an observer as it happens.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use sacdoc_console::runner::{CommandOutput, RunError, Shell};

use super::model::{CheckId, Finding, FixOutcome};
use super::recorded::Recorded;

/// Progress of a doctor run, for a live view (CLI spinner, TUI).
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    CheckStarted { id: CheckId },
    CommandStarted { check: &'a str, command: &'a str },
    CommandFinished { check: &'a str, output: &'a CommandOutput, cached: bool },
    CheckFinished { finding: &'a Finding },
    FixStarted { fix: &'a str },
    FixFinished { outcome: &'a FixOutcome },
}

/// Receives [`Event`]s. Closures `FnMut(&Event)` are observers.
pub trait Observer {
    fn event(&mut self, event: &Event<'_>);
}

impl<F: FnMut(&Event<'_>)> Observer for F {
    fn event(&mut self, event: &Event<'_>) {
        self(event)
    }
}

/// An observer that ignores everything.
pub struct Quiet;

impl Observer for Quiet {
    fn event(&mut self, _event: &Event<'_>) {}
}

/// Why the doctor could not make a diagnosis.
#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    /// The session cannot go on (the link was lost, the console left its cmd prompt, a capture
    /// could not be verified, an interrupt). The reason is part of the message (not a source),
    /// so a chain of causes prints it once, and it names the cause itself: "the line was lost"
    /// for every one of them blamed the link for what was often noise.
    #[error("the diagnosis stopped at {command:?}: {error}")]
    LineLost { command: String, error: RunError },
    /// This computer's record of the target (follow-ups, applied fixes) cannot be read or kept.
    #[error(transparent)]
    State(#[from] super::pending::StateError),
}

/// A command that ran but gave no usable answer (it timed out, its output was too long, its
/// capture could not be verified): the check that needed it cannot decide, the diagnosis goes on.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{source}")]
pub struct CommandFailed {
    pub command: String,
    /// Shared so a cached failure can be handed to several checks.
    #[source]
    pub source: Arc<RunError>,
}

/// Why one check could not decide. Only [`CheckError::Doctor`] ends the diagnosis; the others make
/// the check's finding `unknown`, with the failed command as evidence.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Doctor(#[from] DoctorError),
    #[error("could not run {}: {}", .0.command, .0.source)]
    Command(#[from] CommandFailed),
    /// The command ran but its answer does not say what the check needs.
    #[error("{command}: {reason}")]
    Unreadable { command: String, reason: Unreadable },
}

/// What was wrong with an answer a check could not read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Unreadable {
    /// `reg query` printed its error instead of values (the message, in the VM's language).
    #[error("reg query failed: {0}")]
    RegQuery(String),
    /// `sc query` printed no `STATE` line.
    #[error("no STATE line in the sc output")]
    NoServiceState,
    #[error(transparent)]
    Certificates(#[from] sacdoc_parse::certs::JsonError),
}

impl CheckError {
    /// The command this error is about, for evidence (none for a lost line).
    pub fn command(&self) -> Option<&str> {
        match self {
            CheckError::Doctor(_) => None,
            CheckError::Command(c) => Some(&c.command),
            CheckError::Unreadable { command, .. } => Some(command),
        }
    }
}

/// For facts a check can do without: a command-level failure becomes `None`, a lost line still
/// ends the diagnosis.
pub trait Optional<T> {
    fn optional(self) -> Result<Option<T>, DoctorError>;
}

impl<T> Optional<T> for Result<T, CheckError> {
    fn optional(self) -> Result<Option<T>, DoctorError> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(CheckError::Doctor(e)) => Err(e),
            Err(_) => Ok(None),
        }
    }
}

/// Whether a run error says only that this capture could not be read back verified, with the
/// session still at a cmd prompt: noise garbled the output or the command line's echo on the way.
/// A command that changes nothing is then run once more from the start (a new spool, new reads):
/// at 1% noise one capture in a few dozen fails this way, and a diagnosis needs about twenty.
fn is_unread_capture(e: &RunError) -> bool {
    use sacdoc_console::error::SessionFault as F;
    matches!(
        e,
        RunError::Session(
            F::Typing(_)
                | F::Base64(_)
                | F::NoBase64
                | F::NoBegin
                | F::NoEnd { .. }
                | F::Unpaged { .. }
                | F::Unread(_)
                | F::NoMarker { .. }
                | F::Unverified { .. }
                | F::NoChecksum { .. }
                | F::CommandChanged
        )
    )
}

/// Whether a run error ends the whole diagnosis (the session is gone) or only this command. A
/// capture that was not verified left the session at its prompt: only its checks are unknown.
fn is_fatal(e: &RunError) -> bool {
    match e {
        RunError::Session(_) => !is_unread_capture(e),
        _ => matches!(e, RunError::LinkLost(_) | RunError::Io(_) | RunError::Interrupted),
    }
}

/// The checks' view of the VM: a cache of command outputs over one shell.
pub struct Ctx<'s, 'o> {
    shell: &'s mut dyn Shell,
    observer: &'o mut dyn Observer,
    cache: HashMap<String, Rc<CommandOutput>>,
    /// The check or fix running now (names the commands in progress events).
    current: String,
    current_bytes: u64,
    /// Totals for the whole run.
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Settings the checks read.
    pub settings: Settings,
    /// The findings of the checks that ran before the current one in this pass.
    pub findings: Vec<Finding>,
}

/// What a check may need to know beyond the VM's answers.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Accept a server with only TLS 1.2 enabled, and enable only TLS 1.2 when fixing.
    pub tls12_only: bool,
    /// The COM port number the console line uses (EMS `EMSPORT`).
    pub ems_port: u32,
    /// The speed the console line uses (EMS `EMSBAUDRATE`).
    pub ems_baud: u32,
    /// Follow-ups already recorded for this target (so a stopped Group Policy is not a surprise).
    pub pending: Vec<super::model::PendingItem>,
    /// Fixes applied on this target in earlier runs (to recognise a change that reverted).
    pub history: Vec<super::model::Applied>,
    /// Names backup files on the VM and locally.
    pub run_id: String,
    /// Where to move RDP when the port's owner cannot be stopped (`--rdp-port`).
    pub new_rdp_port: Option<u16>,
    /// The drive letter of a Windows disk attached to this VM (a recovery VM, `--offline-disk`):
    /// the `ems`, `tls-server` and `nla` checks then say that disk is not diagnosed online.
    pub offline_disk: Option<char>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            tls12_only: false,
            ems_port: 1,
            ems_baud: 115_200,
            pending: Vec::new(),
            history: Vec::new(),
            run_id: super::time::run_id(),
            new_rdp_port: None,
            offline_disk: None,
        }
    }
}

/// A command's answer as a check sees it: the output, or why there is none.
pub type Answer = Result<Rc<CommandOutput>, CommandFailed>;

impl<'s, 'o> Ctx<'s, 'o> {
    pub fn new(
        shell: &'s mut dyn Shell,
        observer: &'o mut dyn Observer,
        settings: Settings,
    ) -> Self {
        Ctx {
            shell,
            observer,
            cache: HashMap::new(),
            current: String::new(),
            current_bytes: 0,
            bytes_sent: 0,
            bytes_received: 0,
            settings,
            findings: Vec::new(),
        }
    }

    /// Runs `command` once; later calls with the same line return the same output. A command that
    /// could not finish (timeout, too much output) yields `Err(reason)`; a lost line ends the run.
    /// Only for commands that change nothing: one cut off by a reconnect is run again.
    pub fn run(&mut self, command: &str) -> Result<Answer, DoctorError> {
        self.run_as(command, true)
    }

    fn run_as(&mut self, command: &str, read_only: bool) -> Result<Answer, DoctorError> {
        if let Some(out) = self.cache.get(command) {
            let out = Rc::clone(out);
            let ev = Event::CommandFinished { check: &self.current, output: &out, cached: true };
            self.observer.event(&ev);
            return Ok(Ok(out));
        }
        self.observer.event(&Event::CommandStarted { check: &self.current, command });
        let mut result = self.shell.run(command);
        if read_only && matches!(result, Err(RunError::Reconnected)) {
            // The link came back while it ran: a command that changes nothing is run again once
            // the session has found the console anew. One that changes the VM is not (it may
            // have run); its fix reports the failure and the check after it tells the state.
            self.observer.event(&Event::CommandStarted { check: &self.current, command });
            result = self.shell.run(command);
        }
        if read_only && result.as_ref().is_err_and(is_unread_capture) {
            if let Err(e) = &result {
                self.shell.mark(&format!("not verified, run again: {e}"));
            }
            self.observer.event(&Event::CommandStarted { check: &self.current, command });
            result = self.shell.run(command);
        }
        match result {
            Ok(out) => {
                self.bytes_sent += out.bytes_sent;
                self.bytes_received += out.bytes_received;
                self.current_bytes += out.bytes_sent + out.bytes_received;
                let out = Rc::new(out);
                let ev =
                    Event::CommandFinished { check: &self.current, output: &out, cached: false };
                self.observer.event(&ev);
                self.record(Recorded::Output((*out).clone()));
                self.cache.insert(command.to_string(), Rc::clone(&out));
                Ok(Ok(out))
            }
            Err(e) if is_fatal(&e) => {
                Err(DoctorError::LineLost { command: command.to_string(), error: e })
            }
            Err(e) => Ok(Err(CommandFailed { command: command.to_string(), source: Arc::new(e) })),
        }
    }

    /// Runs `command` (cached) for a check that cannot decide without its answer.
    pub fn need(&mut self, command: &str) -> Result<Rc<CommandOutput>, CheckError> {
        Ok(self.run(command)??)
    }

    /// Runs a command that changes the VM: never cached, always counted.
    pub fn run_uncached(&mut self, command: &str) -> Result<Answer, DoctorError> {
        self.cache.remove(command);
        let r = self.run_as(command, false);
        self.cache.remove(command);
        r
    }

    /// Forgets every cached output (after a change, checks must read the VM again).
    pub fn invalidate(&mut self) {
        self.cache.clear();
    }

    pub(crate) fn begin(&mut self, id: CheckId) {
        self.current = id.as_str().to_string();
        self.current_bytes = 0;
        self.observer.event(&Event::CheckStarted { id });
    }

    /// Starts the `--full` article pass (its commands are nobody's check).
    pub(crate) fn begin_article(&mut self) {
        self.current = "article".to_string();
        self.current_bytes = 0;
    }

    pub(crate) fn end(&mut self, finding: &mut Finding) {
        finding.bytes = self.current_bytes;
        self.observer.event(&Event::CheckFinished { finding });
        self.record(Recorded::Finding(finding.clone()));
        self.current.clear();
    }

    pub(crate) fn emit(&mut self, event: &Event<'_>) {
        self.observer.event(event);
        if let Event::FixFinished { outcome } = event {
            self.record(Recorded::Fix((*outcome).clone()));
        }
    }

    /// Keeps a result in the session's transcript (see [`super::recorded`]).
    fn record(&mut self, result: Recorded) {
        if let Some(label) = result.label() {
            self.shell.mark(&label);
        }
    }

    /// Bytes spent since the current check or fix began.
    pub(crate) fn spent(&self) -> u64 {
        self.current_bytes
    }

    pub(crate) fn begin_fix(&mut self, id: &str) {
        self.current = id.to_string();
        self.current_bytes = 0;
    }
}
