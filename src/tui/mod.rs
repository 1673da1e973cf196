//! The native text UI (ratatui + crossterm). Nothing outside this module (and `cli/tui.rs`)
//! imports either crate.
//!
//! Shape: the engine runs on its own threads ([`engine`] for a live session, [`replay`] for a
//! transcript); a key reader and a ticker run on theirs. All of them send one [`event::Event`]
//! enum into one channel; the loop owns the [`app::App`], applies each event with
//! [`app::App::update`], carries out the returned effects, and redraws only when something
//! changed. Views ([`view`]) are pure functions of `&App`.

pub mod app;
pub mod by_hand;
pub mod chapters;
pub mod connect;
pub mod console;
pub mod engine;
pub mod event;
pub mod hexview;
pub mod keys;
pub mod line_form;
pub mod palette;
pub mod replay;
pub mod replay_doctor;
pub mod results;
pub mod terminal;
pub mod training;
pub mod update;
pub mod view;

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use crossbeam_channel::{unbounded, Receiver, Sender};

use app::App;
use event::{Command, Event};
use update::Effect;

use crate::sac::{ConnectConfig, Credentials, Recording, Secret};
use crate::target::Target;

/// How often the ticker wakes the loop (a redraw follows only while something animates).
const TICK: Duration = Duration::from_millis(250);

/// Appends one line to the UI's log file under the state folder (never to the screen).
pub fn log(msg: &str) {
    let path = crate::paths::state_dir().join("sacdoc-tui.log");
    if let Some(dir) = path.parent() {
        let _ = crate::transport::owner_only::create_dir_all(dir);
    }
    if let Ok(mut f) = crate::transport::owner_only::append(&path) {
        let t = crate::doctor::time::now_iso();
        let _ = writeln!(f, "{t} {msg}");
    }
}

/// What the live UI starts with.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// The target; `None` opens the connect screen.
    pub target: Option<String>,
    /// Credentials resolved before the UI started (flags, environment, password file).
    pub user: Option<String>,
    pub domain: Option<String>,
    pub password: Option<Secret>,
    pub record: Recording,
    pub timeout: Duration,
    pub max_time: Option<Duration>,
    pub output_limit: u64,
    pub transcript_cap: u64,
    pub reconnect: bool,
    pub keep_channel: bool,
    /// The console style when configured; detected otherwise.
    pub profile: Option<crate::sac::Profile>,
    pub prefix: keys::PrefixKey,
}

/// The line settings as the status bar shows them.
fn line_label(t: &Target) -> String {
    match t {
        Target::Serial { settings: s, .. } => {
            let parity = s.parity.as_str().chars().next().unwrap_or('n').to_ascii_uppercase();
            format!("{} {}{}{}", s.baud, s.data_bits, parity, s.stop_bits)
        }
        Target::Tcp { .. } => "raw TCP".into(),
        Target::Telnet { .. } => "telnet".into(),
        Target::Unix { .. } => "unix socket".into(),
        Target::Pipe { .. } => "named pipe".into(),
        Target::Exec { .. } => "relay under a pty".into(),
        Target::Sim { .. } => "simulated 115200 8N1".into(),
        Target::Replay { .. } => "replay".into(),
        // Forms added later: the scheme says how the line is carried.
        other => other.to_string().split(':').next().unwrap_or("link").to_string(),
    }
}

/// The configuration of a session on `target` and how its line is carried (for the status bar):
/// credentials from the dialog, else the options, else the simulator scenario's documented account.
fn config(
    opts: &LiveOptions,
    target: &str,
    given: Option<(String, String, Secret)>,
) -> anyhow::Result<(ConnectConfig, String)> {
    let target: Target = target.parse()?;
    let scenario = match &target {
        Target::Sim { scenario, .. } => crate::sim::machine::load_scenario(scenario)
            .ok()
            .and_then(|s| s.credentials.first().cloned()),
        _ => None,
    };
    let creds = match given {
        Some((user, domain, password)) => Credentials { user, domain, password },
        None => {
            let user = opts.user.clone().or_else(|| scenario.as_ref().map(|c| c.user.clone()));
            let password = opts
                .password
                .clone()
                .or_else(|| scenario.as_ref().map(|c| Secret::new(c.password.clone())));
            // None yet: the user watches first; a job that logs in asks for them in a dialog.
            let user = user.unwrap_or_default();
            let password = password.unwrap_or_default();
            let domain = opts
                .domain
                .clone()
                .or_else(|| scenario.as_ref().map(|c| c.domain.clone()))
                .unwrap_or_default();
            Credentials { user, domain, password }
        }
    };
    let label = line_label(&target);
    let mut cfg = ConnectConfig::new(target, creds);
    cfg.record = opts.record.clone();
    cfg.timeout = opts.timeout;
    cfg.output_limit = opts.output_limit;
    cfg.transcript_cap = opts.transcript_cap;
    cfg.max_time = opts.max_time;
    cfg.reconnect = opts.reconnect;
    cfg.keep_channel = opts.keep_channel;
    cfg.profile = opts.profile;
    Ok((cfg, label))
}

