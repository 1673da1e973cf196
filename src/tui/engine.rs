//! The engine thread of a live session: it owns the link, pumps received bytes to the UI while
//! idle, sends the user's keys, and runs jobs (doctor, channel commands) through the same
//! [`crate::sac::Session`] the headless CLI uses. Every byte it reads, in a job or not, reaches the
//! UI through [`TapLink`], so the console shows exactly what the session sees.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TryRecvError};

use super::event::{ChannelRow, Command, DoctorProgress, EngineEvent, Event};
use crate::doctor::{self, Confirm, Fix, RunOptions};
use crate::runner::Shell;
use crate::sac::{ConnectConfig, Recording, Session, SessionOptions};
use crate::transcript::{Header, Recorder, RecordingLink};
use crate::transport::serial::SerialSettings;
use crate::transport::{is_no_data, Control, ControlError, Link};
use std::path::PathBuf;

/// The file after `path` for the next part of one recording: `x.cast` -> `x.part2.cast`,
/// `x.part2.cast` -> `x.part3.cast`, skipping names that exist. Used only when a reopened link
/// cannot continue the session's transcript (the file was moved or damaged meanwhile).
fn next_part(path: &std::path::Path) -> std::path::PathBuf {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let ext = path.extension().map(|e| e.to_string_lossy().into_owned());
    let (base, mut n) = match stem.rsplit_once(".part") {
        Some((b, k)) if k.parse::<u32>().is_ok_and(|k| k >= 2) => {
            (b.to_string(), k.parse::<u32>().unwrap_or(1))
        }
        _ => (stem.clone(), 1),
    };
    loop {
        n += 1;
        let name = match &ext {
            Some(e) => format!("{base}.part{n}.{e}"),
            None => format!("{base}.part{n}"),
        };
        let next = path.with_file_name(name);
        if !next.exists() || n > 10_000 {
            return next;
        }
    }
}

/// Longest careful typing of one pasted line may take (repairs included).
const TYPE_TIMEOUT: Duration = Duration::from_secs(60);

/// A link shared between the idle pump and a job's session (never both at once: both run on the
/// engine thread), which copies every byte read to the UI and counts bytes written.
#[derive(Clone)]
pub struct TapLink {
    inner: Arc<Mutex<Box<dyn Link>>>,
    ui: Sender<Event>,
    describe: String,
}

impl TapLink {
    pub fn new(link: Box<dyn Link>, ui: Sender<Event>) -> TapLink {
        let describe = link.describe();
        TapLink { inner: Arc::new(Mutex::new(link)), ui, describe }
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Box<dyn Link>) -> std::io::Result<T>,
    ) -> std::io::Result<T> {
        match self.inner.lock() {
            Ok(mut g) => f(&mut g),
            Err(_) => Err(std::io::Error::other("the link's lock was poisoned by a panic")),
        }
    }
}

impl Read for TapLink {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.with(|l| l.read(buf))?;
        if n > 0 {
            let _ = self.ui.send(Event::Engine(EngineEvent::Bytes(buf[..n].to_vec())));
        }
        Ok(n)
    }
}

impl Write for TapLink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.with(|l| l.write(buf))?;
        let _ = self.ui.send(Event::Engine(EngineEvent::Sent(n)));
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.with(|l| l.flush())
    }
}

