//! Snapshot tests of the text UI's main states, drawn with ratatui's `TestBackend` from states
//! reached through the real engine against the in-process simulator (`sim:port-conflict`): the
//! connect screen, the console on SAC and in a cmd channel, the doctor running and with
//! problems, the fix confirmation, the results tables, the help, a replay. Every state is also
//! drawn into a zero-size and tiny areas, which must not panic.
//!
//! Each capture is written to `target/tui-snapshots/NAME.txt` for review (the README's
//! screenshots come from there); the assertions check what each screen must show.

use super::screen::{golden, render};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crossbeam_channel::{unbounded, Receiver, Sender};

use sacdoc::sac::{ConnectConfig, Credentials, Recording, Secret};
use sacdoc::tui::app::{App, Overlay, Tab};
use sacdoc::tui::connect::{self, Choice};
use sacdoc::tui::engine::Engine;
use sacdoc::tui::event::{Command, EngineEvent, Event};
use sacdoc::tui::keys::PrefixKey;

fn state_dir() -> &'static std::path::Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = tempfile::tempdir().expect("tempdir");
        std::env::set_var("SACDOC_STATE_DIR", d.path());
        d
    })
    .path()
}

/// Renders at 120x40 (saved for review) and at small sizes (must not panic).
fn snap(name: &str, app: &App) -> String {
    let text = render(app, 120, 40);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tui-snapshots");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(format!("{name}.txt")), &text);
    for (w, h) in [(0, 0), (1, 1), (10, 3), (30, 8), (79, 23), (200, 2)] {
        render(app, w, h);
    }
    text
}

fn cfg(record: Recording) -> ConnectConfig {
    state_dir();
    let sc = sacdoc::sim::machine::load_scenario("port-conflict").expect("scenario");
    let c = sc.credentials.first().expect("scenario account");
    let creds = Credentials {
        user: c.user.clone(),
        domain: c.domain.clone(),
        password: Secret::new(c.password.clone()),
    };
    let mut cfg = ConnectConfig::new(
        "sim:port-conflict".parse::<sacdoc::target::Target>().expect("target"),
        creds,
    );
    cfg.record = record;
    cfg.timeout = Duration::from_secs(15);
    cfg
}

/// A live engine on the simulator and an app that follows it.
struct Live {
    app: App,
    tx: Sender<Command>,
    rx: Receiver<Event>,
}

impl Live {
    fn start(record: Recording) -> Live {
        Live::start_with(cfg(record))
    }

    fn start_with(cfg: ConnectConfig) -> Live {
        let (utx, urx) = unbounded();
        let (ctx, crx) = unbounded();
        Engine::spawn(cfg, utx, crx).expect("engine");
        let app = App::new("sim:port-conflict", "simulated 115200 8N1", PrefixKey::default());
        Live { app, tx: ctx, rx: urx }
    }

    /// Applies engine events until `stop` says so (checked after each event); bounded.
    fn until(&mut self, what: &str, mut stop: impl FnMut(&App, &EngineEvent) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let Ok(ev) = self.rx.recv_timeout(Duration::from_millis(200)) else { continue };
            let Event::Engine(e) = ev else { continue };
            self.app.now = Instant::now();
            let done_check = e.clone();
            let effects = self.app.update(Event::Engine(e));
            assert!(effects.is_empty(), "engine events produce no effects: {effects:?}");
            if stop(&self.app, &done_check) {
                return;
            }
        }
        panic!("timed out waiting for {what}; console:\n{}", self.app.console.text());
    }

    fn send(&self, c: Command) {
        self.tx.send(c).expect("engine alive");
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.tx.send(Command::Quit);
    }
}

#[test]
fn connect_screen_lists_ports_recent_targets_and_scenarios() {
    state_dir();
    let ports =
        vec![Choice { group: "serial port", target: "/dev/ttyS0".into(), note: String::new() }];
    let app = App::connecting(
        connect::choices(ports, vec!["tcp://127.0.0.1:2323".into()]),
        PrefixKey::default(),
    );
    let s = snap("connect", &app);
    assert!(s.contains("pick the VM's serial console"), "{s}");
    assert!(s.contains("/dev/ttyS0"), "{s}");
    assert!(s.contains("recent") && s.contains("tcp://127.0.0.1:2323"), "{s}");
    assert!(s.contains("sim:port-conflict") && s.contains("simulator"), "{s}");
}

