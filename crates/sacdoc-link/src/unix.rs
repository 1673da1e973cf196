//! Unix domain sockets: QEMU `-serial unix:PATH,server=on`, libvirt `<serial type='unix'>`, the
//! simulator's socket server. A plain byte stream, like raw TCP.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::Link;

/// Why a Unix socket could not be used.
#[derive(Debug, thiserror::Error)]
pub enum UnixError {
    /// The connection failed; the error stands before the hint for its kind, so it is not a
    /// separate source.
    #[error("cannot connect to {}: {error}{}", path.display(), connect_hint(error))]
    Connect { path: PathBuf, error: io::Error },
    #[error("cannot set up {}", path.display())]
    Setup {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "{}: Unix sockets are not available on this system; use tcp://HOST:PORT or pipe:NAME",
        path.display()
    )]
    Unsupported { path: PathBuf },
}

/// What usually causes a failed connection of this kind.
fn connect_hint(e: &io::Error) -> &'static str {
    match e.kind() {
        io::ErrorKind::NotFound => " (no socket there: is the VM or console server up?)",
        io::ErrorKind::ConnectionRefused => " (nothing listens on it any more)",
        io::ErrorKind::PermissionDenied => " (no permission to use the socket)",
        _ => "",
    }
}

/// A connection to a Unix socket.
pub struct UnixLink {
    #[cfg(unix)]
    stream: std::os::unix::net::UnixStream,
    name: String,
}

impl UnixLink {
    /// Connects to the socket at `path`; `name` is what [`Link::describe`] reports.
    #[cfg(unix)]
    pub fn open(path: &Path, name: String) -> Result<Self, UnixError> {
        let stream = std::os::unix::net::UnixStream::connect(path)
            .map_err(|error| UnixError::Connect { path: path.to_path_buf(), error })?;
        stream
            .set_read_timeout(Some(super::READ_TIMEOUT))
            .and_then(|()| stream.set_write_timeout(Some(super::WRITE_TIMEOUT)))
            .map_err(|source| UnixError::Setup { path: path.to_path_buf(), source })?;
        Ok(UnixLink { stream, name })
    }

    /// Unix sockets do not exist on this platform.
    #[cfg(not(unix))]
    pub fn open(path: &Path, name: String) -> Result<Self, UnixError> {
        let _ = name;
        Err(UnixError::Unsupported { path: path.to_path_buf() })
    }
}

#[cfg(unix)]
impl Read for UnixLink {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.read(buf)
    }
}

#[cfg(unix)]
impl Write for UnixLink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

#[cfg(not(unix))]
impl Read for UnixLink {
    fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
        Ok(0)
    }
}

#[cfg(not(unix))]
impl Write for UnixLink {
    fn write(&mut self, _buf: &[u8]) -> io::Result<usize> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "Unix sockets are not available"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Link for UnixLink {
    fn describe(&self) -> String {
        self.name.clone()
    }
}
