//! `rdp-certificate`: the self-signed certificate in `Cert:\LocalMachine\Remote Desktop` (present,
//! not expired, with a private key) and the certificate hash RDP-Tcp is configured with (step 2).
//!
//! A valid certificate's key is then opened with certutil: the store keeps a certificate whose key
//! file was deleted from MachineKeys, and PowerShell's `HasPrivateKey` still says `True` for it.
//!
//! The listing is asked as JSON: Windows PowerShell writes `NotAfter` as `\/Date(ms)\/`, which no
//! display language changes, where `Format-List` would print a localized date.

use super::super::commands::{self, q};
use super::super::engine::{CheckError, Ctx, Optional};
use super::super::model::{Backup, CheckId, Finding, Fix, Step};
use super::shared;
use super::{Check, Found};
use sacdoc_console::runner::powershell;
use sacdoc_parse::certs::json::{self, JsonCert as Cert};

pub struct RdpCertificate;

impl Check for RdpCertificate {
    fn id(&self) -> CheckId {
        CheckId::RdpCertificate
    }
    fn step(&self) -> &'static str {
        "2: the RDP certificate"
    }
    fn commands(&self) -> Vec<String> {
        vec![commands::rdp_certs(), commands::rdp_tcp_values()]
    }
    fn run(&self, cx: &mut Ctx<'_, '_>, found: &mut Found) -> Result<Finding, CheckError> {
        let cmd = commands::rdp_certs();
        let out = cx.need(&cmd)?;
        let (vm_now, listing) = json::split_clock(&out.output);
        let certs = json::parse(listing).map_err(|e| {
            found.evidence(&cmd, super::show(&out, 6));
            CheckError::Unreadable { command: cmd.clone(), reason: e.into() }
        })?;
        let now = vm_now.unwrap_or_else(super::super::time::now_ms);
        let clock = match vm_now {
            Some(ms) => format!("VM clock {}", super::super::time::iso_or_ms(ms)),
            None => "VM clock unreadable: compared with this computer's clock".to_string(),
        };
        let listing = certs.iter().map(describe).collect::<Vec<_>>();
        let listing =
            if listing.is_empty() { "(store empty)".to_string() } else { listing.join("\n") };
        found.evidence(&cmd, format!("{clock}\n{listing}"));
        let tcp = shared::rdp_tcp(cx).optional()?.unwrap_or_default();
        let run_id = cx.settings.run_id.clone();
        // The certificate RDP uses: the configured hash (Remote Desktop or My store), else the
        // newest in the Remote Desktop store, as the listener picks it.
        let (pick, in_rdp_store) = match &tcp.cert_hash {
            Some(h) => {
                found.evidence(&commands::rdp_tcp_values(), format!("SSLCertificateSHA1Hash {h}"));
                match certs.iter().find(|c| &c.thumbprint == h) {
                    Some(c) => (c.clone(), true),
                    None => {
                        let my = commands::my_certs();
                        let mo = cx.need(&my)?;
                        let mine = json::parse(&mo.output).unwrap_or_default();
                        match mine.into_iter().find(|c| &c.thumbprint == h) {
                            Some(c) => {
                                found.evidence(&my, describe(&c));
                                (c, false)
                            }
                            None => {
                                found.evidence(&my, format!("{h} is in no store"));
                                let summary = format!(
                                    "RDP-Tcp is configured with certificate {h}, which no store holds"
                                );
                                return Ok(found.problem(summary, Some(clear_hash_fix(&run_id))));
                            }
                        }
                    }
                }
            }
            None => match certs.iter().max_by_key(|c| c.not_after_ms.unwrap_or(i64::MIN)) {
                Some(c) => (c.clone(), true),
                None => {
                    return Ok(found.problem(
                        "no certificate in the Remote Desktop store",
                        Some(renew_fix(None, false, &run_id)),
                    ))
                }
            },
        };
        let hash_names_it = tcp.cert_hash.as_deref() == Some(pick.thumbprint.as_str());
        let why = if pick.not_after_ms.is_some_and(|t| t <= now) {
            Some("expired")
        } else if pick.has_private_key == Some(false) {
            Some("has no private key")
        } else {
            None
        };
        match why {
            Some(why) => {
                let summary = format!(
                    "the RDP certificate {} {why} ({})",
                    pick.thumbprint, pick.not_after_text
                );
                let fix = if in_rdp_store {
                    Some(renew_fix(Some(&pick.thumbprint), hash_names_it, &run_id))
                } else {
                    None
                };
                Ok(found.problem(summary, fix))
            }
            None if in_rdp_store => match key_state(cx, found, &pick.thumbprint)? {
                KeyState::Missing => {
                    let summary = format!(
                        "the RDP certificate {} has lost its private key: certutil finds no \
                         stored keyset and MachineKeys has no {}_* file",
                        pick.thumbprint,
                        commands::RDP_KEY_STEM
                    );
                    let fix = renew_fix(Some(&pick.thumbprint), hash_names_it, &run_id);
                    Ok(found.problem(summary, Some(fix)))
                }
                KeyState::Unreadable => Ok(found.ok(format!(
                    "certificate {} valid until {}; its key file is in MachineKeys but cannot be \
                     opened (its access: machinekeys-acl)",
                    pick.thumbprint, pick.not_after_text
                ))),
                KeyState::Opens | KeyState::Unknown => Ok(found.ok(format!(
                    "certificate {} valid until {} (its private key's access: machinekeys-acl)",
                    pick.thumbprint, pick.not_after_text
                ))),
            },
            None => Ok(found.ok(format!(
                "certificate {} valid until {} (its private key's access: machinekeys-acl)",
                pick.thumbprint, pick.not_after_text
            ))),
        }
    }
}