#[test]
fn recent_targets_are_kept_newest_first() {
    state_dir();
    connect::remember("sim:healthy").expect("save");
    connect::remember("tcp://127.0.0.1:9").expect("save");
    connect::remember("sim:healthy").expect("save");
    let r = connect::recent();
    assert_eq!(r.first().map(String::as_str), Some("sim:healthy"));
    assert_eq!(r.iter().filter(|t| *t == "sim:healthy").count(), 1);
}

#[test]
fn console_on_sac_then_in_a_cmd_channel() {
    let mut live = Live::start(Recording::Off);
    live.until("SAC>", |app, _| app.console.text().contains("SAC>") && app.link.up);
    let s = snap("console-sac", &live.app);
    assert!(s.contains("SAC>"), "{s}");
    assert!(s.contains("[connected]") && s.contains("Ctrl+A menu"), "{s}");
    // Open a cmd channel from the UI: the engine opens it, views it and logs in.
    live.send(Command::OpenCmd);
    live.until("the cmd channel", |_, e| matches!(e, EngineEvent::JobDone(_)));
    assert!(
        live.app.console.text().contains("C:\\Windows\\system32>"),
        "{}",
        live.app.console.text()
    );
    // Typing goes straight to the VM.
    live.send(Command::Send(b"echo typed-by-hand\r".to_vec()));
    live.until("the echo", |app, _| app.console.text().matches("typed-by-hand").count() >= 2);
    let s = snap("console-cmd", &live.app);
    assert!(s.contains("C:\\Windows\\system32>") && s.contains("typed-by-hand"), "{s}");
    let sc = sacdoc::sim::machine::load_scenario("port-conflict").expect("scenario");
    let pw = sc.credentials.first().expect("account").password.clone();
    assert!(!s.contains(&pw), "the password must not be on screen:\n{s}");
    // The channel list, then back to the channel by its number.
    live.send(Command::ListChannels);
    live.until("the channel list", |_, e| matches!(e, EngineEvent::JobDone(_)));
    assert!(live.app.channels.iter().any(|c| c.name == "Cmd0001"), "{:?}", live.app.channels);
    live.app.tab = Tab::Channels;
    let s = snap("channels", &live.app);
    assert!(s.contains("Cmd0001") && s.contains("active"), "{s}");
    live.send(Command::SwitchChannel(1));
    live.until("the switch", |_, e| matches!(e, EngineEvent::JobDone(_)));
    assert!(live.app.message.as_deref() == Some("viewing channel 1"), "{:?}", live.app.message);
}

#[test]
fn doctor_running_problems_results_and_fix_confirmation() {
    let mut live = Live::start(Recording::Off);
    live.until("SAC>", |app, _| app.console.text().contains("SAC>"));
    live.app.tab = Tab::Doctor;
    live.send(Command::Doctor { apply: false });
    live.until("a running command", |app, _| {
        app.doctor.running.is_some() && app.doctor.rows.iter().any(|r| r.status().is_some())
    });
    let s = snap("doctor-running", &live.app);
    assert!(s.contains("checks (running)"), "{s}");
    assert!(s.contains("over the line"), "elapsed and bytes of the running command:\n{s}");
    live.until("the end of the run", |_, e| matches!(e, EngineEvent::JobDone(_)));
    let s = snap("doctor-problems", &live.app);
    let expected =
        sacdoc::sim::machine::load_scenario("port-conflict").expect("scenario").expected_problems();
    assert!(expected.iter().any(|p| p == "rdp-port"), "{expected:?}");
    assert!(s.contains(&format!("checks: {} problem(s)", expected.len())), "{expected:?}\n{s}");
    for p in &expected {
        assert!(s.contains(&format!("PROBLEM {p}")), "{p}:\n{s}");
    }
    assert!(s.contains("RemoteSupportAgent"), "evidence of the selected check:\n{s}");
    assert!(s.contains("fix plan: free-rdp-port"), "{s}");
    // Results: the netstat table with the RDP port marked.
    live.app.tab = Tab::Results;
    let i = live
        .app
        .results
        .outputs
        .iter()
        .position(|o| o.command.starts_with("netstat"))
        .expect("netstat ran");
    live.app.results.selected = i;
    // The PID that listens on 3389 in the raw output (the simulator makes it up per scenario).
    let raw = &live.app.results.outputs[i].output;
    let pid = raw
        .lines()
        .find(|l| l.contains(":3389 ") && l.contains("LISTENING"))
        .and_then(|l| l.split_whitespace().last())
        .expect("a listener on 3389")
        .to_string();
    let s = snap("results-netstat", &live.app);
    assert!(s.contains("RDP port 3389") && s.contains(&format!(" {pid} ")), "{pid}:\n{s}");
    let i = live
        .app
        .results
        .outputs
        .iter()
        .position(|o| o.command.starts_with("reg query"))
        .expect("reg ran");
    live.app.results.selected = i;
    let s = snap("results-registry", &live.app);
    assert!(s.contains("PortNumber") && s.contains("REG_DWORD"), "{s}");
    // Apply: the dialog shows the exact commands and the backup; answering no changes nothing.
    live.app.tab = Tab::Doctor;
    live.send(Command::Doctor { apply: true });
    live.until("a fix to confirm", |app, _| matches!(app.overlay, Overlay::Confirm(_)));
    let s = snap("fix-confirm", &live.app);
    assert!(s.contains("confirm fix") && s.contains("Backup first:"), "{s}");
    assert!(s.contains("reg export") && s.contains("Stop-Service -Name RemoteSupportAgent"), "{s}");
    loop {
        live.app.overlay = Overlay::None;
        live.send(Command::Confirm(false));
        let mut done = false;
        live.until("the next question or the end", |app, e| {
            done = matches!(e, EngineEvent::JobDone(_));
            done || matches!(app.overlay, Overlay::Confirm(_))
        });
        if done {
            break;
        }
    }
    let rep = live.app.doctor.report.as_ref().expect("report");
    assert!(
        rep.fixes.iter().all(|f| f.state == sacdoc::doctor::FixState::Skipped),
        "{:?}",
        rep.fixes
    );
}

