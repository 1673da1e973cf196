//! tio's serial-line habits on the prefix menu: break, the line-settings dialog, the recording
//! pause with its status-bar indicator, and timestamps; then every state and overlay of the UI
//! drawn at 80x24 and 120x40 against golden files. Keys go through `App::update` as the loop
//! sends them; the effects are the commands the engine would receive.

use std::time::Duration;

use super::screen::{golden, render};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use sacdoc::transport::serial::{Flow, Parity, SerialSettings};
use sacdoc::tui::app::{App, Overlay, Tab};
use sacdoc::tui::event::{ChannelRow, Command, EngineEvent, Event};
use sacdoc::tui::keys::PrefixKey;
use sacdoc::tui::update::Effect;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// The prefix key, then `c`.
fn menu(app: &mut App, c: char) -> Vec<Effect> {
    app.update(Event::Key(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL)));
    key(app, KeyCode::Char(c))
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// A live serial session at 115200 8N1, recording to `rec.cast`.
fn serial_app() -> App {
    let mut app = App::new("COM1", "115200 8N1", PrefixKey::default());
    app.update(Event::Engine(EngineEvent::LinkUp {
        describe: "COM1".into(),
        transcript: Some("/tmp/t/rec.cast".into()),
    }));
    app.update(Event::Engine(EngineEvent::LineSettings(Some(SerialSettings::default()))));
    app.message = None;
    app
}

#[test]
fn break_goes_to_the_engine_only_on_a_live_link() {
    let mut app = serial_app();
    assert_eq!(
        menu(&mut app, 'b'),
        vec![Effect::Engine(Command::Break(sacdoc::transport::DEFAULT_BREAK))]
    );
    app.update(Event::Engine(EngineEvent::Notice(Err("tcp://x cannot send a break".into()))));
    assert_eq!(app.message.as_deref(), Some("failed: tcp://x cannot send a break"));
    app.update(Event::Engine(EngineEvent::LinkLost("cable pulled".into())));
    assert!(menu(&mut app, 'b').is_empty());
    assert!(app.message.as_deref().unwrap_or("").contains("link is down"), "{:?}", app.message);
}

