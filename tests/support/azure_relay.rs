//! A loopback stand-in for Azure: the management API calls `az serial-console` makes (Serial
//! Console status, the VM with its instance view, `serialPorts/0/connect`, `adminCommand/*`) and
//! the serial console relay's websocket, bridged to a simulated VM on a loopback TCP port.
//!
//! Behaviour follows the reference (sac-protocol.md §7.2): the websocket URL carries
//! `?authorization=TOKEN`, the client's first message is the token, the relay's first message is a
//! handshake the client answers with the token again (`&new=1`), then messages are serial bytes.
//! A newer websocket takes the console over: the older one is closed with a reason. GUESS: the
//! exact close code and reason text of the real relay are not published; [`TAKEOVER_REASON`].
// tungstenite's handshake callback type fixes the (large) error type.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::frame::CloseFrame;
use tungstenite::Message;

/// The reason the stand-in relay gives when a newer session takes the console.
pub const TAKEOVER_REASON: &str = "Another user has connected to this serial console";
/// The relay's first (handshake) message. GUESS: its content is not published; clients ignore it.
pub const GREETING: &str = "{\"type\":\"handshake\"}";

/// How the stand-in behaves.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    pub token: String,
    pub subscription: String,
    pub resource_group: String,
    pub vm: String,
    pub console_disabled: bool,
    pub boot_diagnostics: bool,
    pub deallocated: bool,
    /// Answer 403 to the connect call (the account lacks the role).
    pub forbid_connect: bool,
    /// Where the simulated VM's serial port is.
    pub sim: SocketAddr,
    /// The token the websocket accepts, when it differs from the management API's (a token that
    /// expired between the two calls).
    pub ws_token: Option<String>,
}

impl RelayConfig {
    pub fn new(sim: SocketAddr) -> RelayConfig {
        RelayConfig {
            token: "eyJ0eXAiOiJKV1Qi.test+token/with=odd.chars".into(),
            subscription: "00000000-1111-2222-3333-444444444444".into(),
            resource_group: "rg-web".into(),
            vm: "web01".into(),
            console_disabled: false,
            boot_diagnostics: true,
            deallocated: false,
            forbid_connect: false,
            sim,
            ws_token: None,
        }
    }
}

/// What the stand-in saw.
#[derive(Debug, Default, Clone)]
pub struct RelayLog {
    /// `METHOD path` of every management request (no query).
    pub requests: Vec<String>,
    /// Admin commands: (path, body).
    pub admin: Vec<(String, Value)>,
    /// Websocket sessions that completed the token handshake.
    pub sessions: u32,
    /// Token messages received over websockets.
    pub token_messages: u32,
    /// Every byte forwarded to the VM's serial port.
    pub to_vm: Vec<u8>,
}

