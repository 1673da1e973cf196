//! The SAC session: get to `SAC>` from any state, open and log in to a cmd channel, run commands
//! in it, and close what it opened.
//!
//! ```no_run
//! use sacdoc_console::runner::Shell;
//! use sacdoc_console::sac::{ConnectConfig, Credentials, Secret, Session};
//!
//! // `target` is whatever the binary parsed ("COM1", "tcp://...", "sim:healthy"): a Connector.
//! # fn demo(target: impl sacdoc_link::Connector + 'static) {
//! let creds = Credentials { user: "admin".into(), domain: String::new(), password: Secret::new("pw") };
//! let mut s = Session::connect(&ConnectConfig::new(target, creds)).expect("connect");
//! let out = s.run("netstat -anob").expect("run");
//! println!("{} (exit {:?}, {} bytes received)", out.output, out.exit_code, out.bytes_received);
//! s.close().expect("close");
//! # }
//! ```
//!
//! Safety rules the session keeps: it never types a command unless the cursor sits after a cmd
//! prompt; it never presses Enter at a prompt it did not recognise (a `Password:` prompt would
//! count a failed login); it types the password once per login and never retries a wrong one.

pub mod config;
pub mod console;
pub mod login;
pub mod looks;
mod open;
mod restarts;
pub mod secret;
pub mod view;

use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use config::{ConnectConfig, Credentials, LinkEvents, Profile, Recording, Secret};
pub use console::Arrival;
pub use open::open_link;

pub use crate::error::SessionError;
use crate::error::SessionFault;
use crate::line::{Line, LineError};
use crate::runner::spool::{Spent, Spool};
use crate::runner::{CommandOutput, Limits, RunError, Shell};
use crate::typing;
use restarts::{reconnected, unreadable_on_screen, RECONNECT_RESTARTS, UNREADABLE_RESTARTS};
use sacdoc_link::Link;

/// Options of a session once its link is open.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    pub credentials: Credentials,
    pub keep_channel: bool,
    pub timeout: Duration,
    /// Longest time one command may take in all (`--max-time`), if capped.
    pub max_time: Option<Duration>,
    pub output_limit: u64,
    pub profile: Option<Profile>,
    /// Where the transcript is being written, to report it.
    pub transcript: Option<PathBuf>,
    /// Set by the operator's Ctrl+C (see [`ConnectConfig::cancel`]).
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

impl SessionOptions {
    pub fn from_config(cfg: &ConnectConfig) -> SessionOptions {
        SessionOptions {
            credentials: cfg.credentials.clone(),
            keep_channel: cfg.keep_channel,
            timeout: cfg.timeout,
            max_time: cfg.max_time,
            output_limit: cfg.output_limit,
            profile: cfg.profile,
            transcript: None,
            cancel: cfg.cancel.clone(),
        }
    }
}

/// Where the console is, as far as this session knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Sac,
    Cmd,
    Crashed,
    /// The link was cut and opened again: the screen may be stale, so the place is found anew
    /// from `SAC>` before anything is typed.
    Lost,
}

/// How one round of [`Session::ensure_cmd`] ended.
enum Round {
    /// A logged-in cmd prompt is in view.
    Ready,
    /// The channel could not be used as it was (it was closed): start again.
    Again,
}

/// Runs `command` as the `index`-th of the session, the way `profile` consoles need, on a line
/// that starts with `before` (the deletion of earlier spools, see [`Spent::prefix`]).
fn run_in(
    line: &mut Line,
    profile: Profile,
    before: &str,
    command: &str,
    index: u64,
    limits: Limits,
) -> Result<(String, Option<i32>), RunError> {
    match profile {
        Profile::Stream => crate::runner::stream::run(line, before, command, index, limits, 80),
        Profile::Painted => crate::runner::painted::run(line, before, command, index, limits),
    }
}

