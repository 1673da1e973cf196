//! Backups on the VM, read back over the line and kept locally.
//!
//! A backup file (`.reg` in UTF-16LE, `icacls /save` output, a certificate) is read back as base64
//! through `certutil -encode` and `type`, so every byte arrives intact whatever its encoding, and
//! stored under the target's folder on this machine. Decoding is not proof: a line that garbled a
//! base64 character into another valid one decodes to different bytes. So the VM hashes the file
//! (`certutil -hashfile FILE SHA256`) and the local copy must have the same SHA-256, or the
//! backup does not count and no fix runs.

use std::path::{Path, PathBuf};

use sacdoc_parse::certutil;

use super::commands::q;
use super::engine::{Answer, CommandFailed, Ctx, DoctorError};

pub use sacdoc_console::runner::checksum::sha256_hex;

/// Why a backup on the VM does not count (and so no fix may run).
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    ReadBack(CommandFailed),
    #[error(transparent)]
    Decode(#[from] certutil::DecodeError),
    #[error("cannot hash the backup on the VM: {0}")]
    HashCommand(CommandFailed),
    #[error("cannot hash the backup on the VM: no SHA-256 in the answer: {0}")]
    NoHash(String),
    #[error(
        "the backup read back differs from {remote} on the VM (SHA-256 {here} here, {on_vm} \
         there): the line garbled it; not relying on it"
    )]
    Differs { remote: String, here: String, on_vm: String },
    #[error("cannot keep the backup at {}: {source}", path.display())]
    Keep { path: PathBuf, source: std::io::Error },
}

/// The command that prints `remote` as base64 (`-----BEGIN CERTIFICATE-----` framed, as certutil
/// writes it). One line: encode to a fresh file, then print it.
pub fn read_back_command(remote: &str) -> String {
    let b64 = format!("{remote}.b64");
    format!("certutil -encode {} {} >nul & type {}", q(remote), q(&b64), q(&b64))
}

/// The command that prints the SHA-256 of `remote` on the VM.
pub fn hash_command(remote: &str) -> String {
    format!("certutil -hashfile {} SHA256", q(remote))
}

/// Reads `remote` back, checks it against the VM's own hash of the file, and writes it to
/// `local_dir`. The outer error ends the run (the line is lost); the inner one says why this
/// backup does not count.
pub fn fetch(
    cx: &mut Ctx<'_, '_>,
    remote: &str,
    local_dir: &Path,
) -> Result<Result<PathBuf, BackupError>, DoctorError> {
    let read = cx.run_uncached(&read_back_command(remote))?;
    let hashed = match read {
        Ok(_) => Some(cx.run_uncached(&hash_command(remote))?),
        Err(_) => None,
    };
    Ok(keep(read, hashed, remote, local_dir))
}

/// Decides from the read-back and the VM's hash whether the backup counts, and keeps it.
fn keep(
    read: Answer,
    hashed: Option<Answer>,
    remote: &str,
    local_dir: &Path,
) -> Result<PathBuf, BackupError> {
    let out = read.map_err(BackupError::ReadBack)?;
    let bytes = certutil::decode(&out.output)?;
    let Some(hashed) = hashed else { return Err(BackupError::NoHash(String::new())) };
    let hashed = hashed.map_err(BackupError::HashCommand)?;
    let on_vm = certutil::sha256(&hashed.output)
        .ok_or_else(|| BackupError::NoHash(hashed.output.trim().to_string()))?;
    let here = sha256_hex(&bytes);
    if on_vm != here {
        return Err(BackupError::Differs { remote: remote.to_string(), here, on_vm });
    }
    let name = remote.rsplit('\\').next().unwrap_or(remote);
    let path = local_dir.join(name);
    sacdoc_link::owner_only::create_dir_all(local_dir)
        .and_then(|()| sacdoc_link::owner_only::write(&path, &bytes))
        .map_err(|source| BackupError::Keep { path: path.clone(), source })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_quote_the_file() {
        assert!(read_back_command(r"C:\temp\a.reg").contains(r#"type "C:\temp\a.reg.b64""#));
        assert_eq!(hash_command(r"C:\temp\a.reg"), r#"certutil -hashfile "C:\temp\a.reg" SHA256"#);
    }

    #[test]
    fn a_failed_hash_is_an_error() {
        assert_eq!(certutil::sha256("CertUtil: -hashfile command FAILED: 0x80070002"), None);
    }
}
