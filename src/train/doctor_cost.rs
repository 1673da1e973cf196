//! What `sacdoc doctor --apply --yes` needs for the same exercise: run on a fresh copy of the
//! VM (same scenario and options), counting the commands it ran, the bytes and the time, and
//! asking the copy's state afterwards whether RDP would connect.

use std::sync::Arc;

use super::card::DoctorCost;
use super::vm::{TrainTarget, TrainVm};
use crate::doctor::{self, engine::Event, RunOptions};
use crate::sac::{ConnectConfig, Credentials, Recording, Secret, Session};
use crate::sim::machine::rdp_reach;

/// Runs the doctor with every fix confirmed. Its follow-up state goes to a temporary folder, so
/// the trainee's own doctor runs on real targets are not affected.
pub fn measure(scenario: &str, query: &str) -> anyhow::Result<DoctorCost> {
    let sc = crate::sim::machine::load_scenario(scenario)?;
    let acct = sc
        .credentials
        .first()
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("scenario {scenario} has no account to log in with"))?;
    let vm = TrainVm::default();
    let target = TrainTarget {
        scenario: scenario.into(),
        query: query.into(),
        vm: vm.clone(),
        hidden: false,
    };
    let name = target.to_string();
    let creds =
        Credentials { user: acct.user, domain: acct.domain, password: Secret::new(acct.password) };
    let mut cfg = ConnectConfig::new(Arc::new(target), creds);
    cfg.record = Recording::Off;
    let scratch = tempfile::tempdir()?;
    let mut opts = RunOptions::new(&name, scratch.path().to_path_buf());
    opts.apply = true;
    let mut commands = 0usize;
    let mut count = |e: &Event<'_>| {
        if let Event::CommandFinished { cached: false, .. } = e {
            commands += 1;
        }
    };
    let mut session = Session::connect(&cfg)?;
    let report = doctor::run(&mut session, &opts, &mut count, &mut doctor::Yes)?;
    let _ = session.close();
    let fixed = vm.machine().is_some_and(|m| rdp_reach::evaluate(&m.state).connects());
    Ok(DoctorCost {
        commands,
        bytes_sent: report.bytes_sent,
        bytes_received: report.bytes_received,
        seconds: report.duration_ms as f64 / 1000.0,
        fixed,
    })
}
