//! Reading a Unix file descriptor with the link timeout, keeping the last bytes when the far end
//! hangs up. (`serialport`'s own read reports a hang-up as an error even when data is still
//! waiting, which would lose the end of a VM's output when its pty closes.)

use std::io;
use std::os::fd::RawFd;
use std::time::Duration;

/// Waits up to `timeout` for `fd` to be readable and reads once. A hang-up, or Linux's EIO on a
/// pty whose other side is closed, is end of file (`Ok(0)`); nothing within `timeout` is
/// [`super::no_data`].
pub fn read(fd: RawFd, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
    if buf.is_empty() {
        return Ok(0);
    }
    let revents = poll(fd, libc::POLLIN, timeout)?;
    if revents == 0 {
        return Err(super::no_data());
    }
    if revents & libc::POLLIN == 0 {
        return Ok(0);
    }
    // SAFETY: reading into a valid, writable buffer of the given length.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    if n >= 0 {
        return Ok(n.unsigned_abs());
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EIO) => Ok(0),
        Some(libc::EAGAIN) | Some(libc::EINTR) => Err(super::no_data()),
        _ => Err(e),
    }
}

/// `poll` on one fd; the returned events are 0 on timeout. EINTR counts as a timeout.
pub fn poll(fd: RawFd, events: libc::c_short, timeout: Duration) -> io::Result<libc::c_short> {
    let mut pfd = libc::pollfd { fd, events, revents: 0 };
    let ms = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: one valid pollfd.
    let r = unsafe { libc::poll(&mut pfd, 1, ms) };
    if r < 0 {
        let e = io::Error::last_os_error();
        return if e.kind() == io::ErrorKind::Interrupted { Ok(0) } else { Err(e) };
    }
    Ok(if r == 0 { 0 } else { pfd.revents })
}
