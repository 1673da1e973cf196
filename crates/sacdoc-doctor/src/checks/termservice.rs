//! `termservice`: Remote Desktop Services (TermService) and the two services it needs
//! (SessionEnv, UmRdpService): state and start type.
//!
//! State comes from `sc query` (the state word and code are never translated); start type from
//! the service's `Start` value, a one-line `reg query` instead of the dozen lines of `sc qc`.

use super::super::commands;
use super::super::engine::{Ctx, DoctorError};
use super::super::model::Finding;
use super::shared::{self, RDP_SERVICES};
use super::{Check, Found};

pub struct TermService;

impl Check for TermService {
    fn id(&self) -> &'static str {
        "termservice"
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
    fn run(&self, cx: &mut Ctx<'_, '_>) -> Result<Finding, DoctorError> {
        let mut found = Found::new(self);
        let mut services = Vec::new();
        for name in RDP_SERVICES {
            match shared::service(cx, name)? {
                Ok(s) => {
                    found.evidence(&commands::sc_query(name), s.evidence.clone());
                    services.push(s);
                }
                Err(e) => return Ok(found.unknown(format!("cannot read {name}: {e}"))),
            }
        }
        let mut wrong = Vec::new();
        for s in &services {
            match (&s.state, s.start) {
                (None, _) => wrong.push(format!("{} is not installed", s.name)),
                (_, Some(4)) => wrong.push(format!("{} is disabled", s.name)),
                (Some(st), _) if s.name == "TermService" && st != "RUNNING" => {
                    wrong.push(format!("TermService is {st}"))
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
