//! The follow-along link: answers as the recorded VM did while the trainee types what was
//! recorded, and says where a line differs instead of answering it. The progress (steps done,
//! divergences, commands revealed) is shared with the UI through a [`FollowHandle`].

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::follow::{normalize, same, typed_text, Recording};
use crate::transport::{Connector, Link, OpenError};

/// How long `read` waits before reporting "no data yet".
const READ_WAIT: Duration = Duration::from_millis(50);

/// A line typed that is not the recorded one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Divergence {
    /// The step (0 = the first thing typed).
    pub step: usize,
    pub recorded: String,
    pub typed: String,
    /// The first column (0-based, of the line as cmd.exe reads it) where they differ.
    pub column: usize,
}

/// How far the trainee got.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    pub step: usize,
    pub total: usize,
    pub divergences: Vec<Divergence>,
    /// Steps whose command was revealed on request.
    pub revealed: Vec<usize>,
}

/// The progress, shared between the link and the UI.
#[derive(Debug, Clone, Default)]
pub struct FollowHandle {
    inner: Arc<Mutex<(Progress, Recording)>>,
}

impl FollowHandle {
    fn lock(&self) -> MutexGuard<'_, (Progress, Recording)> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn progress(&self) -> Progress {
        self.lock().0.clone()
    }

    /// Reveals the next recorded command (noted in the progress); the text for the status bar.
    pub fn reveal(&self) -> String {
        let mut g = self.lock();
        let (p, rec) = &mut *g;
        let Some(step) = rec.steps.get(p.step) else {
            return "the recorded session has no more commands".into();
        };
        if !p.revealed.contains(&p.step) {
            p.revealed.push(p.step);
        }
        match (step.secret, step.end, step.typed.as_str()) {
            (true, _, _) => "next: the password, then Enter".into(),
            (_, '\t', "\u{1b}") => "next: Esc Tab (switch channel)".into(),
            (_, _, "") => "next: Enter".into(),
            (_, _, t) => format!("next recorded command: {t}"),
        }
    }
}

/// The connector: `follow:FILE`, which replays `recording`.
#[derive(Debug)]
pub struct FollowTarget {
    pub name: String,
    pub handle: FollowHandle,
}

impl FollowTarget {
    pub fn new(name: &str, recording: Recording) -> FollowTarget {
        let progress = Progress { total: recording.steps.len(), ..Progress::default() };
        let handle = FollowHandle { inner: Arc::new(Mutex::new((progress, recording))) };
        FollowTarget { name: name.to_string(), handle }
    }
}

impl std::fmt::Display for FollowTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "follow:{}", self.name)
    }
}

impl Connector for FollowTarget {
    fn open(&self) -> Result<Box<dyn Link>, OpenError> {
        let mut g = self.handle.lock();
        g.0 = Progress { total: g.1.steps.len(), ..Progress::default() };
        let opening = g.1.opening.clone();
        drop(g);
        let prompt = last_line(&opening);
        Ok(Box::new(FollowLink {
            handle: self.handle.clone(),
            out: opening.into(),
            typed: Vec::new(),
            prompt,
            describe: self.to_string(),
            ended: false,
        }))
    }

    fn can_reconnect(&self) -> bool {
        false
    }
}

/// The bytes after the last line break: the prompt the VM left on screen.
fn last_line(b: &[u8]) -> Vec<u8> {
    match b.iter().rposition(|c| *c == b'\n') {
        Some(i) => b[i + 1..].to_vec(),
        None => b.to_vec(),
    }
}

struct FollowLink {
    handle: FollowHandle,
    out: VecDeque<u8>,
    typed: Vec<u8>,
    prompt: Vec<u8>,
    describe: String,
    ended: bool,
}

