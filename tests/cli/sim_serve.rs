//! `sacdoc::sim::server` and `sacdoc sim`: one simulated VM served over a real pty (opened with
//! `serialport` at 115200), loopback TCP and a Unix socket; reconnects resume the same VM; the
//! binary prints where it listens and stops on Ctrl+C (in tmux) and SIGTERM.

#[cfg(unix)]
use std::io::{BufRead, BufReader};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
#[cfg(unix)]
use std::process::Stdio;
use std::time::{Duration, Instant};

use sacdoc::sim::sac::text;
use sacdoc::sim::server::{Listen, ServeSpec, Server, ServerEvent};

/// Reads from `r` until `pat` has arrived; returns everything read.
fn read_until<R: Read>(r: &mut R, pat: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains(pat) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {pat:?}; got {:?}",
            String::from_utf8_lossy(&got)
        );
        match r.read(&mut buf) {
            Ok(0) => {
                panic!("closed while waiting for {pat:?}; got {:?}", String::from_utf8_lossy(&got))
            }
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                ) => {}
            Err(e) => panic!("read: {e}"),
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

fn tcp(addr: std::net::SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    s
}

#[test]
fn tcp_serves_the_banner_and_a_reconnect_resumes_the_vm() {
    let server =
        Server::start(&ServeSpec::new("tcp://127.0.0.1:0", "healthy", "cmd_delay_ms=50&seed=1"))
            .unwrap();
    let addr = server.addr().unwrap();
    assert_eq!(server.describe(), format!("tcp://{addr}"));
    let mut c = tcp(addr);
    let got = read_until(&mut c, "EVENT: The CMD command is now available.\r\nSAC>");
    assert!(got.starts_with(text::BANNER), "{got:?}");
    c.write_all(b"?\r").unwrap();
    assert_eq!(read_until(&mut c, "SAC>"), format!("?\r\n{}SAC>", text::HELP));
    c.write_all(b"cmd\r").unwrap();
    assert_eq!(
        read_until(&mut c, "Channel: Cmd0001\r\nSAC>"),
        "cmd\r\nThe Command Prompt session was successfully launched.\r\nSAC>\r\nEVENT:   A new \
         channel has been created.  Use \"ch -?\" for channel help.\r\nChannel: Cmd0001\r\nSAC>"
    );
    drop(c);
    // A new client finds the same VM: its channel is still there.
    let mut c = tcp(addr);
    c.write_all(b"ch\r").unwrap();
    let got = read_until(&mut c, "1 (AV)    Cmd0001\r\nSAC>");
    assert!(got.starts_with("ch\r\n"), "{got:?}");
    let events: Vec<ServerEvent> = server.events().try_iter().collect();
    assert_eq!(
        events.iter().filter(|e| matches!(e, ServerEvent::Connected(_))).count(),
        2,
        "{events:?}"
    );
    server.stop();
    assert!(
        TcpStream::connect(addr).is_err() || {
            // The port may be reused at once by the OS; what matters is that nobody answers.
            let mut s = tcp(addr);
            let mut b = [0u8; 8];
            !matches!(s.read(&mut b), Ok(n) if n > 0)
        }
    );
}

#[test]
fn pty_serves_through_serialport_and_survives_the_client_closing() {
    let server =
        Server::start(&ServeSpec::new("pty", "healthy", "cmd_delay_ms=50&seed=2")).unwrap();
    let path = server.pty_path().unwrap().to_string_lossy().into_owned();
    assert!(path.starts_with("/dev/"), "{path}");
    let mut port =
        serialport::new(&path, 115_200).timeout(Duration::from_millis(50)).open_native().unwrap();
    let got = read_until(&mut port, "EVENT: The CMD command is now available.\r\nSAC>");
    assert!(got.starts_with(text::BANNER), "{got:?}");
    port.write_all(b"cmd\r").unwrap();
    read_until(&mut port, "Channel: Cmd0001\r\nSAC>");
    drop(port);
    let mut port =
        serialport::new(&path, 115_200).timeout(Duration::from_millis(50)).open_native().unwrap();
    port.write_all(b"ch -si 1\r").unwrap();
    let got = read_until(&mut port, "Use any other key to view this channel.\r\n\r\n");
    let screen = got.split_once("ch -si 1\r\n").map(|(_, s)| s).unwrap_or_default();
    let re = regex::Regex::new(
        "^\x1b\\[2J\x1b\\[HName:                  Cmd0001\r\nDescription:           Command\r\n\
         Type:                  VT-UTF8\r\nChannel GUID:          [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-\
         [0-9a-f]{4}-[0-9a-f]{12}\r\nApplication Type GUID: 63d02271-8aa4-11d5-bccf-00b0d014a2d0\r\n\
         \r\nPress <esc><tab> for next channel.\r\nPress <esc><tab>0 to return to the SAC channel.\r\n\
         Use any other key to view this channel.\r\n\r\n$",
    )
    .unwrap();
    assert!(re.is_match(screen), "{screen:?}");
    port.write_all(b" ").unwrap();
    read_until(&mut port, "Username: ");
    port.write_all(b"azureuser\r\r").unwrap();
    assert_eq!(read_until(&mut port, "Password: "), "azureuser\r\nDomain  : \r\nPassword: ");
    port.write_all(b"nope\r").unwrap();
    let got = read_until(&mut port, "Username: ");
    assert!(
        got.starts_with("****\r\n")
            && got.ends_with("Please enter login credentials.\r\nUsername: "),
        "{got:?}"
    );
    server.stop();
}