#[test]
fn help_overlay_lists_every_key() {
    let mut app = App::new("COM1", "115200 8N1", PrefixKey::default());
    app.overlay = Overlay::Help;
    let s = snap("help", &app);
    for (k, _, what) in sacdoc::tui::keys::MENU {
        assert!(s.contains(what), "help lacks {k:?} {what}:\n{s}");
    }
    assert!(s.contains("Esc Tab"), "{s}");
}

/// Reads a transcript once it holds `needle` in its output and at least one marker.
fn read_cast(cast: &std::path::Path, needle: &[u8]) -> sacdoc::transcript::Transcript {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(t) = sacdoc::transcript::read(cast) {
            if t.output().windows(needle.len()).any(|w| w == needle) && !t.markers().is_empty() {
                return t;
            }
        }
        assert!(Instant::now() < deadline, "transcript {} never filled", cast.display());
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Plays `tr` as fast as possible into a fresh app and returns it at the end.
fn play(tr: sacdoc::transcript::Transcript, name: &str) -> App {
    let doctor = sacdoc::tui::replay_doctor::results(&tr, name);
    let (utx, urx) = unbounded();
    let (ctx, crx) = unbounded();
    let mut app = App::new("sim:port-conflict", "replay", PrefixKey::default());
    app.replay = Some(sacdoc::tui::app::ReplayState {
        file: name.to_string(),
        paused: false,
        speed: 3,
        at: 0.0,
        total: 0.0,
        last_marker: None,
        ended: false,
    });
    sacdoc::tui::replay::Player::spawn(tr, doctor, f64::INFINITY, utx, crx).expect("player");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !app.replay.as_ref().is_some_and(|r| r.ended) {
        assert!(Instant::now() < deadline, "the replay did not end");
        if let Ok(ev) = urx.recv_timeout(Duration::from_millis(200)) {
            app.update(ev);
        }
    }
    let _ = ctx.send(Command::Quit);
    app
}

#[test]
fn replay_of_a_tui_session_shows_the_console_and_the_doctor_results_it_had() {
    let cast = state_dir().join("replay-tui.cast");
    {
        let mut live = Live::start(Recording::Path(cast.clone()));
        live.until("SAC>", |app, _| app.console.text().contains("SAC>"));
        live.send(Command::Doctor { apply: false });
        live.until("the doctor", |_, e| matches!(e, EngineEvent::JobDone(_)));
        live.send(Command::OpenCmd);
        live.until("the job", |_, e| matches!(e, EngineEvent::JobDone(_)));
    }
    let tr = read_cast(&cast, b"system32>");
    let mut app = play(tr, &cast.display().to_string());
    let s = snap("replay", &app);
    assert!(s.contains("C:\\Windows\\system32>"), "{s}");
    assert!(s.contains("replay ended max"), "{s}");
    assert!(app.replay.as_ref().and_then(|r| r.last_marker.clone()).is_some());
    app.tab = Tab::Doctor;
    let s = snap("replay-doctor", &app);
    assert!(s.contains("PROBLEM rdp-port"), "{s}");
    assert!(app.results.outputs.iter().any(|o| o.command.starts_with("netstat")));
}

/// A doctor run outside the text UI keeps its results as markers too: the replay shows them at
/// once. Diagnosing the transcript again (the path for transcripts made before results were
/// markers) gives the same statuses.
#[test]
fn replay_of_a_cli_doctor_run_shows_its_recorded_results() {
    let cast = state_dir().join("replay-cli.cast");
    let mut c = cfg(Recording::Path(cast.clone()));
    // Started at SAC> with the CMD service registered: a replay of a first `cmd` that SAC
    // refused does not replay yet (reported to the session's owner).
    c.target = std::sync::Arc::new(
        "sim:port-conflict?start=sac".parse::<sacdoc::target::Target>().expect("target"),
    );
    let mut s = sacdoc::sac::Session::connect(&c).expect("connect");
    let opts = sacdoc::doctor::RunOptions::new(
        "sim:port-conflict",
        sacdoc::paths::target_dir("sim:port-conflict"),
    );
    let rep =
        sacdoc::doctor::run(&mut s, &opts, &mut sacdoc::doctor::Quiet, &mut sacdoc::doctor::Yes)
            .expect("doctor");
    s.close().expect("close");
    let tr = read_cast(&cast, b"SAC>");
    let marked = sacdoc::tui::replay_doctor::from_markers(&tr);
    let again = sacdoc::tui::replay_doctor::rerun(&tr, "cli");
    for f in &rep.checks {
        for (how, placed) in [("markers", &marked), ("diagnosed again", &again)] {
            let found = placed.iter().find_map(|(_, p)| match p {
                sacdoc::tui::event::DoctorProgress::CheckFinished(g) if g.id == f.id => Some(g),
                _ => None,
            });
            assert_eq!(found.map(|g| g.status), Some(f.status), "{}: {how}", f.id);
        }
    }
    let placed = sacdoc::tui::replay_doctor::results(&tr, "cli");
    let mut app = play(tr, "cli");
    app.tab = Tab::Doctor;
    for f in &rep.checks {
        let row = app.doctor.rows.iter().find(|r| r.id == f.id).expect("row");
        assert_eq!(row.status(), Some(f.status), "{}: {placed:?}", f.id);
    }
}

#[test]
fn a_lost_link_shows_as_such_keeps_the_history_and_reconnects_when_asked() {
    let mut c = cfg(Recording::Off);
    // The simulated line is cut after the VM has sent 200 bytes.
    c.target = std::sync::Arc::new(
        "sim:port-conflict?cut_after=200".parse::<sacdoc::target::Target>().expect("target"),
    );
    let mut live = Live::start_with(c);
    live.until("the cut", |_, e| matches!(e, EngineEvent::LinkLost(_)));
    let before = live.app.console.text();
    assert!(!before.trim().is_empty(), "what arrived before the cut stays on screen");
    let s = snap("lost-link", &live.app);
    assert!(s.contains("[LOST: "), "{s}");
    // Keys are not sent into a lost link; the prefix, then r, reconnects.
    assert!(live
        .app
        .update(Event::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('x'))))
        .is_empty());
    live.send(Command::Reconnect);
    live.until("the link again", |_, e| matches!(e, EngineEvent::LinkUp { .. }));
    let s = snap("reconnected", &live.app);
    assert!(s.contains("[connected]"), "{s}");
    let first_line = before.lines().find(|l| !l.trim().is_empty()).expect("a line");
    // On screen, or above it in the history.
    let mut seen = live.app.console.text();
    live.app.console.scroll_by(sacdoc::tui::console::SCROLLBACK as isize);
    seen.push_str(&live.app.console.text());
    live.app.console.live();
    let kept = seen.contains(first_line.trim());
    assert!(kept, "history kept after the reconnect");
}

