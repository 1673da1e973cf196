//! Windows named pipes: Hyper-V connects a VM's COM port to `\\.\pipe\NAME` (`Set-VMComPort`).
//! Hyper-V owns the pipe; we connect as its one client. Elsewhere `pipe:NAME` is a clear error.

use std::io::{self, Read, Write};

use super::Link;

/// The full Windows path of pipe `name`.
pub fn pipe_path(name: &str) -> String {
    format!(r"\\.\pipe\{name}")
}

/// Why a named pipe could not be opened, by cause; each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum PipeError {
    // ERROR_PIPE_BUSY (231): another client holds it.
    #[error(
        "cannot open {path}: the pipe is busy: another program (Hyper-V Manager's console, \
         PuTTY, COMpipe, another sacdoc) is connected to it; close it and try again"
    )]
    Busy { path: String },
    // ERROR_ACCESS_DENIED (5): another client holds it or we lack rights.
    #[error(
        "cannot open {path}: access denied; run sacdoc as an administrator on the Hyper-V \
         host (or another program holds the pipe)"
    )]
    AccessDenied { path: String },
    // ERROR_FILE_NOT_FOUND (2): no such pipe.
    #[error(
        "cannot open {path}: no such pipe. Map the VM's COM1 to it on the Hyper-V host with \
         `Set-VMComPort -VMName <vm> -Number 1 -Path {path}` (PowerShell, as administrator), \
         then start the VM (or restart it: a COM port with no pipe at boot stays invisible to \
         Windows); `Get-VMComPort -VMName <vm>` shows the current mapping"
    )]
    NotFound { path: String },
    /// Another failure; the error stands before the advice, so it is not a separate source.
    #[error(
        "cannot open {path}: {error} (is the VM running with its COM port on this pipe? See \
         Get-VMComPort; only one program may use the pipe at a time)"
    )]
    Other { path: String, error: io::Error },
    #[error(
        "{path} is a Windows named pipe and this system is not Windows; run sacdoc on the \
         Hyper-V host, or relay the pipe to TCP there and use tcp://HOST:PORT"
    )]
    NotWindows { path: String },
}

/// A client connection to a named pipe.
pub struct PipeLink {
    #[cfg(windows)]
    file: std::fs::File,
    name: String,
}

impl PipeLink {
    /// Opens `\\.\pipe\NAME`; `label` is what [`Link::describe`] reports.
    #[cfg(windows)]
    pub fn open(name: &str, label: String) -> Result<Self, PipeError> {
        let path = pipe_path(name);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| open_error(name, e))?;
        Ok(PipeLink { file, name: label })
    }

    /// Named pipes exist only on Windows.
    #[cfg(not(windows))]
    pub fn open(name: &str, label: String) -> Result<Self, PipeError> {
        let _ = label;
        Err(PipeError::NotWindows { path: pipe_path(name) })
    }
}

/// The advice for a pipe that cannot be opened, by cause.
pub fn open_error(name: &str, e: io::Error) -> PipeError {
    let path = pipe_path(name);
    // ERROR_FILE_NOT_FOUND (2): no such pipe; ERROR_PIPE_BUSY (231) / ERROR_ACCESS_DENIED (5):
    // another client holds it or we lack rights.
    match e.raw_os_error() {
        Some(231) => PipeError::Busy { path },
        Some(5) => PipeError::AccessDenied { path },
        _ if e.kind() == io::ErrorKind::NotFound => PipeError::NotFound { path },
        _ => PipeError::Other { path, error: e },
    }
}

#[cfg(windows)]
mod win {
    use std::ffi::c_void;

    pub const ERROR_BROKEN_PIPE: i32 = 109;

    #[link(name = "kernel32")]
    extern "system" {
        pub fn PeekNamedPipe(
            pipe: *mut c_void,
            buffer: *mut c_void,
            buffer_size: u32,
            bytes_read: *mut u32,
            total_available: *mut u32,
            bytes_left_this_message: *mut u32,
        ) -> i32;
    }
}

#[cfg(windows)]
impl Read for PipeLink {
    /// A synchronous pipe handle blocks in `ReadFile` and would also hold up writes, so the read
    /// first asks how many bytes wait (`PeekNamedPipe`) and reads only those, polling briefly up
    /// to the link read timeout.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use std::os::windows::io::AsRawHandle;
        let deadline = std::time::Instant::now() + super::READ_TIMEOUT;
        loop {
            let mut avail: u32 = 0;
            // SAFETY: the handle is open for the life of `self.file`; the out-pointers are valid
            // locals and no buffer is passed (size 0).
            let ok = unsafe {
                win::PeekNamedPipe(
                    self.file.as_raw_handle(),
                    std::ptr::null_mut(),
                    0,
                    std::ptr::null_mut(),
                    &mut avail,
                    std::ptr::null_mut(),
                )
            };
            if ok == 0 {
                let e = io::Error::last_os_error();
                if e.raw_os_error() == Some(win::ERROR_BROKEN_PIPE) {
                    return Ok(0);
                }
                return Err(e);
            }
            if avail > 0 {
                let n = buf.len().min(avail as usize);
                return self.file.read(&mut buf[..n]);
            }
            if std::time::Instant::now() >= deadline {
                return Err(super::no_data());
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}

#[cfg(windows)]
impl Write for PipeLink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(not(windows))]
impl Read for PipeLink {
    fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
        Ok(0)
    }
}

#[cfg(not(windows))]
impl Write for PipeLink {
    fn write(&mut self, _buf: &[u8]) -> io::Result<usize> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "named pipes exist only on Windows"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Link for PipeLink {
    fn describe(&self) -> String {
        self.name.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_pipe_says_how_to_map_it() {
        let e = io::Error::new(io::ErrorKind::NotFound, "not found");
        let msg = open_error("vm1", e).to_string();
        assert!(msg.contains(r"Set-VMComPort -VMName <vm> -Number 1 -Path \\.\pipe\vm1"), "{msg}");
        assert!(msg.contains("then start the VM"), "{msg}");
        let busy = open_error("vm1", io::Error::from_raw_os_error(231)).to_string();
        assert!(busy.contains("busy"), "{busy}");
    }
}
