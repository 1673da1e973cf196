//! `sacdoc replay FILE`: plays a transcript into the same console view, at the recorded pace
//! divided by a speed (1x, 2x, 10x, as fast as possible), with pause and a jump to the next
//! marker. Received bytes go to the console, sent bytes count in the status bar, markers show
//! where the session was (the command the doctor was running).

use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use super::event::{Command, DoctorProgress, EngineEvent, Event};
use crate::transcript::{EventKind, Transcript};

/// The player thread's state.
pub struct Player {
    tr: Transcript,
    pos: usize,
    /// Recording time already played.
    at: f64,
    speed: f64,
    paused: bool,
    ui: Sender<Event>,
    rx: Receiver<Command>,
    /// The doctor's results, each with the event index after which it appears.
    doctor: std::collections::VecDeque<(usize, DoctorProgress)>,
}

fn emit(ui: &Sender<Event>, e: EngineEvent) -> bool {
    ui.send(Event::Engine(e)).is_ok()
}

impl Player {
    /// Plays `tr`; `doctor` holds the results to show as playback passes their place.
    pub fn spawn(
        tr: Transcript,
        doctor: super::replay_doctor::Placed,
        speed: f64,
        ui: Sender<Event>,
        rx: Receiver<Command>,
    ) -> std::io::Result<std::thread::JoinHandle<()>> {
        std::thread::Builder::new().name("sacdoc-replay".into()).spawn(move || {
            let mut doctor = doctor;
            doctor.sort_by_key(|(i, _)| *i);
            let doctor = doctor.into();
            let mut p = Player { tr, pos: 0, at: 0.0, speed, paused: false, ui, rx, doctor };
            p.run();
        })
    }

    fn total(&self) -> f64 {
        self.tr.events.last().map(|e| e.time).unwrap_or(0.0)
    }

    /// Plays one event; false when the UI is gone.
    fn play_one(&mut self) -> bool {
        let Some(ev) = self.tr.events.get(self.pos) else { return true };
        let index = self.pos;
        self.pos += 1;
        self.at = self.at.max(ev.time);
        while self.doctor.front().is_some_and(|(i, _)| *i < index) {
            if let Some((_, p)) = self.doctor.pop_front() {
                if !emit(&self.ui, EngineEvent::Doctor(p)) {
                    return false;
                }
            }
        }
        match &ev.kind {
            EventKind::Output(b) => emit(&self.ui, EngineEvent::Bytes(b.clone())),
            EventKind::Input(b) => emit(&self.ui, EngineEvent::Sent(b.len())),
            EventKind::Secret => emit(&self.ui, EngineEvent::Sent(0)),
            // Result markers become doctor events (above), not positions.
            EventKind::Marker(m) if m.starts_with("sacdoc-") => true,
            EventKind::Marker(m) => emit(&self.ui, EngineEvent::Marker(m.clone())),
            EventKind::Other { .. } => true,
        }
    }

    /// Plays up to and including event `index`; an earlier place starts over from an empty
    /// console. The doctor's results already shown stay and are not sent again: the queue holds
    /// only those still to come, which lie after the place played before. False when the UI is
    /// gone.
    fn seek(&mut self, index: usize) -> bool {
        if index < self.pos {
            if !emit(&self.ui, EngineEvent::Rewound) {
                return false;
            }
            self.pos = 0;
            self.at = 0.0;
        }
        let index = index.min(self.tr.events.len().saturating_sub(1));
        while self.pos <= index && self.pos < self.tr.events.len() {
            if !self.play_one() {
                return false;
            }
        }
        true
    }

    fn clock(&self) -> bool {
        emit(&self.ui, EngineEvent::ReplayClock { at: self.at, total: self.total() })
    }

    fn run(&mut self) {
        let mut wall = Instant::now();
        let mut base = 0.0;
        let mut last_clock = Instant::now();
        loop {
            if self.pos >= self.tr.events.len() {
                while let Some((_, p)) = self.doctor.pop_front() {
                    emit(&self.ui, EngineEvent::Doctor(p));
                }
                self.at = self.total();
                self.clock();
                emit(&self.ui, EngineEvent::LinkLost("end of the transcript".into()));
                // Stay until the UI quits, so it keeps its screen; a chapter picked goes back.
                loop {
                    match self.rx.recv() {
                        Ok(Command::Quit) | Err(_) => return,
                        Ok(Command::Seek(index)) => {
                            if !self.seek(index) {
                                return;
                            }
                            self.paused = true;
                            self.clock();
                            break;
                        }
                        Ok(_) => {}
                    }
                }
                continue;
            }
            let next = self.tr.events[self.pos].time;
            let wait = if self.paused {
                Duration::from_secs(3600)
            } else if !self.speed.is_finite() {
                Duration::ZERO
            } else {
                let due = wall + Duration::from_secs_f64(((next - base) / self.speed).max(0.0));
                due.saturating_duration_since(Instant::now())
            };
            let cmd = if wait.is_zero() {
                self.rx.try_recv().ok()
            } else {
                match self.rx.recv_timeout(wait.min(Duration::from_millis(250))) {
                    Ok(c) => Some(c),
                    Err(RecvTimeoutError::Timeout) => {
                        if last_clock.elapsed() > Duration::from_millis(200) {
                            last_clock = Instant::now();
                            if !self.clock() {
                                return;
                            }
                        }
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            };
            match cmd {
                Some(Command::Quit) => return,
                Some(Command::Pause(p)) => {
                    self.paused = p;
                    wall = Instant::now();
                    base = self.at;
                }
                Some(Command::Speed(s)) => {
                    self.speed = s;
                    wall = Instant::now();
                    base = self.at;
                }
                Some(Command::NextMarker) => {
                    while let Some(ev) = self.tr.events.get(self.pos) {
                        let marker = matches!(ev.kind, EventKind::Marker(_));
                        if !self.play_one() {
                            return;
                        }
                        if marker {
                            break;
                        }
                    }
                    wall = Instant::now();
                    base = self.at;
                    self.clock();
                }
                Some(Command::Seek(index)) => {
                    if !self.seek(index) {
                        return;
                    }
                    // A chapter is a place to look at: playback waits there (Space goes on).
                    self.paused = true;
                    wall = Instant::now();
                    base = self.at;
                    self.clock();
                }
                Some(_) => {}
                None => {
                    if !self.play_one() {
                        return;
                    }
                }
            }
        }
    }
}
