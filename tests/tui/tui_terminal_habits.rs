//! Habits of tio and PuTTY on the prefix menu: local echo and the hex view of what arrives,
//! driven through `App::update` as the loop drives it and drawn with ratatui's `TestBackend`.

use super::screen::{golden, render};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use sacdoc::tui::app::App;
use sacdoc::tui::event::{Command, EngineEvent, Event};
use sacdoc::tui::keys::PrefixKey;
use sacdoc::tui::update::Effect;

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn menu(app: &mut App, c: char) {
    app.update(Event::Key(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL)));
    press(app, KeyCode::Char(c));
}

fn live() -> App {
    let mut app = App::new("sim:healthy", "simulated 115200 8N1", PrefixKey::default());
    app.update(Event::Engine(EngineEvent::LinkUp { describe: "sim".into(), transcript: None }));
    app
}

#[test]
fn local_echo_shows_what_is_typed_and_still_sends_it() {
    let mut app = live();
    press(&mut app, KeyCode::Char('q'));
    assert!(!app.console.text().contains('q'), "off by default: the VM echoes");
    menu(&mut app, 'e');
    assert!(app.local_echo);
    assert_eq!(app.message.as_deref(), Some("local echo on"));
    let sent = press(&mut app, KeyCode::Char('v'));
    assert_eq!(sent, vec![Effect::Engine(Command::Send(b"v".to_vec()))]);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('w'));
    assert_eq!(app.console.text(), "v\nw", "shown at once, Enter starts a new line");
    menu(&mut app, 'e');
    assert!(!app.local_echo);
    press(&mut app, KeyCode::Char('z'));
    assert!(!app.console.text().contains('z'));
}

#[test]
fn local_echo_never_shows_a_password() {
    let mut app = live();
    menu(&mut app, 'e');
    app.update(Event::Engine(EngineEvent::Bytes(b"Password: ".to_vec())));
    let sent = press(&mut app, KeyCode::Char('s'));
    assert_eq!(sent, vec![Effect::Engine(Command::SendSecret(b"s".to_vec()))]);
    assert_eq!(app.console.text().trim_end(), "Password:", "the secret is not echoed");
}

#[test]
fn the_hex_view_dumps_the_bytes_received_and_goes_back_to_the_screen() {
    let mut app = live();
    app.update(Event::Engine(EngineEvent::Bytes(
        b"\x1b[2J\x1b[1;1HC:\\Windows\\system32>".to_vec(),
    )));
    app.update(Event::Engine(EngineEvent::Bytes(b"\r\n\x00\x07ver\r\n".to_vec())));
    menu(&mut app, 'x');
    assert!(app.hex);
    for (w, h) in [(80, 24), (120, 40)] {
        let s = render(&app, w, h);
        golden(&format!("hex-{w}x{h}"), &s);
        assert!(s.contains("00000000  1b 5b 32 4a 1b 5b 31 3b 31 48 43 3a 5c 57 69 6e"), "{s}");
        assert!(s.contains("|.[2J.[1;1HC:\\Win|"), "{s}");
        assert!(
            s.contains("3e 0d 0a") && s.contains("00 07 76 65 72 0d 0a"),
            "the raw control bytes show:\n{s}"
        );
    }
    menu(&mut app, 'x');
    assert!(!app.hex);
    let s = render(&app, 120, 40);
    assert!(s.contains("C:\\Windows\\system32>") && !s.contains("1b 5b"), "{s}");
    // Tiny terminals draw without panicking.
    app.hex = true;
    for (w, h) in [(0, 0), (1, 1), (10, 3), (30, 8)] {
        render(&app, w, h);
    }
}

#[test]
fn azure_nmi_and_reset_ask_first_and_only_for_azure_vms() {
    use sacdoc::transport::azure::AdminCommand;
    use sacdoc::tui::app::Overlay;
    // Not an Azure VM: refused with the reason, nothing to confirm.
    let mut app = live();
    menu(&mut app, 'N');
    assert_eq!(app.overlay, Overlay::None);
    assert!(app.message.as_deref().is_some_and(|m| m.contains("azure://")), "{:?}", app.message);

    // An Azure VM, even with its link lost (a hung VM is when a reset is wanted).
    let mut app = App::new("azure://sub-1/rg-web/vm-web-01", "azure", PrefixKey::default());
    app.update(Event::Engine(EngineEvent::LinkLost("the far end closed the link".into())));
    menu(&mut app, 'R');
    assert_eq!(app.overlay, Overlay::Admin(AdminCommand::Reset));
    for (w, h) in [(80, 24), (120, 40)] {
        let s = render(&app, w, h);
        golden(&format!("azure-reset-{w}x{h}"), &s);
        assert!(s.contains("hard-reset the VM"), "the consequence is shown:\n{s}");
        assert!(s.contains("vm-web-01"), "the VM is named:\n{s}");
        assert!(s.contains("y = send it"), "{s}");
    }
    // Other keys wait; n sends nothing; y sends it.
    assert!(press(&mut app, KeyCode::Char('z')).is_empty());
    assert_eq!(app.overlay, Overlay::Admin(AdminCommand::Reset));
    assert!(press(&mut app, KeyCode::Char('n')).is_empty());
    assert_eq!(app.overlay, Overlay::None);
    assert_eq!(app.message.as_deref(), Some("RESET not sent"));
    menu(&mut app, 'N');
    assert_eq!(app.overlay, Overlay::Admin(AdminCommand::Nmi));
    let sent = press(&mut app, KeyCode::Char('y'));
    assert_eq!(sent, vec![Effect::Engine(Command::AzureAdmin(AdminCommand::Nmi))]);
    assert_eq!(app.overlay, Overlay::None);
}
