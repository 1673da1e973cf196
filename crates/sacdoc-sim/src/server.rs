//! Serves one simulated VM over a real pty, a loopback TCP port (raw, or telnet as ser2net's
//! `telnet` accepter speaks it), a Unix socket or (on Windows) a named pipe, as a hypervisor's
//! virtual serial port (or ser2net) would. On a named pipe one client at a time holds the VM, as
//! on Hyper-V; elsewhere a new connection replaces the current one.
//!
//! One VM lives as long as the server; clients come and go. A client that reconnects after a drop
//! finds the VM as the last one left it. On TCP and Unix sockets the VM starts when the first
//! client connects (so a `start=booting` client sees the banner); on a pty it starts at once and
//! its first output waits in the pty for the first reader. On TCP and Unix sockets a new connection replaces the
//! current one (as a second Azure Serial Console user takes over the session); output produced
//! while nobody is connected is lost, as on a serial line. For the pty the server keeps its own
//! slave descriptor open, so a client closing the device does not hang up the master; output
//! waits in the pty's buffer for the next reader.
//!
//! ```no_run
//! use sacdoc_sim::server::{ServeSpec, Server};
//! let server = Server::start(&ServeSpec::new("tcp://127.0.0.1:0", "healthy", "profile=ws2019"))?;
//! println!("listening on {}", server.describe());
//! server.stop();
//! # Ok::<(), sacdoc_sim::SimError>(())
//! ```

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

use crate::machine::Machine;
use crate::sac::{Console, SimOptions};
use crate::telnetd::TelnetServer;
use crate::SimError;

/// Where to listen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listen {
    /// A new pty; clients open its slave device.
    Pty,
    /// A TCP port on a loopback address (port 0 picks a free one).
    Tcp(SocketAddr),
    /// A TCP port that speaks telnet around the serial bytes, as ser2net in `telnet` mode
    /// (see [`crate::telnetd`]).
    Telnet(SocketAddr),
    /// A Unix socket at a path.
    Unix(PathBuf),
    /// A Windows named pipe `\\.\pipe\NAME`, served as Hyper-V serves a VM's COM port.
    Pipe(String),
}

impl std::str::FromStr for Listen {
    type Err = SimError;
    fn from_str(s: &str) -> Result<Listen, SimError> {
        let bad = |hint: &str| SimError::BadListen { spec: s.to_string(), hint: hint.to_string() };
        if s == "pty" {
            return Ok(Listen::Pty);
        }
        for (scheme, telnet) in [("tcp://", false), ("telnet://", true)] {
            let Some(rest) = s.strip_prefix(scheme) else { continue };
            let addr: SocketAddr = rest.parse().map_err(|_| {
                bad(&format!("expected {scheme}127.0.0.1:PORT (PORT 0 picks a free port)"))
            })?;
            if !addr.ip().is_loopback() {
                return Err(bad(
                    "the simulator only listens on a loopback address, e.g. 127.0.0.1",
                ));
            }
            return Ok(if telnet { Listen::Telnet(addr) } else { Listen::Tcp(addr) });
        }
        if let Some(path) = s.strip_prefix("unix:") {
            if path.is_empty() {
                return Err(bad("expected unix:PATH"));
            }
            return Ok(Listen::Unix(PathBuf::from(path)));
        }
        if let Some(name) = s.strip_prefix("pipe:") {
            if name.is_empty() || name.contains(['\\', '/']) {
                return Err(bad("expected pipe:NAME (served as \\\\.\\pipe\\NAME)"));
            }
            return Ok(Listen::Pipe(name.to_string()));
        }
        Err(bad("use pty, tcp://127.0.0.1:PORT, telnet://127.0.0.1:PORT, unix:PATH or pipe:NAME \
             (Windows)"))
    }
}

/// What to serve: a listen address, a scenario name and a `key=value&...` query.
#[derive(Debug, Clone)]
pub struct ServeSpec {
    pub listen: String,
    pub scenario: String,
    pub query: String,
}