/// With auto-reconnect on (prefix, then A), a lost link is reopened by the engine itself, with
/// no key pressed: the simulated line is cut after 200 bytes, and comes back.
#[test]
fn auto_reconnect_reopens_a_lost_link_by_itself() {
    let mut c = cfg(Recording::Off);
    c.target = std::sync::Arc::new(
        "sim:port-conflict?cut_after=200".parse::<sacdoc::target::Target>().expect("target"),
    );
    let mut live = Live::start_with(c);
    live.until("the link", |_, e| matches!(e, EngineEvent::LinkUp { .. }));
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    live.app.update(Event::Key(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL)));
    let effects =
        live.app.update(Event::Key(KeyEvent::new(KeyCode::Char('A'), KeyModifiers::NONE)));
    assert!(live.app.auto_reconnect);
    let [sacdoc::tui::update::Effect::Engine(on @ Command::AutoReconnect(true))] =
        effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    live.send(on.clone());
    live.until("the cut", |_, e| matches!(e, EngineEvent::LinkLost(_)));
    // No Reconnect is sent: the engine reopens the link by itself.
    live.until("the link again", |_, e| matches!(e, EngineEvent::LinkUp { .. }));
    assert!(live.app.link.up);
}

#[test]
fn golden_screens_help_and_a_fixed_console() {
    let mut app = App::new("COM1", "115200 8N1", PrefixKey::default());
    app.overlay = Overlay::Help;
    golden("help", &render(&app, 100, 32));
    let mut app =
        App::new("tcp://127.0.0.1:2323", "raw TCP", PrefixKey::parse("ctrl-b").expect("key"));
    app.update(Event::Engine(EngineEvent::LinkUp { describe: "tcp".into(), transcript: None }));
    // SAC's banner and prompt as sac-protocol.md gives them, then a prompt with the cursor.
    let bytes = b"\r\nComputer is booting, SAC started and initialized.\r\n\r\nUse the \"ch -?\" command for information about using channels.\r\nUse the \"?\" command for general help.\r\n\r\n\r\nSAC>i\r\nNet: 0, Ip=10.0.0.4  Subnet=255.255.255.0  Gateway=10.0.0.1\r\nSAC>";
    app.update(Event::Engine(EngineEvent::Bytes(bytes.to_vec())));
    golden("console-sac", &render(&app, 100, 30));
    golden("console-tiny", &render(&app, 40, 10));
}