impl Link for TapLink {
    fn describe(&self) -> String {
        self.describe.clone()
    }
    fn set_secret(&mut self, on: bool) {
        let _ = self.with(|l| {
            l.set_secret(on);
            Ok(())
        });
    }
    fn mark(&mut self, label: &str) {
        let _ = self.with(|l| {
            l.mark(label);
            Ok(())
        });
        if !label.starts_with("sacdoc-") {
            let _ = self.ui.send(Event::Engine(EngineEvent::Marker(label.to_string())));
        }
    }
    fn reconnects(&self) -> Option<u64> {
        self.with(|l| Ok(l.reconnects())).ok().flatten()
    }
    fn pause_recording(&mut self, paused: bool) -> bool {
        self.with(|l| Ok(l.pause_recording(paused))).unwrap_or(false)
    }
    fn send_break(&mut self, d: Duration) -> Result<(), ControlError> {
        self.with(|l| Ok(l.send_break(d)))
            .unwrap_or_else(|e| Err(ControlError::failed(&self.describe, Control::Break, e)))
    }
    fn line_settings(&self) -> Option<SerialSettings> {
        self.with(|l| Ok(l.line_settings())).ok().flatten()
    }
    fn set_line_settings(&mut self, s: &SerialSettings) -> Result<(), ControlError> {
        self.with(|l| Ok(l.set_line_settings(s)))
            .unwrap_or_else(|e| Err(ControlError::failed(&self.describe, Control::LineSettings, e)))
    }
}

/// Asks the UI to confirm a fix and waits for the answer.
struct UiConfirm<'a> {
    ui: &'a Sender<Event>,
    rx: &'a Receiver<Command>,
    quit: bool,
}

impl Confirm for UiConfirm<'_> {
    fn confirm(&mut self, fix: &Fix) -> bool {
        if self.quit {
            return false;
        }
        let _ = self.ui.send(Event::Engine(EngineEvent::ConfirmFix(Box::new(fix.clone()))));
        loop {
            match self.rx.recv() {
                Ok(Command::Confirm(yes)) => return yes,
                Ok(Command::Quit) | Err(_) => {
                    self.quit = true;
                    return false;
                }
                // Keys and other requests wait for the job; the UI does not send them meanwhile.
                Ok(_) => {}
            }
        }
    }
}

/// The engine of one live session.
pub struct Engine {
    cfg: ConnectConfig,
    ui: Sender<Event>,
    rx: Receiver<Command>,
    tap: Option<TapLink>,
    quit: bool,
    /// Keys typed at a password prompt are being sent (the transcript records one `s`).
    secret: bool,
    /// Reopen a lost link by itself, every [`AUTO_RETRY`].
    auto: bool,
    /// The user paused the recording.
    paused: bool,
    /// The transcript this session records into, once created: reopening continues it.
    transcript: Option<PathBuf>,
}

/// How long a lost link waits between attempts to reopen it while auto-reconnect is on.
const AUTO_RETRY: Duration = Duration::from_secs(2);

fn emit(ui: &Sender<Event>, e: EngineEvent) {
    let _ = ui.send(Event::Engine(e));
}

impl Engine {
    /// Starts the engine on its own thread.
    pub fn spawn(
        cfg: ConnectConfig,
        ui: Sender<Event>,
        rx: Receiver<Command>,
    ) -> std::io::Result<std::thread::JoinHandle<()>> {
        std::thread::Builder::new().name("sacdoc-engine".into()).spawn(move || {
            let mut e = Engine {
                cfg,
                ui,
                rx,
                tap: None,
                quit: false,
                secret: false,
                auto: false,
                paused: false,
                transcript: None,
            };
            e.open();
            e.run();
        })
    }

