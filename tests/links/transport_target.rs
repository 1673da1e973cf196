//! The target argument: every accepted form, the canonical text, and the bad-target error text.

use std::path::PathBuf;

use sacdoc::target::{Target, ACCEPTED_FORMS};
use sacdoc::transport::serial::{Flow, Parity, SerialSettings};

fn parse(s: &str) -> Target {
    match s.parse() {
        Ok(t) => t,
        Err(e) => panic!("{s:?} should parse: {e}"),
    }
}

fn error(s: &str) -> String {
    match s.parse::<Target>() {
        Ok(t) => panic!("{s:?} should be refused, got {t:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn serial_forms() {
    let d = SerialSettings::default();
    assert_eq!(
        d,
        SerialSettings {
            baud: 115_200,
            parity: Parity::None,
            data_bits: 8,
            stop_bits: 1,
            flow: Flow::None
        }
    );
    assert_eq!(parse("COM1"), Target::Serial { path: "COM1".into(), settings: d });
    assert_eq!(parse("com12"), Target::Serial { path: "COM12".into(), settings: d });
    assert_eq!(parse(r"\\.\COM10"), Target::Serial { path: "COM10".into(), settings: d });
    assert_eq!(parse("/dev/ttyS0"), Target::Serial { path: "/dev/ttyS0".into(), settings: d });
    let t = parse("serial:///dev/ttyUSB0?baud=9600&parity=even&data=7&stop=2&flow=hardware");
    assert_eq!(
        t,
        Target::Serial {
            path: "/dev/ttyUSB0".into(),
            settings: SerialSettings {
                baud: 9600,
                parity: Parity::Even,
                data_bits: 7,
                stop_bits: 2,
                flow: Flow::Hardware
            }
        }
    );
    assert_eq!(
        t.to_string(),
        "serial:///dev/ttyUSB0?baud=9600&parity=even&data=7&stop=2&flow=hardware"
    );
    let t = parse("serial:///dev/ttyUSB0?baud=115200&parity=none&data=8&stop=1&flow=none");
    assert_eq!(t.to_string(), "/dev/ttyUSB0");
    assert_eq!(parse("serial://COM3?baud=57600").to_string(), "serial://COM3?baud=57600");
}

#[test]
fn network_and_other_forms() {
    assert_eq!(parse("tcp://127.0.0.1:4444"), Target::Tcp { host: "127.0.0.1".into(), port: 4444 });
    assert_eq!(parse("TCP://vmhost:4444/"), Target::Tcp { host: "vmhost".into(), port: 4444 });
    assert_eq!(parse("telnet://[::1]:2000"), Target::Telnet { host: "::1".into(), port: 2000 });
    assert_eq!(parse("telnet://[::1]:2000").to_string(), "telnet://[::1]:2000");
    assert_eq!(parse("unix:/run/vm.sock"), Target::Unix { path: PathBuf::from("/run/vm.sock") });
    assert_eq!(parse("unix:///run/vm.sock"), Target::Unix { path: PathBuf::from("/run/vm.sock") });
    assert_eq!(parse("pipe:vm-com1"), Target::Pipe { name: "vm-com1".into() });
    assert_eq!(parse(r"pipe:\\.\pipe\vm-com1"), Target::Pipe { name: "vm-com1".into() });
    assert_eq!(
        parse("exec:virsh console win2019"),
        Target::Exec { command: "virsh console win2019".into() }
    );
    assert_eq!(
        parse("sim:healthy"),
        Target::Sim { scenario: "healthy".into(), query: String::new() }
    );
    assert_eq!(
        parse("sim:bad-cert?profile=ws2019&seed=3"),
        Target::Sim { scenario: "bad-cert".into(), query: "profile=ws2019&seed=3".into() }
    );
    assert_eq!(
        parse("replay:runs/a b.cast"),
        Target::Replay { path: PathBuf::from("runs/a b.cast") }
    );
}

#[test]
fn canonical_text_parses_back() {
    for s in [
        "COM1",
        "/dev/ttyS0",
        "serial:///dev/ttyUSB0?baud=9600&parity=odd&flow=software",
        "tcp://localhost:23",
        "telnet://[fe80::1]:2001",
        "unix:/tmp/c.sock",
        "pipe:p",
        "exec:cat",
        "sim:healthy?profile=ws2022",
        "replay:/tmp/x.cast",
    ] {
        let t = parse(s);
        assert_eq!(t.to_string(), s);
        assert_eq!(parse(&t.to_string()), t);
    }
}

#[test]
fn default_target_depends_on_platform() {
    let t = Target::default_for_platform();
    let want = if cfg!(windows) { "COM1" } else { "/dev/ttyS0" };
    assert_eq!(t.to_string(), want);
    assert!(t.can_reconnect());
    assert!(!parse("sim:healthy").can_reconnect());
}

#[test]
fn bad_targets_name_the_input_and_list_the_forms() {
    let cases = [
        ("", "the target is empty"),
        ("ftp://host:21", "not a known form"),
        ("ttyS0", "did you mean /dev/ttyS0?"),
        ("vmhost:2323", "did you mean tcp://vmhost:2323"),
        ("tcp://host", "a port is needed"),
        ("tcp://host:0", "is not a port number"),
        ("tcp://host:99999", "is not a port number"),
        ("tcp:host:23", "write it as tcp://HOST:PORT"),
        ("telnet://[::1:23", "closing ']'"),
        ("serial:///dev/ttyS0?baud=fast", "baud=\"fast\""),
        ("serial:///dev/ttyS0?parity=mark", "use none, odd or even"),
        ("serial:///dev/ttyS0?data=9", "use 5, 6, 7 or 8"),
        ("serial:///dev/ttyS0?speed=9600", "unknown serial setting \"speed\""),
        ("/dev/ttyS0?baud=9600", "serial:// form"),
        ("COM0", "COM ports are COM1 to COM256"),
        ("unix:", "the path is missing"),
        ("exec:   ", "a command is needed"),
        ("sim:", "a scenario name is needed"),
        ("replay:", "the path is missing"),
        ("pipe:", "a pipe name is needed"),
    ];
    for (input, reason) in cases {
        let msg = error(input);
        assert!(msg.starts_with(&format!("bad target {input:?}: ")), "{msg}");
        assert!(msg.contains(reason), "{input:?}: {msg}");
        assert!(msg.contains(ACCEPTED_FORMS), "{input:?} lists the accepted forms");
    }
    assert!(
        ACCEPTED_FORMS.contains("telnet://HOST:PORT") && ACCEPTED_FORMS.contains("replay:FILE")
    );
}

#[test]
fn opening_missing_things_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let missing_dev = dir.path().join("ttyNOPE");
    let chain = |e: sacdoc::target::OpenError| sacdoc::transport::chain(&e);
    let e = chain(parse(&missing_dev.display().to_string()).open().err().unwrap());
    assert!(e.starts_with(&format!("cannot open {}", missing_dev.display())), "{e}");
    let e = chain(
        parse(&format!("unix:{}", dir.path().join("none.sock").display())).open().err().unwrap(),
    );
    assert!(e.contains("no socket there"), "{e}");
    let e = chain(
        parse(&format!("replay:{}", dir.path().join("none.cast").display())).open().err().unwrap(),
    );
    assert!(e.contains("cannot read transcript"), "{e}");
    if !cfg!(windows) {
        let e = chain(parse("pipe:vm1").open().err().unwrap());
        assert!(e.contains(r"\\.\pipe\vm1") && e.contains("not Windows"), "{e}");
    }
    // A port nothing listens on: bind one, learn its number, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let e = chain(parse(&format!("tcp://127.0.0.1:{port}")).open().err().unwrap());
    assert!(e.contains("is the console server listening"), "{e}");
}
