//! `gpresult /r` (computer side): the computer's distinguished name and the applied GPOs.
//!
//! Its labels are translated in every display language, so it is read by shape: the DN line has
//! `CN=` and `DC=`; the applied GPOs are the first block under a dashed ruler whose lines hold
//! neither `:` nor `=` (the blocks before it are `Label: value` lines and the DN).

use serde::Serialize;

/// What `gpresult /r` says about the computer side.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GpResult {
    /// The computer's distinguished name (`CN=...,DC=...`): present only on a domain member.
    pub dn: Option<String>,
    /// Applied GPOs (other than the local policy).
    pub gpos: Vec<String>,
}

/// Reads `gpresult /r` output. Never fails: an unrecognised answer reads as no DN and no GPO.
pub fn parse(text: &str) -> GpResult {
    let mut r = GpResult::default();
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    for l in &lines {
        let t = l.trim();
        if r.dn.is_none() && t.starts_with("CN=") && t.contains("DC=") {
            r.dn = Some(t.to_string());
        }
    }
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim();
        if t.len() < 3 || !t.chars().all(|c| c == '-') {
            continue;
        }
        let block: Vec<&str> =
            lines[i + 1..].iter().map(|x| x.trim()).take_while(|x| !x.is_empty()).collect();
        if !block.is_empty() && block.iter().all(|x| !x.contains(':') && !x.contains('=')) {
            r.gpos = block
                .into_iter()
                .filter(|n| !n.eq_ignore_ascii_case("Local Group Policy"))
                .map(str::to_string)
                .collect();
            break;
        }
    }
    r
}
