//! Unix domain sockets: QEMU `-serial unix:PATH,server=on`, libvirt `<serial type='unix'>`, the
//! simulator's socket server. A plain byte stream, like raw TCP.

use std::io::{self, Read, Write};
use std::path::Path;

use super::Link;

/// A connection to a Unix socket.
pub struct UnixLink {
    #[cfg(unix)]
    stream: std::os::unix::net::UnixStream,
    name: String,
}

impl UnixLink {
    /// Connects to the socket at `path`; `name` is what [`Link::describe`] reports.
    #[cfg(unix)]
    pub fn open(path: &Path, name: String) -> Result<Self, String> {
        let stream = std::os::unix::net::UnixStream::connect(path).map_err(|e| {
            let hint = match e.kind() {
                io::ErrorKind::NotFound => " (no socket there: is the VM or console server up?)",
                io::ErrorKind::ConnectionRefused => " (nothing listens on it any more)",
                io::ErrorKind::PermissionDenied => " (no permission to use the socket)",
                _ => "",
            };
            format!("cannot connect to {}: {e}{hint}", path.display())
        })?;
        stream
            .set_read_timeout(Some(super::READ_TIMEOUT))
            .and_then(|()| stream.set_write_timeout(Some(super::WRITE_TIMEOUT)))
            .map_err(|e| format!("cannot set up {}: {e}", path.display()))?;
        Ok(UnixLink { stream, name })
    }

    /// Unix sockets do not exist on this platform.
    #[cfg(not(unix))]
    pub fn open(path: &Path, name: String) -> Result<Self, String> {
        let _ = name;
        Err(format!(
            "{}: Unix sockets are not available on this system; use tcp://HOST:PORT or pipe:NAME",
            path.display()
        ))
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
