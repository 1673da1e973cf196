//! What the doctor remembers about a target between runs: follow-ups still to do (the restart,
//! turning Group Policy back on, the Azure NSG port) and the fixes applied, in
//! `<target dir>/doctor-state.json`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use super::model::Applied;
use super::model::PendingItem;

/// The per-target state file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetState {
    #[serde(default)]
    pub pending: Vec<PendingItem>,
    #[serde(default)]
    pub applied: Vec<Applied>,
}

/// Reading or writing the state file failed.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a sacdoc state file ({source}); move it away to start afresh")]
    Parse { path: PathBuf, source: serde_json::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// The state file in a target's local folder.
pub fn state_path(local_dir: &Path) -> PathBuf {
    local_dir.join("doctor-state.json")
}

impl TargetState {
    /// Loads the state (empty when there is none yet).
    pub fn load(path: &Path) -> Result<TargetState, StateError> {
        match std::fs::read_to_string(path) {
            Ok(s) => serde_json::from_str(&s)
                .map_err(|source| StateError::Parse { path: path.into(), source }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(TargetState::default()),
            Err(source) => Err(StateError::Read { path: path.into(), source }),
        }
    }

    /// Saves atomically (write a temporary file, then rename), so a crash never leaves half a file.
    pub fn save(&self, path: &Path) -> Result<(), StateError> {
        let w = |source| StateError::Write { path: path.into(), source };
        if let Some(dir) = path.parent() {
            sacdoc_link::owner_only::create_dir_all(dir).map_err(w)?;
        }
        // A temporary name of this save's own (process and a counter: two threads of one process,
        // e.g. a fleet or the text UI, may save one target's state at once, and with a shared
        // name one rename would find the other's file gone). The last state is kept, whole.
        static SAVES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = SAVES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = path.with_extension(format!("json.{}.{n}.tmp", std::process::id()));
        let text = serde_json::to_string_pretty(self).map_err(|e| w(std::io::Error::other(e)))?;
        sacdoc_link::owner_only::write(&tmp, text.as_bytes()).map_err(w)?;
        std::fs::rename(&tmp, path).map_err(w)
    }

    /// Adds a follow-up unless the same kind from the same fix is already open.
    pub fn add_pending(&mut self, item: PendingItem) {
        if !self.pending.iter().any(|p| p.kind == item.kind && p.description == item.description) {
            self.pending.push(item);
        }
    }

    /// Whether the restart the follow-ups wait for is still to do.
    pub fn reboot_pending(&self) -> bool {
        self.pending.iter().any(|p| p.kind == super::model::PendingKind::Reboot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PendingKind;

    #[test]
    fn saves_from_many_threads_at_once_all_succeed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t").join("doctor-state.json");
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..20 {
                        TargetState::default().save(&p).expect("a save never fails on another's");
                    }
                });
            }
        });
        assert!(TargetState::load(&p).is_ok());
    }

    #[test]
    fn a_state_file_from_before_steps_had_exit_codes_still_loads() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("doctor-state.json");
        let old = r#"{"pending": [{"kind": "reenable-group-policy", "description": "d",
            "commands": ["sc config gpsvc start= auto", "sc start gpsvc"], "after_reboot": true,
            "created": "2026-01-01T00:00:00Z", "from_fix": "pause-group-policy"}],
            "applied": [{"fix": "enable-tls", "check": "tls-server", "at": "x", "verified": true}]}"#;
        std::fs::write(&p, old).unwrap();
        let s = TargetState::load(&p).expect("old layout");
        assert_eq!(s.pending[0].commands[1], crate::model::Step::new("sc start gpsvc"));
        assert_eq!(s.applied[0].check, crate::model::CheckId::TlsServer);
        s.save(&p).unwrap();
        assert_eq!(TargetState::load(&p).unwrap(), s, "the new layout reads back the same");
    }

    #[test]
    fn saves_and_loads_and_dedups() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x").join("doctor-state.json");
        assert_eq!(TargetState::load(&p).unwrap(), TargetState::default());
        let mut s = TargetState::default();
        let item = PendingItem {
            kind: PendingKind::Reboot,
            description: "Restart".into(),
            commands: vec![crate::model::Step::new("shutdown /r /t 5")],
            after_reboot: false,
            created: "2026-01-01T00:00:00Z".into(),
            from_fix: "enable-tls".into(),
        };
        s.add_pending(item.clone());
        s.add_pending(item);
        assert_eq!(s.pending.len(), 1);
        s.save(&p).unwrap();
        assert_eq!(TargetState::load(&p).unwrap(), s);
        std::fs::write(&p, "garbage").unwrap();
        let e = TargetState::load(&p).unwrap_err().to_string();
        assert!(e.contains("not a sacdoc state file"), "{e}");
    }
}