/// A connected SAC console.
#[derive(Debug)]
pub struct Session {
    line: Line,
    opts: SessionOptions,
    place: Place,
    /// The cmd channel this session opened (closed at the end unless kept).
    channel: Option<String>,
    profile: Option<Profile>,
    relogins: u32,
    /// Commands run so far (each gets its own marker).
    commands: u64,
    /// Mixed into every command's spool name: a hash of the GUID of the channel this session
    /// opened (random per channel on a real VM; recorded, so a replay gives the same), so that a
    /// spool left on the VM by an earlier session is never taken for one of this session's.
    salt: u64,
    /// Probes of a cut command's spool made so far (each answer carries its number).
    probes: u32,
    /// The link was cut right after a password was submitted: until a cmd prompt shows that the
    /// login worked, a login prompt means it may have been refused (never typed again).
    login_outcome_lost: Option<SessionError>,
    /// Spools of this session's captures still on the VM: the next capture line deletes them
    /// (it starts with their `del`), or [`Session::close`] does.
    spent: Spent,
    /// The receive count when the last command ended well: a boot banner after it means the VM
    /// restarted between commands (a command that restarts it, `shutdown /r /t 0`, can end at
    /// its prompt before the VM goes down, and no line of the command's own comes after it).
    done_at: Option<u64>,
}

impl Session {
    /// Opens the target (recording it when asked), reaches `SAC>`, opens a cmd channel and logs in.
    pub fn connect(cfg: &ConnectConfig) -> Result<Session, SessionError> {
        let mut s = Session::connect_sac(cfg)?;
        s.ensure_cmd()?;
        Ok(s)
    }

    /// Opens the target and reaches `SAC>` (or `!SAC>`) without opening a cmd channel.
    pub fn connect_sac(cfg: &ConnectConfig) -> Result<Session, SessionError> {
        let (link, transcript) = open_link(cfg)?;
        let mut opts = SessionOptions::from_config(cfg);
        opts.transcript = transcript;
        Session::attach(link, opts)
    }

    /// Starts a session over an open link: reaches `SAC>` (or `!SAC>`).
    pub fn attach(link: Box<dyn Link>, opts: SessionOptions) -> Result<Session, SessionError> {
        let mut line = Line::new(link);
        line.set_cancel(opts.cancel.clone());
        // A command's whole answer (up to the output limit) and a screen's worth of drawing
        // around it; a far end that sends more while nothing it sends is awaited is cut.
        let limit = usize::try_from(opts.output_limit).unwrap_or(usize::MAX);
        line.set_max_buffer(limit.saturating_add(1 << 20));
        line.mark("reach SAC>");
        let arrival = console::reach_sac(&mut line, opts.timeout)?;
        let place = match arrival {
            Arrival::Sac => Place::Sac,
            Arrival::Crashed => Place::Crashed,
        };
        let profile = opts.profile;
        Ok(Session {
            line,
            opts,
            place,
            channel: None,
            profile,
            relogins: 0,
            commands: 0,
            salt: 0,
            probes: 0,
            login_outcome_lost: None,
            spent: Spent::default(),
            done_at: None,
        })
    }

    /// The output style of the cmd channel (known after login, or given in the options).
    pub fn profile(&self) -> Option<Profile> {
        self.profile
    }

    /// The pause this session keeps before a key equal to the previous one: `None` until the
    /// console was seen to drop a repeated key (2016/2019 guests debounce; sac-protocol.md §12).
    pub fn debounce(&self) -> Option<std::time::Duration> {
        self.line.debounce
    }

    /// How many times the channel asked for credentials again (idle timeout, `lock`) and got them.
    pub fn relogins(&self) -> u32 {
        self.relogins
    }

    /// True when the console is at `!SAC>`.
    pub fn crashed(&self) -> bool {
        self.place == Place::Crashed
    }

    /// Bytes written so far.
    pub fn bytes_sent(&self) -> u64 {
        self.line.sent()
    }

    /// Bytes read so far.
    pub fn bytes_received(&self) -> u64 {
        self.line.received()
    }

    /// Where the transcript is being written, if it is.
    pub fn transcript_path(&self) -> Option<&std::path::Path> {
        self.opts.transcript.as_deref()
    }

    /// The name of the cmd channel in use (`Cmd0001`), once opened.
    pub fn channel(&self) -> Option<&str> {
        self.channel.as_deref()
    }

    /// The emulated screen (for status views).
    pub fn screen(&self) -> crate::term::Snapshot {
        self.line.term().snapshot()
    }

