//! `certutil -store STORE [CERTID]`: a store's certificates, each with what certutil finds of its
//! private key. This is how the RDP certificate whose key file is gone from MachineKeys shows
//! itself: Windows keeps the certificate and its key provider information (so PowerShell's
//! `HasPrivateKey` stays `True`), but certutil cannot open the key container and prints
//! `Missing stored keyset` where an openable key shows its `Unique container name:` (the file in
//! MachineKeys).
//!
//! Layout from published captures of `certutil -Store My` on Windows Server (write-ups of the
//! Hack The Box machine "Certificate", 2025: the same certificate printed as `Key Container =` /
//! `Unique container name:` / `Provider =` / `Signature test passed` for a user who can open its
//! key, and `Key Container =` / `Provider =` / `Missing stored keyset` for one who cannot; a lab
//! report's `No key provider information` / `Missing stored keyset` for a certificate without a
//! key; the closing `CertUtil: -store command completed successfully.`), and liupums/k6ncrypt
//! README.md (`CERTUTIL -store my localhost | findstr "Unique container name"` answering
//! `  Unique container name: <hash>_<machine guid>`). The failure line's layout is that of
//! `CertUtil: -exportPFX command FAILED: 0x80090016 (-2146893802 NTE_BAD_KEYSET)` in a published
//! capture of the same machine.
//!
//! GUESS: the first line for the Remote Desktop store (`Remote Desktop "Remote Desktop"`), the
//! RDP key's container name and provider (`TSSecKeySet1`, Microsoft Enhanced Cryptographic
//! Provider v1.0), `Encryption test passed` for it (an exchange key), the serial number (taken from
//! the thumbprint), and the exit code of a failure (the HRESULT, as for `-hashfile`).

use super::certs::{self, Certificate};
use super::clock::civil;
use super::command::{Ctx, Out};
use super::fs::acl::{self, mask};
use super::fs::{host, MACHINE_KEYS};

/// CRYPT_E_NOT_FOUND as a signed exit code.
const CRYPT_E_NOT_FOUND: i32 = -2146885628;

/// The container name of the RDP self-signed certificate's key (its file in MachineKeys is the
/// hash of this name, then `_<machine guid>`).
pub const RDP_KEY_CONTAINER: &str = "TSSecKeySet1";

/// `certutil -store [STORE [CERTID]]` (`args[0]` is `-store`). CERTID is a thumbprint (spaces
/// allowed, any case) or an index.
pub fn store(ctx: &mut Ctx, args: &[String]) -> Out {
    certs::prepare(ctx.st);
    let name = args.get(1).map_or("My", String::as_str);
    let id: Option<String> = args.get(2).map(|s| s.replace(' ', "").to_ascii_uppercase());
    let known = ctx.st.certs.store_names().iter().any(|s| s.eq_ignore_ascii_case(name));
    if !known {
        // GUESS: the text for a store name that does not exist (certutil opens stores read-only
        // and does not create them).
        return failed(
            "The system cannot find the file specified.",
            "0x80070002 (WIN32: 2 ERROR_FILE_NOT_FOUND)",
            -2147024894,
        );
    }
    let list: Vec<(usize, Certificate)> = ctx
        .st
        .certs
        .store(name)
        .iter()
        .cloned()
        .enumerate()
        .filter(|(i, c)| id.as_ref().is_none_or(|id| *id == c.thumbprint || *id == i.to_string()))
        .collect();
    let mut text = format!("{} \"{}\"\r\n", canonical(name), friendly(name));
    if id.is_some() && list.is_empty() {
        text.push_str(&failure_lines(
            "Cannot find object or property.",
            "0x80092004 (-2146885628 CRYPT_E_NOT_FOUND)",
        ));
        return Out::stdout(text, CRYPT_E_NOT_FOUND);
    }
    let token = host::admin_token(ctx.st, ctx.sh);
    for (i, c) in &list {
        text.push_str(&block(ctx, *i, c, &token));
    }
    text.push_str("CertUtil: -store command completed successfully.\r\n");
    Out::stdout(text, 0)
}

fn failed(message: &str, code: &str, exit: i32) -> Out {
    Out::stdout(failure_lines(message, code), exit)
}

fn failure_lines(message: &str, code: &str) -> String {
    format!("CertUtil: -store command FAILED: {code}\r\nCertUtil: {message}\r\n")
}

fn canonical(name: &str) -> String {
    for known in [certs::RDP_STORE, "My", "Root", "CA"] {
        if known.eq_ignore_ascii_case(name) {
            return known.to_string();
        }
    }
    name.to_string()
}

/// The store's display name on the first line (`My "Personal"` is published; the others GUESS).
fn friendly(name: &str) -> &'static str {
    match name.to_ascii_lowercase().as_str() {
        "my" => "Personal",
        "root" => "Trusted Root Certification Authorities",
        "ca" => "Intermediate Certification Authorities",
        _ => "Remote Desktop",
    }
}

