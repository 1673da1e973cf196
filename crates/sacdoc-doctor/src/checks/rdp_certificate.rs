//! `rdp-certificate`: the self-signed certificate in `Cert:\LocalMachine\Remote Desktop` (present,
//! not expired, with a private key) and the certificate hash RDP-Tcp is configured with (step 2).
//!
//! The listing is asked as JSON: Windows PowerShell writes `NotAfter` as `\/Date(ms)\/`, which no
//! display language changes, where `Format-List` would print a localized date.

use super::super::commands::{self, q};
use super::super::engine::{Ctx, DoctorError};
use super::super::model::{Backup, Finding, Fix};
use super::shared;
use super::{Check, Found};
use crate::need;
use sacdoc_console::runner::powershell;

pub struct RdpCertificate;

/// One certificate of the store.
#[derive(Debug, Clone)]
pub struct Cert {
    pub thumbprint: String,
    /// Expiry in milliseconds since 1970 (`None` when it could not be read).
    pub not_after_ms: Option<i64>,
    pub not_after_text: String,
    pub has_private_key: Option<bool>,
}

/// Splits the answer of [`commands::rdp_certs`] into the VM's clock (ms since 1970) and the rest.
pub fn split_clock(text: &str) -> (Option<i64>, &str) {
    let t = text.trim_start();
    let (first, rest) = t.split_once('\n').unwrap_or((t, ""));
    match parse_clock(first.trim()) {
        Some(ms) => (Some(ms), rest),
        None => (None, t),
    }
}

/// `2026-01-15T08:00:00.0000000+00:00` (`Get-Date -Format o`), or the en-US long date
/// `Thursday, January 15, 2026 8:00:00 AM` that `Get-Date` prints without `-Format`.
pub fn parse_clock(s: &str) -> Option<i64> {
    if let Some(ms) = super::super::time::ms_from_iso(s) {
        let offset = s.get(19..).and_then(|r| r.find(['+', '-']).map(|i| &r[i..]));
        let adj = offset
            .and_then(|o| {
                let sign = if o.starts_with('-') { -1 } else { 1 };
                let h: i64 = o.get(1..3)?.parse().ok()?;
                let m: i64 = o.get(4..6)?.parse().ok()?;
                Some(sign * (h * 60 + m) * 60_000)
            })
            .unwrap_or(0);
        return Some(ms - adj);
    }
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let words: Vec<String> =
        s.split([' ', ',']).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    let mi = words.iter().position(|w| MONTHS.contains(&w.as_str()))?;
    let month = MONTHS.iter().position(|m| *m == words[mi])? + 1;
    let day: u32 = words.get(mi + 1)?.parse().ok()?;
    let year: i64 = words.get(mi + 2)?.parse().ok()?;
    let hms: Vec<i64> = words.get(mi + 3)?.split(':').filter_map(|x| x.parse().ok()).collect();
    let (mut h, m, sec) = (*hms.first()?, *hms.get(1)?, hms.get(2).copied().unwrap_or(0));
    match words.get(mi + 4).map(String::as_str) {
        Some("pm") if h < 12 => h += 12,
        Some("am") if h == 12 => h = 0,
        _ => {}
    }
    let iso = format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{sec:02}");
    super::super::time::ms_from_iso(&iso)
}

/// Reads `ConvertTo-Json` output: one object, an array, or nothing (empty store).
pub fn parse_certs(text: &str) -> Result<Vec<Cert>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(Vec::new());
    }
    let v: serde_json::Value =
        serde_json::from_str(t).map_err(|e| format!("the certificate listing is not JSON: {e}"))?;
    let items = match v {
        serde_json::Value::Array(a) => a,
        o => vec![o],
    };
    let mut out = Vec::new();
    for it in items {
        let thumb =
            it.get("Thumbprint").and_then(|x| x.as_str()).unwrap_or("").to_ascii_uppercase();
        if thumb.is_empty() {
            continue;
        }
        let na = it.get("NotAfter").cloned().unwrap_or(serde_json::Value::Null);
        let (ms, txt) = date_value(&na);
        let hpk = it.get("HasPrivateKey").and_then(|x| x.as_bool());
        out.push(Cert {
            thumbprint: thumb,
            not_after_ms: ms,
            not_after_text: txt,
            has_private_key: hpk,
        });
    }
    Ok(out)
}