    /// Runs a SAC command (`i`, `id`, `ch`, ...) at `SAC>` (or a !SAC command at `!SAC>`) and
    /// returns what SAC printed.
    pub fn sac(&mut self, command: &str) -> Result<String, SessionError> {
        if matches!(self.place, Place::Cmd | Place::Lost) || self.line.place_lost() {
            self.line.mark("back to SAC>");
            let arrival = console::reach_sac(&mut self.line, self.opts.timeout)?;
            self.place = if arrival == Arrival::Crashed { Place::Crashed } else { Place::Sac };
        }
        self.line.mark(&format!("sac: {command}"));
        console::sac_command(&mut self.line, command, self.opts.timeout)
    }

    /// Makes sure a logged-in cmd channel is in view, opening one if this session has none. When
    /// the link is cut and comes back on the way, starts again from `SAC>` (a few times).
    pub fn ensure_cmd(&mut self) -> Result<(), SessionError> {
        let mut restarts = 0;
        let mut unreadable = 0;
        loop {
            match self.ensure_cmd_once() {
                Ok(Round::Ready) => return self.learn_profile(),
                Ok(Round::Again) if restarts < RECONNECT_RESTARTS => {}
                Ok(Round::Again) => {
                    return Err(SessionError::CmdUnavailable(
                        "every cmd channel opened showed a login form begun before".into(),
                    ))
                }
                Err(e) if reconnected(&e) && restarts < RECONNECT_RESTARTS => {
                    self.place = Place::Lost;
                }
                Err(SessionError::LoginCut { user, domain }) if restarts < RECONNECT_RESTARTS => {
                    self.login_outcome_lost = Some(SessionError::LoginOutcomeLost { user, domain });
                    self.place = Place::Lost;
                }
                Err(SessionError::LoginUnconfirmed { user, domain })
                    if unreadable < UNREADABLE_RESTARTS =>
                {
                    self.line.mark("the answer to the password was unreadable: view the channel");
                    self.login_outcome_lost =
                        Some(SessionError::LoginAnswerUnread { user, domain });
                    self.place = Place::Lost;
                    unreadable += 1;
                    continue;
                }
                Err(e) if unreadable < UNREADABLE_RESTARTS && unreadable_on_screen(&e) => {
                    self.line
                        .mark(&format!("not recognised on screen ({e}): start from SAC> again"));
                    self.place = Place::Lost;
                    unreadable += 1;
                    continue;
                }
                Err(SessionError::LoginUnconfirmed { user, domain }) => {
                    return Err(SessionError::LoginAnswerUnread { user, domain })
                }
                Err(e) => return Err(e),
            }
            restarts += 1;
        }
    }

    fn ensure_cmd_once(&mut self) -> Result<Round, SessionError> {
        if self.line.place_lost() && self.place != Place::Crashed {
            // The link came back since the last look (in a clean-up, say): find the place anew.
            self.place = Place::Lost;
        }
        match self.place {
            Place::Crashed => return Err(SessionError::Crashed),
            Place::Lost => {
                self.line.mark("find the console again");
                let arrival = console::reach_sac(&mut self.line, self.opts.timeout)?;
                self.line.place_found();
                if arrival == Arrival::Crashed {
                    self.place = Place::Crashed;
                    return Err(SessionError::Crashed);
                }
                self.place = Place::Sac;
            }
            Place::Cmd => {
                // Catch what arrived while idle (a timeout or `lock` repaints the login prompt)
                // before typing anything: a command typed into `Username:` would be a mess.
                self.line.drain(Duration::from_millis(300), Duration::from_millis(40))?;
                if crate::runner::at_prompt(&self.line) {
                    return Ok(Round::Ready);
                }
                if looks::prompt_is(&self.line.term().before_cursor(), "Username:") {
                    return self.relogin().map(|()| Round::Ready);
                }
                // Unknown state inside the channel: leave it and view it again.
                console::reach_sac(&mut self.line, self.opts.timeout)?;
                self.place = Place::Sac;
            }
            Place::Sac => {}
        }
        let timeout = self.opts.timeout;
        let name = match &self.channel {
            Some(n) => n.clone(),
            None => {
                self.line.mark("open cmd channel");
                let n = console::create_cmd(&mut self.line, timeout)?;
                self.channel = Some(n.clone());
                n
            }
        };
        self.line.mark(&format!("view {name}"));
        let (view, guid) = view::view_channel(&mut self.line, &name, timeout)?;
        self.place = Place::Cmd;
        if let (0, Some(guid)) = (self.salt, guid) {
            self.salt = crate::runner::fnv1a(guid.as_bytes());
        }
        if view != view::View::Login {
            // A cmd prompt: the login worked; a form begun: its password was never submitted.
            self.login_outcome_lost = None;
        }
        match view {
            view::View::Login => {
                if let Some(e) = self.login_outcome_lost.take() {
                    let _ = self.close_channel();
                    return Err(e);
                }
                self.do_login()?
            }
            view::View::Prompt => {}
            view::View::HalfLogin => {
                // Nothing typed into the form: closed from SAC>, and a new channel (which starts
                // at `Username:`) is opened by the next round.
                self.line.mark("the channel's login was left half done: closing it");
                self.close_channel()?;
                return Ok(Round::Again);
            }
        }
        Ok(Round::Ready)
    }