impl ServeSpec {
    pub fn new(listen: &str, scenario: &str, query: &str) -> ServeSpec {
        ServeSpec { listen: listen.into(), scenario: scenario.into(), query: query.into() }
    }
}

/// Things that happen on a server, for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// A client connected (peer description).
    Connected(String),
    /// The client went away or the link was cut.
    Disconnected,
    /// The VM shut down; the server refuses further clients.
    VmOff,
}

/// A running server; stopping it (or dropping it) ends the VM.
#[derive(Debug)]
pub struct ServerHandle {
    describe: String,
    addr: Option<SocketAddr>,
    pty_path: Option<PathBuf>,
    unix_path: Option<PathBuf>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    events: Receiver<ServerEvent>,
}

impl ServerHandle {
    /// Where clients connect: `tcp://127.0.0.1:PORT`, `telnet://127.0.0.1:PORT`, `unix:PATH` or
    /// the pty's slave path.
    pub fn describe(&self) -> &str {
        &self.describe
    }

    /// The TCP address (with the real port when 0 was asked).
    pub fn addr(&self) -> Option<SocketAddr> {
        self.addr
    }

    /// The pty's slave device path, e.g. `/dev/pts/7`.
    pub fn pty_path(&self) -> Option<&Path> {
        self.pty_path.as_deref()
    }

    /// The Unix socket's path.
    pub fn unix_path(&self) -> Option<&Path> {
        self.unix_path.as_deref()
    }

    /// Connection events.
    pub fn events(&self) -> &Receiver<ServerEvent> {
        &self.events
    }