/// `"\/Date(1735689599000)\/"`, `{"value": ...}`, or an ISO `2025-01-01T00:00:00` string.
fn date_value(v: &serde_json::Value) -> (Option<i64>, String) {
    if let Some(inner) = v.get("value") {
        return date_value(inner);
    }
    let Some(s) = v.as_str() else { return (None, v.to_string()) };
    if let Some(rest) = s.strip_prefix("/Date(").or_else(|| s.strip_prefix("\\/Date(")) {
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '-').collect();
        if let Ok(ms) = digits.parse::<i64>() {
            return (Some(ms), super::super::time::iso_from_ms(ms));
        }
    }
    (super::super::time::ms_from_iso(s), s.to_string())
}

impl Check for RdpCertificate {
    fn id(&self) -> &'static str {
        "rdp-certificate"
    }
    fn step(&self) -> &'static str {
        "2: the RDP certificate"
    }
    fn commands(&self) -> Vec<String> {
        vec![commands::rdp_certs(), commands::rdp_tcp_values()]
    }
    fn run(&self, cx: &mut Ctx<'_, '_>) -> Result<Finding, DoctorError> {
        let mut found = Found::new(self);
        let cmd = commands::rdp_certs();
        let out = need!(cx, found, cmd.clone());
        let (vm_now, json) = split_clock(&out.output);
        let certs = match parse_certs(json) {
            Ok(c) => c,
            Err(e) => {
                found.evidence(&cmd, super::show(&out, 6));
                return Ok(found.unknown(e));
            }
        };
        let now = vm_now.unwrap_or_else(super::super::time::now_ms);
        let clock = match vm_now {
            Some(ms) => format!("VM clock {}", super::super::time::iso_from_ms(ms)),
            None => "VM clock unreadable: compared with this computer's clock".to_string(),
        };
        let listing = certs.iter().map(describe).collect::<Vec<_>>();
        let listing =
            if listing.is_empty() { "(store empty)".to_string() } else { listing.join("\n") };
        found.evidence(&cmd, format!("{clock}\n{listing}"));
        let tcp = shared::rdp_tcp(cx)?.unwrap_or_default();
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
                        let mo = need!(cx, found, my.clone());
                        let mine = parse_certs(&mo.output).unwrap_or_default();
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
            None => Ok(found.ok(format!(
                "certificate {} valid until {} (its private key's access: machinekeys-acl)",
                pick.thumbprint, pick.not_after_text
            ))),
        }
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
        cmds.push(powershell(&format!("Remove-Item '{}\\{t}'", commands::RDP_STORE)));
    }
    if clear_hash {
        // The hash names the certificate being removed: without it RDP takes the new one.
        cmds.push(format!("reg delete {} /v SSLCertificateSHA1Hash /f", q(commands::RDP_TCP)));
    }
    cmds.push(powershell("Restart-Service -Name SessionEnv -Force"));
    Fix {
        id: "renew-rdp-cert".into(),
        title: "Renew the RDP self-signed certificate".into(),
        why: "RDP cannot negotiate TLS with an expired certificate or one whose private key it \
              cannot read; when the Remote Desktop Configuration service (SessionEnv) starts with \
              no certificate, Windows creates a new self-signed one."
            .into(),
        backups,
        commands: cmds,
        verify: "rdp-certificate".into(),
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
            format!("reg delete {} /v SSLCertificateSHA1Hash /f", q(commands::RDP_TCP)),
            powershell("Restart-Service -Name SessionEnv -Force"),
        ],
        verify: "rdp-certificate".into(),
        reboot: false,
        later: Vec::new(),
        warning: None,
    }
}