/// What the VM shows of the RDP certificate's private key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyState {
    /// certutil opens it (`Unique container name:`).
    Opens,
    /// certutil cannot open it and its file is not in MachineKeys.
    Missing,
    /// certutil cannot open it but the file is there: its permissions (machinekeys-acl).
    Unreadable,
    /// certutil's answer has neither line (another display language, or an error).
    Unknown,
}

/// Asks certutil whether the key opens; only when it does not, looks for the key file. The
/// certificate store keeps a certificate's key provider information when the key file is deleted,
/// so `HasPrivateKey` stays `True` and only opening the key tells.
fn key_state(cx: &mut Ctx<'_, '_>, found: &mut Found, thumb: &str) -> Result<KeyState, CheckError> {
    let cmd = commands::rdp_cert_key(thumb);
    let out = cx.need(&cmd)?;
    let state = key_answer(&out.output);
    found.evidence(&cmd, super::show(&out, 3));
    if state != KeyState::Missing {
        return Ok(state);
    }
    let dir = commands::rdp_key_file();
    let listing = cx.need(&dir)?;
    found.evidence(&dir, super::show(&listing, 3));
    let present = listing
        .output
        .lines()
        .any(|l| l.trim().to_ascii_lowercase().starts_with(commands::RDP_KEY_STEM));
    Ok(if present { KeyState::Unreadable } else { KeyState::Missing })
}

/// Reads the filtered certutil answer ([`commands::rdp_cert_key`]); `Missing` here means only
/// that certutil could not open the key.
fn key_answer(text: &str) -> KeyState {
    if text.contains("Unique container name") {
        KeyState::Opens
    } else if text.contains("Missing stored keyset") {
        KeyState::Missing
    } else {
        KeyState::Unknown
    }
}

fn describe(c: &Cert) -> String {
    format!(
        "{} expires {} private key {}",
        c.thumbprint,
        c.not_after_text,
        c.has_private_key.map_or("unknown", |b| if b { "yes" } else { "no" })
    )
}