#[cfg(unix)]
#[test]
fn unix_socket_serves_and_is_removed_on_stop() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sac.sock");
    let spec = format!("unix:{}", path.display());
    let server = Server::start(&ServeSpec::new(&spec, "healthy", "start=sac")).unwrap();
    assert_eq!(server.describe(), spec);
    let mut s = std::os::unix::net::UnixStream::connect(&path).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    s.write_all(b"\r").unwrap();
    assert_eq!(read_until(&mut s, "SAC>"), "\r\nSAC>");
    // A second server on the same path is a clear error.
    let e = Server::start(&ServeSpec::new(&spec, "healthy", "")).unwrap_err().to_string();
    assert!(e.contains("sac.sock"), "{e}");
    server.stop();
    assert!(!path.exists());
}

#[test]
fn a_cut_link_can_be_reopened_and_the_vm_goes_on() {
    let server =
        Server::start(&ServeSpec::new("tcp://127.0.0.1:0", "healthy", "start=sac&cut_after=40"))
            .unwrap();
    let addr = server.addr().unwrap();
    let mut c = tcp(addr);
    c.write_all(b"?\r").unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        assert!(Instant::now() < deadline, "the link was not cut");
        match c.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    assert_eq!(got.len(), 40);
    assert!(got.starts_with(b"?\r\nch "));
    let mut c = tcp(addr);
    c.write_all(b"\r").unwrap();
    assert_eq!(read_until(&mut c, "SAC>"), "\r\nSAC>");
    server.stop();
}

#[test]
fn listen_addresses_are_checked() {
    assert_eq!("pty".parse::<Listen>().unwrap(), Listen::Pty);
    let e = "tcp://10.0.0.5:2323".parse::<Listen>().unwrap_err().to_string();
    assert!(e.contains("loopback"), "{e}");
    let e = "serial:COM1".parse::<Listen>().unwrap_err().to_string();
    assert!(e.contains("tcp://127.0.0.1:PORT"), "{e}");
    let e = Server::start(&ServeSpec::new("pty", "healthy", "nonsense=1")).unwrap_err().to_string();
    assert!(e.contains("nonsense") && e.contains("profile"), "{e}");
}

/// Kills a tmux session when dropped, so a failing test leaves nothing running.
struct TmuxGuard(String);

impl Drop for TmuxGuard {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["kill-session", "-t", &self.0]).status();
    }
}

/// Kills a child process when dropped (a no-op once it has exited and been waited for).
#[cfg(unix)]
struct ChildGuard(std::process::Child);

#[cfg(unix)]
impl Drop for ChildGuard {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sacdoc"))
}

#[test]
fn binary_lists_scenarios_with_credentials() {
    let out = bin().args(["sim", "--list"]).output().unwrap();
    assert!(out.status.success());
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.lines().any(|l| l.starts_with("healthy ")), "{s}");
    assert!(s.contains("login: "), "{s}");
}

#[test]
fn binary_rejects_bad_options_clearly() {
    let out = bin()
        .args(["sim", "healthy", "--listen", "tcp://127.0.0.1:0", "--fault", "bogus=1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("bogus") && e.contains("cut_after"), "{e}");
    let out = bin().args(["sim"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--list"));
}

#[cfg(unix)]
#[test]
fn binary_serves_tcp_and_stops_on_sigterm() {
    let child = bin()
        .args([
            "sim",
            "healthy",
            "--listen",
            "tcp://127.0.0.1:0",
            "--profile",
            "ws2019",
            "--baud",
            "115200",
            "--start",
            "sac",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = ChildGuard(child);
    let mut lines = BufReader::new(child.0.stdout.take().unwrap());
    let mut first = String::new();
    lines.read_line(&mut first).unwrap();
    let addr = first.trim().rsplit(' ').next().unwrap().trim_start_matches("tcp://").to_string();
    assert!(
        first.starts_with("sacdoc sim: serving scenario healthy on tcp://127.0.0.1:"),
        "{first}"
    );
    let mut c = tcp(addr.parse().unwrap());
    c.write_all(b"\r").unwrap();
    assert_eq!(read_until(&mut c, "SAC>"), "\r\nSAC>");
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(child.0.id() as i32, libc::SIGTERM) };
    let status = child.0.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

/// Runs `sacdoc sim` in a real terminal (tmux) and stops it with Ctrl+C.
#[test]
fn binary_in_tmux_stops_on_ctrl_c() {
    let session = format!("sacdoc-sim-test-{}", std::process::id());
    let cmd = format!(
        "{} sim healthy --listen tcp://127.0.0.1:0 --start sac",
        env!("CARGO_BIN_EXE_sacdoc")
    );
    let ok = Command::new("tmux")
        .args([
            "new-session",
            "-d",
            "-s",
            &session,
            "-x",
            "120",
            "-y",
            "30",
            &format!("{cmd}; echo EXITED=$?; sleep 30"),
        ])
        .status()
        .unwrap();
    assert!(ok.success());
    let _guard = TmuxGuard(session.clone());
    let pane = |s: &str| {
        let out = Command::new("tmux").args(["capture-pane", "-p", "-t", s]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let wait_for = |pat: &str| {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let p = pane(&session);
            if p.contains(pat) {
                return p;
            }
            if Instant::now() > deadline {
                panic!("{pat:?} never appeared; pane:\n{p}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let p = wait_for("press Ctrl+C to stop");
    let addr =
        p.lines().find_map(|l| l.split("on tcp://").nth(1)).map(|a| a.trim().to_string()).unwrap();
    let mut c = tcp(addr.parse().unwrap());
    c.write_all(b"id\r").unwrap();
    assert!(read_until(&mut c, "SAC>").contains("Computer Name: "));
    let _ = Command::new("tmux").args(["send-keys", "-t", &session, "C-c"]).status();
    let p = wait_for("EXITED=");
    assert!(p.contains("sacdoc sim: stopped") && p.contains("EXITED=0"), "{p}");
}
