//! `termservice`: Remote Desktop Services (TermService) and the two services it needs
//! (SessionEnv, UmRdpService): state and start type.
//!
//! State comes from `sc query` (the state word and code are never translated); start type from
//! the service's `Start` value, a one-line `reg query` instead of the dozen lines of `sc qc`.

use super::super::commands;
use super::super::engine::{CheckError, Ctx};
use super::super::model::{CheckId, Finding};
use super::shared::{self, RDP_SERVICES};
use super::{Check, Found};
use sacdoc_parse::sc::ServiceState;

pub struct TermService;

impl Check for TermService {
    fn id(&self) -> CheckId {
        CheckId::Termservice
    }
    fn step(&self) -> &'static str {
        "1: the RDP port (TermService)"
    }
    fn commands(&self) -> Vec<String> {
        RDP_SERVICES
            .iter()
            .flat_map(|s| [commands::sc_query(s), commands::service_start(s)])
            .collect()
    }
    fn run(&self, cx: &mut Ctx<'_, '_>, found: &mut Found) -> Result<Finding, CheckError> {
        let mut services = Vec::new();
        for name in RDP_SERVICES {
            let s = shared::service(cx, name)?;
            found.evidence(&commands::sc_query(name), s.evidence.clone());
            services.push(s);
        }
        let mut wrong = Vec::new();
        for s in &services {
            match (s.state, s.start) {
                (None, _) => wrong.push(format!("{} is not installed", s.name)),
                (_, Some(4)) => wrong.push(format!("{} is disabled", s.name)),
                (Some(st), _) if s.name == "TermService" && st != ServiceState::Running => {
                    wrong.push(format!("TermService is {}", shared::state_word(st)))
                }
                _ => {}
            }
        }
        if wrong.is_empty() {
            let ts = services.iter().map(|s| s.evidence.clone()).collect::<Vec<_>>().join("; ");
            return Ok(found.ok(ts));
        }
        let fix = shared::termservice_fix(&services, &cx.settings.run_id);
        Ok(found.problem(wrong.join("; "), fix))
    }
}