    /// Finds the console's style when the login that shows it was not read (its answer was
    /// garbled, and the channel was viewed again at a cmd prompt): Enter at the idle prompt runs
    /// an empty line, and the prompt comes back painted (cursor positions) or streamed.
    fn learn_profile(&mut self) -> Result<(), SessionError> {
        if self.profile.is_some() {
            return Ok(());
        }
        self.line.mark("the console's style is not known yet: Enter at the prompt shows it");
        let from = self.line.buf().len();
        self.line.send(b"\r")?;
        // The answer's bytes show the style (a painted one positions the cursor) even when the
        // line garbled the prompt in them: the runner brings a readable prompt before it types.
        self.line.wait(self.opts.timeout, "waiting for the answer to Enter", |l| {
            (l.buf().len() > from).then_some(())
        })?;
        self.line.settle()?;
        self.profile = Some(login::detect_profile(&self.line.buf()[from..]));
        Ok(())
    }

    fn do_login(&mut self) -> Result<(), SessionError> {
        self.line.mark("login");
        match login::login(&mut self.line, &self.opts.credentials, self.opts.timeout) {
            Ok(p) => {
                if self.profile.is_none() {
                    self.profile = Some(p);
                }
                Ok(())
            }
            Err(e) => {
                if matches!(
                    e,
                    SessionError::LoginFailed { .. } | SessionError::LoginFailedOnNoisyLine { .. }
                ) {
                    // Leave the login prompt without typing into it, and close the channel.
                    let _ = self.close_channel();
                }
                Err(e)
            }
        }
    }

    /// The channel asked for credentials again (idle timeout or `lock`): log in once more, once
    /// per session.
    fn relogin(&mut self) -> Result<(), SessionError> {
        if self.relogins >= 1 {
            return Err(SessionError::Unexpected(
                "the cmd channel asked for credentials again a second time; giving up".into(),
            ));
        }
        self.relogins += 1;
        self.do_login()
    }

    fn close_channel(&mut self) -> Result<(), SessionError> {
        let Some(name) = self.channel.take() else { return Ok(()) };
        console::reach_sac(&mut self.line, self.opts.timeout)?;
        self.place = Place::Sac;
        self.line.mark(&format!("close {name}"));
        console::sac_command(&mut self.line, &format!("ch -cn {name}"), self.opts.timeout)?;
        Ok(())
    }