    /// True while the serving thread runs.
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Stops serving and waits for the thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if let Some(p) = &self.unix_path {
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Starts servers.
pub struct Server;

impl Server {
    /// Loads the scenario, applies the query and starts serving in a background thread.
    pub fn start(spec: &ServeSpec) -> Result<ServerHandle, SimError> {
        let (sc, opts) = crate::prepare(&spec.scenario, &spec.query)?;
        let listen: Listen = spec.listen.parse()?;
        Server::start_with(&listen, Machine::new(&sc), &opts)
    }

    /// Starts serving an already built machine.
    pub fn start_with(
        listen: &Listen,
        machine: Machine,
        opts: &SimOptions,
    ) -> Result<ServerHandle, SimError> {
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = crossbeam_channel::unbounded();
        let io_err = |what: String| move |source| SimError::Io { what, source };
        let mut handle = ServerHandle {
            describe: String::new(),
            addr: None,
            pty_path: None,
            unix_path: None,
            stop: stop.clone(),
            thread: None,
            events: rx,
        };
        let opts = opts.clone();
        let thread = match listen {
            Listen::Tcp(addr) | Listen::Telnet(addr) => {
                let telnet = matches!(listen, Listen::Telnet(_));
                let l =
                    TcpListener::bind(addr).map_err(io_err(format!("cannot listen on {addr}")))?;
                l.set_nonblocking(true).map_err(io_err("set_nonblocking".into()))?;
                let local = l.local_addr().map_err(io_err("local_addr".into()))?;
                handle.addr = Some(local);
                let scheme = if telnet { "telnet" } else { "tcp" };
                handle.describe = format!("{scheme}://{local}");
                let acceptor = Acceptor::Tcp(l, telnet);
                spawn(move || serve_sockets(acceptor, machine, &opts, &stop, &tx))
            }
            Listen::Unix(path) => spawn_unix(path, machine, opts, stop, tx, &mut handle)?,
            Listen::Pty => spawn_pty(machine, opts, stop, tx, &mut handle)?,
            Listen::Pipe(name) => spawn_pipe(name, machine, opts, stop, tx, &mut handle)?,
        };
        handle.thread = Some(thread.map_err(io_err("cannot start the server thread".into()))?);
        Ok(handle)
    }
}

fn spawn<F: FnOnce() + Send + 'static>(f: F) -> io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name("sacdoc-sim-server".into()).spawn(f)
}

#[cfg(unix)]
fn spawn_unix(
    path: &Path,
    machine: Machine,
    opts: SimOptions,
    stop: Arc<AtomicBool>,
    tx: Sender<ServerEvent>,
    handle: &mut ServerHandle,
) -> Result<io::Result<JoinHandle<()>>, SimError> {
    let l = std::os::unix::net::UnixListener::bind(path).map_err(|source| SimError::Io {
        what: format!(
            "cannot listen on unix:{} (remove a stale socket file first)",
            path.display()
        ),
        source,
    })?;
    l.set_nonblocking(true)
        .map_err(|source| SimError::Io { what: "set_nonblocking".into(), source })?;
    handle.unix_path = Some(path.to_path_buf());
    handle.describe = format!("unix:{}", path.display());
    Ok(spawn(move || serve_sockets(Acceptor::Unix(l), machine, &opts, &stop, &tx)))
}

#[cfg(not(unix))]
fn spawn_unix(
    path: &Path,
    _machine: Machine,
    _opts: SimOptions,
    _stop: Arc<AtomicBool>,
    _tx: Sender<ServerEvent>,
    _handle: &mut ServerHandle,
) -> Result<io::Result<JoinHandle<()>>, SimError> {
    Err(SimError::BadListen {
        spec: format!("unix:{}", path.display()),
        hint: "Unix sockets are not available on this system; use tcp://127.0.0.1:PORT".into(),
    })
}

#[cfg(windows)]
fn spawn_pipe(
    name: &str,
    machine: Machine,
    opts: SimOptions,
    stop: Arc<AtomicBool>,
    tx: Sender<ServerEvent>,
    handle: &mut ServerHandle,
) -> Result<io::Result<JoinHandle<()>>, SimError> {
    let path = crate::pipe_server::pipe_path(name);
    let acceptor = crate::pipe_server::PipeAcceptor::bind(name).map_err(|source| SimError::Io {
        what: format!("cannot serve {path} (is another program serving it?)"),
        source,
    })?;
    handle.describe = format!("pipe:{name}");
    Ok(spawn(move || serve_sockets(Acceptor::Pipe(acceptor), machine, &opts, &stop, &tx)))
}

#[cfg(not(windows))]
fn spawn_pipe(
    name: &str,
    _machine: Machine,
    _opts: SimOptions,
    _stop: Arc<AtomicBool>,
    _tx: Sender<ServerEvent>,
    _handle: &mut ServerHandle,
) -> Result<io::Result<JoinHandle<()>>, SimError> {
    Err(SimError::BadListen {
        spec: format!("pipe:{name}"),
        hint: "named pipes exist only on Windows; use tcp://127.0.0.1:PORT or pty".into(),
    })
}

/// A listening socket or pipe; a TCP one may speak telnet.
enum Acceptor {
    Tcp(TcpListener, bool),
    #[cfg(unix)]
    Unix(std::os::unix::net::UnixListener),
    #[cfg(windows)]
    Pipe(crate::pipe_server::PipeAcceptor),
}

/// A connected client of any kind.
enum Conn {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(std::os::unix::net::UnixStream),
    #[cfg(windows)]
    Pipe(crate::pipe_server::PipeConn),
}

impl Acceptor {
    /// Accepts a client; the telnet state comes with it when the listener speaks telnet.
    fn accept(&self) -> io::Result<(Conn, Option<TelnetServer>, String)> {
        match self {
            Acceptor::Tcp(l, telnet) => {
                let (s, peer) = l.accept()?;
                s.set_nonblocking(true)?;
                let _ = s.set_nodelay(true);
                Ok((Conn::Tcp(s), telnet.then(TelnetServer::new), peer.to_string()))
            }
            #[cfg(unix)]
            Acceptor::Unix(l) => {
                let (s, _) = l.accept()?;
                s.set_nonblocking(true)?;
                Ok((Conn::Unix(s), None, "unix client".into()))
            }
            #[cfg(windows)]
            Acceptor::Pipe(p) => Ok((Conn::Pipe(p.accept()?), None, "pipe client".into())),
        }
    }
}

impl Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.read(buf),
            #[cfg(unix)]
            Conn::Unix(s) => s.read(buf),
            #[cfg(windows)]
            Conn::Pipe(p) => p.read(buf),
        }
    }
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.write(buf),
            #[cfg(unix)]
            Conn::Unix(s) => s.write(buf),
            #[cfg(windows)]
            Conn::Pipe(p) => p.write(buf),
        }
    }
    fn close(&mut self) {
        match self {
            Conn::Tcp(s) => {
                let _ = s.shutdown(std::net::Shutdown::Both);
            }
            #[cfg(unix)]
            Conn::Unix(s) => {
                let _ = s.shutdown(std::net::Shutdown::Both);
            }
            #[cfg(windows)]
            Conn::Pipe(p) => p.close(),
        }
    }
}