/// en-US short date and time without seconds, as certutil prints `NotBefore`: `11/3/2024 3:30 PM`.
fn when(unix: i64) -> String {
    let c = civil(unix);
    let (h, ampm) = c.hour12();
    format!("{}/{}/{} {h}:{:02} {ampm}", c.month, c.day, c.year, c.minute)
}

fn block(ctx: &Ctx, i: usize, c: &Certificate, token: &[String]) -> String {
    let mut t = format!("================ Certificate {i} ================\r\n");
    t.push_str(&format!("Serial Number: {}\r\n", c.thumbprint[..32].to_ascii_lowercase()));
    t.push_str(&format!("Issuer: {}\r\n", c.issuer));
    t.push_str(&format!(" NotBefore: {}\r\n", when(c.not_before)));
    t.push_str(&format!(" NotAfter: {}\r\n", when(c.not_after)));
    t.push_str(&format!("Subject: {}\r\n", c.subject));
    t.push_str("Signature matches Public Key\r\n");
    if c.issuer == c.subject {
        t.push_str("Root Certificate: Subject matches Issuer\r\n");
    } else {
        t.push_str("Non-root Certificate\r\n");
    }
    t.push_str(&format!("Cert Hash(sha1): {}\r\n", c.thumbprint.to_ascii_lowercase()));
    let Some(file) = &c.key_file else {
        t.push_str("No key provider information\r\nMissing stored keyset\r\n");
        return t;
    };
    t.push_str(&format!("  Key Container = {RDP_KEY_CONTAINER}\r\n"));
    let path = format!("{MACHINE_KEYS}\\{file}");
    let tok: Vec<&str> = token.iter().map(String::as_str).collect();
    let opens =
        ctx.st.fs.node(&path).is_some_and(|n| {
            acl::access_granted(&n.owner, &ctx.st.fs.dacl(&path), &tok, mask::READ)
        });
    if opens {
        t.push_str(&format!("  Unique container name: {file}\r\n"));
    }
    t.push_str("  Provider = Microsoft Enhanced Cryptographic Provider v1.0\r\n");
    t.push_str(if opens { "Encryption test passed\r\n" } else { "Missing stored keyset\r\n" });
    t
}

#[cfg(test)]
mod tests {
    use crate::machine::{load_scenario, Machine, ShellState};

    fn run(scenario: &str, command: &str) -> (String, i32) {
        let sc = load_scenario(scenario).expect("scenario");
        let mut m = Machine::new(&sc);
        m.boot();
        let mut sh = ShellState::default();
        let r = m.exec(&mut sh, command);
        (r.output, r.exit_code)
    }

    #[test]
    fn a_present_key_shows_its_file_and_a_missing_one_does_not() {
        let (ok, code) = run("healthy", "certutil -store \"Remote Desktop\"");
        assert_eq!(code, 0, "{ok}");
        assert!(ok.starts_with("Remote Desktop \"Remote Desktop\"\r\n"), "{ok}");
        assert!(ok.contains("  Unique container name: f686aace6942fb7f7ceb231212eef4a4_"), "{ok}");
        assert!(ok.ends_with("CertUtil: -store command completed successfully.\r\n"), "{ok}");
        let (gone, code) = run("cert-key-missing", "certutil -store \"Remote Desktop\"");
        assert_eq!(code, 0, "{gone}");
        assert!(gone.contains("  Key Container = TSSecKeySet1\r\n"), "{gone}");
        assert!(gone.contains("Missing stored keyset\r\n"), "{gone}");
        assert!(!gone.contains("Unique container name"), "{gone}");
    }

    #[test]
    fn a_thumbprint_selects_and_an_unknown_one_fails() {
        let (all, _) = run("healthy", "certutil -store \"Remote Desktop\"");
        let thumb = all
            .lines()
            .find_map(|l| l.strip_prefix("Cert Hash(sha1): "))
            .expect("a certificate")
            .to_string();
        let (one, code) = run("healthy", &format!("certutil -store \"Remote Desktop\" {thumb}"));
        assert_eq!(code, 0);
        assert!(one.contains(&thumb), "{one}");
        let (none, code) = run("healthy", &format!("certutil -store My {thumb}"));
        assert_eq!(code, -2146885628, "{none}");
        assert!(none.contains("FAILED: 0x80092004 (-2146885628 CRYPT_E_NOT_FOUND)"), "{none}");
        let (gone, _) = run("cert-key-missing", "certutil -store \"Remote Desktop\"");
        let thumb = gone.lines().find_map(|l| l.strip_prefix("Cert Hash(sha1): ")).expect("one");
        let (filtered, _) = run(
            "cert-key-missing",
            &format!("certutil -store \"Remote Desktop\" {thumb} | findstr /c:\"Missing stored\" /c:\"Unique container\""),
        );
        assert_eq!(filtered.trim_end(), "Missing stored keyset", "{filtered}");
    }
}
