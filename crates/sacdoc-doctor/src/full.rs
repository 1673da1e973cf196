//! `--full`: the procedure's own commands, exactly as the article writes them (corrected where
//! it is wrong), run for the record next to the doctor's cheaper ones. The bench compares both.

use super::commands::{MACHINEKEYS, RDP_TCP, SCHANNEL_PROTOCOLS};
use super::engine::{Ctx, DoctorError};
pub use super::model::ArticleRun;

/// The article's read-only commands (online path), with its corrections applied.
pub fn article_commands() -> Vec<String> {
    let mut v = vec![
        format!("reg query \"{RDP_TCP}\" /v PortNumber"),
        "netstat -anob".to_string(),
        "sc query TermService".to_string(),
        "sc qc TermService".to_string(),
        "sc query SessionEnv".to_string(),
        "sc query UmRdpService".to_string(),
        sacdoc_console::runner::powershell(
            "Get-ChildItem 'Cert:\\LocalMachine\\Remote Desktop' | Format-List",
        ),
        format!("icacls {MACHINEKEYS} /t /c"),
    ];
    for t in ["TLS 1.0", "TLS 1.1", "TLS 1.2"] {
        v.push(format!("reg query \"{SCHANNEL_PROTOCOLS}\\{t}\\Server\""));
    }
    v.push(format!("reg query \"{RDP_TCP}\""));
    v.push("sc qc gpsvc".to_string());
    v.push("gpresult /r".to_string());
    v.push(
        "netsh advfirewall firewall show rule name=\"Remote Desktop - User Mode (TCP-In)\""
            .to_string(),
    );
    v.push("bcdedit /enum".to_string());
    v
}

/// Runs the article's commands and returns their complete outputs.
pub fn run_article(cx: &mut Ctx<'_, '_>) -> Result<Vec<ArticleRun>, DoctorError> {
    let mut out = Vec::new();
    cx.begin_article();
    for cmd in article_commands() {
        match cx.run(&cmd)? {
            Ok(o) => out.push(ArticleRun {
                command: cmd,
                exit_code: o.exit_code,
                output: o.output.clone(),
                bytes: o.bytes_sent + o.bytes_received,
            }),
            Err(e) => out.push(ArticleRun {
                command: cmd,
                exit_code: None,
                output: e.to_string(),
                bytes: 0,
            }),
        }
    }
    Ok(out)
}
