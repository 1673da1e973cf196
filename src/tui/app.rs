//! The UI's state, owned by the main loop. Views read it; only [`App::update`] (in `update.rs`)
//! changes it.

use std::time::Instant;

use super::connect::{Choice, CredForm};
use super::console::Console;
use super::event::ChannelRow;
use super::keys::PrefixKey;
use super::results::NetSort;
use crate::doctor::{Finding, Fix, FixOutcome, Report, Status};
use crate::runner::CommandOutput;

/// The top-level screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// No target yet: pick one.
    Connect,
    Main,
}

/// The views of the main screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Console,
    Channels,
    Doctor,
    Results,
    Palette,
}

impl Tab {
    pub const ALL: [Tab; 5] =
        [Tab::Console, Tab::Channels, Tab::Doctor, Tab::Results, Tab::Palette];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Console => "1 Console",
            Tab::Channels => "2 Channels",
            Tab::Doctor => "3 Doctor",
            Tab::Results => "4 Results",
            Tab::Palette => "5 Palette",
        }
    }

    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

/// What is drawn over the screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    None,
    /// The prefix key was pressed: the menu waits for one key.
    Menu,
    Help,
    /// The doctor waits for an answer about this fix.
    Confirm(Box<Fix>),
    Credentials(CredForm),
    /// The replay's chapter list, with the selected row.
    Chapters(usize),
    /// The line-settings dialog.
    LineSettings(super::line_form::LineForm),
    /// An Azure admin action waits for a yes.
    Admin(crate::transport::azure::AdminCommand),
}

/// Where one check is.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum CheckState {
    Waiting,
    Running,
    Done(Finding),
}

/// One row of the doctor view.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckRow {
    pub id: crate::doctor::CheckId,
    pub step: String,
    pub state: CheckState,
    /// The fix a finding of this check proposed in this run (kept when a later pass is ok).
    pub fix_id: Option<String>,
}

impl CheckRow {
    pub fn status(&self) -> Option<Status> {
        match &self.state {
            CheckState::Done(f) => Some(f.status),
            _ => None,
        }
    }
}

/// The command the doctor is running now.
#[derive(Debug, Clone, PartialEq)]
pub struct RunningCommand {
    pub check: String,
    pub command: String,
    pub started: Instant,
    /// Bytes in + out on the line when it started (the difference is its cost so far).
    pub bytes_at_start: u64,
}

/// The doctor view.
#[derive(Debug, Clone, PartialEq)]
pub struct DoctorState {
    pub rows: Vec<CheckRow>,
    pub selected: usize,
    pub running: Option<RunningCommand>,
    pub fix_running: Option<String>,
    pub outcomes: Vec<FixOutcome>,
    pub report: Option<Report>,
    /// A run is in progress.
    pub active: bool,
    pub started: Option<Instant>,
}

impl Default for DoctorState {
    fn default() -> Self {
        DoctorState {
            rows: crate::doctor::checks::all()
                .iter()
                .map(|c| CheckRow {
                    id: c.id(),
                    step: c.step().to_string(),
                    state: CheckState::Waiting,
                    fix_id: None,
                })
                .collect(),
            selected: 0,
            running: None,
            fix_running: None,
            outcomes: Vec::new(),
            report: None,
            active: false,
            started: None,
        }
    }
}

impl DoctorState {
    /// The fixes the findings propose, once each, in report order.
    pub fn plan(&self) -> Vec<&Fix> {
        let mut out: Vec<&Fix> = Vec::new();
        for r in &self.rows {
            if let CheckState::Done(f) = &r.state {
                if let Some(fix) = &f.fix {
                    if f.status == Status::Problem && !out.iter().any(|x| x.id == fix.id) {
                        out.push(fix);
                    }
                }
            }
        }
        out
    }

    /// The finding of the selected row, if done.
    pub fn selected_finding(&self) -> Option<&Finding> {
        match &self.rows.get(self.selected)?.state {
            CheckState::Done(f) => Some(f),
            _ => None,
        }
    }
}

