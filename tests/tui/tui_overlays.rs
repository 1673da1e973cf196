//! Every overlay scrolls when its text does not fit: the help, a long fix's confirmation and the
//! menu at PuTTY's 80x24 and smaller, with the frame saying which rows show. Snapshots at 80x24
//! and 120x40; the keys go through `App::update` as the loop sends them.

use super::screen::{golden, render};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use sacdoc::doctor::model::Backup;
use sacdoc::doctor::{Fix, Step};
use sacdoc::tui::app::{App, Overlay};
use sacdoc::tui::event::{EngineEvent, Event};
use sacdoc::tui::keys::PrefixKey;

fn key(app: &mut App, code: KeyCode) {
    app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// A fix with many backups and commands, longer than any 24-row terminal shows.
fn long_fix() -> Fix {
    let backups = (1..=6)
        .map(|i| Backup {
            what: format!("SCHANNEL protocol key {i}"),
            command: format!(
                "reg export \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.{i}\" \"C:\\temp\\sacdoc\\backup-{i}.reg\" /y"
            ),
            remote_file: format!("C:\\temp\\sacdoc\\backup-{i}.reg"),
            restore: String::new(),
        })
        .collect();
    let commands = (1..=8)
        .map(|i| Step::new(format!("reg add \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.{i}\\Server\" /v Enabled /t REG_DWORD /d 1 /f")))
        .collect();
    Fix {
        id: "enable-tls".into(),
        title: "Enable the TLS versions RDP needs".into(),
        why: "RDP's TLS handshake fails when every protocol it offers is disabled".into(),
        backups,
        commands,
        verify: None,
        reboot: true,
        later: Vec::new(),
        warning: Some("this also enables older TLS versions".into()),
    }
}

fn app_at(w: u16, h: u16) -> App {
    let mut app = App::new("sim:tls", "simulated 115200 8N1", PrefixKey::default());
    app.link.up = true;
    app.size = (w, h);
    app
}

#[test]
fn a_long_fix_confirmation_scrolls_to_its_last_row_and_answer_at_80x24() {
    let mut app = app_at(80, 24);
    app.update(Event::Engine(EngineEvent::ConfirmFix(Box::new(long_fix()))));
    let top = render(&app, 80, 24);
    golden("confirm-long-80x24-top", &top);
    assert!(
        top.contains("confirm fix: y yes, n / Esc skip"),
        "the answer keys are always shown:\n{top}"
    );
    assert!(top.contains("rows 1-22 of"), "the frame says there is more:\n{top}");
    assert!(!top.contains("Then: the VM restarts"), "{top}");
    key(&mut app, KeyCode::End);
    let end = render(&app, 80, 24);
    golden("confirm-long-80x24-end", &end);
    assert!(end.contains("Then: the VM restarts"), "the last rows can be seen:\n{end}");
    assert!(end.contains("TLS 1.8\\Server"), "the last command can be seen:\n{end}");
    // Up moves at once from the last page (the offset stops there).
    let at_end = app.overlay_scroll;
    key(&mut app, KeyCode::Down);
    assert_eq!(app.overlay_scroll, at_end, "Down past the end does nothing");
    key(&mut app, KeyCode::Up);
    assert_eq!(app.overlay_scroll, at_end - 1);
    assert_ne!(render(&app, 80, 24), end);
    // Scrolling is not an answer; y is.
    assert!(matches!(app.overlay, Overlay::Confirm(_)));
    key(&mut app, KeyCode::Char('y'));
    assert_eq!(app.overlay, Overlay::None);
}

#[test]
fn a_long_fix_confirmation_fits_whole_at_120x40_when_it_can() {
    let mut fix = long_fix();
    fix.backups.truncate(2);
    fix.commands.truncate(3);
    let mut app = app_at(120, 40);
    app.update(Event::Engine(EngineEvent::ConfirmFix(Box::new(fix))));
    let s = render(&app, 120, 40);
    golden("confirm-long-120x40", &s);
    assert!(!s.contains("rows 1-"), "nothing to scroll:\n{s}");
    assert!(s.contains("Then: the VM restarts"), "{s}");
    // Nothing to scroll: the keys change nothing.
    key(&mut app, KeyCode::PageDown);
    assert_eq!(app.overlay_scroll, 0);
}

#[test]
fn the_help_scrolls_on_a_terminal_shorter_than_it() {
    let mut app = app_at(80, 16);
    app.update(Event::Key(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL)));
    key(&mut app, KeyCode::Char('?'));
    assert_eq!(app.overlay, Overlay::Help);
    let top = render(&app, 80, 16);
    assert!(top.contains("rows 1-14 of"), "{top}");
    key(&mut app, KeyCode::PageDown);
    key(&mut app, KeyCode::PageDown);
    let end = render(&app, 80, 16);
    golden("help-80x16-end", &end);
    assert!(end.contains("any other key closes this help"), "the last row is reachable:\n{end}");
    // Any other key still closes it.
    key(&mut app, KeyCode::Char('x'));
    assert_eq!(app.overlay, Overlay::None);
}

#[test]
fn the_help_and_menu_fit_at_80x24_and_120x40() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut app = app_at(w, h);
        app.update(Event::Key(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL)));
        let menu = render(&app, w, h);
        golden(&format!("menu-{w}x{h}"), &menu);
        assert!(menu.contains("send Ctrl+A itself"), "the menu's last row shows:\n{menu}");
        assert!(!menu.contains("rows 1-"), "{menu}");
        key(&mut app, KeyCode::Char('?'));
        let help = render(&app, w, h);
        assert!(help.contains("any other key closes this help"), "{help}");
        assert!(!help.contains("rows 1-"), "the help fits at {w}x{h}:\n{help}");
        // Every size, tiny ones too, draws without panicking.
        for (w, h) in [(0, 0), (1, 1), (10, 3), (30, 8)] {
            render(&app, w, h);
        }
    }
}

/// A netstat output longer than the Results table at 80x24: PgUp/PgDn and End reach every row.
#[test]
fn a_long_results_table_scrolls_to_its_last_row_at_80x24() {
    let mut out = String::from(
        "\r\nActive Connections\r\n\r\n  Proto  Local Address          Foreign Address        State           PID\r\n",
    );
    for i in 0..60u32 {
        out.push_str(&format!(
            "  TCP    0.0.0.0:{}           0.0.0.0:0              LISTENING       {}\r\n",
            49000 + i,
            1000 + i
        ));
    }
    let mut app = app_at(80, 24);
    app.results.add(
        sacdoc::runner::CommandOutput {
            command: "netstat -ano".into(),
            exit_code: Some(0),
            output: out,
            bytes_sent: 0,
            bytes_received: 0,
            duration_ms: 0,
        },
        None,
    );
    app.update(Event::Key(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL)));
    key(&mut app, KeyCode::Char('4'));
    let top = render(&app, 80, 24);
    assert!(top.contains("49000") && !top.contains("49059"), "{top}");
    assert!(top.contains("rows 1-"), "the frame says there is more:\n{top}");
    key(&mut app, KeyCode::End);
    let end = render(&app, 80, 24);
    golden("results-long-80x24-end", &end);
    assert!(end.contains("49059"), "the last row is reachable:\n{end}");
    assert!(end.contains("of 60: PgUp/PgDn"), "{end}");
    key(&mut app, KeyCode::Home);
    key(&mut app, KeyCode::PageDown);
    let next = render(&app, 80, 24);
    assert!(next.contains("rows 11-"), "{next}");
    assert!(!next.contains("49009 ") && next.contains("49010"), "{next}");
    let big = render(&app, 120, 40);
    golden("results-long-120x40-page2", &big);
}