/// A running stand-in; stops on drop.
pub struct Relay {
    pub addr: SocketAddr,
    pub config: RelayConfig,
    pub log: Arc<Mutex<RelayLog>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Relay {
    pub fn start(config: RelayConfig) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let log = Arc::new(Mutex::new(RelayLog::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let current = Arc::new(AtomicU64::new(0));
        let (cfg, lg, st) = (config.clone(), log.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !st.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((s, _)) => {
                        let (cfg, lg, st, cur) =
                            (cfg.clone(), lg.clone(), st.clone(), current.clone());
                        std::thread::spawn(move || {
                            let _ = handle(s, addr, &cfg, &lg, &st, &cur);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Relay { addr, config, log, stop, thread: Some(thread) }
    }

    /// `http://127.0.0.1:PORT`, for `SACDOC_AZURE_ARM_ENDPOINT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The target text for this VM.
    pub fn target(&self) -> String {
        format!(
            "azure://{}/{}/{}",
            self.config.subscription, self.config.resource_group, self.config.vm
        )
    }

    pub fn log(&self) -> RelayLog {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Waits until the request head is buffered and returns it (without consuming it).
fn peek_head(s: &TcpStream) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut buf = vec![0u8; 16384];
    while Instant::now() < deadline {
        let n = s.peek(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        if let Some(end) = buf[..n].windows(4).position(|w| w == b"\r\n\r\n") {
            return Some(String::from_utf8_lossy(&buf[..end + 4]).into_owned());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    None
}

fn headers(head: &str) -> HashMap<String, String> {
    head.split("\r\n")
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_param(path: &str, key: &str) -> Option<String> {
    let q = path.split_once('?')?.1;
    q.split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| percent_decode(v))
}

fn handle(
    mut s: TcpStream,
    me: SocketAddr,
    cfg: &RelayConfig,
    log: &Mutex<RelayLog>,
    stop: &AtomicBool,
    current: &AtomicU64,
) -> std::io::Result<()> {
    s.set_nonblocking(false)?;
    let Some(head) = peek_head(&s) else { return Ok(()) };
    let h = headers(&head);
    if h.get("upgrade").is_some_and(|u| u.eq_ignore_ascii_case("websocket")) {
        return websocket(s, cfg, log, stop, current);
    }
    // Plain HTTP: consume head and body.
    let mut head_bytes = vec![0u8; head.len()];
    s.read_exact(&mut head_bytes)?;
    let len: usize = h.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0u8; len];
    s.read_exact(&mut body)?;
    let line = head.lines().next().unwrap_or_default().to_string();
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let full = parts.next().unwrap_or_default().to_string();
    let path = full.split('?').next().unwrap_or_default().to_string();
    if let Ok(mut l) = log.lock() {
        l.requests.push(format!("{method} {path}"));
    }
    let authorized =
        h.get("authorization").map(String::as_str) == Some(&format!("Bearer {}", cfg.token));
    let (status, body_out, chunked) = route(&method, &path, authorized, &body, me, cfg, log);
    respond(&mut s, status, &body_out, chunked)
}

fn error_json(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message}})
}

fn route(
    method: &str,
    path: &str,
    authorized: bool,
    body: &[u8],
    me: SocketAddr,
    cfg: &RelayConfig,
    log: &Mutex<RelayLog>,
) -> (u16, Value, bool) {
    if !authorized {
        return (
            401,
            error_json("InvalidAuthenticationToken", "The access token is invalid."),
            false,
        );
    }
    let sub = format!("/subscriptions/{}", cfg.subscription);
    let vm_path = format!(
        "{sub}/resourceGroups/{}/providers/Microsoft.Compute/virtualMachines/{}",
        cfg.resource_group, cfg.vm
    );
    if method == "GET"
        && path == format!("{sub}/providers/Microsoft.SerialConsole/consoleServices/default")
    {
        return (200, json!({"properties": {"disabled": cfg.console_disabled}}), false);
    }
    if method == "GET" && path.contains("/providers/Microsoft.Compute/virtualMachines/") {
        if path != vm_path {
            let name = path.rsplit('/').next().unwrap_or_default();
            return (
                404,
                error_json(
                    "ResourceNotFound",
                    &format!("The Resource 'Microsoft.Compute/virtualMachines/{name}' under resource group '{}' was not found.", cfg.resource_group),
                ),
                false,
            );
        }
        let power = if cfg.deallocated { "PowerState/deallocated" } else { "PowerState/running" };
        return (
            200,
            json!({
                "name": cfg.vm,
                "properties": {
                    "diagnosticsProfile": {"bootDiagnostics": {"enabled": cfg.boot_diagnostics}},
                    "storageProfile": {"imageReference": {"offer": "WindowsServer"}},
                    "instanceView": {"osName": "Windows Server 2022 Datacenter",
                        "statuses": [{"code": "ProvisioningState/succeeded"}, {"code": power}]}
                }
            }),
            false,
        );
    }
    if method == "POST"
        && path == format!("{vm_path}/providers/Microsoft.SerialConsole/serialPorts/0/connect")
    {
        if cfg.forbid_connect {
            return (
                403,
                error_json("AuthorizationFailed", "The client does not have authorization to perform action 'Microsoft.SerialConsole/serialPorts/connect/action'."),
                false,
            );
        }
        let conn = format!("ws://{me}/n/connector/c0ffee/sessions/5e551011/client");
        return (200, json!({"connectionString": conn}), true);
    }
    if method == "POST" && path.contains("/adminCommand/") {
        let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        if let Ok(mut l) = log.lock() {
            l.admin.push((path.to_string(), v));
        }
        return (200, json!({}), false);
    }
    (404, error_json("NotFound", "no such API in the stand-in"), false)
}

fn respond(s: &mut TcpStream, status: u16, body: &Value, chunked: bool) -> std::io::Result<()> {
    let text = body.to_string();
    let reason = match status {
        200 => "OK",
        401 => "Unauthorized",
        403 => "Forbidden",
        _ => "Not Found",
    };
    let mut out = format!("HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n");
    if chunked {
        let (a, b) = text.split_at(text.len() / 2);
        out.push_str("Transfer-Encoding: chunked\r\n\r\n");
        out.push_str(&format!("{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n", a.len(), b.len()));
    } else {
        out.push_str(&format!("Content-Length: {}\r\n\r\n{text}", text.len()));
    }
    s.write_all(out.as_bytes())?;
    s.flush()
}

/// One console session: token checks, handshake, then bytes both ways until closed or replaced.
fn websocket(
    s: TcpStream,
    cfg: &RelayConfig,
    log: &Mutex<RelayLog>,
    stop: &AtomicBool,
    current: &AtomicU64,
) -> std::io::Result<()> {
    let token = cfg.ws_token.clone().unwrap_or_else(|| cfg.token.clone());
    let mut new_flow = false;
    let check = |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
        let path = req.uri().to_string();
        if query_param(&path, "authorization").as_deref() != Some(token.as_str()) {
            let mut e = ErrorResponse::new(Some("invalid token".into()));
            *e.status_mut() = tungstenite::http::StatusCode::UNAUTHORIZED;
            return Err(e);
        }
        Ok(resp)
    };
    let path_seen = Arc::new(Mutex::new(String::new()));
    let ps = path_seen.clone();
    let mut ws = match tungstenite::accept_hdr(s, |req: &Request, resp: Response| {
        if let Ok(mut p) = ps.lock() {
            *p = req.uri().to_string();
        }
        check(req, resp)
    }) {
        Ok(ws) => ws,
        Err(_) => return Ok(()),
    };
    if let Ok(p) = path_seen.lock() {
        new_flow = query_param(&p, "new").as_deref() == Some("1");
    }
    ws.get_ref().set_read_timeout(Some(Duration::from_secs(5)))?;
    // The client's first message is the token.
    let first = ws.read().ok().and_then(|m| m.into_text().ok()).map(|t| t.to_string());
    if first.as_deref() != Some(cfg.token.as_str()) {
        let _ =
            ws.close(Some(CloseFrame { code: CloseCode::Policy, reason: "Unauthorized".into() }));
        let _ = ws.flush();
        return Ok(());
    }
    let _ = ws.send(Message::text(GREETING));
    if new_flow {
        let again = ws.read().ok().and_then(|m| m.into_text().ok()).map(|t| t.to_string());
        if again.as_deref() != Some(cfg.token.as_str()) {
            let _ = ws
                .close(Some(CloseFrame { code: CloseCode::Policy, reason: "Unauthorized".into() }));
            let _ = ws.flush();
            return Ok(());
        }
    }
    let me = current.fetch_add(1, Ordering::SeqCst) + 1;
    if let Ok(mut l) = log.lock() {
        l.sessions += 1;
        l.token_messages += if new_flow { 2 } else { 1 };
    }
    let mut vm = TcpStream::connect(cfg.sim)?;
    vm.set_read_timeout(Some(Duration::from_millis(5)))?;
    ws.get_ref().set_read_timeout(Some(Duration::from_millis(5)))?;
    let mut buf = [0u8; 4096];
    let takeover = |ws: &mut tungstenite::WebSocket<TcpStream>| {
        let _ = ws.close(Some(CloseFrame {
            code: CloseCode::Library(4001),
            reason: TAKEOVER_REASON.into(),
        }));
        let _ = ws.flush();
        // Let the close frame reach the client before the socket goes.
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            match ws.read() {
                Err(tungstenite::Error::Io(e)) if super::is_no_data_kind(&e) => {}
                Err(_) => break,
                Ok(_) => {}
            }
        }
    };
    while !stop.load(Ordering::SeqCst) {
        if current.load(Ordering::SeqCst) != me {
            takeover(&mut ws);
            return Ok(());
        }
        match ws.read() {
            Ok(Message::Text(t)) => {
                vm.write_all(t.as_bytes())?;
                if let Ok(mut l) = log.lock() {
                    l.to_vm.extend_from_slice(t.as_bytes());
                }
            }
            Ok(Message::Binary(b)) => {
                vm.write_all(&b)?;
                if let Ok(mut l) = log.lock() {
                    l.to_vm.extend_from_slice(&b);
                }
            }
            Ok(Message::Close(_)) => return Ok(()),
            Ok(_) => {}
            Err(tungstenite::Error::Io(e)) if super::is_no_data_kind(&e) => {}
            Err(_) => return Ok(()),
        }
        match vm.read(&mut buf) {
            Ok(0) => {
                // The simulator replaced our connection: a newer session took the console.
                std::thread::sleep(Duration::from_millis(20));
                if current.load(Ordering::SeqCst) != me {
                    takeover(&mut ws);
                } else {
                    let _ = ws.close(None);
                    let _ = ws.flush();
                }
                return Ok(());
            }
            Ok(n) => {
                if ws.send(Message::binary(buf[..n].to_vec())).is_err() {
                    return Ok(());
                }
            }
            Err(e) if super::is_no_data_kind(&e) => {}
            Err(_) => return Ok(()),
        }
    }
    Ok(())
}
