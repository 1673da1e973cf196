//! The one event enum that flows into the UI loop, and the commands the UI sends to the engine.
//!
//! Everything that can change what is on screen arrives as an [`Event`] through one channel: bytes
//! from the line, keys, ticks, engine progress. `App::update` applies one event at a time and
//! returns [`Command`]s for the engine thread, so the update logic stays pure and testable.

use crossterm::event::KeyEvent;

use crate::doctor::{Finding, Fix, FixOutcome, Report};
use crate::runner::CommandOutput;

/// A row of SAC's `ch` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRow {
    pub index: u32,
    /// `AV`, `IV`, ... as SAC prints it (A active, I inactive; V VT-UTF8, R raw).
    pub status: String,
    pub name: String,
}

/// Progress of a doctor run, owned (the engine's borrowed events copied for the UI thread).
// Events are moved once through a channel; boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum DoctorProgress {
    CheckStarted(crate::doctor::CheckId),
    CommandStarted { check: String, command: String },
    CommandFinished { check: String, output: CommandOutput, cached: bool },
    CheckFinished(Finding),
    FixStarted(String),
    FixFinished(FixOutcome),
}

impl DoctorProgress {
    /// The owned copy of one of the doctor engine's borrowed progress events.
    pub fn from_event(e: &crate::doctor::Event<'_>) -> DoctorProgress {
        use crate::doctor::Event;
        match e {
            Event::CheckStarted { id } => DoctorProgress::CheckStarted(*id),
            Event::CommandStarted { check, command } => DoctorProgress::CommandStarted {
                check: check.to_string(),
                command: command.to_string(),
            },
            Event::CommandFinished { check, output, cached } => DoctorProgress::CommandFinished {
                check: check.to_string(),
                output: (*output).clone(),
                cached: *cached,
            },
            Event::CheckFinished { finding } => DoctorProgress::CheckFinished((*finding).clone()),
            Event::FixStarted { fix } => DoctorProgress::FixStarted(fix.to_string()),
            Event::FixFinished { outcome } => DoctorProgress::FixFinished((*outcome).clone()),
        }
    }
}

/// What the engine thread reports.
// Events are moved once through a channel; boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum EngineEvent {
    /// Bytes received from the console.
    Bytes(Vec<u8>),
    /// This many bytes were written to the console.
    Sent(usize),
    /// The link is open: its description and the transcript file, if recording.
    LinkUp {
        describe: String,
        transcript: Option<String>,
    },
    /// The link was lost (or the replay ended); the console keeps its history.
    LinkLost(String),
    /// A job began (the label is shown in the status bar); keys are held back meanwhile.
    JobStarted(String),
    /// A job ended; `Err` carries the reason it failed.
    JobDone(Result<String, String>),
    Doctor(DoctorProgress),
    /// The doctor finished a run with this report.
    Report(Box<Report>),
    /// The doctor wants to apply this fix: answer with [`Command::Confirm`].
    ConfirmFix(Box<Fix>),
    Channels(Vec<ChannelRow>),
    /// A command run for the Results view, captured whole.
    Output(Box<crate::runner::CommandOutput>),
    /// A transcript marker was passed (replay) or written (live).
    Marker(String),
    /// Replay: the player went back to the start to play up to an earlier place; the console
    /// starts empty again.
    Rewound,
    /// The line settings of the link now (`None`: it has none it can change), on opening and
    /// after a change.
    LineSettings(Option<crate::transport::serial::SerialSettings>),
    /// A line of news for the status bar that ends no job: `Err` when what was asked failed.
    Notice(Result<String, String>),
    /// Replay position: seconds played of the total.
    ReplayClock {
        at: f64,
        total: f64,
    },
}

/// Everything the UI loop reacts to.
// Events are moved once through a channel; boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Event {
    Key(KeyEvent),
    /// Text pasted into the terminal (bracketed paste).
    Paste(String),
    Resize(u16, u16),
    /// A timer tick (only redraws when something animates).
    Tick,
    Engine(EngineEvent),
}

/// What the UI asks the engine to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Bytes typed by the user, sent as they are.
    Send(Vec<u8>),
    /// Bytes typed at a password prompt: sent as they are, recorded only as a secret (one `s`
    /// event for the whole password, however many keys; the next plain [`Command::Send`] ends it).
    SendSecret(Vec<u8>),
    /// Text to type with the CLI's care: each echo checked and repaired (keys lost to a
    /// debounce or eaten), then Enter when `enter`. `screen` draws what the console shows now,
    /// so the engine finds the prompt the text is typed at.
    Type {
        text: String,
        enter: bool,
        screen: Vec<u8>,
    },
    /// The account for the jobs that log in (typed in the dialog after connecting to watch).
    Login {
        user: String,
        domain: String,
        password: crate::sac::Secret,
    },
    /// Diagnose; with `apply`, carry out the fixes (each confirmed in a dialog).
    Doctor {
        apply: bool,
    },
    /// The answer to [`EngineEvent::ConfirmFix`].
    Confirm(bool),
    /// Run a command line in a cmd channel, captured whole, for the Results view.
    Run(String),
    /// Read SAC's channel list.
    ListChannels,
    /// Open a new cmd channel (`cmd` at `SAC>`).
    OpenCmd,
    /// View a channel by its number (`ch -si N`, then a key on the switch screen).
    SwitchChannel(u32),
    /// Close a channel by its number (`ch -ci N`).
    CloseChannel(u32),
    /// Reopen a lost link.
    Reconnect,
    /// Reopen the link by itself whenever it is lost (tio's auto-reconnect), or stop doing so.
    AutoReconnect(bool),
    /// Send a break of this length (tio's Ctrl+T b).
    Break(std::time::Duration),
    /// Change the line's speed and framing.
    SetLine(crate::transport::serial::SerialSettings),
    /// Pause (`true`) or resume the recording, in the same file.
    PauseRecording(bool),
    /// Send an Azure admin action (confirmed by the user) to the target VM.
    AzureAdmin(crate::transport::azure::AdminCommand),
    /// Replay: pause or resume.
    Pause(bool),
    /// Replay: speed factor (`f64::INFINITY` = as fast as possible).
    Speed(f64),
    /// Replay: play up to the next marker at once.
    NextMarker,
    /// Replay: play up to and including the event at this index (going back starts over).
    Seek(usize),
    Quit,
}
