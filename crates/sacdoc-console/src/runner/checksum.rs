//! The end-to-end check of a capture: the VM hashes the spool file (`certutil -hashfile FILE
//! SHA256`, built into every Windows since Server 2012 R2) and the client hashes what it decoded.
//! Only a capture whose hashes match is returned as the command's output; a line that garbles a
//! byte into another plausible one (a digit in a port number, a base64 character) cannot pass.
//!
//! The hash is read by its shape, not by the words around it, so any display language works:
//! the one line that is 64 hex digits once spaces are dropped (Windows 10 / Server 2016 and later
//! print one run of lowercase digits; Server 2012 R2 prints spaced pairs).

use sha2::Digest as _;

/// The command that prints the SHA-256 of `file` on the VM. `file` is quoted.
pub fn command(file: &str) -> String {
    format!("certutil -hashfile \"{file}\" SHA256")
}

/// The SHA-256 in certutil's answer, lowercased; `None` when no line has the shape of one (the
/// command failed, or the line garbled the hash itself).
pub use sacdoc_parse::certutil::sha256 as parse;

/// The SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn hashes_are_read_in_both_layouts_and_any_language() {
        assert_eq!(sha256_hex(b""), EMPTY);
        // Windows 10 / Server 2016 and later: one run of hex digits.
        let new = format!(
            "SHA256 hash of C:\\temp\\a.reg:\r\n{EMPTY}\r\nCertUtil: -hashfile command completed successfully.\r\n"
        );
        assert_eq!(parse(&new).as_deref(), Some(EMPTY));
        // Older: spaced pairs, upper case.
        let spaced: String = EMPTY
            .to_uppercase()
            .as_bytes()
            .chunks(2)
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        let old = format!("SHA256 hash of file C:\\temp\\a.reg:\r\n{spaced}\r\nCertUtil: -hashfile command completed successfully.\r\n");
        assert_eq!(parse(&old).as_deref(), Some(EMPTY));
        // The words around it do not matter.
        let de = format!("SHA256-Hash von C:\\temp\\a.reg:\r\n{EMPTY}\r\nCertUtil: -hashfile-Befehl wurde erfolgreich ausgeführt.\r\n");
        assert_eq!(parse(&de).as_deref(), Some(EMPTY));
    }

    #[test]
    fn a_garbled_or_missing_hash_is_none() {
        assert_eq!(parse("CertUtil: -hashfile command FAILED: 0x80070002"), None);
        let short = &EMPTY[1..];
        assert_eq!(parse(&format!("SHA256 hash of x:\r\n{short}\r\n")), None);
        let garbled = EMPTY.replacen('e', "g", 1);
        assert_eq!(parse(&format!("SHA256 hash of x:\r\n{garbled}\r\n")), None);
    }
}
