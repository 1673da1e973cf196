//! The doctor's results as data: findings, fixes, backups, follow-ups and the report.
//!
//! Everything here is `Serialize + Deserialize` so the text report, the JSON report, a replayed
//! transcript and the TUI all read the same values.

use serde::{Deserialize, Serialize};

/// The verdict of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Problem,
    /// The check could not decide (a command failed, output did not parse).
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Problem => "problem",
            Status::Unknown => "unknown",
        }
    }
}

/// The checks of the procedure, by their stable ids (`rdp-port`, ...: reports, JSON, `--check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckId {
    RdpPort,
    Termservice,
    RdpCertificate,
    MachinekeysAcl,
    TlsServer,
    Nla,
    GroupPolicy,
    Firewall,
    Ems,
}

impl CheckId {
    /// Every check, in the order the report lists them.
    pub const ALL: [CheckId; 9] = [
        CheckId::RdpPort,
        CheckId::Termservice,
        CheckId::RdpCertificate,
        CheckId::MachinekeysAcl,
        CheckId::TlsServer,
        CheckId::Nla,
        CheckId::GroupPolicy,
        CheckId::Firewall,
        CheckId::Ems,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::RdpPort => "rdp-port",
            CheckId::Termservice => "termservice",
            CheckId::RdpCertificate => "rdp-certificate",
            CheckId::MachinekeysAcl => "machinekeys-acl",
            CheckId::TlsServer => "tls-server",
            CheckId::Nla => "nla",
            CheckId::GroupPolicy => "group-policy",
            CheckId::Firewall => "firewall",
            CheckId::Ems => "ems",
        }
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `id == "rdp-port"`: ids are compared with their names in reports and tests.
impl PartialEq<&str> for CheckId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A name that is not one of the checks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no check is named {0:?} (the checks: {list})", list = CheckId::ALL.map(CheckId::as_str).join(", "))]
pub struct UnknownCheck(pub String);

impl std::str::FromStr for CheckId {
    type Err = UnknownCheck;
    fn from_str(s: &str) -> Result<CheckId, UnknownCheck> {
        CheckId::ALL.into_iter().find(|c| c.as_str() == s).ok_or_else(|| UnknownCheck(s.into()))
    }
}

/// One command of a fix or follow-up, and the exit codes besides 0 that mean it did its job
/// (`sc start` of a running service answers 1056, `sc stop` of a stopped one 1062).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StepRecord")]
pub struct Step {
    pub command: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_ok: Vec<i32>,
}

impl Step {
    /// A command that must exit 0.
    pub fn new(command: impl Into<String>) -> Step {
        Step { command: command.into(), also_ok: Vec::new() }
    }

    /// Commands that must each exit 0.
    pub fn all<S: Into<String>>(commands: impl IntoIterator<Item = S>) -> Vec<Step> {
        commands.into_iter().map(Step::new).collect()
    }

    /// A command for which exit code `code` also means success.
    pub fn also_ok(mut self, code: i32) -> Step {
        self.also_ok.push(code);
        self
    }

    /// Whether the command succeeded with this exit code.
    pub fn succeeded(&self, code: Option<i32>) -> bool {
        code.is_some_and(|c| c == 0 || self.also_ok.contains(&c))
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.command)
    }
}

/// A step as stored: state files written before steps had exit codes hold plain command lines.
#[derive(Deserialize)]
#[serde(untagged)]
enum StepRecord {
    Plain(String),
    Full {
        command: String,
        #[serde(default)]
        also_ok: Vec<i32>,
    },
}

impl From<StepRecord> for Step {
    fn from(r: StepRecord) -> Step {
        match r {
            StepRecord::Plain(command) => Step::new(command),
            StepRecord::Full { command, also_ok } => Step { command, also_ok },
        }
    }
}

/// A fix applied on this target in an earlier run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    pub fix: String,
    /// The check the fix repaired.
    pub check: CheckId,
    pub at: String,
    /// The check passed right after the fix.
    pub verified: bool,
}

/// One article command as it ran (`--full`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleRun {
    pub command: String,
    pub exit_code: Option<i32>,
    pub output: String,
    pub bytes: u64,
}

/// What decided a finding: the command and the lines of its output that mattered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub command: String,
    /// The decisive lines (or a short statement of what was absent), never the whole output.
    pub excerpt: String,
}

/// A backup taken on the VM before a fix changes anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backup {
    /// What is saved, e.g. `SCHANNEL Protocols key`.
    pub what: String,
    /// The command that writes the backup file on the VM.
    pub command: String,
    /// Where the backup lands on the VM.
    pub remote_file: String,
    /// The command that puts it back (empty when it can only be restored by hand).
    pub restore: String,
}

