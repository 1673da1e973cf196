//! The doctor end to end over the real path: a `sim:` target (the simulated VM behind SAC, served
//! in-process through the same session code a serial port uses), in both output profiles.
//! Each scenario: exactly the expected problems; `--apply --yes` fixes them; a second run is
//! clean. Also: a recorded run replays (`replay:FILE`) to the same JSON report.

use sacdoc::doctor::{self, report::json_without_timing, Quiet, RunOptions, Status};
use sacdoc::sac::{ConnectConfig, Credentials, Recording, Secret, Session};
use sacdoc::sim::machine::load_scenario;

/// One state folder for the whole test process (tests run in parallel threads and the variable
/// is process-wide); targets differ per test, so their state never mixes.
fn state_dir() -> &'static std::path::Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let d = DIR.get_or_init(|| tempfile::tempdir().unwrap()).path();
    std::env::set_var("SACDOC_STATE_DIR", d);
    d
}

/// The doctor's local folder for `target` inside [`state_dir`].
fn local(target: &str) -> std::path::PathBuf {
    let key: String = target
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .collect();
    state_dir().join(key)
}

fn config(target: &str, scenario: &str) -> ConnectConfig {
    let sc = load_scenario(scenario).unwrap();
    let c = &sc.credentials[0];
    let creds = Credentials {
        user: c.user.clone(),
        domain: c.domain.clone(),
        password: Secret::new(c.password.clone()),
    };
    let mut cfg = ConnectConfig::new(target.parse::<sacdoc::target::Target>().unwrap(), creds);
    cfg.record = Recording::Off;
    cfg.timeout = std::time::Duration::from_secs(30);
    cfg
}

fn problems(rep: &doctor::Report) -> Vec<String> {
    let mut v: Vec<String> =
        rep.checks.iter().filter(|c| c.status != Status::Ok).map(|c| c.id.to_string()).collect();
    v.sort();
    v
}

fn scenario_round_trip(scenario: &str, profile: &str) {
    state_dir();
    let target = format!("sim:{scenario}?profile={profile}");
    let mut s = Session::connect(&config(&target, scenario)).unwrap();
    let mut want = load_scenario(scenario).unwrap().expected_problems();
    want.sort();
    let rep = doctor::run(
        &mut s,
        &RunOptions::new(&target, local(&target)),
        &mut Quiet,
        &mut doctor::Yes,
    )
    .unwrap();
    assert_eq!(problems(&rep), want, "{target}: {:#?}", rep.checks);
    assert!(rep.bytes_sent > 0 && rep.bytes_received > 0);
    // nla reads only what rdp-port read; termservice reads only what rdp-port read when nothing
    // listens on the port (rdp-port then asks for the services' state itself).
    let nothing_listens =
        rep.checks.iter().any(|c| c.id == "rdp-port" && c.summary.starts_with("nothing listens"));
    let cached = |id: &str| id == "nla" || (id == "termservice" && nothing_listens);
    assert!(rep.checks.iter().all(|c| c.bytes > 0 || cached(c.id.as_str())), "{:#?}", rep.checks);
    if want.is_empty() {
        assert_eq!(rep.exit_code(), 0);
        s.close().unwrap();
        return;
    }
    assert_eq!(rep.exit_code(), 1);
    let mut o = RunOptions::new(&target, local(&target));
    o.apply = true;
    let rep = doctor::run(&mut s, &o, &mut Quiet, &mut doctor::Yes).unwrap();
    assert!(rep.fixes.iter().all(|f| f.verified == Some(true)), "{target}: {:#?}", rep.fixes);
    assert_eq!(rep.exit_code(), 0, "{target}: {:#?}", rep.fixes);
    let again = doctor::run(
        &mut s,
        &RunOptions::new(&target, local(&target)),
        &mut Quiet,
        &mut doctor::Yes,
    )
    .unwrap();
    assert!(problems(&again).is_empty(), "{target} after the fixes: {:#?}", again.checks);
    s.close().unwrap();
}

macro_rules! scenario_tests {
    ($($name:ident: $scenario:expr, $profile:expr;)*) => {$(
        #[test]
        fn $name() {
            scenario_round_trip($scenario, $profile);
        }
    )*};
}