/// Removes the certificate (after exporting it) and restarts SessionEnv, which creates a new one.
fn renew_fix(thumb: Option<&str>, clear_hash: bool, run_id: &str) -> Fix {
    let mut backups = Vec::new();
    let mut cmds = Vec::new();
    if clear_hash {
        let file = format!(r"{}\{run_id}-rdp-tcp.reg", commands::BACKUP_DIR);
        backups.push(Backup {
            what: "RDP-Tcp key".into(),
            command: format!("reg export {} {} /y", q(commands::RDP_TCP), q(&file)),
            remote_file: file.clone(),
            restore: format!("reg import {}", q(&file)),
        });
    }
    if let Some(t) = thumb {
        let file = format!(r"{}\{run_id}-rdp-cert.cer", commands::BACKUP_DIR);
        backups.push(Backup {
            what: format!("RDP certificate {t} (public part)"),
            command: powershell(&format!(
                "Export-Certificate -Cert '{}\\{t}' -FilePath '{file}'",
                commands::RDP_STORE
            )),
            remote_file: file,
            restore: String::new(),
        });
        cmds.push(Step::new(powershell(&format!("Remove-Item '{}\\{t}'", commands::RDP_STORE))));
    }
    if clear_hash {
        // The hash names the certificate being removed: without it RDP takes the new one.
        cmds.push(Step::new(format!(
            "reg delete {} /v SSLCertificateSHA1Hash /f",
            q(commands::RDP_TCP)
        )));
    }
    cmds.push(Step::new(powershell("Restart-Service -Name SessionEnv -Force")));
    Fix {
        id: "renew-rdp-cert".into(),
        title: "Renew the RDP self-signed certificate".into(),
        why: "RDP cannot negotiate TLS with an expired certificate or one whose private key it \
              cannot read; when the Remote Desktop Configuration service (SessionEnv) starts with \
              no certificate, Windows creates a new self-signed one."
            .into(),
        backups,
        commands: cmds,
        verify: Some(CheckId::RdpCertificate),
        reboot: false,
        later: Vec::new(),
        warning: None,
    }
}

/// Deletes a certificate hash that points nowhere, so RDP falls back to the self-signed one.
fn clear_hash_fix(run_id: &str) -> Fix {
    let file = format!(r"{}\{run_id}-rdp-tcp.reg", commands::BACKUP_DIR);
    Fix {
        id: "clear-rdp-cert-hash".into(),
        title: "Remove the RDP-Tcp certificate hash that names a missing certificate".into(),
        why: "RDP-Tcp names a certificate that is not in the Remote Desktop store; without the \
              value RDP uses its self-signed certificate."
            .into(),
        backups: vec![Backup {
            what: "RDP-Tcp key".into(),
            command: format!("reg export {} {} /y", q(commands::RDP_TCP), q(&file)),
            remote_file: file.clone(),
            restore: format!("reg import {}", q(&file)),
        }],
        commands: vec![
            Step::new(format!("reg delete {} /v SSLCertificateSHA1Hash /f", q(commands::RDP_TCP))),
            Step::new(powershell("Restart-Service -Name SessionEnv -Force")),
        ],
        verify: Some(CheckId::RdpCertificate),
        reboot: false,
        later: Vec::new(),
        warning: None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::sim_output;
    use super::*;

    /// The thumbprint certutil lists first in the Remote Desktop store of `scenario`.
    fn thumb(scenario: &str) -> String {
        let all = sim_output(scenario, "certutil -store \"Remote Desktop\"");
        all.lines().find_map(|l| l.strip_prefix("Cert Hash(sha1): ")).expect("one").to_string()
    }

    #[test]
    fn the_filtered_certutil_answer_tells_an_opening_key_from_a_missing_one() {
        let ok = sim_output("healthy", &commands::rdp_cert_key(&thumb("healthy")));
        assert_eq!(key_answer(&ok), KeyState::Opens, "{ok}");
        let gone = commands::rdp_cert_key(&thumb("cert-key-missing"));
        let gone = sim_output("cert-key-missing", &gone);
        assert_eq!(key_answer(&gone), KeyState::Missing, "{gone}");
        // Another display language: neither label, no verdict either way.
        assert_eq!(key_answer("Fehlender gespeicherter Schlüsselsatz"), KeyState::Unknown);
    }

    #[test]
    fn the_key_file_listing_tells_missing_from_unreadable() {
        let gone = sim_output("cert-key-missing", &commands::rdp_key_file());
        assert!(!gone.contains(commands::RDP_KEY_STEM), "{gone}");
        // MachineKeys owned by a deleted account: certutil cannot open the key, the file is there.
        let t = thumb("machinekeys-acl");
        let acl = sim_output("machinekeys-acl", &commands::rdp_cert_key(&t));
        assert_eq!(key_answer(&acl), KeyState::Missing, "{acl}");
        let there = sim_output("machinekeys-acl", &commands::rdp_key_file());
        assert!(there.trim().starts_with(commands::RDP_KEY_STEM), "{there}");
    }
}
