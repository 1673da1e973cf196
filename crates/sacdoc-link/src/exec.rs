//! `exec:COMMAND`: a console relay such as `virsh console DOMAIN` run under a pseudo-terminal. Such
//! relays expect a terminal (they switch it to raw mode and watch for their escape key), so the
//! command gets the slave side of a real pty as its controlling terminal and stdio, and the link
//! reads and writes the master side. The command dies with the link.

#[cfg(not(unix))]
use std::io::{self, Read, Write};

#[cfg(not(unix))]
use super::Link;

#[cfg(unix)]
pub use imp::ExecLink;

/// Why the relay command could not be started.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("cannot create a pseudo-terminal")]
    Pty(#[source] serialport::Error),
    #[error("cannot duplicate the pty")]
    Dup(#[source] std::io::Error),
    #[error("cannot run sh -c {command:?}")]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "exec:{command} needs a pseudo-terminal, which this system lacks; start the relay \
         yourself with its console on a TCP port and use tcp://HOST:PORT or telnet://HOST:PORT"
    )]
    Unsupported { command: String },
}

#[cfg(unix)]
mod imp {
    use std::io::{self, Read, Write};
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
    use std::os::unix::process::CommandExt;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use serialport::TTYPort;

    use super::ExecError;
    use crate::{Link, READ_TIMEOUT, WRITE_TIMEOUT};

    /// A command running under a pty, seen from the master side.
    pub struct ExecLink {
        /// Owns the master fd (closed on drop).
        master: TTYPort,
        child: Child,
        name: String,
        eof: bool,
    }

    fn set_cloexec(fd: RawFd) {
        // SAFETY: fcntl on an fd we own; failure only means the fd may leak into other children.
        unsafe {
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        }
    }

    fn dup_stdio(fd: RawFd) -> Result<Stdio, ExecError> {
        // SAFETY: duplicating an open fd; the new fd is owned by the returned OwnedFd.
        let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
        if new < 0 {
            return Err(ExecError::Dup(io::Error::last_os_error()));
        }
        // SAFETY: `new` is a fresh fd nobody else owns.
        Ok(Stdio::from(unsafe { OwnedFd::from_raw_fd(new) }))
    }