scenario_tests! {
    healthy_stream: "healthy", "ws2022";
    healthy_painted: "healthy", "ws2019";
    port_conflict_stream: "port-conflict", "ws2022";
    port_conflict_painted: "port-conflict", "ws2019";
    cert_expired_stream: "cert-expired", "ws2022";
    cert_expired_painted: "cert-expired", "ws2019";
    machinekeys_acl_stream: "machinekeys-acl", "ws2022";
    machinekeys_acl_painted: "machinekeys-acl", "ws2019";
    tls_disabled_stream: "tls-disabled", "ws2022";
    tls_disabled_painted: "tls-disabled", "ws2019";
    gpo_reverts_tls_stream: "gpo-reverts-tls", "ws2022";
    gpo_reverts_tls_painted: "gpo-reverts-tls", "ws2019";
    busy_server_stream: "busy-server", "ws2022";
    busy_server_painted: "busy-server", "ws2019";
    cert_hash_missing_stream: "cert-hash-missing", "ws2022";
    cert_hash_missing_painted: "cert-hash-missing", "ws2019";
    termservice_disabled_stream: "termservice-disabled", "ws2022";
    termservice_disabled_painted: "termservice-disabled", "ws2019";
    firewall_port_mismatch_stream: "firewall-port-mismatch", "ws2022";
    firewall_port_mismatch_painted: "firewall-port-mismatch", "ws2019";
    firewall_rule_disabled_stream: "firewall-rule-disabled", "ws2022";
    firewall_rule_disabled_painted: "firewall-rule-disabled", "ws2019";
    tls12_disabled_by_default_stream: "tls12-disabled-by-default", "ws2022";
    tls12_disabled_by_default_painted: "tls12-disabled-by-default", "ws2019";
    decoy_nearby_port_stream: "decoy-nearby-port", "ws2022";
    decoy_nearby_port_painted: "decoy-nearby-port", "ws2019";
    security_layer_zero_stream: "security-layer-zero", "ws2022";
    security_layer_zero_painted: "security-layer-zero", "ws2019";
    gpsvc_disabled_earlier_stream: "gpsvc-disabled-earlier", "ws2022";
    gpsvc_disabled_earlier_painted: "gpsvc-disabled-earlier", "ws2019";
    port_conflict_and_tls_stream: "port-conflict-and-tls", "ws2022";
    port_conflict_and_tls_painted: "port-conflict-and-tls", "ws2019";
    machinekeys_and_tls_stream: "machinekeys-and-tls", "ws2022";
    machinekeys_and_tls_painted: "machinekeys-and-tls", "ws2019";
    gpo_paused_halfway_stream: "gpo-paused-halfway", "ws2022";
    gpo_paused_halfway_painted: "gpo-paused-halfway", "ws2019";
    cert_key_missing_stream: "cert-key-missing", "ws2022";
    cert_key_missing_painted: "cert-key-missing", "ws2019";
}

/// Records a diagnosis, replays the transcript as the VM, and gets the same report (timing
/// fields aside). With `SACDOC_REGEN_TRANSCRIPTS=1` the transcripts are also written to
/// `transcripts/doctor/` with their expected JSON beside them.
#[test]
fn recorded_run_replays_to_the_same_report() {
    let dir = tempfile::tempdir().unwrap();
    state_dir();
    let regen = std::env::var_os("SACDOC_REGEN_TRANSCRIPTS").is_some();
    // Regenerating records every scenario in both profiles; the everyday run records two.
    let pairs: Vec<(String, &str)> = if regen {
        sacdoc::sim::machine::scenario_names()
            .into_iter()
            .flat_map(|n| [(n.to_string(), "ws2022"), (n.to_string(), "ws2019")])
            .collect()
    } else {
        vec![("port-conflict".into(), "ws2022"), ("tls-disabled".into(), "ws2019")]
    };
    for (scenario, profile) in &pairs {
        let (scenario, profile) = (scenario.as_str(), *profile);
        // Recorded from SAC> (not from the boot banner), so the replay needs no event timing.
        let target = format!("sim:{scenario}?profile={profile}&start=sac");
        let cast = if regen {
            let d = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("transcripts/doctor");
            std::fs::create_dir_all(&d).unwrap();
            let p = d.join(format!("{scenario}-{profile}.cast"));
            let _ = std::fs::remove_file(&p);
            p
        } else {
            dir.path().join(format!("{scenario}-{profile}.cast"))
        };
        let mut cfg = config(&target, scenario);
        cfg.record = Recording::Path(cast.clone());
        let mut s = Session::connect(&cfg).unwrap();
        let opts = RunOptions::new(
            &format!("recorded-{scenario}-{profile}"),
            local(&format!("recorded-{scenario}-{profile}")),
        );
        let live = doctor::run(&mut s, &opts, &mut Quiet, &mut doctor::Yes).unwrap();
        s.close().unwrap();
        let live_json = json_without_timing(&live);
        if regen {
            let j = cast.with_extension("json");
            std::fs::write(j, serde_json::to_string_pretty(&live_json).unwrap()).unwrap();
        }
        let replay_target = format!("replay:{}", cast.display());
        let mut rcfg = config(&replay_target, scenario);
        rcfg.profile = s_profile(profile);
        let mut r = Session::connect(&rcfg).unwrap();
        let replayed = doctor::run(&mut r, &opts, &mut Quiet, &mut doctor::Yes).unwrap();
        let _ = r.close();
        assert_eq!(json_without_timing(&replayed), live_json, "{target}");
    }
}

fn s_profile(p: &str) -> Option<sacdoc::sac::Profile> {
    Some(if p == "ws2022" { sacdoc::sac::Profile::Stream } else { sacdoc::sac::Profile::Painted })
}

/// Committed transcripts in `transcripts/doctor/` replay to their committed JSON reports.
#[test]
fn committed_transcripts_replay() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("transcripts/doctor");
    // A missing or emptied folder fails the test instead of passing it with nothing checked.
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    state_dir();
    let mut casts: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().and_then(|x| x.to_str()) == Some("cast"))
        .collect();
    casts.sort();
    assert!(casts.len() >= 14, "only {} doctor transcripts in {}", casts.len(), dir.display());
    for p in casts {
        let want: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(p.with_extension("json")).unwrap())
                .unwrap();
        let stem = p.file_stem().unwrap().to_string_lossy().to_string();
        let (scenario, profile) = stem.rsplit_once('-').unwrap();
        let mut cfg = config(&format!("replay:{}", p.display()), scenario);
        cfg.profile = s_profile(profile);
        let mut r = Session::connect(&cfg).unwrap();
        let rep = doctor::run(
            &mut r,
            &RunOptions::new(&format!("recorded-{stem}"), local(&format!("recorded-{stem}"))),
            &mut Quiet,
            &mut doctor::Yes,
        )
        .unwrap();
        let _ = r.close();
        assert_eq!(json_without_timing(&rep), want, "{}", p.display());
    }
}
