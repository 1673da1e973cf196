//! The server end of a Windows named pipe, as Hyper-V serves a VM's COM port on `\\.\pipe\NAME`
//! (`Set-VMComPort`): byte mode, one instance, so while a client holds the pipe a second client's
//! open fails with `ERROR_PIPE_BUSY`, exactly what sacdoc's busy-pipe advice is for.
//!
//! `ConnectNamedPipe` blocks, so a small thread waits for each client and hands the connected
//! handle to the serving loop; it creates the next instance only after the loop has closed the
//! previous one (one client at a time).

use std::ffi::c_void;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::windows::io::{AsRawHandle, FromRawHandle, RawHandle};

use crossbeam_channel::{Receiver, Sender, TryRecvError};
use windows_sys::Win32::Foundation::{
    GetLastError, ERROR_BROKEN_PIPE, ERROR_PIPE_CONNECTED, INVALID_HANDLE_VALUE,
};
use windows_sys::Win32::Storage::FileSystem::PIPE_ACCESS_DUPLEX;
use windows_sys::Win32::System::Pipes::{
    ConnectNamedPipe, CreateNamedPipeW, DisconnectNamedPipe, PeekNamedPipe, PIPE_READMODE_BYTE,
    PIPE_REJECT_REMOTE_CLIENTS, PIPE_TYPE_BYTE, PIPE_WAIT,
};

/// Buffer size of each direction, as a hypervisor's virtual UART would keep a few KB. GUESS.
const PIPE_BUFFER: u32 = 64 * 1024;

/// Waits for clients of `\\.\pipe\NAME`, one at a time.
pub struct PipeAcceptor {
    clients: Receiver<io::Result<File>>,
    closed: Sender<()>,
}

/// A connected client.
pub struct PipeConn {
    /// `None` only while dropping: the handle must be closed before the next instance is made.
    file: Option<File>,
    closed: Sender<()>,
}

/// The full path of pipe `name`.
pub fn pipe_path(name: &str) -> String {
    format!(r"\\.\pipe\{name}")
}

impl PipeAcceptor {
    /// Creates the first instance (so a name already served elsewhere fails here, at once) and
    /// starts the thread that waits for clients.
    pub fn bind(name: &str) -> io::Result<PipeAcceptor> {
        let path = pipe_path(name);
        let first = create_instance(&path)?;
        let (client_tx, clients) = crossbeam_channel::bounded(1);
        let (closed, closed_rx) = crossbeam_channel::bounded::<()>(1);
        std::thread::Builder::new()
            .name("sacdoc-sim-pipe".into())
            .spawn(move || accept_loop(path, first, client_tx, closed_rx))?;
        Ok(PipeAcceptor { clients, closed })
    }

    /// A connected client, or `WouldBlock` when none is waiting.
    pub fn accept(&self) -> io::Result<PipeConn> {
        match self.clients.try_recv() {
            Ok(Ok(file)) => Ok(PipeConn { file: Some(file), closed: self.closed.clone() }),
            Ok(Err(e)) => Err(e),
            Err(TryRecvError::Empty) => Err(io::ErrorKind::WouldBlock.into()),
            Err(TryRecvError::Disconnected) => Err(io::Error::other("the pipe thread ended")),
        }
    }
}

fn accept_loop(path: String, first: File, clients: Sender<io::Result<File>>, closed: Receiver<()>) {
    let mut instance = Some(first);
    loop {
        let file = match instance.take() {
            Some(f) => f,
            None => match create_instance(&path) {
                Ok(f) => f,
                Err(e) => {
                    let _ = clients.send(Err(e));
                    return;
                }
            },
        };
        // SAFETY: the handle is a pipe instance owned by `file`; no OVERLAPPED (blocking call).
        let ok = unsafe { ConnectNamedPipe(file.as_raw_handle() as _, std::ptr::null_mut()) };
        // SAFETY: reads the calling thread's last error code.
        if ok == 0 && unsafe { GetLastError() } != ERROR_PIPE_CONNECTED {
            continue;
        }
        if clients.send(Ok(file)).is_err() {
            return;
        }
        // One client at a time: the next instance exists only after this one is closed.
        if closed.recv().is_err() {
            return;
        }
    }
}

fn create_instance(path: &str) -> io::Result<File> {
    let wide: Vec<u16> = path.encode_utf16().chain(std::iter::once(0)).collect();
    // SAFETY: `wide` is a NUL-terminated UTF-16 string that outlives the call; a null security
    // attributes pointer means the default descriptor.
    let handle = unsafe {
        CreateNamedPipeW(
            wide.as_ptr(),
            PIPE_ACCESS_DUPLEX,
            PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
            1,
            PIPE_BUFFER,
            PIPE_BUFFER,
            0,
            std::ptr::null(),
        )
    };
    if handle == INVALID_HANDLE_VALUE {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `handle` is a new, valid handle that nothing else owns.
    Ok(unsafe { File::from_raw_handle(handle as RawHandle) })
}

impl PipeConn {
    /// Reads what is waiting without blocking: `WouldBlock` when nothing is, `Ok(0)` when the
    /// client has gone.
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let file = self.file()?;
        let mut avail: u32 = 0;
        // SAFETY: the handle is open for the life of `self.file`; no buffer is passed (size 0)
        // and the out-pointer is a valid local.
        let ok = unsafe {
            PeekNamedPipe(
                file.as_raw_handle() as _,
                std::ptr::null_mut::<c_void>(),
                0,
                std::ptr::null_mut(),
                &mut avail,
                std::ptr::null_mut(),
            )
        };
        if ok == 0 {
            let e = io::Error::last_os_error();
            return if e.raw_os_error() == Some(ERROR_BROKEN_PIPE as i32) { Ok(0) } else { Err(e) };
        }
        if avail == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(avail as usize);
        file.read(&mut buf[..n])
    }

    pub fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file()?.write(buf)
    }

    fn file(&mut self) -> io::Result<&mut File> {
        self.file.as_mut().ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))
    }

    /// Disconnects the client and lets the waiting thread offer the pipe again.
    pub fn close(&mut self) {
        if let Some(file) = self.file.as_mut() {
            let _ = file.flush();
            // SAFETY: the handle is a connected server instance owned by `file`.
            unsafe {
                DisconnectNamedPipe(file.as_raw_handle() as _);
            }
        }
    }
}

impl Drop for PipeConn {
    fn drop(&mut self) {
        // Close the handle first: only then may the next (single) instance be created.
        drop(self.file.take());
        let _ = self.closed.try_send(());
    }
}
