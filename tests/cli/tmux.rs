//! The tmux driver of the end-to-end tests: the real binary in a real terminal, a tmux server on
//! its own socket (killed when dropped), the screen read with `capture-pane`, every wait bounded.

use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Runs `shell_line` in a new tmux server of `w` x `h` named after `name`.
    pub fn start(name: &str, (w, h): (u16, u16), shell_line: &str) -> Tmux {
        let t = Tmux { socket: format!("sacdoc-test-{name}-{}", std::process::id()) };
        let out = Command::new("tmux")
            .args(["-L", &t.socket, "-f", "/dev/null", "new-session", "-d", "-s", "t"])
            .args(["-x", &w.to_string(), "-y", &h.to_string()])
            .arg(shell_line)
            .output()
            .expect("tmux starts");
        assert!(out.status.success(), "tmux: {}", String::from_utf8_lossy(&out.stderr));
        t
    }

    /// `sacdoc tui ARGS` in a new tmux server of `w` x `h` with its own state folder (and `env`
    /// before it), then its exit code.
    pub fn tui(
        name: &str,
        size: (u16, u16),
        state: &std::path::Path,
        env: &str,
        args: &str,
    ) -> Tmux {
        let line = format!(
            "env {env} SACDOC_STATE_DIR='{}' SACDOC_CONFIG=/nonexistent TERM=xterm-256color \
             '{}' tui {args}; echo \"EXIT=$?\"; sleep 30",
            state.display(),
            env!("CARGO_BIN_EXE_sacdoc")
        );
        Tmux::start(name, size, &line)
    }

    /// The prefix key, then q: sacdoc quits with exit code 0.
    pub fn quit(&self) {
        self.keys(&["C-a"]);
        self.keys(&["q"]);
        let s = self.wait("sacdoc to quit", |s| s.contains("EXIT="));
        assert!(s.contains("EXIT=0"), "{s}");
    }

    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "t"])
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    pub fn text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "t", "-l", text]);
    }

    /// Polls the screen until `pred` holds (for at most 20 s).
    pub fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        self.wait_secs(what, 20, pred)
    }

    /// Polls the screen until `pred` holds, for at most `secs` seconds.
    pub fn wait_secs(&self, what: &str, secs: u64, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Types a line at the cmd prompt and waits until the console's last written row is an
    /// empty prompt again (the command's output is complete).
    pub fn command(&self, line: &str) {
        self.text(line);
        // A long line wraps at 80 columns: the console's rows are joined, blanks left out.
        let bare: String = line.chars().filter(|c| *c != ' ').collect();
        self.wait_secs(&format!("the echo of {line:?}"), 20, |s| console_text(s).contains(&bare));
        self.keys(&["Enter"]);
        self.wait_secs(&format!("the prompt after {line:?}"), 30, |s| {
            last_console_row(s).is_some_and(|r| r == "C:\\Windows\\system32>")
        });
    }

    /// From SAC> to a logged-in cmd prompt, by hand as on SAC: `cmd`, Esc Tab, Enter, the account.
    pub fn login(&self, user: &str, domain: &str, password: &str) {
        self.wait_secs("SAC>", 30, |s| s.contains("SAC>"));
        self.wait_secs("the CMD service", 30, |s| s.contains("The CMD command is now available"));
        self.text("cmd");
        self.keys(&["Enter"]);
        self.wait_secs("the channel", 20, |s| s.contains("Cmd0001"));
        self.keys(&["Escape", "Tab"]);
        self.wait_secs("the switch screen", 20, |s| {
            s.contains("Use any other key to view this channel")
        });
        self.keys(&["Enter"]);
        self.wait_secs("the login", 20, |s| s.contains("Username:"));
        self.text(user);
        self.keys(&["Enter"]);
        self.wait_secs("the domain prompt", 20, |s| s.contains("Domain"));
        self.text(domain);
        self.keys(&["Enter"]);
        self.wait_secs("the password prompt", 20, |s| s.contains("Password:"));
        self.text(password);
        self.keys(&["Enter"]);
        self.wait_secs("the cmd prompt", 20, |s| s.contains("C:\\Windows\\system32>"));
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").arg("-L").arg(&self.socket).arg("kill-server").output();
        let dir = std::env::var("TMUX_TMPDIR").unwrap_or_else(|_| "/tmp".into());
        // SAFETY: getuid has no preconditions.
        let uid = unsafe { libc::getuid() };
        let _ = std::fs::remove_file(format!("{dir}/tmux-{uid}/{}", self.socket));
    }
}

/// The console's rows joined, without blanks (a wrapped line reads as one).
fn console_text(screen: &str) -> String {
    screen
        .lines()
        .take_while(|l| !l.contains('└'))
        .filter_map(|l| l.split('│').nth(1))
        .flat_map(|r| r.chars().filter(|c| *c != ' '))
        .collect()
}

/// The last non-blank row inside the console's frame (the text between the first two `│` of a
/// row, above the frame's bottom edge), trimmed.
fn last_console_row(screen: &str) -> Option<String> {
    screen
        .lines()
        .take_while(|l| !l.contains('└'))
        .filter_map(|l| l.split('│').nth(1))
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .last()
        .map(String::from)
}