impl FollowLink {
    fn key(&mut self, c: u8) {
        let mut g = self.handle.lock();
        let (p, rec) = &mut *g;
        let Some(step) = rec.steps.get(p.step) else {
            if !self.ended {
                self.ended = true;
                self.out.extend(b"\r\n[sacdoc] the recorded session ends here\r\n");
            }
            return;
        };
        match c {
            b'\r' | b'\t' => {
                let typed = typed_text(&self.typed);
                self.typed.clear();
                if c as char == step.end && (step.secret || same(&typed, &step.typed)) {
                    self.out.extend(&step.answer);
                    if step.answer.contains(&b'\n') || self.prompt.is_empty() {
                        self.prompt = last_line(&step.answer);
                    }
                    p.step += 1;
                    return;
                }
                let (a, b) = (normalize(&typed), normalize(&step.typed));
                let column = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
                p.divergences.push(Divergence {
                    step: p.step,
                    recorded: step.typed.clone(),
                    typed: typed.clone(),
                    column,
                });
                let notice = format!(
                    "\r\n[sacdoc] differs from the recording from column {} (Ctrl+A h reveals it)\r\n",
                    column + 1
                );
                self.out.extend(notice.as_bytes());
                self.out.extend(&self.prompt);
            }
            b'\n' => {}
            0x08 | 0x7f => {
                if self.typed.pop().is_some() && !step.secret {
                    self.out.extend(b"\x08 \x08");
                }
            }
            c => {
                self.typed.push(c);
                if !step.secret && c >= 0x20 {
                    self.out.push_back(c);
                }
            }
        }
    }
}

impl Read for FollowLink {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.out.is_empty() {
            std::thread::sleep(READ_WAIT);
            return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "no data yet"));
        }
        let n = buf.len().min(self.out.len());
        for (slot, b) in buf.iter_mut().zip(self.out.drain(..n)) {
            *slot = b;
        }
        Ok(n)
    }
}

impl Write for FollowLink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for &c in buf {
            self.key(c);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Link for FollowLink {
    fn describe(&self) -> String {
        self.describe.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::follow::Step;

    fn step(typed: &str, answer: &str) -> Step {
        Step { typed: typed.into(), secret: false, end: '\r', answer: answer.as_bytes().to_vec() }
    }

    fn drain(l: &mut Box<dyn Link>) -> String {
        let mut out = Vec::new();
        let mut buf = [0u8; 256];
        while let Ok(n) = l.read(&mut buf) {
            out.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&out).to_string()
    }

    #[test]
    fn matching_lines_get_the_recorded_answer_and_others_a_notice() {
        let rec = Recording {
            opening: b"C:\\>".to_vec(),
            steps: vec![
                step("sc query TermService", "\r\nRUNNING\r\nC:\\>"),
                step("ver", "\r\n10\r\nC:\\>"),
            ],
        };
        let t = FollowTarget::new("x.cast", rec);
        let mut l = t.open().expect("open");
        assert_eq!(drain(&mut l), "C:\\>");
        l.write_all(b"SC  query termservice\r").expect("write");
        assert!(drain(&mut l).ends_with("RUNNING\r\nC:\\>"));
        l.write_all(b"vex\x08r\r").expect("write");
        assert!(drain(&mut l).ends_with("10\r\nC:\\>"));
        assert_eq!(t.handle.progress().step, 2);
        assert!(t.handle.progress().divergences.is_empty());
    }

    #[test]
    fn a_different_line_is_a_divergence_and_the_prompt_comes_back() {
        let rec = Recording {
            opening: b"C:\\>".to_vec(),
            steps: vec![step("sc query x", "\r\nok\r\nC:\\>")],
        };
        let t = FollowTarget::new("x.cast", rec);
        let mut l = t.open().expect("open");
        drain(&mut l);
        l.write_all(b"sc qc x\r").expect("write");
        let out = drain(&mut l);
        assert!(out.contains("differs from the recording from column 5"), "{out}");
        assert!(out.ends_with("C:\\>"), "{out}");
        let p = t.handle.progress();
        assert_eq!((p.step, p.divergences.len()), (0, 1));
        assert_eq!(t.handle.reveal(), "next recorded command: sc query x");
        assert_eq!(t.handle.progress().revealed, [0]);
    }
}
