//! Ctrl+C and SIGTERM: the terminal is always left as it was found (echo back on after a
//! password prompt), where the transcript so far is stays known, and the exit code is 130.
//!
//! While a command runs on the VM, the first Ctrl+C asks the session to stop it (Ctrl+C into the
//! channel, spool files deleted, channel closed, transcript written) through [`flag`]; the second
//! exits at once. Outside a session every Ctrl+C exits at once.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

static COUNT: AtomicU32 = AtomicU32::new(0);
static GRACEFUL: AtomicBool = AtomicBool::new(false);
static TRANSCRIPT: Mutex<Option<PathBuf>> = Mutex::new(None);

/// The flag a session watches: set by the first Ctrl+C while [`graceful`] is on.
pub fn flag() -> Arc<AtomicBool> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    FLAG.get_or_init(|| Arc::new(AtomicBool::new(false))).clone()
}

/// Whether the first Ctrl+C stops the work gracefully (a session that watches [`flag`] is open).
pub fn graceful(on: bool) {
    GRACEFUL.store(on, Ordering::SeqCst);
}

/// Remembers where the transcript of this run is, to say so on an interrupt.
pub fn transcript(path: Option<PathBuf>) {
    if let Ok(mut t) = TRANSCRIPT.lock() {
        *t = path;
    }
}

/// Installs the handler (once, at start) and saves the terminal's settings to restore.
pub fn install() {
    terminal::save();
    let _ = ctrlc::set_handler(|| {
        let n = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
        if n == 1 && GRACEFUL.load(Ordering::SeqCst) {
            flag().store(true, Ordering::SeqCst);
            eprintln!(
                "\nsacdoc: interrupted: stopping the command on the VM and closing the channel \
                 (Ctrl+C again quits at once)"
            );
            return;
        }
        quit();
    });
}

/// Restores the terminal, says where the transcript is, and exits 130.
pub fn quit() -> ! {
    terminal::restore();
    let path = TRANSCRIPT.lock().ok().and_then(|t| t.clone());
    match path.filter(|p| p.exists()) {
        Some(p) => eprintln!("\nsacdoc: interrupted; the transcript so far is in {}", p.display()),
        None => eprintln!("\nsacdoc: interrupted"),
    }
    std::process::exit(130)
}

#[cfg(unix)]
mod terminal {
    use std::sync::OnceLock;

    static SAVED: OnceLock<Option<libc::termios>> = OnceLock::new();

    /// Saves stdin's terminal settings, when it is a terminal.
    pub fn save() {
        SAVED.get_or_init(|| {
            // SAFETY: tcgetattr on fd 0 into a zeroed termios we own.
            unsafe {
                let mut t: libc::termios = std::mem::zeroed();
                (libc::isatty(0) == 1 && libc::tcgetattr(0, &mut t) == 0).then_some(t)
            }
        });
    }

    /// Puts the saved settings back (echo on again after a password prompt).
    pub fn restore() {
        if let Some(Some(t)) = SAVED.get() {
            // SAFETY: restores settings read by `save` on the same descriptor.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, t);
            }
        }
    }
}

#[cfg(not(unix))]
mod terminal {
    /// The Windows console restores its own input mode when the process ends.
    pub fn save() {}
    pub fn restore() {}
}