    /// Opens the link: the first time with the recording configured (`--record PATH`, the
    /// transcripts folder, or none); after a loss the recording goes on in that same file, with a
    /// `link reopened` marker, so a session is one transcript however often the link drops.
    fn open_recorded(&mut self) -> Result<(Box<dyn Link>, Option<PathBuf>), String> {
        // The old recorder (inside the old link) is closed first, its held bytes written.
        self.tap = None;
        let Some(path) = self.transcript.clone() else {
            let (link, t) =
                crate::sac::open_link(&self.cfg).map_err(|e| crate::transport::chain(&e))?;
            self.transcript.clone_from(&t);
            return Ok((link, t));
        };
        let mut cfg = self.cfg.clone();
        cfg.record = Recording::Off;
        let (link, _) = crate::sac::open_link(&cfg).map_err(|e| crate::transport::chain(&e))?;
        let recorder = Recorder::resume(&path).or_else(|e| {
            // The file cannot be continued (moved, unreadable): a new one beside it, said in
            // the status bar by its new name.
            super::log(&format!("cannot continue {}: {e}", path.display()));
            let next = next_part(&path);
            Recorder::create(&next, &Header::new(&self.cfg.target.to_string()))
        });
        match recorder {
            Ok(mut rec) => {
                rec.set_cap(self.cfg.transcript_cap);
                let now = rec.path().to_path_buf();
                let mut rec = RecordingLink::new(link, rec);
                rec.mark("link reopened");
                self.transcript = Some(now.clone());
                Ok((Box::new(rec), Some(now)))
            }
            Err(e) => {
                super::log(&format!("recording stopped: {e}"));
                self.transcript = None;
                Ok((link, None))
            }
        }
    }

    fn open(&mut self) {
        match self.open_recorded() {
            Ok((link, transcript)) => {
                let tap = TapLink::new(link, self.ui.clone());
                emit(
                    &self.ui,
                    EngineEvent::LinkUp {
                        describe: tap.describe(),
                        transcript: transcript.map(|p| p.display().to_string()),
                    },
                );
                // Nothing is typed on connecting: the console may sit at a login's Password:
                // prompt, where even a bare Enter would count as a failed logon.
                emit(&self.ui, EngineEvent::LineSettings(tap.line_settings()));
                self.tap = Some(tap);
                self.secret = false;
                if self.paused {
                    // A reopened link records again from the start: keep the pause the user set.
                    self.pause_recording(true);
                }
            }
            Err(e) => {
                super::log(&format!("open {}: {e}", self.cfg.target));
                emit(&self.ui, EngineEvent::LinkLost(e));
            }
        }
    }

    fn run(&mut self) {
        let mut buf = vec![0u8; 4096];
        while !self.quit {
            loop {
                match self.rx.try_recv() {
                    Ok(c) => self.command(c),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => return,
                }
                if self.quit {
                    return;
                }
            }
            let Some(tap) = &mut self.tap else {
                if !self.auto {
                    match self.rx.recv() {
                        Ok(c) => self.command(c),
                        Err(_) => return,
                    }
                    continue;
                }
                // Auto-reconnect: a command or, when none comes for a while, another attempt.
                match self.rx.recv_timeout(AUTO_RETRY) {
                    Ok(c) => self.command(c),
                    Err(crossbeam_channel::RecvTimeoutError::Timeout) => self.open(),
                    Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return,
                }
                continue;
            };
            match tap.read(&mut buf) {
                Ok(0) => self.lost("the far end closed the link".into()),
                Ok(_) => {}
                Err(e) if is_no_data(&e) => {}
                Err(e) => self.lost(e.to_string()),
            }
        }
    }

    fn lost(&mut self, why: String) {
        super::log(&format!("link lost: {why}"));
        self.tap = None;
        emit(&self.ui, EngineEvent::LinkLost(why));
    }

    /// Starts or ends a secret stretch in the transcript (once per change, so a password typed
    /// key by key is one `s` event).
    fn secret(&mut self, on: bool) {
        if self.secret == on {
            return;
        }
        self.secret = on;
        if let Some(tap) = &mut self.tap {
            tap.set_secret(on);
        }
    }