/// The results view.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultsState {
    pub outputs: Vec<CommandOutput>,
    pub selected: usize,
    pub sort: NetSort,
    pub filter: String,
    pub editing_filter: bool,
    /// A command line being typed after `!`, to run and read into the view.
    pub running: Option<String>,
    /// Outputs read from commands typed by hand in the console, by command line: `true` when
    /// screens were skipped while it printed (a painted console), so rows may be missing.
    pub by_hand: std::collections::BTreeMap<String, bool>,
    /// The first table row shown (PgUp/PgDn; the view clamps it to the last page).
    pub offset: usize,
}

impl ResultsState {
    /// Adds (or replaces) the output of one command and selects it; `by_hand` says whether it was
    /// read from the console as the operator typed it, and if so whether it may be incomplete.
    pub fn add(&mut self, output: CommandOutput, by_hand: Option<bool>) {
        self.outputs.retain(|o| o.command != output.command);
        match by_hand {
            Some(incomplete) => self.by_hand.insert(output.command.clone(), incomplete),
            None => self.by_hand.remove(&output.command),
        };
        self.outputs.push(output);
        self.selected = self.outputs.len() - 1;
        self.filter.clear();
        self.offset = 0;
    }

    /// How the selected output was read, for its title: empty for a captured command.
    pub fn origin(&self, command: &str) -> &'static str {
        match self.by_hand.get(command) {
            Some(true) => " by hand, MAY BE INCOMPLETE (screens skipped)",
            Some(false) => " by hand",
            None => "",
        }
    }
}

/// The palette view.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaletteState {
    pub query: String,
    pub selected: usize,
}

/// The connect screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectState {
    pub choices: Vec<Choice>,
    pub selected: usize,
    /// A target typed by hand (used instead of the selection when not empty).
    pub typed: String,
    pub error: Option<String>,
}

/// The link as the status bar shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkInfo {
    pub target: String,
    /// `115200 8N1` for serial lines, else how the link is carried.
    pub line: String,
    pub up: bool,
    pub lost: Option<String>,
    pub transcript: Option<String>,
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// The line settings the link can change, as it reported them; `None` when it cannot.
    pub settings: Option<crate::transport::serial::SerialSettings>,
    /// The recording is paused (the status bar says so).
    pub recording_paused: bool,
}

/// Replay speeds offered, in order.
pub const SPEEDS: [f64; 4] = [1.0, 2.0, 10.0, f64::INFINITY];

/// The replay controls.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayState {
    pub file: String,
    pub paused: bool,
    pub speed: usize,
    pub at: f64,
    pub total: f64,
    pub last_marker: Option<String>,
    pub ended: bool,
}

/// Everything the UI shows.
/// The login details resolved before the UI started (flags, environment, configuration file).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginDefaults {
    pub user: String,
    pub domain: String,
    /// A password is configured, so a dialog is not needed when the user is known too.
    pub has_password: bool,
}