    /// Runs one command line and returns its complete output.
    pub fn run_command(&mut self, command: &str) -> Result<CommandOutput, RunError> {
        if command.contains(['\r', '\n']) {
            return Err(SessionFault::LineBreak.into());
        }
        if self.restarted_since_done() {
            self.forget_channel();
        }
        self.ensure_cmd().map_err(|e| SessionFault::Session(Box::new(e)))?;
        let sent0 = self.line.sent();
        let recv0 = self.line.received();
        let start = Instant::now();
        self.line.mark(&format!("run: {command}"));
        let limits = self.limits();
        let profile = self.profile.unwrap_or(Profile::Stream);
        self.line.painted = profile == Profile::Painted;
        let index = self.commands.wrapping_add(self.salt);
        // The same start for every try of this command, so that a spool read back after a cut
        // is checked against the line that was typed.
        let before = self.spent.prefix();
        self.line.watch_boot(true);
        let mut result = run_in(&mut self.line, profile, &before, command, index, limits);
        if matches!(result, Err(RunError::Reconnected | RunError::ScreenLost { .. })) {
            result = self.resume(&before, command, index, profile, limits);
        }
        self.line.watch_boot(false);
        self.commands += 1;
        let spool = Spool::new(&crate::runner::nonce(command, index));
        match &result {
            // Verified: the line that wrote it ran, the deletion it started with too.
            Ok(_) => self.spent.replace(spool),
            // Deleted at once where the line allowed; kept to be deleted again, with the others
            // (whether the line ran at all is not known).
            Err(_) => self.spent.add(spool),
        }
        if matches!(result, Err(RunError::Restarting)) {
            self.forget_channel();
        }
        self.done_at = result.is_ok().then(|| self.line.received());
        if matches!(result, Err(RunError::Reconnected | RunError::ScreenLost { .. })) {
            // The channel is still there, but the console may show anything now.
            self.place = Place::Lost;
        }
        let (output, exit_code) = result?;
        Ok(CommandOutput {
            command: command.to_string(),
            exit_code,
            output,
            bytes_sent: self.line.sent() - sent0,
            bytes_received: self.line.received() - recv0,
            duration_ms: start.elapsed().as_millis() as u64,
        })
    }

    /// The link was cut while `command` ran and came back, or noise left the screen unreadable
    /// ([`RunError::ScreenLost`]): finds the cmd prompt again and takes
    /// the command up from what its spool on the VM says (see [`crate::runner::resume`]): run
    /// now when it never started, read back when it ended, an error when it was stopped half-way.
    fn resume(
        &mut self,
        before: &str,
        command: &str,
        index: u64,
        profile: Profile,
        limits: Limits,
    ) -> Result<(String, Option<i32>), RunError> {
        use crate::runner::resume::{spooled, Spooled};
        let mut last = Err(RunError::Reconnected);
        for _ in 0..RECONNECT_RESTARTS {
            self.place = Place::Lost;
            // Finding the console again may meet old output (a relay that replays its history
            // on connect): an old boot banner there is no restart of this command.
            self.line.watch_boot(false);
            let found = self.ensure_cmd();
            self.line.watch_boot(true);
            found.map_err(|e| SessionFault::Session(Box::new(e)))?;
            self.line.mark(&format!("resume: {command}"));
            self.probes += 1;
            let result = match spooled(&mut self.line, command, index, self.probes, limits) {
                Ok(Spooled::Absent) => {
                    self.line.mark("it never started: run it now");
                    run_in(&mut self.line, profile, before, command, index, limits)
                }
                Ok(Spooled::Finished) => {
                    self.line.mark("it ran to its end: read its output back");
                    let read = match profile {
                        Profile::Stream => crate::runner::stream::read_spool(
                            &mut self.line,
                            before,
                            command,
                            index,
                            limits,
                        ),
                        Profile::Painted => crate::runner::painted::read_spool(
                            &mut self.line,
                            before,
                            command,
                            index,
                            limits,
                        ),
                    };
                    // The verified spool must end with its exit marker, as the probe said.
                    match read {
                        Ok((_, None)) => Err(RunError::CutShort),
                        other => other,
                    }
                }
                Ok(Spooled::Unfinished) => Err(RunError::CutShort),
                Err(e) => Err(e),
            };
            match result {
                Err(RunError::Reconnected | RunError::ScreenLost { .. }) => last = result,
                _ => return result,
            }
        }
        self.place = Place::Lost;
        last
    }

    /// The VM restarted (under a command, or after one): its channels are gone, and the console
    /// is somewhere in its boot. The place is unknown: marking it as inside a channel makes the
    /// next call find `SAC>` anew (waiting out the boot) before it types anything, and nothing
    /// is closed at the end.
    fn forget_channel(&mut self) {
        self.line.mark("the VM restarted");
        self.channel = None;
        self.place = Place::Cmd;
    }