/// PuTTY's and tio's default 80x24: all 24 rows of the VM's painted screen are shown (no bars
/// taking rows), the status bar appears over the last row only while something is to be said,
/// and the help fits.
#[test]
fn at_80x24_the_whole_painted_screen_and_the_help_fit() {
    let mut app = App::new("COM1", "115200 8N1", PrefixKey::default());
    app.update(Event::Engine(EngineEvent::LinkUp { describe: "COM1".into(), transcript: None }));
    // A painted 80x24 screen (Server 2016/2019 style): clear, then 24 numbered rows.
    let mut paint = b"\x1b[2J\x1b[H".to_vec();
    for r in 1..=24 {
        paint.extend_from_slice(format!("\x1b[{r};1Hrow {r:02} of the painted screen").as_bytes());
    }
    app.update(Event::Engine(EngineEvent::Bytes(paint)));
    // The hint shown on connecting ("press Enter for a prompt") takes the last row until the
    // user types; the cursor's row stays in view.
    let screen = render(&app, 80, 24);
    let rows: Vec<&str> = screen.lines().collect();
    assert!(rows[23].contains("press Enter"), "{screen}");
    assert!(rows[22].starts_with("row 24 of the painted screen"), "{screen}");
    let enter = crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Enter,
        crossterm::event::KeyModifiers::NONE,
    );
    app.update(Event::Key(enter));
    let screen = render(&app, 80, 24);
    let rows: Vec<&str> = screen.lines().collect();
    assert_eq!(rows.len(), 24);
    assert!(rows[0].starts_with("row 01 of the painted screen"), "{screen}");
    assert!(rows[23].starts_with("row 24 of the painted screen"), "{screen}");

    // A lost link is said on the last row, state first.
    app.update(Event::Engine(EngineEvent::LinkLost("cable pulled".into())));
    let screen = render(&app, 80, 24);
    let last = screen.lines().last().unwrap_or("");
    assert!(last.starts_with("[LOST: cable pulled]"), "{screen}");

    // The help fits in 24 rows and names every menu key.
    app.overlay = Overlay::Help;
    let help = render(&app, 80, 24);
    golden("help-80x24", &help);
    assert!(help.contains("any other key closes this help."), "{help}");
    for (k, _, _) in sacdoc::tui::keys::MENU {
        let name = if *k == ' ' { "Space".to_string() } else { k.to_string() };
        assert!(
            help.contains(&format!("│ {name} ")) || help.contains(&format!(" {name} ")),
            "{k:?}: {help}"
        );
    }
}

