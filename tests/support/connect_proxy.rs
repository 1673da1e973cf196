//! A loopback HTTP proxy that speaks `CONNECT` (as Squid and corporate proxies do for HTTPS):
//! it logs each request head, optionally wants `Proxy-Authorization`, and pipes bytes both ways.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct ConnectProxy {
    port: u16,
    heads: Arc<Mutex<Vec<String>>>,
}

impl ConnectProxy {
    /// Starts the proxy; with `basic`, a request without `Proxy-Authorization: Basic {basic}` is
    /// answered 407.
    pub fn start(basic: Option<&str>) -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let log = heads.clone();
        let basic = basic.map(str::to_string);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let log = log.clone();
                let basic = basic.clone();
                std::thread::spawn(move || serve(client, &log, basic.as_deref()));
            }
        });
        ConnectProxy { port, heads }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Each request head received, in order.
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

fn serve(mut client: TcpStream, log: &Mutex<Vec<String>>, basic: Option<&str>) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(10)));
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut b) {
            Ok(1) => head.push(b[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    log.lock().unwrap().push(head.clone());
    if let Some(want) = basic {
        if !head.contains(&format!("Proxy-Authorization: Basic {want}\r\n")) {
            let _ = client.write_all(
                b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n",
            );
            return;
        }
    }
    let target = head.split_whitespace().nth(1).unwrap_or("").to_string();
    if !head.starts_with("CONNECT ") {
        let _ = client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n");
        return;
    }
    let Ok(upstream) = TcpStream::connect(&target) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
        return;
    };
    let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
    let _ = client.set_read_timeout(None);
    let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    let (mut c, mut u) = (client, upstream);
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut u2, &mut c2);
        let _ = c2.shutdown(std::net::Shutdown::Both);
    });
    let _ = std::io::copy(&mut c, &mut u);
    let _ = u.shutdown(std::net::Shutdown::Both);
}