/// Kinds of follow-ups that outlive one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PendingKind {
    /// The VM must restart for a change to take effect.
    Reboot,
    /// Group Policy updates were stopped and must be turned back on after the restart.
    ReenableGroupPolicy,
    /// The Azure network security group must allow a new RDP port (only the Azure side can).
    AzureNsgPort,
    /// A domain policy sets the value; it must be changed in Active Directory.
    DomainPolicy,
}

/// A follow-up that must happen after this run: tracked per target on this machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingItem {
    pub kind: PendingKind,
    /// What to do and why, one or two sentences.
    pub description: String,
    /// What `--finish-pending` runs; empty when only a person can do it.
    pub commands: Vec<Step>,
    /// The item can only be finished after the VM restarted.
    pub after_reboot: bool,
    /// When the item was created (UTC, `YYYY-MM-DDTHH:MM:SSZ`).
    pub created: String,
    /// The fix that created it.
    pub from_fix: String,
}

/// A repair, as data: the exact commands, why, the backups first, and how it is checked after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    /// Stable id; two checks proposing the same fix share it (it runs once).
    pub id: String,
    pub title: String,
    pub why: String,
    /// Backups taken before the first command runs.
    pub backups: Vec<Backup>,
    /// The commands, in order; each must succeed.
    pub commands: Vec<Step>,
    /// The check run again afterwards to confirm the fix holds (none for a follow-up).
    pub verify: Option<CheckId>,
    /// The change only takes effect after a restart.
    pub reboot: bool,
    /// Follow-ups recorded when the fix is applied.
    pub later: Vec<PendingItem>,
    /// A security consequence the user must accept (e.g. enabling TLS 1.0).
    pub warning: Option<String>,
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub id: CheckId,
    pub status: Status,
    pub summary: String,
    pub evidence: Vec<Evidence>,
    /// The step of the procedure the check belongs to.
    pub step: String,
    pub fix: Option<Fix>,
    /// Bytes over the line for the commands this check ran first (shared outputs are paid once).
    pub bytes: u64,
}

/// What happened to one fix under `--apply`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixState {
    /// Not confirmed (or no terminal and no `--yes`): nothing ran.
    Skipped,
    /// All commands exited 0.
    Applied,
    /// A command failed and the backup was restored: the VM is as it was.
    RolledBack,
    /// A command failed and the VM could not be put back entirely; `detail` says where it is.
    Failed,
}

/// The record of one fix under `--apply`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixOutcome {
    pub fix: String,
    pub state: FixState,
    pub detail: String,
    /// Whether the verifying check passed afterwards (`None` when it did not run).
    pub verified: Option<bool>,
    /// The local copies of the backups.
    pub local_backups: Vec<String>,
    pub bytes: u64,
}

/// The whole report of one `sacdoc doctor` run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub target: String,
    pub checks: Vec<Finding>,
    /// Present with `--apply`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<FixOutcome>,
    /// Follow-ups still open for this target after the run.
    pub pending: Vec<PendingItem>,
    /// Things the user must know (e.g. that a built-in scenario was used).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// `--finish-pending` restarted the VM; the diagnosis waits for the next run.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restarting: bool,
    /// `--full`: the article's commands as written, with their outputs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub article: Vec<ArticleRun>,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub duration_ms: u64,
}

impl Report {
    /// The process exit code: 0 all ok, 1 a problem found (or left after `--apply`), 2 no
    /// diagnosis.
    pub fn exit_code(&self) -> i32 {
        if self.restarting {
            return 1;
        }
        let mut unknown = false;
        for c in &self.checks {
            match c.status {
                Status::Ok => {}
                Status::Unknown => unknown = true,
                Status::Problem => {
                    let fixed = c.fix.as_ref().is_some_and(|f| {
                        self.fixes.iter().any(|o| o.fix == f.id && o.verified == Some(true))
                    });
                    if !fixed {
                        return 1;
                    }
                }
            }
        }
        if unknown {
            2
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_ids_read_and_print_their_names() {
        for id in CheckId::ALL {
            assert_eq!(id.as_str().parse::<CheckId>(), Ok(id));
            assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{id}\""));
        }
        let e = "rdp_port".parse::<CheckId>().unwrap_err().to_string();
        assert!(e.contains("rdp-port, termservice"), "{e}");
    }

    #[test]
    fn a_step_succeeds_on_zero_and_its_own_codes_only() {
        let start = Step::new("sc start TermService").also_ok(1056);
        assert!(start.succeeded(Some(0)) && start.succeeded(Some(1056)));
        assert!(!start.succeeded(Some(1062)) && !start.succeeded(None));
        assert!(!Step::new("sc config x start= demand").succeeded(Some(1056)));
    }
}
