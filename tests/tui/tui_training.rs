//! The training pane beside the console: a golden screen at 140x40 with a hint shown, the
//! pane left out when the terminal is too narrow for both, and no panic at any size; the keys
//! (hint, done, the doctor refused) through `App::update`.

use super::screen::{golden, render};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sacdoc::tui::app::App;
use sacdoc::tui::event::{EngineEvent, Event};
use sacdoc::tui::keys::PrefixKey;
use sacdoc::tui::training::Training;

fn training_app() -> App {
    let ex = sacdoc::train::exercise::find("port-conflict").expect("exercise");
    let mut app = App::new("sim:port-conflict?profile=ws2022", "simulated", PrefixKey::default());
    app.training = Some(Training {
        title: Some(ex.title.clone()),
        hints: ex.hints.clone(),
        procedure: sacdoc::train::procedure::STEPS.iter().map(|s| s.to_string()).collect(),
        ..Training::default()
    });
    app.update(Event::Engine(EngineEvent::LinkUp { describe: "sim".into(), transcript: None }));
    app.update(Event::Engine(EngineEvent::Bytes(b"\r\nSAC>".to_vec())));
    app
}

fn key(app: &mut App, code: KeyCode, m: KeyModifiers) {
    app.update(Event::Key(KeyEvent::new(code, m)));
}

fn menu(app: &mut App, c: char) {
    key(app, KeyCode::Char('a'), KeyModifiers::CONTROL);
    key(app, KeyCode::Char(c), KeyModifiers::NONE);
}

#[test]
fn the_pane_holds_the_procedure_and_the_hints_shown() {
    let mut app = training_app();
    menu(&mut app, 'h');
    let hint = app.training.as_ref().expect("training").hints[0].clone();
    let screen = render(&app, 140, 40);
    golden("training-pane", &screen);
    assert!(screen.contains("Hint 1:"), "{screen}");
    assert!(screen.contains(&hint[..20]), "{screen}");
    // Too narrow for both: the console keeps its 80 columns, the pane goes.
    let narrow = render(&app, 100, 30);
    assert!(!narrow.contains("Procedure") && narrow.contains("SAC>"), "{narrow}");
    for (w, h) in [(0, 0), (1, 1), (30, 8), (112, 10), (113, 3), (200, 60)] {
        render(&app, w, h);
    }
}

#[test]
fn hints_are_counted_done_quits_and_the_doctor_is_off() {
    let mut app = training_app();
    let n = app.training.as_ref().expect("training").hints.len();
    for _ in 0..n + 2 {
        menu(&mut app, 'h');
    }
    let t = app.training.as_ref().expect("training");
    assert_eq!((t.shown, t.used().len()), (n, n), "no more hints than there are");
    assert_eq!(app.message.as_deref(), Some("no more hints"));
    menu(&mut app, 'd');
    assert!(
        app.message.as_deref().is_some_and(|m| m.contains("doctor is off")),
        "{:?}",
        app.message
    );
    assert!(app.job.is_none());
    menu(&mut app, 'g');
    assert!(app.quit && app.training.as_ref().is_some_and(|t| t.done));
}

#[test]
fn at_80x24_the_hint_is_said_in_the_status_bar() {
    let mut app = training_app();
    menu(&mut app, 'h');
    let screen = render(&app, 80, 24);
    let last = screen.lines().last().unwrap_or("");
    assert!(last.contains("hint 1/3") && last.contains("RDP needs"), "{screen}");
}
