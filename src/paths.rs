//! Where sacdoc keeps its files on this machine: transcripts, local copies of backups, and the
//! pending follow-ups per target.
//!
//! One root: see [`crate::config::state_dir_from`].

use std::path::PathBuf;

/// The root folder of sacdoc's own state ([`crate::config::state_dir_from`] over the process
/// environment).
pub fn state_dir() -> PathBuf {
    crate::config::state_dir_from(&crate::config::Env::from_process(), |k| std::env::var_os(k))
}

/// Folder of the session transcripts recorded by default.
pub fn transcripts_dir() -> PathBuf {
    state_dir().join("transcripts")
}

/// Folder of the lessons imported with `sacdoc train --import-lesson`, one folder each.
pub fn lessons_dir() -> PathBuf {
    state_dir().join("lessons")
}

/// Folder of what sacdoc keeps about one target (backups, pending follow-ups). The target text is
/// turned into a file-name-safe key.
pub fn target_dir(target: &str) -> PathBuf {
    state_dir().join("targets").join(crate::transport::file_key::file_key(target, usize::MAX))
}