    /// Types `text` as the CLI does (echo checked and repaired), then Enter when asked; the
    /// UI holds the user's keys meanwhile, as for any job.
    fn type_carefully(&mut self, text: &str, enter: bool, screen: &[u8]) {
        let Some(tap) = self.tap.clone() else { return };
        self.secret(false);
        emit(&self.ui, EngineEvent::JobStarted("typing".into()));
        let mut line = crate::line::Line::new(Box::new(tap));
        line.seed(screen);
        let anchor = crate::typing::Anchor::here(&line);
        let typed = crate::typing::type_checked(
            &mut line,
            &anchor,
            text,
            crate::typing::Echo::Plain,
            TYPE_TIMEOUT,
        );
        let result = match typed {
            Ok(rounds) => {
                let pressed =
                    if enter { line.send(b"\r").map_err(|e| e.to_string()) } else { Ok(()) };
                let then = if enter { "" } else { "; press Enter to run it" };
                pressed.map(|()| match rounds {
                    0 => format!("typed{then}"),
                    n => format!("typed (the echo was repaired {n} time(s)){then}"),
                })
            }
            Err(e) => Err(format!("typing stopped, Enter not pressed: {e}")),
        };
        emit(&self.ui, EngineEvent::JobDone(result));
    }

    /// Sends a break; the link says whether it can.
    fn send_break(&mut self, d: Duration) {
        let Some(tap) = &mut self.tap else { return };
        let r = match tap.send_break(d) {
            Ok(()) => Ok(format!("break sent ({} ms)", d.as_millis())),
            Err(e) => Err(crate::transport::chain(&e)),
        };
        emit(&self.ui, EngineEvent::Notice(r));
    }

    /// Changes the line settings and tells the UI what the line is at afterwards.
    fn set_line(&mut self, s: SerialSettings) {
        let Some(tap) = &mut self.tap else { return };
        let r = match tap.set_line_settings(&s) {
            Ok(()) => Ok(format!("line settings now {s}")),
            Err(e) => Err(crate::transport::chain(&e)),
        };
        emit(&self.ui, EngineEvent::LineSettings(tap.line_settings()));
        emit(&self.ui, EngineEvent::Notice(r));
    }

    /// Pauses or resumes the recording in the same file.
    fn pause_recording(&mut self, paused: bool) {
        self.paused = paused;
        let Some(tap) = &mut self.tap else { return };
        let r = if tap.pause_recording(paused) {
            Ok(if paused {
                "recording paused: nothing is written until you resume (prefix l)".to_string()
            } else {
                "recording resumed in the same file".to_string()
            })
        } else {
            Err("nothing records this session".to_string())
        };
        emit(&self.ui, EngineEvent::Notice(r));
    }

    fn send(&mut self, bytes: &[u8]) {
        let Some(tap) = &mut self.tap else { return };
        if let Err(e) = tap.write_all(bytes).and_then(|_| tap.flush()) {
            self.lost(e.to_string());
        }
    }

