//! Raw TCP: QEMU `-serial tcp:...`, ser2net in `tcp` mode, the simulator's TCP server. The bytes on
//! the socket are the bytes on the serial line.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::busy::BusyWatch;
use super::{Link, READ_TIMEOUT, WRITE_TIMEOUT};

/// How long one connection attempt may take before the next address is tried.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a TCP connection could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TcpError {
    #[error("cannot resolve {host:?}")]
    Resolve {
        host: String,
        #[source]
        source: io::Error,
    },
    #[error("{host:?} resolves to no address")]
    NoAddress { host: String },
    #[error("connected to {addr} but could not set it up")]
    Setup {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
    /// Every address refused or timed out; `error` is the last address's failure (it stands in
    /// the middle of the message, before the advice, so it is not a separate source).
    #[error(
        "connection to {addr} failed: {error} (is the console server listening on port {port}? \
         Some refuse connections while another user holds the port)"
    )]
    Connect { addr: SocketAddr, port: u16, error: io::Error },
}

/// The whole message, sources included, for callers that still report errors as text (the Azure
/// client).
impl From<TcpError> for String {
    fn from(e: TcpError) -> String {
        crate::chain(&e)
    }
}

/// Connects to `host:port` with the link read/write timeouts set. Tries every address the name
/// resolves to and reports the last failure.
pub fn connect(host: &str, port: u16) -> Result<TcpStream, TcpError> {
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|source| TcpError::Resolve { host: host.to_string(), source })?
        .collect();
    let mut last = None;
    for addr in &addrs {
        match TcpStream::connect_timeout(addr, CONNECT_TIMEOUT) {
            Ok(stream) => {
                let setup = stream
                    .set_read_timeout(Some(READ_TIMEOUT))
                    .and_then(|()| stream.set_write_timeout(Some(WRITE_TIMEOUT)))
                    .and_then(|()| stream.set_nodelay(true));
                return match setup {
                    Ok(()) => Ok(stream),
                    Err(source) => Err(TcpError::Setup { addr: *addr, source }),
                };
            }
            Err(error) => last = Some((*addr, error)),
        }
    }
    match last {
        Some((addr, error)) => Err(TcpError::Connect { addr, port, error }),
        None => Err(TcpError::NoAddress { host: host.to_string() }),
    }
}

/// A raw TCP connection to a console server.
pub struct TcpLink {
    stream: TcpStream,
    name: String,
    /// Turns ser2net's "Port already in use" + close into a clear error.
    watch: BusyWatch,
}

impl TcpLink {
    /// Connects to `host:port`; `name` is what [`Link::describe`] reports.
    pub fn open(host: &str, port: u16, name: String) -> Result<Self, TcpError> {
        Ok(TcpLink { stream: connect(host, port)?, name, watch: BusyWatch::new() })
    }

    /// Wraps an already connected stream (a test or an accepted connection), setting the link
    /// timeouts.
    pub fn from_stream(stream: TcpStream, name: String) -> io::Result<Self> {
        stream.set_read_timeout(Some(READ_TIMEOUT))?;
        stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
        stream.set_nodelay(true)?;
        Ok(TcpLink { stream, name, watch: BusyWatch::new() })
    }
}

impl Read for TcpLink {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.stream.read(buf).map_err(|e| self.watch.on_error(&self.name, e))?;
        if n == 0 && !buf.is_empty() {
            return self.watch.on_close(&self.name);
        }
        self.watch.saw(&buf[..n]);
        Ok(n)
    }
}

impl Write for TcpLink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

impl Link for TcpLink {
    fn describe(&self) -> String {
        self.name.clone()
    }
}
