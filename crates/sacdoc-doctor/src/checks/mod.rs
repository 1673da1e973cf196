//! The checks of the procedure, one per file. Each declares the commands it reads, decides a
//! status from their output, and proposes a fix as data.

use std::rc::Rc;

use sacdoc_console::runner::CommandOutput;

use super::engine::{CheckError, Ctx};
use super::model::{CheckId, Evidence, Finding, Fix, Status};

pub mod attached;
pub mod ems;
pub mod firewall;
pub mod group_policy;
pub mod machinekeys_acl;
pub mod nla;
pub mod rdp_certificate;
pub mod rdp_port;
pub mod shared;
pub mod termservice;
pub mod tls_server;

/// One check of the procedure.
pub trait Check {
    /// Stable id (`rdp-port`, ...), used in reports, JSON and `--check`.
    fn id(&self) -> CheckId;
    /// The step of the procedure it belongs to.
    fn step(&self) -> &'static str;
    /// The commands it always runs (it may run more that depend on their answers).
    fn commands(&self) -> Vec<String>;
    /// Reads the VM through `cx` and decides, noting evidence in `found` as it goes. An error
    /// other than a lost line makes the finding `unknown` with the evidence gathered so far.
    fn run(&self, cx: &mut Ctx<'_, '_>, found: &mut Found) -> Result<Finding, CheckError>;
}

/// Every check, in the order the report lists them.
pub fn all() -> Vec<Box<dyn Check>> {
    vec![
        Box::new(rdp_port::RdpPort),
        Box::new(termservice::TermService),
        Box::new(rdp_certificate::RdpCertificate),
        Box::new(machinekeys_acl::MachineKeysAcl),
        Box::new(tls_server::TlsServer),
        Box::new(nla::Nla),
        Box::new(group_policy::GroupPolicy),
        Box::new(firewall::Firewall),
        Box::new(ems::Ems),
    ]
}

/// The check with this id.
pub fn by_id(id: CheckId) -> Option<Box<dyn Check>> {
    all().into_iter().find(|c| c.id() == id)
}

/// Builds a [`Finding`] step by step.
pub struct Found {
    f: Finding,
}

impl Found {
    pub fn new(check: &dyn Check) -> Found {
        Found {
            f: Finding {
                id: check.id(),
                status: Status::Unknown,
                summary: String::new(),
                evidence: Vec::new(),
                step: check.step().to_string(),
                fix: None,
                bytes: 0,
            },
        }
    }
    pub fn evidence(&mut self, command: &str, excerpt: impl Into<String>) -> &mut Self {
        self.f.evidence.push(Evidence { command: command.to_string(), excerpt: excerpt.into() });
        self
    }
    pub fn ok(&mut self, summary: impl Into<String>) -> Finding {
        self.decide(Status::Ok, summary.into(), None)
    }
    pub fn problem(&mut self, summary: impl Into<String>, fix: Option<Fix>) -> Finding {
        self.decide(Status::Problem, summary.into(), fix)
    }
    pub fn unknown(&mut self, summary: impl Into<String>) -> Finding {
        self.decide(Status::Unknown, summary.into(), None)
    }

    /// The unknown finding of a check that stopped on `e` (its command and reason as evidence).
    pub fn undecided(&mut self, e: &CheckError) -> Finding {
        if let Some(command) = e.command() {
            let reason = match e {
                CheckError::Command(c) => c.source.to_string(),
                CheckError::Unreadable { reason, .. } => reason.to_string(),
                CheckError::Doctor(d) => d.to_string(),
            };
            self.evidence(command, reason);
        }
        self.unknown(e.to_string())
    }

    fn decide(&mut self, status: Status, summary: String, fix: Option<Fix>) -> Finding {
        let mut f = self.f.clone();
        f.status = status;
        f.summary = summary;
        f.fix = fix;
        f
    }
}

/// The output and the command line of a command, for evidence.
pub fn show(out: &Rc<CommandOutput>, max_lines: usize) -> String {
    let text = super::extract::head(&out.output, max_lines);
    if text.is_empty() {
        format!("(no output, exit code {})", code(out))
    } else {
        text
    }
}

/// The exit code as text.
pub fn code(out: &CommandOutput) -> String {
    out.exit_code.map_or_else(|| "unknown".to_string(), |c| c.to_string())
}

/// Test helpers shared by the checks' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    /// A capture from `tests/fixtures/parse/` without its leading `#|` source lines.
    pub fn fixture(raw: &str) -> String {
        raw.lines().skip_while(|l| l.starts_with("#|")).map(|l| format!("{l}\n")).collect()
    }

    /// The output of `command` on a simulated machine of built-in scenario `scenario`.
    pub fn sim_output(scenario: &str, command: &str) -> String {
        let sc = sacdoc_sim::machine::load_scenario(scenario).expect("built-in scenario");
        let mut m = sacdoc_sim::machine::Machine::new(&sc);
        m.boot();
        let mut sh = sacdoc_sim::machine::ShellState::default();
        m.exec(&mut sh, command).output
    }
}
