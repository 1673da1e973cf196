//! `certutil` answers: the base64 block of `certutil -encode` (as `type` prints the file) and the
//! digest line of `certutil -hashfile FILE SHA256`.

use base64::Engine as _;

/// Why a `certutil -encode` answer gave no bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The answer has no `-----BEGIN` line: certutil or `type` printed an error instead.
    #[error("no certutil base64 block in the answer: {0}")]
    NoBlock(String),
    #[error("the base64 read back does not decode: {0}")]
    Base64(#[from] base64::DecodeError),
}

/// Decodes certutil's base64 text (BEGIN/END lines dropped, line breaks ignored).
pub fn decode(text: &str) -> Result<Vec<u8>, DecodeError> {
    if !text.contains("-----BEGIN") {
        return Err(DecodeError::NoBlock(text.trim().to_string()));
    }
    let body: String =
        text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("-----")).collect();
    Ok(base64::engine::general_purpose::STANDARD.decode(body.as_bytes())?)
}

/// The SHA-256 in a `certutil -hashfile FILE SHA256` answer, as 64 lower-case hexadecimal digits:
/// the line of hexadecimal digits (Windows 10/2016 and later print them joined, older versions
/// in spaced pairs). The labels around it are translated, the digits are not.
pub fn sha256(text: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let hex: String = l.chars().filter(|c| !c.is_whitespace()).collect();
        (hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()))
            .then(|| hex.to_ascii_lowercase())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_certutil_framing() {
        let t = "-----BEGIN CERTIFICATE-----\r\n//5XAGkA\r\nbgA=\r\n-----END CERTIFICATE-----\r\n";
        assert_eq!(decode(t).unwrap(), vec![0xff, 0xfe, b'W', 0, b'i', 0, b'n', 0]);
        assert!(matches!(
            decode("The system cannot find the file specified."),
            Err(DecodeError::NoBlock(_))
        ));
        let bad = "-----BEGIN CERTIFICATE-----\r\n//5X*GkA\r\n-----END CERTIFICATE-----\r\n";
        assert!(matches!(decode(bad), Err(DecodeError::Base64(_))));
    }
}