/// Any command, not only the doctor's, reaches the Results view: `!` in Results, a command line,
/// Enter; the engine runs it in a cmd channel, captured whole, and the view parses it. The
/// netstat filter finds rows by any field.
#[test]
fn a_command_run_from_results_is_captured_parsed_and_filtered() {
    let mut live = Live::start(Recording::Off);
    live.until("the link", |_, e| matches!(e, EngineEvent::LinkUp { .. }));
    live.app.login.user = "azureuser".into();
    live.app.login.has_password = true;
    live.app.tab = Tab::Results;
    let key =
        |c| Event::Key(crossterm::event::KeyEvent::new(c, crossterm::event::KeyModifiers::NONE));
    use crossterm::event::KeyCode;
    assert!(live.app.update(key(KeyCode::Char('!'))).is_empty());
    for c in "netstat -anob".chars() {
        live.app.update(key(KeyCode::Char(c)));
    }
    let effects = live.app.update(key(KeyCode::Enter));
    assert_eq!(
        effects,
        vec![sacdoc::tui::update::Effect::Engine(Command::Run("netstat -anob".into()))]
    );
    live.send(Command::Run("netstat -anob".into()));
    live.until("the output", |_, e| matches!(e, EngineEvent::Output(_)));
    live.until("the job's end", |_, e| matches!(e, EngineEvent::JobDone(_)));
    let out = live.app.results.outputs.last().expect("an output").clone();
    assert_eq!((out.command.as_str(), out.exit_code), ("netstat -anob", Some(0)));
    let screen = render(&live.app, 160, 40);
    assert!(screen.contains("netstat, exit 0"), "{screen}");
    assert!(screen.contains("rsagent.exe"), "the port's owner is in the table:\n{screen}");
    // Filter by a state word (not a port, PID or image).
    live.app.update(key(KeyCode::Char('/')));
    for c in "listening".chars() {
        live.app.update(key(KeyCode::Char(c)));
    }
    live.app.update(key(KeyCode::Enter));
    let screen = render(&live.app, 160, 40);
    assert!(screen.contains("LISTENING") && !screen.contains("ESTABLISHED"), "{screen}");
}

/// `--record PATH` and a reconnect: the recording goes on in PATH itself (no second file), with
/// a `link reopened` marker, its clock still increasing, and both connections' output in it.
#[test]
fn after_a_reconnect_the_recording_goes_on_in_the_given_file() {
    let d = tempfile::tempdir().expect("tempdir");
    let path = d.path().join("case-4711.cast");
    let mut c = cfg(Recording::Path(path.clone()));
    c.target = std::sync::Arc::new(
        "sim:port-conflict?cut_after=200".parse::<sacdoc::target::Target>().expect("target"),
    );
    let mut live = Live::start_with(c);
    live.until("the link", |_, e| matches!(e, EngineEvent::LinkUp { .. }));
    live.until("the cut", |_, e| matches!(e, EngineEvent::LinkLost(_)));
    let first = sacdoc::transcript::read(&path).expect("the first connection's transcript");
    live.send(Command::Reconnect);
    live.until("the link again", |_, e| matches!(e, EngineEvent::LinkUp { .. }));
    live.send(Command::Send(b"\r".to_vec()));
    live.until("the prompt again", |a, _| a.console.text().matches("SAC>").count() >= 2);
    let files = std::fs::read_dir(d.path()).expect("dir").count();
    assert_eq!(files, 1, "no second file");
    assert_eq!(live.app.link.transcript.as_deref(), path.to_str());
    let m = live.app.message.clone().unwrap_or_default();
    assert!(!m.contains("recording continues in"), "{m}");
    live.send(Command::Quit);
    let deadline = Instant::now() + Duration::from_secs(10);
    let t = loop {
        let t = sacdoc::transcript::read(&path).expect("still one valid transcript");
        if t.input().contains(&b'\r') || Instant::now() > deadline {
            break t;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(t.events.len() > first.events.len(), "the second connection is in it");
    assert!(t.markers().contains(&"link reopened"), "{:?}", t.markers());
    assert!(t.events.windows(2).all(|w| w[0].time <= w[1].time), "times keep increasing");
}