/// Starts the key reader and the ticker; both stop when the loop's receiver is gone.
/// Which key reader is the live one: each UI started in this process (the connect screen, then
/// the exercise it starts) takes the next number, and an older reader stops before it reads
/// another key, so that no key typed into the new UI is swallowed by the old one's thread.
static KEY_READER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn spawn_inputs(tx: &Sender<Event>) -> anyhow::Result<()> {
    use std::sync::atomic::Ordering;
    let keys = tx.clone();
    let me = KEY_READER.fetch_add(1, Ordering::SeqCst) + 1;
    std::thread::Builder::new()
        .name("sacdoc-keys".into())
        .spawn(move || loop {
            // Polling with a timeout lets the thread notice that the UI has gone.
            let polled = crossterm::event::poll(Duration::from_millis(500));
            if KEY_READER.load(Ordering::SeqCst) != me {
                return;
            }
            match polled {
                Ok(true) => {}
                // Nothing typed; the thread ends with the process when the UI has quit.
                Ok(false) => continue,
                Err(_) => return,
            }
            let ev = match crossterm::event::read() {
                Ok(crossterm::event::Event::Key(k)) => Event::Key(k),
                Ok(crossterm::event::Event::Paste(p)) => Event::Paste(p),
                Ok(crossterm::event::Event::Resize(w, h)) => Event::Resize(w, h),
                Ok(_) => continue,
                Err(_) => return,
            };
            if keys.send(ev).is_err() {
                return;
            }
        })
        .context("cannot start the key reader")?;
    let tick = tx.clone();
    std::thread::Builder::new()
        .name("sacdoc-tick".into())
        .spawn(move || loop {
            std::thread::sleep(TICK);
            if tick.send(Event::Tick).is_err() {
                return;
            }
        })
        .context("cannot start the ticker")?;
    Ok(())
}

/// The loop: one event at a time (coalescing bursts), effects carried out, redraw on change.
fn run_loop(
    term: &mut terminal::Tui,
    app: &mut App,
    rx: &Receiver<Event>,
    tx: &Sender<Event>,
    mut engine: Option<Sender<Command>>,
    opts: Option<&LiveOptions>,
) -> anyhow::Result<()> {
    if let Ok(size) = term.size() {
        app.size = (size.width, size.height);
    }
    term.draw(|f| view::draw(f, app))?;
    while !app.quit {
        let first = rx.recv().context("the event channel closed")?;
        let mut changed = false;
        let mut pending = vec![first];
        while let Ok(more) = rx.try_recv() {
            pending.push(more);
            if pending.len() > 256 {
                break;
            }
        }
        for ev in pending {
            app.now = std::time::Instant::now();
            let is_tick = matches!(ev, Event::Tick);
            if !is_tick || app.animating() {
                changed = true;
            }
            for effect in app.update(ev) {
                match effect {
                    Effect::Engine(c) => {
                        if let Some(e) = &engine {
                            let _ = e.send(c);
                        }
                    }
                    Effect::Connect { target, credentials } => {
                        let Some(o) = opts else { continue };
                        let mut login = std::mem::take(&mut app.login);
                        if let Some((user, domain, _)) = &credentials {
                            (login.user, login.domain) = (user.clone(), domain.clone());
                            login.has_password = true;
                        }
                        match config(o, &target, credentials) {
                            Ok((cfg, label)) => {
                                let (ctx, crx) = unbounded();
                                engine::Engine::spawn(cfg.clone(), tx.clone(), crx)
                                    .context("cannot start the engine")?;
                                engine = Some(ctx);
                                if let Err(e) = connect::remember(&target) {
                                    log(&format!("cannot save the recent targets: {e}"));
                                }
                                let (prefix, size) = (app.prefix, app.size);
                                *app = App::new(&target, &label, prefix);
                                app.size = size;
                                app.login = login;
                            }
                            Err(e) => {
                                app.login = login;
                                app.connect.error = Some(format!("{e:#}"));
                            }
                        }
                    }
                }
            }
        }
        if changed {
            term.draw(|f| view::draw(f, app))?;
        }
    }
    if let Some(e) = &engine {
        let _ = e.send(Command::Quit);
    }
    Ok(())
}

/// `sacdoc` / `sacdoc tui [TARGET]`.
/// How the live UI ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveEnd {
    Quit,
    /// An exercise was chosen on the connect screen: start it as `sacdoc train NAME`.
    Train(String),
}