    impl ExecLink {
        /// Runs `sh -c COMMAND` on a new 80x24 pty; `name` is what [`Link::describe`] reports.
        pub fn open(command: &str, name: String) -> Result<Self, ExecError> {
            let (master, slave) = TTYPort::pair().map_err(ExecError::Pty)?;
            set_cloexec(master.as_raw_fd());
            set_cloexec(slave.as_raw_fd());
            let size = libc::winsize { ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0 };
            // SAFETY: TIOCSWINSZ reads a winsize we own; failure leaves the default size.
            unsafe {
                libc::ioctl(master.as_raw_fd(), libc::TIOCSWINSZ, &size);
            }
            let slave_fd = slave.as_raw_fd();
            let mut cmd = Command::new("sh");
            cmd.arg("-c")
                .arg(command)
                .stdin(dup_stdio(slave_fd)?)
                .stdout(dup_stdio(slave_fd)?)
                .stderr(dup_stdio(slave_fd)?);
            // The relay and everything it starts get none of sacdoc's own variables: they carry
            // the password and the Azure token (SACDOC_PASSWORD, SACDOC_AZURE_TOKEN). Only the
            // names are looked at, to leave them out.
            for (name, _) in std::env::vars_os() {
                if name.to_string_lossy().starts_with("SACDOC_") {
                    cmd.env_remove(name);
                }
            }
            // SAFETY: only async-signal-safe calls (setsid, ioctl) run between fork and exec.
            unsafe {
                cmd.pre_exec(|| {
                    if libc::setsid() < 0 {
                        return Err(io::Error::last_os_error());
                    }
                    // Make the pty (now stdin) the controlling terminal of the new session.
                    if libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                        return Err(io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
            let child = cmd
                .spawn()
                .map_err(|source| ExecError::Spawn { command: command.to_string(), source })?;
            // Our copies of the slave must go, or the master never sees the command's end.
            drop(cmd);
            drop(slave);
            Ok(ExecLink { master, child, name, eof: false })
        }

        /// Process id of the command (its process group and session have the same id).
        pub fn pid(&self) -> u32 {
            self.child.id()
        }

        fn exited(&mut self) -> bool {
            matches!(self.child.try_wait(), Ok(Some(_)))
        }

        fn poll(&self, events: libc::c_short, timeout: Duration) -> io::Result<libc::c_short> {
            crate::fd::poll(self.master.as_raw_fd(), events, timeout)
        }
    }

    impl Read for ExecLink {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.eof || buf.is_empty() {
                return Ok(0);
            }
            match crate::fd::read(self.master.as_raw_fd(), buf, READ_TIMEOUT) {
                Ok(0) => {
                    self.eof = true;
                    Ok(0)
                }
                // A slave fd leaked into some other process would hide the hang-up: ask the child.
                Err(e) if crate::is_no_data(&e) && self.exited() => {
                    self.eof = true;
                    Ok(0)
                }
                other => other,
            }
        }
    }

    impl Write for ExecLink {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if buf.is_empty() {
                return Ok(0);
            }
            let deadline = Instant::now() + WRITE_TIMEOUT;
            loop {
                let revents = self.poll(libc::POLLOUT, READ_TIMEOUT)?;
                if revents & libc::POLLOUT != 0 {
                    // SAFETY: writing from a valid buffer of the given length.
                    let n = unsafe {
                        libc::write(self.master.as_raw_fd(), buf.as_ptr().cast(), buf.len())
                    };
                    if n >= 0 {
                        return Ok(n.unsigned_abs());
                    }
                    let e = io::Error::last_os_error();
                    if !matches!(e.raw_os_error(), Some(libc::EAGAIN) | Some(libc::EINTR)) {
                        return Err(io::Error::new(
                            io::ErrorKind::BrokenPipe,
                            format!("{}: the relay command is gone ({e})", self.name),
                        ));
                    }
                } else if revents != 0 || self.exited() {
                    return Err(io::Error::new(
                        io::ErrorKind::BrokenPipe,
                        format!("{}: the relay command has exited", self.name),
                    ));
                }
                if Instant::now() >= deadline {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("{}: the relay command took no input for 10 s", self.name),
                    ));
                }
            }
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Link for ExecLink {
        fn describe(&self) -> String {
            self.name.clone()
        }
    }

    impl Drop for ExecLink {
        /// Hangs up like a closed terminal window (SIGHUP to the command's process group), then
        /// kills what is left and reaps it, so no relay outlives the link.
        fn drop(&mut self) {
            // Already reaped: its process id may belong to someone else by now, so no signals.
            if self.exited() {
                return;
            }
            let Ok(pgid) = libc::pid_t::try_from(self.child.id()) else {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return;
            };
            // SAFETY: signalling the process group this link created with setsid.
            unsafe {
                libc::kill(-pgid, libc::SIGHUP);
            }
            let deadline = Instant::now() + Duration::from_millis(200);
            while Instant::now() < deadline {
                if self.exited() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            // SAFETY: as above; also ends anything the command left running in its group.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
            let _ = self.child.wait();
        }
    }
}

/// `exec:` needs a pseudo-terminal, which this system does not offer.
#[cfg(not(unix))]
pub struct ExecLink {
    name: String,
}

#[cfg(not(unix))]
impl ExecLink {
    pub fn open(command: &str, name: String) -> Result<Self, ExecError> {
        let _ = name;
        Err(ExecError::Unsupported { command: command.to_string() })
    }
}

#[cfg(not(unix))]
impl Read for ExecLink {
    fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
        Ok(0)
    }
}

#[cfg(not(unix))]
impl Write for ExecLink {
    fn write(&mut self, _buf: &[u8]) -> io::Result<usize> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "exec: is not available here"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(not(unix))]
impl Link for ExecLink {
    fn describe(&self) -> String {
        self.name.clone()
    }
}