#[derive(Debug)]
pub struct App {
    pub screen: Screen,
    pub tab: Tab,
    pub overlay: Overlay,
    /// How far the overlay's text is scrolled (0 when one opens; the view clamps it).
    pub overlay_scroll: u16,
    /// The terminal's columns and rows (set by the loop, then by resize events).
    pub size: (u16, u16),
    pub console: Console,
    pub prefix: PrefixKey,
    /// What the configuration already says about logging in (prefills the credentials dialog).
    pub login: LoginDefaults,
    pub link: LinkInfo,
    /// The engine job in progress (keys for the VM are held back meanwhile).
    pub job: Option<String>,
    pub doctor: DoctorState,
    pub results: ResultsState,
    pub palette: PaletteState,
    pub channels: Vec<ChannelRow>,
    pub channel_sel: usize,
    pub replay: Option<ReplayState>,
    pub connect: ConnectState,
    /// One line of news for the status bar (the last job's result, a refusal).
    pub message: Option<String>,
    pub quit: bool,
    /// An exercise chosen on the connect screen: the UI ends and `sacdoc train NAME` begins.
    pub start_training: Option<String>,
    /// The time views measure against (set by the loop on every event; fixed in tests).
    pub now: Instant,
    /// When the session began: timestamps count from it (`+MM:SS`), as tio's `24hour-start`.
    pub started: Instant,
    pub spinner: usize,
    /// A training session: the side pane and the trainee's "done".
    pub training: Option<super::training::Training>,
    /// A replay's chapters (its markers) and where playback stands among them.
    pub chapters: super::chapters::Chapters,
    /// A recognised command typed by hand whose output is being read for Results.
    pub by_hand: Option<super::by_hand::Capture>,
    /// What the user types is shown at once on the console too (for a VM that does not echo).
    pub local_echo: bool,
    /// A lost link is reopened by the engine by itself.
    pub auto_reconnect: bool,
    /// The time each console line arrived is shown (see `view/console.rs`).
    pub timestamps: bool,
    /// The console view shows the bytes received in hex instead of the screen.
    pub hex: bool,
    /// The last bytes received, for the hex view.
    pub recent: super::hexview::Recent,
}

impl App {
    /// A main screen on `target`.
    pub fn new(target: &str, line: &str, prefix: PrefixKey) -> App {
        let now = Instant::now();
        App {
            screen: Screen::Main,
            tab: Tab::Console,
            overlay: Overlay::None,
            overlay_scroll: 0,
            size: (crate::term::COLS, crate::term::ROWS),
            console: Console::new(),
            prefix,
            login: LoginDefaults::default(),
            link: LinkInfo { target: target.into(), line: line.into(), ..LinkInfo::default() },
            job: None,
            doctor: DoctorState::default(),
            results: ResultsState::default(),
            palette: PaletteState::default(),
            channels: Vec::new(),
            channel_sel: 0,
            replay: None,
            connect: ConnectState::default(),
            message: None,
            quit: false,
            start_training: None,
            now,
            started: now,
            spinner: 0,
            training: None,
            chapters: Default::default(),
            by_hand: None,
            local_echo: false,
            auto_reconnect: false,
            hex: false,
            timestamps: false,
            recent: Default::default(),
        }
    }

    /// The connect screen with these choices.
    pub fn connecting(choices: Vec<Choice>, prefix: PrefixKey) -> App {
        let mut app = App::new("", "", prefix);
        app.screen = Screen::Connect;
        app.connect.choices = choices;
        app
    }

    /// True while something on screen moves by itself (a spinner, an elapsed time, a replay).
    pub fn animating(&self) -> bool {
        self.doctor.active
            || self.job.is_some()
            || self.replay.as_ref().is_some_and(|r| !r.paused && !r.ended)
    }

    /// What the doctor has learned that fills palette placeholders.
    pub fn known(&self) -> super::palette::Known {
        let mut k = super::palette::Known::default();
        for out in &self.results.outputs {
            let c = out.command.to_ascii_lowercase();
            if c.starts_with("reg query") {
                let q = crate::parse::reg::parse(&out.output);
                for key in &q.keys {
                    if let Some(v) = key.value("PortNumber") {
                        k.port = v.number().and_then(|n| u16::try_from(n).ok());
                    }
                    if let Some(v) = key.value("SSLCertificateSHA1Hash") {
                        let t = v.data_raw.trim().to_string();
                        if !t.is_empty() {
                            k.thumbprint = Some(t);
                        }
                    }
                }
            }
        }
        let port = k.port.unwrap_or(3389);
        for out in &self.results.outputs {
            if out.command.to_ascii_lowercase().starts_with("netstat") {
                let n = crate::parse::netstat::parse(&out.output);
                if let Some(c) = n.listeners_on(port).first() {
                    k.pid = c.pid;
                }
            }
        }
        k
    }
}