/// Most output kept for a client that does not read; beyond it the oldest bytes are lost.
const MAX_BACKLOG: usize = 1 << 20;

fn serve_sockets(
    acceptor: Acceptor,
    machine: Machine,
    opts: &SimOptions,
    stop: &AtomicBool,
    tx: &Sender<ServerEvent>,
) {
    // The VM starts with the first client, so a `start=booting` client sees the banner.
    let mut console: Option<Console> = None;
    let mut machine = Some(machine);
    let mut conn: Option<Conn> = None;
    let mut telnet: Option<TelnetServer> = None;
    let mut backlog: Vec<u8> = Vec::new();
    let mut vm_off = false;
    let mut buf = [0u8; 4096];
    let (mut data, mut reply) = (Vec::new(), Vec::new());
    while !stop.load(Ordering::SeqCst) {
        let now = Instant::now();
        match acceptor.accept() {
            Ok((mut c, mut t, peer)) => {
                if vm_off {
                    c.close();
                } else {
                    if let Some(mut old) = conn.take() {
                        old.close();
                        let _ = tx.send(ServerEvent::Disconnected);
                    }
                    backlog.clear();
                    if let Some(t) = t.as_mut() {
                        backlog.extend_from_slice(&t.greeting());
                    }
                    telnet = t;
                    if let Some(m) = machine.take() {
                        console = Some(Console::new(m, opts, now));
                    }
                    if let Some(con) = console.as_mut() {
                        con.new_connection();
                    }
                    conn = Some(c);
                    let _ = tx.send(ServerEvent::Connected(peer));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(_) => {}
        }
        let Some(con) = console.as_mut() else {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        };
        let mut gone = false;
        if let Some(c) = conn.as_mut() {
            loop {
                match c.read(&mut buf) {
                    Ok(0) => {
                        gone = true;
                        break;
                    }
                    Ok(n) => match telnet.as_mut() {
                        Some(t) => {
                            data.clear();
                            t.decode(&buf[..n], &mut data, &mut reply);
                            con.input(&data, Instant::now());
                        }
                        None => con.input(&buf[..n], Instant::now()),
                    },
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => {
                        gone = true;
                        break;
                    }
                }
            }
        }
        let polled = con.poll(Instant::now());
        // Answers to the client's negotiation go out before the output that follows them.
        backlog.append(&mut reply);
        if conn.is_some() {
            match telnet.as_ref() {
                Some(t) => t.encode(&polled.bytes, &mut backlog),
                None => backlog.extend_from_slice(&polled.bytes),
            }
        }
        if let Some(c) = conn.as_mut() {
            gone |= flush(c, &mut backlog);
        }
        if polled.closed {
            gone = true;
            if con.driver().is_off() && !vm_off {
                vm_off = true;
                let _ = tx.send(ServerEvent::VmOff);
            }
        }
        if gone {
            if let Some(mut c) = conn.take() {
                c.close();
                let _ = tx.send(ServerEvent::Disconnected);
            }
            backlog.clear();
        }
        if backlog.len() > MAX_BACKLOG {
            let excess = backlog.len() - MAX_BACKLOG;
            backlog.drain(..excess);
        }
        let nap =
            con.next_wake(Instant::now()).clamp(Duration::from_millis(1), Duration::from_millis(5));
        std::thread::sleep(nap);
    }
    if let Some(mut c) = conn {
        c.close();
    }
}

/// Writes what the socket takes; true when the client is gone.
fn flush(c: &mut Conn, backlog: &mut Vec<u8>) -> bool {
    while !backlog.is_empty() {
        match c.write(backlog) {
            Ok(0) => return true,
            Ok(n) => {
                backlog.drain(..n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return false,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return true,
        }
    }
    false
}

#[cfg(unix)]
fn spawn_pty(
    machine: Machine,
    opts: SimOptions,
    stop: Arc<AtomicBool>,
    tx: Sender<ServerEvent>,
    handle: &mut ServerHandle,
) -> Result<io::Result<JoinHandle<()>>, SimError> {
    use serialport::SerialPort;
    let pty_err = |e: serialport::Error| SimError::Io {
        what: "cannot create a pty".into(),
        source: io::Error::other(e.to_string()),
    };
    let (mut master, slave) = serialport::TTYPort::pair().map_err(pty_err)?;
    let path = slave.name().ok_or_else(|| SimError::Io {
        what: "the new pty has no slave path".into(),
        source: io::Error::other("ptsname failed"),
    })?;
    master.set_timeout(Duration::from_millis(5)).map_err(pty_err)?;
    handle.pty_path = Some(PathBuf::from(&path));
    handle.describe = path;
    Ok(spawn(move || serve_pty(master, slave, machine, &opts, &stop, &tx)))
}

#[cfg(not(unix))]
fn spawn_pty(
    _machine: Machine,
    _opts: SimOptions,
    _stop: Arc<AtomicBool>,
    _tx: Sender<ServerEvent>,
    _handle: &mut ServerHandle,
) -> Result<io::Result<JoinHandle<()>>, SimError> {
    Err(SimError::BadListen {
        spec: "pty".into(),
        hint: "ptys are not available on this system; use tcp://127.0.0.1:PORT".into(),
    })
}

/// How long a `cut_after` fault silences a pty (there is no connection to close). GUESS.
#[cfg(unix)]
const PTY_CUT: Duration = Duration::from_secs(1);

#[cfg(unix)]
fn serve_pty(
    mut master: serialport::TTYPort,
    slave: serialport::TTYPort,
    machine: Machine,
    opts: &SimOptions,
    stop: &AtomicBool,
    tx: &Sender<ServerEvent>,
) {
    // Holding the slave open keeps the master alive across client closes.
    let _slave = slave;
    let mut console = Console::new(machine, opts, Instant::now());
    let mut backlog: Vec<u8> = Vec::new();
    let mut buf = [0u8; 4096];
    let mut silent_until: Option<Instant> = None;
    let mut vm_off = false;
    while !stop.load(Ordering::SeqCst) {
        // The read waits up to the port's 5 ms timeout: this is the loop's pace.
        match master.read(&mut buf) {
            Ok(n) if n > 0 => console.input(&buf[..n], Instant::now()),
            _ => {}
        }
        let now = Instant::now();
        let polled = console.poll(now);
        if silent_until.is_some_and(|t| now >= t) {
            silent_until = None;
        }
        if silent_until.is_none() {
            backlog.extend_from_slice(&polled.bytes);
        }
        if polled.closed {
            if console.driver().is_off() {
                if !vm_off {
                    vm_off = true;
                    let _ = tx.send(ServerEvent::VmOff);
                }
            } else {
                silent_until = Some(now + PTY_CUT);
                let _ = tx.send(ServerEvent::Disconnected);
                console.new_connection();
            }
        }
        while !backlog.is_empty() {
            match master.write(&backlog) {
                Ok(n) if n > 0 => {
                    backlog.drain(..n);
                }
                _ => break,
            }
        }
        if backlog.len() > MAX_BACKLOG {
            let excess = backlog.len() - MAX_BACKLOG;
            backlog.drain(..excess);
        }
    }
}
