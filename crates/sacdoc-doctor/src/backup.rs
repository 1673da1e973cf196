//! Backups on the VM, read back over the line and kept locally.
//!
//! A backup file (`.reg` in UTF-16LE, `icacls /save` output, a certificate) is read back as base64
//! through `certutil -encode` and `type`, so every byte arrives intact whatever its encoding, and
//! stored under the target's folder on this machine. Decoding is not proof: a line that garbled a
//! base64 character into another valid one decodes to different bytes. So the VM hashes the file
//! (`certutil -hashfile FILE SHA256`) and the local copy must have the same SHA-256, or the
//! backup does not count and no fix runs.

use std::path::{Path, PathBuf};

use base64::Engine as _;

use super::commands::q;
use super::engine::{Ctx, DoctorError};

/// The command that prints `remote` as base64 (`-----BEGIN CERTIFICATE-----` framed, as certutil
/// writes it). One line: encode to a fresh file, then print it.
pub fn read_back_command(remote: &str) -> String {
    let b64 = format!("{remote}.b64");
    format!("certutil -encode {} {} >nul & type {}", q(remote), q(&b64), q(&b64))
}

/// Decodes certutil's base64 text (BEGIN/END lines dropped, line breaks ignored).
pub fn decode_certutil(text: &str) -> Result<Vec<u8>, String> {
    let body: String =
        text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("-----")).collect();
    if !text.contains("-----BEGIN") {
        return Err(format!("no certutil base64 block in the answer: {}", text.trim()));
    }
    base64::engine::general_purpose::STANDARD
        .decode(body.as_bytes())
        .map_err(|e| format!("the base64 read back does not decode: {e}"))
}

/// The command that prints the SHA-256 of `remote` on the VM.
pub fn hash_command(remote: &str) -> String {
    format!("certutil -hashfile {} SHA256", q(remote))
}

/// The SHA-256 in certutil's answer (see [`checksum::parse`]), or why there is none.
pub fn parse_hash(text: &str) -> Result<String, String> {
    checksum::parse(text).ok_or_else(|| format!("no SHA-256 in the answer: {}", text.trim()))
}

pub use sacdoc_console::runner::checksum::{self, sha256_hex};

/// Reads `remote` back, checks it against the VM's own hash of the file, and writes it to
/// `local_dir`; returns the local path.
pub fn fetch(
    cx: &mut Ctx<'_, '_>,
    remote: &str,
    local_dir: &Path,
) -> Result<Result<PathBuf, String>, DoctorError> {
    let cmd = read_back_command(remote);
    let out = match cx.run_uncached(&cmd)? {
        Ok(o) => o,
        Err(e) => return Ok(Err(e)),
    };
    let bytes = match decode_certutil(&out.output) {
        Ok(b) => b,
        Err(e) => return Ok(Err(e)),
    };
    let hashed = match cx.run_uncached(&hash_command(remote))? {
        Ok(o) => o,
        Err(e) => return Ok(Err(format!("cannot hash the backup on the VM: {e}"))),
    };
    let on_vm = match parse_hash(&hashed.output) {
        Ok(h) => h,
        Err(e) => return Ok(Err(format!("cannot hash the backup on the VM: {e}"))),
    };
    let here = sha256_hex(&bytes);
    if on_vm != here {
        return Ok(Err(format!(
            "the backup read back differs from {remote} on the VM (SHA-256 {here} here, {on_vm} \
             there): the line garbled it; not relying on it"
        )));
    }
    let name = remote.rsplit('\\').next().unwrap_or(remote);
    let path = local_dir.join(name);
    if let Err(e) = sacdoc_link::owner_only::create_dir_all(local_dir)
        .and_then(|()| sacdoc_link::owner_only::write(&path, &bytes))
    {
        return Ok(Err(format!("cannot keep the backup at {}: {e}", path.display())));
    }
    Ok(Ok(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_certutil_framing() {
        let t = "-----BEGIN CERTIFICATE-----\r\n//5XAGkA\r\nbgA=\r\n-----END CERTIFICATE-----\r\n";
        assert_eq!(decode_certutil(t).unwrap(), vec![0xff, 0xfe, b'W', 0, b'i', 0, b'n', 0]);
        assert!(decode_certutil("The system cannot find the file specified.").is_err());
        assert!(read_back_command(r"C:\temp\a.reg").contains(r#"type "C:\temp\a.reg.b64""#));
    }

    #[test]
    fn a_failed_hash_is_an_error() {
        assert!(parse_hash("CertUtil: -hashfile command FAILED: 0x80070002").is_err());
        assert_eq!(hash_command(r"C:\temp\a.reg"), r#"certutil -hashfile "C:\temp\a.reg" SHA256"#);
    }
}
