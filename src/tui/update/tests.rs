use super::*;
use crossterm::event::KeyEvent;

fn key(c: KeyCode) -> Event {
    Event::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// A live session whose account is known (given by flags or the configuration).
fn live() -> App {
    let mut app = watching();
    app.login = crate::tui::app::LoginDefaults {
        user: "me".into(),
        domain: String::new(),
        has_password: true,
    };
    app
}

/// A live session opened to watch, with no account yet.
fn watching() -> App {
    let mut app = App::new("COM1", "115200 8N1", keys::PrefixKey::default());
    app.update(Event::Engine(EngineEvent::LinkUp { describe: "COM1".into(), transcript: None }));
    app
}

#[test]
fn console_keys_go_to_the_vm_and_the_prefix_opens_the_menu() {
    let mut app = live();
    assert_eq!(app.update(key(KeyCode::Char('x'))), cmd(Command::Send(b"x".to_vec())));
    assert_eq!(app.update(ctrl('c')), cmd(Command::Send(vec![3])));
    assert!(app.update(ctrl('a')).is_empty());
    assert_eq!(app.overlay, Overlay::Menu);
    assert_eq!(app.update(key(KeyCode::Char('d'))), cmd(Command::Doctor { apply: false }));
    assert_eq!(app.tab, Tab::Doctor);
    // Prefix twice sends the prefix byte itself.
    app.update(ctrl('a'));
    assert_eq!(app.update(ctrl('a')), cmd(Command::Send(vec![1])));
}

#[test]
fn keys_are_held_while_a_job_types_and_when_the_link_is_lost() {
    let mut app = live();
    app.update(Event::Engine(EngineEvent::JobStarted("running the doctor".into())));
    assert!(app.update(key(KeyCode::Char('x'))).is_empty());
    assert!(app.message.as_deref().unwrap_or("").contains("running the doctor"));
    app.update(Event::Engine(EngineEvent::JobDone(Ok("done".into()))));
    app.update(Event::Engine(EngineEvent::LinkLost("cable pulled".into())));
    assert!(app.update(key(KeyCode::Char('x'))).is_empty());
    app.update(ctrl('a'));
    assert_eq!(app.update(key(KeyCode::Char('r'))), cmd(Command::Reconnect));
}

#[test]
fn confirmation_answers_and_history_survives_a_lost_link() {
    let mut app = live();
    app.update(Event::Engine(EngineEvent::Bytes(b"SAC>".to_vec())));
    app.update(Event::Engine(EngineEvent::LinkLost("gone".into())));
    assert!(app.console.text().contains("SAC>"));
    let fix = crate::doctor::Fix {
        id: "f".into(),
        title: "t".into(),
        why: "w".into(),
        backups: Vec::new(),
        commands: vec![crate::doctor::Step::new("sc start TermService")],
        verify: Some(crate::doctor::CheckId::Termservice),
        reboot: false,
        later: Vec::new(),
        warning: None,
    };
    app.update(Event::Engine(EngineEvent::ConfirmFix(Box::new(fix))));
    assert!(app.update(key(KeyCode::Char('x'))).is_empty(), "other keys do not answer");
    assert_eq!(app.update(key(KeyCode::Esc)), cmd(Command::Confirm(false)));
    assert_eq!(app.overlay, Overlay::None);
}

#[test]
fn connect_screen_asks_credentials_for_real_targets_only() {
    let mut app = App::connecting(Vec::new(), keys::PrefixKey::default());
    for c in "sim:healthy".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    let e = app.update(key(KeyCode::Enter));
    assert_eq!(e, vec![Effect::Connect { target: "sim:healthy".into(), credentials: None }]);
    let mut app = App::connecting(Vec::new(), keys::PrefixKey::default());
    for c in "nonsense target".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(app.connect.error.is_some());
}

#[test]
fn palette_types_the_filled_command_without_pressing_enter() {
    let mut app = live();
    app.tab = Tab::Palette;
    for c in "portnumber".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    let e = app.update(key(KeyCode::Enter));
    // Typed with care (a doubled key such as the `ll` in `Control` must survive a debounce).
    let [Effect::Engine(Command::Type { text, enter: false, .. })] = e.as_slice() else {
        panic!("{e:?}")
    };
    assert!(text.contains("PortNumber") && !text.ends_with('\r'), "{text}");
    assert_eq!(app.tab, Tab::Console);
}

#[test]
fn results_filter_takes_every_key_until_enter() {
    let mut app = live();
    app.tab = Tab::Results;
    app.update(key(KeyCode::Char('/')));
    for c in "5500".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    app.update(key(KeyCode::Esc));
    assert_eq!(app.results.filter, "5500");
    assert_eq!(app.tab, Tab::Results, "Esc ends the filter, not the view");
    app.update(key(KeyCode::Char('s')));
    assert_eq!(app.results.sort, crate::tui::results::NetSort::Pid);
}

#[test]
fn keys_at_a_password_prompt_are_sent_as_a_secret_and_enter_ends_it() {
    let mut app = live();
    app.update(Event::Engine(EngineEvent::Bytes(
        b"Username: me\r\nDomain  : \r\nPassword: ".to_vec(),
    )));
    assert_eq!(app.update(key(KeyCode::Char('p'))), cmd(Command::SendSecret(b"p".to_vec())));
    // SAC echoes a star per key; the prompt is still a password prompt.
    app.update(Event::Engine(EngineEvent::Bytes(b"*".to_vec())));
    assert_eq!(app.update(key(KeyCode::Char('w'))), cmd(Command::SendSecret(b"w".to_vec())));
    assert_eq!(app.update(key(KeyCode::Enter)), cmd(Command::Send(b"\r".to_vec())));
    // A pasted password with its Enter: the password secret, the Enter plain.
    let mut app2 = live();
    app2.update(Event::Engine(EngineEvent::Bytes(b"Password: ".to_vec())));
    assert_eq!(
        app2.update(Event::Paste("s3cret\n".into())),
        vec![
            Effect::Engine(Command::SendSecret(b"s3cret".to_vec())),
            Effect::Engine(Command::Send(b"\r".to_vec()))
        ]
    );
}

#[test]
fn keys_elsewhere_are_plain() {
    let mut app = live();
    app.update(Event::Engine(EngineEvent::Bytes(
        b"Password: ****\r\nC:\\Windows\\system32>".to_vec(),
    )));
    assert_eq!(app.update(key(KeyCode::Char('d'))), cmd(Command::Send(b"d".to_vec())));
}

#[test]
fn password_prompts_are_recognised_with_their_stars() {
    use crate::tui::console::is_password_prompt;
    assert!(is_password_prompt("Password: "));
    assert!(is_password_prompt("Password: *****"));
    assert!(is_password_prompt("Kennwort:"));
    assert!(is_password_prompt("Enter the password for admin:"));
    assert!(is_password_prompt("Type a password for the user: "));
    assert!(is_password_prompt("Retype the password to confirm:"));
    assert!(is_password_prompt("Password for user CONTOSO\\admin: ****"));
    assert!(is_password_prompt("Geben Sie das Kennwort für \"admin\" ein:"));
    assert!(is_password_prompt("パスワード："));
    assert!(!is_password_prompt("C:\\Windows\\system32>echo password:"));
    assert!(!is_password_prompt("The password was changed."));
    assert!(!is_password_prompt("Username: "));
    assert!(!is_password_prompt("C:\\Windows\\system32>"));
    assert!(!is_password_prompt(""));
}

#[test]
fn watching_first_the_account_is_asked_for_when_a_job_must_log_in() {
    let mut app = watching();
    // Keys and SAC-only jobs need no account.
    assert_eq!(app.update(key(KeyCode::Char('x'))), cmd(Command::Send(b"x".to_vec())));
    // The doctor logs in: the dialog comes first, and the doctor runs once it is filled in.
    app.update(ctrl('a'));
    assert!(app.update(key(KeyCode::Char('d'))).is_empty());
    assert!(matches!(app.overlay, Overlay::Credentials(_)), "{:?}", app.overlay);
    for c in "admin".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    app.update(key(KeyCode::Enter));
    app.update(key(KeyCode::Enter));
    for c in "pw".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    let effects = app.update(key(KeyCode::Enter));
    assert_eq!(
        effects,
        vec![
            Effect::Engine(Command::Login {
                user: "admin".into(),
                domain: String::new(),
                password: crate::sac::Secret::new("pw")
            }),
            Effect::Engine(Command::Doctor { apply: false }),
        ]
    );
    assert_eq!(app.overlay, Overlay::None);
    // Given once, the account is not asked for again.
    app.update(Event::Engine(EngineEvent::JobDone(Ok("done".into()))));
    app.update(ctrl('a'));
    assert_eq!(app.update(key(KeyCode::Char('o'))), cmd(Command::OpenCmd));
}

#[test]
fn esc_in_the_account_dialog_keeps_watching() {
    let mut app = watching();
    app.update(ctrl('a'));
    app.update(key(KeyCode::Char('o')));
    assert!(matches!(app.overlay, Overlay::Credentials(_)));
    assert!(app.update(key(KeyCode::Esc)).is_empty());
    assert_eq!(app.overlay, Overlay::None);
    assert!(app.link.up);
    assert_eq!(app.update(key(KeyCode::Char('y'))), cmd(Command::Send(b"y".to_vec())));
}

#[test]
fn a_pasted_line_is_typed_carefully_and_other_pastes_go_as_keys() {
    let mut app = live();
    app.update(Event::Engine(EngineEvent::Bytes(b"C:\\Windows\\system32>".to_vec())));
    let e = app.update(Event::Paste("echo bookkeeper\n".into()));
    let [Effect::Engine(Command::Type { text, enter, screen })] = e.as_slice() else {
        panic!("{e:?}")
    };
    assert_eq!((text.as_str(), *enter), ("echo bookkeeper", true));
    assert!(String::from_utf8_lossy(screen).contains("C:\\Windows\\system32>"));
    // Without its Enter: typed, not run.
    let e = app.update(Event::Paste("ver".into()));
    assert!(matches!(e.as_slice(), [Effect::Engine(Command::Type { enter: false, .. })]), "{e:?}");
    // Several lines, or control characters: as keys, CR for each newline.
    let e = app.update(Event::Paste("ver\nvol\n".into()));
    assert_eq!(e, cmd(Command::Send(b"ver\rvol\r".to_vec())));
    let e = app.update(Event::Paste("a\tb".into()));
    assert_eq!(e, cmd(Command::Send(b"a\tb".to_vec())));
}