pub fn run_live(opts: LiveOptions) -> anyhow::Result<LiveEnd> {
    let (tx, rx) = unbounded();
    let login = app::LoginDefaults {
        user: opts.user.clone().unwrap_or_default(),
        domain: opts.domain.clone().unwrap_or_default(),
        has_password: opts.password.is_some(),
    };
    let mut app = match &opts.target {
        None => App::connecting(
            connect::choices(connect::serial_ports(), connect::recent()),
            opts.prefix,
        ),
        // Straight to the console, to watch: the account is asked for when a job must log in.
        Some(t) => {
            let target: Target = t.parse()?;
            App::new(t, &line_label(&target), opts.prefix)
        }
    };
    app.login = login;
    let mut engine = None;
    if app.screen == app::Screen::Main {
        let target = opts.target.clone().unwrap_or_default();
        let (cfg, _) = config(&opts, &target, None)?;
        let (ctx, crx) = unbounded();
        engine::Engine::spawn(cfg, tx.clone(), crx).context("cannot start the engine")?;
        engine = Some(ctx);
        if let Err(e) = connect::remember(&target) {
            log(&format!("cannot save the recent targets: {e}"));
        }
    }
    let mut term = terminal::enter()?;
    spawn_inputs(&tx)?;
    let r = run_loop(&mut term, &mut app, &rx, &tx, engine, Some(&opts));
    terminal::leave(term)?;
    r?;
    Ok(app.start_training.take().map_or(LiveEnd::Quit, LiveEnd::Train))
}

/// `sacdoc replay FILE`.
pub fn run_replay(file: PathBuf, speed: f64, prefix: keys::PrefixKey) -> anyhow::Result<i32> {
    let tr = crate::transcript::read(&file)
        .with_context(|| format!("cannot read the transcript {}", file.display()))?;
    let (tx, rx) = unbounded();
    let target = tr.header.target.clone().unwrap_or_else(|| file.display().to_string());
    let mut app = App::new(&target, "replay", prefix);
    let speed_idx = app::SPEEDS.iter().position(|s| *s >= speed).unwrap_or(app::SPEEDS.len() - 1);
    app.replay = Some(app::ReplayState {
        file: file.display().to_string(),
        paused: false,
        speed: speed_idx,
        at: 0.0,
        total: tr.events.last().map(|e| e.time).unwrap_or(0.0),
        last_marker: None,
        ended: false,
    });
    app.chapters.list = chapters::of(&tr);
    app.link.up = true;
    app.link.transcript = Some(file.display().to_string());
    let (ctx, crx) = unbounded();
    let name = file.display().to_string();
    let doctor = replay_doctor::results(&tr, &name);
    replay::Player::spawn(tr, doctor, app::SPEEDS[speed_idx], tx.clone(), crx)
        .context("cannot start the replay")?;
    let mut term = terminal::enter()?;
    spawn_inputs(&tx)?;
    let r = run_loop(&mut term, &mut app, &rx, &tx, Some(ctx), None);
    terminal::leave(term)?;
    r.map(|_| 0)
}

/// How a training session in the UI ended.
#[derive(Debug, Clone, Default)]
pub struct TrainingEnd {
    /// The trainee said done (else the UI was quit without grading).
    pub done: bool,
    pub hints_used: Vec<String>,
    /// The session's transcript, if recorded.
    pub transcript: Option<String>,
}

/// Longest wait for the engine to close the link (and its transcript) after the UI quits.
const ENGINE_CLOSE: Duration = Duration::from_secs(5);

/// `sacdoc train`: the console on `cfg`'s VM with the training pane; returns when the trainee
/// is done or quits, after the engine has closed the transcript (bounded wait).
pub fn run_training(
    cfg: ConnectConfig,
    label: &str,
    training: training::Training,
    prefix: keys::PrefixKey,
) -> anyhow::Result<TrainingEnd> {
    let (tx, rx) = unbounded();
    let target = cfg.target.to_string();
    let mut app = App::new(&target, label, prefix);
    app.training = Some(training);
    let (ctx, crx) = unbounded();
    let engine = engine::Engine::spawn(cfg, tx.clone(), crx).context("cannot start the engine")?;
    let mut term = terminal::enter()?;
    spawn_inputs(&tx)?;
    let r = run_loop(&mut term, &mut app, &rx, &tx, Some(ctx), None);
    terminal::leave(term)?;
    r?;
    let deadline = std::time::Instant::now() + ENGINE_CLOSE;
    while !engine.is_finished() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let t = app.training.unwrap_or_default();
    Ok(TrainingEnd { done: t.done, hints_used: t.used(), transcript: app.link.transcript })
}