    fn command(&mut self, c: Command) {
        match c {
            Command::Send(b) => {
                self.secret(false);
                self.send(&b)
            }
            Command::Login { user, domain, password } => {
                self.cfg.credentials = crate::sac::Credentials { user, domain, password };
            }
            Command::Type { text, enter, screen } => self.type_carefully(&text, enter, &screen),
            Command::SendSecret(b) => {
                self.secret(true);
                self.send(&b)
            }
            Command::Quit => self.quit = true,
            Command::AzureAdmin(c) => self.azure_admin(c),
            Command::Break(d) => self.send_break(d),
            Command::SetLine(s) => self.set_line(s),
            Command::PauseRecording(p) => self.pause_recording(p),
            Command::AutoReconnect(on) => {
                self.auto = on;
                if on && self.tap.is_none() {
                    self.open();
                }
            }
            Command::Reconnect => {
                if self.tap.is_none() {
                    self.open();
                }
            }
            Command::Doctor { apply } => {
                let label = if apply { "applying fixes" } else { "running the doctor" };
                self.job(label, |e, s| e.doctor(s, apply));
            }
            Command::Run(line) => self.job("running a command", move |e, mut s| {
                s.ensure_cmd().map_err(|x| x.to_string())?;
                let out = s.run(&line);
                // The session is left without closing (the channel stays in view): its spool
                // files are deleted here, as a close would.
                s.delete_spools();
                let out = out.map_err(|x| x.to_string())?;
                let done = match out.exit_code {
                    Some(code) => format!("{line}: exit {code}, {} bytes", out.output.len()),
                    None => format!("{line}: {} bytes, exit code unknown", out.output.len()),
                };
                emit(&e.ui, EngineEvent::Output(Box::new(out)));
                Ok(done)
            }),
            Command::ListChannels => {
                self.job("reading the channel list", |e, mut s| e.channels(&mut s))
            }
            Command::OpenCmd => self.job("opening a cmd channel", |_, mut s| {
                // Opens, views and logs in; the session is then dropped without closing, so the
                // channel stays open and in view for the user.
                s.ensure_cmd().map_err(|x| x.to_string())?;
                Ok(format!("logged in to {}", s.channel().unwrap_or("the cmd channel")))
            }),
            Command::SwitchChannel(n) => {
                self.job("switching channel", move |e, s| e.switch(s, n));
            }
            Command::CloseChannel(n) => self.job("closing a channel", move |e, mut s| {
                let out = s.sac(&format!("ch -ci {n}")).map_err(|x| x.to_string())?;
                let _ = e.channels(&mut s);
                Ok(first_line(&out))
            }),
            // Replay controls and stray answers mean nothing to a live session.
            Command::Confirm(_)
            | Command::Pause(_)
            | Command::Speed(_)
            | Command::NextMarker
            | Command::Seek(_) => {}
        }
    }

    /// Sends an Azure admin action the user confirmed in the UI, over a console connection of its
    /// own (the CLI's `sacdoc azure` path); the link in view is left as it is.
    fn azure_admin(&mut self, c: crate::transport::azure::AdminCommand) {
        use crate::transport::azure;
        let what = c.as_str().to_uppercase();
        emit(&self.ui, EngineEvent::JobStarted(format!("sending {what}")));
        let target = self.cfg.target.to_string();
        let result = (|| -> anyhow::Result<String> {
            let vm = crate::cli::azure::azure_vm(&target)?;
            let settings = crate::config::Config::load()?.azure()?;
            azure::send_admin(&vm, &settings, c, azure::Confirmation::given_by_user())?;
            Ok(format!("{what} sent to {vm}"))
        })()
        .map_err(|e| format!("{what}: {}", crate::transport::chain(e.as_ref())));
        if let Err(e) = &result {
            super::log(e);
        }
        emit(&self.ui, EngineEvent::JobDone(result));
    }

    /// Runs `f` with a session attached to the link (at `SAC>`); reports start and end.
    fn job(&mut self, label: &str, f: impl FnOnce(&mut Engine, Session) -> Result<String, String>) {
        // A job types for itself: a password stretch typed by hand ends here.
        self.secret(false);
        let Some(tap) = self.tap.clone() else {
            emit(&self.ui, EngineEvent::JobDone(Err("the link is down".into())));
            return;
        };
        emit(&self.ui, EngineEvent::JobStarted(label.to_string()));
        let mut opts = SessionOptions::from_config(&self.cfg);
        opts.keep_channel = false;
        let result = match Session::attach(Box::new(tap), opts) {
            Ok(s) => f(self, s),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = &result {
            super::log(&format!("{label}: {e}"));
        }
        emit(&self.ui, EngineEvent::JobDone(result));
    }

    /// Diagnoses (and with `apply`, fixes, each fix confirmed in the UI), then closes the cmd
    /// channel the run opened.
    fn doctor(&mut self, mut session: Session, apply: bool) -> Result<String, String> {
        let mut opts = RunOptions::new(
            &self.cfg.target.to_string(),
            crate::paths::target_dir(&self.cfg.target.to_string()),
        );
        opts.apply = apply;
        let ui = self.ui.clone();
        // The doctor writes its results into the transcript as markers itself (through the
        // session), so a replay shows them where they came.
        let mut observer = |e: &doctor::Event<'_>| {
            emit(&ui, EngineEvent::Doctor(DoctorProgress::from_event(e)));
        };
        let mut confirm = UiConfirm { ui: &self.ui, rx: &self.rx, quit: false };
        let result = doctor::run(&mut session, &opts, &mut observer, &mut confirm);
        if confirm.quit {
            self.quit = true;
        }
        let closed = session.close();
        let report = result.map_err(|e| e.to_string())?;
        let problems = report.checks.iter().filter(|c| c.status == doctor::Status::Problem).count();
        let applied = report.fixes.iter().filter(|f| f.state == doctor::FixState::Applied).count();
        emit(&self.ui, EngineEvent::Report(Box::new(report)));
        closed.map_err(|e| format!("closing the cmd channel: {e}"))?;
        Ok(if apply {
            format!("doctor: {applied} fix(es) applied, {problems} problem(s) found before")
        } else {
            format!("doctor: {problems} problem(s) found")
        })
    }