#[test]
fn the_line_settings_dialog_is_prefilled_validated_and_sends_what_was_typed() {
    let mut app = serial_app();
    assert!(menu(&mut app, 's').is_empty());
    let Overlay::LineSettings(form) = &app.overlay else { panic!("{:?}", app.overlay) };
    assert_eq!(form.text, "115200 8N1 flow none", "prefilled with the current settings");
    for (w, h) in SIZES {
        golden(&format!("line-settings-{w}x{h}"), &render(&app, w, h));
    }
    for _ in 0.."115200 8N1 flow none".len() {
        key(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "9600 9N1");
    assert!(key(&mut app, KeyCode::Enter).is_empty(), "refused");
    let Overlay::LineSettings(form) = &app.overlay else { panic!("the dialog stays") };
    assert!(form.error.as_deref().unwrap_or("").contains("9 data bits"), "{form:?}");
    for (w, h) in SIZES {
        golden(&format!("line-settings-error-{w}x{h}"), &render(&app, w, h));
    }
    for _ in 0..3 {
        key(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "7E1 hardware");
    let want = SerialSettings {
        baud: 9600,
        data_bits: 7,
        parity: Parity::Even,
        stop_bits: 1,
        flow: Flow::Hardware,
    };
    assert_eq!(key(&mut app, KeyCode::Enter), vec![Effect::Engine(Command::SetLine(want))]);
    assert_eq!(app.overlay, Overlay::None);
    // The engine reports what the line is at; the status bar shows it.
    app.update(Event::Engine(EngineEvent::LineSettings(Some(want))));
    assert!(render(&app, 120, 40).contains("9600 7E1 flow hardware"));
    // Esc leaves the settings alone.
    menu(&mut app, 's');
    assert!(key(&mut app, KeyCode::Esc).is_empty());
    assert_eq!(app.message.as_deref(), Some("line settings unchanged"));
}

#[test]
fn a_link_without_line_settings_says_so_instead_of_a_dialog() {
    let mut app = serial_app();
    app.link.target = "tcp://127.0.0.1:2323".into();
    app.update(Event::Engine(EngineEvent::LineSettings(None)));
    assert!(menu(&mut app, 's').is_empty());
    assert_eq!(app.overlay, Overlay::None);
    let m = app.message.clone().unwrap_or_default();
    assert!(m.contains("no line settings to change on tcp://127.0.0.1:2323"), "{m}");
}

#[test]
fn the_recording_pauses_and_resumes_with_an_indicator() {
    let mut app = serial_app();
    assert_eq!(menu(&mut app, 'l'), vec![Effect::Engine(Command::PauseRecording(true))]);
    app.update(Event::Engine(EngineEvent::Notice(Ok("recording paused".into()))));
    for (w, h) in SIZES {
        let s = render(&app, w, h);
        golden(&format!("rec-paused-{w}x{h}"), &s);
        assert!(s.contains("[connected] REC PAUSED"), "{s}");
    }
    // The indicator stays after the news is gone, even at 80x24 where the bar hides when idle.
    app.message = None;
    assert!(render(&app, 80, 24).contains("REC PAUSED"));
    assert_eq!(menu(&mut app, 'l'), vec![Effect::Engine(Command::PauseRecording(false))]);
    assert!(!render(&app, 120, 40).contains("PAUSED"));
    // Nothing to pause without a recording.
    app.link.transcript = None;
    assert!(menu(&mut app, 'l').is_empty());
    assert!(app.message.as_deref().unwrap_or("").contains("--no-record"));
}

#[test]
fn timestamps_take_no_column_of_the_vm_at_80x24_and_a_gutter_when_wider() {
    let mut app = serial_app();
    let t0 = app.started;
    app.now = t0 + Duration::from_secs(5);
    app.update(Event::Engine(EngineEvent::Bytes(b"\x1b[2J\x1b[HSAC>id\r\n".to_vec())));
    app.now = t0 + Duration::from_secs(65);
    let full = "X".repeat(80);
    app.update(Event::Engine(EngineEvent::Bytes(
        format!("Computer Name: WIN-TEST\r\n{full}").into_bytes(),
    )));
    // Enter (as a key) clears the connect hint; it is sent, not echoed here.
    app.message = None;
    assert!(menu(&mut app, 't').is_empty());
    app.message = None;
    let narrow = render(&app, 80, 24);
    golden("timestamps-80x24", &narrow);
    let rows: Vec<&str> = narrow.lines().collect();
    assert!(rows[0].starts_with("SAC>id") && rows[0].ends_with("+00:05"), "{narrow}");
    assert!(rows[1].starts_with("Computer Name: WIN-TEST") && rows[1].ends_with("+01:05"));
    assert_eq!(rows[2], full, "a row filled to the edge keeps all 80 columns");
    let wide = render(&app, 120, 40);
    golden("timestamps-120x40", &wide);
    assert!(wide.contains(&format!("│{full}│ +01:05")), "{wide}");
    // The earlier rows only moved when the screen scrolled: they keep their time.
    app.now = t0 + Duration::from_secs(3700);
    app.update(Event::Engine(EngineEvent::Bytes(b"\r\n".repeat(22))));
    let s = render(&app, 120, 40);
    assert!(s.contains("WIN-TEST") && s.contains("+01:05") && !s.contains("+1:01:40"), "{s}");
    menu(&mut app, 't');
    assert!(!render(&app, 120, 40).contains("+01:05"));
}

/// Every view, overlay and link state not drawn by another golden test, at both sizes.
#[test]
fn every_state_at_80x24_and_120x40() {
    let base = || {
        let mut app = serial_app();
        app.update(Event::Engine(EngineEvent::Bytes(b"\r\nSAC>".to_vec())));
        app.message = None;
        app
    };
    let mut states: Vec<(&str, App)> = Vec::new();
    let mut connect = App::connecting(Vec::new(), PrefixKey::default());
    connect.connect.typed = "tcp://127.0.0.1:2323".into();
    states.push(("connect", connect));
    let mut connecting = App::new("COM1", "115200 8N1", PrefixKey::default());
    connecting.message = None;
    states.push(("connecting", connecting));
    states.push(("console", base()));
    let mut lost = base();
    lost.update(Event::Engine(EngineEvent::LinkLost("the far end closed the link".into())));
    states.push(("lost", lost));
    let mut job = base();
    job.update(Event::Engine(EngineEvent::JobStarted("opening a cmd channel".into())));
    states.push(("job", job));
    let mut channels = base();
    channels.update(Event::Engine(EngineEvent::Channels(vec![
        ChannelRow { index: 0, status: "AV".into(), name: "SAC".into() },
        ChannelRow { index: 1, status: "IV".into(), name: "Cmd0001".into() },
    ])));
    channels.tab = Tab::Channels;
    states.push(("channels", channels));
    for (name, tab) in
        [("doctor", Tab::Doctor), ("results", Tab::Results), ("palette", Tab::Palette)]
    {
        let mut a = base();
        a.tab = tab;
        states.push((name, a));
    }
    let mut creds = base();
    creds.overlay = Overlay::Credentials(sacdoc::tui::connect::CredForm {
        target: "COM1".into(),
        user: "Administrator".into(),
        ..Default::default()
    });
    states.push(("credentials", creds));
    let replay_app = || {
        let mut replay = App::new("sim:healthy", "replay", PrefixKey::default());
        replay.replay = Some(sacdoc::tui::app::ReplayState {
            file: "case.cast".into(),
            paused: true,
            speed: 0,
            at: 12.5,
            total: 60.0,
            last_marker: Some("cmd: netstat -anob".into()),
            ended: false,
        });
        replay.update(Event::Engine(EngineEvent::LinkUp {
            describe: "replay".into(),
            transcript: None,
        }));
        replay.update(Event::Engine(EngineEvent::Bytes(b"\r\nSAC>cmd\r\n".to_vec())));
        replay.message = None;
        replay
    };
    let replay = replay_app();
    let mut chapters = replay_app();
    states.push(("replay", replay));
    chapters.chapters.list = ["cmd: sc query TermService", "cmd: netstat -anob"]
        .iter()
        .enumerate()
        .map(|(i, l)| sacdoc::tui::chapters::Chapter {
            time: 2.0 + i as f64 * 5.0,
            label: l.to_string(),
            index: i * 10,
        })
        .collect();
    chapters.overlay = Overlay::Chapters(1);
    states.push(("chapters", chapters));
    let mut history = base();
    let lines: String = (1..=60).map(|i| format!("line {i}\r\n")).collect();
    history.update(Event::Engine(EngineEvent::Bytes(lines.into_bytes())));
    history.console.scroll_by(12);
    states.push(("history", history));
    let mut training = base();
    training.training = Some(sacdoc::tui::training::Training {
        title: Some("port conflict".into()),
        hints: vec!["look at who holds port 3389".into()],
        procedure: vec!["1. open a cmd channel".into(), "2. netstat -anob".into()],
        ..Default::default()
    });
    states.push(("training", training));
    for (name, app) in &states {
        for (w, h) in SIZES {
            let s = render(app, w, h);
            assert_eq!(s.lines().count(), usize::from(h));
            golden(&format!("state-{name}-{w}x{h}"), &s);
            if *name == "replay" {
                assert!(
                    s.contains("[replay paused 1x 12.5/60.0s]"),
                    "a paused replay says so:\n{s}"
                );
            }
        }
    }
}
