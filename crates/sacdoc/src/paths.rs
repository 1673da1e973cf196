//! Where sacdoc keeps its files on this machine: transcripts, local copies of backups, and the
//! pending follow-ups per target.
//!
//! One root, resolved once: `SACDOC_STATE_DIR` if set, else `$XDG_STATE_HOME/sacdoc`, else
//! `$HOME/.local/state/sacdoc`, else `%LOCALAPPDATA%\sacdoc` on Windows, else `./.sacdoc`.

use std::path::PathBuf;

/// The root folder of sacdoc's own state.
pub fn state_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("SACDOC_STATE_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_STATE_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(d).join("sacdoc");
    }
    if let Some(d) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(d).join(".local").join("state").join("sacdoc");
    }
    if let Some(d) = std::env::var_os("LOCALAPPDATA").filter(|v| !v.is_empty()) {
        return PathBuf::from(d).join("sacdoc");
    }
    PathBuf::from(".sacdoc")
}

/// Folder of the session transcripts recorded by default.
pub fn transcripts_dir() -> PathBuf {
    state_dir().join("transcripts")
}

/// Folder of what sacdoc keeps about one target (backups, pending follow-ups). The target text is
/// turned into a file-name-safe key.
pub fn target_dir(target: &str) -> PathBuf {
    let key: String = target
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' })
        .collect();
    state_dir().join("targets").join(key)
}
