//! A loopback console server in the manner of ser2net with `accepter: telnet(rfc2217),tcp,PORT`:
//! telnet negotiation, COM-PORT-OPTION (RFC 2217) answers with the value actually set, a modem
//! state notification, IAC escaping, and the simulated VM behind it as the serial device. It can
//! also refuse RFC 2217 (plain telnet), keep its speed locked, or be busy (ser2net's
//! `Port already in use\r\n`, then close).

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

const IAC: u8 = 255;
const DONT: u8 = 254;
const DO: u8 = 253;
const WILL: u8 = 251;
const SB: u8 = 250;
const SE: u8 = 240;
const BINARY: u8 = 0;
const ECHO: u8 = 1;
const SGA: u8 = 3;
const COM_PORT: u8 = 44;

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where the serial device is (the simulator); `None` for a busy or refusing server.
    pub sim: Option<SocketAddr>,
    /// Answer `DONT COM-PORT-OPTION` (a telnet port without RFC 2217).
    pub refuse_com_port: bool,
    /// The port's speed is fixed: SET-BAUDRATE answers with this one.
    pub locked_baud: Option<u32>,
    /// Every connection gets this line and is closed (ser2net when the port is taken).
    pub busy_line: Option<&'static str>,
    /// Speak telnet (negotiation first) rather than raw TCP.
    pub telnet: bool,
}

impl ServerConfig {
    pub fn rfc2217(sim: SocketAddr) -> ServerConfig {
        ServerConfig {
            sim: Some(sim),
            refuse_com_port: false,
            locked_baud: None,
            busy_line: None,
            telnet: true,
        }
    }
}

/// What the server saw: each COM-PORT-OPTION request as (command, value).
#[derive(Debug, Default, Clone)]
pub struct ServerLog {
    pub requests: Vec<(u8, Vec<u8>)>,
    pub connections: u32,
}

/// A running server; stops on drop.
pub struct ConsoleServer {
    pub addr: SocketAddr,
    pub log: Arc<Mutex<ServerLog>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ConsoleServer {
    pub fn start(cfg: ServerConfig) -> ConsoleServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let log = Arc::new(Mutex::new(ServerLog::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (lg, st) = (log.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !st.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((s, _)) => {
                        if let Ok(mut l) = lg.lock() {
                            l.connections += 1;
                        }
                        let (cfg, lg, st) = (cfg.clone(), lg.clone(), st.clone());
                        std::thread::spawn(move || {
                            let _ = serve(s, &cfg, &lg, &st);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        ConsoleServer { addr, log, stop, thread: Some(thread) }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn log(&self) -> ServerLog {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for ConsoleServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Server-side telnet parser state.
#[derive(Clone, Copy, PartialEq)]
enum St {
    Data,
    Iac,
    Verb(u8),
    Sub,
    SubIac,
}

fn escape(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    for &b in data {
        out.push(b);
        if b == IAC {
            out.push(IAC);
        }
    }
    out
}

fn sub(code: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![IAC, SB, COM_PORT, code];
    out.extend(escape(value));
    out.extend_from_slice(&[IAC, SE]);
    out
}

fn serve(
    mut s: TcpStream,
    cfg: &ServerConfig,
    log: &Mutex<ServerLog>,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    s.set_nodelay(true)?;
    if cfg.telnet {
        // ser2net's telnet greeting: it echoes, suppresses go-ahead and speaks binary.
        s.write_all(&[IAC, WILL, ECHO, IAC, WILL, SGA, IAC, WILL, BINARY, IAC, DO, BINARY])?;
    }
    if let Some(line) = cfg.busy_line {
        s.write_all(line.as_bytes())?;
        s.flush()?;
        std::thread::sleep(Duration::from_millis(20));
        return Ok(());
    }
    let mut vm = match cfg.sim {
        Some(a) => Some(TcpStream::connect(a)?),
        None => None,
    };
    if let Some(v) = vm.as_mut() {
        v.set_read_timeout(Some(Duration::from_millis(5)))?;
    }
    s.set_read_timeout(Some(Duration::from_millis(5)))?;
    let mut st = St::Data;
    let mut sb: Vec<u8> = Vec::new();
    let mut buf = [0u8; 4096];
    while !stop.load(Ordering::SeqCst) {
        match super::read_some(&mut s, &mut buf)? {
            Some(0) => return Ok(()),
            Some(n) => {
                let mut to_vm = Vec::new();
                let mut reply = Vec::new();
                for &b in &buf[..n] {
                    st = match st {
                        St::Data if b == IAC => St::Iac,
                        St::Data => {
                            to_vm.push(b);
                            St::Data
                        }
                        St::Iac => match b {
                            IAC => {
                                to_vm.push(IAC);
                                St::Data
                            }
                            SB => {
                                sb.clear();
                                St::Sub
                            }
                            WILL | DO | DONT | 252 => St::Verb(b),
                            _ => St::Data,
                        },
                        St::Verb(v) => {
                            if v == WILL && b == COM_PORT {
                                let answer = if cfg.refuse_com_port { DONT } else { DO };
                                reply.extend_from_slice(&[IAC, answer, COM_PORT]);
                            }
                            St::Data
                        }
                        St::Sub if b == IAC => St::SubIac,
                        St::Sub => {
                            sb.push(b);
                            St::Sub
                        }
                        St::SubIac if b == SE => {
                            if sb.first() == Some(&COM_PORT)
                                && sb.len() >= 2
                                && !cfg.refuse_com_port
                            {
                                let (code, value) = (sb[1], sb[2..].to_vec());
                                if let Ok(mut l) = log.lock() {
                                    l.requests.push((code, value.clone()));
                                }
                                let set = match (code, cfg.locked_baud) {
                                    (1, Some(b)) => b.to_be_bytes().to_vec(),
                                    _ => value,
                                };
                                reply.extend(sub(code + 100, &set));
                                if code == 5 {
                                    // NOTIFY-MODEMSTATE: carrier detect and DSR up.
                                    reply.extend(sub(107, &[0xA0]));
                                }
                            }
                            St::Data
                        }
                        St::SubIac => {
                            if b == IAC {
                                sb.push(IAC);
                            }
                            St::Sub
                        }
                    };
                }
                if !reply.is_empty() {
                    s.write_all(&reply)?;
                }
                if let Some(v) = vm.as_mut() {
                    if !to_vm.is_empty() {
                        v.write_all(&to_vm)?;
                    }
                }
            }
            None => {}
        }
        if let Some(v) = vm.as_mut() {
            match super::read_some(v, &mut buf)? {
                Some(0) => return Ok(()),
                Some(n) => s.write_all(&escape(&buf[..n]))?,
                None => {}
            }
        }
    }
    Ok(())
}
