//! A lost link: the reconnecting wrapper reopens a loopback TCP console server that was closed and
//! started again, reports each step, and gives up after the bounded number of attempts.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use sacdoc::target::Target;
use sacdoc::transport::reconnect::{LinkEvent, ReconnectPolicy, ReconnectingLink};
use sacdoc::transport::{is_no_data, Link};

fn quick_policy(max_attempts: u32) -> ReconnectPolicy {
    ReconnectPolicy {
        max_attempts,
        initial_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
    }
}

/// Reads until `want` bytes arrived, treating "no data yet" as a tick (20 s at most).
fn read_n(link: &mut dyn Link, want: usize) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    while got.len() < want && Instant::now() < deadline {
        match link.read(&mut buf) {
            Ok(0) => panic!("a reconnecting link must not report end of file"),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if is_no_data(&e) => {}
            Err(e) => panic!("read failed: {e}"),
        }
    }
    got
}

#[test]
fn reopens_a_restarted_tcp_server() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (events_tx, events_rx) = mpsc::channel::<LinkEvent>();
    let server = std::thread::spawn(move || {
        // First life: greet, then the console server goes away (closed, not listening).
        let (mut s, _) = listener.accept().unwrap();
        s.write_all(b"one").unwrap();
        // The listener goes first: were the stream closed first, the client's first retry could
        // land in the old listener's backlog and be reset when it closes (a second reconnect).
        drop(listener);
        drop(s);
        // Restart only after the client has seen a refused attempt.
        loop {
            match events_rx.recv_timeout(Duration::from_secs(20)).unwrap() {
                LinkEvent::AttemptFailed { .. } => break,
                _ => continue,
            }
        }
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        let (mut s, _) = listener.accept().unwrap();
        s.write_all(b"two").unwrap();
        let mut typed = [0u8; 2];
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.read_exact(&mut typed).unwrap();
        typed
    });

    let target: Target = format!("tcp://127.0.0.1:{port}").parse().unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let mut link = ReconnectingLink::open(&target, quick_policy(200)).unwrap().on_event(move |e| {
        seen2.lock().unwrap().push(e.clone());
        let _ = events_tx.send(e.clone());
    });
    let status = link.status();
    assert!(status.connected());
    assert_eq!(read_n(&mut link, 3), b"one");
    assert_eq!(read_n(&mut link, 3), b"two");
    link.write_all(b"ok").unwrap();
    assert_eq!(&server.join().unwrap(), b"ok");

    assert!(status.connected());
    assert_eq!(status.reconnects(), 1);
    let events = seen.lock().unwrap().clone();
    assert!(
        matches!(events.first(), Some(LinkEvent::Lost { reason }) if reason.contains("closed"))
    );
    assert!(matches!(events.get(1), Some(LinkEvent::AttemptFailed { attempt: 1, max: 200, .. })));
    assert!(matches!(events.last(), Some(LinkEvent::Reconnected { .. })));
    assert_eq!(status.last_event(), events.last().cloned());
    assert!(events.last().unwrap().to_string().starts_with("reconnected (attempt "));
}

#[test]
fn gives_up_after_the_bounded_number_of_attempts() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (s, _) = listener.accept().unwrap();
        drop(s);
    });
    let target: Target = format!("tcp://127.0.0.1:{port}").parse().unwrap();
    let (tx, rx) = mpsc::channel();
    let mut link = ReconnectingLink::open(&target, quick_policy(3)).unwrap().on_event(move |e| {
        let _ = tx.send(e.clone());
    });
    server.join().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let err = loop {
        assert!(Instant::now() < deadline, "must give up in time");
        match link.read(&mut [0u8; 8]) {
            Ok(n) => panic!("unexpected read of {n}"),
            Err(e) if is_no_data(&e) => continue,
            Err(e) => break e,
        }
    };
    assert_eq!(err.kind(), ErrorKind::NotConnected);
    let msg = err.to_string();
    assert!(msg.contains(&format!("tcp://127.0.0.1:{port}")), "{msg}");
    assert!(msg.contains("3 reconnect attempts failed"), "{msg}");
    let events: Vec<LinkEvent> = rx.try_iter().collect();
    let failed = events.iter().filter(|e| matches!(e, LinkEvent::AttemptFailed { .. })).count();
    assert_eq!(failed, 2, "attempts 1 and 2 fail and are retried: {events:?}");
    assert!(matches!(events.last(), Some(LinkEvent::GaveUp { attempts: 3, .. })), "{events:?}");
    // Writing to a link that gave up is an error too, with the same explanation.
    let werr = link.write(b"x").unwrap_err();
    assert!(werr.to_string().contains("reconnect attempts failed"));
    assert!(!link.status().connected());
}

#[test]
fn backoff_doubles_up_to_the_limit() {
    let p = ReconnectPolicy {
        max_attempts: 9,
        initial_delay: Duration::from_millis(500),
        max_delay: Duration::from_secs(8),
    };
    let delays: Vec<u64> = (1..=7).map(|a| p.delay_after(a).as_millis() as u64).collect();
    assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
    assert_eq!(p.delay_after(200), Duration::from_secs(8));
}