    /// Reads SAC's channel list (`ch`) and sends it to the UI.
    fn channels(&mut self, session: &mut Session) -> Result<String, String> {
        let out = session.sac("ch").map_err(|e| e.to_string())?;
        let rows = parse_channels(&out);
        let n = rows.len();
        emit(&self.ui, EngineEvent::Channels(rows));
        Ok(format!("{n} channel(s)"))
    }

    /// Views channel `n`: `ch -si N` shows the switch screen, any key then shows the channel.
    fn switch(&mut self, session: Session, n: u32) -> Result<String, String> {
        drop(session);
        let Some(tap) = &mut self.tap else { return Err("the link is down".into()) };
        tap.write_all(format!("ch -si {n}\r").as_bytes()).map_err(|e| e.to_string())?;
        let mut seen = Vec::new();
        let mut buf = vec![0u8; 4096];
        let deadline = Instant::now() + Duration::from_secs(10);
        let needle = crate::sac::console::SWITCH_LAST.as_bytes();
        while Instant::now() < deadline {
            match tap.read(&mut buf) {
                Ok(0) => return Err("the far end closed the link".into()),
                Ok(k) => {
                    seen.extend_from_slice(&buf[..k]);
                    if seen.windows(needle.len()).any(|w| w == needle) {
                        tap.write_all(b"\r").map_err(|e| e.to_string())?;
                        return Ok(format!("viewing channel {n}"));
                    }
                    if seen.windows(6).any(|w| w == b"Error:") {
                        return Err(format!("SAC refused channel {n}"));
                    }
                }
                Err(e) if is_no_data(&e) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        Err(format!("SAC showed no switch screen for channel {n}"))
    }
}

/// Rows of SAC's `ch` answer: `<index> (<A|I><V|R>)    <name>`.
pub fn parse_channels(text: &str) -> Vec<ChannelRow> {
    text.lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let index = parts.next()?.parse().ok()?;
            let status = parts.next()?.strip_prefix('(')?.strip_suffix(')')?.to_string();
            let name = parts.next()?.to_string();
            Some(ChannelRow { index, status, name })
        })
        .collect()
}

fn first_line(s: &str) -> String {
    s.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("done").to_string()
}

#[cfg(test)]
mod tests {
    use super::next_part;
    use std::path::Path;

    #[test]
    fn the_next_part_of_a_recording_sits_beside_it() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("case-1234.cast");
        assert_eq!(next_part(&p), d.path().join("case-1234.part2.cast"));
        let second = d.path().join("case-1234.part2.cast");
        assert_eq!(next_part(&second), d.path().join("case-1234.part3.cast"));
        std::fs::write(&second, "x").unwrap();
        assert_eq!(next_part(&p), d.path().join("case-1234.part3.cast"));
        assert_eq!(next_part(Path::new("plain")), Path::new("plain.part2"));
    }
}