    /// True when a boot banner came after the last command ended well, on a link that did not
    /// come back since (a link that reopens may replay old output, banners too).
    fn restarted_since_done(&self) -> bool {
        !self.line.place_lost() && self.done_at.is_some_and(|at| self.line.booted_since(at))
    }

    /// The limits every command of this session runs within.
    fn limits(&self) -> Limits {
        Limits {
            timeout: self.opts.timeout,
            max_time: self.opts.max_time,
            output_limit: self.opts.output_limit,
        }
    }

    /// Deletes the spools still on the VM (the last capture's, and those of captures that
    /// failed), by a line of their own at the cmd prompt: no capture line comes after them to
    /// do it. [`Session::close`] does this; a caller that leaves the session without closing it
    /// (to keep the channel in view) calls it after its last command. Only at a prompt this
    /// session is sure of (nothing is typed elsewhere); a failure leaves them on the VM and
    /// says so in the log.
    pub fn delete_spools(&mut self) {
        let Some(del) = self.spent.delete() else { return };
        if self.restarted_since_done() {
            self.forget_channel();
            return;
        }
        if self.place != Place::Cmd
            || self.channel.is_none()
            || self.line.place_lost()
            || !crate::runner::at_prompt(&self.line)
        {
            tracing::debug!("not at the cmd prompt: the last spool files stay on the VM");
            return;
        }
        self.line.mark("delete the spool files left");
        let limits = self.limits();
        // A VM that restarts now (after a `shutdown /r` that ended well) ends the line at its
        // banner instead of leaving it to wait for an echo that never comes.
        self.line.watch_boot(true);
        let deleted = crate::runner::phases::timed(crate::runner::phases::Phase::Cleanup, || {
            match self.profile.unwrap_or(Profile::Stream) {
                Profile::Stream => {
                    crate::runner::stream::helper(&mut self.line, &del, limits).map(drop)
                }
                Profile::Painted => crate::runner::painted::simple(&mut self.line, &del, limits),
            }
        });
        self.line.watch_boot(false);
        match deleted {
            Ok(()) => self.spent.clear(),
            Err(RunError::Restarting) => self.forget_channel(),
            Err(e) => tracing::debug!("deleting the last spool files failed: {e}"),
        }
    }

    /// Ends the session: deletes the spool files left (see [`Session::delete_spools`]), `exit` in
    /// the cmd channel this session opened (unless asked to keep it), back to `SAC>`. Returns the
    /// totals (bytes sent, bytes received).
    pub fn close(mut self) -> Result<(u64, u64), SessionError> {
        self.delete_spools();
        if self.line.place_lost() && self.place != Place::Crashed {
            self.place = Place::Lost;
        }
        if self.channel.is_some() && !self.opts.keep_channel && self.place == Place::Cmd {
            if crate::runner::at_prompt(&self.line) {
                self.line.mark("exit");
                let anchor = typing::Anchor::here(&self.line);
                typing::type_checked(
                    &mut self.line,
                    &anchor,
                    "exit",
                    typing::Echo::Plain,
                    self.opts.timeout,
                )?;
                self.line.send(b"\r")?;
                self.channel = None;
                // SAC falls back to its own switch screen; bring the SAC prompt back.
                let _ = self.line.wait(
                    Duration::from_secs(3),
                    "waiting for the channel to close",
                    |l| l.term().contains(console::SAC_APP_GUID).then_some(()),
                );
                match console::reach_sac(&mut self.line, self.opts.timeout) {
                    // The work is done; a link that ends here (a replay's end) loses nothing.
                    Ok(_) | Err(SessionError::Line(LineError::Closed)) => {}
                    Err(e) => return Err(e),
                }
                self.place = Place::Sac;
            } else {
                self.close_channel()?;
            }
        } else if self.channel.is_some() && !self.opts.keep_channel {
            self.close_channel()?;
        }
        Ok((self.line.sent(), self.line.received()))
    }
}

impl Shell for Session {
    fn run(&mut self, command: &str) -> Result<CommandOutput, RunError> {
        self.run_command(command)
    }

    fn mark(&mut self, label: &str) {
        self.line.mark(label);
    }
}
