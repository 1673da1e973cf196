//! A Windows disk attached to the machine the doctor is connected to (a recovery VM, given with
//! `--offline-disk F`): the online checks read the running system, never that disk, so the
//! findings of the checks the offline procedure repairs (`ems`, `tls-server`, `nla`) say so and
//! point to the offline script.

use super::super::engine::{Ctx, DoctorError};
use super::super::model::{CheckId, Finding};

/// The checks whose repair on an attached disk is the offline script's job.
pub const OFFLINE_CHECKS: [CheckId; 3] = [CheckId::Ems, CheckId::TlsServer, CheckId::Nla];

/// The probe for a Windows installation on drive `d` (one short line; answered once per run from
/// the command cache however many checks ask).
pub fn probe(d: char) -> String {
    format!(r"if exist {d}:\Windows\System32\config\SYSTEM echo yes")
}

/// Whether the probe's answer says the installation is there (`yes` is the doctor's own word,
/// echoed, so it is the same in every display language).
pub fn present(output: &str) -> bool {
    output.lines().any(|l| l.trim() == "yes")
}

/// The sentence added to a finding when a Windows disk is attached at `d`.
pub fn sentence(d: char) -> String {
    format!(
        "the Windows disk attached as {d}: is not diagnosed online (these checks read this \
         machine); print its repair script with `sacdoc doctor --offline-script --drive {d}` and \
         run it here"
    )
}

/// Adds the attached-disk note to finding `f` when `--offline-disk` names a drive that holds a
/// Windows installation and `f` is one of [`OFFLINE_CHECKS`].
pub fn note(cx: &mut Ctx<'_, '_>, f: &mut Finding) -> Result<(), DoctorError> {
    let Some(d) = cx.settings.offline_disk else { return Ok(()) };
    if !OFFLINE_CHECKS.contains(&f.id) {
        return Ok(());
    }
    let cmd = probe(d);
    let out = match cx.run(&cmd)? {
        Ok(o) => o,
        Err(e) => {
            f.evidence.push(super::super::model::Evidence {
                command: cmd,
                excerpt: format!("could not look for a Windows disk at {d}: ({e})"),
            });
            return Ok(());
        }
    };
    let found = present(&out.output);
    f.evidence.push(super::super::model::Evidence {
        command: cmd,
        excerpt: if found {
            format!(r"{d}:\Windows\System32\config\SYSTEM exists: a Windows disk is attached")
        } else {
            format!("no Windows installation on {d}:")
        },
    });
    if found {
        f.summary = format!("{}; {}", f.summary, sentence(d));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::sim_output;
    use super::*;

    #[test]
    fn the_recovery_vm_has_the_broken_disk_at_f() {
        assert!(present(&sim_output("recovery-vm", &probe('F'))));
        assert!(!present(&sim_output("recovery-vm", &probe('G'))));
        assert!(!present(&sim_output("healthy", &probe('F'))));
    }
}
